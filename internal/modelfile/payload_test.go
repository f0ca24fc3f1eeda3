package modelfile_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/credence-news/credence/internal/modelfile"
)

type payload struct {
	u   []uint64
	v   []int64
	f   float64
	f32 []float32
	f64 []float64
	u32 []uint32
	s   string
	ss  []string
}

func samplePayload() payload {
	return payload{
		u:   []uint64{0, 1, 127, 128, 300, math.MaxUint32, math.MaxUint64},
		v:   []int64{0, -1, 1, -64, 64, math.MinInt64, math.MaxInt64},
		f:   -0.0625,
		f32: []float32{0, -0, 1.5, -2.25, math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Inf(-1)), float32(math.NaN())},
		f64: []float64{0, 1e-300, -1e300, math.Inf(1), math.Pi},
		u32: []uint32{0, 1, 0xdeadbeef, math.MaxUint32},
		s:   "Fake news — « désinformation » 🗞",
		ss:  []string{"", "a", strings.Repeat("x", 300), "ünïcödé"},
	}
}

func (p payload) encode() []byte {
	var b modelfile.Buf
	for _, x := range p.u {
		b.Uvarint(x)
	}
	for _, x := range p.v {
		b.Varint(x)
	}
	b.Float64(p.f)
	b.Float32s(p.f32)
	b.Float64s(p.f64)
	b.Uint32s(p.u32)
	b.String(p.s)
	b.Strings(p.ss)
	b.Float32s(nil)
	b.Strings([]string{})
	b.String("")
	return b.Bytes()
}

// decodePayload reads what encode wrote, shaped like want.
func decodePayload(r *modelfile.Reader, want payload) payload {
	var p payload
	for range want.u {
		p.u = append(p.u, r.Uvarint())
	}
	for range want.v {
		p.v = append(p.v, r.Varint())
	}
	p.f = r.Float64()
	p.f32 = r.Float32s()
	p.f64 = r.Float64s()
	p.u32 = r.Uint32s()
	p.s = r.String()
	p.ss = r.Strings()
	if r.Float32s() != nil || r.Strings() != nil || r.String() != "" {
		p.s = "unexpected non-empty value"
	}
	return p
}

func f32bits(v []float32) []uint32 {
	var out []uint32
	for _, x := range v {
		out = append(out, math.Float32bits(x))
	}
	return out
}

func f64bits(v []float64) []uint64 {
	var out []uint64
	for _, x := range v {
		out = append(out, math.Float64bits(x))
	}
	return out
}

func TestBufReaderRoundTrip(t *testing.T) {
	want := samplePayload()
	data := want.encode()
	r := modelfile.NewReader(data)
	got := decodePayload(r, want)
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.u, want.u) || !reflect.DeepEqual(got.v, want.v) {
		t.Errorf("varints = %v %v, want %v %v", got.u, got.v, want.u, want.v)
	}
	if math.Float64bits(got.f) != math.Float64bits(want.f) {
		t.Errorf("float64 = %v, want %v", got.f, want.f)
	}
	// Compare bits so that NaN and -0 must survive exactly.
	if !reflect.DeepEqual(f32bits(got.f32), f32bits(want.f32)) {
		t.Errorf("float32s = %v, want %v", got.f32, want.f32)
	}
	if !reflect.DeepEqual(f64bits(got.f64), f64bits(want.f64)) {
		t.Errorf("float64s = %v, want %v", got.f64, want.f64)
	}
	if !reflect.DeepEqual(got.u32, want.u32) {
		t.Errorf("uint32s = %v, want %v", got.u32, want.u32)
	}
	if got.s != want.s || !reflect.DeepEqual(got.ss, want.ss) {
		t.Errorf("strings = %q %q, want %q %q", got.s, got.ss, want.s, want.ss)
	}

	// Decoded values are copies: changing the input leaves them alone.
	s := got.ss[2]
	for i := range data {
		data[i] = 0
	}
	if s != strings.Repeat("x", 300) {
		t.Error("decoded string aliases the input")
	}
}

func TestBufLayout(t *testing.T) {
	var b modelfile.Buf
	b.Float32s([]float32{1})
	b.Uint32s([]uint32{0x01020304})
	b.Float64s([]float64{1})
	b.String("ab")
	want := "\x01\x00\x00\x80\x3f" + "\x01\x04\x03\x02\x01" + "\x01\x00\x00\x00\x00\x00\x00\xf0\x3f" + "\x02ab"
	if string(b.Bytes()) != want || b.Len() != len(want) {
		t.Errorf("encoded %q, want %q", b.Bytes(), want)
	}
}

func TestReaderEveryTruncation(t *testing.T) {
	want := samplePayload()
	data := want.encode()
	for n := range len(data) {
		r := modelfile.NewReader(data[:n:n])
		decodePayload(r, want)
		err := r.Err()
		if !errors.Is(err, modelfile.ErrTruncated) {
			t.Fatalf("prefix of %d/%d bytes: Err() = %v, want ErrTruncated", n, len(data), err)
		}
		if r.Done() != err {
			t.Errorf("Done() = %v, want Err() = %v", r.Done(), err)
		}
	}
}

func TestReaderStickyError(t *testing.T) {
	var b modelfile.Buf
	b.Uvarint(1 << 40) // a count far beyond the data
	b.Uvarint(5)
	b.String("hello")
	r := modelfile.NewReader(b.Bytes())
	if got := r.Float32s(); got != nil {
		t.Errorf("Float32s = %v", got)
	}
	err := r.Err()
	wantErr(t, err, modelfile.ErrTruncated, "length 1099511627776 of 4-byte elements exceeds remaining")
	// Everything after the error is a zero value, even readable data.
	if r.Uvarint() != 0 || r.Varint() != 0 || r.Float64() != 0 || r.String() != "" ||
		r.Strings() != nil || r.Float64s() != nil || r.Uint32s() != nil || r.Float32s() != nil || r.Len() != 0 {
		t.Error("a method returned a value after an error")
	}
	if r.Err() != err || r.Done() != err {
		t.Error("the first error was replaced")
	}
}

func TestReaderLengthExceeds(t *testing.T) {
	read := map[string]func(*modelfile.Reader){
		"Float32s": func(r *modelfile.Reader) { r.Float32s() },
		"Float64s": func(r *modelfile.Reader) { r.Float64s() },
		"Uint32s":  func(r *modelfile.Reader) { r.Uint32s() },
		"String":   func(r *modelfile.Reader) { _ = r.String() },
		"Strings":  func(r *modelfile.Reader) { r.Strings() },
	}
	for name, f := range read {
		for _, n := range []uint64{1 << 62, math.MaxUint64, 1 << 31, 5} {
			var b modelfile.Buf
			b.Uvarint(n)
			b.Uint32s([]uint32{1}) // 5 more bytes, never enough for n elements
			r := modelfile.NewReader(b.Bytes())
			alloc := allocated(func() { f(r) })
			if n == 5 && (name == "String" || name == "Strings") {
				continue // 5 bytes do hold 5 single bytes
			}
			wantErr(t, r.Err(), modelfile.ErrTruncated, "exceeds remaining 5 bytes")
			if alloc > 1<<12 {
				t.Errorf("%s with count %d allocated %d bytes", name, n, alloc)
			}
		}
	}
}

func TestReaderVarintErrors(t *testing.T) {
	overflow := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}
	r := modelfile.NewReader(overflow)
	r.Uvarint()
	wantErr(t, r.Err(), modelfile.ErrMalformed, "overflows")
	r = modelfile.NewReader(overflow)
	r.Varint()
	wantErr(t, r.Err(), modelfile.ErrMalformed, "overflows")

	r = modelfile.NewReader([]byte{0x80, 0x80})
	r.Uvarint()
	wantErr(t, r.Err(), modelfile.ErrTruncated, "past the end")
	r = modelfile.NewReader(nil)
	r.Varint()
	wantErr(t, r.Err(), modelfile.ErrTruncated, "")
	r = modelfile.NewReader([]byte{1, 2, 3})
	r.Float64()
	wantErr(t, r.Err(), modelfile.ErrTruncated, "needs 8 bytes")
}

func TestReaderDone(t *testing.T) {
	var b modelfile.Buf
	b.Uvarint(7)
	b.String("left over")
	r := modelfile.NewReader(b.Bytes())
	if r.Uvarint() != 7 {
		t.Fatal("wrong value")
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	wantErr(t, r.Done(), modelfile.ErrMalformed, "10 unread bytes")
	if r.String() != "left over" {
		t.Fatal("wrong string")
	}
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
	if err := modelfile.NewReader(nil).Done(); err != nil {
		t.Fatal(err)
	}
}

// readOps drives a Reader with a sequence of calls chosen by ops and checks
// the invariants that hold for any input. It is shared with FuzzPayloadReader.
func readOps(t testing.TB, data, ops []byte) {
	r := modelfile.NewReader(data)
	failed := false
	for _, op := range ops {
		before := r.Len()
		var n int // elements returned
		var nonzero bool
		switch op % 9 {
		case 0:
			nonzero = r.Uvarint() != 0
		case 1:
			nonzero = r.Varint() != 0
		case 2:
			nonzero = r.Float64() != 0
		case 3:
			v := r.Float32s()
			n, nonzero = len(v), v != nil
			if 4*n > before {
				t.Fatalf("Float32s returned %d values from %d bytes", n, before)
			}
		case 4:
			v := r.Float64s()
			n, nonzero = len(v), v != nil
			if 8*n > before {
				t.Fatalf("Float64s returned %d values from %d bytes", n, before)
			}
		case 5:
			v := r.Uint32s()
			n, nonzero = len(v), v != nil
			if 4*n > before {
				t.Fatalf("Uint32s returned %d values from %d bytes", n, before)
			}
		case 6:
			v := r.String()
			n, nonzero = len(v), v != ""
			if n > before {
				t.Fatalf("String returned %d bytes from %d", n, before)
			}
		case 7:
			v := r.Strings()
			n, nonzero = len(v), v != nil
			if n > before {
				t.Fatalf("Strings returned %d strings from %d bytes", n, before)
			}
		case 8:
			if err := r.Done(); (err == nil) != (r.Err() == nil && r.Len() == 0) {
				t.Fatalf("Done() = %v with Err() = %v and %d bytes left", err, r.Err(), r.Len())
			}
		}
		if r.Len() > before {
			t.Fatalf("op %d: remaining grew from %d to %d", op%9, before, r.Len())
		}
		if failed && nonzero {
			t.Fatalf("op %d returned a value after the error %v", op%9, r.Err())
		}
		if r.Err() != nil {
			if !errors.Is(r.Err(), modelfile.ErrTruncated) && !errors.Is(r.Err(), modelfile.ErrMalformed) {
				t.Fatalf("unexpected error kind: %v", r.Err())
			}
			failed = true
		}
	}
}

func TestReaderRandomInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		data := make([]byte, rng.IntN(64))
		for i := range data {
			data[i] = byte(rng.Uint32())
			if rng.IntN(4) == 0 {
				data[i] &= 0x07 // small counts, so some reads succeed
			}
		}
		ops := make([]byte, rng.IntN(16))
		for i := range ops {
			ops[i] = byte(rng.Uint32())
		}
		readOps(t, data, ops)
	}
}
