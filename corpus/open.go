package corpus

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

// Open opens path for reading ("-" is standard input) and decompresses it
// when it is gzip, whatever its name. Read errors carry the path, and a
// gzip stream cut short says so.
func Open(path string) (io.ReadCloser, error) {
	var f *os.File
	if path == "-" {
		f = os.Stdin
	} else {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
	}
	return wrap(path, f, f)
}

// NewReader is Open for a stream that is already open; name is used in errors.
func NewReader(name string, r io.Reader) (io.ReadCloser, error) {
	return wrap(name, r, io.NopCloser(nil))
}

func wrap(name string, r io.Reader, c io.Closer) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		return &file{name: name, r: bufio.NewReaderSize(zr, 1<<20), c: c, gz: true}, nil
	}
	return &file{name: name, r: br, c: c}, nil
}

type file struct {
	name string
	r    io.Reader
	c    io.Closer
	gz   bool
}

func (f *file) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF {
		if f.gz && errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("read %s: gzip stream is truncated: %w", f.name, err)
		} else {
			err = fmt.Errorf("read %s: %w", f.name, err)
		}
	}
	return n, err
}

func (f *file) Close() error {
	if f.c == nil || f.c == os.Stdin {
		return nil
	}
	return f.c.Close()
}
