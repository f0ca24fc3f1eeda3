package fasttext

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode/utf8"
)

// Where a model came from.
const (
	formatFastText = "fasttext"
	formatCredence = "credence"
)

// args are fastText's stored arguments (Args::save), in file order.
type args struct {
	dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate int32
	t                                                                                        float64
}

// trainInfo records how a credence model was trained (fastText's files do
// not store these).
type trainInfo struct {
	LR          float64
	Threads     int
	Seed        uint64
	Docs        int64
	Seconds     float64 // whole training
	DictSeconds float64 // of which reading the corpus for the dictionary
}

// Model is a fastText supervised classifier, loaded from fastText's .bin or
// .ftz files (Load, Decode), trained (Train, TrainCorpus), quantized
// (Quantize) or read back from MarshalBinary's bytes (UnmarshalBinary into
// a new(Model); a zero Model is good for nothing else). It is immutable
// once built; every method is safe for concurrent use.
type Model struct {
	format   string
	version  int32
	fileSize int64
	args     args
	dict     dictionary
	labels   []string // without the prefix
	ngrams   ngramIndex
	in, out  matrix
	qout     bool
	tree     *hsTree
	train    trainInfo

	pool sync.Pool // *scratch
}

// check validates the parts against each other, so that prediction can
// index without further checks.
func (m *Model) check() error {
	a := &m.args
	dc := &m.dict
	if m.in.n != int(a.dim) || m.out.n != int(a.dim) {
		return fmt.Errorf("matrices have %d and %d columns, the header says dimension %d", m.in.n, m.out.n, a.dim)
	}
	if m.out.m != int(dc.nlabels) {
		return fmt.Errorf("output matrix has %d rows for %d labels", m.out.m, dc.nlabels)
	}
	if m.in.m < int(dc.nwords) {
		return fmt.Errorf("input matrix has %d rows for %d words", m.in.m, dc.nwords)
	}
	usesNgrams := a.bucket > 0 && (a.wordNgrams > 1 || a.maxn > 0)
	switch m.ngrams.kind {
	case ngDense:
		if usesNgrams && int64(m.in.m) < int64(dc.nwords)+int64(a.bucket) {
			return fmt.Errorf("input matrix has %d rows, need %d words + %d buckets", m.in.m, dc.nwords, a.bucket)
		}
	case ngPruned:
		for i, k := range m.ngrams.keys {
			if k != 0 && int64(dc.nwords)+int64(m.ngrams.vals[i]) >= int64(m.in.m) {
				return fmt.Errorf("pruned n-gram row %d is outside the %d-row input matrix", m.ngrams.vals[i], m.in.m)
			}
		}
	case ngSparse:
		if int64(dc.nwords)+int64(m.ngrams.count()) != int64(m.in.m) {
			return fmt.Errorf("input matrix has %d rows for %d words and %d n-grams", m.in.m, dc.nwords, m.ngrams.count())
		}
	}
	for _, x := range []*matrix{&m.in, &m.out} {
		if err := x.finite(); err != nil {
			return err
		}
	}
	if a.loss == lossHS {
		t, err := newHSTree(dc.labelCounts())
		if err != nil {
			return err
		}
		m.tree = t
	}
	return nil
}

func (a *matrix) finite() error {
	check := func(v []float32, what string) error {
		for _, f := range v {
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return fmt.Errorf("%s holds %v", what, f)
			}
		}
		return nil
	}
	if a.q == nil {
		return check(a.d, "a weight")
	}
	if err := check(a.q.pq.centroids, "a centroid"); err != nil {
		return err
	}
	return check(a.q.npq.centroids, "a norm centroid")
}

// init derives the lookup structures: the hash table, the words' character
// n-grams, the label names and, for hierarchical softmax, the tree.
func (m *Model) init() {
	dc := &m.dict
	dc.build()
	m.labels = make([]string, dc.nlabels)
	for i := range m.labels {
		m.labels[i] = strings.TrimPrefix(dc.words[int(dc.nwords)+i], LabelPrefix)
	}
	dc.subwords = nil
	if m.usesCharNgrams() && m.subwordBudget() {
		dc.subwords = make([][]int32, dc.nwords)
		var buf []byte
		for i := range dc.nwords {
			w := dc.words[i]
			if w == EOS {
				continue
			}
			buf = append(append(append(buf[:0], '<'), w...), '>')
			var rows []int32
			charNgrams(buf, int(m.args.minn), int(m.args.maxn), uint32(m.args.bucket), func(b int32, _, _ int) {
				if r := m.ngrams.row(b); r != rowDrop {
					rows = append(rows, r)
				}
			})
			dc.subwords[i] = rows
		}
	}
	if m.args.loss == lossHS && m.tree == nil {
		m.tree, _ = newHSTree(dc.labelCounts()) // checked by check
	}
	m.pool.New = func() any { return m.newScratch() }
}

// maxNgram bounds wordNgrams and maxn (fastText's models use up to about
// 5 and 6): the work per token grows with them.
const maxNgram = 64

// subwordBudget reports whether precomputing every word's character
// n-grams (as fastText does) takes a memory in proportion to the model; if
// not (a crafted file of long words), they are computed for each
// prediction instead.
func (m *Model) subwordBudget() bool {
	var total int64
	for _, w := range m.dict.words[:m.dict.nwords] {
		total += int64(charNgramCount(utf8.RuneCountInString(w)+2, int(m.args.minn), int(m.args.maxn)))
	}
	return total*4 <= m.in.size()+m.out.size()+1<<24
}

func (m *Model) usesCharNgrams() bool { return m.args.maxn > 0 && m.args.bucket > 0 }
func (m *Model) usesWordNgrams() bool { return m.args.wordNgrams > 1 && m.args.bucket > 0 }

// Labels returns the label names without the __label__ prefix, in
// fastText's label order (by training count, descending). The slice must
// not be modified.
func (m *Model) Labels() []string { return m.labels }

// Dim returns the embedding dimension.
func (m *Model) Dim() int { return int(m.args.dim) }

// Loss returns the loss the model was trained with: softmax, hs, ova or ns.
func (m *Model) Loss() string { return lossName(m.args.loss) }
