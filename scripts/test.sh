#!/usr/bin/env bash
# The test command: vet, the whole test suite, then every fuzz target for a
# few seconds (FUZZTIME, default 5s) so parsers and loaders meet fresh input.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-5s}

go vet ./...
go test -count=1 ./...

# Each Fuzz target in each package, briefly.
grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u | while read -r dir; do
  for target in $(grep -h '^func Fuzz' "$dir"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do
    echo "fuzz $dir $target ($fuzztime)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$dir" > /tmp/fuzz.$$.log 2>&1 || { cat /tmp/fuzz.$$.log; exit 1; }
  done
done
echo "fuzz targets passed"
