#!/usr/bin/env bash
# Serving benchmark: `credence serve` under load from bench/loadgen, both on this machine
# and on loopback only (127.0.0.1). The server and the load generator share the cores, so
# every figure is a lower bound of what the server alone would do on them.
#
#   bash bench/serve.sh            # prints a markdown report and appends it to docs/BENCHMARKS.md
#   APPEND=0 bash bench/serve.sh   # print only
#   DUR=5 bash bench/serve.sh      # shorter measured runs (default 10 s each)
#
# Needs Go, curl, jq, ss; ../shared/datasets (or CREDENCE_SHARED) for the
# article payloads (the load generator falls back to generated text without them).
# Runs in ~100 s:
#   (a) closed loop: workers send 600-word articles as fast as answered, 10 s, at 8 and 32
#       workers; goal >= 5,000 classifications/s.
#   (b) open loop: 1,000 requests/s for 15 s, latency from each request's scheduled send
#       time (no coordinated omission); goal p99 <= 20 ms.
#   (c) batch: {"documents": [100 articles]} requests, 4 workers, 10 s; goal >= 20,000 docs/s
#       (1,000-document batches measured too, for information).
#   (d) hot reload: POST /v1/admin/reload every 0.5 s during 10 s at 1,000 req/s; the server
#       loads its model from a file (a copy of the built-in model), so each reload decodes
#       2.9 MB and swaps the model; goal: zero failed requests, every reload OK.
#   (e) hostile, on a fresh server: 10,000 keep-alive connections held idle 10 s while
#       /healthz and /v1/classify are probed every 100 ms on new connections, server VmRSS
#       before/peak/after; 10,000 silent connections (no bytes) must be closed by
#       ReadHeaderTimeout (5 s); a streamed 100 MB body must get 413 without being read.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
shared=${CREDENCE_SHARED:-../shared}
[ -d "$shared/datasets" ] || shared=/work/shared
DUR=${DUR:-10}
APPEND=${APPEND:-1}
TOKEN="bench-$RANDOM$RANDOM"
INFLIGHT=16
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log() { echo "[serve.sh $(($(date +%s) - start))s] $*" >&2; }

# 10,000 idle connections need 10,000+ descriptors in the server and in the load generator.
hard=$(ulimit -Hn)
want=65536
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then want=$hard; fi
ulimit -n "$want" 2>/dev/null || true
if [ "$(ulimit -n)" -lt 10100 ]; then
  log "open-file limit $(ulimit -n): the 10,000-connection test will be short of descriptors"
fi

log "building credence and loadgen"
go build -o "$work/credence" ./cmd/credence
go build -o "$work/loadgen" ./bench/loadgen
cp model/defaultmodel/default.credence "$work/model.credence"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(GIT_OPTIONAL_LOCKS=0 git status --porcelain --untracked-files=all -- '*.go' go.mod go.sum 2>/dev/null | wc -l)

# free_port: a port below the ephemeral range (32768+) that no socket uses.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 12000))
    if [ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ]; then
      echo "$p"
      return
    fi
  done
  echo "no free port" >&2
  return 1
}

# start_server NAME: starts credence serve on a fresh loopback port; sets $port and $spid.
start_server() {
  for _ in 1 2 3; do
    port=$(free_port)
    CREDENCE_ADMIN_TOKEN=$TOKEN "$work/credence" serve --addr "127.0.0.1:$port" \
      --model "$work/model.credence" --max-inflight "$INFLIGHT" --log-level warn \
      >"$work/server-$1.log" 2>&1 &
    spid=$!
    pids+=("$spid")
    for _ in $(seq 100); do
      if ! kill -0 "$spid" 2>/dev/null; then
        break # exited (port taken since free_port looked?): try another port
      fi
      if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
        log "server $1: pid $spid on 127.0.0.1:$port"
        return
      fi
      sleep 0.1
    done
    kill "$spid" 2>/dev/null || true
    log "server $1 did not start on port $port: $(tail -1 "$work/server-$1.log")"
  done
  exit 1
}

stop_server() {
  kill "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
}

# run NAME loadgen-args...: one load-generator run against the current server -> $work/NAME.json
# (the load generator reports its own and the server's CPU seconds for the measured window).
run() {
  local name=$1
  shift
  log "run $name: loadgen $*"
  "$work/loadgen" -url "http://127.0.0.1:$port" -data "$shared/datasets" -server-pid "$spid" \
    -o "$work/$name.json" "$@" 2>>"$work/loadgen.log"
  tail -1 "$work/loadgen.log" >&2
}

start_server load
run a8 -mode closed -c 8 -d "${DUR}s"
run a32 -mode closed -c 32 -d "${DUR}s"
run b -mode open -rate 1000 -c 64 -d "$((DUR + 5))s"
run c100 -mode closed -batch 100 -c 4 -d "${DUR}s"
run c1000 -mode closed -batch 1000 -c 2 -d "${DUR}s"
run d -mode open -rate 1000 -c 64 -d "${DUR}s" -reload-every 500ms -token "$TOKEN"
reload_metric=$(curl -fs "http://127.0.0.1:$port/metrics" | grep '^credence_model_reloads_total' | tr '\n' ' ' || true)
stop_server

start_server hostile
run e_idle -mode idle -conns 10000 -hold "${DUR}s" -idle-kind keepalive
run e_silent -mode idle -conns 10000 -hold 7s -idle-kind silent
run e_body -mode body -body-mb 100
up_after=$(curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && echo yes || echo no)
stop_server

# ------------------------------------------------------------------ report
J() { jq -r "$2" "$work/$1.json"; }
fmt() { awk -v x="$1" 'BEGIN { s = sprintf("%.0f", x); n = length(s); o = ""; while (n > 3) { o = "," substr(s, n - 2, 3) o; n -= 3 } print substr(s, 1, n) o }'; }
pf() { if [ "$1" = 1 ]; then echo "**PASS**"; else echo "**FAIL**"; fi; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? 1 : 0 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? 1 : 0 }'; }

a8=$(J a8 .requests_per_s)
a32=$(J a32 .requests_per_s)
if [ "$(ge "$a8" "$a32")" = 1 ]; then abest=a8; else abest=a32; fi
a=$(J $abest .requests_per_s)
afail=$(( $(J a8 .failed) + $(J a32 .failed) ))
a_ok=$(( $(ge "$a" 5000) && afail == 0 ))
bp99=$(J b .latency_ms.p99)
b_ok=$(( $(le "$bp99" 20) && $(J b .failed) == 0 ))
c=$(J c100 .documents_per_s)
c_ok=$(( $(ge "$c" 20000) && $(J c100 .failed) == 0 ))
dfail=$(J d .failed)
drel=$(J d .reloads.ok)
drelfail=$(J d .reloads.failed)
d_ok=$(( dfail == 0 && drelfail == 0 && drel >= $((DUR * 2 - 2)) ))
hz_ok=$(J e_idle .healthz.ok)
hz_n=$(J e_idle .healthz.probes)
cl_ok=$(J e_idle .classify.ok)
cl_n=$(J e_idle .classify.probes)
opened=$(J e_idle .conns_opened)
rss0=$(J e_idle .server_rss_mb.before)
rssp=$(J e_idle .server_rss_mb.peak)
rss1=$(J e_idle .server_rss_mb.after_close)
kb_per_conn=$(awk -v a="$rss0" -v b="$rssp" -v n="$opened" 'BEGIN { printf "%.0f", (n > 0) ? (b - a) * 1024 / n : 0 }')
e1_ok=$(( opened == 10000 && hz_ok == hz_n && cl_ok == cl_n && hz_n > 0 && $(le "$(J e_idle .healthz.latency_ms.p99)" 100) ))
e2_ok=$(( opened == 10000 && $(le "$kb_per_conn" 50) ))
sil_closed=$(J e_silent .closed_by_server)
sil_max=$(J e_silent '.closed_after_s.max // 0')
e3_ok=$(( sil_closed == $(J e_silent .conns_opened) && sil_closed == 10000 && $(le "$sil_max" 6) && $(J e_silent .healthz.ok) == $(J e_silent .healthz.probes) ))
bstatus=$(J e_body .status)
bsent=$(J e_body .bytes_sent_before_answer)
bsent_mb=$(awk -v b="$bsent" 'BEGIN { printf "%.1f", b / 1048576 }')
e4_ok=$(( bstatus == 413 && bsent < 32 * 1048576 ))
[ "$up_after" = yes ] || { e1_ok=0; e4_ok=0; }

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
cores=$(nproc)
date_utc=$(date -u +%Y-%m-%dT%H:%MZ)
elapsed=$(($(date +%s) - start))
report=$work/report.md
{
  echo "### Run $date_utc on $cores cores, $cpu"
  echo
  echo "Command: \`bash bench/serve.sh\` (DUR=$DUR; commit $commit, $dirty uncommitted Go/module files; $(go version | cut -d' ' -f3)); $elapsed s in all."
  echo "Load average before: $load_start; after: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Server: \`credence serve --addr 127.0.0.1:PORT --model default.credence --max-inflight $INFLIGHT\` (the built-in"
  echo "model as a file, so a reload decodes it from disk). Client: \`bench/loadgen\` (Go, net/http, keep-alive),"
  echo "**on the same $cores cores as the server**: the cores each used during a run are shown beside the figures."
  echo "Payload: $(J a8 .payload) ($(J a8 .payload_bytes) bytes of JSON per request)."
  echo
  echo "| goal | measured | target | result |"
  echo "| --- | --- | --- | --- |"
  echo "| (a) sustained classifications/s, one 600-word article per request, closed loop | **$(fmt "$a")/s** ($(J $abest .concurrency) workers; 8: $(fmt "$a8")/s, 32: $(fmt "$a32")/s), $afail failed | ≥ 5,000/s | $(pf $a_ok) |"
  echo "| (b) p99 latency at 1,000 requests/s, open loop, $((DUR + 5)) s | **$(J b .latency_ms.p99) ms** (p50 $(J b .latency_ms.p50), p99.9 $(J b .latency_ms.p999), max $(J b .latency_ms.max) ms), $(J b .failed) failed | ≤ 20 ms | $(pf $b_ok) |"
  echo "| (c) batch documents/s, 100 articles per request, 4 workers | **$(fmt "$c") docs/s** (1,000 per request: $(fmt "$(J c1000 .documents_per_s)") docs/s) | ≥ 20,000 | $(pf $c_ok) |"
  echo "| (d) failed requests while reloading every 0.5 s, 1,000 req/s for $DUR s | **$dfail of $(fmt "$(J d .requests)")**; reloads $drel OK, $drelfail failed (each $(J d .reloads.latency_ms.p50) ms, max $(J d .reloads.latency_ms.max) ms); request p99 $(J d .latency_ms.p99) ms | 0 | $(pf $d_ok) |"
  echo "| (e1) /healthz and /v1/classify with 10,000 idle keep-alive connections open | healthz **$hz_ok/$hz_n** (p99 $(J e_idle .healthz.latency_ms.p99) ms), classify $cl_ok/$cl_n (p99 $(J e_idle .classify.latency_ms.p99) ms); $opened connections open in $(J e_idle .open_s) s | all answered, p99 ≤ 100 ms | $(pf $e1_ok) |"
  echo "| (e2) server RSS with those 10,000 connections | **$rss0 → $rssp MB** (≈ $kb_per_conn KB per connection; $rss1 MB 2 s after they closed), $(J e_idle .server_fds_peak) fds | bounded: ≤ 50 KB/connection | $(pf $e2_ok) |"
  echo "| (e3) 10,000 silent connections (no bytes sent) | **$sil_closed closed** by ReadHeaderTimeout after $(J e_silent .closed_after_s.p50) s (max $sil_max s); healthz $(J e_silent .healthz.ok)/$(J e_silent .healthz.probes) | all closed ≤ 6 s | $(pf $e3_ok) |"
  echo "| (e4) a streamed 100 MB body | **$bstatus $(J e_body .code)** after $bsent_mb MB sent, $(J e_body .answer_s) s; RSS $(J e_body .server_rss_mb.before) → $(J e_body .server_rss_mb.after) MB; server up after: $up_after | 413, ≤ 32 MB read | $(pf $e4_ok) |"
  echo
  echo "| run | requests | failed | req/s | docs/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | server cores | loadgen cores | server CPU µs/doc |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for r in a8:"(a) closed, 8 workers" a32:"(a) closed, 32 workers" b:"(b) open, 1,000/s" c100:"(c) batch 100, 4 workers" c1000:"(c) batch 1,000, 2 workers" d:"(d) open 1,000/s + reloads"; do
    n=${r%%:*}
    jq -r --arg name "${r#*:}" '"| \($name) | \(.requests) | \(.failed) | \(.requests_per_s) | \(.documents_per_s) | \(.latency_ms.p50) | \(.latency_ms.p90) | \(.latency_ms.p99) | \(.latency_ms.p999) | \(.latency_ms.max) | \(.server_cpu_s / .duration_s * 100 | round / 100) | \(.loadgen_cpu_s / .duration_s * 100 | round / 100) | \(if .documents > 0 then (.server_cpu_s / .documents * 1e6 | round) else "–" end) |"' "$work/$n.json"
  done
  echo
  echo "Open-loop send lag (scheduled → sent, the load generator's own delay, included in the latencies above): p99 $(J b .send_lag_ms.p99) ms, max $(J b .send_lag_ms.max) ms (b); p99 $(J d .send_lag_ms.p99) ms (d)."
  errs=$(jq -r -s '[.[] | .errors // {} | to_entries[]] | group_by(.key) | map("\(.[0].key): \(map(.value) | add)") | join(", ")' "$work"/a8.json "$work"/a32.json "$work"/b.json "$work"/c100.json "$work"/c1000.json "$work"/d.json)
  echo "Errors by status: ${errs:-none}. Server reload counters after (d): \`${reload_metric% }\`."
} >"$report"

cat "$report"
if [ "$APPEND" = 1 ]; then
  doc=docs/BENCHMARKS.md
  if ! grep -q '^## Serving: HTTP API under load' "$doc"; then
    {
      echo
      echo "## Serving: HTTP API under load"
      echo
      echo "Script: \`bash bench/serve.sh\` (~100 s). It builds \`credence\` and \`bench/loadgen\` (a Go load"
      echo "generator: closed loop, open loop with latency from the scheduled send time, batches, idle"
      echo "connections, huge bodies, reloads during load), starts \`credence serve\` on a loopback port and"
      echo "measures the goals below. **The server and the load generator share this machine's 2 cores**, so"
      echo "throughput is what is left after the client's own work (see the CPU columns). Robustness checks"
      echo "that need no load run in CI: \`go test ./serve\` (\`serve/hostile_test.go\`)."
    } >>"$doc"
  fi
  { echo; cat "$report"; } >>"$doc"
  log "appended to $doc"
fi
