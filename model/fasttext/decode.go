package fasttext

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// fastText's file signature (FastText::signModel).
const (
	fileMagic   int32 = 793712314
	fileVersion int32 = 12
)

// Loss and model kinds as stored in a fastText file.
const (
	lossHS      int32 = 1
	lossNS      int32 = 2
	lossSoftmax int32 = 3
	lossOVA     int32 = 4

	kindCBOW       int32 = 1
	kindSkipgram   int32 = 2
	kindSupervised int32 = 3
)

// MaxFileSize bounds the files Load accepts (fastText's largest published
// supervised models are a few GB).
const MaxFileSize = 16 << 30

// FormatError describes a file that is not a valid fastText supervised
// model: truncated, corrupted, foreign, or of an unsupported kind.
type FormatError struct {
	Offset int64 // byte offset where the problem was found
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("fasttext model: %s (at byte %d)", e.Msg, e.Offset)
}

// ErrNotSupervised is wrapped by the error for a valid fastText file that
// holds word vectors (cbow, skipgram), not a classifier.
var ErrNotSupervised = errors.New("not a supervised model")

// decoder reads fastText's little-endian binary layout from memory or from
// a file of known size. Every count is checked against the bytes left
// before anything is allocated, so a hostile header cannot make it
// allocate more than the file's size.
type decoder struct {
	b    []byte        // whole input, when decoding from memory
	r    *bufio.Reader // otherwise
	off  int64
	size int64
	err  error
	tmp  [8]byte
	buf  []byte
}

func (d *decoder) fail(format string, a ...any) {
	if d.err == nil {
		d.err = &FormatError{Offset: d.off, Msg: fmt.Sprintf(format, a...)}
	}
}

func (d *decoder) left() int64 { return d.size - d.off }

// next returns the next n bytes (valid until the next call), or nil after
// an error.
func (d *decoder) next(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if int64(n) > d.left() {
		d.fail("truncated: %s needs %d bytes, %d left", what, n, d.left())
		return nil
	}
	if d.b != nil {
		p := d.b[d.off : d.off+int64(n)]
		d.off += int64(n)
		return p
	}
	var p []byte
	if n <= len(d.tmp) {
		p = d.tmp[:n]
	} else {
		if cap(d.buf) < n {
			d.buf = make([]byte, n)
		}
		p = d.buf[:n]
	}
	if _, err := io.ReadFull(d.r, p); err != nil {
		d.fail("read %s: %v", what, err)
		return nil
	}
	d.off += int64(n)
	return p
}

func (d *decoder) i32(what string) int32 {
	p := d.next(4, what)
	if p == nil {
		return 0
	}
	return int32(binary.LittleEndian.Uint32(p))
}

func (d *decoder) i64(what string) int64 {
	p := d.next(8, what)
	if p == nil {
		return 0
	}
	return int64(binary.LittleEndian.Uint64(p))
}

func (d *decoder) f64(what string) float64 {
	p := d.next(8, what)
	if p == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(p))
}

func (d *decoder) u8(what string) byte {
	p := d.next(1, what)
	if p == nil {
		return 0
	}
	return p[0]
}

func (d *decoder) boolean(what string) bool {
	v := d.u8(what)
	if d.err == nil && v > 1 {
		d.fail("%s: bad boolean %d", what, v)
	}
	return v == 1
}

// cstring reads a NUL-terminated string.
func (d *decoder) cstring(what string) string {
	if d.err != nil {
		return ""
	}
	if d.b != nil {
		rest := d.b[d.off:]
		for i, c := range rest {
			if c == 0 {
				s := string(rest[:i])
				d.off += int64(i) + 1
				return s
			}
		}
		d.off = d.size
		d.fail("truncated: %s has no terminating NUL", what)
		return ""
	}
	var out []byte
	for {
		p, err := d.r.ReadSlice(0)
		if int64(len(p)) > d.left() {
			d.fail("truncated: %s has no terminating NUL", what)
			return ""
		}
		d.off += int64(len(p))
		if err == nil {
			if out == nil {
				return string(p[:len(p)-1])
			}
			out = append(out, p[:len(p)-1]...)
			return string(out)
		}
		if err != bufio.ErrBufferFull {
			d.fail("truncated: %s has no terminating NUL (%v)", what, err)
			return ""
		}
		out = append(out, p...)
	}
}

// float32s reads len(dst) little-endian floats.
func (d *decoder) float32s(dst []float32, what string) {
	const chunk = 1 << 14
	for len(dst) > 0 && d.err == nil {
		n := min(len(dst), chunk)
		p := d.next(4*n, what)
		if p == nil {
			return
		}
		for i := range n {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
		}
		dst = dst[n:]
	}
}

func (d *decoder) bytes(dst []byte, what string) {
	const chunk = 1 << 16
	for len(dst) > 0 && d.err == nil {
		n := min(len(dst), chunk)
		p := d.next(n, what)
		if p == nil {
			return
		}
		copy(dst, p)
		dst = dst[n:]
	}
}

// Load reads a fastText supervised model (.bin or .ftz) from a file. The
// file's size is checked first, and every array against the bytes that
// remain, so a bad file gives an error, never a huge allocation.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("load %s: not a regular file", path)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("load %s: %d bytes is more than the %d a model may have", path, st.Size(), int64(MaxFileSize))
	}
	d := &decoder{r: bufio.NewReaderSize(f, 1<<16), size: st.Size()}
	m, err := decodeModel(d)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return m, nil
}

// Decode reads a fastText supervised model (.bin or .ftz) from memory.
func Decode(b []byte) (*Model, error) {
	return decodeModel(&decoder{b: b, size: int64(len(b))})
}

func lossName(l int32) string {
	switch l {
	case lossHS:
		return "hs"
	case lossNS:
		return "ns"
	case lossSoftmax:
		return "softmax"
	case lossOVA:
		return "ova"
	}
	return fmt.Sprintf("unknown(%d)", l)
}

func kindName(k int32) string {
	switch k {
	case kindCBOW:
		return "cbow"
	case kindSkipgram:
		return "skipgram"
	case kindSupervised:
		return "supervised"
	}
	return fmt.Sprintf("unknown(%d)", k)
}

func decodeModel(d *decoder) (*Model, error) {
	if d.size < 8 {
		return nil, &FormatError{Msg: fmt.Sprintf("not a fastText model: %d bytes", d.size)}
	}
	magic := d.i32("magic")
	if d.err == nil && magic != fileMagic {
		return nil, &FormatError{Msg: fmt.Sprintf("not a fastText model (magic %#08x, want %#08x)", uint32(magic), uint32(fileMagic))}
	}
	m := &Model{format: formatFastText, fileSize: d.size}
	m.version = d.i32("version")
	if d.err == nil && (m.version < 11 || m.version > fileVersion) {
		return nil, &FormatError{Offset: 4, Msg: fmt.Sprintf("unsupported fastText file version %d (this reader knows 11 and 12)", m.version)}
	}
	a := &m.args
	a.dim = d.i32("dim")
	a.ws = d.i32("ws")
	a.epoch = d.i32("epoch")
	a.minCount = d.i32("minCount")
	a.neg = d.i32("neg")
	a.wordNgrams = d.i32("wordNgrams")
	a.loss = d.i32("loss")
	a.model = d.i32("model")
	a.bucket = d.i32("bucket")
	a.minn = d.i32("minn")
	a.maxn = d.i32("maxn")
	a.lrUpdateRate = d.i32("lrUpdateRate")
	a.t = d.f64("t")
	if d.err != nil {
		return nil, d.err
	}
	if a.model != kindSupervised {
		if a.model == kindCBOW || a.model == kindSkipgram {
			return nil, fmt.Errorf("fasttext model: %w: it holds %s word vectors, not a classifier", ErrNotSupervised, kindName(a.model))
		}
		d.off = 8 + 7*4
		d.fail("unknown model kind %d", a.model)
		return nil, d.err
	}
	if m.version == 11 {
		a.maxn = 0 // old supervised models had no character n-grams
	}
	switch {
	case a.loss < lossHS || a.loss > lossOVA:
		d.fail("unknown loss %d", a.loss)
	case a.dim <= 0:
		d.fail("dimension %d", a.dim)
	case int64(a.dim)*4 > d.left():
		d.fail("dimension %d is larger than the file", a.dim)
	case a.bucket < 0:
		d.fail("bucket count %d", a.bucket)
	case a.wordNgrams > maxNgram || a.maxn > maxNgram:
		d.fail("wordNgrams %d, maxn %d: this reader accepts n-grams of up to %d words or characters", a.wordNgrams, a.maxn, maxNgram)
	}
	if d.err != nil {
		return nil, d.err
	}
	if err := m.decodeDict(d); err != nil {
		return nil, err
	}
	quantIn := d.boolean("quant_input")
	if d.err != nil {
		return nil, d.err
	}
	m.in = d.matrix(quantIn, "input matrix")
	if d.err != nil {
		return nil, d.err
	}
	if !quantIn && m.ngrams.kind == ngPruned {
		d.fail("pruned dictionary with a dense input matrix (fastText refuses these: issue #332)")
		return nil, d.err
	}
	m.qout = d.boolean("qout")
	m.out = d.matrix(quantIn && m.qout, "output matrix")
	if d.err != nil {
		return nil, d.err
	}
	if d.left() != 0 {
		d.fail("%d unexpected bytes after the output matrix", d.left())
		return nil, d.err
	}
	if err := m.check(); err != nil {
		return nil, &FormatError{Offset: d.off, Msg: err.Error()}
	}
	m.init()
	return m, nil
}

func (m *Model) decodeDict(d *decoder) error {
	dc := &m.dict
	size := d.i32("dictionary size")
	dc.nwords = d.i32("nwords")
	dc.nlabels = d.i32("nlabels")
	dc.ntokens = d.i64("ntokens")
	pruneSize := d.i64("pruneidx_size")
	if d.err != nil {
		return d.err
	}
	switch {
	case size < 0 || dc.nwords < 0 || dc.nlabels < 0 || int64(dc.nwords)+int64(dc.nlabels) != int64(size):
		d.fail("dictionary counts: size %d, nwords %d, nlabels %d", size, dc.nwords, dc.nlabels)
	case dc.nlabels == 0:
		d.fail("no labels: a supervised model needs at least one")
	case int64(size)*10 > d.left(): // each entry takes at least 10 bytes
		d.fail("dictionary of %d entries is larger than the file", size)
	case pruneSize < -1 || pruneSize > d.left()/8:
		d.fail("pruned n-gram index of %d entries", pruneSize)
	}
	if d.err != nil {
		return d.err
	}
	dc.words = make([]string, size)
	dc.counts = make([]int64, size)
	dc.types = make([]int8, size)
	for i := range dc.words {
		dc.words[i] = d.cstring("dictionary word")
		dc.counts[i] = d.i64("word count")
		t := int8(d.u8("entry type"))
		if d.err != nil {
			return d.err
		}
		want := typeWord
		if int32(i) >= dc.nwords {
			want = typeLabel
		}
		if t != want {
			d.fail("entry %d (%q) has type %d, want %d (words first, then labels)", i, dc.words[i], t, want)
			return d.err
		}
		if dc.counts[i] < 0 {
			d.fail("entry %d (%q) has count %d", i, dc.words[i], dc.counts[i])
			return d.err
		}
		dc.types[i] = t
	}
	m.ngrams.nwords = dc.nwords
	m.ngrams.bucket = m.args.bucket
	if pruneSize >= 0 {
		keys := make([]int32, pruneSize)
		vals := make([]int32, pruneSize)
		for i := range keys {
			keys[i] = d.i32("pruneidx bucket")
			vals[i] = d.i32("pruneidx row")
			if d.err != nil {
				return d.err
			}
			if keys[i] < 0 || keys[i] >= m.args.bucket || vals[i] < 0 {
				d.fail("pruneidx entry %d maps bucket %d to row %d (bucket count %d)", i, keys[i], vals[i], m.args.bucket)
				return d.err
			}
		}
		m.ngrams.setPruned(keys, vals)
	}
	return d.err
}

// matrix reads a DenseMatrix or a QuantMatrix.
func (d *decoder) matrix(quant bool, what string) matrix {
	if !quant {
		rows := d.i64(what + " rows")
		cols := d.i64(what + " columns")
		if d.err != nil {
			return matrix{}
		}
		if rows < 0 || cols <= 0 || cols > d.left() || rows > d.left()/4/cols {
			d.fail("%s of %d × %d floats does not fit in the %d bytes left", what, rows, cols, d.left())
			return matrix{}
		}
		a := matrix{m: int(rows), n: int(cols), d: make([]float32, rows*cols)}
		d.float32s(a.d, what)
		return a
	}
	q := &quantMatrix{}
	q.qnorm = d.boolean(what + " qnorm")
	rows := d.i64(what + " rows")
	cols := d.i64(what + " columns")
	codesize := d.i32(what + " code size")
	if d.err != nil {
		return matrix{}
	}
	if rows < 0 || cols <= 0 || rows > d.left() || cols > d.left() || codesize < 0 || int64(codesize) > d.left() {
		d.fail("%s: %d rows, %d columns, %d bytes of codes do not fit in the %d bytes left", what, rows, cols, codesize, d.left())
		return matrix{}
	}
	q.codes = make([]byte, codesize)
	d.bytes(q.codes, what+" codes")
	d.pq(&q.pq, what)
	if d.err != nil {
		return matrix{}
	}
	p := &q.pq
	if int64(p.dim) != cols || int64(codesize) != rows*int64(p.nsubq) {
		d.fail("%s: quantizer for %d dimensions × %d sub-quantizers does not match %d × %d with %d codes", what, p.dim, p.nsubq, rows, cols, codesize)
		return matrix{}
	}
	if q.qnorm {
		if rows > d.left() {
			d.fail("%s: %d norm codes do not fit", what, rows)
			return matrix{}
		}
		q.normCodes = make([]byte, rows)
		d.bytes(q.normCodes, what+" norm codes")
		d.pq(&q.npq, what+" norm")
		if d.err == nil && (q.npq.dim != 1 || q.npq.nsubq != 1 || q.npq.dsub != 1 || q.npq.lastdsub != 1) {
			d.fail("%s: norm quantizer is %d-dimensional, want 1", what, q.npq.dim)
		}
	}
	if d.err != nil {
		return matrix{}
	}
	return matrix{m: int(rows), n: int(cols), q: q}
}

// pq reads a ProductQuantizer and checks that its geometry is consistent.
func (d *decoder) pq(p *productQuantizer, what string) {
	dim := d.i32(what + " quantizer dim")
	nsubq := d.i32(what + " quantizer nsubq")
	dsub := d.i32(what + " quantizer dsub")
	lastdsub := d.i32(what + " quantizer lastdsub")
	if d.err != nil {
		return
	}
	if dim <= 0 || dsub <= 0 || int64(dim)*ksub*4 > d.left() {
		d.fail("%s quantizer: dim %d, dsub %d (with %d bytes left)", what, dim, dsub, d.left())
		return
	}
	wantN := (dim + dsub - 1) / dsub
	wantLast := dim % dsub
	if wantLast == 0 {
		wantLast = dsub
	}
	if nsubq != wantN || lastdsub != wantLast {
		d.fail("%s quantizer: nsubq %d and lastdsub %d do not fit dim %d, dsub %d", what, nsubq, lastdsub, dim, dsub)
		return
	}
	*p = productQuantizer{dim: int(dim), nsubq: int(nsubq), dsub: int(dsub), lastdsub: int(lastdsub)}
	p.centroids = make([]float32, int(dim)*ksub)
	d.float32s(p.centroids, what+" centroids")
}
