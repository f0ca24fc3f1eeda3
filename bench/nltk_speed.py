# Times the NLTK reference normalizer on the documents of a JSONL file
# ({"raw": ...} per line), in one process, WordNet load excluded.
# Prints one JSON object. Usage: python3 nltk_speed.py REFERENCE_DIR DOCS.jsonl PASSES
import json, sys, time
sys.path.insert(0, sys.argv[1])
from nltk_reference import Normalizer
docs = [json.loads(l)["raw"] for l in open(sys.argv[2], encoding="utf-8")]
passes = int(sys.argv[3])
nbytes = sum(len(d.encode("utf-8")) for d in docs)
t0 = time.perf_counter()
n = Normalizer()
n("warm up")
load = time.perf_counter() - t0
t = time.perf_counter()
for d in docs:            # first pass: the lemma memo starts empty, as in a notebook run
    n(d)
cold = time.perf_counter() - t
best = float("inf")
for _ in range(passes):   # later passes: every lemma memoised, the reference at its fastest
    t = time.perf_counter()
    for d in docs:
        n(d)
    best = min(best, time.perf_counter() - t)
print(json.dumps({"docs": len(docs), "bytes": nbytes, "load_s": load,
                  "cold_MBps": nbytes / cold / 1e6, "warm_MBps": nbytes / best / 1e6}))
