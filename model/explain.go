package model

import (
	"sort"

	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/normalize"
)

// Explanation says why a model gave its verdict. For every class k the
// score is Bias[k] plus the sum over Features of Contribution[k]: the
// decomposition is exact (up to float rounding), because the model is
// linear before the softmax.
type Explanation struct {
	Label         string             `json:"label"`
	Probabilities map[string]float64 `json:"probabilities"`
	Labels        []string           `json:"labels"`
	Scores        []float64          `json:"scores"` // per class, before the softmax
	Bias          []float64          `json:"bias"`
	Features      []FeatureEffect    `json:"features"` // by |effect toward Label|, largest first
	Tokens        []TokenEffect      `json:"tokens"`   // every output token, in text order
}

// FeatureEffect is one feature's part in the scores.
type FeatureEffect struct {
	Feature      string    `json:"feature"`
	Value        float64   `json:"value"`        // its TF-IDF value in this document
	Contribution []float64 `json:"contribution"` // value × weight, per class
	Toward       float64   `json:"toward"`       // its push toward the predicted label (see Toward)
	Spans        [][2]int  `json:"spans"`        // byte ranges of the input it came from
}

// TokenEffect spreads feature effects over the words of the input, for
// highlighting: each occurrence of a feature shares its push toward the
// label equally among the tokens it covers.
type TokenEffect struct {
	Token  string  `json:"token"`
	Start  int     `json:"start"`
	End    int     `json:"end"`
	Toward float64 `json:"toward"`
}

// toward reduces per-class contributions to one number: the push toward
// class c relative to the others (for two classes, c's minus the other's;
// otherwise c's minus the mean, which leaves the softmax unchanged).
func toward(contrib []float64, c int) float64 {
	if len(contrib) == 2 {
		return contrib[c] - contrib[1-c]
	}
	var mean float64
	for _, v := range contrib {
		mean += v
	}
	return contrib[c] - mean/float64(len(contrib))
}

// Explain classifies text and decomposes the verdict.
func (m *Model) Explain(text []byte) Explanation {
	if m.FastText != nil {
		return m.explainFastText(text)
	}
	text, _ = normalize.ValidUTF8(text)
	var toks []normalize.Token
	m.Profile.Tokens(text, func(t normalize.Token) { toks = append(toks, t) })
	words := make([]string, len(toks))
	norm := make([]byte, 0, len(text))
	for i, t := range toks {
		words[i] = t.Text
		if i > 0 {
			norm = append(norm, ' ')
		}
		norm = append(norm, t.Text...)
	}
	var vec feature.Vec
	m.Features.Transform(string(norm), &vec)
	k := m.Linear.K()
	e := Explanation{Labels: m.Linear.Labels, Scores: make([]float64, k), Bias: make([]float64, k)}
	m.Linear.Scores(&vec, e.Scores)
	for c := range e.Bias {
		e.Bias[c] = float64(m.Linear.B[c])
	}
	probs := append([]float64(nil), e.Scores...)
	m.Linear.Probs(probs)
	best := argmax(probs)
	e.Label = m.Linear.Labels[best]
	e.Probabilities = make(map[string]float64, k)
	for c, l := range m.Linear.Labels {
		e.Probabilities[l] = probs[c]
	}

	effects := make(map[int32]*FeatureEffect, len(vec.Idx))
	for i, f := range vec.Idx {
		v := float64(vec.Val[i])
		fe := &FeatureEffect{Feature: m.featureName(int(f)), Value: v, Contribution: make([]float64, k)}
		for c := 0; c < k; c++ {
			fe.Contribution[c] = v * float64(m.Linear.W[int(f)*k+c])
		}
		fe.Toward = toward(fe.Contribution, best)
		effects[f] = fe
	}
	// Where each feature occurs, to point at the words.
	type occurrence struct {
		id          int32
		first, last int
	}
	var occ []occurrence
	count := map[int32]int{}
	m.Features.Locate(words, func(id int32, first, last int) {
		if fe := effects[id]; fe != nil {
			occ = append(occ, occurrence{id, first, last})
			count[id]++
			fe.Spans = append(fe.Spans, [2]int{toks[first].Start, toks[last].End})
		}
	})
	e.Tokens = make([]TokenEffect, len(toks))
	for i, t := range toks {
		e.Tokens[i] = TokenEffect{Token: t.Text, Start: t.Start, End: t.End}
	}
	for _, o := range occ {
		share := effects[o.id].Toward / float64(count[o.id]) / float64(o.last-o.first+1)
		for i := o.first; i <= o.last; i++ {
			e.Tokens[i].Toward += share
		}
	}
	for _, fe := range effects {
		e.Features = append(e.Features, *fe)
	}
	sortEffects(e.Features)
	return e
}

// sortEffects orders features by the size of their push, largest first.
func sortEffects(fs []FeatureEffect) {
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if abs(a.Toward) != abs(b.Toward) {
			return abs(a.Toward) > abs(b.Toward)
		}
		return a.Feature < b.Feature
	})
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
