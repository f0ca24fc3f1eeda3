package audit

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"time"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/eval"
	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/internal/learn"
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/normalize"
)

// Severity ranks a finding.
type Severity string

// Severities, strongest first.
const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
)

func (s Severity) rank() int {
	switch s {
	case High:
		return 0
	case Medium:
		return 1
	}
	return 2
}

// Finding kinds.
const (
	KindNGram         = "ngram"          // one near-pure n-gram
	KindNGramSummary  = "ngrams"         // what the flagged n-grams cover together
	KindFormatModel   = "format-model"   // a model on format features alone
	KindFormatFeature = "format-feature" // one continuous format feature alone
	KindFormatSignal  = "format-signal"  // one binary format signal that picks a class
	KindMetaLeak      = "meta-leak"      // a model on metadata columns
	KindLabelInCount  = "label-in-count" // a count column that counts the row's own label
	KindNearDuplicate = "near-duplicate" // 5-shingle near-copies
	KindTopicalTwin   = "topical-twin"   // content-word twins (rewrites, pairs)
)

// Finding is one likely shortcut.
type Finding struct {
	Kind     string             `json:"kind"`
	Severity Severity           `json:"severity"`
	Title    string             `json:"title"`    // one line
	Evidence string             `json:"evidence"` // what was measured, in words
	Numbers  map[string]float64 `json:"numbers,omitempty"`
	Examples []string           `json:"examples,omitempty"`
}

// Options configure an audit. The zero value of each field means its default.
type Options struct {
	// Text model (the yardstick): the same settings train uses.
	Profile  string             // normalization profile of the text model (default plain)
	Features feature.Config     // zero: feature.DefaultConfig()
	Train    model.TrainOptions // Algo default logreg; C 0 = chosen by cross-validation
	Folds    int

	// Held-out data: TestRows (a split.json, one input file), else a
	// stratified TestFrac (default 0.2).
	TestRows string
	TestFrac float64
	Seed     uint64
	// Rows is the number of data rows in the input file, for checking a
	// split.json against it; 0 means one past the largest Document.Row
	// (set it when documents were dropped after reading).
	Rows int

	// Columns of Document.Meta.
	Meta  []string // metadata columns to test for leaks
	Title string   // title column, for the empty-title signal ("" = none)
	Body  string   // body column, for the empty-body and dateline signals

	// N-grams.
	MinSupport int     // documents of the dominant class; 0: max(10, 1% of that class)
	Purity     float64 // share of the dominant class; default 0.95
	TopN       int     // n-grams to report; default 25

	// Near-duplicates.
	Jaccard        float64 // 5-shingle Jaccard for near-duplicates; default 0.5
	TopicalJaccard float64 // content-word Jaccard for topical twins; default 0.25

	Workers  int
	Progress func(stage string)
}

func (o *Options) defaults() {
	if o.Profile == "" {
		o.Profile = "plain"
	}
	if o.Features.MaxN == 0 {
		o.Features = feature.DefaultConfig()
	}
	if o.Train.Algo == "" {
		o.Train.Algo = "logreg"
	}
	if o.TestFrac <= 0 {
		o.TestFrac = 0.2
	}
	if o.Purity <= 0 {
		o.Purity = 0.95
	}
	if o.TopN <= 0 {
		o.TopN = 25
	}
	if o.Jaccard <= 0 {
		o.Jaccard = 0.5
	}
	if o.TopicalJaccard <= 0 {
		o.TopicalJaccard = 0.25
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
}

// Report is the result of an audit: findings first, then every figure
// behind them.
type Report struct {
	Documents   int            `json:"documents"`
	Labels      []string       `json:"labels"`
	ClassCounts map[string]int `json:"class_counts"`
	Split       string         `json:"split"`
	TrainRows   int            `json:"train_rows"`
	TestRows    int            `json:"test_rows"`
	// Majority is the held-out accuracy of always predicting the training
	// set's most common class: the floor every model must clear.
	Majority float64 `json:"majority_rate"`

	Findings []Finding `json:"findings"`

	Text       *ModelFigures      `json:"text_model"`
	NGrams     []NGram            `json:"ngrams"`
	Coverage   map[string]int     `json:"ngram_coverage"` // documents per class with any reported n-gram
	Format     *FormatResult      `json:"format"`
	Meta       *MetaResult        `json:"meta,omitempty"`
	Duplicates *DuplicateResult   `json:"duplicates"`
	Scrub      *ScrubResult       `json:"scrub,omitempty"`
	Seconds    map[string]float64 `json:"seconds"`

	// Kept for Rules, Clean and the writers; not part of the JSON.
	test []int
	docs []corpus.Document
	y    []int
	opt  Options
}

// ModelFigures are the held-out figures of one model.
type ModelFigures struct {
	What     string  `json:"what"`
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
	N        int     `json:"n"`
	C        float64 `json:"c,omitempty"`
}

func figures(what string, r *eval.Report) *ModelFigures {
	return &ModelFigures{What: what, Accuracy: r.Accuracy, MacroF1: r.MacroF1, N: r.N}
}

// TestIndices returns the held-out document indices the audit used.
func (r *Report) TestIndices() []int { return r.test }

// Run audits labeled documents.
func Run(docs []corpus.Document, opt Options) (*Report, error) {
	opt.defaults()
	if _, err := normalize.Lookup(opt.Profile); err != nil {
		return nil, err
	}
	labels, y, err := indexLabels(docs)
	if err != nil {
		return nil, err
	}
	rep := &Report{Documents: len(docs), Labels: labels, ClassCounts: map[string]int{}, docs: docs, y: y, opt: opt,
		Seconds: map[string]float64{}}
	for _, d := range docs {
		rep.ClassCounts[d.Label]++
	}
	train, test, desc, err := HoldOut(docs, y, opt.TestRows, opt.TestFrac, opt.Seed, opt.Rows)
	if err != nil {
		return nil, fmt.Errorf("split: %w", err)
	}
	rep.Split, rep.TrainRows, rep.TestRows, rep.test = desc, len(train), len(test), test
	rep.Majority = majorityRate(y, train, test, len(labels))
	stage := func(name string, fn func() error) error {
		opt.Progress(name)
		t := time.Now()
		err := fn()
		rep.Seconds[name] = time.Since(t).Seconds()
		return err
	}

	var prep *learn.Prepared
	var textRes *learn.Result
	if err := stage("text model", func() error {
		p, _ := normalize.Lookup(opt.Profile)
		var err error
		if prep, err = learn.Prepare(docs, p, opt.Workers); err != nil {
			return err
		}
		textRes, err = learn.Train(prep, opt.settings(test))
		if err != nil {
			return err
		}
		rep.Text = figures(fmt.Sprintf("text (%s profile, %s)", opt.Profile, opt.Train.Algo), textRes.HeldOut)
		rep.Text.C = chosenC(textRes)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := stage("n-grams", func() error {
		rep.NGrams, rep.Coverage = nearPureNGrams(docs, y, labels, opt)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := stage("format", func() error {
		var err error
		rep.Format, err = formatSignals(docs, y, labels, train, test, opt)
		return err
	}); err != nil {
		return nil, err
	}
	if len(opt.Meta) > 0 {
		if err := stage("metadata", func() error {
			var err error
			rep.Meta, err = metaLeaks(docs, y, labels, train, test, prep, textRes, opt)
			return err
		}); err != nil {
			return nil, err
		}
	}
	if err := stage("duplicates", func() error {
		rep.Duplicates = duplicates(docs, y, labels, test, opt)
		return nil
	}); err != nil {
		return nil, err
	}
	rep.Findings = rep.findings()
	return rep, nil
}

func (o Options) settings(test []int) learn.Settings {
	return learn.Settings{Profile: o.Profile, Features: o.Features, Train: o.Train, Folds: o.Folds, Workers: o.Workers,
		Split: learn.Split{Test: test, Seed: o.Seed}}
}

func chosenC(r *learn.Result) float64 {
	if c, ok := r.Model.Card.Options["C"].(float64); ok {
		return c
	}
	return 0
}

// indexLabels returns the sorted class names and each document's class.
func indexLabels(docs []corpus.Document) ([]string, []int, error) {
	if len(docs) == 0 {
		return nil, nil, errors.New("no documents")
	}
	seen := map[string]int{}
	var labels []string
	for _, d := range docs {
		if d.Label == "" {
			return nil, nil, fmt.Errorf("%s line %d: document has no label", d.File, d.Line)
		}
		if _, ok := seen[d.Label]; !ok {
			seen[d.Label] = 0
			labels = append(labels, d.Label)
		}
	}
	if len(labels) < 2 {
		return nil, nil, fmt.Errorf("the corpus has a single class (%s): nothing to audit", labels[0])
	}
	sort.Strings(labels)
	for i, l := range labels {
		seen[l] = i
	}
	y := make([]int, len(docs))
	for i, d := range docs {
		y[i] = seen[d.Label]
	}
	return labels, y, nil
}

// HoldOut picks the held-out documents as train does: the rows of a
// split.json (one input file of nRows data rows, 0 = as many as the
// documents say; rows are Document.Row), else a stratified random fraction.
func HoldOut(docs []corpus.Document, y []int, testRows string, testFrac float64, seed uint64, nRows int) (train, test []int, desc string, err error) {
	if testRows != "" {
		files := map[string]bool{}
		n := nRows
		for _, d := range docs {
			files[d.File] = true
			n = max(n, d.Row+1)
		}
		if len(files) != 1 {
			return nil, nil, "", errors.New("--test-rows needs exactly one input file (its rows are what split.json counts)")
		}
		rows, err := eval.ReadTestRows(testRows, n)
		if err != nil {
			return nil, nil, "", err
		}
		isTest := make(map[int]bool, len(rows))
		for _, r := range rows {
			isTest[r] = true
		}
		for i, d := range docs {
			if isTest[d.Row] {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		if len(test) == 0 || len(train) == 0 {
			return nil, nil, "", fmt.Errorf("%s leaves %d training and %d test documents", testRows, len(train), len(test))
		}
		return train, test, "test rows from " + testRows, nil
	}
	if testFrac <= 0 {
		testFrac = 0.2
	}
	train, test, err = eval.StratifiedSplit(y, testFrac, seed)
	if err != nil {
		return nil, nil, "", err
	}
	return train, test, fmt.Sprintf("stratified random, %.0f%% test, seed %d", 100*testFrac, seed), nil
}

// majorityRate is the held-out accuracy of predicting the most common
// training class.
func majorityRate(y, train, test []int, k int) float64 {
	count := make([]int, k)
	for _, i := range train {
		count[y[i]]++
	}
	best := 0
	for c := range count {
		if count[c] > count[best] {
			best = c
		}
	}
	hit := 0
	for _, i := range test {
		if y[i] == best {
			hit++
		}
	}
	return float64(hit) / float64(max(1, len(test)))
}

// findings gathers the findings of every part, strongest first.
func (r *Report) findings() []Finding {
	var out []Finding
	out = append(out, r.ngramFindings()...)
	if r.Format != nil {
		out = append(out, r.Format.findings(r)...)
	}
	if r.Meta != nil {
		out = append(out, r.Meta.findings(r)...)
	}
	if r.Duplicates != nil {
		out = append(out, r.Duplicates.findings(r)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity.rank() < out[j].Severity.rank() })
	return out
}

// Count returns how many findings have severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}
