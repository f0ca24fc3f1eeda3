// Package annotate streams records of text through a function and writes
// each record back with the function's output added: a JSON object gains
// fields, a CSV/TSV row gains columns, a line of text is replaced. It is the
// shared engine of `credence normalize` and `credence classify`.
//
// Records are read in batches, processed on several goroutines and written
// in input order; memory is bounded by the batches in flight, not by the
// input's size. Malformed records stop the run with their file and line, or
// are skipped and counted.
package annotate

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/pipeline"
	"github.com/credence-news/credence/normalize"
)

// Format is an input layout.
type Format string

const (
	Text  Format = "text"  // the whole input is one document
	Lines Format = "lines" // one document per line
	JSONL Format = "jsonl" // one JSON object per line
	CSV   Format = "csv"
	TSV   Format = "tsv"
)

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, Lines, JSONL, CSV, TSV:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want text, lines, jsonl, csv or tsv)", s)
}

// FormatOf guesses a format from a file name (".gz" ignored), or "".
func FormatOf(name string) Format {
	name = strings.TrimSuffix(strings.ToLower(name), ".gz")
	switch {
	case strings.HasSuffix(name, ".jsonl"), strings.HasSuffix(name, ".ndjson"):
		return JSONL
	case strings.HasSuffix(name, ".csv"):
		return CSV
	case strings.HasSuffix(name, ".tsv"):
		return TSV
	}
	return ""
}

// Value is one added field: its JSON encoding and its plain-text form
// (which may share JSON's bytes).
type Value struct {
	JSON []byte
	Text []byte
}

// StringValue makes the Value of a string with a single allocation.
func StringValue(s []byte) Value {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	b = append(b, '"')
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' {
			return Value{JSON: AppendJSONString(b[:0], string(s)), Text: s}
		}
	}
	return Value{JSON: b, Text: b[1 : len(b)-1]}
}

// Annotator computes the fields added to a record from its text. It must be
// safe for concurrent use.
type Annotator interface {
	Fields() []string
	Annotate(text []byte) []Value
}

// Options configure a run.
type Options struct {
	Format   Format
	Fields   []string // text fields (JSONL) or columns (CSV/TSV)
	Join     string   // put between joined fields, verbatim ("" glues them)
	NoHeader bool     // CSV/TSV without a header row: Fields are 1-based numbers
	// PlainOutput writes only the added values, tab-separated, one line per
	// record, whatever the input format.
	PlainOutput bool
	// JSONOutput writes text and lines input as one JSON object of the
	// added fields per record (classify), instead of their plain text.
	JSONOutput bool
	SkipBad    bool // skip malformed records (counted) instead of failing
	MaxRecord  int  // bytes; longer lines are malformed records
	Workers    int
	// Progress, when set, is called after each batch is written.
	Progress func(Stats)
}

// Stats count what a run did.
type Stats struct {
	Records     int   // records written
	Bytes       int64 // input bytes of the records written
	Skipped     int   // malformed records skipped
	FirstBad    error // the first malformed record, when any were skipped
	BadUTF8     int   // invalid UTF-8 bytes replaced by U+FFFD
	BadUTF8Docs int   // records that had any
}

const (
	batchRecords = 256
	batchBytes   = 1 << 20
)

type record struct {
	line   int
	raw    []byte   // text, lines, jsonl
	fields []string // csv, tsv
	err    error    // malformed when read
}

type result struct {
	out   []byte // the records before err, if any
	stats Stats
	err   error // fail mode: first malformed record
}

// Run reads name/r and writes annotated records to w.
func Run(ctx context.Context, name string, r io.Reader, w io.Writer, a Annotator, opt Options) (Stats, error) {
	if opt.MaxRecord <= 0 {
		opt.MaxRecord = 1 << 30
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	var (
		arena      []byte
		batchStart bool
		next       func() (record, error)
		table      *corpus.TableReader
		cols       []int
	)
	switch opt.Format {
	case Text:
		done := false
		next = func() (record, error) {
			if done {
				return record{}, io.EOF
			}
			done = true
			b, err := io.ReadAll(io.LimitReader(r, int64(opt.MaxRecord)+1))
			if err != nil {
				return record{}, err
			}
			if len(b) > opt.MaxRecord {
				return record{}, fmt.Errorf("read %s: document is larger than %d bytes", name, opt.MaxRecord)
			}
			return record{line: 1, raw: b}, nil
		}
	case Lines, JSONL:
		if opt.Format == JSONL && len(opt.Fields) == 0 {
			return Stats{}, errors.New("jsonl input needs the name of the text field (--field)")
		}
		lr := corpus.NewLineReader(name, r, opt.MaxRecord)
		next = func() (record, error) {
			if batchStart { // lines of one batch share one allocation, sized by the last
				arena = make([]byte, 0, max(64<<10, len(arena)+len(arena)/8))
			}
			for {
				b, err := lr.Next()
				if err != nil {
					var le *corpus.LineError
					if errors.As(err, &le) {
						return record{line: le.Line, err: err}, nil
					}
					return record{}, err
				}
				if opt.Format == JSONL && len(bytes.TrimSpace(b)) == 0 {
					continue // blank lines separate nothing in JSONL
				}
				n := len(arena)
				arena = append(arena, b...)
				return record{line: lr.Line(), raw: arena[n:len(arena):len(arena)]}, nil
			}
		}
	case CSV, TSV:
		if len(opt.Fields) == 0 {
			return Stats{}, fmt.Errorf("%s input needs the text column(s) (--text)", opt.Format)
		}
		tf := corpus.CSV
		if opt.Format == TSV {
			tf = corpus.TSV
		}
		var err error
		if table, err = corpus.NewTableReader(name, r, tf, !opt.NoHeader, opt.MaxRecord); err != nil {
			return Stats{}, err
		}
		if cols, err = corpus.ResolveColumns(table.Header(), strings.Join(opt.Fields, ",")); err != nil {
			return Stats{}, fmt.Errorf("%s: %w", name, err)
		}
		next = func() (record, error) {
			rec, err := table.Next()
			if err != nil {
				var le *corpus.LineError
				if errors.As(err, &le) {
					return record{line: le.Line, err: err}, nil
				}
				return record{}, err
			}
			return record{line: table.Line(), fields: rec}, nil
		}
	default:
		return Stats{}, fmt.Errorf("unknown format %q", opt.Format)
	}

	bw := &batchWriter{name: name, a: a, opt: opt, cols: cols}
	var total Stats
	if table != nil && table.Header() != nil && !opt.PlainOutput {
		hdr := append(append([]string{}, table.Header()...), a.Fields()...)
		if _, err := w.Write(bw.row(nil, hdr)); err != nil {
			return total, err
		}
	}
	eof := false
	nextBatch := func() ([]record, bool, error) {
		if eof {
			return nil, false, nil
		}
		batch := make([]record, 0, batchRecords)
		size := 0
		for len(batch) < batchRecords && size < batchBytes {
			batchStart = len(batch) == 0
			rec, err := next()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return nil, false, err
			}
			batch = append(batch, rec)
			size += len(rec.raw)
			for _, f := range rec.fields {
				size += len(f)
			}
		}
		return batch, len(batch) > 0, nil
	}
	err := pipeline.Ordered(ctx, opt.Workers, nextBatch, bw.process, func(res result) error {
		_, err := w.Write(res.out)
		outBufs.Put(&res.out) // io.Writer must not retain it
		if err != nil {
			return err
		}
		if res.err != nil {
			return res.err // after writing the records before it
		}
		total.Records += res.stats.Records
		total.Bytes += res.stats.Bytes
		total.Skipped += res.stats.Skipped
		total.BadUTF8 += res.stats.BadUTF8
		total.BadUTF8Docs += res.stats.BadUTF8Docs
		if total.FirstBad == nil {
			total.FirstBad = res.stats.FirstBad
		}
		if opt.Progress != nil {
			opt.Progress(total)
		}
		return nil
	})
	return total, err
}

// outBufs and parsers recycle each batch's output buffer and JSON decoder
// rather than leaving them to the garbage collector (≈ 8% faster with two
// workers, measured with BenchmarkRunJSONL).
var (
	outBufs sync.Pool // *[]byte
	parsers sync.Pool // *objParser
)

type batchWriter struct {
	name string
	a    Annotator
	opt  Options
	cols []int
}

func (bw *batchWriter) process(batch []record) result {
	var res result
	size := 0
	for _, rec := range batch {
		size += len(rec.raw)
		for _, f := range rec.fields {
			size += len(f)
		}
	}
	want := size + size/2 + 64*len(batch)
	if b, _ := outBufs.Get().(*[]byte); b != nil && cap(*b) >= want {
		res.out = (*b)[:0]
	} else {
		res.out = make([]byte, 0, want)
	}
	p, _ := parsers.Get().(*objParser)
	if p == nil {
		p = new(objParser)
	}
	defer parsers.Put(p)
	for _, rec := range batch {
		out, err := bw.one(res.out, rec, &res.stats, p)
		if err != nil {
			if !bw.opt.SkipBad {
				res.err = err
				return res
			}
			res.stats.Skipped++
			if res.stats.FirstBad == nil {
				res.stats.FirstBad = err
			}
			continue
		}
		res.out = out
		res.stats.Records++
	}
	return res
}

func (bw *batchWriter) lineErr(line int, format string, args ...any) error {
	return &corpus.LineError{Name: bw.name, Line: line, Err: fmt.Errorf(format, args...)}
}

// one appends the annotated form of rec to dst.
func (bw *batchWriter) one(dst []byte, rec record, st *Stats, p *objParser) ([]byte, error) {
	if rec.err != nil {
		return dst, rec.err
	}
	repair := func(b []byte) []byte {
		b, bad := normalize.ValidUTF8(b)
		if bad > 0 {
			st.BadUTF8 += bad
			st.BadUTF8Docs++
		}
		return b
	}
	switch bw.opt.Format {
	case Text, Lines:
		st.Bytes += int64(len(rec.raw))
		vals := bw.a.Annotate(repair(rec.raw))
		if bw.opt.JSONOutput {
			return (&object{}).appendWith(dst, bw.a.Fields(), vals), nil
		}
		return bw.plain(dst, vals), nil
	case JSONL:
		st.Bytes += int64(len(rec.raw))
		obj, err := p.parse(repair(rec.raw))
		if err != nil {
			return dst, bw.lineErr(rec.line, "%v", err)
		}
		text, err := obj.text(bw.opt.Fields, bw.opt.Join)
		if err != nil {
			return dst, bw.lineErr(rec.line, "%v", err)
		}
		vals := bw.a.Annotate(text)
		if bw.opt.PlainOutput {
			return bw.plain(dst, vals), nil
		}
		return obj.appendWith(dst, bw.a.Fields(), vals), nil
	default: // CSV, TSV
		var text []byte
		for i, c := range bw.cols {
			if c >= len(rec.fields) {
				return dst, bw.lineErr(rec.line, "no column %d (row has %d)", c+1, len(rec.fields))
			}
			if i > 0 {
				text = append(text, bw.opt.Join...)
			}
			text = append(text, rec.fields[c]...)
		}
		for _, f := range rec.fields {
			st.Bytes += int64(len(f))
		}
		vals := bw.a.Annotate(repair(text))
		if bw.opt.PlainOutput {
			return bw.plain(dst, vals), nil
		}
		row := rec.fields
		for _, v := range vals {
			row = append(row, string(v.Text))
		}
		return append(dst, bw.row(nil, row)...), nil
	}
}

func (bw *batchWriter) plain(dst []byte, vals []Value) []byte {
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, '\t')
		}
		dst = append(dst, v.Text...)
	}
	return append(dst, '\n')
}

// row encodes one CSV or TSV row.
func (bw *batchWriter) row(dst []byte, fields []string) []byte {
	if bw.opt.Format == TSV {
		return append(dst, strings.Join(fields, "\t")+"\n"...)
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(fields)
	cw.Flush()
	return append(dst, buf.Bytes()...)
}

// object is one JSON object's members as spans of its line, in input order:
// values are copied verbatim, never re-encoded.
type object struct {
	line    []byte
	members []member
}

type member struct{ n0, n1, v0, v1 int } // name and value spans in line

// objParser parses JSON objects with a reused decoder (one per batch).
type objParser struct {
	r   bytes.Reader
	dec *jsontext.Decoder
	obj object
}

func (p *objParser) parse(line []byte) (*object, error) {
	p.r.Reset(line)
	if p.dec == nil {
		p.dec = jsontext.NewDecoder(&p.r, jsontext.AllowDuplicateNames(true))
	} else {
		p.dec.Reset(&p.r, jsontext.AllowDuplicateNames(true))
	}
	d := p.dec
	obj := &p.obj
	obj.line, obj.members = line, obj.members[:0]
	if d.PeekKind() != '{' {
		if _, err := d.ReadValue(); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		return nil, errors.New("not a JSON object")
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	for d.PeekKind() != '}' {
		name, err := d.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		n1 := int(d.InputOffset())
		n0 := n1 - len(name)
		val, err := d.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		v1 := int(d.InputOffset())
		obj.members = append(obj.members, member{n0, n1, v1 - len(val), v1})
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return nil, errors.New("invalid JSON: data after the object")
	}
	return obj, nil
}

// is reports whether member m is named name.
func (o *object) is(m member, name string) bool {
	raw := o.line[m.n0:m.n1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1:len(raw)-1]) == name
	}
	u, _ := jsontext.AppendUnquote(nil, raw)
	return string(u) == name
}

// text joins the named string fields; a missing field is an error, null is
// an empty string.
func (o *object) text(fields []string, join string) ([]byte, error) {
	var out []byte
	for i, f := range fields {
		idx := -1
		for k, m := range o.members {
			if o.is(m, f) {
				idx = k // the last duplicate wins, as in encoding/json
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("no field %q", f)
		}
		if i > 0 {
			out = append(out, join...)
		}
		m := o.members[idx]
		v := o.line[m.v0:m.v1]
		switch v[0] {
		case 'n': // null
		case '"':
			out, _ = jsontext.AppendUnquote(out, v) // valid UTF-8: repaired before parsing
		default:
			return nil, fmt.Errorf("field %q is not a string", f)
		}
	}
	return out, nil
}

// appendWith writes the object with the given fields set: existing members
// keep their place (a later duplicate is dropped), new ones go last.
func (o *object) appendWith(dst []byte, names []string, vals []Value) []byte {
	dst = append(dst, '{')
	var set uint64 // bit j: names[j] written
	first := true
	member := func(name, v []byte) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = append(dst, v...)
	}
	for _, m := range o.members {
		v, skip := o.line[m.v0:m.v1], false
		for j, n := range names {
			if o.is(m, n) {
				skip = set&(1<<j) != 0
				v, set = vals[j].JSON, set|1<<j
				break
			}
		}
		if !skip {
			member(o.line[m.n0:m.n1], v)
		}
	}
	for j, n := range names {
		if set&(1<<j) == 0 {
			member(AppendJSONString(nil, n), vals[j].JSON)
		}
	}
	return append(dst, '}', '\n')
}

// AppendProbabilities appends a JSON object of class probabilities,
// {"label":p,...} in label order with 6 significant digits: the form
// `credence classify` and the streaming workers both write.
func AppendProbabilities(dst []byte, labels []string, probs []float64) []byte {
	dst = append(dst, '{')
	for i, l := range labels {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, l)
		dst = append(dst, ':')
		dst = strconv.AppendFloat(dst, probs[i], 'g', 6, 64)
	}
	return append(dst, '}')
}

// AppendJSONString appends s as a JSON string. s must be valid UTF-8.
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
