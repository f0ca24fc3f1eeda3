package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/credence-news/credence/internal/natstest"
	"github.com/credence-news/credence/model/defaultmodel"
	"github.com/credence-news/credence/stream"
)

// streamRoot is the CLI with the stream commands (added here until main.go
// registers them).
func streamRoot() *cobra.Command {
	root := newRoot()
	have := map[string]bool{}
	for _, c := range root.Commands() {
		have[c.Name()] = true
	}
	for _, c := range []*cobra.Command{newWorkerCmd(), newPublishCmd(), newCollectCmd()} {
		if !have[c.Name()] {
			root.AddCommand(c)
		}
	}
	return root
}

// cli runs the CLI in-process with a context.
func cli(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	root := streamRoot()
	var out bytes.Buffer
	root.SetIn(stdin)
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

var streamWords = strings.Fields(`the senate voted on tuesday to pass a budget bill after weeks of debate officials said
shocking truth doctors hate this secret trick that they do not want you to know celebrity insiders reveal
president minister election campaign police reported statement according to sources confirmed study
researchers university found evidence vaccine miracle cure exposed hoax viral share before deleted`)

// streamCorpus writes n JSONL documents {"id","text","label"} of about
// words words each.
func streamCorpus(t *testing.T, n, words int) (path string, texts map[string]string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "docs.jsonl")
	var buf bytes.Buffer
	texts = map[string]string{}
	x := uint64(88172645463325252)
	for i := range n {
		var sb strings.Builder
		for k := range words {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			if k > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(streamWords[x%uint64(len(streamWords))])
		}
		id := fmt.Sprintf("doc-%05d", i)
		texts[id] = sb.String()
		line, _ := json.Marshal(map[string]string{"id": id, "text": sb.String(), "label": []string{"fake", "real"}[i%2]})
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, texts
}

// checkVerdicts checks one JSONL verdict per document, equal to the
// in-process verdict of the built-in model.
func checkVerdicts(t *testing.T, out string, texts map[string]string) {
	t.Helper()
	m, err := defaultmodel.Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	probs := make([]float64, 2)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var v stream.Verdict
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		if seen[v.ID] {
			t.Fatalf("document %s appears twice", v.ID)
		}
		seen[v.ID] = true
		text, ok := texts[v.ID]
		if !ok {
			t.Fatalf("verdict for unknown document %q", v.ID)
		}
		best := m.Probabilities([]byte(text), probs)
		if v.Label != m.Labels()[best] || v.Verdict != m.Verdict(probs) || v.ModelID != m.Card.ID {
			t.Fatalf("%s: %+v, want %s/%s", v.ID, v, m.Labels()[best], m.Verdict(probs))
		}
		for i, l := range m.Labels() {
			if want, _ := strconv.ParseFloat(strconv.FormatFloat(probs[i], 'g', 6, 64), 64); v.Probabilities[l] != want {
				t.Fatalf("%s: P(%s) = %v, want %v", v.ID, l, v.Probabilities[l], want)
			}
		}
	}
	if len(seen) != len(texts) {
		t.Fatalf("%d documents collected, want %d", len(seen), len(texts))
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestStreamCLI: publish (JSONL on stdin) → worker → collect, through the
// commands, with metrics, a re-run that publishes nothing twice, and a
// worker refused for its model.
func TestStreamCLI(t *testing.T) {
	s := natstest.Server(t)
	url := s.ClientURL()
	path, texts := streamCorpus(t, 500, 80)
	in, _ := os.ReadFile(path)
	ctx := context.Background()
	if _, err := cli(ctx, bytes.NewReader(in), "publish", "--nats", url, "--id", "id", "--label", "label", "--expect-model", "builtin", "--dup-window", "2h"); err != nil {
		t.Fatal(err)
	}

	metricsAddr := freeAddr(t)
	wctx, stopWorker := context.WithCancel(ctx)
	werr := make(chan error, 1)
	go func() {
		_, err := cli(wctx, nil, "worker", "--nats", url, "--metrics-addr", metricsAddr, "--explain", "2", "--batch", "32")
		werr <- err
	}()
	out, err := cli(ctx, nil, "collect", "--nats", url, "--wait", "--timeout", "30s")
	if err != nil {
		t.Fatal(err)
	}
	checkVerdicts(t, out, texts)
	if !strings.Contains(out, `"given_label":"fake"`) || !strings.Contains(out, `"explain":[{"feature":`) {
		t.Errorf("verdicts lack given_label or explain: %.300s", out)
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte(`credence_stream_documents_total{outcome="classified"} 500`)) || !bytes.Contains(body, []byte("credence_model_info{")) {
		t.Errorf("metrics:\n%s", body)
	}

	// A re-run publishes nothing: every id is in the duplicate window.
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	top, _ := stream.NewTopology(stream.DefaultPrefix)
	rs, _ := js.Stream(ctx, top.ResultsStream)
	stored := rs.CachedInfo().State.Msgs
	if stored != 500 {
		t.Errorf("500 documents in %d results messages: want one per document (no --batch)", stored)
	}
	if _, err := cli(ctx, bytes.NewReader(in), "publish", "--nats", url, "--id", "id"); err != nil {
		t.Fatal(err)
	}
	rs, _ = js.Stream(ctx, top.ResultsStream)
	ds, _ := js.Stream(ctx, top.DocsStream)
	if rs.CachedInfo().State.Msgs != stored || ds.CachedInfo().State.Msgs != 0 || ds.CachedInfo().Config.Duplicates != 2*time.Hour {
		t.Errorf("after a re-run: %d results messages stored (was %d), %d messages queued, window %v", rs.CachedInfo().State.Msgs, stored, ds.CachedInfo().State.Msgs, ds.CachedInfo().Config.Duplicates)
	}

	// CSV, to a file.
	csvPath := filepath.Join(t.TempDir(), "v.csv")
	if _, err := cli(ctx, nil, "collect", "--nats", url, "--format", "csv", "--out", csvPath); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(csvPath)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 501 || rows[0][0] != "id" || rows[0][3] != "probabilities" {
		t.Fatalf("csv: %d rows, %v", len(rows), err)
	}

	stopWorker()
	if err := <-werr; err != nil {
		t.Fatalf("worker after SIGTERM: %v", err)
	}

	// A worker with another model than the expected one refuses to start.
	if _, err := cli(ctx, nil, "publish", "--nats", url, "--expect-model", "some-other-model", "--data", path, "--id", "id"); err != nil {
		t.Fatal(err)
	}
	_, err = cli(ctx, nil, "worker", "--nats", url)
	var mm *stream.ModelMismatchError
	if !errors.As(err, &mm) || mm.Expected != "some-other-model" {
		t.Fatalf("worker with a mismatched model: %v", err)
	}
}

func TestStreamUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"collect", "--format", "xml"},
		{"collect", "--keep", "middle"},
		{"collect", "--follow", "--wait"},
		{"publish", "--id-by", "title"},
		{"publish", "--dup-window", "1ms"},
		{"publish", "--replicas", "7"},
		{"publish", "--shard", "2/2"},
		{"publish", "--shard", "x"},
		{"worker", "--max-deliver", "1"},
		{"worker", "--ack-wait", "10ms"},
		{"worker", "--creds", "a.creds", "--token", "t"},
		{"collect", "--prefix", "a.b"},
		{"collect", "--tls-cert", "c.pem"},
	} {
		_, err := cli(context.Background(), strings.NewReader(""), args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

// TestStreamWorkerProcess is the worker subprocess of TestStreamWorkerKill.
func TestStreamWorkerProcess(t *testing.T) {
	args := os.Getenv("CREDENCE_STREAM_WORKER_ARGS")
	if args == "" {
		t.Skip("helper process of TestStreamWorkerKill")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := streamRoot()
	root.SetArgs(strings.Fields(args))
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "credence:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

type workerProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
}

// syncBuffer is a bytes.Buffer the test may read while the process
// writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitLog waits until the process has logged msg.
func (w *workerProc) waitLog(t *testing.T, msg string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(w.stderr.String(), `"msg":"`+msg+`"`); {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in 30 s:\n%s", msg, w.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func startWorkerProc(t *testing.T, args string) *workerProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestStreamWorkerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CREDENCE_STREAM_WORKER_ARGS="+args)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return &workerProc{cmd, stderr}
}

// TestStreamWorkerKill kills one of two worker processes with SIGKILL in
// the middle of its work: every document still ends up in the collected
// output exactly once, with the in-process verdict, because what the
// killed worker held is redelivered to the other after the ack wait.
func TestStreamWorkerKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	s := natstest.Server(t)
	url := s.ClientURL()
	const n = 12000
	path, texts := streamCorpus(t, n, 150)
	ctx := context.Background()
	if _, err := cli(ctx, nil, "publish", "--nats", url, "--prefix", "kill", "--data", path, "--id", "id", "--batch", "16"); err != nil {
		t.Fatal(err)
	}
	args := "worker --nats " + url + " --prefix kill --ack-wait 2s --batch 16 --concurrency 1 --log-format json"
	// A first: the one to be killed must be holding work when it dies
	// (started together, a slow start under load once left B everything).
	a := startWorkerProc(t, args+" --name A")
	a.waitLog(t, "worker started")
	b := startWorkerProc(t, args+" --name B")

	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	top, _ := stream.NewTopology("kill")
	ds, err := js.Stream(ctx, top.DocsStream)
	if err != nil {
		t.Fatal(err)
	}
	batches := ds.CachedInfo().State.Msgs // a results message per batch
	deadline := time.Now().Add(30 * time.Second)
	var pending int
	for {
		rs, err := js.Stream(ctx, top.ResultsStream)
		if err == nil && rs.CachedInfo().State.Msgs >= batches/6 {
			cons, err := js.Consumer(ctx, top.DocsStream, top.Consumer)
			if err == nil {
				pending = cons.CachedInfo().NumAckPending
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the workers did not get going:\nA: %s\nB: %s", a.stderr, b.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := a.cmd.Process.Kill(); err != nil { // SIGKILL: no drain, no goodbye
		t.Fatal(err)
	}
	a.cmd.Wait()
	t.Logf("killed worker A with %d messages unacknowledged over both workers", pending)

	out, err := cli(ctx, nil, "collect", "--nats", url, "--prefix", "kill", "--wait", "--timeout", "45s")
	if err != nil {
		t.Fatalf("%v\nB: %s", err, b.stderr)
	}
	checkVerdicts(t, out, texts)

	// B drains on SIGTERM and exits 0; it got A's documents again.
	b.cmd.Process.Signal(syscall.SIGTERM)
	if err := b.cmd.Wait(); err != nil {
		t.Fatalf("worker B after SIGTERM: %v\n%s", err, b.stderr)
	}
	var stopped struct {
		Classified, Redelivered int
	}
	for _, line := range strings.Split(b.stderr.String(), "\n") {
		if strings.Contains(line, `"msg":"worker stopped"`) {
			json.Unmarshal([]byte(line), &stopped)
		}
	}
	if stopped.Classified == 0 || stopped.Redelivered == 0 {
		t.Errorf("worker B: %+v (want redelivered documents)\n%s", stopped, b.stderr)
	}
	t.Logf("worker B classified %d documents, %d of them redelivered from A", stopped.Classified, stopped.Redelivered)
	if strings.Contains(b.stderr.String(), "slow consumer") {
		t.Errorf("worker B fell behind its subscription (messages dropped):\n%s", b.stderr)
	}
}

// TestStreamShards: publish --shard I/K splits a corpus over K pipelines.
func TestStreamShards(t *testing.T) {
	s := natstest.Server(t)
	url := s.ClientURL()
	path, _ := streamCorpus(t, 300, 20)
	ctx := context.Background()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	total := uint64(0)
	for i := range 3 {
		prefix := fmt.Sprintf("shard-%d", i)
		if _, err := cli(ctx, nil, "publish", "--nats", url, "--prefix", prefix, "--shard", fmt.Sprintf("%d/3", i), "--data", path, "--id", "id", "--batch", "1"); err != nil {
			t.Fatal(err)
		}
		top, _ := stream.NewTopology(prefix)
		n, err := stream.DocsStreamState(ctx, js, top)
		if err != nil || n < 50 {
			t.Fatalf("shard %d: %d documents (%v)", i, n, err)
		}
		total += n
	}
	if total != 300 {
		t.Fatalf("%d documents over the shards, want 300", total)
	}
}
