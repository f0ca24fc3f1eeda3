package stream

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"strconv"
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
	// Batch is how many documents one message carries on average (default
	// 1: a message per document). The broker's cost is mostly per message,
	// so batches make it several times cheaper per document. A batch ends
	// after a document whose id hashes to 0 modulo Batch (or at 4 × Batch
	// documents, BatchBytes, or Linger), and its message id is a hash of its
	// documents' ids: a re-run publishes no duplicates, and one with
	// documents added or removed republishes only the batches around them.
	Batch      int
	BatchBytes int           // most bytes in one batch message (default 256 KiB, at most the server's max_payload less 8 KiB)
	Linger     time.Duration // how long a partial batch waits for more documents (default 5ms)
	Log        *slog.Logger
}

// PublishStats count what a Publisher did, in documents.
type PublishStats struct {
	Published  int64 // stored in the docs stream
	Duplicates int64 // ids the stream had within its duplicate window: not stored again
	Retried    int64 // publications retried after an error or timeout
	BadUTF8    int64 // documents whose invalid UTF-8 was replaced with U+FFFD
	Bytes      int64
}

// Publisher publishes documents to the docs stream asynchronously, with
// the document id (or the batch's id) as the Nats-Msg-Id, and retries
// failed publications (safe: the server drops a retry it already stored).
type Publisher struct {
	js      jetstream.JetStream
	t       Topology
	opt     PublishOptions
	max     int
	pending chan pendingPub
	done    chan struct{}
	failed  atomic.Pointer[error]
	closed  sync.Once
	buf     []byte

	mu     sync.Mutex // the batch being filled; the linger timer flushes it too
	batch  []byte
	n      int
	ids    hash.Hash
	lenBuf [binary.MaxVarintLen64]byte
	gen    int // bumped by every flush, so a stale linger timer does nothing
	timer  *time.Timer

	published, duplicates, retried, badUTF8, bytes atomic.Int64
}

type pendingPub struct {
	fut  jetstream.PubAckFuture
	docs int
}

// NewPublisher starts a publisher on the pipeline t; Setup must have run.
func NewPublisher(nc *nats.Conn, t Topology, opt PublishOptions) (*Publisher, error) {
	if opt.MaxPending <= 0 {
		opt.MaxPending = 4096
	}
	if opt.Batch <= 0 {
		opt.Batch = 1
	}
	limit := int(nc.MaxPayload()) - 8<<10
	if opt.BatchBytes <= 0 {
		opt.BatchBytes = 256 << 10
	}
	opt.BatchBytes = max(min(opt.BatchBytes, limit), 1)
	if opt.Linger <= 0 {
		opt.Linger = 5 * time.Millisecond
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(opt.MaxPending+1), jetstream.WithPublishAsyncTimeout(30*time.Second))
	if err != nil {
		return nil, err
	}
	p := &Publisher{js: js, t: t, opt: opt, max: int(nc.MaxPayload()), ids: sha256.New(),
		pending: make(chan pendingPub, opt.MaxPending), done: make(chan struct{})}
	go p.confirm()
	return p, nil
}

// Publish sends one document, or adds it to the batch being filled. It
// blocks while MaxPending publications await acknowledgement, and returns
// the first error of an earlier publication that failed even after
// retries.
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
	if p.opt.Batch == 1 {
		msg := nats.NewMsg(p.t.DocsSubject)
		msg.Data = append([]byte(nil), p.buf...)
		msg.Header.Set(nats.MsgIdHdr, d.ID)
		return p.send(msg, 1)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n > 0 && len(p.batch)+1+len(p.buf) > p.opt.BatchBytes {
		if err := p.flush(); err != nil {
			return err
		}
	}
	if p.n > 0 {
		p.batch = append(p.batch, '\n')
	}
	p.batch = append(p.batch, p.buf...)
	// Length-prefixed, so that no two lists of ids hash alike by accident.
	p.ids.Write(binary.AppendUvarint(p.lenBuf[:0], uint64(len(d.ID))))
	p.ids.Write([]byte(d.ID))
	p.n++
	// Content-defined boundaries (the high half of the hash: Shard uses
	// the low bits, and a shard's ids share them).
	if (xxhash.Sum64String(d.ID)>>32)%uint64(p.opt.Batch) == 0 || p.n >= 4*p.opt.Batch || len(p.batch) >= p.opt.BatchBytes {
		return p.flush()
	}
	if p.n == 1 { // a trickle of documents is not held back for long
		gen := p.gen
		p.timer = time.AfterFunc(p.opt.Linger, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.gen == gen && p.n > 0 {
				if err := p.flush(); err != nil {
					p.failed.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	return nil
}

// flush publishes the batch being filled; p.mu is held.
func (p *Publisher) flush() error {
	if p.n == 0 {
		return nil
	}
	p.gen++
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	msg := nats.NewMsg(p.t.DocsSubject)
	msg.Data = p.batch
	msg.Header.Set(HeaderBatch, strconv.Itoa(p.n))
	msg.Header.Set(nats.MsgIdHdr, "batch-"+hex.EncodeToString(p.ids.Sum(nil)[:16]))
	n := p.n
	p.batch, p.n = make([]byte, 0, len(p.batch)+len(p.batch)/8), 0
	p.ids.Reset()
	return p.send(msg, n)
}

// send publishes a message of docs documents asynchronously.
func (p *Publisher) send(msg *nats.Msg, docs int) error {
	fut, err := p.js.PublishMsgAsync(msg, jetstream.WithExpectStream(p.t.DocsStream))
	if err != nil {
		ack, err := p.retry(msg, err)
		if err != nil {
			return err
		}
		p.count(ack, len(msg.Data), docs)
		return nil
	}
	p.pending <- pendingPub{fut, docs}
	return nil
}

func (p *Publisher) count(ack *jetstream.PubAck, n, docs int) {
	if ack.Duplicate {
		p.duplicates.Add(int64(docs))
	} else {
		p.published.Add(int64(docs))
		p.bytes.Add(int64(n))
	}
}

// confirm waits for the acknowledgements in publication order.
func (p *Publisher) confirm() {
	defer close(p.done)
	for pp := range p.pending {
		select {
		case ack := <-pp.fut.Ok():
			p.count(ack, len(pp.fut.Msg().Data), pp.docs)
		case err := <-pp.fut.Err():
			ack, err := p.retry(pp.fut.Msg(), err)
			if err != nil {
				p.failed.CompareAndSwap(nil, &err)
				continue
			}
			p.count(ack, len(pp.fut.Msg().Data), pp.docs)
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
		p.retried.Add(int64(batchSize(msg.Header)))
		p.opt.Log.Debug("retrying a publication", "id", msg.Header.Get(nats.MsgIdHdr), "err", err)
		time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var ack *jetstream.PubAck
		ack, err = p.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(p.t.DocsStream))
		cancel()
		if err == nil {
			return ack, nil
		}
	}
	return nil, fmt.Errorf("publish %s: %w", msg.Header.Get(nats.MsgIdHdr), err)
}

// Close waits until every publication is acknowledged (or ctx ends) and
// returns the counts and the first error.
func (p *Publisher) Close(ctx context.Context) (PublishStats, error) {
	var err error
	p.closed.Do(func() {
		p.mu.Lock()
		err = p.flush() // a linger timer still running then finds nothing to flush
		p.mu.Unlock()
		close(p.pending)
	})
	select {
	case <-p.done:
	case <-ctx.Done():
		err = errors.Join(err, fmt.Errorf("publish: %d publications not acknowledged yet: %w", len(p.pending), ctx.Err()))
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
