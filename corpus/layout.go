package corpus

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// LabelMap merges or renames labels: "true,mostly-true,half-true=real;
// barely-true,false,pants-fire=fake". A "*" source matches any label not
// named; the target "-" (Drop) leaves the rows out ("mixture=-"). A label
// the map does not cover is a malformed row.
type LabelMap map[string]string

// Drop is the label-map target that leaves rows out.
const Drop = "-"

// ParseLabelMap parses the --label-map syntax.
func ParseLabelMap(s string) (LabelMap, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := LabelMap{}
	for _, group := range strings.Split(s, ";") {
		if strings.TrimSpace(group) == "" {
			continue
		}
		from, to, ok := strings.Cut(group, "=")
		to = strings.TrimSpace(to)
		if !ok || to == "" {
			return nil, fmt.Errorf("label map %q: %q is not SOURCES=TARGET", s, group)
		}
		for _, f := range strings.Split(from, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				return nil, fmt.Errorf("label map %q: empty source label in %q", s, group)
			}
			if prev, dup := m[f]; dup && prev != to {
				return nil, fmt.Errorf("label map %q: %q maps to both %q and %q", s, f, prev, to)
			}
			m[f] = to
		}
	}
	return m, nil
}

// Map returns the label l maps to.
func (m LabelMap) Map(l string) (string, bool) {
	if to, ok := m[l]; ok {
		return to, true
	}
	to, ok := m["*"]
	return to, ok
}

// String renders the map in --label-map syntax, sorted, for model cards.
func (m LabelMap) String() string {
	by := map[string][]string{}
	for f, t := range m {
		by[t] = append(by[t], f)
	}
	var parts []string
	for t, fs := range by {
		sort.Strings(fs)
		parts = append(parts, strings.Join(fs, ",")+"="+t)
	}
	sort.Strings(parts)
	return strings.Join(parts, ";")
}

// Layout describes a well-known corpus file so users need not spell out
// its columns.
type Layout struct {
	Name     string
	Format   string   // csv or tsv
	Header   bool     // the file has a header row
	Columns  []string // column names of a headerless file
	Text     []string // default text columns
	Label    string   // default label column ("" when labels come per file)
	LabelMap string   // default label map, for corpora whose labels are codes
	About    string
}

// Layouts are the corpora credence recognises by their header (or, for
// LIAR, by shape). Pass --layout to choose one explicitly.
var Layouts = []Layout{
	{Name: "liar", Format: "tsv", Columns: []string{"id", "label", "statement", "subject", "speaker", "job", "state", "party",
		"barely_true_counts", "false_counts", "half_true_counts", "mostly_true_counts", "pants_on_fire_counts", "context"},
		Text: []string{"statement"}, Label: "label", About: "LIAR (Wang 2017): 14-column TSV, no header, no quoting; six PolitiFact ratings"},
	{Name: "perezrosas", Format: "csv", Header: true, Text: []string{"title", "text"}, Label: "label",
		About: "Pérez-Rosas et al. 2018 FakeNewsAMT + Celebrity: dataset,domain,file,label,title,text"},
	{Name: "agnews", Format: "csv", Header: true, Text: []string{"title", "description"}, Label: "label",
		LabelMap: "1=World;2=Sports;3=Business;4=Sci/Tech", About: "AG News: label,title,description (labels 1-4)"},
	{Name: "agnews-raw", Format: "csv", Columns: []string{"label", "title", "description"}, Text: []string{"title", "description"}, Label: "label",
		LabelMap: "1=World;2=Sports;3=Business;4=Sci/Tech", About: "AG News as originally distributed: no header"},
	{Name: "isot", Format: "csv", Header: true, Text: []string{"title", "text"},
		About: "ISOT Fake.csv / True.csv: title,text,subject,date; give labels per file (--data Fake.csv=fake --data True.csv=real)"},
	{Name: "mcintire", Format: "csv", Header: true, Text: []string{"title", "text"}, Label: "label", LabelMap: "FAKE=fake;REAL=real",
		About: "McIntire fake_or_real_news.csv: id,title,text,label (FAKE/REAL)"},
	{Name: "kaggle", Format: "csv", Header: true, Text: []string{"title", "text"}, Label: "label", LabelMap: "1=fake;0=real",
		About: "Kaggle Fake News train.csv: id,title,author,text,label (1 = unreliable)"},
}

// LayoutNamed finds a layout by name.
func LayoutNamed(name string) (Layout, error) {
	var names []string
	for _, l := range Layouts {
		if l.Name == name {
			return l, nil
		}
		names = append(names, l.Name)
	}
	return Layout{}, fmt.Errorf("unknown layout %q (have %s)", name, strings.Join(names, ", "))
}

var liarID = regexp.MustCompile(`^\d+\.json$`)

// detectLayout recognises a known corpus from its first row.
func detectLayout(first []string, format string) (Layout, bool) {
	h := strings.Join(first, ",")
	name := ""
	switch {
	case format == "tsv" && len(first) == 14 && liarID.MatchString(first[0]):
		name = "liar"
	case h == "dataset,domain,file,label,title,text":
		name = "perezrosas"
	case h == "label,title,description" || h == "Class Index,Title,Description":
		name = "agnews"
	case len(first) == 3 && (first[0] == "1" || first[0] == "2" || first[0] == "3" || first[0] == "4"):
		name = "agnews-raw"
	case h == "title,text,subject,date":
		name = "isot"
	case h == "id,title,author,text,label":
		name = "kaggle"
	case len(first) == 4 && (first[0] == "" || first[0] == "Unnamed: 0" || first[0] == "id") && strings.HasSuffix(h, ",title,text,label"):
		name = "mcintire"
	}
	if name == "" {
		return Layout{}, false
	}
	l, _ := LayoutNamed(name)
	return l, true
}

type resolved struct {
	r        io.Reader
	header   bool
	names    []string
	text     []string
	label    string
	labelMap string
}

// resolveLayout peeks at the first row to pick up a known layout, unless
// the spec names one; explicit --text/--label always win over its defaults.
func resolveLayout(spec Spec, in Input, r io.Reader, tf TableFormat) (resolved, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	res := resolved{r: br, header: !spec.NoHeader}
	var l Layout
	found := false
	if spec.Layout != "" {
		var err error
		if l, err = LayoutNamed(spec.Layout); err != nil {
			return res, err
		}
		found = true
	} else {
		line, _ := br.Peek(br.Size())
		if i := strings.IndexByte(string(line), '\n'); i >= 0 {
			line = line[:i]
		}
		text := strings.TrimRight(strings.TrimPrefix(string(line), "\uFEFF"), "\r")
		first := strings.Split(text, "\t")
		if tf == CSV {
			cr := csv.NewReader(strings.NewReader(text))
			cr.LazyQuotes = true
			first, _ = cr.Read()
		}
		l, found = detectLayout(first, map[TableFormat]string{CSV: "csv", TSV: "tsv"}[tf])
	}
	if !found {
		return res, nil
	}
	if !spec.NoHeader {
		res.header = l.Header
	}
	res.names, res.text, res.label, res.labelMap = l.Columns, l.Text, l.Label, l.LabelMap
	return res, nil
}
