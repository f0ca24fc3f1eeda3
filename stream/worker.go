package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of WorkerOptions.
const (
	DefaultBatch         = 64
	DefaultAckWait       = 30 * time.Second
	DefaultMaxDeliver    = 5
	DefaultMaxAckPending = 65536
	DefaultMaxDocBytes   = 1 << 20
	DefaultDrainTimeout  = 30 * time.Second
	DefaultLinger        = 2 * time.Millisecond
	consumerMaxWaiting   = 4096 // pull requests the server queues: ~2 per worker
)

// WorkerOptions configure a Worker. Zero values take the defaults.
type WorkerOptions struct {
	Batch       int // documents classified together (default 64)
	Concurrency int // batches classified at once (default GOMAXPROCS)
	// MaxInflight bounds the documents this worker holds unacknowledged:
	// prefetched, being classified, or waiting for their verdict to be
	// stored (default 2 × Batch × (Concurrency + 1)). The prefetch, a
	// quarter of it, counts messages: with batch messages the bound grows
	// by that many batches.
	MaxInflight int
	// Linger is how long to wait for more documents before classifying a
	// partial batch (default 2ms).
	Linger time.Duration

	// Consumer settings, shared by all workers: zero keeps what the
	// consumer has (or the default when this worker creates it); a
	// non-zero value that differs updates the shared consumer.
	AckWait       time.Duration // redeliver what a worker has not acknowledged after this long (default 30s)
	MaxDeliver    int           // deliveries before a document is dead-lettered (default 5)
	MaxAckPending int           // unacknowledged documents over all workers (default 65536)

	MaxDocBytes        int  // larger document messages are dead-lettered (default 1 MiB)
	Explain            int  // add the N strongest features to each verdict
	AllowModelMismatch bool // run even if the pipeline expects another model

	DrainTimeout time.Duration // on cancel, how long to finish what is in flight (default 30s)
	Name         string        // in logs and dead letters (default HOST-PID)
	Settings     Settings      // for the streams this worker has to create
	Metrics      *Metrics
	Log          *slog.Logger
}

func (o *WorkerOptions) fill() error {
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
	}
	if o.MaxInflight <= 0 {
		o.MaxInflight = 2 * o.Batch * (o.Concurrency + 1)
	}
	if o.MaxInflight < 2*o.Batch {
		return fmt.Errorf("max in-flight %d must be at least twice the batch (%d)", o.MaxInflight, o.Batch)
	}
	if o.Linger <= 0 {
		o.Linger = DefaultLinger
	}
	if o.AckWait < 0 || (o.AckWait > 0 && o.AckWait < time.Second) {
		return fmt.Errorf("ack wait %v: want at least 1s", o.AckWait)
	}
	if o.MaxDeliver < 0 || o.MaxDeliver == 1 {
		return fmt.Errorf("max deliver %d: want at least 2 (one redelivery)", o.MaxDeliver)
	}
	if o.MaxDocBytes <= 0 {
		o.MaxDocBytes = DefaultMaxDocBytes
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = DefaultDrainTimeout
	}
	if o.Name == "" {
		host, _ := os.Hostname()
		o.Name = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return nil
}

// WorkerStats count what a worker did.
type WorkerStats struct {
	Classified   int64 // verdicts stored and inputs acknowledged
	DeadLettered int64 // documents sent to the dead-letter stream
	Retried      int64 // documents negatively acknowledged for redelivery
	Redelivered  int64 // documents received that had been delivered before
	Duplicates   int64 // verdicts the results stream already had
}

// Worker classifies documents from the docs stream into the results stream.
type Worker struct {
	nc         *nats.Conn
	js         jetstream.JetStream
	t          Topology
	c          Classifier
	opt        WorkerOptions
	log        *slog.Logger
	m          *Metrics
	maxDeliver int
	docs       jetstream.Stream

	classified, dead, retried, redelivered, duplicates atomic.Int64
}

// NewWorker prepares a worker; Run starts it.
func NewWorker(nc *nats.Conn, t Topology, c Classifier, opt WorkerOptions) (*Worker, error) {
	if err := opt.fill(); err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(opt.MaxInflight+opt.Batch),
		jetstream.WithPublishAsyncTimeout(max(10*time.Second, opt.AckWait/2)))
	if err != nil {
		return nil, err
	}
	return &Worker{nc: nc, js: js, t: t, c: c, opt: opt, log: opt.Log.With("worker", opt.Name), m: opt.Metrics}, nil
}

// Stats returns the worker's counts so far.
func (w *Worker) Stats() WorkerStats {
	return WorkerStats{w.classified.Load(), w.dead.Load(), w.retried.Load(), w.redelivered.Load(), w.duplicates.Load()}
}

// Run sets up the streams and the shared consumer, checks the model, and
// classifies until ctx is cancelled; then it stops fetching, finishes the
// documents in flight (at most DrainTimeout) and returns nil. Whatever it
// could not finish is redelivered to other workers after AckWait.
func (w *Worker) Run(ctx context.Context) error {
	setup, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Asked to stop while still starting: a clean stop, not a failure.
	started := func(err error) error {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	if err := Setup(setup, w.js, w.t, w.opt.Settings); err != nil {
		return started(err)
	}
	expected, err := claimModel(setup, w.js, w.t, w.opt.Settings, w.c.ID())
	if err != nil {
		return started(err)
	}
	if expected != w.c.ID() {
		if !w.opt.AllowModelMismatch {
			return &ModelMismatchError{Expected: expected, Got: w.c.ID()}
		}
		w.log.Warn("classifying with another model than the pipeline expects (--allow-model-mismatch)", "expected", expected, "model", w.c.ID())
	}
	cons, err := w.consumer(setup)
	if err != nil {
		return started(err)
	}
	if w.docs, err = w.js.Stream(setup, w.t.DocsStream); err != nil {
		return started(fmt.Errorf("stream %s: %w", w.t.DocsStream, err))
	}
	cfg := cons.CachedInfo().Config
	w.maxDeliver = cfg.MaxDeliver
	w.m.setModel(w.c)
	w.log.Info("worker started", "server", w.nc.ConnectedUrlRedacted(), "stream", w.t.DocsStream, "consumer", w.t.Consumer,
		"model", w.c.ID(), "batch", w.opt.Batch, "concurrency", w.opt.Concurrency, "max_inflight", w.opt.MaxInflight,
		"ack_wait", cfg.AckWait, "max_deliver", cfg.MaxDeliver)

	dlCtx, stopDL := context.WithCancel(context.WithoutCancel(ctx))
	dlDone := make(chan struct{})
	go func() {
		defer close(dlDone)
		w.deadLetterer(dlCtx)
	}()
	progressDone := make(chan struct{})
	go w.progress(progressDone)

	err = w.pipeline(ctx, cons)
	close(progressDone)
	stopDL()
	<-dlDone
	if ferr := w.nc.FlushTimeout(5 * time.Second); ferr != nil && err == nil && !w.nc.IsClosed() {
		err = fmt.Errorf("flush acknowledgements: %w", ferr)
	}
	st := w.Stats()
	w.log.Info("worker stopped", "classified", st.Classified, "dead_lettered", st.DeadLettered,
		"retried", st.Retried, "redelivered", st.Redelivered, "duplicate_verdicts", st.Duplicates)
	return err
}

func (w *Worker) progress(done <-chan struct{}) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	last := int64(-1)
	for {
		select {
		case <-done:
			return
		case <-t.C:
			st := w.Stats()
			if st.Classified != last {
				w.log.Info("progress", "classified", st.Classified, "dead_lettered", st.DeadLettered, "redelivered", st.Redelivered)
				last = st.Classified
			}
		}
	}
}

// consumer creates the shared durable consumer, or updates the settings
// this worker was given explicitly.
func (w *Worker) consumer(ctx context.Context) (jetstream.Consumer, error) {
	for range 3 {
		cons, err := w.js.Consumer(ctx, w.t.DocsStream, w.t.Consumer)
		if err == nil {
			cfg := cons.CachedInfo().Config
			changed := false
			if w.opt.AckWait != 0 && cfg.AckWait != w.opt.AckWait {
				cfg.AckWait, changed = w.opt.AckWait, true
			}
			if w.opt.MaxDeliver != 0 && cfg.MaxDeliver != w.opt.MaxDeliver {
				cfg.MaxDeliver, changed = w.opt.MaxDeliver, true
			}
			if w.opt.MaxAckPending != 0 && cfg.MaxAckPending != w.opt.MaxAckPending {
				cfg.MaxAckPending, changed = w.opt.MaxAckPending, true
			}
			if !changed {
				return cons, nil
			}
			w.log.Info("updating the shared consumer", "consumer", w.t.Consumer, "ack_wait", cfg.AckWait, "max_deliver", cfg.MaxDeliver, "max_ack_pending", cfg.MaxAckPending)
			cons, err = w.js.UpdateConsumer(ctx, w.t.DocsStream, cfg)
			if err != nil {
				return nil, fmt.Errorf("update consumer %s: %w", w.t.Consumer, err)
			}
			return cons, nil
		}
		if !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("consumer %s: %w", w.t.Consumer, err)
		}
		cfg := jetstream.ConsumerConfig{
			Durable: w.t.Consumer, Description: "credence workers (shared)",
			DeliverPolicy: jetstream.DeliverAllPolicy, AckPolicy: jetstream.AckExplicitPolicy,
			AckWait: orDefault(w.opt.AckWait, DefaultAckWait), MaxDeliver: orDefault(w.opt.MaxDeliver, DefaultMaxDeliver),
			MaxAckPending: orDefault(w.opt.MaxAckPending, DefaultMaxAckPending), MaxWaiting: consumerMaxWaiting,
			Replicas: w.opt.Settings.Replicas,
		}
		cons, err = w.js.CreateConsumer(ctx, w.t.DocsStream, cfg)
		if err == nil {
			return cons, nil
		}
		if !errors.Is(err, jetstream.ErrConsumerExists) {
			return nil, fmt.Errorf("create consumer %s: %w", w.t.Consumer, err)
		}
	}
	return nil, fmt.Errorf("consumer %s keeps appearing and disappearing", w.t.Consumer)
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// item is one message (a document or a batch of them) on its way through
// the pipeline.
type item struct {
	msg       jetstream.Msg
	seq       uint64
	delivered uint64
	docs      int         // documents the fetcher counted for it
	pubs      []published // its verdicts' and dead letters' publications
	poison    bool        // the message as a whole is poison: terminate it
	retry     error       // classification failed: redeliver
	sent      time.Time
}

// published is one publication a message waits for before it is settled.
type published struct {
	fut      jetstream.PubAckFuture
	verdicts int    // verdicts in it
	dead     string // or the dead letter's reason kind
}

// inflight bounds the documents a worker holds unacknowledged. A batch
// message is admitted whole, so the bound can be passed by one message.
type inflight struct {
	mu   sync.Mutex
	cond sync.Cond
	n    int
}

func (f *inflight) below(max int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n < max
}

func (f *inflight) wait(max int) {
	f.mu.Lock()
	for f.n >= max {
		f.cond.Wait()
	}
	f.mu.Unlock()
}

func (f *inflight) add(d int) {
	f.mu.Lock()
	f.n += d
	f.mu.Unlock()
	if d < 0 {
		f.cond.Signal()
	}
}

func (w *Worker) pipeline(ctx context.Context, cons jetstream.Consumer) error {
	prefetch := max(1, w.opt.MaxInflight/4)
	it, err := cons.Messages(jetstream.PullMaxMessages(prefetch), jetstream.WithMessagesErrOnMissingHeartbeat(false))
	if err != nil {
		return fmt.Errorf("consume %s: %w", w.t.Consumer, err)
	}
	stopDrain := context.AfterFunc(ctx, it.Drain)
	defer stopDrain()

	var held inflight
	held.cond.L = &held.mu
	batches := make(chan []*item, w.opt.Concurrency)
	acks := make(chan *item, w.opt.MaxInflight)
	var fetchErr error

	go func() { // fetcher: fill batches of about Batch documents, at most MaxInflight out
		defer close(batches)
		var batch []*item
		docs := 0
		flush := func() {
			if len(batch) > 0 {
				batches <- batch
				batch, docs = nil, 0
			}
		}
		for {
			if !held.below(w.opt.MaxInflight - prefetch) {
				flush() // what is held must be able to finish
				held.wait(w.opt.MaxInflight - prefetch)
			}
			var msg jetstream.Msg
			var err error
			if len(batch) == 0 {
				msg, err = it.Next()
			} else {
				msg, err = it.Next(jetstream.NextMaxWait(w.opt.Linger))
			}
			if err != nil {
				if errors.Is(err, nats.ErrTimeout) {
					flush()
					continue
				}
				flush()
				if !errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() == nil {
					fetchErr = fmt.Errorf("consume %s: %w", w.t.Consumer, err)
				}
				return
			}
			n := batchSize(msg.Headers())
			held.add(n)
			w.m.addInflight(n)
			batch = append(batch, &item{msg: msg, docs: n})
			if docs += n; docs >= w.opt.Batch {
				flush()
			}
		}
	}()

	var wg sync.WaitGroup
	for range w.opt.Concurrency {
		wg.Go(func() {
			probs := make([]float64, len(w.c.Labels()))
			for batch := range batches {
				start := time.Now()
				docs := 0
				for _, it := range batch {
					w.handle(it, probs)
					docs += it.docs
					acks <- it
				}
				w.m.batch(docs, time.Since(start).Seconds())
			}
		})
	}
	go func() {
		wg.Wait()
		close(acks)
	}()

	done := make(chan struct{})
	go func() { // acknowledger: settle each message once its publications are acknowledged
		defer close(done)
		for it := range acks {
			w.settle(it)
			w.m.addInflight(-it.docs)
			held.add(-it.docs)
		}
	}()

	select {
	case <-done:
	case <-ctx.Done():
		w.log.Info("draining: finishing the documents in flight", "timeout", w.opt.DrainTimeout)
		select {
		case <-done:
		case <-time.After(w.opt.DrainTimeout):
			return fmt.Errorf("drain: documents still in flight after %v; they will be redelivered after the ack wait", w.opt.DrainTimeout)
		}
	}
	return fetchErr
}

// deadDoc is a document of a message that goes to the dead-letter stream.
type deadDoc struct {
	index        int // line in a batch message, -1 for a single-document message
	data         []byte
	id           string
	kind, detail string
}

// handle classifies the documents of one message and publishes their
// verdicts and dead letters. Nothing is published when a document must be
// retried: the whole message is redelivered.
func (w *Worker) handle(it *item, probs []float64) {
	msg := it.msg
	meta, err := msg.Metadata()
	if err == nil {
		it.seq, it.delivered = meta.Sequence.Stream, meta.NumDelivered
	}
	if it.delivered > 1 {
		w.redelivered.Add(int64(it.docs))
		w.m.redelivery(it.docs)
	}
	h := msg.Headers()
	lastTry := w.maxDeliver > 0 && it.delivered >= uint64(w.maxDeliver)
	var verdicts []byte
	nv := 0
	lastID := ""
	var dead []deadDoc
	one := func(index int, data []byte, headerID string) error {
		p, bad := parseDoc(data, headerID, w.opt.MaxDocBytes)
		if bad != nil {
			dead = append(dead, deadDoc{index, data, headerID, bad.kind, bad.detail})
			return nil
		}
		n := len(verdicts)
		if nv > 0 {
			verdicts = append(verdicts, '\n')
		}
		out, err := w.classify(verdicts, p, probs)
		if err != nil {
			verdicts = verdicts[:n] // (classify returns nil on a panic)
			if !lastTry {
				return err
			}
			dead = append(dead, deadDoc{index, data, p.id, ReasonFailed,
				fmt.Sprintf("classification failed on all %d deliveries: %v", it.delivered, err)})
			return nil
		}
		verdicts = out
		nv++
		lastID = p.id
		return nil
	}
	batchID := ""
	if h.Get(HeaderBatch) == "" {
		it.retry = one(-1, msg.Data(), h.Get(nats.MsgIdHdr))
		it.poison = len(dead) == 1 && dead[0].kind != ReasonFailed
	} else {
		if batchID = h.Get(nats.MsgIdHdr); batchID == "" {
			batchID = fmt.Sprintf("%s-%d", w.t.DocsStream, it.seq)
		}
		eachLine(msg.Data(), func(i int, line []byte) {
			if it.retry == nil {
				it.retry = one(i, line, "")
			}
		})
	}
	if it.retry != nil {
		return
	}
	for _, d := range dead {
		fut, err := w.publishDead(d, it.seq, it.delivered, meta)
		if err != nil {
			it.retry = err
			return
		}
		it.pubs = append(it.pubs, published{fut: fut, dead: d.kind})
	}
	if nv == 0 {
		return
	}
	it.sent = time.Now()
	if batchID == "" {
		out := nats.NewMsg(w.t.ResultsSubject)
		out.Data = verdicts
		out.Header.Set(nats.MsgIdHdr, lastID)
		w.publishVerdicts(it, out, 1)
		return
	}
	w.publishBatch(it, batchID, verdicts)
}

// publishBatch publishes a batch's verdicts (JSONL) in one results message
// with the batch's id, or in parts "ID/1", "ID/2"… if it would pass the
// server's max_payload.
func (w *Worker) publishBatch(it *item, batchID string, verdicts []byte) {
	limit := max(int(w.nc.MaxPayload())-8<<10, 1<<10)
	for part := 0; len(verdicts) > 0 && it.retry == nil; part++ {
		body := verdicts
		if len(body) > limit {
			if j := bytes.LastIndexByte(body[:limit], '\n'); j > 0 {
				body = body[:j]
			}
		}
		verdicts = bytes.TrimPrefix(verdicts[len(body):], []byte{'\n'})
		n := bytes.Count(body, []byte{'\n'}) + 1
		out := nats.NewMsg(w.t.ResultsSubject)
		out.Data = body
		out.Header.Set(HeaderBatch, strconv.Itoa(n))
		id := batchID
		if part > 0 {
			id += "/" + strconv.Itoa(part)
		}
		out.Header.Set(nats.MsgIdHdr, id)
		w.publishVerdicts(it, out, n)
	}
}

// publishVerdicts publishes a message of n verdicts for it.
func (w *Worker) publishVerdicts(it *item, out *nats.Msg, n int) {
	fut, err := w.js.PublishMsgAsync(out, jetstream.WithExpectStream(w.t.ResultsStream))
	if err != nil {
		it.retry = err
		return
	}
	it.pubs = append(it.pubs, published{fut: fut, verdicts: n})
}

// classify runs the classifier and appends the verdict to dst, turning a
// panic into an error.
func (w *Worker) classify(dst []byte, p parsed, probs []float64) (_ []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	best, verdict := w.c.Classify(p.text, probs)
	var expl []Contribution
	if w.opt.Explain > 0 {
		expl = w.c.Explain(p.text, w.opt.Explain)
	}
	return appendVerdict(dst, p.id, w.c.Labels(), probs, best, verdict, w.c.ID(), p.label, expl), nil
}

// settle acknowledges a message whose verdicts and dead letters are all
// stored, and asks for redelivery of one that failed.
func (w *Worker) settle(it *item) {
	verdicts, dups := 0, 0
	for _, p := range it.pubs {
		if it.retry != nil {
			break
		}
		select {
		case ack := <-p.fut.Ok():
			verdicts += p.verdicts
			if ack.Duplicate {
				dups += p.verdicts
			}
		case err := <-p.fut.Err():
			it.retry = fmt.Errorf("store: %w", err)
		}
	}
	if it.retry == nil {
		w.duplicates.Add(int64(dups))
		w.m.duplicate(dups)
		for _, p := range it.pubs {
			if p.dead != "" {
				w.dead.Add(1)
				w.m.deadLetter(p.dead)
				w.m.outcome("dead_lettered", 1)
				w.log.Warn("dead-lettered a document", "reason", p.dead, "stream_seq", it.seq, "deliveries", it.delivered)
			}
		}
		if it.poison {
			if err := it.msg.TermWithReason("credence: " + it.pubs[0].dead); err != nil {
				w.log.Warn("terminate", "stream_seq", it.seq, "err", err)
			}
			return
		}
		if verdicts > 0 {
			w.m.stored(time.Since(it.sent).Seconds())
		}
		if err := it.msg.Ack(); err != nil {
			w.log.Warn("acknowledge", "stream_seq", it.seq, "err", err)
		}
		w.classified.Add(int64(verdicts))
		w.m.outcome("classified", verdicts)
		return
	}
	delay := min(time.Duration(1<<min(it.delivered, 5))*time.Second/2, 15*time.Second)
	w.log.Warn("document failed; asking for redelivery", "stream_seq", it.seq, "documents", it.docs, "deliveries", it.delivered, "retry_in", delay, "err", it.retry)
	w.retried.Add(int64(it.docs))
	w.m.outcome("retried", it.docs)
	if err := it.msg.NakWithDelay(delay); err != nil {
		w.log.Warn("negative acknowledgement", "stream_seq", it.seq, "err", err)
	}
}

// publishDead publishes a dead letter: the document as received with the
// reason in headers, de-duplicated by its stream sequence (and line).
func (w *Worker) publishDead(d deadDoc, seq, delivered uint64, meta *jetstream.MsgMetadata) (jetstream.PubAckFuture, error) {
	out := w.deadMsg(d.data, d.id, seq, delivered, d.kind, d.detail)
	stamp := int64(0)
	if meta != nil {
		stamp = meta.Timestamp.UnixNano()
	}
	id := fmt.Sprintf("%s-%d-%d", w.t.DocsStream, seq, stamp)
	if d.index >= 0 {
		id += "/" + strconv.Itoa(d.index)
		out.Header.Set(HeaderBatchIndex, strconv.Itoa(d.index))
	}
	out.Header.Set(nats.MsgIdHdr, id)
	return w.js.PublishMsgAsync(out, jetstream.WithExpectStream(w.t.DeadStream))
}

func (w *Worker) deadMsg(data []byte, id string, seq, delivered uint64, kind, detail string) *nats.Msg {
	out := nats.NewMsg(w.t.DeadSubject)
	out.Header.Set(HeaderReason, headerValue(kind+": "+detail))
	out.Header.Set(HeaderStreamSeq, strconv.FormatUint(seq, 10))
	out.Header.Set(HeaderDeliveries, strconv.FormatUint(delivered, 10))
	out.Header.Set(HeaderWorker, headerValue(w.opt.Name))
	if id != "" {
		out.Header.Set(HeaderID, headerValue(id))
	}
	if limit := int(w.nc.MaxPayload()) - 8<<10; len(data) > limit && limit > 0 {
		data = data[:limit]
		out.Header.Set(HeaderTruncated, "true")
	}
	out.Data = data
	return out
}

// headerValue keeps a header value on one line and reasonably short.
func headerValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
	if len(s) > 1024 {
		s = s[:1024]
	}
	return s
}

// deadLetterer turns the server's max-deliveries advisories (kept in the
// advisory stream) into dead letters: a document no worker acknowledged in
// MaxDeliver deliveries (it killed or stalled them) is copied to the
// dead-letter stream and deleted from the docs stream.
func (w *Worker) deadLetterer(ctx context.Context) {
	var cons jetstream.Consumer
	for {
		c, err := w.js.CreateOrUpdateConsumer(ctx, w.t.AdvisoryStream, jetstream.ConsumerConfig{
			Durable: w.t.AdvisoryConsumer, Description: "credence dead-letterer (shared)",
			AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second, MaxWaiting: consumerMaxWaiting,
			Replicas: w.opt.Settings.Replicas,
		})
		if err == nil {
			cons = c
			break
		}
		w.log.Warn("dead-letterer: consumer", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(16), jetstream.WithMessagesErrOnMissingHeartbeat(false))
	if err != nil {
		w.log.Warn("dead-letterer: consume", "err", err)
		return
	}
	defer context.AfterFunc(ctx, it.Stop)()
	for {
		msg, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return
			}
			continue
		}
		if err := w.deadLetterAdvisory(ctx, msg.Data()); err != nil {
			w.log.Warn("dead-letterer", "err", err)
			msg.NakWithDelay(5 * time.Second)
			continue
		}
		msg.Ack()
	}
}

func (w *Worker) deadLetterAdvisory(ctx context.Context, data []byte) error {
	var adv struct {
		StreamSeq  uint64 `json:"stream_seq"`
		Deliveries uint64 `json:"deliveries"`
	}
	if err := json.Unmarshal(data, &adv); err != nil || adv.StreamSeq == 0 {
		return nil // not an advisory we understand: drop it
	}
	raw, err := w.docs.GetMsg(ctx, adv.StreamSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil // acknowledged late after all, or already dead-lettered
	}
	if err != nil {
		return fmt.Errorf("get document %d: %w", adv.StreamSeq, err)
	}
	id := raw.Header.Get(nats.MsgIdHdr)
	if p, bad := parseDoc(raw.Data, id, 0); bad == nil {
		id = p.id
	}
	out := w.deadMsg(raw.Data, id, adv.StreamSeq, adv.Deliveries, ReasonMaxDeliveries,
		fmt.Sprintf("not acknowledged after %d deliveries (workers died, stalled or could not store its verdict)", adv.Deliveries))
	if n := raw.Header.Get(HeaderBatch); n != "" {
		out.Header.Set(HeaderBatch, n) // the whole batch: no worker got through it
	}
	out.Header.Set(nats.MsgIdHdr, fmt.Sprintf("%s-%d-%d", w.t.DocsStream, adv.StreamSeq, raw.Time.UnixNano()))
	if _, err := w.js.PublishMsg(ctx, out, jetstream.WithExpectStream(w.t.DeadStream)); err != nil {
		return fmt.Errorf("dead-letter document %d: %w", adv.StreamSeq, err)
	}
	if err := w.docs.DeleteMsg(ctx, adv.StreamSeq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("delete document %d: %w", adv.StreamSeq, err)
	}
	n := batchSize(raw.Header)
	w.dead.Add(int64(n))
	for range n {
		w.m.deadLetter(ReasonMaxDeliveries)
	}
	w.m.outcome("dead_lettered", n)
	w.log.Warn("dead-lettered a document no worker acknowledged", "reason", ReasonMaxDeliveries, "stream_seq", adv.StreamSeq, "deliveries", adv.Deliveries, "id", id)
	return nil
}
