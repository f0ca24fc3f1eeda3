package fasttext

import (
	"bytes"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to both readers: fastText's format
// (Decode) and credence's serialization (UnmarshalBinary). They must return
// an error or a model that predicts without panicking.
func FuzzLoad(f *testing.F) {
	f.Add(tinyCredence(f))
	f.Add(readTestdata(f, "tiny.ftz"))
	f.Add(readTestdata(f, "tiny.bin")[:2048])
	texts, labels := synthCorpus(40, 3, 3)
	o := smallOptions()
	o.Dim = 2
	o.WordNgrams = 2
	o.Bucket = 30
	m, err := Train(texts, labels, o)
	if err != nil {
		f.Fatal(err)
	}
	own, _ := m.MarshalBinary()
	f.Add(own)
	q, err := m.Quantize(QuantizeOptions{DSub: 1, QNorm: true})
	if err != nil {
		f.Fatal(err)
	}
	qb, _ := q.MarshalBinary()
	f.Add(qb)
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := Decode(b); err == nil {
			exercise(m)
			var buf bytes.Buffer
			m.WriteTo(&buf)
		}
		m := new(Model)
		if err := m.UnmarshalBinary(b); err == nil {
			exercise(m)
		}
		// the credence serialization is checksummed: also try with a fixed-up checksum
		if len(b) > 16 && bytes.HasPrefix(b, marshalMagic[:]) {
			m := new(Model)
			if err := m.UnmarshalBinary(fixChecksum(b)); err == nil {
				exercise(m)
			}
		}
	})
}
