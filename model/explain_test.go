package model

import (
	"math"
	"testing"
)

// TestExplanationSumsToScores checks the exact decomposition for every
// algorithm: bias plus contributions equals each class score.
func TestExplanationSumsToScores(t *testing.T) {
	texts, _ := toy(50, 42)
	texts = append(texts, "", "unknown words only", "shocking shocking hoax report")
	for _, algo := range Algos {
		m := toyModel(t, algo)
		for _, s := range texts {
			e := m.Explain([]byte(s))
			for c := range e.Labels {
				sum := e.Bias[c]
				for _, f := range e.Features {
					sum += f.Contribution[c]
				}
				if math.Abs(sum-e.Scores[c]) > 1e-6 {
					t.Fatalf("%s %q class %s: bias+contributions %v, score %v", algo, s, e.Labels[c], sum, e.Scores[c])
				}
			}
			if p := m.Predict([]byte(s)); p.Label != e.Label || math.Abs(p.Probabilities[e.Label]-e.Probabilities[e.Label]) > 1e-12 {
				t.Fatalf("%s %q: explain says %s, predict %+v", algo, s, e.Label, p)
			}
		}
	}
}

func TestExplanationPointsAtWords(t *testing.T) {
	m := toyModel(t, "logreg")
	text := "Officials: a SHOCKING hoax!"
	e := m.Explain([]byte(text))
	if e.Label != "fake" {
		t.Fatalf("label %s", e.Label)
	}
	var found bool
	for _, f := range e.Features {
		if f.Feature == "hoax" {
			found = true
			if f.Toward <= 0 || len(f.Spans) != 1 || text[f.Spans[0][0]:f.Spans[0][1]] != "hoax" {
				t.Errorf("hoax effect %+v", f)
			}
		}
	}
	if !found {
		t.Fatalf("no hoax feature in %+v", e.Features)
	}
	var tokenSum, featureSum float64
	for _, tk := range e.Tokens {
		tokenSum += tk.Toward
		if text[tk.Start:tk.End] == "SHOCKING" && tk.Toward <= 0 {
			t.Errorf("SHOCKING pushes %v", tk.Toward)
		}
	}
	for _, f := range e.Features {
		featureSum += f.Toward
	}
	if math.Abs(tokenSum-featureSum) > 1e-9 {
		t.Errorf("token effects sum to %v, features to %v", tokenSum, featureSum)
	}
}
