package corpus

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// TableFormat is a delimited text layout.
type TableFormat int

const (
	// CSV is RFC 4180: comma-separated, double-quoted fields may span lines.
	CSV TableFormat = iota
	// TSV is tab-separated with no quoting at all: a quote is an ordinary
	// character (LIAR's statements contain unbalanced quotes).
	TSV
)

// ErrFieldCount reports a row whose number of fields differs from the header's.
var ErrFieldCount = errors.New("wrong number of fields")

// TableReader reads rows of a CSV or TSV input, with the line each starts on.
type TableReader struct {
	name   string
	header []string
	width  int
	csv    *csv.Reader
	lines  *LineReader
	line   int
}

// NewTableReader reads the first row as the header when header is set.
// maxLine bounds a TSV line (CSV fields are unbounded, as in encoding/csv).
func NewTableReader(name string, r io.Reader, format TableFormat, header bool, maxLine int) (*TableReader, error) {
	t := &TableReader{name: name, width: -1}
	if format == TSV {
		t.lines = NewLineReader(name, r, maxLine)
	} else {
		t.csv = csv.NewReader(r)
		t.csv.FieldsPerRecord = -1
		t.csv.ReuseRecord = false
	}
	if header {
		h, err := t.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("read %s: empty input, expected a header row", name)
		}
		if err != nil {
			// Not a skippable row: without a header nothing else can be read.
			return nil, fmt.Errorf("malformed header row: %v", err)
		}
		h[0] = strings.TrimPrefix(h[0], "\uFEFF") // spreadsheet BOM
		t.header, t.width = h, len(h)
	}
	return t, nil
}

// Header returns the header row, or nil when the input has none.
func (t *TableReader) Header() []string { return t.header }

// Line returns the line the last row returned by Next starts on.
func (t *TableReader) Line() int { return t.line }

// Next returns the next row or io.EOF. A malformed row is returned as a
// *LineError; reading may go on after it.
func (t *TableReader) Next() ([]string, error) {
	if t.lines != nil {
		b, err := t.lines.Next()
		t.line = t.lines.Line()
		if err != nil {
			return nil, err
		}
		return t.check(strings.Split(string(b), "\t"))
	}
	rec, err := t.csv.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			t.line = pe.StartLine
			return nil, &LineError{t.name, pe.StartLine, pe.Err}
		}
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	t.line, _ = t.csv.FieldPos(0)
	return t.check(rec)
}

func (t *TableReader) check(rec []string) ([]string, error) {
	if t.width < 0 {
		t.width = len(rec) // headerless input: the first row sets the width
	}
	if len(rec) != t.width {
		return nil, &LineError{t.name, t.line, fmt.Errorf("%w: %d, expected %d", ErrFieldCount, len(rec), t.width)}
	}
	return rec, nil
}

// Columns resolves a comma-separated column list: header names, or 1-based
// column numbers (as cut and awk count) for input without a header.
func (t *TableReader) Columns(spec string) ([]int, error) {
	return ResolveColumns(t.header, spec)
}

// ResolveColumns resolves spec against header (nil when there is none).
func ResolveColumns(header []string, spec string) ([]int, error) {
	var out []int
	for _, name := range strings.Split(spec, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("empty column name in %q", spec)
		}
		idx := -1
		for i, h := range header {
			if h == name {
				idx = i
				break
			}
		}
		if idx < 0 {
			n, err := strconv.Atoi(name)
			if err != nil || n < 1 {
				if header == nil {
					return nil, fmt.Errorf("column %q: input has no header, name columns by number (1 = first)", name)
				}
				return nil, fmt.Errorf("no column %q (have %s)", name, strings.Join(header, ", "))
			}
			idx = n - 1
		}
		out = append(out, idx)
	}
	return out, nil
}
