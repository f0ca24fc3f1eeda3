package audit

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/model"
)

// Dateline matches a wire-service dateline at the start of a body:
// "WASHINGTON (Reuters) - ", "NEW YORK, N.Y. (AP) — ".
var Dateline = regexp.MustCompile(`^[A-Z ,.]+ \(([A-Za-z ]+)\) [-–—]`)

// FormatResult is what the format and length features show.
type FormatResult struct {
	Features []string        `json:"features"`
	Model    *ModelFigures   `json:"model"` // all format features together
	Majority float64         `json:"majority_rate"`
	Single   []SingleFeature `json:"single_features"`
	Signals  []Signal        `json:"signals"`
	// Histograms of log10(1 + words) per class, for plots.
	Lengths *Histogram `json:"length_histogram"`
}

// SingleFeature is one continuous format feature used alone.
type SingleFeature struct {
	Feature  string             `json:"feature"`
	Accuracy float64            `json:"accuracy"`
	MacroF1  float64            `json:"macro_f1"`
	Mean     map[string]float64 `json:"mean_per_class"`
}

// Signal is a yes/no property of documents and how often each class has it.
type Signal struct {
	Name   string         `json:"signal"`
	Counts map[string]int `json:"counts"` // documents with the property, per class
	Class  string         `json:"class,omitempty"`
	Purity float64        `json:"purity"`
	Pure   bool           `json:"shortcut"` // it picks out Class on its own
}

// Histogram counts documents per class in equal-width bins.
type Histogram struct {
	What   string           `json:"what"`
	Lo, Hi float64          `json:"-"`
	Edges  []float64        `json:"edges"`
	Counts map[string][]int `json:"counts"`
}

// formatDoc holds the measured properties of one document.
type formatDoc struct {
	dense   []float64
	signals []bool
}

var denseNames = []string{
	"log chars", "log words", "log lines", "log paragraphs", "uppercase ratio", "punctuation ratio",
	"log exclamation marks", "log question marks", "log URLs", "log @mentions", "log #hashtags",
	"non-ASCII ratio", "straight-quote share", "log title words",
}

var signalNames = []string{
	"empty text", "empty title", "empty body", "leading dateline", "has URL", "has @mention", "has #hashtag",
	"has exclamation mark", "has question mark", "single line", "all-caps title", "has non-ASCII",
	"has curly quotes", "has straight apostrophe",
}

func measure(d corpus.Document, titleCol, bodyCol string) formatDoc {
	text := d.Text
	title, body := "", text
	hasTitle := titleCol != ""
	if hasTitle {
		title = d.Meta[titleCol]
	}
	if bodyCol != "" {
		body = d.Meta[bodyCol]
	}
	var chars, upper, letters, punct, excl, quest, nonASCII, straight, curly, apos, at, hash int
	for _, r := range text {
		chars++
		switch {
		case unicode.IsUpper(r):
			upper++
			letters++
		case unicode.IsLetter(r):
			letters++
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			punct++
		}
		if r > 127 {
			nonASCII++
		}
		switch r {
		case '!':
			excl++
		case '?':
			quest++
		case '\'':
			straight++
			apos++
		case '"':
			straight++
		case '‘', '’', '“', '”':
			curly++
		case '@':
			at++
		case '#':
			hash++
		}
	}
	words := len(strings.Fields(text))
	lines := strings.Count(strings.TrimSpace(text), "\n") + 1
	paras := len(paraBreak.FindAllStringIndex(strings.TrimSpace(text), -1)) + 1
	urls := len(urlRE.FindAllStringIndex(text, -1))
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	l1 := func(n int) float64 { return math.Log1p(float64(n)) }
	titleWords := len(strings.Fields(title))
	quoteShare := 0.5
	if straight+curly > 0 {
		quoteShare = ratio(straight, straight+curly)
	}
	f := formatDoc{dense: []float64{
		l1(chars), l1(words), l1(lines), l1(paras), ratio(upper, letters), ratio(punct, max(1, chars)),
		l1(excl), l1(quest), l1(urls), l1(at), l1(hash), ratio(nonASCII, max(1, chars)), quoteShare, l1(titleWords),
	}}
	trimmedTitle := strings.TrimSpace(title)
	f.signals = []bool{
		strings.TrimSpace(text) == "",
		hasTitle && trimmedTitle == "",
		bodyCol != "" && strings.TrimSpace(body) == "",
		Dateline.MatchString(strings.TrimSpace(body)),
		urls > 0, at > 0, hash > 0, excl > 0, quest > 0,
		lines == 1 && words > 0,
		hasTitle && allCaps(trimmedTitle) && len(strings.Fields(trimmedTitle)) >= 2,
		nonASCII > 0, curly > 0, apos > 0,
	}
	return f
}

var (
	paraBreak = regexp.MustCompile(`\n[ \t\r]*\n`)
	urlRE     = regexp.MustCompile(`(?i)\bhttps?://\S+|\bwww\.\S+`)
)

func formatSignals(docs []corpus.Document, y []int, labels []string, train, test []int, opt Options) (*FormatResult, error) {
	k := len(labels)
	fd := make([]formatDoc, len(docs))
	parallelFor(len(docs), opt.Workers, func(i int) { fd[i] = measure(docs[i], opt.Title, opt.Body) })
	names := denseNames
	dims := len(names)
	if opt.Title == "" {
		dims-- // no title: the last feature is always 0
	}
	rows := make([][]float64, len(docs))
	for i := range fd {
		rows[i] = fd[i].dense[:dims]
	}
	res := &FormatResult{Features: names[:dims], Majority: majorityRate(y, train, test, k)}
	X := standardize(rows, train, 0)
	rep, err := fitEval(X, dims, y, labels, train, test, model.TrainOptions{Seed: opt.Seed, Workers: opt.Workers})
	if err != nil {
		return nil, fmt.Errorf("format model: %w", err)
	}
	res.Model = figures("format features only", rep)
	for j := 0; j < dims; j++ {
		col := column(rows, j)
		Xj := standardize(col, train, 0)
		r, err := fitEval(Xj, 1, y, labels, train, test, model.TrainOptions{Seed: opt.Seed, Workers: opt.Workers})
		if err != nil {
			return nil, fmt.Errorf("format feature %s: %w", names[j], err)
		}
		sf := SingleFeature{Feature: names[j], Accuracy: r.Accuracy, MacroF1: r.MacroF1, Mean: map[string]float64{}}
		count := make([]int, k)
		for i := range rows {
			sf.Mean[labels[y[i]]] += rows[i][j]
			count[y[i]]++
		}
		for c, l := range labels {
			sf.Mean[l] /= float64(max(1, count[c]))
		}
		res.Single = append(res.Single, sf)
	}
	sort.SliceStable(res.Single, func(a, b int) bool { return res.Single[a].Accuracy > res.Single[b].Accuracy })

	// Binary signals, both ways round ("has a body" and "has no body").
	n := len(docs)
	classDocs := make([]int, k)
	for _, c := range y {
		classDocs[c]++
	}
	for s, name := range signalNames {
		for _, want := range []bool{true, false} {
			counts := make([]int, k)
			for i := range fd {
				if fd[i].signals[s] == want {
					counts[y[i]]++
				}
			}
			total, best := 0, 0
			for c, v := range counts {
				total += v
				if v > counts[best] {
					best = c
				}
			}
			if total == 0 || total == n {
				continue
			}
			label := name
			if !want {
				label = "not: " + name
			}
			sig := Signal{Name: label, Counts: map[string]int{}, Class: labels[best], Purity: float64(counts[best]) / float64(total)}
			for c, v := range counts {
				sig.Counts[labels[c]] = v
			}
			prior := float64(classDocs[best]) / float64(n)
			sig.Pure = counts[best] >= max(5, int(math.Ceil(0.005*float64(n)))) && sig.Purity >= max(0.95, (1+prior)/2)
			if want || sig.Pure {
				res.Signals = append(res.Signals, sig)
			}
		}
	}
	res.Lengths = histogram("log10(1 + words)", docs, y, labels, func(i int) float64 { return rows[i][1] / math.Ln10 }, 24)
	return res, nil
}

func histogram(what string, docs []corpus.Document, y []int, labels []string, val func(i int) float64, bins int) *Histogram {
	h := &Histogram{What: what, Counts: map[string][]int{}}
	h.Lo, h.Hi = math.Inf(1), math.Inf(-1)
	for i := range docs {
		v := val(i)
		h.Lo, h.Hi = min(h.Lo, v), max(h.Hi, v)
	}
	if !(h.Hi > h.Lo) {
		h.Hi = h.Lo + 1
	}
	for b := 0; b <= bins; b++ {
		h.Edges = append(h.Edges, h.Lo+(h.Hi-h.Lo)*float64(b)/float64(bins))
	}
	for _, l := range labels {
		h.Counts[l] = make([]int, bins)
	}
	for i := range docs {
		b := int(float64(bins) * (val(i) - h.Lo) / (h.Hi - h.Lo))
		b = max(0, min(bins-1, b))
		h.Counts[labels[y[i]]][b]++
	}
	return h
}

func (f *FormatResult) findings(r *Report) []Finding {
	var out []Finding
	gain := f.Model.Accuracy - f.Majority
	sev := Low
	switch {
	case gain >= 0.10:
		sev = High
	case gain >= 0.05:
		sev = Medium
	}
	fmod := Finding{Kind: KindFormatModel, Severity: sev,
		Title: fmt.Sprintf("a model on format features alone reaches accuracy %.3f (majority rate %.3f)", f.Model.Accuracy, f.Majority),
		Evidence: fmt.Sprintf("logistic regression on %d features that are not the content (%s), held-out macro-F1 %.3f",
			len(f.Features), strings.Join(f.Features, ", "), f.Model.MacroF1),
		Numbers: map[string]float64{"accuracy": f.Model.Accuracy, "macro_f1": f.Model.MacroF1, "majority_rate": f.Majority}}
	if r.Text != nil {
		fmod.Numbers["text_accuracy"] = r.Text.Accuracy
		fmod.Evidence += fmt.Sprintf("; the text model reaches %.3f", r.Text.Accuracy)
	}
	out = append(out, fmod)
	for _, s := range f.Single {
		g := s.Accuracy - f.Majority
		if g < 0.08 {
			continue
		}
		sev := Medium
		if g >= 0.15 {
			sev = High
		}
		var means []string
		for _, l := range r.Labels {
			means = append(means, fmt.Sprintf("%s %.2f", l, s.Mean[l]))
		}
		out = append(out, Finding{Kind: KindFormatFeature, Severity: sev,
			Title:    fmt.Sprintf("%s alone gives accuracy %.3f (majority rate %.3f)", s.Feature, s.Accuracy, f.Majority),
			Evidence: "class means: " + strings.Join(means, ", "),
			Numbers:  map[string]float64{"accuracy": s.Accuracy, "macro_f1": s.MacroF1, "majority_rate": f.Majority}})
	}
	for _, s := range f.Signals {
		if !s.Pure {
			continue
		}
		total := 0
		for _, v := range s.Counts {
			total += v
		}
		sev := Medium
		if s.Purity >= 0.99 && s.Counts[s.Class] >= 10 {
			sev = High
		}
		out = append(out, Finding{Kind: KindFormatSignal, Severity: sev,
			Title:    fmt.Sprintf("%s: %s", s.Name, supportString(s.Counts, r.Labels)),
			Evidence: fmt.Sprintf("%.1f%% of the %d documents with this property are %s: the property alone is a rule for that class", 100*s.Purity, total, s.Class),
			Numbers:  map[string]float64{"purity": s.Purity, "support": float64(s.Counts[s.Class])}})
	}
	return out
}

// parallelFor runs fn(i) for i in [0, n) on workers goroutines.
func parallelFor(n, workers int, fn func(i int)) {
	workers = max(1, min(workers, n))
	done := make(chan struct{})
	for w := range workers {
		go func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
			done <- struct{}{}
		}()
	}
	for range workers {
		<-done
	}
}
