package fasttext

// Explanation decomposes one prediction exactly. The model averages the
// input rows of the line (Rows of them) into a hidden vector h and scores
// label c by a linear function of h, so each row's part in each score is
// (row · w_c) / Rows, and the parts sum to the score (to float rounding).
//
// What Scores are depends on the loss:
//   - softmax: the logits; Probs = softmax(Scores) (+1e-5, as fastText
//     reports them).
//   - ova (one-vs-all) and ns: each label's own logit; Probs[c] =
//     σ(Scores[c]) through fastText's sigmoid table (+1e-5).
//   - hs (hierarchical softmax): a label's probability is the product,
//     over the internal nodes on its path in the Huffman tree, of σ(±s_n),
//     where s_n = w_n · h is the node's logit and the sign is the branch
//     taken. Scores[c] is the signed sum Σ ±s_n along c's path: linear in h
//     and so exactly decomposable, and larger when more of the path's
//     decisions lean toward c; but Probs is a non-linear function of the
//     individual s_n, not of Scores.
type Explanation struct {
	Loss     string                `json:"loss"`
	Labels   []string              `json:"labels"`
	Label    int                   `json:"label"` // most probable label; -1 if the line has no row
	Probs    []float64             `json:"probs"` // as Probabilities
	Scores   []float64             `json:"scores"`
	Rows     int                   `json:"rows"`     // input rows averaged
	Tokens   []TokenContribution   `json:"tokens"`   // every word token of the line, then EOS
	Features []FeatureContribution `json:"features"` // every input row, in fastText's order
}

// TokenContribution is one token's part in each label's score.
type TokenContribution struct {
	Token string `json:"token"`
	Start int    `json:"start"` // byte offsets in the text; EOS is at len(text)
	End   int    `json:"end"`
	// Own is the part of the token's own rows: its word row (if the model
	// knows the word) and its character n-grams.
	Own []float64 `json:"own"`
	// Contribution is Own plus an equal share of every word n-gram the
	// token is part of. Summed over all tokens it gives Scores.
	Contribution []float64 `json:"contribution"`
}

// FeatureContribution is one input row's part in each label's score.
type FeatureContribution struct {
	Kind   string `json:"kind"`   // "word", "char-ngram" or "word-ngram"
	Text   string `json:"text"`   // the word, the character n-gram, or the words of the n-gram
	Tokens [2]int `json:"tokens"` // the tokens it covers: [first, last+1)
	Bucket int32  `json:"bucket"` // hash bucket of an n-gram; -1 for a word
	// Known is false for an n-gram bucket a credence-trained model has no
	// row for (never seen in training): it counts in Rows but adds zero.
	Known        bool      `json:"known"`
	Contribution []float64 `json:"contribution"`
}

// Explain predicts text taken as one line (as Probabilities) and
// decomposes the scores over its tokens and input rows.
func (m *Model) Explain(text []byte) Explanation {
	s := m.getScratch()
	defer m.putScratch(s)
	tr := &trace{}
	m.line(s, text, tr)
	nl := len(m.labels)
	e := Explanation{
		Loss:   m.Loss(),
		Labels: m.labels,
		Probs:  make([]float64, nl),
		Scores: make([]float64, nl),
		Rows:   len(s.rows),
	}
	e.Label = m.probs(s, e.Probs)
	// Output rows as float64 (for hs: the internal nodes).
	dim := int(m.args.dim)
	nout := m.out.m
	w := make([]float64, nout*dim)
	tmp := make([]float32, dim)
	for i := range nout {
		m.out.row(tmp, i)
		for j, v := range tmp {
			w[i*dim+j] = float64(v)
		}
	}
	// per-output-row dot products of one input row, then per label
	node := make([]float64, nout)
	labelScores := func(dst []float64) {
		if m.tree == nil {
			copy(dst, node[:nl])
			return
		}
		for c := range nl {
			var sum float64
			for k, n := range m.tree.paths[c] {
				if m.tree.codes[c][k] {
					sum += node[n]
				} else {
					sum -= node[n]
				}
			}
			dst[c] = sum
		}
	}
	e.Tokens = make([]TokenContribution, len(tr.tokens))
	for i, t := range tr.tokens {
		e.Tokens[i] = TokenContribution{Token: t.text, Start: t.start, End: t.end, Own: make([]float64, nl), Contribution: make([]float64, nl)}
	}
	e.Features = make([]FeatureContribution, len(tr.feats))
	inv := 1 / float64(len(s.rows))
	for f, ft := range tr.feats {
		fc := FeatureContribution{Kind: ft.kind, Text: ft.text, Tokens: [2]int{ft.tok0, ft.tok1}, Bucket: ft.bucket,
			Known: s.rows[f] >= 0, Contribution: make([]float64, nl)}
		if fc.Known {
			m.in.row(tmp, int(s.rows[f]))
			for i := range nout {
				var d float64
				for j, v := range tmp {
					d += float64(v) * w[i*dim+j]
				}
				node[i] = d * inv
			}
			labelScores(fc.Contribution)
		}
		for c, v := range fc.Contribution {
			e.Scores[c] += v
		}
		span := float64(ft.tok1 - ft.tok0)
		for t := ft.tok0; t < ft.tok1; t++ {
			tc := &e.Tokens[t]
			for c, v := range fc.Contribution {
				if ft.kind != "word-ngram" {
					tc.Own[c] += v
				}
				tc.Contribution[c] += v / span
			}
		}
		e.Features[f] = fc
	}
	return e
}
