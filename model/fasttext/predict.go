package fasttext

import (
	"bufio"
	"bytes"
	"io"
	"math"
)

// Prediction is one label with its probability, as `fasttext predict-prob`
// prints it.
type Prediction struct {
	Label string  `json:"label"`
	Prob  float64 `json:"prob"`
}

type scored struct {
	score float32
	id    int32
}

// scratch is per-call working memory, pooled per model.
type scratch struct {
	rows   []int32 // input rows of the line; rowZero entries count but add nothing
	hashes []int32 // word hashes of the line, for word n-grams
	hidden []float32
	output []float32
	heap   []scored
	probs  []float64
	buf    []byte
}

func (m *Model) newScratch() any {
	return &scratch{
		hidden: make([]float32, m.args.dim),
		output: make([]float32, m.dict.nlabels),
	}
}

func (m *Model) getScratch() *scratch  { return m.pool.Get().(*scratch) }
func (m *Model) putScratch(s *scratch) { m.pool.Put(s) }

// trace records where each input row of a line came from (for Explain).
type trace struct {
	tokens []traceToken
	feats  []traceFeat
}

type traceToken struct {
	text       string
	start, end int
}

type traceFeat struct {
	kind       string // "word", "char-ngram", "word-ngram"
	tok0, tok1 int    // token range [tok0, tok1)
	text       string // the word, the character n-gram or the word n-gram
	bucket     int32  // for n-grams; -1 for words
}

// beginLine resets the per-line state.
func (s *scratch) beginLine() {
	s.rows = s.rows[:0]
	s.hashes = s.hashes[:0]
}

// addToken adds one token's input rows, as fastText's Dictionary::getLine
// does: labels are skipped; a known word adds its row (and its character
// n-grams); an unknown word adds its character n-grams only; every word's
// hash is kept for the word n-grams.
func (m *Model) addToken(s *scratch, tok []byte, start, end int, tr *trace) {
	h := Hash(tok)
	wid := m.dict.find(tok, h)
	if wid < 0 {
		if isLabel(tok) {
			return
		}
	} else if m.dict.types[wid] == typeLabel {
		return
	}
	ti := 0
	if tr != nil {
		ti = len(tr.tokens)
		tr.tokens = append(tr.tokens, traceToken{string(tok), start, end})
	}
	if wid >= 0 {
		s.rows = append(s.rows, wid)
		if tr != nil {
			tr.feats = append(tr.feats, traceFeat{"word", ti, ti + 1, string(tok), -1})
		}
		if m.dict.subwords != nil && tr == nil {
			s.rows = append(s.rows, m.dict.subwords[wid]...)
		} else if m.usesCharNgrams() && string(tok) != EOS { // EOS has none (Dictionary::initNgrams)
			m.charNgramRows(s, tok, ti, tr)
		}
	} else if m.usesCharNgrams() && string(tok) != EOS {
		m.charNgramRows(s, tok, ti, tr)
	}
	s.hashes = append(s.hashes, int32(h))
}

func (m *Model) charNgramRows(s *scratch, tok []byte, ti int, tr *trace) {
	s.buf = append(append(append(s.buf[:0], '<'), tok...), '>')
	charNgrams(s.buf, int(m.args.minn), int(m.args.maxn), uint32(m.args.bucket), func(b int32, i, j int) {
		r := m.ngrams.row(b)
		if r == rowDrop {
			return
		}
		s.rows = append(s.rows, r)
		if tr != nil {
			tr.feats = append(tr.feats, traceFeat{"char-ngram", ti, ti + 1, string(s.buf[i:j]), b})
		}
	})
}

// endLine adds the EOS token (if eos) and the word n-grams.
func (m *Model) endLine(s *scratch, eos bool, at int, tr *trace) {
	if eos {
		m.addToken(s, []byte(EOS), at, at, tr)
	}
	if !m.usesWordNgrams() {
		return
	}
	n := int(m.args.wordNgrams)
	if tr == nil {
		wordNgramBuckets(s.hashes, n, uint64(m.args.bucket), func(b int32) {
			if r := m.ngrams.row(b); r != rowDrop {
				s.rows = append(s.rows, r)
			}
		})
		return
	}
	// With a trace, redo the loop to know each n-gram's tokens.
	hs := s.hashes
	for i := range hs {
		h := uint64(int64(hs[i]))
		for j := i + 1; j < len(hs) && j < i+n; j++ {
			h = h*116049371 + uint64(int64(hs[j]))
			b := int32(h % uint64(m.args.bucket))
			r := m.ngrams.row(b)
			if r == rowDrop {
				continue
			}
			s.rows = append(s.rows, r)
			words := make([]byte, 0, 32)
			for t := i; t <= j; t++ {
				if t > i {
					words = append(words, ' ')
				}
				words = append(words, tr.tokens[t].text...)
			}
			tr.feats = append(tr.feats, traceFeat{"word-ngram", i, j + 1, string(words), b})
		}
	}
}

// line computes the rows of a whole text taken as one line: tokens split
// at fastText's separators (newlines included), then EOS.
func (m *Model) line(s *scratch, text []byte, tr *trace) {
	s.beginLine()
	Tokens(text, func(tok []byte, i, j int) { m.addToken(s, tok, i, j, tr) })
	m.endLine(s, true, len(text), tr)
}

// hidden averages the input rows (fastText's computeHidden), in float32.
func (m *Model) hidden(s *scratch) {
	h := s.hidden
	clear(h)
	for _, r := range s.rows {
		if r >= 0 {
			m.in.addRow(h, int(r))
		}
	}
	inv := float32(1.0 / float64(len(s.rows)))
	for i := range h {
		h[i] *= inv
	}
}

// Sigmoid and log as fastText's Loss computes them.
const (
	sigmoidTableSize = 512
	maxSigmoid       = 8
)

var sigmoidTable = func() [sigmoidTableSize + 1]float32 {
	var t [sigmoidTableSize + 1]float32
	for i := range t {
		x := float32(i*2*maxSigmoid)/sigmoidTableSize - maxSigmoid
		e := float32(math.Exp(float64(-x)))
		t[i] = float32(1.0 / (1.0 + float64(e)))
	}
	return t
}()

func tableSigmoid(x float32) float32 {
	if x < -maxSigmoid {
		return 0
	}
	if x > maxSigmoid {
		return 1
	}
	return sigmoidTable[int64((x+maxSigmoid)*sigmoidTableSize/maxSigmoid/2)]
}

func stdLog(x float32) float32 { return float32(math.Log(float64(x) + 1e-5)) }

// outputs fills s.output with the per-label probabilities of softmax and
// one-vs-all (and negative-sampling) models, as fastText's computeOutput.
func (m *Model) outputs(s *scratch) {
	out := s.output
	for i := range out {
		out[i] = m.out.dotRow(s.hidden, i)
	}
	if m.args.loss == lossSoftmax {
		softmax(out)
		return
	}
	for i, v := range out {
		out[i] = tableSigmoid(v)
	}
}

// Heap operations exactly as libstdc++'s push_heap, pop_heap and sort_heap
// (compat.go) with fastText's comparator (a.score > b.score): a min-heap on
// the score. Reproducing them reproduces fastText's order among equal
// probabilities.
func scoredLess(a, b scored) bool { return a.score > b.score }

func pushHeap(h []scored) { siftUp(h, len(h)-1, 0, h[len(h)-1], scoredLess) }

// popHeap moves the smallest element to the end.
func popHeap(h []scored) { cxxPopHeap(h, scoredLess) }

func sortHeap(h []scored) {
	for n := len(h); n > 1; n-- {
		popHeap(h[:n])
	}
}

// findKBest keeps the k best of s.output (fastText's Loss::findKBest).
func findKBest(h []scored, out []float32, k int, threshold float32) []scored {
	for i, p := range out {
		if p < threshold {
			continue
		}
		sc := stdLog(p)
		if len(h) == k && sc < h[0].score {
			continue
		}
		h = append(h, scored{sc, int32(i)})
		pushHeap(h)
		if len(h) > k {
			popHeap(h)
			h = h[:len(h)-1]
		}
	}
	return h
}

// dfs walks the hierarchical-softmax tree (HierarchicalSoftmaxLoss::dfs).
func (m *Model) dfs(h []scored, k int, threshold float32, node int32, score float32, hidden []float32, prune bool) []scored {
	if prune {
		if score < stdLog(threshold) {
			return h
		}
		if len(h) == k && score < h[0].score {
			return h
		}
	}
	t := m.tree
	nd := &t.nodes[node]
	if nd.left == -1 && nd.right == -1 {
		h = append(h, scored{score, node})
		pushHeap(h)
		if len(h) > k {
			popHeap(h)
			h = h[:len(h)-1]
		}
		return h
	}
	f := m.out.dotRow(hidden, int(node)-t.n)
	f = float32(1.0 / float64(1+float32(math.Exp(float64(-f)))))
	h = m.dfs(h, k, threshold, nd.left, score+stdLog(float32(1.0-float64(f))), hidden, prune)
	h = m.dfs(h, k, threshold, nd.right, score+stdLog(f), hidden, prune)
	return h
}

// kbest returns the k best labels of the line in s, best first, with their
// log-scores (fastText's Model::predict).
func (m *Model) kbest(s *scratch, k int, threshold float32) []scored {
	s.heap = s.heap[:0]
	if len(s.rows) == 0 {
		return s.heap
	}
	if k <= 0 || k > len(m.labels) {
		k = len(m.labels)
	}
	m.hidden(s)
	if m.tree != nil {
		s.heap = m.dfs(s.heap, k, threshold, int32(2*m.tree.n-2), 0, s.hidden, true)
	} else {
		m.outputs(s)
		s.heap = findKBest(s.heap, s.output, k, threshold)
	}
	sortHeap(s.heap)
	return s.heap
}

func (m *Model) predictions(h []scored, dst []Prediction) []Prediction {
	for _, p := range h {
		dst = append(dst, Prediction{Label: m.labels[p.id], Prob: float64(float32(math.Exp(float64(p.score))))})
	}
	return dst
}

// Predict classifies one line of text as `fasttext predict-prob` does: the
// text is split into tokens at fastText's separators (IsSeparator; no other
// preprocessing), EOS is appended, and the k most probable labels with a
// probability of at least threshold are returned, best first (k <= 0: all
// labels). Probabilities are fastText's: exp(log(p + 1e-5)), so they can
// slightly exceed 1. Newlines inside text are taken as spaces (fastText
// would start a new line there: use PredictLines for its exact line
// handling). A text with no known word, n-gram or EOS row gets no
// prediction (nil), as in fastText.
func (m *Model) Predict(text string, k int, threshold float64) []Prediction {
	s := m.getScratch()
	defer m.putScratch(s)
	m.line(s, []byte(text), nil)
	h := m.kbest(s, k, float32(threshold))
	if len(h) == 0 {
		return nil
	}
	return m.predictions(h, make([]Prediction, 0, len(h)))
}

// Probabilities writes into probs the probability of every label (in
// Labels() order; probs should have len(Labels()) elements, only the first
// len(probs) are written) for text taken as one line, as `fasttext
// predict-prob` computes them with k = all labels and threshold 0:
// softmax and one-vs-all p + 1e-5; hierarchical softmax the product along
// the label's path of (σ + 1e-5), also for the labels predict-prob leaves
// out because they fall below 1e-5. It returns the most probable label's
// index (the first on ties), or -1 when the text has no known row, in which
// case every probability is 1/len(Labels()).
func (m *Model) Probabilities(text []byte, probs []float64) int {
	s := m.getScratch()
	defer m.putScratch(s)
	m.line(s, text, nil)
	return m.probs(s, probs)
}

func (m *Model) probs(s *scratch, out []float64) int {
	n := len(m.labels)
	if cap(s.probs) < n {
		s.probs = make([]float64, n)
	}
	probs := s.probs[:n]
	defer copy(out, probs)
	if len(s.rows) == 0 {
		for i := range probs {
			probs[i] = 1 / float64(n)
		}
		return -1
	}
	m.hidden(s)
	if m.tree != nil {
		s.heap = m.dfs(s.heap[:0], n, 0, int32(2*m.tree.n-2), 0, s.hidden, false)
		for _, p := range s.heap {
			probs[p.id] = float64(float32(math.Exp(float64(p.score))))
		}
	} else {
		m.outputs(s)
		for i, p := range s.output {
			probs[i] = float64(float32(math.Exp(float64(stdLog(p)))))
		}
	}
	best := 0
	for i, p := range probs {
		if p > probs[best] {
			best = i
		}
	}
	return best
}

// PredictLines reads r exactly as `fasttext predict-prob MODEL - k
// threshold` reads its input and calls fn once per line it would print
// (with an empty slice for the lines it prints empty): tokens are split at
// the separator bytes, a newline ends a line, and so does the token "</s>"
// itself; a last line without a newline gets no EOS token. preds is reused
// between calls; an error from fn stops the reading and is returned.
func (m *Model) PredictLines(r io.Reader, k int, threshold float64, fn func(preds []Prediction) error) error {
	s := m.getScratch()
	defer m.putScratch(s)
	br := bufio.NewReaderSize(r, 1<<16)
	var preds []Prediction
	var tok []byte
	started := false // bytes of a line not yet predicted have been read
	emit := func() error {
		h := m.kbest(s, k, float32(threshold))
		preds = m.predictions(h, preds[:0])
		started = false
		s.beginLine()
		return fn(preds)
	}
	s.beginLine()
	for {
		// Read one token like Dictionary::readWord.
		tok = tok[:0]
		nl, eof := false, false
		for {
			c, err := br.ReadByte()
			if err != nil {
				if err != io.EOF {
					return err
				}
				eof = true
				break
			}
			started = true
			if sepTable[c] {
				if len(tok) == 0 {
					if c == '\n' {
						nl = true
						break
					}
					continue
				}
				if c == '\n' {
					_ = br.UnreadByte()
				}
				break
			}
			tok = append(tok, c)
		}
		switch {
		case nl:
			m.endLine(s, true, 0, nil)
			if err := emit(); err != nil {
				return err
			}
		case len(tok) > 0:
			if bytes.Equal(tok, []byte(EOS)) {
				m.endLine(s, true, 0, nil)
				if err := emit(); err != nil {
					return err
				}
				continue
			}
			m.addToken(s, tok, 0, 0, nil)
		}
		if eof {
			if started {
				m.endLine(s, false, 0, nil)
				return emit()
			}
			return nil
		}
	}
}

// softmax turns scores into probabilities in place, in fastText's order of
// operations (Model::computeOutputSoftmax), for prediction and training.
func softmax(out []float32) {
	mx := out[0]
	for _, v := range out {
		mx = max(v, mx)
	}
	var z float32
	for i, v := range out {
		out[i] = float32(math.Exp(float64(v - mx)))
		z += out[i]
	}
	for i := range out {
		out[i] /= z
	}
}
