#!/usr/bin/env python3
"""Input files of bench/fasttext.sh, in fastText's format.

    prep.py OUT_DIR DATASET...      per dataset: OUT/DATASET/{train,test,bulk,empty}.txt
    prep.py --scale OUT_FILE N      N documents for the scale run
    prep.py --scale-jsonl OUT_FILE N  the same N documents as JSONL {"text", "label"}
                                      (raw text, for bench/learn_scale.sh)

train/test are written exactly as the baselines do (baselines.py: load() and write_ft(), i.e.
`__label__X ft_norm(text)`), by importing the shared baselines.py. bulk.txt is test.txt repeated
until it has at least max(20,000 documents, BULK_TOKENS tokens), so that the fastText binary's
prediction time is not hidden by its model load. The scale corpus draws documents (with
replacement, shuffled) from the train and test files of liar6, agnews_test8020 and perezrosas.
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("CREDENCE_SHARED") or os.path.join(HERE, "..", "..", "..", "shared")
sys.path.insert(0, os.path.join(SHARED, "reference", "baselines"))
import baselines  # noqa: E402  (the shared reference: load, ft_norm, write_ft)

BULK_DOCS = 20000
BULK_TOKENS = int(os.environ.get("BULK_TOKENS", "4000000"))


def prep(out, name):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    xtr, ytr, xte, yte = baselines.load(name)
    baselines.write_ft(os.path.join(d, "train.txt"), xtr, ytr)
    baselines.write_ft(os.path.join(d, "test.txt"), xte, yte)
    open(os.path.join(d, "empty.txt"), "w").close()
    lines = open(os.path.join(d, "test.txt"), encoding="utf-8").read().splitlines(True)
    tokens = sum(len(l.split()) for l in lines)
    reps = max(-(-BULK_DOCS // len(lines)), -(-BULK_TOKENS // max(tokens, 1)))
    with open(os.path.join(d, "bulk.txt"), "w", encoding="utf-8") as f:
        f.write("".join(lines) * reps)
    print("%s: %d train, %d test, %d bulk" % (name, len(xtr), len(xte), len(lines) * reps), file=sys.stderr)


def scale(path, n, jsonl=False):
    pool = []
    for name in ("liar6", "agnews_test8020", "perezrosas"):
        xtr, ytr, xte, yte = baselines.load(name)
        for x, y in zip(xtr + xte, ytr + yte):
            if jsonl:
                pool.append(json.dumps({"text": x, "label": y}) + "\n")
            else:
                pool.append("__label__%s %s\n" % (y, baselines.ft_norm(x)))
    rng = random.Random(42)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n):
            f.write(pool[rng.randrange(len(pool))])
    print("scale: %d documents drawn from %d" % (n, len(pool)), file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1] in ("--scale", "--scale-jsonl"):
        scale(sys.argv[2], int(sys.argv[3]), jsonl=sys.argv[1] == "--scale-jsonl")
    else:
        for name in sys.argv[2:]:
            prep(sys.argv[1], name)
