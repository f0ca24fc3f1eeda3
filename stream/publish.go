package stream

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/credence-news/credence/normalize"
)

// ContentID is the default document id: the first 128 bits of the SHA-256
// of the text, in hex. It is stable across runs, files and machines; two
// documents with the same text get the same id and are classified once.
func ContentID(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:16])
}

// Shard returns the shard of K (0 ≤ shard < k) a document id belongs to,
// by a stable hash: publish --shard I/K splits a corpus over K pipelines.
func Shard(id string, k uint64) uint64 { return xxhash.Sum64String(id) % k }

// TooLargeError is returned for a document whose message would exceed the
// server's max_payload.
type TooLargeError struct {
	ID        string
	Size, Max int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("document %s: %d bytes, more than the server's max_payload (%d)", e.ID, e.Size, e.Max)
}

// PublishOptions configure a Publisher.
type PublishOptions struct {
	MaxPending int // publications awaiting the server's acknowledgement (default 4096)
	Log        *slog.Logger
}

// PublishStats count what a Publisher did.
type PublishStats struct {
	Published  int64 // stored in the docs stream
	Duplicates int64 // ids the stream had within its duplicate window: not stored again
	Retried    int64 // publications retried after an error or timeout
	BadUTF8    int64 // documents whose invalid UTF-8 was replaced with U+FFFD
	Bytes      int64
}

// Publisher publishes documents to the docs stream asynchronously, with
// the document id as the Nats-Msg-Id, and retries failed publications
// (safe: the server drops a retry it already stored).
type Publisher struct {
	js      jetstream.JetStream
	t       Topology
	max     int
	log     *slog.Logger
	pending chan jetstream.PubAckFuture
	done    chan struct{}
	failed  atomic.Pointer[error]
	closed  sync.Once
	buf     []byte

	published, duplicates, retried, badUTF8, bytes atomic.Int64
}

// NewPublisher starts a publisher on the pipeline t; Setup must have run.
func NewPublisher(nc *nats.Conn, t Topology, opt PublishOptions) (*Publisher, error) {
	if opt.MaxPending <= 0 {
		opt.MaxPending = 4096
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(opt.MaxPending+1), jetstream.WithPublishAsyncTimeout(30*time.Second))
	if err != nil {
		return nil, err
	}
	p := &Publisher{js: js, t: t, max: int(nc.MaxPayload()), log: opt.Log,
		pending: make(chan jetstream.PubAckFuture, opt.MaxPending), done: make(chan struct{})}
	go p.confirm()
	return p, nil
}

// Publish sends one document. It blocks while MaxPending publications
// await acknowledgement, and returns the first error of an earlier
// publication that failed even after retries.
func (p *Publisher) Publish(d Doc) error {
	if errp := p.failed.Load(); errp != nil {
		return *errp
	}
	if d.ID == "" {
		return errors.New("document without an id")
	}
	if b, bad := normalize.ValidUTF8([]byte(d.Text)); bad > 0 {
		d.Text = string(b)
		p.badUTF8.Add(1)
	}
	p.buf = AppendDoc(p.buf[:0], d)
	if size := len(p.buf) + len(d.ID) + 64; size > p.max {
		return &TooLargeError{ID: d.ID, Size: size, Max: p.max}
	}
	msg := nats.NewMsg(p.t.DocsSubject)
	msg.Data = append([]byte(nil), p.buf...)
	msg.Header.Set(nats.MsgIdHdr, d.ID)
	fut, err := p.js.PublishMsgAsync(msg, jetstream.WithExpectStream(p.t.DocsStream))
	if err != nil {
		ack, err := p.retry(msg, err)
		if err != nil {
			return err
		}
		p.count(ack, len(msg.Data))
		return nil
	}
	p.pending <- fut
	return nil
}

func (p *Publisher) count(ack *jetstream.PubAck, n int) {
	if ack.Duplicate {
		p.duplicates.Add(1)
	} else {
		p.published.Add(1)
		p.bytes.Add(int64(n))
	}
}

// confirm waits for the acknowledgements in publication order.
func (p *Publisher) confirm() {
	defer close(p.done)
	for fut := range p.pending {
		select {
		case ack := <-fut.Ok():
			p.count(ack, len(fut.Msg().Data))
		case err := <-fut.Err():
			ack, err := p.retry(fut.Msg(), err)
			if err != nil {
				p.failed.CompareAndSwap(nil, &err)
				continue
			}
			p.count(ack, len(fut.Msg().Data))
		}
	}
}

// retry publishes msg synchronously, up to 5 times with back-off.
func (p *Publisher) retry(msg *nats.Msg, first error) (*jetstream.PubAck, error) {
	err := first
	for attempt := range 5 {
		if errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrConnectionClosed) {
			break
		}
		p.retried.Add(1)
		p.log.Debug("retrying a publication", "id", msg.Header.Get(nats.MsgIdHdr), "err", err)
		time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var ack *jetstream.PubAck
		ack, err = p.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(p.t.DocsStream))
		cancel()
		if err == nil {
			return ack, nil
		}
	}
	return nil, fmt.Errorf("publish document %s: %w", msg.Header.Get(nats.MsgIdHdr), err)
}

// Close waits until every publication is acknowledged (or ctx ends) and
// returns the counts and the first error.
func (p *Publisher) Close(ctx context.Context) (PublishStats, error) {
	p.closed.Do(func() { close(p.pending) })
	var err error
	select {
	case <-p.done:
	case <-ctx.Done():
		err = fmt.Errorf("publish: %d documents not acknowledged yet: %w", len(p.pending), ctx.Err())
	}
	if errp := p.failed.Load(); errp != nil && err == nil {
		err = *errp
	}
	return p.Stats(), err
}

// Stats returns the counts so far.
func (p *Publisher) Stats() PublishStats {
	return PublishStats{p.published.Load(), p.duplicates.Load(), p.retried.Load(), p.badUTF8.Load(), p.bytes.Load()}
}
