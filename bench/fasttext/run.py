#!/usr/bin/env python3
"""The runs of bench/fasttext.sh: fastText (/usr/bin/fasttext) and credence's model/fasttext
(through the Go program beside this file) side by side, same files, same hyperparameters.

    run.py WORK_DIR GO_BINARY        markdown on stdout, raw results in WORK_DIR/results.jsonl

Environment: FT_REPS (3), FT_DATASETS (the six of BASELINES.md), FT_SETTINGS (e5_ng2 e25_ng2
e5_ng1 e25_ng1), FT_SCALE_DOCS (1000000; 0 skips the scale run), FT_SCALE_EPOCH (1).
"""
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORK, GO = sys.argv[1], sys.argv[2]
FT = "/usr/bin/fasttext"
PY = "/usr/bin/python3"
REPS = int(os.environ.get("FT_REPS", "3"))
DATASETS = os.environ.get("FT_DATASETS", "liar6 liar2 perezrosas agnews_test8020 fakenewsamt celebrity").split()
if DATASETS == ["none"]:
    DATASETS = []
SETTINGS = {"e5_ng2": (5, 2), "e25_ng2": (25, 2), "e5_ng1": (5, 1), "e25_ng1": (25, 1)}
WANT = os.environ.get("FT_SETTINGS", "e5_ng2 e25_ng2 e5_ng1 e25_ng1").split()
SCALE_DOCS = int(os.environ.get("FT_SCALE_DOCS", "1000000"))
SCALE_EPOCH = int(os.environ.get("FT_SCALE_EPOCH", "1"))
SEEDS = int(os.environ.get("FT_SEEDS", "3"))
# BASELINES.md: lr 0.5, thread 2, dim 100, bucket 2,000,000, minCount 1, softmax
COMMON = ["-lr", "0.5", "-thread", "2", "-dim", "100", "-bucket", "2000000", "-minCount", "1", "-loss", "softmax"]
T0 = time.time()


def log(msg):
    print("[fasttext.sh %4.0fs] %s" % (time.time() - T0, msg), file=sys.stderr, flush=True)


def timed(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
    """Run cmd under /usr/bin/time; return (wall s, peak RSS MB, stdout text or None)."""
    tf = os.path.join(WORK, "time.txt")
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-o", tf, "-f", "%M"] + cmd, stdout=stdout, stderr=stderr)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit("failed (%d): %s" % (p.returncode, " ".join(cmd)))
    rss = int(open(tf).read().split()[-1]) / 1024.0
    out = p.stdout.decode() if isinstance(p.stdout, bytes) else None
    return wall, rss, out


def wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def gold(path):
    out = []
    for line in open(path, encoding="utf-8"):
        lab = [w for w in line.split() if w.startswith("__label__")]
        out.append(lab[0][len("__label__"):] if lab else "")
    return out


def run_config(name, setting):
    epoch, ng = SETTINGS[setting]
    d = os.path.join(WORK, name)
    train, test, bulk, empty = (os.path.join(d, f) for f in ("train.txt", "test.txt", "bulk.txt", "empty.txt"))
    y = gold(test)
    nbulk = sum(1 for _ in open(bulk, encoding="utf-8"))
    args = ["-epoch", str(epoch), "-wordNgrams", str(ng)] + COMMON
    r = {"dataset": name, "setting": setting, "n_test": len(y), "bulk_docs": nbulk,
         "ft": {"acc": [], "train_s": [], "rss_mb": []}, "go": {"acc": [], "train_s": [], "rss_mb": []}}
    ftm, gom = os.path.join(WORK, "ftmodel"), os.path.join(WORK, "go.crft")
    for rep in range(REPS):
        # fastText
        w, rss, _ = timed([FT, "supervised", "-input", train, "-output", ftm] + args)
        r["ft"]["train_s"].append(w)
        r["ft"]["rss_mb"].append(rss)
        pred = subprocess.run([FT, "predict", ftm + ".bin", test], capture_output=True, text=True, check=True).stdout
        pred = [l.strip()[len("__label__"):] for l in pred.splitlines()]
        r["ft"]["acc"].append(sum(a == b for a, b in zip(pred, y)) / len(y))
        r["ft"]["model_bytes"] = os.path.getsize(ftm + ".bin")
        if rep == 0:
            load = min(wall([FT, "predict", ftm + ".bin", empty]) for _ in range(2))
            full = wall([FT, "predict", ftm + ".bin", bulk])
            r["ft"]["load_s"], r["ft"]["bulk_s"] = load, full
            r["ft"]["docs_per_s"] = nbulk / max(full - load, 1e-9)
        # credence
        w, rss, out = timed([GO, "train", "-input", train, "-output", gom] + args, stdout=subprocess.PIPE)
        info = json.loads(out)
        r["go"]["train_s"].append(w)
        r["go"]["rss_mb"].append(rss)
        r["go"]["model_bytes"] = os.path.getsize(gom)
        r["go"]["ngram_rows"] = info["ngram_rows"]
        res = json.loads(subprocess.run([GO, "test", "-model", gom, "-input", test, "-bulk", str(nbulk if rep == 0 else 0)],
                                        capture_output=True, text=True, check=True).stdout)
        r["go"]["acc"].append(res["accuracy"])
        if rep == 0:
            r["go"]["docs_per_s"] = res["bulk_docs_per_s"]
    for t in ("ft", "go"):
        r[t]["acc_med"] = statistics.median(r[t]["acc"])
        r[t]["train_med"] = statistics.median(r[t]["train_s"])
        r[t]["rss_max"] = max(r[t]["rss_mb"])
    return r


def single_thread(name, setting):
    """Accuracy with -thread 1, where both tools are deterministic for a seed."""
    epoch, ng = SETTINGS[setting]
    d = os.path.join(WORK, name)
    train, test = os.path.join(d, "train.txt"), os.path.join(d, "test.txt")
    y = gold(test)
    args = ["-epoch", str(epoch), "-wordNgrams", str(ng)] + COMMON
    args[args.index("-thread") + 1] = "1"
    ftm, gom = os.path.join(WORK, "ftmodel1"), os.path.join(WORK, "go1.crft")
    r = {"dataset": name, "setting": setting, "ft": [], "go": []}
    for seed in range(1, SEEDS + 1):
        sa = args + ["-seed", str(seed)]
        subprocess.run([FT, "supervised", "-input", train, "-output", ftm] + sa, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        pred = subprocess.run([FT, "predict", ftm + ".bin", test], capture_output=True, text=True, check=True).stdout
        pred = [l.strip()[len("__label__"):] for l in pred.splitlines()]
        r["ft"].append(sum(a == b for a, b in zip(pred, y)) / len(y))
        subprocess.run([GO, "train", "-input", train, "-output", gom] + sa, stdout=subprocess.DEVNULL, check=True)
        res = json.loads(subprocess.run([GO, "test", "-model", gom, "-input", test, "-bulk", "0"],
                                        capture_output=True, text=True, check=True).stdout)
        r["go"].append(res["accuracy"])
    return r


def scale():
    path = os.path.join(WORK, "scale.txt")
    log("scale: writing %d documents" % SCALE_DOCS)
    subprocess.run([PY, os.path.join(HERE, "prep.py"), "--scale", path, str(SCALE_DOCS)], check=True)
    size = os.path.getsize(path)
    args = ["-epoch", str(SCALE_EPOCH), "-wordNgrams", "2", "-lr", "0.5", "-dim", "100", "-bucket", "2000000",
            "-minCount", "1", "-loss", "softmax"]
    out = {"docs": SCALE_DOCS, "bytes": size, "epoch": SCALE_EPOCH, "go": {}, "ft": {}}
    for th in (1, 2):
        log("scale: credence, %d thread(s)" % th)
        w, rss, o = timed([GO, "train", "-input", path, "-output", os.path.join(WORK, "scale.crft"),
                           "-thread", str(th)] + args, stdout=subprocess.PIPE)
        info = json.loads(o)
        out["go"][th] = {"wall_s": w, "rss_mb": rss, "tokens_per_s": info["tokens_per_s"],
                         "sgd_tokens_per_s": info["sgd_tokens_per_s"], "dict_s": info["dict_s"],
                         "ntokens": info["ntokens"], "ngram_rows": info["ngram_rows"], "nwords": info["nwords"],
                         "model_bytes": info["model_bytes"]}
    for th in (1, 2):
        log("scale: fastText, %d thread(s)" % th)
        errf = os.path.join(WORK, "ft-scale.err")
        with open(errf, "w") as ef:
            w, rss, _ = timed([FT, "supervised", "-input", path, "-output", os.path.join(WORK, "ftscale"),
                               "-thread", str(th)] + args, stderr=ef)
        txt = open(errf, errors="replace").read()
        wst = [float(x.split()[0]) for x in txt.split("words/sec/thread:")[1:]]
        ntok = None
        for line in txt.replace("\r", "\n").splitlines():
            if line.startswith("Read "):
                ntok = line
        out["ft"][th] = {"wall_s": w, "rss_mb": rss, "tokens_per_s": (wst[-1] * th) if wst else None,
                         "model_bytes": os.path.getsize(os.path.join(WORK, "ftscale.bin")), "read": ntok}
        os.remove(os.path.join(WORK, "ftscale.bin"))
    return out


def pts(x):
    return "%.1f" % (100 * x)


def passfail(ok):
    return "PASS" if ok else "**FAIL**"


def markdown1(rows):
    L = []
    add = L.append
    add("| dataset | setting | fastText, seeds 1–%d | credence, seeds 1–%d | Δ pts (means) |" % (SEEDS, SEEDS))
    add("| --- | --- | --- | --- | ---: |")
    miss = []
    for r in rows:
        d = 100 * (statistics.mean(r["go"]) - statistics.mean(r["ft"]))
        add("| %s | %s | %s | %s | %+.1f |" % (r["dataset"], r["setting"], " ".join(pts(a) for a in r["ft"]),
                                            " ".join(pts(a) for a in r["go"]), d))
        if abs(d) > 0.5 + 1e-9:
            miss.append("%s %s (%+.1f)" % (r["dataset"], r["setting"], d))
    add("")
    add("Accuracy within 0.5 points of fastText with one thread (means of %d seeds): %s (%d/%d)%s" % (
        SEEDS, passfail(not miss), len(rows) - len(miss), len(rows), "; misses: " + ", ".join(miss) if miss else "."))
    return "\n".join(L)


def markdown(results, sc):
    L = []
    add = L.append
    add("| dataset | setting | accuracy fastText (%d runs) | accuracy credence (%d runs) | Δ pts (median) " % (REPS, REPS) +
        "| train s fastText / credence | predict docs/s fastText (excl. load) / credence | model MB fastText / credence "
        "| peak RSS MB fastText / credence |")
    add("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    goals = {"acc": [], "train": [], "predict": [], "size": [], "rss": [], "rss_ng1": []}
    for r in results:
        f, g = r["ft"], r["go"]
        d = 100 * (g["acc_med"] - f["acc_med"])
        size_ratio = g["model_bytes"] / f["model_bytes"]
        rss_ratio = g["rss_max"] / f["rss_max"]
        ftdps = f["docs_per_s"]
        loadnote = "" if f["load_s"] <= 0.25 * f["bulk_s"] else " (load %.2f of %.2f s)" % (f["load_s"], f["bulk_s"])
        add("| %s | %s | %s (%s) | %s (%s) | %+.1f | %.2f / %.2f | %.0f%s / %.0f | %.1f / %.1f (1/%.0f) | %.0f / %.0f (1/%.1f) |" % (
            r["dataset"], r["setting"], pts(f["acc_med"]), " ".join(pts(a) for a in f["acc"]),
            pts(g["acc_med"]), " ".join(pts(a) for a in g["acc"]), d,
            f["train_med"], g["train_med"], ftdps, loadnote, g["docs_per_s"],
            f["model_bytes"] / 1e6, g["model_bytes"] / 1e6, 1 / size_ratio, f["rss_max"], g["rss_max"], 1 / rss_ratio))
        key = (r["dataset"], r["setting"])
        goals["acc"].append((key, abs(d) <= 0.5 + 1e-9))
        goals["train"].append((key, g["train_med"] <= f["train_med"]))
        goals["predict"].append((key, g["docs_per_s"] >= ftdps))
        suffix = "" if r["setting"].endswith("ng2") else "_ng1"
        if not suffix:
            goals["size"].append((key, size_ratio <= 0.1))
        goals["rss" + suffix].append((key, rss_ratio <= 0.1))
    add("")
    add("| goal | result | configurations that miss it |")
    add("| --- | --- | --- |")
    names = {"acc": "accuracy within 0.5 points of fastText (medians of %d runs)" % REPS,
             "train": "training wall time ≤ fastText's (medians)",
             "predict": "prediction throughput ≥ fastText's (fastText: bulk minus load)",
             "size": "model file ≤ 1/10 of fastText's (default bucket count: the ng2 rows)",
             "rss": "peak RSS ≤ 1/10 of fastText's (default bucket count: the ng2 rows)",
             "rss_ng1": "(for information) peak RSS ≤ 1/10 on the ng1 rows, where fastText has no buckets"}
    for k, v in goals.items():
        if not v:
            continue
        miss = [("%s %s" % key) for key, ok in v if not ok]
        add("| %s | %s (%d/%d) | %s |" % (names[k], passfail(not miss), len(v) - len(miss), len(v), ", ".join(miss) or "–"))
    return "\n".join(L)


def markdown_scale(sc):
    L = []
    add = L.append
    if sc:
        add("Scale run: %d documents (%.0f MB, drawn with replacement from LIAR, AG News test and Pérez-Rosas, "
            "ft_norm), wordNgrams 2, dim 100, bucket 2,000,000, epoch %d; credence reads the file once for its "
            "dictionary and once per epoch (FileCorpus), like fastText." % (sc["docs"], sc["bytes"] / 1e6, sc["epoch"]))
        add("")
        add("| tool | threads | wall s | tokens/s (whole run) | tokens/s (SGD only) | peak RSS MB | model MB | n-gram rows |")
        add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for th, v in sorted(sc["go"].items()):
            add("| credence | %s | %.1f | %.2fM | %.2fM | %.0f | %.0f | %d |" % (
                th, v["wall_s"], v["tokens_per_s"] / 1e6, v["sgd_tokens_per_s"] / 1e6, v["rss_mb"], v["model_bytes"] / 1e6,
                v["ngram_rows"]))
        for th, v in sorted(sc["ft"].items()):
            tps = "%.2fM" % (v["tokens_per_s"] / 1e6) if v["tokens_per_s"] else "?"
            add("| fastText | %s | %.1f | – | %s (its words/sec/thread × threads) | %.0f | %.0f | 2,000,000 |" % (
                th, v["wall_s"], tps, v["rss_mb"], v["model_bytes"] / 1e6))
    return "\n".join(L)


def calibrate():
    return json.loads(subprocess.run([GO, "calibrate"], capture_output=True, text=True, check=True).stdout)["parallel_speedup"]


def main():
    cal = [calibrate()]
    results = []
    path = os.path.join(WORK, "results.jsonl")
    with open(path, "w") as f:
        for name in DATASETS:
            for s in WANT:
                log("%s %s" % (name, s))
                r = run_config(name, s)
                f.write(json.dumps(r) + "\n")
                f.flush()
                results.append(r)
        cal.append(calibrate())
        single = []
        if SEEDS > 0:
            for name in DATASETS:
                for st in WANT:
                    log("%s %s, one thread" % (name, st))
                    r = single_thread(name, st)
                    f.write(json.dumps({"single_thread": r}) + "\n")
                    single.append(r)
        sc = scale() if SCALE_DOCS > 0 else None
        if sc:
            f.write(json.dumps({"scale": sc}) + "\n")
            cal.append(calibrate())
    f = open(path, "a")
    f.write(json.dumps({"parallel_speedup": cal}) + "\n")
    print("Two CPU-bound goroutines ran %s times as fast as one on this machine (`bench/fasttext` calibrate, "
          "measured before the runs, after the datasets%s; 2.0 would be two free cores)." % (
              " / ".join("%.2f" % c for c in cal), " and after the scale run" if sc else ""))
    print()
    if results:
        print(markdown(results, sc))
        print()
    if sc:
        print(markdown_scale(sc))
    if single:
        print()
        print("With one thread (`-thread 1`) both tools are deterministic for a seed, which separates the algorithm "
              "from hogwild's run-to-run noise: accuracy on the same test sets, %d seeds." % SEEDS)
        print()
        print(markdown1(single))


if __name__ == "__main__":
    main()
