#!/usr/bin/env bash
# Trains credence's built-in news-credibility model from the shared corpora,
# reproducibly: fixed seed, fixed worker count, fixed creation date. Running it
# again on the same data gives the same file, byte for byte.
#
#   bash scripts/default-model.sh [OUT]     (default: model/defaultmodel/default.credence)
#
# Data: three article-level corpora with fake/real judgements, mapped to fake/real:
#   Pérez-Rosas 2018 (fake / legit), FA-KES 2019 (label 0 fake / 1 credible),
#   BuzzFeed-Webis 2016 (mostly false / mostly true; mixture and no-factual-content rows left out).
# Before the final model, each corpus is held out in turn (train on the other two, test on it):
# those cross-dataset figures go on the model card beside the in-corpus held-out figures.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${CREDENCE_SHARED:-../shared}
d=$shared/datasets
out=${1:-model/defaultmodel/default.credence}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1764115200} # 2025-11-26: the card's creation date

go build -o "$work/credence" ./cmd/credence
pr=$d/perezrosas/perezrosas2018.csv.gz
fk=$d/fakes/fakes.csv.gz
bf=$d/buzzfeedwebis/buzzfeedwebis2016.csv.gz
map="fake,0,mostly false=fake;legit,1,mostly true=real;mixture of true and false,no factual content=-"
common=(--text title,text --label label --label-map "$map" --profile plain --algo logreg --seed 1 --workers 2 --log-level warn)

# Cross-dataset: train on two corpora, test on the third.
declare -A name=([$pr]=perezrosas [$fk]=fakes [$bf]=buzzfeedwebis)
notes=()
for test in "$pr" "$fk" "$bf"; do
  train=()
  for f in "$pr" "$fk" "$bf"; do [ "$f" = "$test" ] || train+=(--data "$f"); done
  "$work/credence" train "${train[@]}" "${common[@]}" --test-frac 0 --out "$work/x.model" >/dev/null
  r=$("$work/credence" eval --model "$work/x.model" --data "$test" --text title,text --label label --label-map "$map" --json --workers 2 --log-level warn)
  fig=$(printf '%s' "$r" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("accuracy %.3f, macro-F1 %.3f on %d documents" % (r["accuracy"], r["macro_f1"], r["n"]))')
  notes+=(--note "cross-dataset ${name[$test]}=$fig, trained on the other two corpora")
  echo "held out ${name[$test]}: $fig" >&2
done

"$work/credence" train --data "$pr" --data "$fk" --data "$bf" "${common[@]}" --test-frac 0.2 \
  --uncertain-band fake:0.35-0.65 "${notes[@]}" \
  --note "limits=Trained on 3,135 English articles from 2016-2018 (US politics and celebrity news, the Syrian war). It judges writing style and topic, not facts: it cannot check claims, and on text unlike its training data (other outlets, years, topics, social posts) it is much less accurate, as the cross-dataset figures show. Treat a verdict as a prompt to check the article, never as proof." \
  --note "uncertainty=P(fake) between 0.35 and 0.65 is reported as uncertain rather than as fake or real" \
  --out "$out"
