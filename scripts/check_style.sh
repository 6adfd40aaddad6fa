#!/usr/bin/env bash
# The layout rules of issue 18 that a machine can check (CTest `style.layout`):
#  1. every C++ file under src/, include/, tests/ and benchmarks/ is formatted by .clang-format
#     (clang-format 14: `clang-format-14 --dry-run --Werror`);
#  2. no source reaches into another module's private headers (`#include "../` in src/);
#  3. no file in src/ over 650 lines (the ~600-line mark of the brief, with a small margin).
# Usage: check_style.sh <clang-format binary>. Exit 1 naming each offending file.
set -uo pipefail
cd "$(dirname "$0")/.."
fmt=${1:-clang-format-14}
status=0
mapfile -t files < <(find src include tests benchmarks \( -name '*.cpp' -o -name '*.hpp' \) | sort)
bad=$("$fmt" --dry-run --Werror "${files[@]}" 2>&1 | grep -oE '^[^:]+:[0-9]+:[0-9]+: error' | cut -d: -f1 | sort -u)
for f in $bad; do echo "not clang-formatted: $f (run: $fmt -i $f)"; status=1; done
if grep -rn '#include "\.\./' src; then
  echo "the lines above include another module's private header"; status=1
fi
while read -r n f; do
  if [[ "$f" != total && "$n" -gt 650 ]]; then
    echo "$f has $n lines (> 650): split it by responsibility"; status=1
  fi
done < <(find src \( -name '*.cpp' -o -name '*.hpp' \) -print0 | xargs -0 wc -l)
[[ $status == 0 ]] && echo "style: ${#files[@]} C++ files formatted, no private includes, no src file > 650 lines"
exit $status
