package audit

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/learn"
	"github.com/credence-news/credence/normalize"
)

// Rules say what a scrub removes. They are written beside the cleaned
// corpus so that anyone can see, and redo, what was taken out.
type Rules struct {
	// NGrams are cut from the text columns: nltk-view n-grams wherever the
	// nltk profile's tokens spell them (with whatever lies between those
	// tokens), raw-view n-grams as the case-insensitive regular expressions
	// in Regexes.
	NGrams  []RuleNGram `json:"ngrams"`
	Regexes []string    `json:"regexes"`
	// Dateline is cut from the start of every text column.
	Dateline string `json:"dateline_regex"`
	// ClearColumns are emptied (kept, so that the file's layout still reads).
	ClearColumns []string `json:"cleared_columns,omitempty"`
	// TextColumns are the columns (or JSON fields) cleaned, per input.
	TextColumns map[string][]string `json:"text_columns,omitempty"`
	Why         []string            `json:"why,omitempty"`
}

// RuleNGram is one n-gram to remove.
type RuleNGram struct {
	NGram    string   `json:"ngram"`
	View     string   `json:"view"`
	Class    string   `json:"class"`
	Severity Severity `json:"severity"`
}

// Rules derives a scrub from the findings: every reported n-gram of
// medium or high severity or that looks like boilerplate, the wire
// dateline, and the metadata columns found to leak (high-severity
// metadata or count findings). Low-severity n-grams, mostly topical
// words, stay: removing topic would not make the figure more honest.
func (r *Report) Rules() *Rules {
	ru := &Rules{Dateline: Dateline.String(), NGrams: []RuleNGram{}, Regexes: []string{}}
	for _, g := range r.NGrams {
		if g.Severity == Low && !g.Boilerplate {
			continue
		}
		ru.NGrams = append(ru.NGrams, RuleNGram{NGram: g.Text, View: g.View, Class: g.Class, Severity: g.Severity})
		if g.View == ViewRaw {
			ru.Regexes = append(ru.Regexes, rawRegex(g.Text))
		}
	}
	if r.Meta != nil {
		leak := false
		for _, f := range r.Findings {
			leak = leak || (f.Kind == KindMetaLeak || f.Kind == KindLabelInCount) && f.Severity == High
		}
		if leak {
			for _, c := range r.Meta.Columns {
				ru.ClearColumns = append(ru.ClearColumns, c.Name)
			}
			ru.Why = append(ru.Why, "the metadata columns leak the label: cleared")
		}
	}
	for _, f := range r.Findings {
		if f.Kind == KindFormatSignal || f.Kind == KindFormatFeature || f.Kind == KindFormatModel && f.Severity != Low {
			ru.Why = append(ru.Why, "not removable by editing text, retrain with care: "+f.Title)
		}
	}
	return ru
}

// rawRegex matches a raw-view n-gram between whitespace (or the ends).
func rawRegex(gram string) string {
	toks := strings.Fields(gram)
	for i, t := range toks {
		toks[i] = regexp.QuoteMeta(t)
	}
	return `(?i)(?:^|\s)` + strings.Join(toks, `\s+`) + `(?:\s|$)`
}

// Cleaner applies Rules to text.
type Cleaner struct {
	rules    *Rules
	dateline *regexp.Regexp
	raw      []*regexp.Regexp
	nltk     normalize.Profile
	grams    map[string][][]string // by first token
}

// Compile prepares rules for Clean.
func (ru *Rules) Compile() (*Cleaner, error) {
	c := &Cleaner{rules: ru, grams: map[string][][]string{}}
	var err error
	if ru.Dateline != "" {
		if c.dateline, err = regexp.Compile(ru.Dateline); err != nil {
			return nil, fmt.Errorf("dateline rule: %w", err)
		}
	}
	for _, s := range ru.Regexes {
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", s, err)
		}
		c.raw = append(c.raw, re)
	}
	c.nltk, _ = normalize.Lookup("nltk")
	for _, g := range ru.NGrams {
		if g.View == ViewNLTK {
			t := strings.Fields(g.NGram)
			c.grams[t[0]] = append(c.grams[t[0]], t)
		}
	}
	return c, nil
}

// Clean removes what the rules name from one text. A cut leaves one space
// where it joins two words, and none at either end of the text.
func (c *Cleaner) Clean(text string) string {
	orig := text
	if c.dateline != nil {
		trimmed := strings.TrimLeft(text, " \t\r\n")
		if loc := c.dateline.FindStringIndex(trimmed); loc != nil {
			text = strings.TrimLeft(trimmed[loc[1]:], " ")
		}
	}
	if len(c.grams) > 0 {
		b, _ := normalize.ValidUTF8([]byte(text))
		text = string(b)
		var toks []normalize.Token
		c.nltk.Tokens(b, func(t normalize.Token) { toks = append(toks, t) })
		var cuts [][2]int
		for i, t := range toks {
			for _, g := range c.grams[t.Text] {
				if i+len(g) > len(toks) {
					continue
				}
				ok := true
				for j, w := range g {
					ok = ok && toks[i+j].Text == w
				}
				if ok {
					cuts = append(cuts, [2]int{t.Start, toks[i+len(g)-1].End})
				}
			}
		}
		text = cut(text, cuts)
	}
	for _, re := range c.raw {
		for range 2 { // a second pass catches matches that shared a space
			text = re.ReplaceAllString(text, " ")
		}
	}
	if text != orig && strings.TrimSpace(orig) == orig {
		text = strings.TrimSpace(text)
	}
	return text
}

// cut removes byte ranges (overlapping or not) from s.
func cut(s string, ranges [][2]int) string {
	if len(ranges) == 0 {
		return s
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i][0] < ranges[j][0] })
	var b strings.Builder
	pos := 0
	for _, r := range ranges {
		if r[0] > pos {
			b.WriteString(s[pos:r[0]])
		}
		pos = max(pos, r[1])
		if str := b.String(); pos < len(s) && s[pos] == ' ' && (str == "" || str[len(str)-1] == ' ') {
			pos++ // do not leave two spaces (or a leading one) where the cut was
		}
	}
	b.WriteString(s[pos:])
	return b.String()
}

// ScrubResult reports a scrub: what was written and the accuracy before
// and after, on the same split with the same settings.
type ScrubResult struct {
	Rules   *Rules        `json:"rules"`
	Files   []string      `json:"files"`
	Skipped int           `json:"rows_skipped,omitempty"` // malformed rows not copied
	Before  *ModelFigures `json:"before"`
	After   *ModelFigures `json:"after"`
}

// Retrain trains the text model again, with the audit's settings and test
// documents, on documents read back from a scrubbed copy (the same rows in
// the same order), and returns its held-out figures.
func (r *Report) Retrain(docs []corpus.Document) (*ModelFigures, error) {
	if len(docs) != len(r.docs) {
		return nil, fmt.Errorf("scrubbed corpus has %d documents, the audited one %d", len(docs), len(r.docs))
	}
	for i := range docs {
		if docs[i].Row != r.docs[i].Row || docs[i].Label != r.docs[i].Label {
			return nil, fmt.Errorf("scrubbed corpus differs at document %d (row %d, label %q; was row %d, label %q)",
				i, docs[i].Row, docs[i].Label, r.docs[i].Row, r.docs[i].Label)
		}
	}
	p, _ := normalize.Lookup(r.opt.Profile)
	prep, err := learn.Prepare(docs, p, r.opt.Workers)
	if err != nil {
		return nil, err
	}
	res, err := learn.Train(prep, r.opt.settings(r.test))
	if err != nil {
		return nil, err
	}
	f := figures(fmt.Sprintf("text after scrubbing (%s profile, %s)", r.opt.Profile, r.opt.Train.Algo), res.HeldOut)
	f.C = chosenC(res)
	return f, nil
}

// TableLayout is what WriteScrubbed needs to know about a CSV/TSV input:
// whether it has a header, its column names, and its text columns.
type TableLayout struct {
	Header bool
	Names  []string
	Text   []string
}

var liarID = regexp.MustCompile(`^\d+\.json$`)

// ResolveTable works out the header and text columns of a table input the
// way the corpus package reads it: an explicit layout or --text wins,
// else the known layouts are recognised by their header (or, headerless,
// by shape).
func ResolveTable(spec corpus.Spec, first []string, format string) (TableLayout, error) {
	var tl TableLayout
	var lay *corpus.Layout
	if spec.Layout != "" {
		l, err := corpus.LayoutNamed(spec.Layout)
		if err != nil {
			return tl, err
		}
		lay = &l
	} else {
		for _, l := range corpus.Layouts {
			if l.Header {
				continue
			}
			if len(first) == len(l.Columns) && (l.Name != "liar" || format == "tsv" && liarID.MatchString(first[0])) &&
				(l.Name != "agnews-raw" || first[0] >= "1" && first[0] <= "4" && len(first[0]) == 1) {
				l := l
				lay = &l
				break
			}
		}
	}
	switch {
	case spec.NoHeader:
		tl.Header = false
	case lay != nil:
		tl.Header = lay.Header
	default:
		tl.Header = true
	}
	if tl.Header {
		tl.Names = append([]string(nil), first...)
		if len(tl.Names) > 0 {
			tl.Names[0] = strings.TrimPrefix(tl.Names[0], "\uFEFF")
		}
	} else if lay != nil {
		tl.Names = lay.Columns
	}
	if lay == nil && tl.Header {
		for _, l := range corpus.Layouts {
			if !l.Header {
				continue
			}
			ok := true
			for _, c := range append(append([]string{}, l.Text...), nonEmpty(l.Label)...) {
				ok = ok && contains(tl.Names, c)
			}
			if ok {
				l := l
				lay = &l
				break
			}
		}
	}
	tl.Text = spec.Text
	if len(tl.Text) == 0 && lay != nil {
		tl.Text = lay.Text
	}
	if len(tl.Text) == 0 {
		return tl, errors.New("which column holds the text? use --text")
	}
	return tl, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FirstRow reads the first row of a CSV/TSV input.
func FirstRow(path, format string) ([]string, error) {
	f, err := corpus.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tf := corpus.CSV
	if format == "tsv" {
		tf = corpus.TSV
	}
	tr, err := corpus.NewTableReader(path, f, tf, false, 1<<30)
	if err != nil {
		return nil, err
	}
	rec, err := tr.Next()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty input", path)
	}
	return rec, err
}

// WriteScrubbed writes a cleaned copy of every input of spec into dir,
// under the input's own file name (gzip when that name ends in .gz): the
// same rows and columns, the text columns cleaned, the leaking columns
// emptied. Malformed rows are not copied (their number is returned).
func WriteScrubbed(spec corpus.Spec, ru *Rules, dir string) (files []string, skipped int, err error) {
	c, err := ru.Compile()
	if err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	if ru.TextColumns == nil {
		ru.TextColumns = map[string][]string{}
	}
	seen := map[string]bool{}
	for _, in := range spec.Inputs {
		out := filepath.Join(dir, filepath.Base(in.Path))
		if seen[out] {
			return nil, 0, fmt.Errorf("two inputs are called %s: scrub them one at a time", filepath.Base(in.Path))
		}
		seen[out] = true
		if abs, _ := filepath.Abs(out); abs == mustAbs(in.Path) {
			return nil, 0, fmt.Errorf("scrub: %s would overwrite its input", out)
		}
		n, text, err := scrubFile(spec, in, c, ru, out)
		if err != nil {
			return nil, 0, err
		}
		ru.TextColumns[in.Path] = text
		files = append(files, out)
		skipped += n
	}
	return files, skipped, nil
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func scrubFile(spec corpus.Spec, in corpus.Input, c *Cleaner, ru *Rules, out string) (skipped int, text []string, err error) {
	format := spec.Format
	if format == "" {
		format = corpus.FormatOf(in.Path)
	}
	src, err := corpus.Open(in.Path)
	if err != nil {
		return 0, nil, err
	}
	defer src.Close()
	var buf bytes.Buffer
	switch format {
	case "csv", "tsv":
		skipped, text, err = scrubTable(spec, in.Path, format, src, c, ru, &buf)
	case "jsonl":
		skipped, text, err = scrubJSONL(spec, in.Path, src, c, ru, &buf)
	default:
		err = fmt.Errorf("%s: unknown format %q", in.Path, format)
	}
	if err != nil {
		return 0, nil, err
	}
	data := buf.Bytes()
	if strings.HasSuffix(strings.ToLower(out), ".gz") {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		if err := zw.Close(); err != nil {
			return 0, nil, err
		}
		data = z.Bytes()
	}
	return skipped, text, os.WriteFile(out, data, 0o644)
}

func scrubTable(spec corpus.Spec, path, format string, src io.Reader, c *Cleaner, ru *Rules, w io.Writer) (int, []string, error) {
	first, err := FirstRow(path, format)
	if err != nil {
		return 0, nil, err
	}
	tl, err := ResolveTable(spec, first, format)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", path, err)
	}
	tf := corpus.CSV
	if format == "tsv" {
		tf = corpus.TSV
	}
	tr, err := corpus.NewTableReader(path, src, tf, tl.Header, max(spec.MaxRow, 1<<30))
	if err != nil {
		return 0, nil, err
	}
	names := tl.Names
	if tl.Header {
		names = tr.Header()
	}
	textCols, err := corpus.ResolveColumns(names, strings.Join(tl.Text, ","))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", path, err)
	}
	var clear []int
	if len(ru.ClearColumns) > 0 {
		if clear, err = corpus.ResolveColumns(names, strings.Join(ru.ClearColumns, ",")); err != nil {
			return 0, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	write := func(rec []string) error {
		if tf == corpus.TSV {
			_, err := io.WriteString(w, strings.Join(rec, "\t")+"\n")
			return err
		}
		cw := csv.NewWriter(w)
		cw.Write(rec)
		cw.Flush()
		return cw.Error()
	}
	if tl.Header {
		if err := write(tr.Header()); err != nil {
			return 0, nil, err
		}
	}
	skipped := 0
	for {
		rec, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *corpus.LineError
			if errors.As(err, &le) {
				skipped++
				continue
			}
			return 0, nil, err
		}
		for _, i := range textCols {
			if i < len(rec) {
				rec[i] = c.Clean(rec[i])
			}
		}
		for _, i := range clear {
			if i < len(rec) {
				rec[i] = ""
			}
		}
		if err := write(rec); err != nil {
			return 0, nil, err
		}
	}
	return skipped, tl.Text, nil
}

func scrubJSONL(spec corpus.Spec, path string, src io.Reader, c *Cleaner, ru *Rules, w io.Writer) (int, []string, error) {
	if len(spec.Text) == 0 {
		return 0, nil, fmt.Errorf("%s: which field holds the text? use --text", path)
	}
	lr := corpus.NewLineReader(path, src, max(spec.MaxRow, 1<<30))
	skipped := 0
	for {
		line, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *corpus.LineError
			if errors.As(err, &le) {
				skipped++
				continue
			}
			return 0, nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		outLine, err := scrubObject(line, spec.Text, ru.ClearColumns, c)
		if err != nil {
			skipped++
			continue
		}
		if _, err := w.Write(append(outLine, '\n')); err != nil {
			return 0, nil, err
		}
	}
	return skipped, spec.Text, nil
}

// scrubObject rewrites one JSON object, members in their order, cleaning
// the text fields and emptying the cleared ones.
func scrubObject(line []byte, text, clear []string, c *Cleaner) ([]byte, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(line), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if dec.PeekKind() != '{' {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	out := []byte{'{'}
	first := true
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out, _ = jsontext.AppendQuote(out, name)
		out = append(out, ':')
		switch {
		case contains(clear, name):
			out = append(out, `""`...)
		case contains(text, name) && val.Kind() == '"':
			u, _ := jsontext.AppendUnquote(nil, val)
			out, _ = jsontext.AppendQuote(out, c.Clean(string(u)))
		default:
			out = append(out, val...)
		}
	}
	return append(out, '}'), nil
}
