package modelfile_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/credence-news/credence/internal/modelfile"
)

// FuzzRead checks that Decode never panics on arbitrary bytes, that every
// error wraps a sentinel, and that a successful decode re-encodes to the
// identical bytes (the format is canonical).
func FuzzRead(f *testing.F) {
	f.Add([]byte{})
	f.Add(encode(f, nil))
	f.Add(encode(f, sampleSections()))
	f.Add(encode(f, []modelfile.Section{{Tag: "META", Data: []byte("{}")}}))
	f.Add(build(2, 0, 0))
	f.Add(build(1, 1, 0))
	f.Add(build(1, 0, 2, sec("META", 0, nil), sec("META", 0, nil)))
	f.Add(build(1, 0, 1, sec("WGHT", 1<<63, nil)))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	f.Add([]byte("\xba\x16\x4f\x2f\x0c\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
		// Random bytes almost never carry a valid SHA-256, so also try the
		// input with its last 32 bytes replaced by the right checksum: that
		// lets the fuzzer reach the checks made after the checksum.
		if len(b) >= sha256.Size {
			fixed := bytes.Clone(b)
			body := fixed[:len(fixed)-sha256.Size]
			sum := sha256.Sum256(body)
			copy(fixed[len(body):], sum[:])
			checkDecode(t, fixed)
		}
	})
}

func checkDecode(t *testing.T, b []byte) {
	file, err := modelfile.Decode(b)
	if err != nil {
		for _, sentinel := range []error{modelfile.ErrNotModel, modelfile.ErrTruncated,
			modelfile.ErrChecksum, modelfile.ErrVersion, modelfile.ErrMalformed} {
			if errors.Is(err, sentinel) {
				return
			}
		}
		t.Fatalf("error wraps no sentinel: %v", err)
	}
	if file.Version != modelfile.Version {
		t.Fatalf("Version = %d", file.Version)
	}
	var buf bytes.Buffer
	if err := modelfile.Encode(&buf, file.Sections); err != nil {
		t.Fatalf("re-encoding a decoded file: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), b) {
		t.Fatalf("re-encoding changed the bytes:\n in  %x\n out %x", b, buf.Bytes())
	}
}

// FuzzPayloadReader drives a payload Reader over arbitrary bytes with an arbitrary
// sequence of calls; it must never panic or over-allocate.
func FuzzPayloadReader(f *testing.F) {
	f.Add(samplePayload().encode(), []byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, []byte{3})
	f.Add([]byte{0x05, 'h', 'e', 'l', 'l', 'o'}, []byte{6, 8, 0})
	f.Add([]byte{0x02, 0x01, 'a', 0x00}, []byte{7, 8})
	f.Fuzz(func(t *testing.T, data, ops []byte) {
		readOps(t, data, ops)
	})
}
