package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Document is one labeled (or unlabeled) article.
type Document struct {
	Text  string
	Label string            // after the label map; "" when the input has no label
	Meta  map[string]string // the columns asked for in Spec.Keep
	File  string            // the input it came from
	Line  int               // 1-based line where its row starts
	Row   int               // 0-based data row within File (header excluded), as split.json counts
}

// Input is one file to read, optionally with a label for every row
// (ISOT ships Fake.csv and True.csv: --data Fake.csv=fake --data True.csv=real).
type Input struct {
	Path  string
	Label string
}

// ParseInput splits "FILE=LABEL". A path that exists is taken whole, so a
// file name containing '=' still works.
func ParseInput(s string) Input {
	if _, err := os.Stat(s); err == nil {
		return Input{Path: s}
	}
	if i := strings.LastIndexByte(s, '='); i > 0 && i < len(s)-1 {
		return Input{Path: s[:i], Label: s[i+1:]}
	}
	return Input{Path: s}
}

// Spec says how to read documents out of files.
type Spec struct {
	Inputs   []Input
	Format   string   // csv, tsv, jsonl; "" guesses from the file name, else csv
	Layout   string   // a known corpus layout (see Layouts); "" detects one from the header
	NoHeader bool     // CSV/TSV without a header row
	Text     []string // text columns or JSON fields, joined with Join
	Join     string
	Label    string   // label column or field; "" for unlabeled input
	LabelMap LabelMap // nil keeps labels as they are
	Keep     []string // more columns to keep in Document.Meta (groups, times, slices)
	SkipBad  bool     // skip malformed rows (counted) instead of failing
	MaxRow   int      // bytes; 0 means 1 GiB
}

// Stats count what reading did.
type Stats struct {
	Rows     int
	Skipped  int // malformed rows skipped
	Dropped  int // rows whose label maps to Drop
	FirstBad error
}

// ReadAll reads every document of every input.
func ReadAll(spec Spec) ([]Document, Stats, error) {
	var docs []Document
	var st Stats
	for _, in := range spec.Inputs {
		err := Each(spec, in, func(d Document) error {
			docs = append(docs, d)
			return nil
		}, &st)
		if err != nil {
			return nil, st, err
		}
	}
	if len(docs) == 0 {
		return nil, st, errors.New("no documents in the input")
	}
	return docs, st, nil
}

// Each streams the documents of one input to fn, in file order.
func Each(spec Spec, in Input, fn func(Document) error, st *Stats) error {
	f, err := Open(in.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	return EachReader(spec, in, f, fn, st)
}

// EachReader is Each on an open stream.
func EachReader(spec Spec, in Input, r io.Reader, fn func(Document) error, st *Stats) error {
	if spec.MaxRow <= 0 {
		spec.MaxRow = 1 << 30
	}
	format := spec.Format
	if format == "" {
		format = FormatOf(in.Path)
	}
	bad := func(err error) error {
		if !spec.SkipBad {
			return err
		}
		st.Skipped++
		if st.FirstBad == nil {
			st.FirstBad = err
		}
		return nil
	}
	labelMap := spec.LabelMap
	emit := func(d Document) error {
		if in.Label != "" {
			d.Label = in.Label
		}
		if d.Label != "" && labelMap != nil {
			mapped, ok := labelMap.Map(d.Label)
			if !ok {
				return bad(&LineError{in.Path, d.Line, fmt.Errorf("label %q is not in the label map", d.Label)})
			}
			if mapped == Drop {
				st.Dropped++
				return nil
			}
			d.Label = mapped
		}
		st.Rows++
		return fn(d)
	}
	switch format {
	case "jsonl":
		return eachJSONL(spec, in, r, emit, bad)
	case "csv", "tsv":
		tf := CSV
		if format == "tsv" {
			tf = TSV
		}
		layout, err := resolveLayout(spec, in, r, tf)
		if err != nil {
			return err
		}
		if spec.LabelMap == nil && (spec.Label == "" || spec.Label == layout.label) && layout.labelMap != "" {
			// The layout's labels are codes (AG News 1-4, Kaggle 0/1): name them.
			labelMap, _ = ParseLabelMap(layout.labelMap)
		}
		return eachTable(spec, in, layout, tf, emit, bad)
	}
	return fmt.Errorf("%s: unknown format %q (want csv, tsv or jsonl)", in.Path, format)
}

// FormatOf guesses csv, tsv or jsonl from a file name ("" when unknown).
func FormatOf(name string) string {
	name = strings.TrimSuffix(strings.ToLower(name), ".gz")
	switch {
	case strings.HasSuffix(name, ".jsonl"), strings.HasSuffix(name, ".ndjson"), strings.HasSuffix(name, ".json"):
		return "jsonl"
	case strings.HasSuffix(name, ".tsv"), strings.HasSuffix(name, ".tab"):
		return "tsv"
	}
	return "csv"
}

func eachTable(spec Spec, in Input, layout resolved, tf TableFormat, emit func(Document) error, bad func(error) error) error {
	tr, err := NewTableReader(in.Path, layout.r, tf, layout.header, spec.MaxRow)
	if err != nil {
		return err
	}
	header := tr.Header()
	if header == nil {
		header = layout.names // a headerless layout names its columns
	}
	col := func(names []string) ([]int, error) {
		if len(names) == 0 {
			return nil, nil
		}
		c, err := ResolveColumns(header, strings.Join(names, ","))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in.Path, err)
		}
		return c, nil
	}
	textCols, err := col(firstNonEmpty(spec.Text, layout.text))
	if err != nil {
		return err
	}
	if len(textCols) == 0 {
		return fmt.Errorf("%s: which column holds the text? use --text (columns: %s)", in.Path, strings.Join(header, ", "))
	}
	labelName := spec.Label
	if labelName == "" && in.Label == "" {
		labelName = layout.label
	}
	labelCols, err := col(nonEmpty(labelName))
	if err != nil {
		return err
	}
	keepCols, err := col(spec.Keep)
	if err != nil {
		return err
	}
	join := spec.Join
	row := -1
	for {
		rec, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		row++
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				if err := bad(err); err != nil {
					return err
				}
				continue
			}
			return err
		}
		d := Document{File: in.Path, Line: tr.Line(), Row: row}
		var sb strings.Builder
		for i, c := range textCols {
			if c >= len(rec) {
				return bad(&LineError{in.Path, d.Line, fmt.Errorf("no column %d", c+1)})
			}
			if i > 0 {
				sb.WriteString(join)
			}
			sb.WriteString(rec[c])
		}
		d.Text = sb.String()
		if len(labelCols) > 0 {
			d.Label = strings.TrimSpace(rec[labelCols[0]])
			if d.Label == "" {
				if err := bad(&LineError{in.Path, d.Line, errors.New("empty label")}); err != nil {
					return err
				}
				continue
			}
		}
		if len(keepCols) > 0 {
			d.Meta = make(map[string]string, len(keepCols))
			for i, c := range keepCols {
				d.Meta[spec.Keep[i]] = rec[c]
			}
		}
		if err := emit(d); err != nil {
			return err
		}
	}
}

func eachJSONL(spec Spec, in Input, r io.Reader, emit func(Document) error, bad func(error) error) error {
	if len(spec.Text) == 0 {
		return fmt.Errorf("%s: which field holds the text? use --text", in.Path)
	}
	lr := NewLineReader(in.Path, r, spec.MaxRow)
	row := -1
	for {
		line, err := lr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				row++
				if err := bad(err); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		row++
		d := Document{File: in.Path, Line: lr.Line(), Row: row}
		fields, err := jsonStrings(line, append(append(append([]string{}, spec.Text...), nonEmpty(spec.Label)...), spec.Keep...))
		if err != nil {
			if err := bad(&LineError{in.Path, d.Line, err}); err != nil {
				return err
			}
			continue
		}
		var parts []string
		missing := ""
		for _, f := range spec.Text {
			v, ok := fields[f]
			if !ok {
				missing = f
			}
			parts = append(parts, v)
		}
		if missing == "" && spec.Label != "" {
			if _, ok := fields[spec.Label]; !ok {
				missing = spec.Label
			}
		}
		if missing != "" {
			if err := bad(&LineError{in.Path, d.Line, fmt.Errorf("no field %q", missing)}); err != nil {
				return err
			}
			continue
		}
		d.Text = strings.Join(parts, spec.Join)
		if spec.Label != "" {
			d.Label = strings.TrimSpace(fields[spec.Label])
		}
		for _, k := range spec.Keep {
			if d.Meta == nil {
				d.Meta = map[string]string{}
			}
			d.Meta[k] = fields[k]
		}
		if err := emit(d); err != nil {
			return err
		}
	}
}

// jsonStrings reads the named members of a JSON object as strings: strings
// as they are, numbers and booleans in their JSON spelling, null as "".
func jsonStrings(line []byte, names []string) (map[string]string, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(line), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if dec.PeekKind() != '{' {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	out := map[string]string{}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		want := false
		for _, n := range names {
			want = want || n == name
		}
		if !want {
			continue
		}
		switch val.Kind() {
		case '"':
			u, _ := jsontext.AppendUnquote(nil, val)
			out[name] = string(u)
		case 'n':
			out[name] = ""
		case '0', 't', 'f':
			out[name] = string(val)
		default:
			return nil, fmt.Errorf("field %q is not a string", name)
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("invalid JSON: data after the object")
	}
	return out, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func firstNonEmpty(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}
