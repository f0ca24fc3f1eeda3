// Command loadgen drives `credence serve` on this machine for bench/serve.sh.
// It talks to loopback addresses only, for a bounded time.
//
//	loadgen -mode closed -c 16 -d 10s            # N workers, as fast as the server answers
//	loadgen -mode open -rate 1000 -d 10s         # a fixed schedule; latency from the scheduled time
//	loadgen -mode closed -batch 100 -c 4         # {"documents":[…100…]} requests
//	loadgen -mode open -rate 1000 -reload-every 500ms -token T  # reloads during the run
//	loadgen -mode idle -conns 10000 -hold 10s -server-pid PID   # hold idle connections, probe /healthz
//	loadgen -mode body -body-mb 100 -server-pid PID             # stream a 100 MB body
//
// Payloads are ~600-word articles cut from the shared corpora (Pérez-Rosas
// and FakeNewsCorpus texts concatenated, read at start), or generated text
// when those are missing. The result is one JSON object on stdout (or -o).
//
// Open-loop latency is measured from each request's scheduled send time,
// not from when a worker got to it, so a stalled server is charged for the
// requests that queued behind it (no coordinated omission).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type config struct {
	mode        string
	base        string
	path        string
	c           int
	rate        float64
	dur         time.Duration
	warmup      time.Duration
	batch       int
	words       int
	data        string
	reloadEvery time.Duration
	token       string
	conns       int
	hold        time.Duration
	idleKind    string
	pid         int
	bodyMB      int
	out         string
	timeout     time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.mode, "mode", "closed", "closed | open | idle | body")
	flag.StringVar(&cfg.base, "url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	flag.StringVar(&cfg.path, "path", "/v1/classify", "endpoint for closed/open modes")
	flag.IntVar(&cfg.c, "c", 16, "closed: concurrent workers; open: most requests in flight")
	flag.Float64Var(&cfg.rate, "rate", 1000, "open: requests per second")
	flag.DurationVar(&cfg.dur, "d", 10*time.Second, "measured duration")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured load before the run (closed/open)")
	flag.IntVar(&cfg.batch, "batch", 0, "documents per request; 0 sends one {\"text\"} document")
	flag.IntVar(&cfg.words, "words", 600, "words per article")
	flag.StringVar(&cfg.data, "data", "", "datasets folder (default $CREDENCE_SHARED/datasets, ../shared/datasets or /work/shared/datasets)")
	flag.DurationVar(&cfg.reloadEvery, "reload-every", 0, "POST /v1/admin/reload this often during the run")
	flag.StringVar(&cfg.token, "token", os.Getenv("CREDENCE_ADMIN_TOKEN"), "admin bearer token for -reload-every")
	flag.IntVar(&cfg.conns, "conns", 10000, "idle: connections to open and hold")
	flag.DurationVar(&cfg.hold, "hold", 10*time.Second, "idle: how long to hold them")
	flag.StringVar(&cfg.idleKind, "idle-kind", "keepalive", "idle: keepalive (one request, then idle), silent (send nothing) or slow (one header byte per second)")
	flag.IntVar(&cfg.pid, "server-pid", 0, "the server's pid, to report its CPU time (closed/open) or sample its VmRSS (idle/body) from /proc")
	flag.IntVar(&cfg.bodyMB, "body-mb", 100, "body: size of the streamed body in MB")
	flag.StringVar(&cfg.out, "o", "-", "write the JSON result here")
	flag.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "per-request timeout")
	flag.Parse()

	u, err := url.Parse(cfg.base)
	if err != nil || u.Scheme != "http" {
		fatalf("-url %q: want http://HOST:PORT", cfg.base)
	}
	if !isLoopback(u.Hostname()) {
		fatalf("-url %q: loadgen only talks to loopback addresses", cfg.base)
	}
	cfg.base = strings.TrimRight(cfg.base, "/")

	var result any
	switch cfg.mode {
	case "closed", "open":
		result = runLoad(cfg)
	case "idle":
		result = runIdle(cfg, u.Host)
	case "body":
		result = runBody(cfg, u.Host)
	default:
		fatalf("unknown -mode %q", cfg.mode)
	}
	b, _ := json.MarshalIndent(result, "", "  ")
	b = append(b, '\n')
	if cfg.out == "-" {
		os.Stdout.Write(b)
	} else if err := os.WriteFile(cfg.out, b, 0o644); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(2)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[loadgen %s] "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ---------------------------------------------------------------- payloads

type article struct{ title, text string }

// articles cuts consecutive windows of `words` words from the corpora's
// texts; it falls back to generated text.
func articles(dir string, words, max int) ([]article, string) {
	var dirs []string
	if dir != "" {
		dirs = []string{dir}
	} else {
		if s := os.Getenv("CREDENCE_SHARED"); s != "" {
			dirs = append(dirs, filepath.Join(s, "datasets"))
		}
		dirs = append(dirs, "../shared/datasets", "/work/shared/datasets")
	}
	for _, d := range dirs {
		var stream []string
		var titles []string // title of the text each word came from
		var used []string
		for _, f := range []string{"perezrosas/perezrosas2018.csv.gz", "fakes/fakes.csv.gz"} {
			rows, err := readCSV(filepath.Join(d, f))
			if err != nil {
				continue
			}
			used = append(used, f)
			for _, r := range rows {
				for _, w := range strings.Fields(r.text) {
					stream = append(stream, w)
					titles = append(titles, r.title)
				}
			}
		}
		if len(stream) < words {
			continue
		}
		var out []article
		for i := 0; i+words <= len(stream) && len(out) < max; i += words {
			out = append(out, article{titles[i], strings.Join(stream[i:i+words], " ")})
		}
		return out, fmt.Sprintf("%s (%s): %d articles of %d words", d, strings.Join(used, ", "), len(out), words)
	}
	return generated(words, min(max, 64)), fmt.Sprintf("generated text: %d articles of %d words", min(max, 64), words)
}

func readCSV(path string) ([]article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(z)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, err
	}
	ti, xi := slices.Index(head, "title"), slices.Index(head, "text")
	if xi < 0 {
		return nil, fmt.Errorf("%s: no text column", path)
	}
	var out []article
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if xi >= len(rec) {
			continue
		}
		a := article{text: rec[xi]}
		if ti >= 0 && ti < len(rec) {
			a.title = rec[ti]
		}
		out = append(out, a)
	}
}

func generated(words, n int) []article {
	vocab := strings.Fields(`the a of to and in said on for that with was is by at from as it
		government minister officials report police president city council people year week
		budget election court company market health school study percent million new local
		according told reporters statement announced would could have has been after before`)
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]article, n)
	for i := range out {
		ws := make([]string, words)
		for j := range ws {
			ws[j] = vocab[rng.IntN(len(vocab))]
		}
		out[i] = article{fmt.Sprintf("Generated article %d", i), strings.Join(ws, " ")}
	}
	return out
}

// bodies builds the request bodies the workers cycle through.
func bodies(arts []article, batch int) [][]byte {
	var out [][]byte
	if batch <= 0 {
		for _, a := range arts {
			b, _ := json.Marshal(map[string]string{"text": a.text})
			out = append(out, b)
		}
		return out
	}
	type doc struct {
		ID   int    `json:"id"`
		Text string `json:"text"`
	}
	n := max(1, min(16, len(arts)))
	for k := 0; k < n; k++ {
		docs := make([]doc, batch)
		for i := range docs {
			docs[i] = doc{ID: i, Text: arts[(k*batch+i)%len(arts)].text}
		}
		b, _ := json.Marshal(map[string]any{"documents": docs})
		out = append(out, b)
	}
	return out
}

// ---------------------------------------------------------------- load

type latencySummary struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// summarize returns percentiles in milliseconds.
func summarize(d []time.Duration) latencySummary {
	if len(d) == 0 {
		return latencySummary{}
	}
	slices.Sort(d)
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(d)))) - 1
		return ms(d[max(0, min(i, len(d)-1))])
	}
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return latencySummary{N: len(d), Mean: ms(sum / time.Duration(len(d))), P50: q(.5), P90: q(.9), P99: q(.99), P999: q(.999), Max: ms(d[len(d)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

type loadResult struct {
	Mode          string           `json:"mode"`
	URL           string           `json:"url"`
	Concurrency   int              `json:"concurrency"`
	Rate          float64          `json:"rate,omitempty"`
	DurationS     float64          `json:"duration_s"`
	Batch         int              `json:"batch"`
	Words         int              `json:"words"`
	PayloadBytes  int              `json:"payload_bytes"`
	Payload       string           `json:"payload"`
	Requests      int64            `json:"requests"`
	OK            int64            `json:"ok"`
	Failed        int64            `json:"failed"`
	NotSent       int64            `json:"not_sent,omitempty"`
	Documents     int64            `json:"documents"`
	RequestsPerS  float64          `json:"requests_per_s"`
	DocumentsPerS float64          `json:"documents_per_s"`
	LatencyMS     latencySummary   `json:"latency_ms"`
	SendLagMS     *latencySummary  `json:"send_lag_ms,omitempty"` // open: actual minus scheduled send time
	Errors        map[string]int64 `json:"errors"`
	Reloads       *reloadResult    `json:"reloads,omitempty"`
	// CPU seconds used during the measured run (warm-up excluded): the
	// server's (with -server-pid) and the load generator's own.
	ServerCPUS  float64 `json:"server_cpu_s,omitempty"`
	LoadgenCPUS float64 `json:"loadgen_cpu_s"`
	GOMAXPROCS  int     `json:"loadgen_gomaxprocs"`
}

type reloadResult struct {
	Every     string           `json:"every"`
	Attempts  int64            `json:"attempts"`
	OK        int64            `json:"ok"`
	Failed    int64            `json:"failed"`
	Errors    map[string]int64 `json:"errors"`
	LatencyMS latencySummary   `json:"latency_ms"`
}

type workerStats struct {
	lat    []time.Duration
	lag    []time.Duration
	ok     int64
	docs   int64
	errors map[string]int64
}

func newClient(conns int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// send makes one request and classifies the outcome: "" for a good answer,
// else an error key (the status code, or a transport error).
func send(ctx context.Context, client *http.Client, url string, body []byte, want []byte, wantN int, buf *bytes.Buffer) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "request: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "cancelled"
		}
		return "transport: " + shortErr(err)
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(buf.Bytes(), &e)
		return strconv.Itoa(resp.StatusCode) + " " + e.Error.Code
	}
	if err != nil {
		return "read: " + shortErr(err)
	}
	if want != nil && bytes.Count(buf.Bytes(), want) != wantN {
		return "200 unexpected body"
	}
	return ""
}

func shortErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op + " " + op.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Timeout") {
		return "timeout"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

func runLoad(cfg config) *loadResult {
	arts, src := articles(cfg.data, cfg.words, 256)
	bs := bodies(arts, cfg.batch)
	docsPer := int64(max(1, cfg.batch))
	want, wantN := []byte(`"label":`), int(docsPer)
	if !strings.HasSuffix(cfg.path, "/classify") {
		want = nil
	}
	target := cfg.base + cfg.path
	client := newClient(cfg.c, cfg.timeout)
	res := &loadResult{Mode: cfg.mode, URL: target, Concurrency: cfg.c, Batch: cfg.batch, Words: cfg.words,
		PayloadBytes: len(bs[0]), Payload: src, Errors: map[string]int64{}}
	logf("%s: %s", cfg.mode, src)

	// Warm-up: the same load, unmeasured (connections, server caches, GC).
	if cfg.warmup > 0 {
		wctx, cancel := context.WithTimeout(context.Background(), cfg.warmup)
		var wg sync.WaitGroup
		for w := range cfg.c {
			wg.Go(func() {
				var buf bytes.Buffer
				for i := w; wctx.Err() == nil; i++ {
					send(wctx, client, target, bs[i%len(bs)], nil, 0, &buf)
					if cfg.mode == "open" {
						time.Sleep(time.Duration(float64(cfg.c) / cfg.rate * float64(time.Second)))
					}
				}
			})
		}
		wg.Wait()
		cancel()
	}

	ctx, cancel := context.WithTimeout(context.Background(), cfg.dur+cfg.timeout+5*time.Second)
	defer cancel()
	stats := make([]*workerStats, cfg.c)
	for i := range stats {
		stats[i] = &workerStats{errors: map[string]int64{}}
	}
	var reloads *reloadResult
	stopReload := make(chan struct{})
	var rwg sync.WaitGroup
	if cfg.reloadEvery > 0 {
		reloads = &reloadResult{Every: cfg.reloadEvery.String(), Errors: map[string]int64{}}
		rwg.Go(func() { reloadLoop(cfg, reloads, stopReload) })
	}

	srvCPU0, ownCPU0 := procCPU(cfg.pid), selfCPU()
	start := time.Now()
	end := start.Add(cfg.dur)
	var wg sync.WaitGroup
	var notSent atomic.Int64
	switch cfg.mode {
	case "closed":
		for w := range cfg.c {
			st := stats[w]
			wg.Go(func() {
				var buf bytes.Buffer
				for i := w; ; i++ {
					t0 := time.Now()
					if !t0.Before(end) {
						return
					}
					e := send(ctx, client, target, bs[i%len(bs)], want, wantN, &buf)
					st.lat = append(st.lat, time.Since(t0))
					st.record(e, docsPer)
				}
			})
		}
	case "open":
		res.Rate = cfg.rate
		total := int(cfg.rate * cfg.dur.Seconds())
		jobs := make(chan time.Time, total)
		for w := range cfg.c {
			st := stats[w]
			wg.Go(func() {
				var buf bytes.Buffer
				i := w
				for sched := range jobs {
					if ctx.Err() != nil {
						notSent.Add(1)
						continue
					}
					st.lag = append(st.lag, time.Since(sched))
					e := send(ctx, client, target, bs[i%len(bs)], want, wantN, &buf)
					st.lat = append(st.lat, time.Since(sched)) // from the scheduled time
					st.record(e, docsPer)
					i += cfg.c
				}
			})
		}
		interval := float64(time.Second) / cfg.rate
		for i := 0; i < total; {
			now := time.Now()
			for i < total {
				sched := start.Add(time.Duration(float64(i) * interval))
				if sched.After(now) {
					time.Sleep(sched.Sub(now))
					break
				}
				jobs <- sched
				i++
			}
		}
		close(jobs)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if cfg.pid > 0 {
		res.ServerCPUS = math.Round((procCPU(cfg.pid)-srvCPU0)*100) / 100
	}
	res.LoadgenCPUS = math.Round((selfCPU()-ownCPU0)*100) / 100
	if cfg.mode == "closed" {
		elapsed = max(elapsed, cfg.dur) // the last requests end after `end`
	}
	close(stopReload)
	rwg.Wait()

	var lat, lag []time.Duration
	for _, st := range stats {
		lat = append(lat, st.lat...)
		lag = append(lag, st.lag...)
		res.OK += st.ok
		res.Documents += st.docs
		for k, v := range st.errors {
			res.Errors[k] += v
			res.Failed += v
		}
	}
	res.NotSent = notSent.Load()
	res.Failed += res.NotSent
	if res.NotSent > 0 {
		res.Errors["not sent (run overtime)"] += res.NotSent
	}
	res.Requests = res.OK + res.Failed
	res.DurationS = math.Round(elapsed.Seconds()*1000) / 1000
	res.RequestsPerS = math.Round(float64(res.OK) / elapsed.Seconds())
	res.DocumentsPerS = math.Round(float64(res.Documents) / elapsed.Seconds())
	res.LatencyMS = summarize(lat)
	if cfg.mode == "open" {
		s := summarize(lag)
		res.SendLagMS = &s
	}
	res.Reloads = reloads
	res.GOMAXPROCS = runtime.GOMAXPROCS(0)
	logf("%s: %d ok, %d failed, %.0f req/s, %.0f docs/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms",
		cfg.mode, res.OK, res.Failed, res.RequestsPerS, res.DocumentsPerS, res.LatencyMS.P50, res.LatencyMS.P99, res.LatencyMS.Max)
	return res
}

func (st *workerStats) record(e string, docs int64) {
	if e == "" {
		st.ok++
		st.docs += docs
		return
	}
	st.errors[e]++
}

func reloadLoop(cfg config, r *reloadResult, stop <-chan struct{}) {
	client := newClient(1, cfg.timeout)
	t := time.NewTicker(cfg.reloadEvery)
	defer t.Stop()
	var lat []time.Duration
	defer func() { r.LatencyMS = summarize(lat) }()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		req, _ := http.NewRequest(http.MethodPost, cfg.base+"/v1/admin/reload", nil)
		req.Header.Set("Authorization", "Bearer "+cfg.token)
		t0 := time.Now()
		resp, err := client.Do(req)
		r.Attempts++
		if err != nil {
			r.Failed++
			r.Errors["transport: "+shortErr(err)]++
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(t0))
		if resp.StatusCode != http.StatusOK {
			r.Failed++
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			json.Unmarshal(body, &e)
			r.Errors[strconv.Itoa(resp.StatusCode)+" "+e.Error.Code]++
			continue
		}
		r.OK++
	}
}

// ---------------------------------------------------------------- /proc

// rssMB is a process's resident set size in MB (0 when unknown).
func rssMB(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return math.Round(kb/1024*10) / 10
			}
		}
	}
	return 0
}

// procCPU is a process's user + system CPU seconds so far (0 when unknown).
func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields of the whole line, in clock ticks (100 per second
	// on Linux).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100
}

// selfCPU is this process's user + system CPU seconds so far.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func openFDs(pid int) int {
	if pid <= 0 {
		return 0
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0
	}
	return len(ents)
}

// rssSampler records the peak RSS of pid until stopped.
type rssSampler struct {
	pid  int
	peak atomic.Uint64 // MB × 10
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v := uint64(rssMB(pid) * 10); v > s.peak.Load() {
				s.peak.Store(v)
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) Stop() float64 {
	close(s.stop)
	<-s.done
	return float64(s.peak.Load()) / 10
}

// ---------------------------------------------------------------- idle

type idleResult struct {
	Mode           string             `json:"mode"`
	Kind           string             `json:"kind"`
	ConnsRequested int                `json:"conns_requested"`
	ConnsOpened    int64              `json:"conns_opened"`
	OpenS          float64            `json:"open_s"`
	DialErrors     map[string]int64   `json:"dial_errors"`
	HoldS          float64            `json:"hold_s"`
	ClosedByServer int64              `json:"closed_by_server"`
	ClosedAfterS   *latencySummary    `json:"closed_after_s,omitempty"` // seconds, for those closed
	StillOpen      int64              `json:"still_open_at_end"`
	Healthz        probeResult        `json:"healthz"`
	Classify       probeResult        `json:"classify"`
	ServerRSSMB    map[string]float64 `json:"server_rss_mb,omitempty"`
	ServerFDsPeak  int                `json:"server_fds_peak,omitempty"`
}

type probeResult struct {
	Probes    int            `json:"probes"`
	OK        int            `json:"ok"`
	Errors    map[string]int `json:"errors"`
	LatencyMS latencySummary `json:"latency_ms"`
}

// probe requests path every interval until stop, on a fresh connection
// each time (an established keep-alive one would hide a full accept queue).
func probe(cfg config, path string, body []byte, every time.Duration, stop <-chan struct{}) *probeResult {
	r := &probeResult{Errors: map[string]int{}}
	var lat []time.Duration
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			r.LatencyMS = summarize(lat)
			return r
		case <-t.C:
		}
		tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
		client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		method := http.MethodGet
		if body != nil {
			method = http.MethodPost
		}
		req, _ := http.NewRequest(method, cfg.base+path, bytes.NewReader(body))
		t0 := time.Now()
		resp, err := client.Do(req)
		r.Probes++
		if err != nil {
			r.Errors["transport: "+shortErr(err)]++
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			r.Errors[strconv.Itoa(resp.StatusCode)]++
			continue
		}
		lat = append(lat, time.Since(t0))
		r.OK++
	}
}

func runIdle(cfg config, hostport string) *idleResult {
	res := &idleResult{Mode: "idle", Kind: cfg.idleKind, ConnsRequested: cfg.conns, DialErrors: map[string]int64{}, ServerRSSMB: map[string]float64{}}
	if cfg.idleKind != "keepalive" && cfg.idleKind != "silent" && cfg.idleKind != "slow" {
		fatalf("-idle-kind %q: keepalive, silent or slow", cfg.idleKind)
	}
	arts, _ := articles(cfg.data, cfg.words, 1)
	classifyBody, _ := json.Marshal(map[string]string{"text": arts[0].text})
	res.ServerRSSMB["before"] = rssMB(cfg.pid)
	sampler := sampleRSS(cfg.pid)

	var (
		mu      sync.Mutex
		conns   []net.Conn
		closedT []time.Duration
		opened  atomic.Int64
		closed  atomic.Int64
		wg      sync.WaitGroup
		dialSem = make(chan struct{}, 256) // dials in flight: stay under the accept backlog
		holding = make(chan struct{})
	)
	hdr := "GET /healthz HTTP/1.1\r\nHost: " + hostport + "\r\nUser-Agent: loadgen-idle\r\n\r\n"
	openStart := time.Now()
	for i := 0; i < cfg.conns; i++ {
		dialSem <- struct{}{}
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", hostport, 10*time.Second)
			if err != nil {
				<-dialSem
				mu.Lock()
				res.DialErrors[shortErr(err)]++
				mu.Unlock()
				return
			}
			t0 := time.Now()
			br := bufio.NewReaderSize(c, 512)
			if cfg.idleKind == "keepalive" {
				// One real request, then the connection idles in keep-alive.
				c.SetDeadline(time.Now().Add(10 * time.Second))
				_, err = io.WriteString(c, hdr)
				var resp *http.Response
				if err == nil {
					resp, err = http.ReadResponse(br, nil)
				}
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				c.SetDeadline(time.Time{})
				if err != nil {
					<-dialSem
					mu.Lock()
					res.DialErrors["first request: "+shortErr(err)]++
					mu.Unlock()
					c.Close()
					return
				}
			}
			<-dialSem
			opened.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if cfg.idleKind == "slow" {
				go func() {
					for i := 0; i < len(hdr); i++ {
						select {
						case <-holding:
							return
						default:
						}
						if _, err := c.Write([]byte{hdr[i]}); err != nil {
							return
						}
						time.Sleep(time.Second)
					}
				}()
			}
			// Wait for the server to close it (or for us to, at the end).
			_, err = br.ReadByte()
			for err == nil {
				_, err = br.ReadByte() // e.g. a 408/400 before the close
			}
			select {
			case <-holding: // closed by us after the hold
			default:
				closed.Add(1)
				mu.Lock()
				closedT = append(closedT, time.Since(t0))
				mu.Unlock()
			}
		})
	}
	for opened.Load()+sumErrors(&mu, res.DialErrors) < int64(cfg.conns) {
		time.Sleep(10 * time.Millisecond)
		if time.Since(openStart) > 60*time.Second {
			break
		}
	}
	res.OpenS = math.Round(time.Since(openStart).Seconds()*1000) / 1000
	res.ConnsOpened = opened.Load()
	logf("idle: %d/%d %s connections open after %.2fs (dial errors %v); holding %v", res.ConnsOpened, cfg.conns, cfg.idleKind, res.OpenS, res.DialErrors, cfg.hold)
	res.ServerRSSMB["open"] = rssMB(cfg.pid)

	stopProbe := make(chan struct{})
	var hz, cl *probeResult
	var pwg sync.WaitGroup
	pwg.Go(func() { hz = probe(cfg, "/healthz", nil, 100*time.Millisecond, stopProbe) })
	pwg.Go(func() { cl = probe(cfg, "/v1/classify", classifyBody, 100*time.Millisecond, stopProbe) })
	holdStart := time.Now()
	time.Sleep(cfg.hold / 2)
	res.ServerFDsPeak = openFDs(cfg.pid)
	time.Sleep(cfg.hold - cfg.hold/2)
	res.HoldS = math.Round(time.Since(holdStart).Seconds()*1000) / 1000
	close(stopProbe)
	pwg.Wait()
	res.Healthz, res.Classify = *hz, *cl
	res.ServerRSSMB["peak"] = sampler.Stop()
	res.ServerRSSMB["end_of_hold"] = rssMB(cfg.pid)

	res.ClosedByServer = closed.Load()
	res.StillOpen = res.ConnsOpened - res.ClosedByServer
	close(holding)
	mu.Lock()
	for _, c := range conns {
		c.Close()
	}
	if len(closedT) > 0 {
		s := summarize(closedT)
		// summarize gives milliseconds; report seconds.
		for _, p := range []*float64{&s.Mean, &s.P50, &s.P90, &s.P99, &s.P999, &s.Max} {
			*p = math.Round(*p) / 1000
		}
		res.ClosedAfterS = &s
	}
	mu.Unlock()
	wg.Wait()
	time.Sleep(2 * time.Second) // let the server notice and release them
	res.ServerRSSMB["after_close"] = rssMB(cfg.pid)
	logf("idle: healthz %d/%d ok (p99 %.1f ms, max %.1f ms), classify %d/%d ok; closed by server %d; server RSS %v MB",
		res.Healthz.OK, res.Healthz.Probes, res.Healthz.LatencyMS.P99, res.Healthz.LatencyMS.Max, res.Classify.OK, res.Classify.Probes, res.ClosedByServer, res.ServerRSSMB)
	return res
}

func sumErrors(mu *sync.Mutex, m map[string]int64) int64 {
	mu.Lock()
	defer mu.Unlock()
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// ---------------------------------------------------------------- body

type bodyResult struct {
	Mode        string             `json:"mode"`
	BodyBytes   int64              `json:"body_bytes"`
	Status      int                `json:"status"`
	Code        string             `json:"code"`
	BytesSent   int64              `json:"bytes_sent_before_answer"`
	AnswerS     float64            `json:"answer_s"`
	Error       string             `json:"error,omitempty"`
	ServerRSSMB map[string]float64 `json:"server_rss_mb,omitempty"`
}

// runBody streams a huge JSON body and reads the answer while writing.
func runBody(cfg config, hostport string) *bodyResult {
	n := int64(cfg.bodyMB) << 20
	res := &bodyResult{Mode: "body", BodyBytes: n, ServerRSSMB: map[string]float64{"before": rssMB(cfg.pid)}}
	sampler := sampleRSS(cfg.pid)
	c, err := net.DialTimeout("tcp", hostport, 5*time.Second)
	if err != nil {
		fatalf("%v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", cfg.path, hostport, n)
	var sent atomic.Int64
	go func() {
		piece := bytes.Repeat([]byte("a"), 64<<10)
		copy(piece, `{"text":"`)
		for sent.Load() < n {
			k, err := c.Write(piece[:min(int64(len(piece)), n-sent.Load())])
			sent.Add(int64(k))
			if err != nil {
				return
			}
			copy(piece, "aaaaaaaaa")
		}
	}()
	t0 := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	res.AnswerS = math.Round(time.Since(t0).Seconds()*1000) / 1000
	res.BytesSent = sent.Load()
	if err != nil {
		res.Error = err.Error()
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res.Status = resp.StatusCode
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(b, &e)
		res.Code = e.Error.Code
	}
	c.Close()
	res.ServerRSSMB["peak"] = sampler.Stop()
	res.ServerRSSMB["after"] = rssMB(cfg.pid)
	logf("body: %d MB -> %d %s after %.1f MB sent, %.2fs; server RSS %v MB", cfg.bodyMB, res.Status, res.Code, float64(res.BytesSent)/(1<<20), res.AnswerS, res.ServerRSSMB)
	return res
}
