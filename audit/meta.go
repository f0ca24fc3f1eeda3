package audit

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/internal/learn"
	"github.com/credence-news/credence/model"
)

// MetaResult compares models on metadata columns with the text model.
type MetaResult struct {
	Columns        []MetaColumn  `json:"columns"`
	Majority       float64       `json:"majority_rate"`
	Text           *ModelFigures `json:"text"`
	ColumnsOnly    *ModelFigures `json:"columns_only"`
	TextAndColumns *ModelFigures `json:"text_and_columns"`
	// Corrected is the columns-only model with each leaking count column
	// reduced by the row's own label (set when CountLeaks is not empty).
	Corrected  *ModelFigures `json:"columns_only_corrected,omitempty"`
	CountLeaks []CountLeak   `json:"count_leaks,omitempty"`
}

// MetaColumn is one metadata column and how well it predicts alone.
type MetaColumn struct {
	Name    string        `json:"name"`
	Kind    string        `json:"kind"` // numeric or categorical
	Values  int           `json:"distinct_values"`
	Missing int           `json:"missing"`
	Alone   *ModelFigures `json:"alone"`
}

// CountLeak is a count column that includes the row's own label: it is at
// least 1 in (nearly) every row of Label, and less often elsewhere.
type CountLeak struct {
	Column    string  `json:"column"`
	Label     string  `json:"label"`
	WithLabel float64 `json:"share_ge1_with_label"`   // rows of Label with a count >= 1
	Others    float64 `json:"share_ge1_other_labels"` // other rows with a count >= 1
	NameMatch bool    `json:"name_matches_label"`
}

type metaCol struct {
	name    string
	numeric bool
	num     []float64
	missing []bool
	cat     []string
	values  int
	nmiss   int
}

func readMetaCol(docs []corpus.Document, name string) metaCol {
	c := metaCol{name: name, num: make([]float64, len(docs)), missing: make([]bool, len(docs)), cat: make([]string, len(docs))}
	parsed, nonEmpty := 0, 0
	distinct := map[string]bool{}
	for i, d := range docs {
		v := strings.TrimSpace(d.Meta[name])
		c.cat[i] = v
		distinct[v] = true
		if v == "" {
			c.missing[i] = true
			c.nmiss++
			continue
		}
		nonEmpty++
		if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			c.num[i] = f
			parsed++
		}
	}
	c.values = len(distinct)
	c.numeric = nonEmpty > 0 && float64(parsed) >= 0.95*float64(nonEmpty) && c.values > 2
	return c
}

// metaFeatures encodes columns as vectors: numbers as sign·log(1+|x|)
// (with a missing indicator), standardized on the training rows; other
// columns one-hot over the values seen twice or more in training (the rest
// share one "other" slot). Feature ids start at offset.
func metaFeatures(cols []metaCol, n int, train []int, offset int32) ([]feature.Vec, int) {
	var dense [][]float64
	for _, c := range cols {
		if !c.numeric {
			continue
		}
		hasMiss := c.nmiss > 0
		for i := 0; i < n; i++ {
			if dense == nil {
				dense = make([][]float64, n)
			}
			x := c.num[i]
			dense[i] = append(dense[i], math.Copysign(math.Log1p(math.Abs(x)), x))
			if hasMiss {
				m := 0.0
				if c.missing[i] {
					m = 1
				}
				dense[i] = append(dense[i], m)
			}
		}
	}
	var X []feature.Vec
	nd := 0
	if dense != nil {
		nd = len(dense[0])
		X = standardize(dense, train, offset)
	} else {
		X = make([]feature.Vec, n)
	}
	next := offset + int32(nd)
	for _, c := range cols {
		if c.numeric {
			continue
		}
		count := map[string]int{}
		for _, i := range train {
			count[c.cat[i]]++
		}
		var vals []string
		for v, k := range count {
			if k >= 2 {
				vals = append(vals, v)
			}
		}
		sort.Slice(vals, func(a, b int) bool {
			if count[vals[a]] != count[vals[b]] {
				return count[vals[a]] > count[vals[b]]
			}
			return vals[a] < vals[b]
		})
		if len(vals) > 5000 {
			vals = vals[:5000]
		}
		index := map[string]int32{}
		for j, v := range vals {
			index[v] = next + int32(j)
		}
		other := next + int32(len(vals))
		for i := 0; i < n; i++ {
			id, ok := index[c.cat[i]]
			if !ok {
				id = other
			}
			X[i].Idx = append(X[i].Idx, id)
			X[i].Val = append(X[i].Val, 1)
		}
		next = other + 1
	}
	return X, int(next - offset)
}

func metaLeaks(docs []corpus.Document, y []int, labels []string, train, test []int, prep *learn.Prepared, text *learn.Result, opt Options) (*MetaResult, error) {
	n := len(docs)
	for _, name := range opt.Meta {
		ok := false
		for _, d := range docs {
			if _, ok = d.Meta[name]; ok {
				break
			}
		}
		if !ok {
			return nil, fmt.Errorf("no metadata column %q was read (pass it to --meta so it is kept)", name)
		}
	}
	res := &MetaResult{Majority: majorityRate(y, train, test, len(labels)), Text: figures("text only", text.HeldOut)}
	cols := make([]metaCol, len(opt.Meta))
	for j, name := range opt.Meta {
		cols[j] = readMetaCol(docs, name)
	}
	plain := model.TrainOptions{Seed: opt.Seed, Workers: opt.Workers}
	fit := func(what string, cs []metaCol) (*ModelFigures, error) {
		X, nf := metaFeatures(cs, n, train, 0)
		r, err := fitEval(X, nf, y, labels, train, test, plain)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return figures(what, r), nil
	}
	for j := range cols {
		c := cols[j]
		mc := MetaColumn{Name: c.name, Kind: "categorical", Values: c.values, Missing: c.nmiss}
		if c.numeric {
			mc.Kind = "numeric"
		}
		var err error
		if mc.Alone, err = fit("column "+c.name, cols[j:j+1]); err != nil {
			return nil, err
		}
		res.Columns = append(res.Columns, mc)
	}
	var err error
	if res.ColumnsOnly, err = fit("columns only", cols); err != nil {
		return nil, err
	}

	// Text and columns: the text model's features and C, plus the columns.
	vz := text.Model.Features
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	TX := learn.Vectorize(vz, prep.Texts, all, opt.Workers)
	MX, nm := metaFeatures(cols, n, train, int32(vz.NumFeatures()))
	for i := range TX {
		TX[i].Idx = append(TX[i].Idx, MX[i].Idx...)
		TX[i].Val = append(TX[i].Val, MX[i].Val...)
	}
	to := opt.Train
	to.C, to.Workers = chosenC(text), opt.Workers
	if to.Algo == "nb" {
		to.Algo = "logreg" // standardized columns can be negative
	}
	r, err := fitEval(TX, vz.NumFeatures()+nm, y, labels, train, test, to)
	if err != nil {
		return nil, fmt.Errorf("text and columns: %w", err)
	}
	res.TextAndColumns = figures("text and columns", r)

	// Count columns that include the row's own label.
	for j, c := range cols {
		if leak, ok := countLeak(c, y, labels); ok {
			res.CountLeaks = append(res.CountLeaks, leak)
			corrected := cols[j]
			corrected.num = append([]float64(nil), c.num...)
			for i := range corrected.num {
				if labels[y[i]] == leak.Label && corrected.num[i] >= 1 {
					corrected.num[i]--
				}
			}
			cols[j] = corrected
		}
	}
	if len(res.CountLeaks) > 0 {
		if res.Corrected, err = fit("columns only, own label subtracted", cols); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// countLeak checks whether a non-negative integer column counts the row's
// own label: for some label it is >= 1 in at least 98% of that label's
// rows, and clearly less often in the others'.
func countLeak(c metaCol, y []int, labels []string) (CountLeak, bool) {
	if !c.numeric {
		return CountLeak{}, false
	}
	for i, v := range c.num {
		if !c.missing[i] && (v < 0 || v != math.Trunc(v)) {
			return CountLeak{}, false
		}
	}
	k := len(labels)
	ge1 := make([]int, k)
	tot := make([]int, k)
	all1, all := 0, 0
	for i, v := range c.num {
		if c.missing[i] {
			continue
		}
		tot[y[i]]++
		all++
		if v >= 1 {
			ge1[y[i]]++
			all1++
		}
	}
	best := -1
	bestShare := 0.0
	for l := range labels {
		if tot[l] < 20 {
			continue
		}
		if s := float64(ge1[l]) / float64(tot[l]); s > bestShare {
			best, bestShare = l, s
		}
	}
	if best < 0 || all == tot[best] {
		return CountLeak{}, false
	}
	others := float64(all1-ge1[best]) / float64(all-tot[best])
	if bestShare < 0.98 || others > bestShare-0.05 {
		return CountLeak{}, false
	}
	return CountLeak{Column: c.name, Label: labels[best], WithLabel: bestShare, Others: others,
		NameMatch: nameWords(c.name) == nameWords(labels[best])}, true
}

// nameWords reduces "pants_on_fire_counts" and "pants-fire" alike to "fire pants".
func nameWords(s string) string {
	skip := map[string]bool{"count": true, "counts": true, "n": true, "num": true, "on": true, "of": true, "the": true, "total": true}
	var ws []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !skip[w] {
			ws = append(ws, w)
		}
	}
	sort.Strings(ws)
	return strings.Join(ws, " ")
}

func (m *MetaResult) findings(r *Report) []Finding {
	var out []Finding
	names := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		names[i] = c.Name
	}
	cols := strings.Join(names, ", ")
	nums := map[string]float64{"columns_only": m.ColumnsOnly.Accuracy, "text_only": m.Text.Accuracy,
		"text_and_columns": m.TextAndColumns.Accuracy, "majority_rate": m.Majority}
	ev := fmt.Sprintf("held-out accuracy: columns only %.3f, text only %.3f, text and columns %.3f (macro-F1 %.3f, %.3f, %.3f); majority rate %.3f",
		m.ColumnsOnly.Accuracy, m.Text.Accuracy, m.TextAndColumns.Accuracy, m.ColumnsOnly.MacroF1, m.Text.MacroF1, m.TextAndColumns.MacroF1, m.Majority)
	var alone []string
	for _, c := range m.Columns {
		alone = append(alone, fmt.Sprintf("%s %.3f", c.Name, c.Alone.Accuracy))
	}
	examples := []string{"each column alone: " + strings.Join(alone, ", ")}
	switch {
	case m.ColumnsOnly.Accuracy >= m.Text.Accuracy+0.02 && m.ColumnsOnly.Accuracy >= m.Majority+0.05:
		out = append(out, Finding{Kind: KindMetaLeak, Severity: High,
			Title:    fmt.Sprintf("metadata columns (%s) alone give %.3f, the text %.3f", cols, m.ColumnsOnly.Accuracy, m.Text.Accuracy),
			Evidence: ev + ": a model fed these columns learns them, not the text", Numbers: nums, Examples: examples})
	case m.TextAndColumns.Accuracy >= m.Text.Accuracy+0.05:
		out = append(out, Finding{Kind: KindMetaLeak, Severity: High,
			Title:    fmt.Sprintf("adding metadata columns (%s) lifts accuracy from %.3f to %.3f", cols, m.Text.Accuracy, m.TextAndColumns.Accuracy),
			Evidence: ev, Numbers: nums, Examples: examples})
	case m.ColumnsOnly.Accuracy >= m.Majority+0.1:
		out = append(out, Finding{Kind: KindMetaLeak, Severity: Medium,
			Title:    fmt.Sprintf("metadata columns (%s) predict the label: %.3f vs majority %.3f", cols, m.ColumnsOnly.Accuracy, m.Majority),
			Evidence: ev + ": a proxy for the label (source, speaker, site); never feed them to a text model", Numbers: nums, Examples: examples})
	default:
		out = append(out, Finding{Kind: KindMetaLeak, Severity: Low,
			Title:    fmt.Sprintf("metadata columns (%s) add little: %.3f alone, text %.3f", cols, m.ColumnsOnly.Accuracy, m.Text.Accuracy),
			Evidence: ev, Numbers: nums, Examples: examples})
	}
	if len(m.CountLeaks) > 0 {
		var parts []string
		for _, l := range m.CountLeaks {
			match := ""
			if l.NameMatch {
				match = ", as its name says"
			}
			parts = append(parts, fmt.Sprintf("%s is >= 1 in %.1f%% of %s rows vs %.1f%% of others%s", l.Column, 100*l.WithLabel, l.Label, 100*l.Others, match))
		}
		f := Finding{Kind: KindLabelInCount, Severity: High,
			Title:    fmt.Sprintf("%d count column(s) include the row's own label", len(m.CountLeaks)),
			Evidence: strings.Join(parts, "; "), Numbers: map[string]float64{"columns_only": m.ColumnsOnly.Accuracy}}
		if m.Corrected != nil {
			f.Evidence += fmt.Sprintf(". With the own label subtracted, the columns-only model falls from %.3f to %.3f (text only: %.3f)",
				m.ColumnsOnly.Accuracy, m.Corrected.Accuracy, m.Text.Accuracy)
			f.Numbers["columns_only_corrected"] = m.Corrected.Accuracy
		}
		out = append(out, f)
	}
	return out
}
