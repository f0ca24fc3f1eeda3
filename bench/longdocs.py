#!/usr/bin/env python3
"""Writes a CSV of long made-up articles (id,title,text,label) for timing the
vocabulary and training stages on long documents; no meaning, deterministic.

    python3 bench/longdocs.py N OUT.csv      # N articles of 200-600 words

Words are drawn from a Zipf-like vocabulary of 200,000 letter strings, so most
word pairs occur once, as in news; each label adds five words of its own.
"""
import csv
import itertools
import random
import sys


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(200000)]
    cum = list(itertools.accumulate(1 / (i + 1) ** 1.05 for i in range(len(vocab))))
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "text", "label"])
        for i in range(n):
            real = i % 2
            words = rng.choices(vocab, cum_weights=cum, k=rng.randint(200, 600))
            words += rng.choices(vocab[5000:5100] if real else vocab[6000:6100], k=5)
            rng.shuffle(words)
            w.writerow([i, " ".join(words[:8]), " ".join(words), "REAL" if real else "FAKE"])


if __name__ == "__main__":
    main()
