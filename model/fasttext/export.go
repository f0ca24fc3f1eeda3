package fasttext

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"math"
)

// WriteFastText writes the model in fastText's own .bin format, so that
// the fasttext tools (and any fastText reader) can use it. The input matrix
// is written with all nwords + bucket rows, as fastText stores it: n-gram
// buckets a credence model has no row for are written as zero rows, which
// is exactly how this package treats them, so predictions are unchanged —
// but the file is as large as fastText's (nwords + bucket) × dim floats.
// Quantized models cannot be written in fastText's format.
func (m *Model) WriteFastText(out io.Writer) error {
	if m.in.q != nil || m.out.q != nil || m.ngrams.kind == ngPruned {
		return errors.New("fasttext: WriteFastText: quantized or pruned models are not supported")
	}
	w := bufio.NewWriterSize(out, 1<<16)
	var tmp [8]byte
	i32 := func(v int32) { binary.LittleEndian.PutUint32(tmp[:], uint32(v)); w.Write(tmp[:4]) }
	i64 := func(v int64) { binary.LittleEndian.PutUint64(tmp[:], uint64(v)); w.Write(tmp[:8]) }
	floats := func(v []float32) {
		for _, f := range v {
			binary.LittleEndian.PutUint32(tmp[:], math.Float32bits(f))
			w.Write(tmp[:4])
		}
	}
	i32(fileMagic)
	i32(fileVersion)
	a := &m.args
	for _, v := range []int32{a.dim, a.ws, a.epoch, a.minCount, a.neg, a.wordNgrams, a.loss, a.model, a.bucket, a.minn, a.maxn, a.lrUpdateRate} {
		i32(v)
	}
	i64(int64(math.Float64bits(a.t)))
	dc := &m.dict
	i32(int32(len(dc.words)))
	i32(dc.nwords)
	i32(dc.nlabels)
	i64(dc.ntokens)
	i64(-1)
	for i, s := range dc.words {
		w.WriteString(s)
		w.WriteByte(0)
		i64(dc.counts[i])
		w.WriteByte(byte(dc.types[i]))
	}
	w.WriteByte(0) // dense input
	dim := int(a.dim)
	switch m.ngrams.kind {
	case ngDense:
		i64(int64(m.in.m))
		i64(int64(dim))
		floats(m.in.d)
	case ngSparse:
		rows := int64(dc.nwords) + int64(a.bucket)
		i64(rows)
		i64(int64(dim))
		floats(m.in.d[:int(dc.nwords)*dim])
		zero := make([]float32, dim)
		for b := range a.bucket {
			if r := m.ngrams.row(b); r >= 0 {
				floats(m.in.d[int(r)*dim : int(r)*dim+dim])
			} else {
				floats(zero)
			}
		}
	}
	w.WriteByte(0) // dense output
	i64(int64(m.out.m))
	i64(int64(dim))
	floats(m.out.d)
	return w.Flush()
}
