#!/usr/bin/env bash
# Streaming through NATS JetStream (docs/STREAMING.md), everything on loopback on this machine:
#
#  1. Throughput publish → worker → results on 600-word articles, against in-process
#     `credence classify` on the same cores: one worker on one core, two workers on one core
#     each, one worker on two cores; the stream pre-filled ("drain": workers only) and
#     publisher, workers and collector running together ("end to end").
#  2. A kill run: KILL_N documents go through two workers while one of them is killed with
#     SIGKILL (and restarted) every KILL_EVERY seconds; the collected output must hold every
#     document id exactly once, each with the verdict `credence classify` gives in-process.
#
# Needs Go (builds credence, the official nats-server and bench/stream). Text comes from the
# BuzzFeed-Webis corpus in ../shared when present (else a small built-in word list).
#
#   bash bench/stream.sh                                  # prints a markdown report
#   N=20000 REPS=1 KILL_N=100000 bash bench/stream.sh     # quicker
#   CREDENCE_BIN=/path/to/credence bash bench/stream.sh  # a prebuilt binary
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${CREDENCE_SHARED:-../shared}
N=${N:-60000}             # documents per throughput run
REPS=${REPS:-3}           # runs per configuration (median reported)
BATCH=${BATCH:-64}        # documents per message (publish --batch; 1: a message per document)
KILL_N=${KILL_N:-1000000} # documents in the kill run (0: no kill run)
KILL_EVERY=${KILL_EVERY:-5}
ACK_WAIT=${ACK_WAIT:-5s}  # kill run: how soon a killed worker's documents are redelivered
PORT=${PORT:-14222}
URL=nats://127.0.0.1:$PORT
work=$(mktemp -d "${TMPDIR:-/tmp}/credence-stream.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${CREDENCE_BIN:-}" ]; then # a prebuilt binary
	cp "$CREDENCE_BIN" "$work/credence"
else
	go build -o "$work/credence" ./cmd/credence
fi
if ! "$work/credence" worker --help >/dev/null 2>&1; then
	echo "this credence has no worker command: register newWorkerCmd, newPublishCmd and newCollectCmd in cmd/credence/main.go" >&2
	exit 1
fi
go build -o "$work/nats-server" github.com/nats-io/nats-server/v2
go build -o "$work/tool" ./bench/stream
source=$shared/datasets/buzzfeedwebis/buzzfeedwebis2016.csv.gz
[ -f "$source" ] || source=""
"$work/tool" gen -n "$N" -words 600 ${source:+-source "$source"} >"$work/docs.jsonl"

now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat"; }
hwm_mb() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

start_server() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
		echo "port $PORT is in use: set PORT" >&2
		exit 1
	fi
	rm -rf "$work/js"
	"$work/nats-server" -js -a 127.0.0.1 -p "$PORT" -sd "$work/js" >"$work/server.log" 2>&1 &
	server=$!
	pids+=("$server")
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return; fi
		sleep 0.1
	done
	echo "nats-server did not start" >&2
	exit 1
}
stop_server() {
	kill "$server"
	wait "$server" 2>/dev/null || true
}
start_worker() { # NAME CORES [FLAGS...] → $wpid
	local name=$1 cores=$2
	shift 2
	GOMAXPROCS=$cores "$work/credence" worker --nats "$URL" --name "$name" --log-format json "$@" >>"$work/worker-$name.log" 2>&1 &
	wpid=$!
	pids+=("$wpid")
}
wait_started() { # NAME...
	for name in "$@"; do
		for _ in $(seq 200); do
			grep -q '"worker started"' "$work/worker-$name.log" 2>/dev/null && break
			sleep 0.05
		done
	done
}

# In-process reference: classify the same JSONL (parse, classify, write the verdicts back).
reference() { # CORES → seconds CPU-seconds
	local t0 t1
	t0=$(now)
	GOMAXPROCS=$1 /usr/bin/time -f '%U %S' -o "$work/reftime" "$work/credence" classify --format jsonl --field text --workers "$1" <"$work/docs.jsonl" >/dev/null
	t1=$(now)
	echo "$(calc "$t1 - $t0") $(awk '{print $1 + $2}' "$work/reftime")"
}

# One broker run. MODE is drain (publish first, then start the workers: docs/s over the span
# between the first and the last stored verdict) or e2e (workers up, then publish and collect
# together: docs/s over the wall time from publish start to the last verdict collected).
# Prints: docs/s, worker CPU s, server CPU s, publisher CPU s, collected lines, server peak MB.
broker() { # MODE WORKERS CORES_PER_WORKER
	local mode=$1 nw=$2 cores=$3 wp=() t0 t1 s0 pubcpu=0 wcpu=0 scpu rate info hwm
	rm -f "$work"/worker-*.log
	start_server
	if [ "$mode" = drain ]; then
		/usr/bin/time -f '%U %S' -o "$work/pubtime" "$work/credence" publish --nats "$URL" --data "$work/docs.jsonl" --id id --batch "$BATCH" --log-level warn
	fi
	s0=$(cpu_s "$server")
	for i in $(seq "$nw"); do
		start_worker "w$i" "$cores"
		wp+=("$wpid")
	done
	[ "$mode" = e2e ] && wait_started $(for i in $(seq "$nw"); do echo "w$i"; done)
	t0=$(now)
	if [ "$mode" = e2e ]; then
		/usr/bin/time -f '%U %S' -o "$work/pubtime" "$work/credence" publish --nats "$URL" --data "$work/docs.jsonl" --id id --batch "$BATCH" --log-level warn &
		pub=$!
	fi
	"$work/credence" collect --nats "$URL" --expect "$N" --timeout 900s --log-level warn >"$work/collected.jsonl"
	t1=$(now)
	[ "$mode" = e2e ] && wait "$pub"
	pubcpu=$(awk '{print $1 + $2}' "$work/pubtime")
	for p in "${wp[@]}"; do wcpu=$(calc "$wcpu + $(cpu_s "$p")"); done
	scpu=$(calc "$(cpu_s "$server") - $s0")
	hwm=$(hwm_mb "$server")
	info=$("$work/tool" info -nats "$URL")
	if [ "$mode" = drain ]; then
		rate=$(python3 -c "import json,sys; print($N / json.loads(sys.argv[1])['verdicts_span_s'])" "$info")
	else
		rate=$(calc "$N / ($t1 - $t0)")
	fi
	for p in "${wp[@]}"; do
		kill -TERM "$p"
		wait "$p" || true
	done
	stop_server
	echo "$rate $wcpu $scpu $pubcpu $(wc -l <"$work/collected.jsonl") $hwm"
}

cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
echo "## Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $cpu_model"
echo
avg_words=$(python3 -c 'import json,sys
n=w=b=0
for l in open(sys.argv[1]): d=json.loads(l); n+=1; w+=len(d["text"].split()); b+=len(d["text"].encode())
print(f"{w/n:.0f} words, {b/n/1000:.1f} KB")' "$work/docs.jsonl")
echo "Throughput: $N documents of $avg_words each (BuzzFeed-Webis text), median of $REPS runs; \`publish --batch $BATCH\`; nats-server $("$work/nats-server" --version | awk '{print $NF}'), file storage, R1."
echo

declare -A res
for rep in $(seq "$REPS"); do
	# Each configuration runs next to its in-process reference, and the ratios are taken per
	# round, so that other jobs on the machine hit both sides alike.
	for cfg in "ref 2" "drain 2 1" "e2e 2 1" "drain 1 2" "e2e 1 2" "ref 1" "drain 1 1" "e2e 1 1"; do
		key=${cfg// /_}
		if [ "${cfg%% *}" = ref ]; then
			read -r wall cpu <<<"$(reference "${cfg#ref }")"
			res[$key]+="$(calc "$N / $wall") "
			res[${key}_cpu]+="$cpu/0/0 "
			continue
		fi
		read -r rate wcpu scpu pcpu lines hwm <<<"$(broker $cfg)"
		if [ "$lines" != "$N" ]; then
			echo "FAIL: $cfg collected $lines documents, want $N" >&2
			exit 1
		fi
		res[$key]+="$rate "
		res[${key}_cpu]+="$wcpu/$scpu/$pcpu "
	done
done
python3 - "$N" "$(declare -p res)" <<'PY'
import re, statistics, sys
n = int(sys.argv[1])
res = {k: [float(x) for x in v.split()] if not k.endswith("_cpu") else [tuple(float(y) / n * 1000 for y in x.split("/")) for x in v.split()]
       for k, v in re.findall(r'\[(\w+)\]="([^"]*)"', sys.argv[2])}
med = statistics.median
def span(xs):
    return f"{med(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})"
def ratios(a, b):
    return [x / y for x, y in zip(res[a], res[b])]
print("| configuration | docs/s, median (range) | vs `classify` on the same cores, per round: median (range) | CPU s per 1,000 docs: workers / server / publisher |")
print("| --- | ---: | ---: | --- |")
for ref, name in (("ref_1", "1 core (`--workers 1`, GOMAXPROCS=1)"), ("ref_2", "2 cores (`--workers 2`)")):
    xs = res[ref]
    print(f"| in-process `credence classify`, {name} | {med(xs):,.0f} ({min(xs):,.0f}–{max(xs):,.0f}) | 1 | {med(c[0] for c in res[ref + '_cpu']):.3f} |")
names = {"1_1": "1 worker × 1 core", "2_1": "2 workers × 1 core", "1_2": "1 worker × 2 cores"}
for mode, label in (("drain", "drain (stream pre-filled)"), ("e2e", "end to end (publish + classify + collect at once)")):
    for cfg, name in names.items():
        k = f"{mode}_{cfg}"
        xs = res[k]
        ref = "ref_1" if cfg == "1_1" else "ref_2"
        w, s, p = (med(c[i] for c in res[k + "_cpu"]) for i in range(3))
        pub = f" / {p:.3f}" if mode == "e2e" else " / (before)"
        print(f"| {label}: {name} | {med(xs):,.0f} ({min(xs):,.0f}–{max(xs):,.0f}) | **{span(ratios(k, ref))}** vs {'1 core' if ref == 'ref_1' else '2 cores'} | {w:.3f} / {s:.3f}{pub} |")
print()
print(f"1 → 2 workers (one core each), per round: **{span(ratios('drain_2_1', 'drain_1_1'))}×** drain, **{span(ratios('e2e_2_1', 'e2e_1_1'))}×** end to end.  ")
print(f"Per worker (one core; half the 2-worker drain rate): {med(res['drain_2_1']) / 2:,.0f} docs/s.  ")
c = med(x[0] for x in res["ref_2_cpu"])
dr = med(sum(x[:2]) for x in res["drain_2_1_cpu"])
ee = med(sum(x) for x in res["e2e_2_1_cpu"])
print(f"CPU time per document (less sensitive to other jobs than wall time, not immune to them): `classify` {c:.3f} ms; "
      f"through the broker with 2 workers {dr:.3f} ms (workers + server, drain), {ee:.3f} ms (+ publisher, end to end). "
      f"With every core busy, the broker can therefore reach at most **{c/dr:.2f}** (drain) / **{c/ee:.2f}** (end to end) of `classify` on the same cores.")
PY
echo

# --- Kill run -----------------------------------------------------------------------------
[ "$KILL_N" -gt 0 ] || exit 0
"$work/tool" gen -n "$KILL_N" -words 600 -seed 7 ${source:+-source "$source"} >"$work/docs.jsonl"
rm -f "$work"/worker-*.log
t0=$(now)
"$work/credence" classify --format jsonl --field text <"$work/docs.jsonl" >"$work/classify.jsonl"
t1=$(now)
ref_s=$(calc "$t1 - $t0")
start_server
start_worker A 1 --ack-wait "$ACK_WAIT"
wa=$wpid
start_worker B 1 --ack-wait "$ACK_WAIT"
wb=$wpid
wait_started A B
t0=$(now)
(
	"$work/credence" publish --nats "$URL" --data "$work/docs.jsonl" --id id --batch "$BATCH" --log-level warn
	"$work/credence" collect --nats "$URL" --wait --dead "$work/dead.jsonl" --out "$work/collected.jsonl" 2>"$work/collect.log"
) &
driver=$!
kills=0
victim=A
while kill -0 "$driver" 2>/dev/null; do
	for _ in $(seq $((KILL_EVERY * 10))); do
		kill -0 "$driver" 2>/dev/null || break 2
		sleep 0.1
	done
	if [ "$victim" = A ]; then pid=$wa; else pid=$wb; fi
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	kills=$((kills + 1))
	start_worker "$victim" 1 --ack-wait "$ACK_WAIT"
	if [ "$victim" = A ]; then wa=$wpid victim=B; else wb=$wpid victim=A; fi
done
wait "$driver"
t1=$(now)
run_s=$(calc "$t1 - $t0")
info=$("$work/tool" info -nats "$URL")
hwm=$(hwm_mb "$server")
check=$("$work/tool" compare -classify "$work/classify.jsonl" -collected "$work/collected.jsonl" -n "$KILL_N") || {
	echo "FAIL: $check" >&2
	exit 1
}
collect_log=$(grep -o 'duplicates_dropped=[0-9]*' "$work/collect.log" || true)
for p in "$wa" "$wb"; do
	kill -TERM "$p"
	wait "$p" || true
done
stop_server
python3 - "$KILL_N" "$run_s" "$ref_s" "$kills" "$KILL_EVERY" "$ACK_WAIT" "$info" "$check" "$collect_log" "$hwm" "$(wc -l <"$work/dead.jsonl")" <<'PY'
import json, sys
n, run_s, ref_s, kills, every, ackwait = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
info, check = json.loads(sys.argv[7]), json.loads(sys.argv[8])
dropped, hwm, dead = sys.argv[9].partition("=")[2] or "0", sys.argv[10], int(sys.argv[11])
print(f"Kill run: {n:,} documents through 2 workers (one core each; `--ack-wait {ackwait}`), publisher running at the same time; "
      f"one worker SIGKILLed and restarted every {every} s: **{kills} kills** in {run_s:.0f} s ({n/run_s:,.0f} docs/s; "
      f"in-process `credence classify` on 2 cores took {ref_s:.0f} s, {n/ref_s:,.0f} docs/s).")
print()
print("| check | result |")
print("| --- | --- |")
print(f"| distinct document ids in the collected output | **{check['distinct_ids']:,}** of {n:,} (missing {check.get('missing', 0)}, unknown {check.get('unknown_ids', 0)}, repeated lines {check.get('duplicate_ids', 0)}) |")
ok = check.get('label_mismatches', 0) + check.get('verdict_mismatches', 0) + check.get('probability_mismatches', 0)
print(f"| verdicts equal to `credence classify` (label, verdict, probabilities) | **{check['distinct_ids'] - ok:,}** of {check['distinct_ids']:,} |")
print(f"| messages delivered / redelivered (server's consumer counters; a message holds 1 to 4 × `--batch` documents) | {info.get('deliveries', 0):,} / {info.get('redeliveries', 0):,} |")
print(f"| verdict messages stored / verdicts dropped as duplicates by `collect` | {info.get('verdicts_stored', 0):,} / {dropped} |")
print(f"| dead letters | {dead} |")
print(f"| nats-server peak RSS ({info.get('docs_published', 0):,} message ids in the docs stream's 1 h duplicate window; backlog up to the whole corpus) | {hwm} MB |")
PY
