package stream

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/credence-news/credence/internal/annotate"
	"github.com/credence-news/credence/normalize"
)

// CollectOptions configure Collect.
type CollectOptions struct {
	Format string // "jsonl" (default): the verdicts as stored; "csv": id,label,verdict,probabilities,model_id,given_label,explain
	// Keep says which verdict to keep when a document has several
	// (at-least-once delivery: a worker died after storing a verdict but
	// before acknowledging its input, and the duplicate window had
	// passed): "first" (default), the earliest stored, written as soon as
	// it is read; or "last", the latest stored (held in memory until the
	// end: use it after re-classifying with a new model).
	Keep string
	// When to stop. By default, after the verdicts stored when Collect
	// started. Wait: once the docs stream is empty (every document
	// classified or dead-lettered), after the verdicts stored by then.
	// Expect: once this many distinct ids are written. Follow: never
	// (until ctx ends; returns nil then).
	Wait   bool
	Expect int64
	Follow bool
	Dead   io.Writer     // if not nil, the dead letters as JSONL, read after the verdicts
	Poll   time.Duration // how often to check the docs stream when waiting (default 250ms)
	Log    *slog.Logger
}

// CollectStats count what Collect read and wrote.
type CollectStats struct {
	Verdicts   int64 // verdicts read from the results stream
	Distinct   int64 // lines written: one per document id
	Duplicates int64 // verdicts dropped because their id was already kept
	Conflicts  int64 // dropped duplicates that differed from the kept verdict (another model)
	Dead       int64 // dead letters written
}

// Collect writes the results stream to w with exactly one line per
// document id.
func Collect(ctx context.Context, nc *nats.Conn, t Topology, w io.Writer, opt CollectOptions) (CollectStats, error) {
	var st CollectStats
	if opt.Format == "" {
		opt.Format = "jsonl"
	}
	if opt.Format != "jsonl" && opt.Format != "csv" {
		return st, fmt.Errorf("format %q: want jsonl or csv", opt.Format)
	}
	if opt.Keep == "" {
		opt.Keep = "first"
	}
	if opt.Keep != "first" && opt.Keep != "last" {
		return st, fmt.Errorf("keep %q: want first or last", opt.Keep)
	}
	if opt.Poll <= 0 {
		opt.Poll = 250 * time.Millisecond
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return st, err
	}
	results, err := js.Stream(ctx, t.ResultsStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return st, fmt.Errorf("no stream %s: nothing was published under prefix %q yet", t.ResultsStream, t.Prefix)
	}
	if err != nil {
		return st, fmt.Errorf("stream %s: %w", t.ResultsStream, err)
	}
	out := newVerdictWriter(w, opt.Format)
	cons, err := results.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return st, fmt.Errorf("read %s: %w", t.ResultsStream, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(4096))
	if err != nil {
		return st, fmt.Errorf("read %s: %w", t.ResultsStream, err)
	}
	defer it.Stop()

	var target uint64 // stop once the verdict with this sequence is read
	haveTarget := false
	if !opt.Follow && !opt.Wait && opt.Expect == 0 {
		target, haveTarget = results.CachedInfo().State.LastSeq, true
	}
	seen := map[string]uint64{} // id → hash of the kept verdict
	var lastBodies map[string][]byte
	var order []string
	if opt.Keep == "last" {
		lastBodies = map[string][]byte{}
	}
	var readSeq uint64
	nextCheck := time.Time{}
	var ctxErr error
	for {
		if haveTarget && readSeq >= target {
			break
		}
		if opt.Expect > 0 && int64(len(seen)) >= opt.Expect {
			break
		}
		if err := ctx.Err(); err != nil {
			ctxErr = err
			break
		}
		if opt.Wait && !haveTarget && time.Now().After(nextCheck) {
			queued, err := queuedDocs(ctx, js, t)
			if err != nil {
				return st, err
			}
			if queued == 0 {
				// Every document is acknowledged, so its verdict (or dead
				// letter) is stored: read up to the last verdict stored now.
				info, err := results.Info(ctx)
				if err != nil {
					return st, fmt.Errorf("stream %s: %w", t.ResultsStream, err)
				}
				target, haveTarget = info.State.LastSeq, true
				continue
			}
			opt.Log.Debug("waiting for the workers", "queued", queued, "collected", len(seen))
			nextCheck = time.Now().Add(opt.Poll)
		}
		msg, err := it.Next(jetstream.NextMaxWait(opt.Poll))
		if errors.Is(err, nats.ErrTimeout) {
			if haveTarget { // the target may have been deleted (max age): stop when nothing is pending
				if ci, err := cons.Info(ctx); err == nil && ci.NumPending == 0 {
					break
				}
			}
			continue
		}
		if err != nil {
			return st, fmt.Errorf("read %s: %w", t.ResultsStream, err)
		}
		if meta, err := msg.Metadata(); err == nil {
			readSeq = meta.Sequence.Stream
		}
		var werr error
		take := func(id string, body []byte) {
			st.Verdicts++
			if id == "" {
				var v struct {
					ID string `json:"id"`
				}
				json.Unmarshal(body, &v)
				id = v.ID
			}
			h := xxhash.Sum64(body)
			if prev, ok := seen[id]; ok {
				st.Duplicates++
				if prev != h {
					st.Conflicts++
					if st.Conflicts == 1 {
						opt.Log.Warn("a document has verdicts that differ (another model?)", "id", id, "keeping", opt.Keep)
					}
				}
				if lastBodies != nil {
					seen[id] = h
					lastBodies[id] = append([]byte(nil), body...)
				}
				return
			}
			seen[id] = h
			if lastBodies != nil {
				lastBodies[id] = append([]byte(nil), body...)
				order = append(order, id)
				return
			}
			if werr == nil {
				werr = out.write(body)
				st.Distinct++
			}
		}
		if msg.Headers().Get(HeaderBatch) != "" {
			eachLine(msg.Data(), func(_ int, line []byte) { take("", line) })
		} else {
			take(msg.Headers().Get(nats.MsgIdHdr), msg.Data())
		}
		if werr != nil {
			return st, werr
		}
	}
	for _, id := range order {
		if err := out.write(lastBodies[id]); err != nil {
			return st, err
		}
		st.Distinct++
	}
	if err := out.flush(); err != nil {
		return st, err
	}
	if ctxErr != nil && !opt.Follow {
		return st, fmt.Errorf("collect: stopped with %d verdicts collected: %w", st.Distinct, ctxErr)
	}
	if opt.Dead != nil {
		n, err := collectDead(context.WithoutCancel(ctx), js, t, opt.Dead)
		st.Dead = n
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// queuedDocs counts the documents not yet classified or dead-lettered.
func queuedDocs(ctx context.Context, js jetstream.JetStream, t Topology) (uint64, error) {
	n, err := DocsStreamState(ctx, js, t)
	if err != nil {
		return 0, err
	}
	if s, err := js.Stream(ctx, t.AdvisoryStream); err == nil {
		n += s.CachedInfo().State.Msgs
	}
	return n, nil
}

// DeadLetter is one line of collect's dead-letter output.
type DeadLetter struct {
	Seq        uint64 `json:"seq"`                   // the document's sequence in the docs stream
	Index      *int   `json:"batch_index,omitempty"` // its line in a batch message
	ID         string `json:"id,omitempty"`
	Reason     string `json:"reason"`
	Deliveries int    `json:"deliveries"`
	Worker     string `json:"worker,omitempty"`
	Truncated  bool   `json:"truncated,omitempty"`
	Bytes      int    `json:"bytes"`
	Data       string `json:"data"` // the message as received (invalid UTF-8 replaced)
}

func collectDead(ctx context.Context, js jetstream.JetStream, t Topology, w io.Writer) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	s, err := js.Stream(ctx, t.DeadStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", t.DeadStream, err)
	}
	target := s.CachedInfo().State.LastSeq
	if s.CachedInfo().State.Msgs == 0 {
		return 0, nil
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", t.DeadStream, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", t.DeadStream, err)
	}
	defer it.Stop()
	bw := bufio.NewWriter(w)
	var n int64
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return n, fmt.Errorf("read %s: %w", t.DeadStream, err)
		}
		h := msg.Headers()
		seq, _ := strconv.ParseUint(h.Get(HeaderStreamSeq), 10, 64)
		deliveries, _ := strconv.Atoi(h.Get(HeaderDeliveries))
		var index *int
		if v, err := strconv.Atoi(h.Get(HeaderBatchIndex)); err == nil {
			index = &v
		}
		data, _ := normalize.ValidUTF8(msg.Data())
		d := DeadLetter{Seq: seq, Index: index, ID: h.Get(HeaderID), Reason: h.Get(HeaderReason), Deliveries: deliveries,
			Worker: h.Get(HeaderWorker), Truncated: h.Get(HeaderTruncated) == "true", Bytes: len(msg.Data()), Data: string(data)}
		line, err := json.Marshal(d)
		if err != nil {
			return n, err
		}
		bw.Write(line)
		bw.WriteByte('\n')
		n++
		meta, err := msg.Metadata()
		if err != nil || meta.Sequence.Stream >= target || meta.NumPending == 0 {
			break
		}
	}
	return n, bw.Flush()
}

// verdictWriter writes verdicts as JSONL or CSV.
type verdictWriter struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	header bool
}

func newVerdictWriter(w io.Writer, format string) *verdictWriter {
	vw := &verdictWriter{bw: bufio.NewWriterSize(w, 256<<10)}
	if format == "csv" {
		vw.cw = csv.NewWriter(vw.bw)
	}
	return vw
}

// CSVHeader is the header of collect's CSV output.
var CSVHeader = []string{"id", "label", "verdict", "probabilities", "model_id", "given_label", "explain"}

func (vw *verdictWriter) write(body []byte) error {
	if vw.cw == nil {
		vw.bw.Write(body)
		return vw.bw.WriteByte('\n')
	}
	if !vw.header {
		vw.cw.Write(CSVHeader)
		vw.header = true
	}
	var v struct {
		ID            string          `json:"id"`
		Label         string          `json:"label"`
		Verdict       string          `json:"verdict"`
		Probabilities json.RawMessage `json:"probabilities"`
		ModelID       string          `json:"model_id"`
		GivenLabel    string          `json:"given_label"`
		Explain       json.RawMessage `json:"explain"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("a verdict is not valid JSON: %w: %s", err, annotate.AppendJSONString(nil, string(body[:min(len(body), 200)])))
	}
	return vw.cw.Write([]string{v.ID, v.Label, v.Verdict, string(v.Probabilities), v.ModelID, v.GivenLabel, string(v.Explain)})
}

func (vw *verdictWriter) flush() error {
	if vw.cw != nil {
		vw.cw.Flush()
		if err := vw.cw.Error(); err != nil {
			return err
		}
	}
	return vw.bw.Flush()
}
