package fasttext

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// The compact serialization of MarshalBinary: credence's own layout, not
// fastText's. It stores only the n-gram rows the model has (the sparse
// index as a delta-coded bucket list) and ends with a CRC-32.
var marshalMagic = [8]byte{'C', 'R', 'D', 'F', 'T', 'X', 'T', 0}

const marshalVersion = 1

// MarshalBinary returns the model in credence's compact serialization
// (see WriteTo). It works for every model, trained or imported.
func (m *Model) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type crcWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	n   int64
	err error
	tmp [binary.MaxVarintLen64]byte
}

func (w *crcWriter) write(p []byte) {
	if w.err != nil {
		return
	}
	w.crc.Write(p)
	n, err := w.w.Write(p)
	w.n += int64(n)
	w.err = err
}

func (w *crcWriter) u8(v byte) { w.tmp[0] = v; w.write(w.tmp[:1]) }
func (w *crcWriter) i32(v int32) {
	binary.LittleEndian.PutUint32(w.tmp[:], uint32(v))
	w.write(w.tmp[:4])
}
func (w *crcWriter) i64(v int64) {
	binary.LittleEndian.PutUint64(w.tmp[:], uint64(v))
	w.write(w.tmp[:8])
}
func (w *crcWriter) f64(v float64) { w.i64(int64(math.Float64bits(v))) }
func (w *crcWriter) uvarint(v uint64) {
	n := binary.PutUvarint(w.tmp[:], v)
	w.write(w.tmp[:n])
}
func (w *crcWriter) str(s string) { w.uvarint(uint64(len(s))); w.write([]byte(s)) }
func (w *crcWriter) boolean(b bool) {
	if b {
		w.u8(1)
	} else {
		w.u8(0)
	}
}

func (w *crcWriter) floats(v []float32) {
	var buf [4096]byte
	for len(v) > 0 && w.err == nil {
		n := min(len(v), len(buf)/4)
		for i := range n {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v[i]))
		}
		w.write(buf[:4*n])
		v = v[n:]
	}
}

func (w *crcWriter) pq(p *productQuantizer) {
	w.i32(int32(p.dim))
	w.i32(int32(p.nsubq))
	w.i32(int32(p.dsub))
	w.i32(int32(p.lastdsub))
	w.floats(p.centroids)
}

func (w *crcWriter) matrix(a *matrix) {
	w.boolean(a.q != nil)
	w.i64(int64(a.m))
	w.i64(int64(a.n))
	if a.q == nil {
		w.floats(a.d)
		return
	}
	q := a.q
	w.boolean(q.qnorm)
	w.pq(&q.pq)
	w.write(q.codes)
	if q.qnorm {
		w.pq(&q.npq)
		w.write(q.normCodes)
	}
}

// WriteTo writes the model in credence's compact serialization, streaming
// (the weights are not copied in memory): a magic number and version,
// fastText's arguments, the training record (learning rate, threads, seed,
// documents; not the wall time, so that a deterministic training gives
// identical bytes), the dictionary, the n-gram index, both matrices (dense
// or product-quantized), and a CRC-32 of all of it.
func (m *Model) WriteTo(out io.Writer) (int64, error) {
	w := &crcWriter{w: bufio.NewWriterSize(out, 1<<16), crc: crc32.NewIEEE()}
	w.write(marshalMagic[:])
	w.i32(marshalVersion)
	w.str(m.format)
	w.i32(m.version)
	a := &m.args
	for _, v := range []int32{a.dim, a.ws, a.epoch, a.minCount, a.neg, a.wordNgrams, a.loss, a.model, a.bucket, a.minn, a.maxn, a.lrUpdateRate} {
		w.i32(v)
	}
	w.f64(a.t)
	w.f64(m.train.LR)
	w.i64(int64(m.train.Threads))
	w.i64(int64(m.train.Seed))
	w.i64(m.train.Docs)
	dc := &m.dict
	w.i32(dc.nwords)
	w.i32(dc.nlabels)
	w.i64(dc.ntokens)
	for i, s := range dc.words {
		w.str(s)
		w.uvarint(uint64(dc.counts[i]))
	}
	w.u8(byte(m.ngrams.kind))
	switch m.ngrams.kind {
	case ngSparse:
		bs := m.ngrams.sparseBuckets()
		w.uvarint(uint64(len(bs)))
		prev := int32(-1)
		for _, b := range bs {
			w.uvarint(uint64(b - prev))
			prev = b
		}
	case ngPruned:
		w.uvarint(uint64(m.ngrams.count()))
		for i, k := range m.ngrams.keys {
			if k != 0 {
				w.uvarint(uint64(k - 1))
				w.uvarint(uint64(m.ngrams.vals[i]))
			}
		}
	}
	w.matrix(&m.in)
	w.boolean(m.qout)
	w.matrix(&m.out)
	if w.err == nil {
		var sum [4]byte
		binary.LittleEndian.PutUint32(sum[:], w.crc.Sum32())
		n, err := w.w.Write(sum[:])
		w.n += int64(n)
		w.err = err
	}
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.n, w.err
}

// UnmarshalBinary reads a model written by MarshalBinary or WriteTo into m,
// which must be a new, zero Model. Sizes are checked against the input
// before anything is allocated, and the checksum is verified.
func (m *Model) UnmarshalBinary(b []byte) error {
	if m.dict.words != nil {
		return errors.New("fasttext: UnmarshalBinary into a model in use")
	}
	if len(b) < len(marshalMagic)+4+4 || !bytes.Equal(b[:len(marshalMagic)], marshalMagic[:]) {
		return &FormatError{Msg: "not a credence fastText-class model (bad magic)"}
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return &FormatError{Offset: int64(len(b) - 4), Msg: "checksum mismatch: the model is corrupted or truncated"}
	}
	d := &decoder{b: body, size: int64(len(body)), off: int64(len(marshalMagic))}
	if v := d.i32("version"); v != marshalVersion {
		return &FormatError{Offset: 8, Msg: fmt.Sprintf("unsupported serialization version %d (want %d)", v, marshalVersion)}
	}
	m.format = d.str("format")
	if d.err == nil && m.format != formatCredence && m.format != formatFastText {
		d.fail("unknown origin %q", m.format)
	}
	m.version = d.i32("fastText version")
	a := &m.args
	for _, p := range []*int32{&a.dim, &a.ws, &a.epoch, &a.minCount, &a.neg, &a.wordNgrams, &a.loss, &a.model, &a.bucket, &a.minn, &a.maxn, &a.lrUpdateRate} {
		*p = d.i32("args")
	}
	a.t = d.f64("t")
	m.train.LR = d.f64("lr")
	m.train.Threads = int(d.i64("threads"))
	m.train.Seed = uint64(d.i64("seed"))
	m.train.Docs = d.i64("docs")
	if d.err != nil {
		return d.err
	}
	switch {
	case a.model != kindSupervised:
		d.fail("model kind %d is not supervised", a.model)
	case a.loss < lossHS || a.loss > lossOVA:
		d.fail("unknown loss %d", a.loss)
	case a.dim <= 0 || int64(a.dim)*4 > d.left():
		d.fail("dimension %d", a.dim)
	case a.bucket < 0:
		d.fail("bucket count %d", a.bucket)
	case a.wordNgrams > maxNgram || a.maxn > maxNgram:
		d.fail("wordNgrams %d, maxn %d", a.wordNgrams, a.maxn)
	}
	dc := &m.dict
	dc.nwords = d.i32("nwords")
	dc.nlabels = d.i32("nlabels")
	dc.ntokens = d.i64("ntokens")
	if d.err != nil {
		return d.err
	}
	size := int64(dc.nwords) + int64(dc.nlabels)
	if dc.nwords < 0 || dc.nlabels <= 0 || size*2 > d.left() {
		d.fail("dictionary of %d words and %d labels", dc.nwords, dc.nlabels)
		return d.err
	}
	dc.words = make([]string, size)
	dc.counts = make([]int64, size)
	dc.types = make([]int8, size)
	for i := range dc.words {
		dc.words[i] = d.str("word")
		dc.counts[i] = int64(d.uvarint("count"))
		if int32(i) >= dc.nwords {
			dc.types[i] = typeLabel
		}
	}
	m.ngrams = ngramIndex{kind: int8(d.u8("n-gram index")), nwords: dc.nwords, bucket: a.bucket}
	switch m.ngrams.kind {
	case ngDense:
	case ngSparse:
		n := d.uvarint("n-gram count")
		if d.err == nil && (n > uint64(d.left()) || n > uint64(a.bucket)) {
			d.fail("%d n-gram rows", n)
		}
		if d.err != nil {
			return d.err
		}
		bs := make([]int32, n)
		prev := int64(-1)
		for i := range bs {
			prev += int64(d.uvarint("n-gram bucket"))
			if d.err == nil && (prev >= int64(a.bucket) || prev < 0) {
				d.fail("n-gram bucket %d of %d", prev, a.bucket)
			}
			if d.err != nil {
				return d.err
			}
			bs[i] = int32(prev)
		}
		m.ngrams.setSparse(bs)
	case ngPruned:
		n := d.uvarint("pruned count")
		if d.err == nil && n > uint64(d.left()/2) {
			d.fail("%d pruned n-grams", n)
		}
		if d.err != nil {
			return d.err
		}
		keys, vals := make([]int32, n), make([]int32, n)
		for i := range keys {
			k, v := d.uvarint("bucket"), d.uvarint("row")
			if d.err == nil && (k >= uint64(a.bucket) || v > math.MaxInt32) {
				d.fail("pruned n-gram %d → %d", k, v)
			}
			if d.err != nil {
				return d.err
			}
			keys[i], vals[i] = int32(k), int32(v)
		}
		m.ngrams.setPruned(keys, vals)
	default:
		d.fail("unknown n-gram index kind %d", m.ngrams.kind)
	}
	m.in = d.ownMatrix("input matrix")
	m.qout = d.boolean("qout")
	m.out = d.ownMatrix("output matrix")
	if d.err == nil && d.left() != 0 {
		d.fail("%d unexpected bytes", d.left())
	}
	if d.err != nil {
		return d.err
	}
	if err := m.check(); err != nil {
		return &FormatError{Offset: d.off, Msg: err.Error()}
	}
	m.init()
	return nil
}

func (d *decoder) str(what string) string {
	n := d.uvarint(what)
	if d.err == nil && n > uint64(d.left()) {
		d.fail("%s of %d bytes", what, n)
	}
	p := d.next(int(n), what)
	return string(p)
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad %s", what)
		return 0
	}
	d.off += int64(n)
	return v
}

// ownMatrix reads a matrix as WriteTo writes it.
func (d *decoder) ownMatrix(what string) matrix {
	quant := d.boolean(what + " quantized")
	rows, cols := d.i64(what+" rows"), d.i64(what+" columns")
	if d.err != nil {
		return matrix{}
	}
	if rows < 0 || cols <= 0 || rows > d.left() || cols > d.left() {
		d.fail("%s of %d × %d", what, rows, cols)
		return matrix{}
	}
	if !quant {
		if rows > d.left()/4/cols {
			d.fail("%s of %d × %d floats does not fit in %d bytes", what, rows, cols, d.left())
			return matrix{}
		}
		a := matrix{m: int(rows), n: int(cols), d: make([]float32, rows*cols)}
		d.float32s(a.d, what)
		return a
	}
	q := &quantMatrix{qnorm: d.boolean(what + " qnorm")}
	d.pq(&q.pq, what)
	if d.err == nil && int64(q.pq.dim) != cols {
		d.fail("%s: quantizer for %d dimensions, matrix has %d", what, q.pq.dim, cols)
	}
	if d.err == nil && rows > d.left()/int64(q.pq.nsubq) {
		d.fail("%s: %d × %d codes do not fit", what, rows, q.pq.nsubq)
	}
	if d.err != nil {
		return matrix{}
	}
	q.codes = make([]byte, rows*int64(q.pq.nsubq))
	d.bytes(q.codes, what+" codes")
	if q.qnorm && d.err == nil {
		if rows > d.left() {
			d.fail("%s: norm codes", what)
			return matrix{}
		}
		d.pq(&q.npq, what+" norm")
		q.normCodes = make([]byte, rows)
		d.bytes(q.normCodes, what+" norm codes")
		if d.err == nil && q.npq.dim != 1 {
			d.fail("%s: norm quantizer is %d-dimensional", what, q.npq.dim)
		}
	}
	if d.err != nil {
		return matrix{}
	}
	return matrix{m: int(rows), n: int(cols), q: q}
}
