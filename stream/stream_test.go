package stream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/credence-news/credence/internal/natstest"
	"github.com/credence-news/credence/model/defaultmodel"
)

func connect(t testing.TB, s *server.Server) *nats.Conn {
	t.Helper()
	nc, err := Connect(ConnOptions{URL: s.ClientURL(), Name: t.Name(), Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// serverConn starts an embedded JetStream server for the test and returns
// a connection to it and the test topology.
func serverConn(t *testing.T) (*nats.Conn, Topology) {
	t.Helper()
	return connect(t, natstest.Server(t)), topology(t)
}

func topology(t testing.TB) Topology {
	top, err := NewTopology("t")
	if err != nil {
		t.Fatal(err)
	}
	return top
}

func setup(t testing.TB, nc *nats.Conn, top Topology, s Settings) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := Setup(context.Background(), js, top, s); err != nil {
		t.Fatal(err)
	}
	return js
}

// runWorker runs a worker until the test ends (or stop is called).
func runWorker(t testing.TB, nc *nats.Conn, top Topology, c Classifier, opt WorkerOptions) (w *Worker, stop func() error) {
	t.Helper()
	if opt.Log == nil {
		opt.Log = quiet()
	}
	w, err := NewWorker(nc, top, c, opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				runErr = errors.New("worker did not stop")
			}
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return w, stop
}

func publish(t testing.TB, nc *nats.Conn, top Topology, docs []Doc) PublishStats {
	t.Helper()
	return publishWith(t, nc, top, docs, PublishOptions{})
}

func publishWith(t testing.TB, nc *nats.Conn, top Topology, docs []Doc, opt PublishOptions) PublishStats {
	t.Helper()
	opt.Log = quiet()
	p, err := NewPublisher(nc, top, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if err := p.Publish(d); err != nil {
			t.Fatal(err)
		}
	}
	st, err := p.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// collect waits until every document is classified or dead-lettered.
func collect(t testing.TB, nc *nats.Conn, top Topology, opt CollectOptions) ([]Verdict, CollectStats, string) {
	t.Helper()
	if opt.Log == nil {
		opt.Log = quiet()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	var out bytes.Buffer
	st, err := Collect(ctx, nc, top, &out, opt)
	if err != nil {
		t.Fatal(err)
	}
	var vs []Verdict
	if opt.Format != "csv" {
		sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
		for sc.Scan() {
			var v Verdict
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("%v: %s", err, sc.Text())
			}
			vs = append(vs, v)
		}
	}
	return vs, st, out.String()
}

var words = strings.Fields(`the senate voted on tuesday to pass a budget bill after weeks of debate officials said
shocking truth doctors hate this secret trick that they do not want you to know celebrity insiders reveal
president minister election campaign police reported statement according to sources confirmed study
researchers university found evidence vaccine miracle cure exposed hoax viral share before deleted`)

// article makes a distinct pseudo-article of n words.
func article(i, n int) string {
	var sb strings.Builder
	x := uint64(i)*2654435761 + 12345
	for k := range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		if k > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(words[x%uint64(len(words))])
	}
	fmt.Fprintf(&sb, " %d", i)
	return sb.String()
}

func docs(n, words int) []Doc {
	out := make([]Doc, n)
	for i := range out {
		text := article(i, words)
		out[i] = Doc{ID: ContentID(text), Text: text, Label: []string{"fake", "real"}[i%2]}
	}
	return out
}

// TestEndToEnd publishes documents, classifies them with two workers and
// the built-in model, and checks every verdict against the in-process one.
func TestEndToEnd(t *testing.T) {
	for _, batch := range []int{1, 16} {
		t.Run(fmt.Sprintf("batch=%d", batch), func(t *testing.T) { testEndToEnd(t, batch) })
	}
}

// testEndToEnd publishes batch documents per message on average.
func testEndToEnd(t *testing.T, batch int) {
	s := natstest.Server(t)
	nc := connect(t, s)
	top := topology(t)
	m, err := defaultmodel.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := ModelClassifier(m)
	reg := prometheus.NewRegistry()
	metrics := NewMetrics(reg)
	setup(t, nc, top, Settings{}) // as `credence publish` does: the streams exist before anything runs
	w1, stop1 := runWorker(t, nc, top, c, WorkerOptions{Batch: 16, Metrics: metrics, Explain: 3})
	w2, stop2 := runWorker(t, connect(t, s), top, c, WorkerOptions{Batch: 16, Explain: 3})

	in := docs(400, 120)
	pst := publishWith(t, nc, top, in, PublishOptions{Batch: batch})
	if pst.Published != 400 || pst.Duplicates != 0 {
		t.Fatalf("publish: %+v", pst)
	}
	vs, cst, _ := collect(t, nc, top, CollectOptions{Wait: true})
	if len(vs) != len(in) || cst.Distinct != int64(len(in)) || cst.Duplicates != 0 {
		t.Fatalf("collected %d verdicts (%+v), want %d", len(vs), cst, len(in))
	}
	byID := map[string]Verdict{}
	for _, v := range vs {
		byID[v.ID] = v
	}
	probs := make([]float64, 2)
	for _, d := range in {
		v, ok := byID[d.ID]
		if !ok {
			t.Fatalf("no verdict for %s", d.ID)
		}
		best, verdict := c.Classify([]byte(d.Text), probs)
		if v.Label != m.Labels()[best] || v.Verdict != verdict || v.ModelID != m.Card.ID || v.GivenLabel != d.Label || len(v.Explain) != 3 {
			t.Fatalf("verdict %+v, want label %s verdict %s", v, m.Labels()[best], verdict)
		}
		for i, l := range m.Labels() {
			want, _ := strconv.ParseFloat(strconv.FormatFloat(probs[i], 'g', 6, 64), 64)
			if v.Probabilities[l] != want {
				t.Fatalf("%s: P(%s) = %v, want %v", d.ID, l, v.Probabilities[l], want)
			}
		}
	}
	// Both workers took part (each document to one of them).
	if err := stop1(); err != nil {
		t.Fatal(err)
	}
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
	s1, s2 := w1.Stats(), w2.Stats()
	if s1.Classified+s2.Classified < int64(len(in)) || s1.Classified == 0 || s2.Classified == 0 {
		t.Errorf("worker stats %+v %+v", s1, s2)
	}
	if got := testutil.ToFloat64(metrics.documents.WithLabelValues("classified")); got != float64(s1.Classified) {
		t.Errorf("metric classified = %v, want %d", got, s1.Classified)
	}

	// A re-run publishes nothing twice: the ids are in the duplicate window.
	pst = publishWith(t, nc, top, in, PublishOptions{Batch: batch})
	if pst.Published != 0 || pst.Duplicates != int64(len(in)) {
		t.Fatalf("re-publish: %+v", pst)
	}
	js, _ := jetstream.New(nc)
	if n, err := DocsStreamState(context.Background(), js, top); err != nil || n != 0 {
		t.Fatalf("docs stream holds %d messages after a re-run (%v)", n, err)
	}
	if batch > 1 {
		// Batch boundaries depend on the ids alone: with a document added
		// in the middle, only the batch around it is published again.
		more := slices.Insert(slices.Clone(in), 200, Doc{ID: "added", Text: "a new article"})
		pst = publishWith(t, nc, top, more, PublishOptions{Batch: batch})
		if pst.Published < 1 || pst.Published > 4*int64(batch)+1 || pst.Published+pst.Duplicates != int64(len(more)) {
			t.Errorf("re-publish with a document added: %+v", pst)
		}
	}

	// CSV output.
	_, _, out := collect(t, nc, top, CollectOptions{Format: "csv"})
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != len(in)+1 || strings.Join(rows[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("csv: %d rows, %v, header %v", len(rows), err, rows[0])
	}
	if !strings.HasPrefix(rows[1][3], `{"fake":`) || rows[1][4] != m.Card.ID {
		t.Errorf("csv row %v", rows[1])
	}
}

// fakeClassifier panics on "PANIC" and blocks on "HANG" until released.
type fakeClassifier struct {
	id   string
	hang chan struct{}
}

func (f *fakeClassifier) ID() string       { return f.id }
func (f *fakeClassifier) Labels() []string { return []string{"fake", "real"} }
func (f *fakeClassifier) Classify(text []byte, probs []float64) (int, string) {
	if bytes.Contains(text, []byte("PANIC")) {
		panic("boom")
	}
	if bytes.Contains(text, []byte("HANG")) && f.hang != nil {
		<-f.hang
	}
	p := float64(len(text)%10) / 10
	probs[0], probs[1] = p, 1-p
	if p >= 0.5 {
		return 0, "fake"
	}
	return 1, "real"
}
func (f *fakeClassifier) Explain(text []byte, n int) []Contribution { return nil }

func rawPublish(t testing.TB, nc *nats.Conn, subject string, data []byte, id string) {
	t.Helper()
	js, _ := jetstream.New(nc)
	msg := nats.NewMsg(subject)
	msg.Data = data
	if id != "" {
		msg.Header.Set(nats.MsgIdHdr, id)
	}
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

// deadLetters collects (waiting) and returns the verdicts and the dead
// letters by reason kind.
func deadLetters(t testing.TB, nc *nats.Conn, top Topology, opt CollectOptions) ([]Verdict, map[string][]DeadLetter) {
	t.Helper()
	var dead bytes.Buffer
	opt.Dead = &dead
	opt.Wait = true
	vs, _, _ := collect(t, nc, top, opt)
	out := map[string][]DeadLetter{}
	sc := bufio.NewScanner(&dead)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d DeadLetter
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		kind, _, _ := strings.Cut(d.Reason, ":")
		out[kind] = append(out[kind], d)
	}
	return vs, out
}

// TestPoisonMessages: invalid JSON, invalid UTF-8, oversized and id-less
// messages go to the dead-letter stream with their reason, once, without
// being retried; the good ones are classified.
func TestPoisonMessages(t *testing.T) {
	nc, top := serverConn(t)
	setup(t, nc, top, Settings{})
	w, _ := runWorker(t, nc, top, &fakeClassifier{id: "fake-1"}, WorkerOptions{MaxDocBytes: 2000, Batch: 4})
	rawPublish(t, nc, top.DocsSubject, []byte(`{"id":"a","text":"unterminated`), "p1")
	rawPublish(t, nc, top.DocsSubject, []byte("{\"id\":\"b\",\"text\":\"caf\xe9\"}"), "p2")
	rawPublish(t, nc, top.DocsSubject, []byte(`{"id":"c","text":"`+strings.Repeat("x", 3000)+`"}`), "p3")
	rawPublish(t, nc, top.DocsSubject, []byte(`{"text":"no id anywhere"}`), "")
	rawPublish(t, nc, top.DocsSubject, []byte(`{"id":"d","text":42}`), "p5")
	good := docs(5, 20)
	publish(t, nc, top, good)
	rawPublish(t, nc, top.DocsSubject, []byte(`{"text":"id from the header"}`), "hdr-id")

	vs, dead := deadLetters(t, nc, top, CollectOptions{})
	// Workers classify batches concurrently: verdicts come in any order.
	if len(vs) != 6 || !slices.ContainsFunc(vs, func(v Verdict) bool { return v.ID == "hdr-id" }) {
		t.Fatalf("%d verdicts, want 6 (one with the header's id): %+v", len(vs), vs)
	}
	for _, want := range []struct{ kind, data, reason string }{
		{ReasonInvalidJSON, `"id":"a"`, "unexpected EOF"},
		{ReasonInvalidJSON, `"text":42`, `"text" is not a string`},
		{ReasonInvalidUTF8, "caf\uFFFD", "invalid UTF-8 at byte 21"},
		{ReasonOversized, "xxxx", "3020 bytes, the limit is 2000"},
		{ReasonNoID, "no id anywhere", `no "id" member`},
	} {
		found := false
		for _, d := range dead[want.kind] {
			if strings.Contains(d.Data, want.data) {
				found = true
				if !strings.Contains(d.Reason, want.reason) || d.Deliveries != 1 || d.Seq == 0 || d.Worker == "" {
					t.Errorf("%s dead letter %+v, want reason %q", want.kind, d, want.reason)
				}
			}
		}
		if !found {
			t.Errorf("no %s dead letter with %q (have %+v)", want.kind, want.data, dead)
		}
	}
	if st := w.Stats(); st.DeadLettered != 5 || st.Retried != 0 || st.Classified != 6 {
		t.Errorf("worker stats %+v", st)
	}
}

// TestPoisonInBatch: the bad documents of a batch message are
// dead-lettered one by one (with their line), the others classified, and
// the message acknowledged.
func TestPoisonInBatch(t *testing.T) {
	nc, top := serverConn(t)
	setup(t, nc, top, Settings{})
	w, _ := runWorker(t, nc, top, &fakeClassifier{id: "fake-1"}, WorkerOptions{MaxDocBytes: 2000, Batch: 4})
	lines := []string{
		`{"id":"g1","text":"good one"}`,
		`{"id":"a","text":"unterminated`,
		"{\"id\":\"b\",\"text\":\"caf\xe9\"}",
		"",
		`{"id":"c","text":"` + strings.Repeat("x", 3000) + `"}`,
		`{"text":"no id in a batch"}`,
		"{\"id\":\"g2\",\"text\":\"good two\"}\r",
	}
	js, _ := jetstream.New(nc)
	msg := nats.NewMsg(top.DocsSubject)
	msg.Data = []byte(strings.Join(lines, "\n"))
	msg.Header.Set(HeaderBatch, "6")
	msg.Header.Set(nats.MsgIdHdr, "batch-x")
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	vs, dead := deadLetters(t, nc, top, CollectOptions{})
	if len(vs) != 2 || !slices.ContainsFunc(vs, func(v Verdict) bool { return v.ID == "g1" }) || !slices.ContainsFunc(vs, func(v Verdict) bool { return v.ID == "g2" }) {
		t.Fatalf("verdicts %+v, want g1 and g2", vs)
	}
	for _, want := range []struct {
		kind  string
		index int
	}{{ReasonInvalidJSON, 1}, {ReasonInvalidUTF8, 2}, {ReasonOversized, 3}, {ReasonNoID, 4}} {
		d := dead[want.kind]
		if len(d) != 1 || d[0].Index == nil || *d[0].Index != want.index || d[0].Deliveries != 1 {
			t.Errorf("%s: dead letters %+v, want one at line %d", want.kind, d, want.index)
		}
	}
	if st := w.Stats(); st.DeadLettered != 4 || st.Retried != 0 || st.Classified != 2 {
		t.Errorf("worker stats %+v", st)
	}
	if n, err := DocsStreamState(context.Background(), js, top); err != nil || n != 0 {
		t.Errorf("docs stream holds %d messages (%v): the batch was not acknowledged", n, err)
	}
}

// TestFailingDocumentInBatch: a document whose classification keeps
// failing is retried with its batch, and on the last delivery dead-lettered
// alone while the rest of the batch gets its verdicts.
func TestFailingDocumentInBatch(t *testing.T) {
	nc, top := serverConn(t)
	setup(t, nc, top, Settings{})
	w, _ := runWorker(t, nc, top, &fakeClassifier{id: "fake-1"}, WorkerOptions{MaxDeliver: 2, AckWait: 5 * time.Second})
	in := append(docs(3, 10), Doc{ID: "bad", Text: "this one will PANIC"}, Doc{ID: "after", Text: "fine"})
	var body []byte
	for i, d := range in {
		if i > 0 {
			body = append(body, '\n')
		}
		body = AppendDoc(body, d)
	}
	js, _ := jetstream.New(nc)
	msg := nats.NewMsg(top.DocsSubject)
	msg.Data = body
	msg.Header.Set(HeaderBatch, strconv.Itoa(len(in)))
	msg.Header.Set(nats.MsgIdHdr, "batch-with-a-failure")
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	vs, dead := deadLetters(t, nc, top, CollectOptions{})
	if len(vs) != 4 || slices.ContainsFunc(vs, func(v Verdict) bool { return v.ID == "bad" }) {
		t.Fatalf("verdicts %+v, want the 4 good documents", vs)
	}
	d := dead[ReasonFailed]
	if len(d) != 1 || d[0].ID != "bad" || d[0].Index == nil || *d[0].Index != 3 || d[0].Deliveries != 2 {
		t.Fatalf("dead letters %+v", dead)
	}
	if st := w.Stats(); st.Classified != 4 || st.DeadLettered != 1 || st.Retried != int64(len(in)) {
		t.Errorf("worker stats %+v", st)
	}
}

// TestBatchVerdictsSplit: a batch whose verdicts would pass the server's
// max_payload (1 MB) gets them in several results messages.
func TestBatchVerdictsSplit(t *testing.T) {
	nc, top := serverConn(t)
	js := setup(t, nc, top, Settings{})
	runWorker(t, nc, top, &fakeClassifier{id: "fake-1"}, WorkerOptions{})
	const n = 12000 // ~110-byte verdicts: 1.3 MB
	var body bytes.Buffer
	for i := range n {
		fmt.Fprintf(&body, "{\"id\":\"d%d\",\"text\":\"w%d\"}\n", i, i)
	}
	msg := nats.NewMsg(top.DocsSubject)
	msg.Data = body.Bytes()
	msg.Header.Set(HeaderBatch, strconv.Itoa(n))
	msg.Header.Set(nats.MsgIdHdr, "big")
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	vs, cst, _ := collect(t, nc, top, CollectOptions{Wait: true})
	if len(vs) != n || cst.Distinct != n {
		t.Fatalf("%d verdicts (%+v), want %d", len(vs), cst, n)
	}
	rs, err := js.Stream(context.Background(), top.ResultsStream)
	if err != nil || rs.CachedInfo().State.Msgs != 2 {
		t.Fatalf("results in %d messages (%v), want 2", rs.CachedInfo().State.Msgs, err)
	}
}

// TestPublisherLinger: a partial batch is sent after the linger time,
// without waiting for more documents or Close.
func TestPublisherLinger(t *testing.T) {
	nc, top := serverConn(t)
	js := setup(t, nc, top, Settings{})
	p, err := NewPublisher(nc, top, PublishOptions{Batch: 1000, Linger: 10 * time.Millisecond, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs(3, 5) {
		if err := p.Publish(d); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if n, err := DocsStreamState(context.Background(), js, top); err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the partial batch was never sent")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st, err := p.Close(context.Background()); err != nil || st.Published != 3 {
		t.Fatalf("close: %+v %v", st, err)
	}
}

// TestFailingDocumentDeadLetteredAfterMaxDeliver: a document whose
// classification fails is retried, and dead-lettered on its MaxDeliver-th
// delivery instead of looping forever.
func TestFailingDocumentDeadLetteredAfterMaxDeliver(t *testing.T) {
	nc, top := serverConn(t)
	setup(t, nc, top, Settings{})
	w, _ := runWorker(t, nc, top, &fakeClassifier{id: "fake-1"}, WorkerOptions{MaxDeliver: 3, AckWait: 5 * time.Second})
	publish(t, nc, top, append(docs(3, 10), Doc{ID: "bad", Text: "this one will PANIC"}))
	vs, dead := deadLetters(t, nc, top, CollectOptions{})
	if len(vs) != 3 {
		t.Fatalf("%d verdicts", len(vs))
	}
	d := dead[ReasonFailed]
	if len(d) != 1 || d[0].ID != "bad" || d[0].Deliveries != 3 || !strings.Contains(d[0].Reason, "panic: boom") {
		t.Fatalf("dead letters %+v", dead)
	}
	if st := w.Stats(); st.Retried != 2 || st.DeadLettered != 1 || st.Redelivered != 2 {
		t.Errorf("worker stats %+v", st)
	}
}

// TestStuckDocumentDeadLettered: a document that no worker ever
// acknowledges (it hangs or kills them) is dead-lettered through the
// server's max-deliveries advisory and removed from the docs stream.
func TestStuckDocumentDeadLettered(t *testing.T) {
	nc, top := serverConn(t)
	hang := make(chan struct{})
	defer close(hang)
	setup(t, nc, top, Settings{})
	w, _ := runWorker(t, nc, top, &fakeClassifier{id: "fake-1", hang: hang},
		WorkerOptions{MaxDeliver: 2, AckWait: time.Second, Batch: 1, Concurrency: 4, MaxInflight: 16})
	publish(t, nc, top, append(docs(5, 10), Doc{ID: "stuck", Text: "this one will HANG"}))
	vs, dead := deadLetters(t, nc, top, CollectOptions{})
	if len(vs) != 5 {
		t.Fatalf("%d verdicts", len(vs))
	}
	d := dead[ReasonMaxDeliveries]
	if len(d) != 1 || d[0].ID != "stuck" || d[0].Deliveries != 2 || !strings.Contains(d[0].Data, "HANG") {
		t.Fatalf("dead letters %+v", dead)
	}
	if st := w.Stats(); st.DeadLettered != 1 {
		t.Errorf("worker stats %+v", st)
	}
}

func TestModelMismatch(t *testing.T) {
	nc, top := serverConn(t)
	_, stop := runWorker(t, nc, top, &fakeClassifier{id: "model-1"}, WorkerOptions{})
	js := setup(t, nc, top, Settings{})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if id, _ := ExpectedModel(context.Background(), js, top); id == "model-1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first worker did not record its model")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	w, err := NewWorker(nc, top, &fakeClassifier{id: "model-2"}, WorkerOptions{Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Run(context.Background())
	var mm *ModelMismatchError
	if !errors.As(err, &mm) || mm.Expected != "model-1" || mm.Got != "model-2" {
		t.Fatalf("err = %v, want a model mismatch", err)
	}
	_, stop = runWorker(t, nc, top, &fakeClassifier{id: "model-2"}, WorkerOptions{AllowModelMismatch: true})
	time.Sleep(200 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("with --allow-model-mismatch: %v", err)
	}
	prev, err := SetExpectedModel(context.Background(), js, top, Settings{}, "model-2")
	if err != nil || prev != "model-1" {
		t.Fatalf("set expected model: %q %v", prev, err)
	}
	_, stop = runWorker(t, nc, top, &fakeClassifier{id: "model-2"}, WorkerOptions{})
	time.Sleep(200 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("after publish --expect-model: %v", err)
	}
}

func TestDupWindowSetting(t *testing.T) {
	nc, top := serverConn(t)
	js := setup(t, nc, top, Settings{DupWindow: 5 * time.Minute})
	window := func(name string) time.Duration {
		st, err := js.Stream(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		return st.CachedInfo().Config.Duplicates
	}
	if window(top.DocsStream) != 5*time.Minute || window(top.ResultsStream) != 5*time.Minute {
		t.Fatalf("windows %v %v", window(top.DocsStream), window(top.ResultsStream))
	}
	setup(t, nc, top, Settings{}) // a worker with defaults keeps it
	if window(top.DocsStream) != 5*time.Minute {
		t.Fatalf("window %v after a default setup", window(top.DocsStream))
	}
	setup(t, nc, top, Settings{DupWindow: 48 * time.Hour})
	if window(top.DocsStream) != 48*time.Hour || window(top.ResultsStream) != ResultsDupWindow {
		t.Fatalf("windows %v %v", window(top.DocsStream), window(top.ResultsStream))
	}
	// A stream of the wrong kind is refused, not silently used.
	other, _ := NewTopology("other")
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: other.DocsStream, Subjects: []string{other.DocsSubject}}); err != nil {
		t.Fatal(err)
	}
	if err := Setup(context.Background(), js, other, Settings{}); err == nil || !strings.Contains(err.Error(), "retention") {
		t.Fatalf("err = %v", err)
	}
}

// TestCollectDedupe: two verdicts for one id (the window had passed) give
// one line; keep first or last.
func TestCollectDedupe(t *testing.T) {
	nc, top := serverConn(t)
	setup(t, nc, top, Settings{})
	v := func(id, label, model string) []byte {
		return appendVerdict(nil, id, []string{"fake", "real"}, []float64{0.25, 0.75}, map[string]int{"fake": 0, "real": 1}[label], label, model, "", nil)
	}
	rawPublish(t, nc, top.ResultsSubject, v("a", "real", "m1"), "")
	rawPublish(t, nc, top.ResultsSubject, v("b", "real", "m1"), "")
	rawPublish(t, nc, top.ResultsSubject, v("a", "real", "m1"), "")
	rawPublish(t, nc, top.ResultsSubject, v("a", "fake", "m2"), "")
	vs, st, _ := collect(t, nc, top, CollectOptions{})
	if len(vs) != 2 || vs[0].ID != "a" || vs[0].ModelID != "m1" || st.Duplicates != 2 || st.Conflicts != 1 || st.Verdicts != 4 {
		t.Fatalf("keep first: %+v %+v", vs, st)
	}
	vs, _, _ = collect(t, nc, top, CollectOptions{Keep: "last"})
	if len(vs) != 2 || vs[0].ID != "a" || vs[0].ModelID != "m2" || vs[0].Label != "fake" {
		t.Fatalf("keep last: %+v", vs)
	}
	vs, st, _ = collect(t, nc, top, CollectOptions{Expect: 1})
	if len(vs) != 1 || st.Verdicts != 1 {
		t.Fatalf("expect 1: %+v %+v", vs, st)
	}
}

// TestGracefulDrain: a cancelled worker finishes what it holds; nothing is
// left unacknowledged, and a second worker finishes the rest.
func TestGracefulDrain(t *testing.T) {
	nc, top := serverConn(t)
	m, _ := defaultmodel.Load()
	in := docs(3000, 200)
	setup(t, nc, top, Settings{})
	publish(t, nc, top, in)
	opt := WorkerOptions{Batch: 32, AckWait: 5 * time.Second}
	w, stop := runWorker(t, nc, top, ModelClassifier(m), opt)
	for w.Stats().Classified < 200 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	ci, err := js.Consumer(context.Background(), top.DocsStream, top.Consumer)
	if err != nil {
		t.Fatal(err)
	}
	// The server applies acknowledgements asynchronously: give it a moment.
	var info *jetstream.ConsumerInfo
	for range 100 {
		if info, err = ci.Info(context.Background()); err != nil || info.NumAckPending == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Every document the worker received is settled. The server may still
	// have sent a few toward the worker's last pull request as it stopped
	// listening (the client cannot take those back): at most one pull
	// window, redelivered after the ack wait.
	window := int(max(1, w.opt.MaxInflight/4))
	if info.NumAckPending > window || w.Stats().Classified >= int64(len(in)) {
		t.Fatalf("after the drain: %d unacknowledged (pull window %d), %d classified", info.NumAckPending, window, w.Stats().Classified)
	}
	first := w.Stats().Classified
	start := time.Now()
	w2, _ := runWorker(t, nc, top, ModelClassifier(m), opt)
	vs, _, _ := collect(t, nc, top, CollectOptions{Wait: true})
	if len(vs) != len(in) || first+w2.Stats().Classified != int64(len(in)) {
		t.Fatalf("%d verdicts, workers classified %d + %d", len(vs), first, w2.Stats().Classified)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("the second worker took %v", time.Since(start))
	}
}

func TestParseDoc(t *testing.T) {
	for _, tc := range []struct {
		in, hdr  string
		id, text string
		kind     string
	}{
		{`{"id":"x","text":"hello"}`, "", "x", "hello", ""},
		{`{"id":7,"text":"a\nb","label":"real","other":[1,2]}`, "", "7", "a\nb", ""},
		{`{"text":"t"}`, "h", "h", "t", ""},
		{`{"id":"x","text":null}`, "", "x", "", ""},
		{`{"id":"x","text":"\ud800"}`, "", "x", "\uFFFD", ""},
		{` {"id":"x","text":"t"} `, "", "x", "t", ""},
		{`{"id":"x"}`, "", "", "", ReasonInvalidJSON},
		{`[1]`, "", "", "", ReasonInvalidJSON},
		{`{"id":"x","text":"t"}{}`, "", "", "", ReasonInvalidJSON},
		{`{"id":true,"text":"t"}`, "", "", "", ReasonInvalidJSON},
		{`{"text":"t"}`, "", "", "", ReasonNoID},
		{"{\"id\":\"x\",\"text\":\"\xff\"}", "", "", "", ReasonInvalidUTF8},
		{`{"id":"x","text":"` + strings.Repeat("y", 100) + `"}`, "", "", "", ReasonOversized},
		{``, "", "", "", ReasonInvalidJSON},
	} {
		p, bad := parseDoc([]byte(tc.in), tc.hdr, 100)
		if tc.kind != "" {
			if bad == nil || bad.kind != tc.kind {
				t.Errorf("%q: %v, want %s", tc.in, bad, tc.kind)
			}
			continue
		}
		if bad != nil || p.id != tc.id || string(p.text) != tc.text {
			t.Errorf("%q: %+v %v", tc.in, p, bad)
		}
	}
	d := Doc{ID: "i\"d", Text: "line\none \u00e9", Label: "fake"}
	p, bad := parseDoc(AppendDoc(nil, d), "", 0)
	if bad != nil || p.id != d.ID || string(p.text) != d.Text || p.label != d.Label {
		t.Errorf("round trip: %+v %v", p, bad)
	}
}

func FuzzParseDoc(f *testing.F) {
	f.Add([]byte(`{"id":"x","text":"hello","label":"real"}`), "h")
	f.Add([]byte(`{"text":"\ud800"}`), "")
	f.Add([]byte(`{"text":"","label":"\udfff"}`), "\xff")
	f.Add([]byte("{\"id\":1,\"text\":\"\xff\"}"), "")
	f.Add([]byte("{\"id\":\"x\",\"text\":\"a\"}\n\n{\"id\":\"y\",\"text\":\"b\"}\r\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, hdr string) {
		// As a batch message: every line parses or is poison on its own.
		n := 0
		eachLine(data, func(i int, line []byte) {
			if i != n || len(line) == 0 || bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("line %d (%d so far): %q", i, n, line)
			}
			n++
			parseDoc(line, "", 1<<16)
		})
		p, bad := parseDoc(data, hdr, 1<<16)
		if bad != nil {
			return
		}
		if p.id == "" || !bytes.Equal(p.text, bytes.ToValidUTF8(p.text, []byte("\uFFFD"))) {
			t.Fatalf("%+v", p)
		}
		q, bad := parseDoc(AppendDoc(nil, Doc{ID: p.id, Text: string(p.text), Label: p.label}), "", 0)
		if bad != nil || q.id != p.id || !bytes.Equal(q.text, p.text) || q.label != p.label {
			t.Fatalf("round trip %+v → %+v %v", p, q, bad)
		}
	})
}

func TestConnOptions(t *testing.T) {
	for _, o := range []ConnOptions{
		{Creds: "a", Token: "b"},
		{User: "u", NKey: "k"},
		{Password: "p"},
		{TLSCert: "c"},
	} {
		if o.Validate() == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if got := RedactURL("nats://u:secret@h:4222,nats://tok@h2:4222,nats://h3:4222"); strings.Contains(got, "secret") || strings.Contains(got, "tok@") || !strings.Contains(got, "h3:4222") {
		t.Errorf("redacted %q", got)
	}
	if _, err := NewTopology("bad.prefix"); err == nil {
		t.Error("a prefix with a dot accepted")
	}
}

// BenchmarkWorker measures a worker draining pre-published 600-word
// documents through an embedded server (server and worker share the CPU).
func BenchmarkWorker(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := natstest.Server(b)
			nc := connect(b, s)
			top := topology(b)
			m, err := defaultmodel.Load()
			if err != nil {
				b.Fatal(err)
			}
			setup(b, nc, top, Settings{})
			in := docs(b.N, 600)
			publishWith(b, nc, top, in, PublishOptions{Batch: batch})
			var size int64
			for _, d := range in {
				size += int64(len(d.Text))
			}
			b.SetBytes(size / int64(b.N))
			b.ResetTimer()
			w, stop := runWorker(b, connect(b, s), top, ModelClassifier(m), WorkerOptions{})
			for w.Stats().Classified < int64(b.N) {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			stop()
		})
	}
}

// nullClassifier answers at once: BenchmarkBroker measures the broker's
// share alone.
type nullClassifier struct{}

func (nullClassifier) ID() string       { return "null" }
func (nullClassifier) Labels() []string { return []string{"fake", "real"} }
func (nullClassifier) Classify(text []byte, probs []float64) (int, string) {
	probs[0], probs[1] = 0.5, 0.5
	return 0, "uncertain"
}
func (nullClassifier) Explain([]byte, int) []Contribution { return nil }

// BenchmarkBroker: publish b.N 600-word documents and run them through a
// worker that does not classify: the pipeline's own cost per document
// (embedded server, publisher and worker share the CPU).
func BenchmarkBroker(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := natstest.Server(b)
			nc := connect(b, s)
			top := topology(b)
			setup(b, nc, top, Settings{})
			in := docs(b.N, 600)
			b.SetBytes(int64(len(in[0].Text)))
			b.ResetTimer()
			w, _ := runWorker(b, connect(b, s), top, nullClassifier{}, WorkerOptions{})
			publishWith(b, nc, top, in, PublishOptions{Batch: batch})
			for w.Stats().Classified < int64(b.N) {
				time.Sleep(time.Millisecond)
			}
		})
	}
}

// A worker stopped while it is still starting stops cleanly.
func TestWorkerStoppedWhileStarting(t *testing.T) {
	nc, top := serverConn(t)
	for range 20 {
		w, err := NewWorker(nc, top, &fakeClassifier{id: "m"}, WorkerOptions{Log: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("stopped during start-up: %v", err)
		}
	}
}
