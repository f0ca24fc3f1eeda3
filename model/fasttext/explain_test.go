package fasttext

import (
	"math"
	"testing"
)

func TestExplainSumsToScores(t *testing.T) {
	texts, labels := synthCorpus(1500, 4, 51)
	tt, _ := synthCorpus(100, 4, 52)
	tt = append(tt, "", "unknownword", "w0_1 totally-new-word w1_2")
	models := map[string]*Model{}
	for _, loss := range []string{"softmax", "hs", "ova"} {
		o := smallOptions()
		o.Loss = loss
		o.WordNgrams = 2
		o.MinN, o.MaxN = 3, 4
		m, err := Train(texts, labels, o)
		if err != nil {
			t.Fatal(err)
		}
		models[loss] = m
	}
	q, err := models["softmax"].Quantize(QuantizeOptions{QNorm: true, QOut: true, Cutoff: 3000})
	if err != nil {
		t.Fatal(err)
	}
	models["quantized"] = q
	fb, err := Load("testdata/tiny.ftz")
	if err != nil {
		t.Fatal(err)
	}
	models["fasttext-ftz"] = fb
	for name, m := range models {
		for _, x := range tt {
			e := m.Explain([]byte(x))
			featSum := make([]float64, len(e.Labels))
			tokSum := make([]float64, len(e.Labels))
			for _, f := range e.Features {
				for c, v := range f.Contribution {
					featSum[c] += v
				}
			}
			for _, tk := range e.Tokens {
				for c, v := range tk.Contribution {
					tokSum[c] += v
				}
			}
			for c := range e.Scores {
				if math.Abs(featSum[c]-e.Scores[c]) > 1e-6 || math.Abs(tokSum[c]-e.Scores[c]) > 1e-6 {
					t.Fatalf("%s %q label %d: features sum to %g, tokens to %g, score %g", name, x, c, featSum[c], tokSum[c], e.Scores[c])
				}
			}
			if len(e.Features) != e.Rows {
				t.Fatalf("%s: %d features for %d rows", name, len(e.Features), e.Rows)
			}
			// The scores are the model's: check them against its own arithmetic.
			checkScores(t, name, m, x, e)
		}
	}
}

// checkScores recomputes the scores from the hidden vector.
func checkScores(t *testing.T, name string, m *Model, x string, e Explanation) {
	t.Helper()
	if e.Rows == 0 {
		if e.Label != -1 {
			t.Fatalf("%s: no rows but label %d", name, e.Label)
		}
		return
	}
	s := m.getScratch()
	defer m.putScratch(s)
	m.line(s, []byte(x), nil)
	m.hidden(s)
	node := make([]float64, m.out.m)
	for i := range node {
		node[i] = float64(m.out.dotRow(s.hidden, i))
	}
	for c := range e.Scores {
		want := node[c]
		if m.tree != nil {
			want = 0
			for k, n := range m.tree.paths[c] {
				if m.tree.codes[c][k] {
					want += node[n]
				} else {
					want -= node[n]
				}
			}
		}
		if math.Abs(want-e.Scores[c]) > 1e-4*(1+math.Abs(want)) {
			t.Fatalf("%s %q: score %d is %g, the model computes %g", name, x, c, e.Scores[c], want)
		}
	}
	// and for softmax, the probabilities follow from the scores
	if m.args.loss == lossSoftmax {
		mx := math.Inf(-1)
		for _, v := range e.Scores {
			mx = math.Max(mx, v)
		}
		var z float64
		for _, v := range e.Scores {
			z += math.Exp(v - mx)
		}
		for c, v := range e.Scores {
			if p := math.Exp(v-mx)/z + 1e-5; math.Abs(p-e.Probs[c]) > 1e-5 {
				t.Fatalf("%s: softmax(scores)[%d] = %g, Probs %g", name, c, p, e.Probs[c])
			}
		}
	}
}

func TestExplainTokens(t *testing.T) {
	texts, labels := synthCorpus(800, 3, 61)
	o := smallOptions()
	o.WordNgrams = 3
	m, err := Train(texts, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	text := "w0_1  café\tw1_2 __label__lab0 zzz"
	e := m.Explain([]byte(text))
	want := []string{"w0_1", "café", "w1_2", "zzz", EOS}
	if len(e.Tokens) != len(want) {
		t.Fatalf("tokens %+v", e.Tokens)
	}
	for i, tk := range e.Tokens {
		if tk.Token != want[i] {
			t.Errorf("token %d = %q, want %q", i, tk.Token, want[i])
		}
		if i < len(want)-1 && text[tk.Start:tk.End] != tk.Token {
			t.Errorf("token %q at %d:%d", tk.Token, tk.Start, tk.End)
		}
	}
	// zzz is unknown: it has no own row
	for _, v := range e.Tokens[3].Own {
		if v != 0 {
			t.Errorf("unknown token has an own contribution %v", e.Tokens[3].Own)
		}
	}
	ngrams := 0
	for _, f := range e.Features {
		if f.Kind == "word-ngram" {
			ngrams++
		}
	}
	// 5 tokens (with EOS), n-grams of 2 and 3 words: 4 + 3
	if ngrams != 7 {
		t.Errorf("%d word n-grams, want 7", ngrams)
	}
}
