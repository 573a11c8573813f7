#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for SECONDS
# (default 30), starting from the seed corpus in fuzz/corpus/<target>.
# Fails when any target finds a crash, a leak, a time-out or a broken
# invariant; prints executions and coverage per target.
#
#   fuzz/run.sh [SECONDS] [TARGET...]        (targets: names without _fuzz)
#
# Environment: IRSA_FUZZ_BUILD_DIR (default build-fuzz), IRSA_FUZZ_PARALLEL
# (targets at once, default: the number of CPUs, at most 2), IRSA_FUZZ_SEED
# (a fixed libFuzzer seed, as CTest's smoke run uses: each target then starts
# from the repository's seeds only, so a run on a slower machine tries a
# prefix of the same inputs and any finding reproduces with the same seed).
# Generated inputs go to $IRSA_FUZZ_BUILD_DIR/corpus/<target> (corpus-seeded/
# with a fixed seed), crash inputs to $IRSA_FUZZ_BUILD_DIR/artifacts/; the
# repository's seeds are only read.
set -euo pipefail

seconds=${1:-30}
[[ $# -gt 0 ]] && shift
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: $0 [SECONDS] [TARGET...]" >&2
  exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
build=${IRSA_FUZZ_BUILD_DIR:-$root/build-fuzz}
cpus=$(nproc)
parallel=${IRSA_FUZZ_PARALLEL:-$((cpus < 2 ? cpus : 2))}
seed=${IRSA_FUZZ_SEED:-}
if [[ -n $seed ]] && ! [[ $seed =~ ^[1-9][0-9]{0,8}$ ]]; then
  echo "fuzz: IRSA_FUZZ_SEED must be a number from 1 to 999999999, not '$seed'" >&2
  exit 2
fi
corpora=$build/corpus
[[ -n $seed ]] && corpora=$build/corpus-seeded

all_targets=(labels invocation settings_ini answer published_config jwt retry_after arn state
  listen_address http_request http_response sts pod_identity eks kube_pods)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")

for tool in clang clang++ cmake; do
  command -v "$tool" >/dev/null || {
    echo "fuzz: $tool not found (apt-get install -y clang libclang-rt-14-dev cmake)" >&2
    exit 1
  }
done

echo "fuzz: building in $build"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DIRSA_AGENT_FUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log" >&2; exit 1; }
rm -f "$build.configure.log"
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${t}_fuzz"); done
cmake --build "$build" -j "$cpus" --target "${build_targets[@]}"

dict_for() {
  case $1 in
    answer | published_config | arn) echo answer ;;
    settings_ini) echo settings ;;
    labels | invocation | jwt | retry_after | state | sts) echo "$1" ;;
    pod_identity | eks | kube_pods) echo pod_json ;;
    *) echo "" ;;
  esac
}

# Runs one target; its log goes to $build/logs/<target>.log.
run_one() {
  local name=$1
  local work=$corpora/$name seeds=$root/fuzz/corpus/$name dict
  dict=$(dict_for "$name")
  [[ -n $seed ]] && rm -rf "$work"
  mkdir -p "$work" "$build/artifacts" "$build/logs"
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-")
  [[ -n $dict ]] && args+=(-dict="$root/fuzz/dict/$dict.dict")
  [[ -n $seed ]] && args+=(-seed="$seed")
  local status=0
  "$build/fuzz/${name}_fuzz" "${args[@]}" "$work" "$seeds" >"$build/logs/$name.log" 2>&1 ||
    status=$?
  echo "$status" >"$build/logs/$name.rc"
}

start=$(date +%s)
for name in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  rm -f "$build/logs/$name.rc"
  run_one "$name" &
done
wait

failed=0
printf '\n%-18s %8s %10s %8s %6s %7s %7s  %s\n' target seconds execs exec/s cov ft corpus result
for name in "${targets[@]}"; do
  status=$(cat "$build/logs/$name.rc" 2>/dev/null || echo 1)
  log=$build/logs/$name.log
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log")
  corpus=$(find "$corpora/$name" -type f | wc -l)
  result=ok
  if ((status != 0)); then
    result="FAILED (exit $status, see $log)"
    failed=1
  fi
  printf '%-18s %8s %10s %8s %6s %7s %7s  %s\n' "$name" "$seconds" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "$corpus" "$result"
done
echo "fuzz: $((($(date +%s) - start))) s of fuzzing, $parallel target(s) at a time${seed:+, seed $seed}"

if ((failed)); then
  for name in "${targets[@]}"; do
    log=$build/logs/$name.log
    if grep -qE '^(==[0-9]+==ERROR|SUMMARY:|invariant violated|artifact_prefix|Test unit written)' "$log"; then
      echo "---- $name ----" >&2
      grep -E 'invariant violated|ERROR|SUMMARY|runtime error|Test unit written|Base64' "$log" >&2 || true
    fi
  done
  echo "fuzz: FAILED; reproduce with: $build/fuzz/<target>_fuzz $build/artifacts/<file>" >&2
  echo "fuzz: a crash input belongs in fuzz/corpus/<target>/ as a regression seed" >&2
  exit 1
fi
