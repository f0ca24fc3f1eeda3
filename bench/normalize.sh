#!/usr/bin/env bash
# Side-by-side speed of credence normalize and the NLTK reference pipeline on
# the same 600 documents (the shared parity fixtures: 300 Pérez-Rosas
# articles, 300 AG News items), in one run on this machine. Needs Debian's
# python3-nltk and wordnet-base, and ../shared beside the repository.
#
#   bash bench/normalize.sh            # prints a markdown report
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${CREDENCE_SHARED:-../shared}
ref=$shared/reference/nltk-reference
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/credence" ./cmd/credence
cat "$shared"/reference/nltk-parity/perezrosas-300.jsonl "$shared"/reference/nltk-parity/agnews-300.jsonl |
  /usr/bin/python3 -c 'import json,sys
for l in sys.stdin: print(json.dumps({"raw": json.loads(l)["raw"]}, ensure_ascii=False))' > "$work/docs.jsonl"
# A 100x larger input (63 MB) and a 1000x one (634 MB) for throughput and memory.
for i in $(seq 100); do cat "$work/docs.jsonl"; done > "$work/docs100.jsonl"
for i in $(seq 10); do cat "$work/docs100.jsonl"; done > "$work/docs1000.jsonl"

echo "## Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
py=$(/usr/bin/python3 bench/nltk_speed.py "$ref" "$work/docs.jsonl" 5)
echo "NLTK reference (in-process, WordNet load excluded): $py"

gobench=$(go test ./normalize -run '^$' -bench 'BenchmarkNLTK$|BenchmarkNLTKParallel$|BenchmarkModern$' -benchtime 3s -cpu 2 | grep '^Benchmark')
echo
echo '```'
echo "$gobench"
echo '```'

# End to end through the CLI: wall time and peak RSS.
e2e() { # workers file [cpu list]
  /usr/bin/time -f '%e %M' taskset -c "${3:-0-$(($(nproc) - 1))}" "$work/credence" normalize --format jsonl --field raw --workers "$1" "$2" 2>"$work/time" >/dev/null
  tail -1 "$work/time"
}
read -r w1 m1 <<<"$(e2e 1 "$work/docs100.jsonl")"
read -r w2 m2 <<<"$(e2e 2 "$work/docs100.jsonl")"
read -r w3 m3 <<<"$(e2e 2 "$work/docs1000.jsonl")"
read -r w0 m0 <<<"$(e2e 1 "$work/docs.jsonl")"
read -r wc mc <<<"$(e2e 1 "$work/docs100.jsonl" 0)" # everything on one core
size100=$(stat -c %s "$work/docs100.jsonl"); size1000=$(stat -c %s "$work/docs1000.jsonl")

/usr/bin/python3 - "$py" "$gobench" "$w1" "$w2" "$w3" "$m1" "$m2" "$m3" "$size100" "$size1000" "$w0" "$m0" "$wc" <<'PY'
import json, re, sys
py = json.loads(sys.argv[1]); bench = sys.argv[2]
w1, w2, w3 = map(float, sys.argv[3:6]); m1, m2, m3 = map(int, sys.argv[6:9])
s100, s1000 = int(sys.argv[9]), int(sys.argv[10]); w0, m0 = float(sys.argv[11]), int(sys.argv[12])
wc = float(sys.argv[13])
def mbps(name):
    m = re.search(r"^%s-2\s+\d+\s+[\d.]+ ns/op\s+([\d.]+) MB/s" % name, bench, re.M)
    return float(m.group(1))
one, two, modern = mbps("BenchmarkNLTK"), mbps("BenchmarkNLTKParallel"), mbps("BenchmarkModern")
warm, cold = py["warm_MBps"], py["cold_MBps"]
print()
print("| what | MB/s | vs NLTK warm memo | vs NLTK first pass |")
print("| --- | ---: | ---: | ---: |")
print(f"| NLTK reference, first pass (memo filling) | {cold:.1f} | {cold/warm:.2f}x | 1.00x |")
print(f"| NLTK reference, warm memo (its best) | {warm:.1f} | 1.00x | {warm/cold:.2f}x |")
print(f"| credence nltk, 1 core (go bench) | {one:.0f} | **{one/warm:.1f}x** | {one/cold:.1f}x |")
print(f"| credence nltk, 2 cores (go bench) | {two:.0f} | {two/warm:.1f}x | {two/cold:.1f}x |")
print(f"| credence modern, 1 core (go bench) | {modern:.0f} | {modern/warm:.1f}x | {modern/cold:.1f}x |")
e1, e2, ec = s100/w1/1e6, s100/w2/1e6, s100/wc/1e6
print(f"| credence CLI jsonl, 63 MB, one core (`taskset -c 0`, --workers 1, end to end) | {ec:.0f} | {ec/warm:.1f}x | {ec/cold:.1f}x |")
print(f"| credence CLI jsonl, 63 MB, --workers 1 (end to end) | {e1:.0f} | {e1/warm:.1f}x | {e1/cold:.1f}x |")
print(f"| credence CLI jsonl, 63 MB, --workers 2 (end to end) | {e2:.0f} | {e2/warm:.1f}x | {e2/cold:.1f}x |")
e3 = s1000/w3/1e6
print(f"| credence CLI jsonl, 634 MB, --workers 2 (end to end) | {e3:.0f} | {e3/warm:.1f}x | {e3/cold:.1f}x |")
print()
print(f"Two workers over one: **{two/one:.2f}x** in-process (go bench); CLI end to end {e2/ec:.2f}x over one core, {e2/e1:.2f}x over `--workers 1` on two cores.  ")
print(f"Peak RSS: {m0/1024:.0f} MB for 0.63 MB, {m1/1024:.0f} MB / {m2/1024:.0f} MB for 63 MB (1 / 2 workers), {m3/1024:.0f} MB for 634 MB (2 workers).  ")
print(f"Start-up: the whole 600-document run takes {w0:.2f} s end to end for credence; NLTK needs {py['load_s']:.2f} s to load WordNet before its first document.")
PY
