#!/usr/bin/env bash
# Side-by-side benchmark of credence's fastText-class model (model/fasttext) and the fastText
# binary, in one run, same files and hyperparameters: the fastText rows of
# ../shared/reference/baselines/BASELINES.md (liar6, liar2, perezrosas, agnews_test8020,
# fakenewsamt, celebrity × epoch 5|25 × wordNgrams 1|2; lr 0.5, thread 2, dim 100,
# bucket 2,000,000, minCount 1, softmax; input written by the shared baselines.py, i.e. ft_norm),
# then a scale run on ~1M documents with 1 and 2 threads.
#
#   bash bench/fasttext.sh            # markdown report on stdout (~15 min on 2 cores)
#   bash bench/fasttext.sh --append   # also append it to docs/BENCHMARKS.md
#
# Needs Go, Debian's fasttext (/usr/bin/fasttext), /usr/bin/python3, /usr/bin/time and
# ../shared beside the repository (or CREDENCE_SHARED). Knobs (environment): FT_REPS (3),
# FT_DATASETS, FT_SETTINGS, FT_SEEDS (3), FT_SCALE_DOCS (1000000; 0 = no scale run), FT_SCALE_EPOCH (1).
#
# Per configuration and run: train with both (wall time and peak RSS of the whole process:
# fastText's `supervised` writes model.bin and model.vec; credence's bench/fasttext program reads
# the file, trains and writes its compact model), accuracy on the test file (fastText: `fasttext
# predict`; credence: Predict top-1, in-process). On the first run: prediction throughput on the
# test file repeated to >= max(20,000 docs, 4M tokens) — fastText: wall of `fasttext predict` on
# it minus the wall on an empty file (its model load); credence: in-process Predict on one
# goroutine (best of 3 passes), model load excluded. Then every configuration again with one
# thread and seeds 1..FT_SEEDS, where both tools are deterministic (accuracy only).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${CREDENCE_SHARED:-../shared}
shared=$(cd "$shared" && pwd)
export CREDENCE_SHARED=$shared
for need in /usr/bin/fasttext /usr/bin/python3 /usr/bin/time; do
  [ -x "$need" ] || { echo "fasttext.sh: $need is missing (apt-get install fasttext python3 time)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/credft" ./bench/fasttext
datasets=${FT_DATASETS:-liar6 liar2 perezrosas agnews_test8020 fakenewsamt celebrity}
if [ "$datasets" != none ]; then # FT_DATASETS=none: the scale run only
  /usr/bin/python3 bench/fasttext/prep.py "$work" $datasets
fi
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u +%Y-%m-%dT%H:%MZ)
t0=$(date +%s)
body=$(/usr/bin/python3 bench/fasttext/run.py "$work" "$work/credft")
t1=$(date +%s)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
report=$(cat <<MD

## fastText-class model vs fastText

Script: \`bash bench/fasttext.sh\` (run $start, $(nproc) cores, $cpu, $(($t1 - $t0)) s; load average
$load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(go version | cut -d' ' -f3),
$(dpkg-query -W -f='fastText ${Version}' fasttext 2>/dev/null || echo fastText), commit $commit plus the working tree).
Both tools train on the same files (written by the shared \`baselines.py\`: \`__label__X ft_norm(text)\`)
with the same hyperparameters (BASELINES.md: lr 0.5, thread 2, dim 100, bucket 2,000,000,
minCount 1, softmax; epoch/wordNgrams per row), ${FT_REPS:-3} runs each; with 2 threads
neither is deterministic, so accuracies are the median with every run in parentheses.
Test sets are small: one item is 0.07–1 accuracy points.

$body
MD
)
echo "$report"
if [ "${1:-}" = "--append" ]; then
  echo "$report" >> docs/BENCHMARKS.md
fi
