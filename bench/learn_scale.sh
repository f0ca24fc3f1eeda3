#!/usr/bin/env bash
# Scale check of `credence train` (the default: C and the naive Bayes blend by cross-validation):
# N documents drawn with replacement from the train and test files of liar6, agnews_test8020
# and perezrosas (12 classes; the fastText scale run's draw, bench/fasttext/prep.py), as JSONL.
# Prints one markdown line: documents, classes, features, wall time by stage, peak RSS.
#
#   N=50000 bash bench/learn_scale.sh     # ~1 min on 2 cores; N=300000 takes ~9 min
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${CREDENCE_SHARED:-../shared}
export CREDENCE_SHARED=$(cd "$shared" && pwd)
N=${N:-50000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/credence" ./cmd/credence
/usr/bin/python3 bench/fasttext/prep.py --scale-jsonl "$work/scale.jsonl" "$N"
/usr/bin/time -o "$work/time" -f '%e %M' "$work/credence" train --data "$work/scale.jsonl" --text text --label label \
  --out "$work/scale.model" --json >"$work/out.json"
read -r wall rss <"$work/time"
/usr/bin/python3 - "$work/out.json" "$wall" "$rss" "$N" "$(git rev-parse --short HEAD)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["seconds"]
print(f"| {int(sys.argv[4]):,} | {len(d['model']['labels'])} | {d['model']['num_features']:,} | "
      f"{float(sys.argv[2]):.0f} s (cross-validation {s['cross-validation']:.0f}, final fit {s['train']:.0f}, "
      f"features {s['features']:.1f}) | {int(sys.argv[3]) / 1024:.0f} MB | C = {d['chosen_c']:g} | {sys.argv[5]} |")
PY
