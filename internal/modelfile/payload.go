package modelfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Buf is an append-only encoder for section payloads. The zero value is an
// empty buffer ready to use. See the package documentation for the wire
// format of each value.
type Buf struct {
	b []byte
}

// Bytes returns the encoded bytes. The slice aliases the buffer until the
// next append.
func (b *Buf) Bytes() []byte { return b.b }

// Len returns the number of bytes encoded so far.
func (b *Buf) Len() int { return len(b.b) }

// Uvarint appends v as an unsigned varint.
func (b *Buf) Uvarint(v uint64) { b.b = binary.AppendUvarint(b.b, v) }

// Varint appends v as a zig-zag signed varint.
func (b *Buf) Varint(v int64) { b.b = binary.AppendVarint(b.b, v) }

// Float64 appends v as 8 bytes of little-endian IEEE 754 bits.
func (b *Buf) Float64(v float64) {
	b.b = binary.LittleEndian.AppendUint64(b.b, math.Float64bits(v))
}

// Float32s appends a uvarint count and then each value as 4 bytes of
// little-endian IEEE 754 bits.
func (b *Buf) Float32s(v []float32) {
	b.Uvarint(uint64(len(v)))
	b.b = slices.Grow(b.b, 4*len(v))
	for _, x := range v {
		b.b = binary.LittleEndian.AppendUint32(b.b, math.Float32bits(x))
	}
}

// Float64s appends a uvarint count and then each value as 8 bytes of
// little-endian IEEE 754 bits.
func (b *Buf) Float64s(v []float64) {
	b.Uvarint(uint64(len(v)))
	b.b = slices.Grow(b.b, 8*len(v))
	for _, x := range v {
		b.b = binary.LittleEndian.AppendUint64(b.b, math.Float64bits(x))
	}
}

// Uint32s appends a uvarint count and then each value as 4 little-endian
// bytes.
func (b *Buf) Uint32s(v []uint32) {
	b.Uvarint(uint64(len(v)))
	b.b = slices.Grow(b.b, 4*len(v))
	for _, x := range v {
		b.b = binary.LittleEndian.AppendUint32(b.b, x)
	}
}

// String appends a uvarint byte length and then the bytes of s.
func (b *Buf) String(s string) {
	b.Uvarint(uint64(len(s)))
	b.b = append(b.b, s...)
}

// Strings appends a uvarint count and then each string as String does.
func (b *Buf) Strings(s []string) {
	b.Uvarint(uint64(len(s)))
	for _, x := range s {
		b.String(x)
	}
}

// Reader decodes section payloads written with Buf. Every read is
// bounds-checked: counts and lengths are compared with the bytes remaining
// before anything is allocated, so a hostile payload cannot make it
// allocate more than the remaining bytes can hold. The first error is kept
// (see Err); after it every method returns a zero value and reads nothing.
// Decoded slices and strings are copies and do not alias the input. An
// empty slice decodes as nil.
//
// Note that Reader's String method decodes a value; a Reader is not a
// fmt.Stringer to be printed.
type Reader struct {
	b   []byte
	off int
	err error
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error met, or nil. It wraps ErrTruncated when the
// data ends early or a count or length exceeds the remaining bytes, and
// ErrMalformed for a varint that overflows 64 bits.
func (r *Reader) Err() error { return r.err }

// Done returns Err(), or, if there was no error, an error wrapping
// ErrMalformed when bytes remain unread.
func (r *Reader) Done() error {
	if r.err != nil {
		return r.err
	}
	if n := r.Len(); n > 0 {
		return fmt.Errorf("%w: %d unread bytes at the end of the payload (offset %d)", ErrMalformed, n, r.off)
	}
	return nil
}

// Len returns the number of unread bytes (0 after an error).
func (r *Reader) Len() int {
	if r.err != nil {
		return 0
	}
	return len(r.b) - r.off
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	switch {
	case n == 0:
		r.err = fmt.Errorf("%w: varint at offset %d runs past the end of the %d-byte payload", ErrTruncated, r.off, len(r.b))
		return 0
	case n < 0:
		r.err = fmt.Errorf("%w: varint at offset %d overflows 64 bits", ErrMalformed, r.off)
		return 0
	}
	r.off += n
	return v
}

// Varint reads a zig-zag signed varint.
func (r *Reader) Varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.off:])
	switch {
	case n == 0:
		r.err = fmt.Errorf("%w: varint at offset %d runs past the end of the %d-byte payload", ErrTruncated, r.off, len(r.b))
		return 0
	case n < 0:
		r.err = fmt.Errorf("%w: varint at offset %d overflows 64 bits", ErrMalformed, r.off)
		return 0
	}
	r.off += n
	return v
}

// Float64 reads 8 bytes of little-endian IEEE 754 bits.
func (r *Reader) Float64() float64 {
	if r.err != nil {
		return 0
	}
	if rem := len(r.b) - r.off; rem < 8 {
		r.err = fmt.Errorf("%w: float64 at offset %d needs 8 bytes, only %d remain", ErrTruncated, r.off, rem)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off:]))
	r.off += 8
	return v
}

// count reads a uvarint count of elements of the given size in bytes and
// checks that they fit in the remaining bytes.
func (r *Reader) count(size int) int {
	start := r.off
	n := r.Uvarint()
	if r.err != nil {
		return 0
	}
	if rem := len(r.b) - r.off; n > uint64(rem/size) {
		if size == 1 {
			r.err = fmt.Errorf("%w: length %d exceeds remaining %d bytes (offset %d)", ErrTruncated, n, rem, start)
		} else {
			r.err = fmt.Errorf("%w: length %d of %d-byte elements exceeds remaining %d bytes (offset %d)",
				ErrTruncated, n, size, rem, start)
		}
		return 0
	}
	return int(n)
}

// Float32s reads a slice written by Buf.Float32s.
func (r *Reader) Float32s() []float32 {
	n := r.count(4)
	if n == 0 {
		return nil
	}
	out := make([]float32, n)
	src := r.b[r.off : r.off+4*n]
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
	r.off += 4 * n
	return out
}

// Float64s reads a slice written by Buf.Float64s.
func (r *Reader) Float64s() []float64 {
	n := r.count(8)
	if n == 0 {
		return nil
	}
	out := make([]float64, n)
	src := r.b[r.off : r.off+8*n]
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
	}
	r.off += 8 * n
	return out
}

// Uint32s reads a slice written by Buf.Uint32s.
func (r *Reader) Uint32s() []uint32 {
	n := r.count(4)
	if n == 0 {
		return nil
	}
	out := make([]uint32, n)
	src := r.b[r.off : r.off+4*n]
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(src[4*i:])
	}
	r.off += 4 * n
	return out
}

// String reads a string written by Buf.String.
func (r *Reader) String() string {
	n := r.count(1)
	if n == 0 {
		return ""
	}
	s := string(r.b[r.off : r.off+n])
	r.off += n
	return s
}

// Strings reads a slice written by Buf.Strings.
func (r *Reader) Strings() []string {
	// Each string takes at least one byte (its length), which bounds the
	// count by the remaining bytes.
	n := r.count(1)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.String()
		if r.err != nil {
			return nil
		}
	}
	return out
}
