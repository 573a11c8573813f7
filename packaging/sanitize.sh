#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer
# (IRSA_AGENT_SANITIZE=address,undefined) and runs the whole CTest suite: the
# unit tests and the integration tests, which run the sanitized binary.
#
#   packaging/sanitize.sh [CTEST ARGS...]     e.g. packaging/sanitize.sh -R unit
#
# Environment: IRSA_SANITIZE_BUILD_DIR (default build-asan). Fails when a test
# fails or any process left a sanitizer report in <build>/sanitizer-logs/
# (tests/CMakeLists.txt points ASAN_OPTIONS/UBSAN_OPTIONS/LSAN_OPTIONS there,
# with halt_on_error=1, detect_leaks=1 and exit code 86).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${IRSA_SANITIZE_BUILD_DIR:-$root/build-asan}
cpus=$(nproc)
start=$(date +%s)

# -O1 as the sanitizer documentation recommends; -g1 (line tables) is all a
# report's stack trace needs and keeps the binary under the 64 MiB that
# `irsa-agent install` copies (full debug info makes it 68 MB).
cmake -S "$root" -B "$build" -DIRSA_AGENT_SANITIZE=address,undefined -DIRSA_AGENT_SLOW_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >/dev/null
cmake --build "$build" -j "$cpus"
built=$(date +%s)

logs=$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
status=0
(cd "$build" && ctest --output-on-failure "$@") || status=$?

reports=$(find "$logs" -type f | sort)
if [[ -n $reports ]]; then
  echo "sanitize: sanitizer reports:" >&2
  for report in $reports; do
    echo "---- $report" >&2
    cat "$report" >&2
  done
  status=1
fi
end=$(date +%s)
echo "sanitize: build $((built - start)) s, tests $((end - built)) s, exit $status"
exit "$status"
