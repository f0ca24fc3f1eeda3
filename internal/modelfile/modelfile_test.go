package modelfile_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/credence-news/credence/internal/modelfile"
)

func sampleSections() []modelfile.Section {
	var w modelfile.Buf
	w.Float32s([]float32{0.5, -1.25, 3})
	w.Float64(0.125)
	var v modelfile.Buf
	v.Strings([]string{"fake", "news", "élection"})
	return []modelfile.Section{
		{Tag: "META", Data: []byte(`{"kind":"linear","labels":["fake","real"]}`)},
		{Tag: "VOCB", Data: v.Bytes()},
		{Tag: "EMPT", Data: nil},
		{Tag: "WGHT", Data: w.Bytes()},
	}
}

func encode(t testing.TB, sections []modelfile.Section) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := modelfile.Encode(&buf, sections); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

// build assembles a file by hand: header, raw body, and a correct checksum.
func build(version, flags uint16, count uint32, body ...[]byte) []byte {
	b := []byte("CREDENCE")
	b = binary.LittleEndian.AppendUint16(b, version)
	b = binary.LittleEndian.AppendUint16(b, flags)
	b = binary.LittleEndian.AppendUint32(b, count)
	for _, p := range body {
		b = append(b, p...)
	}
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// sec encodes one raw section with the given declared length.
func sec(tag string, length uint64, data []byte) []byte {
	b := append([]byte(nil), tag...)
	b = binary.LittleEndian.AppendUint64(b, length)
	return append(b, data...)
}

func wantErr(t *testing.T, err, target error, contains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", target)
	}
	if !errors.Is(err, target) {
		t.Fatalf("error %q does not wrap %q", err, target)
	}
	if contains != "" && !strings.Contains(err.Error(), contains) {
		t.Fatalf("error %q does not mention %q", err, contains)
	}
}

func sameSections(t *testing.T, got, want []modelfile.Section) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d sections, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Tag != want[i].Tag || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Errorf("section %d = %q %q, want %q %q", i, got[i].Tag, got[i].Data, want[i].Tag, want[i].Data)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	sections := sampleSections()
	b := encode(t, sections)
	wantSize := 16 + 32
	for _, s := range sections {
		wantSize += 12 + len(s.Data)
	}
	if len(b) != wantSize {
		t.Errorf("encoded size %d, want %d", len(b), wantSize)
	}
	if !bytes.HasPrefix(b, []byte("CREDENCE\x01\x00\x00\x00\x04\x00\x00\x00")) {
		t.Errorf("header = %q", b[:16])
	}
	f, err := modelfile.Decode(b)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if f.Version != modelfile.Version {
		t.Errorf("Version = %d, want %d", f.Version, modelfile.Version)
	}
	sameSections(t, f.Sections, sections)

	if d, ok := f.Section("META"); !ok || string(d) != string(sections[0].Data) {
		t.Errorf("Section(META) = %q, %v", d, ok)
	}
	if d, ok := f.Section("EMPT"); !ok || len(d) != 0 {
		t.Errorf("Section(EMPT) = %q, %v", d, ok)
	}
	if _, ok := f.Section("NONE"); ok {
		t.Error("Section(NONE) found")
	}
	if d, err := f.Require("WGHT"); err != nil || !bytes.Equal(d, sections[3].Data) {
		t.Errorf("Require(WGHT) = %q, %v", d, err)
	}
	if _, err := f.Require("BIAS"); err == nil || err.Error() != "model file has no BIAS section" {
		t.Errorf("Require(BIAS) error = %v", err)
	}

	// Payloads alias the input but cannot be appended into their neighbours.
	meta, _ := f.Section("META")
	_ = append(meta, "XXXX"...)
	if again, err := modelfile.Decode(b); err != nil {
		t.Errorf("append to a payload overwrote the file image: %v", err)
	} else {
		sameSections(t, again.Sections, sections)
	}

	// Decoded payloads go through the payload reader.
	r := modelfile.NewReader(f.Sections[1].Data)
	if got := r.Strings(); strings.Join(got, ",") != "fake,news,élection" {
		t.Errorf("VOCB strings = %q", got)
	}
	if err := r.Done(); err != nil {
		t.Error(err)
	}
}

func TestRoundTripNoSections(t *testing.T) {
	for _, sections := range [][]modelfile.Section{nil, {}} {
		b := encode(t, sections)
		if len(b) != 48 {
			t.Errorf("empty container is %d bytes, want 48", len(b))
		}
		f, err := modelfile.Decode(b)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if len(f.Sections) != 0 {
			t.Errorf("got %d sections", len(f.Sections))
		}
		if _, ok := f.Section("META"); ok {
			t.Error("found a section in an empty file")
		}
	}
	var nilFile *modelfile.File
	if _, ok := nilFile.Section("META"); ok {
		t.Error("nil File has a section")
	}
}

func TestRoundTripSingleEmptySection(t *testing.T) {
	sections := []modelfile.Section{{Tag: "NONE", Data: []byte{}}}
	f, err := modelfile.Decode(encode(t, sections))
	if err != nil {
		t.Fatal(err)
	}
	sameSections(t, f.Sections, sections)
}

func TestDecodeEmpty(t *testing.T) {
	_, err := modelfile.Decode(nil)
	wantErr(t, err, modelfile.ErrTruncated, "empty")
	_, err = modelfile.Decode([]byte{})
	wantErr(t, err, modelfile.ErrTruncated, "empty")
}

func TestDecodeForeign(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa")
	cases := map[string][]byte{
		"png":   png,
		"text":  []byte("this is a plain text file, not a model\n"),
		"json":  []byte(`{"weights":[1,2,3]}`),
		"gzip":  {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3},
		"short": []byte("CRX"),
		"case":  []byte("credence\x01\x00\x00\x00\x00\x00\x00\x00"),
		"one":   {0},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := modelfile.Decode(b)
			wantErr(t, err, modelfile.ErrNotModel, "starts with")
			if errors.Is(err, modelfile.ErrTruncated) {
				t.Errorf("foreign file reported as truncated: %v", err)
			}
		})
	}
	_, err := modelfile.Decode(png)
	wantErr(t, err, modelfile.ErrNotModel, `"\x89PNG\r\n\x1a\n"`)
}

func TestDecodeMagicPrefix(t *testing.T) {
	for n := 1; n < 8; n++ {
		_, err := modelfile.Decode([]byte("CREDENCE"[:n]))
		wantErr(t, err, modelfile.ErrTruncated, "")
	}
}

func TestDecodeFastText(t *testing.T) {
	b := binary.LittleEndian.AppendUint32(nil, 793712314) // fastText magic
	b = binary.LittleEndian.AppendUint32(b, 12)           // fastText version
	b = append(b, make([]byte, 100)...)
	_, err := modelfile.Decode(b)
	wantErr(t, err, modelfile.ErrNotModel, "looks like a fastText model")
	// The magic alone is enough to recognise it.
	_, err = modelfile.Decode(b[:4])
	wantErr(t, err, modelfile.ErrNotModel, "looks like a fastText model")
}

func TestDecodeEveryTruncation(t *testing.T) {
	b := encode(t, sampleSections())
	for n := range len(b) {
		_, err := modelfile.Decode(b[:n:n])
		if err == nil {
			t.Fatalf("prefix of %d/%d bytes decoded successfully", n, len(b))
		}
		if !errors.Is(err, modelfile.ErrTruncated) {
			t.Errorf("prefix of %d/%d bytes: %v, want ErrTruncated", n, len(b), err)
		}
	}
	if _, err := modelfile.Decode(b); err != nil {
		t.Fatalf("full file: %v", err)
	}
}

func TestDecodeBitFlips(t *testing.T) {
	b := encode(t, sampleSections())
	for i := range len(b) {
		for bit := range 8 {
			c := bytes.Clone(b)
			c[i] ^= 1 << bit
			_, err := modelfile.Decode(c)
			if err == nil {
				t.Fatalf("flipping bit %d of byte %d went unnoticed", bit, i)
			}
			switch {
			case i < 8: // magic
				wantErr(t, err, modelfile.ErrNotModel, "")
			case i < 12: // version, flags
				wantErr(t, err, modelfile.ErrVersion, "")
			case i < 16 || isHeaderByte(b, i):
				// A changed count or length may look like truncation.
			default: // payload or checksum
				wantErr(t, err, modelfile.ErrChecksum, "")
			}
		}
	}
}

// isHeaderByte reports whether offset i of the sample file lies in a
// section header (where a flip may instead look like truncation).
func isHeaderByte(b []byte, i int) bool {
	off := 16
	for range binary.LittleEndian.Uint32(b[12:]) {
		if i >= off && i < off+12 {
			return true
		}
		off += 12 + int(binary.LittleEndian.Uint64(b[off+4:]))
	}
	return false
}

func TestDecodeVersion(t *testing.T) {
	body := sec("META", 2, []byte("{}"))
	for _, v := range []uint16{0, 2, 3, math.MaxUint16} {
		b := build(v, 0, 1, body)
		_, err := modelfile.Decode(b)
		wantErr(t, err, modelfile.ErrVersion, "")
		if v == 2 {
			wantErr(t, err, modelfile.ErrVersion, "format version 2, this build reads version 1")
			wantErr(t, err, modelfile.ErrVersion, "newer")
		}
		if v == 0 {
			wantErr(t, err, modelfile.ErrVersion, "format version 0, this build reads version 1")
		}
	}
	// The same file with version 1 is fine, so only the version was wrong.
	if _, err := modelfile.Decode(build(1, 0, 1, body)); err != nil {
		t.Fatal(err)
	}
	// A version-2 file is reported as such even when its layout differs.
	_, err := modelfile.Decode([]byte("CREDENCE\x02\x00"))
	wantErr(t, err, modelfile.ErrVersion, "")
}

func TestDecodeUnknownFlags(t *testing.T) {
	for _, flags := range []uint16{1, 2, 0x8000, 0xffff} {
		_, err := modelfile.Decode(build(1, flags, 0))
		wantErr(t, err, modelfile.ErrVersion, "flags")
	}
}

func TestDecodeDuplicateTags(t *testing.T) {
	b := build(1, 0, 3, sec("META", 1, []byte("a")), sec("WGHT", 0, nil), sec("META", 1, []byte("b")))
	_, err := modelfile.Decode(b)
	wantErr(t, err, modelfile.ErrMalformed, `duplicate section tag "META"`)
}

func TestDecodeBadTags(t *testing.T) {
	for _, tag := range []string{"ME\x00A", "ME A", "\xc3\xa9TA", "ME\x7fA", "\xff\xff\xff\xff"} {
		_, err := modelfile.Decode(build(1, 0, 1, sec(tag, 0, nil)))
		wantErr(t, err, modelfile.ErrMalformed, "not printable ASCII")
	}
}

func TestDecodeTrailingData(t *testing.T) {
	b := append(encode(t, sampleSections()), "extra"...)
	_, err := modelfile.Decode(b)
	wantErr(t, err, modelfile.ErrMalformed, "5 unexpected bytes after the checksum")
}

func TestDecodeCountMismatch(t *testing.T) {
	// Fewer sections declared than present: the checksum is read from the
	// wrong place.
	b := build(1, 0, 1, sec("META", 0, nil), sec("WGHT", 0, nil))
	_, err := modelfile.Decode(b)
	if err == nil {
		t.Fatal("decoded a file whose count is too small")
	}
	// More sections declared than present.
	b = build(1, 0, 5, sec("META", 0, nil), sec("WGHT", 0, nil))
	_, err = modelfile.Decode(b)
	wantErr(t, err, modelfile.ErrTruncated, "")
}

// allocated returns the bytes allocated while running f.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestDecodeHugeSectionLength(t *testing.T) {
	for _, n := range []uint64{1 << 63, math.MaxUint64, 1 << 32, 1000} {
		b := build(1, 0, 1, sec("WGHT", n, []byte("only a few bytes")))
		var err error
		start := time.Now()
		alloc := allocated(func() { _, err = modelfile.Decode(b) })
		wantErr(t, err, modelfile.ErrTruncated, "declares")
		if alloc > 1<<16 {
			t.Errorf("length %d: Decode allocated %d bytes", n, alloc)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("length %d: Decode took %v", n, d)
		}
	}
}

func TestDecodeHugeSectionCount(t *testing.T) {
	b := build(1, 0, math.MaxUint32, sec("META", 0, nil))
	var err error
	alloc := allocated(func() { _, err = modelfile.Decode(b) })
	wantErr(t, err, modelfile.ErrTruncated, "4294967295 sections")
	if alloc > 1<<16 {
		t.Errorf("Decode allocated %d bytes", alloc)
	}

	// A count that fits in the bytes but exceeds MaxSections.
	n := modelfile.MaxSections + 1
	body := make([]byte, 0, 12*n)
	for i := range n {
		body = append(body, sec(tagFor(i), 0, nil)...)
	}
	_, err = modelfile.Decode(build(1, 0, uint32(n), body))
	wantErr(t, err, modelfile.ErrMalformed, "limit")
}

// tagFor returns a distinct printable tag for i < 94^4.
func tagFor(i int) string {
	var t [4]byte
	for j := range t {
		t[j] = byte(0x21 + i%94)
		i /= 94
	}
	return string(t[:])
}

func TestMaxSections(t *testing.T) {
	sections := make([]modelfile.Section, modelfile.MaxSections)
	for i := range sections {
		sections[i].Tag = tagFor(i)
	}
	f, err := modelfile.Decode(encode(t, sections))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Sections) != modelfile.MaxSections {
		t.Fatalf("got %d sections", len(f.Sections))
	}
	sections = append(sections, modelfile.Section{Tag: tagFor(modelfile.MaxSections)})
	if err := modelfile.Encode(&bytes.Buffer{}, sections); err == nil {
		t.Fatal("encoded more than MaxSections sections")
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := map[string][]modelfile.Section{
		"empty tag":  {{Tag: ""}},
		"short tag":  {{Tag: "ABC"}},
		"long tag":   {{Tag: "ABCDE"}},
		"space":      {{Tag: "AB D"}},
		"nul":        {{Tag: "AB\x00D"}},
		"non-ascii":  {{Tag: "éTA"}},
		"duplicates": {{Tag: "META"}, {Tag: "WGHT"}, {Tag: "META"}},
		"late bad":   {{Tag: "META"}, {Tag: "WGHT", Data: []byte("x")}, {Tag: "bad"}},
	}
	for name, sections := range cases {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := modelfile.Encode(&buf, sections); err == nil {
				t.Fatal("no error")
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

type failWriter struct{ left int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, errDiskFull
	}
	w.left -= len(p)
	return len(p), nil
}

func TestEncodeWriteError(t *testing.T) {
	size := len(encode(t, sampleSections()))
	for n := range size {
		err := modelfile.Encode(&failWriter{left: n}, sampleSections())
		if !errors.Is(err, errDiskFull) {
			t.Fatalf("writer failing after %d bytes: %v", n, err)
		}
	}
	if err := modelfile.Encode(&failWriter{left: size}, sampleSections()); err != nil {
		t.Fatal(err)
	}
}

func TestWriteFileReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.bin")
	sections := sampleSections()
	if err := modelfile.WriteFile(path, sections); err != nil {
		t.Fatal(err)
	}
	f, err := modelfile.ReadFile(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameSections(t, f.Sections, sections)

	// Overwrite with different content.
	sections = sections[:1]
	if err := modelfile.WriteFile(path, sections); err != nil {
		t.Fatal(err)
	}
	f, err = modelfile.ReadFile(path, -1)
	if err != nil {
		t.Fatal(err)
	}
	sameSections(t, f.Sections, sections)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, encode(t, sections)) {
		t.Error("WriteFile and Encode disagree")
	}
}

func TestWriteFileKeepsOldFileOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.bin")
	if err := modelfile.WriteFile(path, sampleSections()); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := append(sampleSections(), modelfile.Section{Tag: "BAD!!", Data: make([]byte, 1<<20)})
	if err := modelfile.WriteFile(path, bad); err == nil {
		t.Fatal("WriteFile accepted a bad tag")
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	now, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(now, old) {
		t.Fatal("the old file was changed by a failed write")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only model.bin", names)
	}

	// A failed write where no file existed creates nothing.
	fresh := filepath.Join(dir, "fresh.bin")
	if err := modelfile.WriteFile(fresh, bad); err == nil {
		t.Fatal("WriteFile accepted a bad tag")
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("failed write left %s: %v", fresh, err)
	}
}

func TestReadFileMaxSize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.bin")
	if err := modelfile.WriteFile(path, sampleSections()); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = modelfile.ReadFile(path, st.Size()-1)
	wantErr(t, err, modelfile.ErrTooLarge, path)
	if _, err := modelfile.ReadFile(path, st.Size()); err != nil {
		t.Errorf("file of exactly maxSize bytes: %v", err)
	}

	// The size check comes before reading: a large sparse file of garbage
	// is refused as too large, not parsed.
	big := filepath.Join(dir, "big.bin")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var rerr error
	alloc := allocated(func() { _, rerr = modelfile.ReadFile(big, 1<<20) })
	wantErr(t, rerr, modelfile.ErrTooLarge, "67108864 bytes")
	if alloc > 1<<20 {
		t.Errorf("refusing a large file allocated %d bytes", alloc)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := modelfile.ReadFile(filepath.Join(dir, "missing.bin"), 0)
	wantErr(t, err, fs.ErrNotExist, "missing.bin")

	_, err = modelfile.ReadFile(dir, 0)
	if err == nil {
		t.Error("read a directory")
	}

	empty := filepath.Join(dir, "empty.bin")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = modelfile.ReadFile(empty, 0)
	wantErr(t, err, modelfile.ErrTruncated, "empty.bin")

	corrupt := filepath.Join(dir, "corrupt.bin")
	b := encode(t, sampleSections())
	b[16+12+3] ^= 0x40 // inside the META payload
	if err := os.WriteFile(corrupt, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = modelfile.ReadFile(corrupt, 0)
	wantErr(t, err, modelfile.ErrChecksum, "corrupt.bin")
}

func BenchmarkDecode(b *testing.B) {
	const size = 50 << 20
	weights := make([]byte, size-(1<<20))
	for i := range weights {
		weights[i] = byte(i * 7)
	}
	vocab := make([]byte, 1<<20)
	var buf bytes.Buffer
	err := modelfile.Encode(&buf, []modelfile.Section{
		{Tag: "META", Data: []byte(`{"kind":"linear"}`)},
		{Tag: "VOCB", Data: vocab},
		{Tag: "WGHT", Data: weights},
	})
	if err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := modelfile.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
