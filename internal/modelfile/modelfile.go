package modelfile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/credence-news/credence/internal/atomicfile"
)

// Version is the format version this build writes and reads.
const Version = 1

// MaxSections is the largest section count a file may declare. Models use a
// handful of sections; the limit bounds what Decode allocates for the
// section list whatever the input.
const MaxSections = 1 << 16

// DefaultMaxSize is the size limit ReadFile applies when given maxSize <= 0.
const DefaultMaxSize int64 = 4 << 30

const (
	magic             = "CREDENCE"
	headerSize        = 16 // magic, version, flags, section count
	sectionHeaderSize = 12 // tag, payload length
	tagSize           = 4
	checksumSize      = sha256.Size
	knownFlags        = uint16(0)
	fastTextMagic     = 793712314 // int32 at offset 0 of fastText .bin/.ftz files
)

// Sentinel errors. Errors returned by this package wrap one of them with
// context; test with errors.Is.
var (
	ErrNotModel  = errors.New("not a credence model file")
	ErrTruncated = errors.New("model file is truncated")
	ErrChecksum  = errors.New("model file is corrupted (checksum mismatch)")
	ErrVersion   = errors.New("unsupported model file version")
	// ErrMalformed reports a file whose checksum is intact but whose
	// structure is invalid (bad or duplicate tags, too many sections,
	// trailing bytes), or a section payload that does not decode.
	ErrMalformed = errors.New("malformed model file")
	// ErrTooLarge reports a file refused by ReadFile's size limit.
	ErrTooLarge = errors.New("model file is too large")
)

// Section is one named part of a model file.
type Section struct {
	Tag  string // exactly 4 printable ASCII bytes
	Data []byte
}

// File is a decoded model file.
type File struct {
	Version  int
	Sections []Section
}

// Section returns the payload of the section with the given tag.
func (f *File) Section(tag string) ([]byte, bool) {
	if f == nil {
		return nil, false
	}
	for _, s := range f.Sections {
		if s.Tag == tag {
			return s.Data, true
		}
	}
	return nil, false
}

// Require returns the payload of the section with the given tag, or an
// error naming the missing section.
func (f *File) Require(tag string) ([]byte, error) {
	if d, ok := f.Section(tag); ok {
		return d, nil
	}
	return nil, fmt.Errorf("model file has no %s section", tag)
}

// checkTag reports whether tag is 4 printable ASCII bytes.
func checkTag(tag string) error {
	if len(tag) != tagSize {
		return fmt.Errorf("section tag %q: must be exactly %d bytes, not %d", tag, tagSize, len(tag))
	}
	for i := range tagSize {
		if c := tag[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("section tag %q: byte %d (%#02x) is not printable ASCII", tag, i, c)
		}
	}
	return nil
}

// checkSections validates the tags and count of a section list.
func checkSections(sections []Section) error {
	if len(sections) > MaxSections {
		return fmt.Errorf("%d sections, more than the limit of %d", len(sections), MaxSections)
	}
	seen := make(map[string]int, len(sections))
	for i, s := range sections {
		if err := checkTag(s.Tag); err != nil {
			return fmt.Errorf("section %d: %w", i, err)
		}
		if j, dup := seen[s.Tag]; dup {
			return fmt.Errorf("duplicate section tag %q (sections %d and %d)", s.Tag, j, i)
		}
		seen[s.Tag] = i
	}
	return nil
}

// Encode writes the container holding sections to w. It returns an error,
// before writing anything, if a tag is not 4 printable ASCII bytes, if two
// sections share a tag, or if there are more than MaxSections sections.
func Encode(w io.Writer, sections []Section) error {
	if err := checkSections(sections); err != nil {
		return err
	}
	h := sha256.New()
	mw := io.MultiWriter(h, w) // the hash never fails, so w's error is returned

	var hdr [headerSize]byte
	copy(hdr[:], magic)
	binary.LittleEndian.PutUint16(hdr[8:], Version)
	binary.LittleEndian.PutUint16(hdr[10:], 0)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(sections)))
	if _, err := mw.Write(hdr[:]); err != nil {
		return err
	}
	for _, s := range sections {
		var sh [sectionHeaderSize]byte
		copy(sh[:], s.Tag)
		binary.LittleEndian.PutUint64(sh[tagSize:], uint64(len(s.Data)))
		if _, err := mw.Write(sh[:]); err != nil {
			return err
		}
		if len(s.Data) > 0 {
			if _, err := mw.Write(s.Data); err != nil {
				return err
			}
		}
	}
	_, err := w.Write(h.Sum(nil))
	return err
}

// WriteFile writes the container holding sections to path atomically: the
// data goes to a temporary file beside path, is synced and renamed over
// path, so an existing file at path is never left half-written; on any
// error (including an Encode error) it is left as it was.
func WriteFile(path string, sections []Section) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := Encode(bw, sections); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// notModel builds the error for a file that does not start with the magic.
func notModel(b []byte) error {
	if len(b) >= 4 && int32(binary.LittleEndian.Uint32(b)) == fastTextMagic {
		return fmt.Errorf("%w: it looks like a fastText model (.bin/.ftz), not a credence model container", ErrNotModel)
	}
	return fmt.Errorf("%w: it starts with %q, expected %q", ErrNotModel, b[:min(len(b), len(magic))], magic)
}

// decodeHeader checks magic, version and flags and returns the section count.
func decodeHeader(b []byte) (uint32, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("%w: the file is empty", ErrTruncated)
	}
	if n := min(len(b), len(magic)); string(b[:n]) != magic[:n] {
		return 0, notModel(b)
	}
	if len(b) < 10 {
		return 0, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrTruncated, len(b), headerSize)
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != Version {
		hint := "written by a newer credence; upgrade to read it"
		if v < Version {
			hint = "an older or invalid format"
		}
		return 0, fmt.Errorf("%w: format version %d, this build reads version %d (%s)", ErrVersion, v, Version, hint)
	}
	if len(b) < headerSize {
		return 0, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrTruncated, len(b), headerSize)
	}
	if flags := binary.LittleEndian.Uint16(b[10:]); flags&^knownFlags != 0 {
		return 0, fmt.Errorf("%w: unknown header flags %#04x in format version %d (written by a newer credence?)",
			ErrVersion, flags&^knownFlags, Version)
	}
	return binary.LittleEndian.Uint32(b[12:]), nil
}

// Decode parses a whole model file image. The returned sections' Data
// slices alias b (with their capacity clipped to their length).
func Decode(b []byte) (*File, error) {
	count, err := decodeHeader(b)
	if err != nil {
		return nil, err
	}
	// Every section needs at least its 12-byte header, and the trailer
	// follows; check that before allocating the section list.
	rest := uint64(len(b) - headerSize)
	if need := uint64(count)*sectionHeaderSize + checksumSize; need > rest {
		return nil, fmt.Errorf("%w: the header declares %d sections, needing at least %d more bytes, but only %d remain",
			ErrTruncated, count, need, rest)
	}
	if count > MaxSections {
		return nil, fmt.Errorf("%w: %d sections, more than the limit of %d", ErrMalformed, count, MaxSections)
	}

	sections := make([]Section, count)
	tags := make([]byte, 0, int(count)*tagSize)
	off := headerSize
	for i := range sections {
		if len(b)-off < sectionHeaderSize {
			return nil, fmt.Errorf("%w: section %d header at offset %d needs %d bytes, only %d remain",
				ErrTruncated, i, off, sectionHeaderSize, len(b)-off)
		}
		tag := b[off : off+tagSize]
		n := binary.LittleEndian.Uint64(b[off+tagSize:])
		off += sectionHeaderSize
		if n > uint64(len(b)-off) {
			return nil, fmt.Errorf("%w: section %d (%q) at offset %d declares %d bytes, only %d remain",
				ErrTruncated, i, tag, off-sectionHeaderSize, n, len(b)-off)
		}
		end := off + int(n)
		tags = append(tags, tag...)
		sections[i].Data = b[off:end:end]
		off = end
	}
	if len(b)-off < checksumSize {
		return nil, fmt.Errorf("%w: the %d-byte checksum at offset %d is cut short (%d bytes present)",
			ErrTruncated, checksumSize, off, len(b)-off)
	}
	sum := sha256.Sum256(b[:off])
	if !bytes.Equal(sum[:], b[off:off+checksumSize]) {
		return nil, fmt.Errorf("%w: the SHA-256 of the first %d bytes does not match the stored checksum", ErrChecksum, off)
	}
	if extra := len(b) - off - checksumSize; extra > 0 {
		return nil, fmt.Errorf("%w: %d unexpected bytes after the checksum", ErrMalformed, extra)
	}

	all := string(tags) // one allocation for every tag
	for i := range sections {
		sections[i].Tag = all[i*tagSize : (i+1)*tagSize]
	}
	if err := checkSections(sections); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return &File{Version: Version, Sections: sections}, nil
}

// ReadFile reads and decodes the model file at path. A file larger than
// maxSize bytes (DefaultMaxSize, 4 GiB, when maxSize <= 0) is refused with
// ErrTooLarge before any of it is read; so is anything but a regular file.
func ReadFile(path string, maxSize int64) (*File, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read model file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read model file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read model file %s: not a regular file", path)
	}
	size := st.Size()
	if size > maxSize || uint64(size) > math.MaxInt {
		return nil, fmt.Errorf("%w: %s is %d bytes, over the limit of %d bytes", ErrTooLarge, path, size, maxSize)
	}
	buf := make([]byte, size)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("read model file: %w", err)
	}
	buf = buf[:n] // a file that shrank meanwhile decodes as truncated
	var more [1]byte
	if k, _ := f.Read(more[:]); k > 0 {
		return nil, fmt.Errorf("read model file %s: the file grew while it was being read", path)
	}
	file, err := Decode(buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return file, nil
}
