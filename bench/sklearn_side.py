#!/usr/bin/env python3
"""scikit-learn side of bench/learn.sh (credence train/eval/classify vs scikit-learn).

Same datasets, splits, settings and measurements as
../shared/reference/baselines/baselines.py (see BASELINES.md there):

    /usr/bin/python3 bench/sklearn_side.py sk DATASET MODEL
        one scikit-learn configuration, in-process; prints one JSON line: accuracy and
        macro-F1, train seconds (TfidfVectorizer.fit_transform + classifier fit, median
        of 3), bulk docs/s (transform + predict on the test texts repeated to >= 20,000
        docs, median of 3) and peak RSS (VmHWM after the 3 fit/predict runs, before the
        bulk step). Run it once per process so that VmHWM belongs to one configuration.
    /usr/bin/python3 bench/sklearn_side.py texts DATASET DIR
        writes the test texts that the scikit-learn side predicts, for credence:
        DIR/test.jsonl ({"text", "gold"}; gold uses credence's label names),
        DIR/bulk.jsonl (the same texts repeated to >= 20,000 docs, exactly the
        scikit-learn bulk set) and DIR/one.jsonl (the first text only).

DATASET is liar6, liar2, perezrosas or agnews_test8020; MODEL is logreg_C1, logreg_C10,
linearsvc, mnb or pa (the baselines), or logreg_cv (not a baseline: C chosen by 3-fold
cross-validation over the grid credence's default uses, for a same-work training time). Datasets are read from $CREDENCE_SHARED/datasets (default
../shared beside the repository). Use Debian's /usr/bin/python3 (python3-sklearn).
"""
import csv
import gzip
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("CREDENCE_SHARED") or os.path.join(HERE, "..", "..", "shared")
DATA = os.path.join(SHARED, "datasets")
REPS = 3
BULK_MIN = 20000

csv.field_size_limit(1 << 30)

LIAR_BIN = {"true": "real", "mostly-true": "real", "half-true": "real",
            "barely-true": "fake", "false": "fake", "pants-fire": "fake"}
AGNEWS = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci/Tech"}


def read_csv_gz(path, **kw):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f, **kw))


def split_idx(path):
    with open(path) as f:
        return set(json.load(f)["test"])


def liar(part):
    rows = read_csv_gz(os.path.join(DATA, "liar", part + ".tsv.gz"), delimiter="\t",
                       quoting=csv.QUOTE_NONE)
    return [r[2] for r in rows], [r[1] for r in rows]


def load(name):
    """(train_texts, train_labels, test_texts, test_labels), as in baselines.py.
    Labels are credence's names (legit stays legit, AG News 1-4 become names): renaming
    labels changes no figure."""
    if name in ("liar6", "liar2"):
        xtr, ytr = liar("train")
        xte, yte = liar("test")
        if name == "liar2":
            ytr = [LIAR_BIN[y] for y in ytr]
            yte = [LIAR_BIN[y] for y in yte]
        return xtr, ytr, xte, yte
    if name == "agnews_test8020":
        rows = read_csv_gz(os.path.join(DATA, "agnews", "test.csv.gz"))[1:]
        test = split_idx(os.path.join(DATA, "agnews", "split.json"))
    elif name == "perezrosas":
        rows = read_csv_gz(os.path.join(DATA, "perezrosas", "perezrosas2018.csv.gz"))[1:]
        test = split_idx(os.path.join(DATA, "perezrosas", "split.json"))
    else:
        raise SystemExit("unknown dataset " + name)
    if name == "agnews_test8020":  # label,title,description
        f = lambda r: (r[1] + " " + r[2], AGNEWS[r[0]])
    else:  # dataset,domain,file,label,title,text
        f = lambda r: (r[4] + " " + r[5], r[3])
    tr = [f(r) for i, r in enumerate(rows) if i not in test]
    te = [f(r) for i, r in enumerate(rows) if i in test]
    return [t for t, _ in tr], [y for _, y in tr], [t for t, _ in te], [y for _, y in te]


def bulk_of(xte):
    return xte * (-(-BULK_MIN // len(xte)))


def make_model(m):
    from sklearn.linear_model import LogisticRegression, PassiveAggressiveClassifier
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import LinearSVC
    if m == "logreg_C1":
        return LogisticRegression(C=1.0, solver="liblinear")
    if m == "logreg_C10":
        return LogisticRegression(C=10.0, solver="liblinear")
    if m == "linearsvc":
        return LinearSVC()
    if m == "mnb":
        return MultinomialNB()
    if m == "pa":
        return PassiveAggressiveClassifier(max_iter=50, random_state=42)
    if m == "logreg_cv":
        # Not a baseline: the work credence's default does, done by scikit-learn
        # (C by 3-fold stratified cross-validation on macro-F1 over the same grid,
        # balanced class weights, refit on all training data, both cores).
        from sklearn.model_selection import GridSearchCV, StratifiedKFold
        return GridSearchCV(LogisticRegression(solver="liblinear", class_weight="balanced"),
                            {"C": [0.1, 0.3, 1, 3, 10]}, scoring="f1_macro",
                            cv=StratifiedKFold(3, shuffle=True, random_state=1), n_jobs=2)
    raise SystemExit("unknown model " + m)


def vmhwm_mb():
    """Peak RSS of this process image (VmHWM), not inherited from a parent (unlike ru_maxrss)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0


def run_sk(name, model):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import accuracy_score, f1_score
    xtr, ytr, xte, yte = load(name)
    bulk = bulk_of(xte)
    fit_t, accs, f1s, bulk_t, nfeat = [], [], [], [], 0
    for _ in range(REPS):
        t0 = time.perf_counter()
        vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
        Xtr = vec.fit_transform(xtr)
        clf = make_model(model).fit(Xtr, ytr)
        fit_t.append(time.perf_counter() - t0)
        pred = clf.predict(vec.transform(xte))
        accs.append(accuracy_score(yte, pred))
        f1s.append(f1_score(yte, pred, average="macro"))
        nfeat = Xtr.shape[1]
    peak = vmhwm_mb()  # after fit/predict, before the bulk step (as baselines.py)
    for _ in range(REPS):
        t0 = time.perf_counter()
        clf.predict(vec.transform(bulk))
        bulk_t.append(time.perf_counter() - t0)
    return {"dataset": name, "tool": "sklearn", "config": model, "n_train": len(xtr),
            "n_test": len(xte), "n_features": nfeat,
            "accuracy": statistics.median(accs), "macro_f1": statistics.median(f1s),
            "acc_runs": accs, "train_s": statistics.median(fit_t), "train_runs": fit_t,
            "bulk_docs": len(bulk), "bulk_s": statistics.median(bulk_t),
            "bulk_docs_per_s": len(bulk) / statistics.median(bulk_t),
            "peak_rss_mb": peak}


def write_texts(name, out):
    _, _, xte, yte = load(name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "test.jsonl"), "w", encoding="utf-8") as f:
        for x, y in zip(xte, yte):
            f.write(json.dumps({"text": x, "gold": y}, ensure_ascii=False) + "\n")
    lines = [json.dumps({"text": x}, ensure_ascii=False) + "\n" for x in xte]
    reps = -(-BULK_MIN // len(lines))
    with open(os.path.join(out, "bulk.jsonl"), "w", encoding="utf-8") as f:
        f.write("".join(lines) * reps)
    with open(os.path.join(out, "one.jsonl"), "w", encoding="utf-8") as f:
        f.write(lines[0])
    print(json.dumps({"dataset": name, "n_test": len(xte), "bulk_docs": len(lines) * reps}))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "sk":
        print(json.dumps(run_sk(sys.argv[2], sys.argv[3])), flush=True)
    elif len(sys.argv) == 4 and sys.argv[1] == "texts":
        write_texts(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
