package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"

	"github.com/credence-news/credence/model/fasttext"
	"github.com/credence-news/credence/normalize"
)

// A Model holds either a linear classifier over TF-IDF features or a
// fastText-class classifier (FastText). The fastText kind is trained by
// credence (--algo fasttext) or imported from fastText's own .bin/.ftz
// files; an imported model has no normalization profile: it reads text as
// fastText does, whitespace-separated tokens as given.

const tagFastText = "FTXT"

// fastTextMagic starts every fastText .bin/.ftz file (little-endian int32).
const fastTextMagic = 793712314

// isFastTextFile reports whether path starts with fastText's magic number.
func isFastTextFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [4]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false
	}
	return int32(binary.LittleEndian.Uint32(head[:])) == fastTextMagic
}

// loadFastText imports a fastText supervised model file.
func loadFastText(path string) (*Model, error) {
	ft, err := fasttext.Load(path)
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	info := ft.Info()
	m := &Model{FastText: ft}
	m.Card = Card{
		ID:      "fasttext-" + sum[:12],
		Algo:    "fasttext (imported)",
		Labels:  ft.Labels(),
		Notes:   map[string]string{"source": "fastText model file " + path + "; text is read as fastText reads it (whitespace-separated tokens, no normalization)"},
		Options: info,
	}
	return m, nil
}

// probsNormalized scores text already prepared with the model's profile.
func (m *Model) probsNormalized(norm []byte, probs []float64, s *scratch) int {
	if m.FastText != nil {
		best := m.FastText.Probabilities(norm, probs)
		for i, p := range probs {
			probs[i] = min(p, 1) // fastText reports p + 1e-5; a probability stays a probability
		}
		return best
	}
	m.Features.Transform(string(norm), &s.vec)
	m.Linear.Scores(&s.vec, probs)
	m.Linear.Probs(probs)
	return argmax(probs)
}

// explainFastText decomposes a fastText-class verdict into the same shape
// as a linear one: per-feature (word, word n-gram, character n-gram)
// contributions to each label's score, and per-token effects. For softmax
// and one-vs-all losses the scores are the logits and the parts sum to them
// exactly; for hierarchical softmax see fasttext.Explanation.
func (m *Model) explainFastText(text []byte) Explanation {
	text, _ = normalize.ValidUTF8(text)
	// The tokens fastText sees, and where each came from in the input.
	var spans [][2]int
	input := text
	if m.Profile != nil {
		var norm []byte
		m.Profile.Tokens(text, func(t normalize.Token) {
			if len(norm) > 0 {
				norm = append(norm, ' ')
			}
			norm = append(norm, t.Text...)
			spans = append(spans, [2]int{t.Start, t.End})
		})
		input = norm
	}
	fe := m.FastText.Explain(input)
	k := len(fe.Labels)
	e := Explanation{Labels: fe.Labels, Scores: fe.Scores, Bias: make([]float64, k), Probabilities: map[string]float64{}}
	best := max(fe.Label, 0)
	e.Label = fe.Labels[best]
	for c, l := range fe.Labels {
		e.Probabilities[l] = fe.Probs[c]
	}
	// Token i of fastText's explanation is token i of the profile (both
	// split the normalized text at spaces); the last one is end-of-line.
	src := func(i int, t fasttext.TokenContribution) (int, int) {
		if m.Profile == nil {
			return t.Start, t.End
		}
		if i < len(spans) {
			return spans[i][0], spans[i][1]
		}
		return len(text), len(text)
	}
	for i, t := range fe.Tokens {
		s0, s1 := src(i, t)
		e.Tokens = append(e.Tokens, TokenEffect{Token: t.Token, Start: s0, End: s1, Toward: toward(t.Contribution, best)})
	}
	// One entry per feature: a word seen twice is one feature with two spans.
	byName := map[string]*FeatureEffect{}
	var order []string
	for _, f := range fe.Features {
		if !f.Known {
			continue
		}
		name := f.Text
		if f.Kind == "char-ngram" {
			name = "c:" + f.Text
		}
		fx := byName[name]
		if fx == nil {
			fx = &FeatureEffect{Feature: name, Contribution: make([]float64, k)}
			byName[name] = fx
			order = append(order, name)
		}
		fx.Value += 1 / float64(max(fe.Rows, 1))
		for c, v := range f.Contribution {
			fx.Contribution[c] += v
		}
		if f.Tokens[0] < len(fe.Tokens) && f.Tokens[1] > f.Tokens[0] {
			a, _ := src(f.Tokens[0], fe.Tokens[f.Tokens[0]])
			_, b := src(f.Tokens[1]-1, fe.Tokens[f.Tokens[1]-1])
			fx.Spans = append(fx.Spans, [2]int{a, b})
		}
	}
	for _, name := range order {
		fx := byName[name]
		fx.Toward = toward(fx.Contribution, best)
		e.Features = append(e.Features, *fx)
	}
	sortEffects(e.Features)
	return e
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
