#!/usr/bin/env bash
# Fails, naming each file, when a C or C++ source of the project differs from
# what clang-format makes of it with the repository's .clang-format.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v clang-format >/dev/null || {
  echo "check_format: clang-format not found (apt-get install -y clang-format)" >&2
  exit 1
}
mapfile -t files < <(find agent include tests fuzz bench -name '*.cc' -o -name '*.h' -o -name '*.c' |
  sort)
((${#files[@]} > 0)) || { echo "check_format: no sources found under $root" >&2; exit 1; }
bad=()
for f in "${files[@]}"; do
  clang-format --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf 'check_format: not clang-formatted: %s\n' "${bad[@]}" >&2
  echo "check_format: run clang-format -i on them" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
