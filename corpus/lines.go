package corpus

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrLineTooLong is returned (wrapped in a *LineError) for a line longer
// than the reader's limit.
var ErrLineTooLong = errors.New("line too long")

// LineError is an error tied to one line of one input.
type LineError struct {
	Name string // file name, "-" for standard input
	Line int    // 1-based
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s line %d: %v", e.Name, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// LineReader reads lines of any length up to a limit, counting them. The
// terminator ("\n" or "\r\n") is not part of the line.
type LineReader struct {
	name  string
	r     *bufio.Reader
	max   int
	line  int
	buf   []byte
	eof   bool
	skipN bool // discarding the rest of an over-long line
}

// NewLineReader reads r; lines longer than max bytes are reported as
// ErrLineTooLong and skipped, so a caller may go on with the next line.
func NewLineReader(name string, r io.Reader, max int) *LineReader {
	return &LineReader{name: name, r: bufio.NewReaderSize(r, 1<<16), max: max}
}

// Line returns the number of the line last returned.
func (lr *LineReader) Line() int { return lr.line }

// Next returns the next line, valid until the following call, or io.EOF.
func (lr *LineReader) Next() ([]byte, error) {
	if lr.eof {
		return nil, io.EOF
	}
	lr.buf = lr.buf[:0]
	tooLong := false
	for {
		chunk, err := lr.r.ReadSlice('\n')
		if !tooLong {
			if len(lr.buf)+len(chunk) > lr.max+2 { // +2: the terminator
				tooLong = true
				lr.buf = lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			lr.eof = true
			if len(chunk) == 0 && len(lr.buf) == 0 && !tooLong {
				return nil, io.EOF
			}
		} else if err != nil {
			return nil, err
		}
		break
	}
	lr.line++
	if tooLong {
		return nil, &LineError{lr.name, lr.line, fmt.Errorf("%w (limit %d bytes)", ErrLineTooLong, lr.max)}
	}
	b := bytes.TrimSuffix(lr.buf, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) > lr.max {
		return nil, &LineError{lr.name, lr.line, fmt.Errorf("%w (limit %d bytes)", ErrLineTooLong, lr.max)}
	}
	return b, nil
}
