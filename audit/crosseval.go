package audit

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/eval"
	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/internal/learn"
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/normalize"
)

// Corpus is one corpus of a cross-corpus evaluation.
type Corpus struct {
	Name string
	Docs []corpus.Document
	// Test holds the in-corpus held-out documents (indices into Docs); nil
	// means a stratified random CrossOptions.TestFrac.
	Test     []int
	TestDesc string
	// Group names a Document.Meta column (source, site, speaker): the
	// group-disjoint in-corpus figure is measured beside the random one.
	Group string
}

// CrossOptions configure CrossEval; the text model settings are train's.
type CrossOptions struct {
	Profile  string
	Features feature.Config
	Train    model.TrainOptions
	Folds    int
	TestFrac float64 // in-corpus held-out fraction where a corpus has no Test (default 0.2)
	Seed     uint64
	Workers  int
	Progress func(string)
}

// Cell is the figure of one train → test pair.
type Cell struct {
	Train    string  `json:"train"`
	Test     string  `json:"test"`
	How      string  `json:"how"` // "in-corpus: …", "group-disjoint by …" or "whole corpus → whole corpus"
	N        int     `json:"n"`
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
	// Majority is the test accuracy of always predicting the training
	// corpus's most common class.
	Majority float64 `json:"majority_rate"`
	// Predicted is the share of test documents given each label; Truth
	// the share that has it.
	Predicted map[string]float64 `json:"predicted_share"`
	Truth     map[string]float64 `json:"true_share"`
}

// CrossMatrix holds every figure: Cells[i][j] trains on corpus i and
// tests on corpus j; the diagonal is the in-corpus held-out figure.
type CrossMatrix struct {
	Names  []string  `json:"corpora"`
	Sizes  []int     `json:"documents"`
	Labels []string  `json:"labels"`
	Cells  [][]*Cell `json:"cells"`
	Group  []*Cell   `json:"group_disjoint"` // per corpus; nil without a group column
}

// CrossEval trains on each corpus and tests on every other (whole corpus
// to whole corpus), and measures each corpus on its own held-out part.
// All corpora must have the same labels (map them, e.g. to fake/real).
func CrossEval(cs []Corpus, opt CrossOptions) (*CrossMatrix, error) {
	if len(cs) < 1 {
		return nil, errors.New("no corpora")
	}
	if opt.Profile == "" {
		opt.Profile = "plain"
	}
	if opt.Features.MaxN == 0 {
		opt.Features = feature.DefaultConfig()
	}
	if opt.Train.Algo == "" {
		opt.Train.Algo = "logreg"
	}
	if opt.TestFrac <= 0 {
		opt.TestFrac = 0.2
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string) {}
	}
	prof, err := normalize.Lookup(opt.Profile)
	if err != nil {
		return nil, err
	}
	m := &CrossMatrix{}
	preps := make([]*learn.Prepared, len(cs))
	for i, c := range cs {
		progress(fmt.Sprintf("%s: normalizing %d documents", c.Name, len(c.Docs)))
		if preps[i], err = learn.Prepare(c.Docs, prof, opt.Workers); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		if i == 0 {
			m.Labels = preps[i].Labels
		} else if !slices.Equal(m.Labels, preps[i].Labels) {
			return nil, fmt.Errorf("%s has labels %v but %s has %v: map them to the same labels (--corpus-map)",
				c.Name, preps[i].Labels, cs[0].Name, m.Labels)
		}
		m.Names = append(m.Names, c.Name)
		m.Sizes = append(m.Sizes, len(c.Docs))
	}
	settings := func(split learn.Split) learn.Settings {
		return learn.Settings{Profile: opt.Profile, Features: opt.Features, Train: opt.Train, Folds: opt.Folds,
			Workers: opt.Workers, Split: split}
	}
	m.Cells = make([][]*Cell, len(cs))
	m.Group = make([]*Cell, len(cs))
	for i, c := range cs {
		m.Cells[i] = make([]*Cell, len(cs))
		p := preps[i]
		// In-corpus, random (or the corpus's split file).
		test, desc := c.Test, c.TestDesc
		if test == nil {
			if _, test, err = eval.StratifiedSplit(p.Y, opt.TestFrac, opt.Seed); err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			desc = fmt.Sprintf("stratified %.0f%%, seed %d", 100*opt.TestFrac, opt.Seed)
		}
		progress(fmt.Sprintf("%s: in-corpus (%s)", c.Name, desc))
		res, err := learn.Train(p, settings(learn.Split{Test: test, Seed: opt.Seed}))
		if err != nil {
			return nil, fmt.Errorf("%s in-corpus: %w", c.Name, err)
		}
		m.Cells[i][i] = cell(c.Name, c.Name, "in-corpus: "+desc, res.HeldOut, p.Y, eval.Complement(len(p.Y), test), test)
		if c.Group != "" {
			progress(fmt.Sprintf("%s: group-disjoint by %s", c.Name, c.Group))
			groups := make([]string, len(c.Docs))
			for j, d := range c.Docs {
				groups[j] = d.Meta[c.Group]
			}
			gtrain, gtest, err := eval.GroupSplit(groups, opt.TestFrac, opt.Seed)
			if err != nil {
				return nil, fmt.Errorf("%s group split: %w", c.Name, err)
			}
			res, err := learn.Train(p, settings(learn.Split{Test: gtest, Seed: opt.Seed}))
			if err != nil {
				return nil, fmt.Errorf("%s group-disjoint: %w", c.Name, err)
			}
			m.Group[i] = cell(c.Name, c.Name, fmt.Sprintf("group-disjoint by %q, %.0f%%", c.Group, 100*opt.TestFrac), res.HeldOut, p.Y, gtrain, gtest)
		}
		if len(cs) == 1 {
			continue
		}
		// Whole corpus, tested on every other.
		progress(fmt.Sprintf("%s: training on all %d documents", c.Name, len(c.Docs)))
		full, err := learn.Train(p, settings(learn.Split{Seed: opt.Seed}))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		all := make([]int, len(p.Y))
		for k := range all {
			all[k] = k
		}
		for j, o := range cs {
			if j == i {
				continue
			}
			r, err := learn.EvaluateNormalized(full.Model, o.Docs, preps[j].Texts, "", opt.Workers)
			if err != nil {
				return nil, fmt.Errorf("%s → %s: %w", c.Name, o.Name, err)
			}
			cl := cell(c.Name, o.Name, "whole corpus → whole corpus", r, p.Y, all, nil)
			cl.Majority = majorityOn(p.Y, preps[j].Y, len(m.Labels))
			m.Cells[i][j] = cl
		}
	}
	return m, nil
}

func cell(train, test, how string, r *eval.Report, y, trainIdx, testIdx []int) *Cell {
	c := &Cell{Train: train, Test: test, How: how, N: r.N, Accuracy: r.Accuracy, MacroF1: r.MacroF1, Predicted: map[string]float64{}, Truth: map[string]float64{}}
	if testIdx != nil {
		c.Majority = majorityRate(y, trainIdx, testIdx, len(r.Labels))
	}
	for p, l := range r.Labels {
		n := 0
		for t := range r.Confusion {
			n += r.Confusion[t][p]
		}
		c.Predicted[l] = float64(n) / float64(max(1, r.N))
		n = 0
		for _, v := range r.Confusion[p] {
			n += v
		}
		c.Truth[l] = float64(n) / float64(max(1, r.N))
	}
	return c
}

// majorityOn is the share of test labels equal to the training majority.
func majorityOn(train, test []int, k int) float64 {
	count := make([]int, k)
	for _, c := range train {
		count[c]++
	}
	best := 0
	for c := range count {
		if count[c] > count[best] {
			best = c
		}
	}
	hit := 0
	for _, c := range test {
		if c == best {
			hit++
		}
	}
	return float64(hit) / float64(max(1, len(test)))
}

// WriteCrossText prints the accuracy and macro-F1 matrices (rows: train
// corpus, columns: test corpus; the diagonal is in-corpus held-out) and,
// per corpus, the random and group-disjoint in-corpus figures side by side.
func WriteCrossText(w io.Writer, m *CrossMatrix) error {
	var b strings.Builder
	for _, metric := range []string{"accuracy", "macro-F1"} {
		fmt.Fprintf(&b, "%s (rows: trained on, columns: tested on; diagonal: in-corpus held-out)\n", metric)
		t := &table{header: append([]string{"TRAIN \\ TEST"}, m.Names...)}
		for i, row := range m.Cells {
			cells := []string{m.Names[i]}
			for j, c := range row {
				if c == nil {
					cells = append(cells, "-")
					continue
				}
				v := c.Accuracy
				if metric == "macro-F1" {
					v = c.MacroF1
				}
				s := fmt.Sprintf("%.3f", v)
				if i == j {
					s = "[" + s + "]"
				}
				cells = append(cells, s)
			}
			t.add(cells...)
		}
		t.write(&b, 0)
		b.WriteString("\n")
	}
	b.WriteString("in-corpus figures\n")
	t := &table{header: []string{"CORPUS", "DOCS", "HELD OUT", "ACCURACY", "MACRO-F1", "MAJORITY", "GROUP-DISJOINT", "ACCURACY", "MACRO-F1"}}
	for i, name := range m.Names {
		d := m.Cells[i][i]
		row := []string{name, fmt.Sprint(m.Sizes[i]), strings.TrimPrefix(d.How, "in-corpus: "), fmt.Sprintf("%.3f", d.Accuracy),
			fmt.Sprintf("%.3f", d.MacroF1), fmt.Sprintf("%.3f", d.Majority)}
		if g := m.Group[i]; g != nil {
			row = append(row, strings.TrimPrefix(g.How, "group-disjoint by "), fmt.Sprintf("%.3f", g.Accuracy), fmt.Sprintf("%.3f", g.MacroF1))
		} else {
			row = append(row, "-", "-", "-")
		}
		t.add(row...)
	}
	t.write(&b, 0)
	if len(m.Names) > 1 && len(m.Labels) == 2 {
		pos := "fake"
		if !slices.Contains(m.Labels, pos) {
			pos = m.Labels[1]
		}
		fmt.Fprintf(&b, "\nshare of test documents predicted %s (true share in brackets)\n", pos)
		t := &table{header: append([]string{"TRAIN \\ TEST"}, m.Names...)}
		for i, row := range m.Cells {
			cells := []string{m.Names[i]}
			for j, c := range row {
				if c == nil || i == j {
					cells = append(cells, "-")
					continue
				}
				cells = append(cells, fmt.Sprintf("%.2f (%.2f)", c.Predicted[pos], c.Truth[pos]))
			}
			t.add(cells...)
		}
		t.write(&b, 0)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
