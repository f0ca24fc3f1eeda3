package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/atomicfile"
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/stream"
)

// natsFlags are the connection flags of worker, publish and collect, named
// as the nats CLI names them.
type natsFlags struct {
	url, creds, nkey, user, password, token string
	tlsCA, tlsCert, tlsKey, prefix          string
	tlsFirst                                bool
	timeout                                 time.Duration
}

func (n *natsFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&n.url, "nats", "", "NATS server URL(s), comma-separated (default $NATS_URL, else nats://127.0.0.1:4222)")
	fl.StringVar(&n.creds, "creds", "", "user credentials file (JWT + NKey seed, as nsc writes it)")
	fl.StringVar(&n.nkey, "nkey", "", "NKey seed file")
	fl.StringVar(&n.user, "user", "", "user name")
	fl.StringVar(&n.password, "password", "", "password (default $NATS_PASSWORD: keeps it out of the process list)")
	fl.StringVar(&n.token, "token", "", "authentication token (default $NATS_TOKEN)")
	fl.StringVar(&n.tlsCA, "tls-ca", "", "CA certificate file to verify the server")
	fl.StringVar(&n.tlsCert, "tls-cert", "", "client certificate file (mutual TLS; with --tls-key)")
	fl.StringVar(&n.tlsKey, "tls-key", "", "client private key file")
	fl.BoolVar(&n.tlsFirst, "tls-first", false, "TLS handshake before the NATS protocol (servers with handshake_first)")
	fl.DurationVar(&n.timeout, "connect-timeout", 5*time.Second, "time to connect to the server")
	fl.StringVar(&n.prefix, "prefix", stream.DefaultPrefix, "names the pipeline's streams (PREFIX-docs, PREFIX-results, PREFIX-dead) and subjects (PREFIX.docs, …); every command of one pipeline uses the same")
}

func (n *natsFlags) connect(name string) (*nats.Conn, stream.Topology, error) {
	top, err := stream.NewTopology(n.prefix)
	if err != nil {
		return nil, top, usagef("--prefix: %v", err)
	}
	o := stream.ConnOptions{URL: n.url, Name: name, Creds: n.creds, NKey: n.nkey, User: n.user, Password: n.password,
		Token: n.token, TLSCA: n.tlsCA, TLSCert: n.tlsCert, TLSKey: n.tlsKey, TLSFirst: n.tlsFirst, Timeout: n.timeout}
	if o.URL == "" {
		o.URL = os.Getenv("NATS_URL")
	}
	if o.URL == "" {
		o.URL = nats.DefaultURL
	}
	if o.Password == "" && o.User != "" {
		o.Password = os.Getenv("NATS_PASSWORD")
	}
	if o.Token == "" && o.Creds == "" && o.NKey == "" && o.User == "" {
		o.Token = os.Getenv("NATS_TOKEN")
	}
	if err := o.Validate(); err != nil {
		return nil, top, usageError{err}
	}
	nc, err := stream.Connect(o)
	if err != nil {
		return nil, top, err
	}
	return nc, top, nil
}

// streamSettings are the stream flags of worker and publish.
type streamSettings struct {
	dup      time.Duration
	replicas int
}

func (s *streamSettings) register(fl *pflag.FlagSet) {
	fl.DurationVar(&s.dup, "dup-window", 0, "how long the docs stream remembers document ids, so that a re-run within it publishes no duplicates (default 1h for a new stream; given, it changes the existing stream; costs the server ~150 bytes per id in the window, see docs/STREAMING.md)")
	fl.IntVar(&s.replicas, "replicas", 1, "copies of each stream on a clustered server (1, 3 or 5), when creating them")
}

func (s *streamSettings) settings() (stream.Settings, error) {
	if s.dup < 0 || (s.dup > 0 && s.dup < time.Second) {
		return stream.Settings{}, usagef("--dup-window %v: want at least 1s", s.dup)
	}
	if s.replicas < 1 || s.replicas > 5 {
		return stream.Settings{}, usagef("--replicas %d: want 1 to 5", s.replicas)
	}
	return stream.Settings{DupWindow: s.dup, Replicas: s.replicas}, nil
}

func newWorkerCmd() *cobra.Command {
	var (
		nf          natsFlags
		ss          streamSettings
		modelPath   string
		metricsAddr string
		opt         stream.WorkerOptions
	)
	cmd := &cobra.Command{
		Annotations: map[string]string{graceful: "watches its context"},
		Use:         "worker [--nats URL] [--model MODEL]",
		Short:       "Classify documents from a NATS JetStream stream; run more to scale out",
		Long: `worker takes documents from the stream PREFIX-docs through the durable pull consumer
PREFIX-workers, which all workers share (each document goes to one of them), classifies them in
batches on all cores, publishes one verdict per document to PREFIX.results and acknowledges a
document only after the results stream has stored its verdict. Start as many workers, on as many
machines, as the work needs; a worker that dies loses nothing: what it held is redelivered to
the others after --ack-wait.

A verdict is a JSON object: id, label, verdict (the label, or "uncertain" inside the model's
uncertainty band), probabilities, model_id, given_label (when the document had one) and, with
--explain N, the N features that pushed hardest toward the label.

Poison documents (invalid JSON, invalid UTF-8, larger than --max-doc-bytes, no id) go to
PREFIX.dead at once with the reason in the Credence-Reason header; a document whose
classification fails is retried and dead-lettered on its --max-deliver-th delivery; one that no
worker ever acknowledges (it kills or stalls them) is dead-lettered when the server gives up on
it. "credence collect --dead FILE" writes them out.

The first worker records its model id as the pipeline's expected model (or publish
--expect-model does); a worker with another model refuses to start unless
--allow-model-mismatch is given.

SIGTERM or SIGINT: stop taking documents, finish those in flight (--drain-timeout), exit 0.
Metrics: /metrics on --metrics-addr (credence_stream_*). See docs/STREAMING.md.`,
		Example: `  credence worker --nats nats://127.0.0.1:4222 --metrics-addr 127.0.0.1:9464
  credence worker --nats tls://nats.example.org:4222 --creds worker.creds --model news.model --explain 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			for name, zero := range map[string]func(){
				"ack-wait":        func() { opt.AckWait = 0 },
				"max-deliver":     func() { opt.MaxDeliver = 0 },
				"max-ack-pending": func() { opt.MaxAckPending = 0 },
			} {
				if !fl.Changed(name) {
					zero() // keep what the shared consumer has
				}
			}
			if opt.Explain < 0 || opt.Batch < 1 || opt.Concurrency < 0 || opt.MaxInflight < 0 || opt.MaxDocBytes < 1 {
				return usagef("--explain, --batch, --concurrency, --max-inflight and --max-doc-bytes must be positive")
			}
			if fl.Changed("max-deliver") && opt.MaxDeliver < 2 {
				return usagef("--max-deliver %d: want at least 2", opt.MaxDeliver)
			}
			if fl.Changed("ack-wait") && opt.AckWait < time.Second {
				return usagef("--ack-wait %v: want at least 1s", opt.AckWait)
			}
			var err error
			if opt.Settings, err = ss.settings(); err != nil {
				return err
			}
			if !fl.Changed("dup-window") {
				opt.Settings.DupWindow = 0
			}
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			reg := prometheus.NewRegistry()
			opt.Metrics = stream.NewMetrics(reg)
			opt.Log = slog.Default()
			if metricsAddr != "" {
				stop, err := serveMetrics(metricsAddr, reg)
				if err != nil {
					return err
				}
				defer stop()
			}
			nc, top, err := nf.connect("credence worker")
			if err != nil {
				return err
			}
			defer nc.Close()
			w, err := stream.NewWorker(nc, top, stream.ModelClassifier(m), opt)
			if err != nil {
				return usageError{err}
			}
			return w.Run(cmd.Context())
		},
	}
	fl := cmd.Flags()
	nf.register(fl)
	ss.register(fl)
	fl.StringVar(&modelPath, "model", "", "model file (default: the built-in news-credibility model)")
	fl.IntVar(&opt.Batch, "batch", stream.DefaultBatch, "documents classified together (a batch message is not split)")
	fl.IntVar(&opt.Concurrency, "concurrency", 0, "batches classified at once (default: the number of cores)")
	fl.IntVar(&opt.MaxInflight, "max-inflight", 0, "most documents this worker holds unacknowledged: prefetched, being classified or waiting for their verdict to be stored (default 2 × batch × (concurrency + 1); the prefetch, a quarter of it, counts a batch message as one)")
	fl.DurationVar(&opt.AckWait, "ack-wait", stream.DefaultAckWait, "redeliver a document its worker has not acknowledged after this long (shared consumer setting: when given, changes it for all workers)")
	fl.IntVar(&opt.MaxDeliver, "max-deliver", stream.DefaultMaxDeliver, "deliveries of a document before it is dead-lettered (shared consumer setting)")
	fl.IntVar(&opt.MaxAckPending, "max-ack-pending", stream.DefaultMaxAckPending, "unacknowledged documents over all workers (shared consumer setting; raise it past workers × --max-inflight)")
	fl.IntVar(&opt.MaxDocBytes, "max-doc-bytes", stream.DefaultMaxDocBytes, "dead-letter larger document messages")
	fl.IntVar(&opt.Explain, "explain", 0, "add the N features that pushed hardest toward the label to each verdict")
	fl.BoolVar(&opt.AllowModelMismatch, "allow-model-mismatch", false, "run even if the pipeline expects another model")
	fl.DurationVar(&opt.DrainTimeout, "drain-timeout", stream.DefaultDrainTimeout, "on SIGTERM, how long to finish the documents in flight")
	fl.StringVar(&opt.Name, "name", "", "worker name in logs and dead letters (default HOST-PID)")
	fl.StringVar(&metricsAddr, "metrics-addr", "", "HOST:PORT to serve Prometheus /metrics and /healthz on (default: off)")
	return cmd
}

// serveMetrics serves /metrics and /healthz until stop is called.
func serveMetrics(addr string, reg *prometheus.Registry) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	go hs.Serve(ln)
	slog.Info("serving metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	}, nil
}

func newPublishCmd() *cobra.Command {
	var (
		df          dataFlags
		nf          natsFlags
		ss          streamSettings
		idField     string
		idBy        string
		expectModel string
		shardFlag   string
		maxPending  int
		batch       int
	)
	cmd := &cobra.Command{
		Annotations: map[string]string{graceful: "watches its context"},
		Use:         "publish [--data FILE]...",
		Short:       "Publish a corpus to the NATS JetStream stream the workers classify",
		Long: `publish reads documents as train and classify do (--data FILE, CSV/TSV/JSONL, gzip detected,
known layouts; JSONL on standard input without --data) and publishes each to PREFIX.docs with a
stable document id as its JetStream message id (Nats-Msg-Id). The server stores an id only once
within the stream's duplicate window (--dup-window, default 1h), so a re-run within it publishes
no duplicates. A document's label, when the input has one, travels to its verdict as
"given_label".

Document ids: --id FIELD takes them from a column or JSON field; otherwise --id-by content (the
default) hashes the text (SHA-256, 128 bits: the same text is one document, wherever it comes
from), and --id-by row uses FILE-NAME:ROW (stable while the file does not change).

--expect-model sets the model every worker must have: a model id, a model file, or "builtin".

--shard I/K publishes only the documents whose id falls in shard I of K (0 ≤ I < K, by a hash of
the id): with --prefix credence-I, K pipelines share the work when one stream is not enough (see
"Scaling out" in docs/STREAMING.md).

--batch N (default 1: a message per document) sends about N documents per message instead: the
broker's cost is mostly per message, so --batch 64 makes it several times cheaper per document.
Where a batch ends depends on the documents' ids alone, and its message id is a hash of them: a
re-run with the same --batch publishes no duplicates, and one after documents were added or
removed republishes only the batches around them.`,
		Example: `  credence publish --data news.csv.gz --text title,text --id url --expect-model news.model
  credence publish --id id < articles.jsonl            # JSONL on stdin, text in "text"
  credence publish --data crawl.jsonl.gz --batch 64    # 64 documents per message: for throughput`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if idBy != "content" && idBy != "row" {
				return usagef("--id-by must be content or row, not %q", idBy)
			}
			if batch < 1 || maxPending < 1 {
				return usagef("--batch and --max-pending must be positive")
			}
			shard, shards := uint64(0), uint64(1)
			if shardFlag != "" {
				i, k, ok := strings.Cut(shardFlag, "/")
				si, err1 := strconv.ParseUint(i, 10, 64)
				sk, err2 := strconv.ParseUint(k, 10, 64)
				if !ok || err1 != nil || err2 != nil || sk == 0 || si >= sk {
					return usagef("--shard %q: want I/K with 0 <= I < K", shardFlag)
				}
				shard, shards = si, sk
			}
			settings, err := ss.settings()
			if err != nil {
				return err
			}
			if len(df.data) == 0 {
				df.data = []string{"-"}
				if df.format == "" {
					df.format = "jsonl"
				}
			}
			if df.text == "" && jsonlInputs(df) {
				df.text = "text"
			}
			spec, err := df.spec(idField)
			if err != nil {
				return err
			}
			wantModel := ""
			if expectModel != "" {
				if wantModel, err = modelID(expectModel); err != nil {
					return err
				}
			}
			nc, top, err := nf.connect("credence publish")
			if err != nil {
				return err
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if err := stream.Setup(ctx, js, top, settings); err != nil {
				return err
			}
			if wantModel != "" {
				prev, err := stream.SetExpectedModel(ctx, js, top, settings, wantModel)
				if err != nil {
					return err
				}
				if prev != "" && prev != wantModel {
					slog.Warn("changed the pipeline's expected model: workers with the old one will refuse to start", "was", prev, "now", wantModel)
				}
			}
			p, err := stream.NewPublisher(nc, top, stream.PublishOptions{MaxPending: maxPending, Batch: batch})
			if err != nil {
				return err
			}
			var st corpus.Stats
			tooLarge := 0
			publish := func(d corpus.Document) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				id := ""
				switch {
				case idField != "":
					if id = strings.TrimSpace(d.Meta[idField]); id == "" {
						return &corpus.LineError{Name: d.File, Line: d.Line, Err: fmt.Errorf("empty id in %q", idField)}
					}
				case idBy == "row":
					id = fmt.Sprintf("%s:%d", filepath.Base(d.File), d.Row)
				default:
					id = stream.ContentID(d.Text)
				}
				if shards > 1 && stream.Shard(id, shards) != shard {
					return nil
				}
				err := p.Publish(stream.Doc{ID: id, Text: d.Text, Label: d.Label})
				var tl *stream.TooLargeError
				if errors.As(err, &tl) {
					if spec.SkipBad {
						tooLarge++
						return nil
					}
					return &corpus.LineError{Name: d.File, Line: d.Line, Err: err}
				}
				return err
			}
			start := time.Now()
			for _, in := range spec.Inputs {
				if in.Path == "-" {
					r, err := corpus.NewReader("-", cmd.InOrStdin())
					if err != nil {
						return err
					}
					err = corpus.EachReader(spec, in, r, publish, &st)
					r.Close()
					if err != nil {
						p.Close(context.WithoutCancel(ctx))
						return fmt.Errorf("publish: %w", err)
					}
					continue
				}
				if err := corpus.Each(spec, in, publish, &st); err != nil {
					p.Close(context.WithoutCancel(ctx))
					return fmt.Errorf("publish: %w", err)
				}
			}
			closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			defer cancel()
			ps, err := p.Close(closeCtx)
			if st.Skipped > 0 {
				slog.Warn("skipped malformed rows", "rows", st.Skipped, "first", st.FirstBad.Error())
			}
			if tooLarge > 0 {
				slog.Warn("skipped documents larger than the server's max_payload", "documents", tooLarge)
			}
			if ps.BadUTF8 > 0 {
				slog.Warn("replaced invalid UTF-8 with U+FFFD", "documents", ps.BadUTF8)
			}
			secs := time.Since(start).Seconds()
			slog.Info("published", "documents", ps.Published, "already_in_stream", ps.Duplicates, "retried", ps.Retried,
				"MB", fmt.Sprintf("%.1f", float64(ps.Bytes)/1e6), "seconds", fmt.Sprintf("%.2f", secs),
				"docs_per_s", fmt.Sprintf("%.0f", float64(ps.Published+ps.Duplicates)/max(secs, 1e-9)), "stream", top.DocsStream)
			return err
		},
	}
	fl := cmd.Flags()
	df.register(fl, true)
	nf.register(fl)
	ss.register(fl)
	fl.StringVar(&idField, "id", "", "column or JSON field holding each document's id")
	fl.StringVar(&idBy, "id-by", "content", "without --id: content (hash of the text) or row (FILE-NAME:ROW)")
	fl.StringVar(&expectModel, "expect-model", "", `the model every worker must have: a model id, a model file or "builtin"`)
	fl.IntVar(&maxPending, "max-pending", 4096, "publications awaiting the server's acknowledgement")
	fl.IntVar(&batch, "batch", 1, "documents per message, on average (1: a message per document, its id as the message id; 64: for throughput)")
	fl.StringVar(&shardFlag, "shard", "", "I/K: publish only the documents of shard I of K (by id)")
	return cmd
}

// jsonlInputs says whether every input is JSONL (by --format or name).
func jsonlInputs(df dataFlags) bool {
	for _, in := range df.data {
		f := df.format
		if f == "" {
			f = corpus.FormatOf(corpus.ParseInput(in).Path)
		}
		if f != "jsonl" {
			return false
		}
	}
	return true
}

// modelID resolves --expect-model: "builtin", a model file, or an id.
func modelID(s string) (string, error) {
	if s == "builtin" || s == "default" {
		m, err := loadModel("")
		if err != nil {
			return "", err
		}
		return m.Card.ID, nil
	}
	if _, err := os.Stat(s); err == nil {
		m, err := model.Load(s)
		if err != nil {
			return "", fmt.Errorf("--expect-model: %w", err)
		}
		return m.Card.ID, nil
	}
	return s, nil
}

func newCollectCmd() *cobra.Command {
	var (
		nf      natsFlags
		opt     stream.CollectOptions
		out     string
		dead    string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Annotations: map[string]string{graceful: "watches its context"},
		Use:         "collect [--wait | --expect N | --follow] [--format jsonl|csv] [--out FILE]",
		Short:       "Write the verdicts of the NATS JetStream results stream, one line per document",
		Long: `collect reads the results stream (PREFIX-results) from its start and writes one line per
document id: the verdict as the worker stored it (JSONL), or CSV with the columns
id,label,verdict,probabilities,model_id,given_label,explain.

Delivery is at least once: a worker that died after storing a verdict but before acknowledging
its document, once the duplicate window has passed, makes a second verdict for one id. collect
keeps the first one stored (--keep first, the default; the same model gives the same verdict)
or the last (--keep last, e.g. after re-classifying with a new model), and says how many it
dropped and whether any differed.

When to stop: by default after the verdicts stored when it starts; --wait once every document
in PREFIX-docs is classified or dead-lettered (run it after publish); --expect N once N
documents are collected; --follow never (until SIGINT/SIGTERM).`,
		Example: `  credence collect --wait --out verdicts.jsonl --dead dead.jsonl
  credence collect --format csv --keep last > verdicts.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.Format != "jsonl" && opt.Format != "csv" {
				return usagef("--format must be jsonl or csv, not %q", opt.Format)
			}
			if opt.Keep != "first" && opt.Keep != "last" {
				return usagef("--keep must be first or last, not %q", opt.Keep)
			}
			if opt.Follow && (opt.Wait || opt.Expect > 0) {
				return usagef("--follow conflicts with --wait and --expect")
			}
			nc, top, err := nf.connect("credence collect")
			if err != nil {
				return err
			}
			defer nc.Close()
			ctx := cmd.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := atomicfile.Create(out, 0o644)
				if err != nil {
					return err
				}
				defer f.Abort()
				w = f
			}
			if dead != "" {
				f, err := atomicfile.Create(dead, 0o644)
				if err != nil {
					return err
				}
				defer f.Abort()
				opt.Dead = f
			}
			opt.Log = slog.Default()
			st, err := stream.Collect(ctx, nc, top, w, opt)
			if err != nil {
				return err
			}
			for _, x := range []any{w, opt.Dead} {
				if f, ok := x.(*atomicfile.File); ok {
					if err := f.Commit(); err != nil {
						return err
					}
				}
			}
			slog.Info("collected", "documents", st.Distinct, "verdicts_read", st.Verdicts,
				"duplicates_dropped", st.Duplicates, "kept", opt.Keep, "conflicting_duplicates", st.Conflicts, "dead_letters", st.Dead)
			if dead == "" {
				if js, err := jetstream.New(nc); err == nil {
					if s, err := js.Stream(context.WithoutCancel(ctx), top.DeadStream); err == nil && s.CachedInfo().State.Msgs > 0 {
						slog.Warn("the dead-letter stream holds documents that could not be classified: see them with --dead FILE", "dead_letters", s.CachedInfo().State.Msgs)
					}
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	nf.register(fl)
	fl.StringVar(&opt.Format, "format", "jsonl", "output format: jsonl or csv")
	fl.StringVarP(&out, "out", "o", "", "write to FILE (atomically) instead of standard output")
	fl.StringVar(&opt.Keep, "keep", "first", "which verdict to keep when a document has several: first or last stored")
	fl.BoolVar(&opt.Wait, "wait", false, "wait until every published document is classified or dead-lettered")
	fl.Int64Var(&opt.Expect, "expect", 0, "stop once N distinct documents are collected")
	fl.BoolVar(&opt.Follow, "follow", false, "keep writing new verdicts until interrupted")
	fl.DurationVar(&timeout, "timeout", 0, "give up after this long (exit 1)")
	fl.StringVar(&dead, "dead", "", "also write the dead letters (JSONL: seq, id, reason, deliveries, worker, data) to FILE")
	return cmd
}
