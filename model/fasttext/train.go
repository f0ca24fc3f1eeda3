package fasttext

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/credence-news/credence/internal/vec"
)

// Options are the training hyperparameters, under fastText's names.
type Options struct {
	Dim           int     // embedding dimension (-dim)
	Epoch         int     // passes over the data (-epoch)
	LR            float64 // initial learning rate, decayed linearly to 0 over training (-lr)
	WordNgrams    int     // longest word n-gram (-wordNgrams; 1 = words only)
	MinCount      int     // words seen fewer times are dropped (-minCount)
	MinCountLabel int     // labels seen fewer times are dropped (-minCountLabel)
	MinN, MaxN    int     // character n-gram lengths (-minn, -maxn; MaxN 0 = none)
	Bucket        int     // hash buckets for word and character n-grams (-bucket)
	Loss          string  // "softmax", "hs" (hierarchical softmax) or "ova" (one-vs-all; fastText's "one-vs-all")
	Threads       int     // goroutines updating the shared weights lock-free (hogwild; -thread)
	Seed          uint64  // seeds the initial weights and label sampling (-seed; fastText's is an int32)
	LRUpdateRate  int     // tokens a goroutine processes between updates of the shared progress (-lrUpdateRate)

	// Progress, if set, is called about 5 times a second during training.
	Progress func(Progress)
}

// Progress reports training progress.
type Progress struct {
	Fraction     float64 // of all epochs
	LR           float64 // current learning rate
	Loss         float64 // mean training loss so far, of the first goroutine
	TokensPerSec float64 // all goroutines together
}

// DefaultOptions returns fastText's defaults for `fasttext supervised`: dim
// 100, epoch 5, lr 0.1, wordNgrams 1, minCount 1, minCountLabel 0, minn 0,
// maxn 0, bucket 2,000,000, loss softmax, seed 0, lrUpdateRate 100 — except
// Threads, which is runtime.GOMAXPROCS(0) (fastText's default is 12).
func DefaultOptions() Options {
	return Options{Dim: 100, Epoch: 5, LR: 0.1, WordNgrams: 1, MinCount: 1, Bucket: 2000000,
		Loss: "softmax", Threads: runtime.GOMAXPROCS(0), LRUpdateRate: 100}
}

func (o *Options) check() (loss int32, err error) {
	switch o.Loss {
	case "softmax", "":
		loss = lossSoftmax
	case "hs":
		loss = lossHS
	case "ova", "one-vs-all":
		loss = lossOVA
	default:
		return 0, fmt.Errorf("unknown loss %q (want softmax, hs or ova)", o.Loss)
	}
	switch {
	case o.Dim < 1 || o.Dim > 1<<16:
		return 0, fmt.Errorf("dim %d: want 1 to 65536", o.Dim)
	case o.Epoch < 1:
		return 0, fmt.Errorf("epoch %d: want at least 1", o.Epoch)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return 0, fmt.Errorf("learning rate %v: want a positive number", o.LR)
	case o.WordNgrams < 1 || o.WordNgrams > maxNgram:
		return 0, fmt.Errorf("wordNgrams %d: want 1 to %d", o.WordNgrams, maxNgram)
	case o.MaxN > maxNgram:
		return 0, fmt.Errorf("maxn %d: want at most %d", o.MaxN, maxNgram)
	case o.MinCount < 0 || o.MinCountLabel < 0:
		return 0, fmt.Errorf("minCount %d, minCountLabel %d: want 0 or more", o.MinCount, o.MinCountLabel)
	case o.MaxN < 0 || o.MinN < 0 || (o.MaxN > 0 && o.MinN > o.MaxN):
		return 0, fmt.Errorf("minn %d, maxn %d: want minn <= maxn, or maxn 0 for no character n-grams", o.MinN, o.MaxN)
	case o.Bucket < 0 || o.Bucket > math.MaxInt32:
		return 0, fmt.Errorf("bucket %d: want 0 to %d", o.Bucket, math.MaxInt32)
	case o.Bucket == 0 && (o.WordNgrams > 1 || o.MaxN > 0):
		return 0, fmt.Errorf("bucket 0 leaves no room for n-grams (wordNgrams %d, maxn %d)", o.WordNgrams, o.MaxN)
	case o.Threads < 0:
		return 0, fmt.Errorf("threads %d", o.Threads)
	}
	return loss, nil
}

// Corpus is training data in fastText's input format, one document per
// line: tokens separated by whitespace, labels as tokens that start with
// LabelPrefix (anywhere in the line). Training reads it once to build the
// dictionary, then streams it again, so it need not fit in memory. Train's
// slices and FileCorpus can also be read from several places at once: each
// training goroutine then starts at its share of the data and goes round it
// until all of them together have seen Epoch times its tokens, as
// fastText's threads read their file. Any other Corpus is scanned Epoch
// times by one goroutine that hands lines out to the others.
type Corpus interface {
	// Scan calls fn with every line, in order. line is only valid during
	// the call. A newline inside a line is taken as a space.
	Scan(fn func(line []byte) error) error
}

type sliceCorpus struct{ texts, labels []string }

func (c sliceCorpus) Scan(fn func([]byte) error) error {
	var buf []byte
	for i, t := range c.texts {
		buf = append(append(append(append(buf[:0], LabelPrefix...), c.labels[i]...), ' '), t...)
		if err := fn(buf); err != nil {
			return err
		}
	}
	return nil
}

type fileCorpus string

// FileCorpus is a file in fastText's input format (`__label__x text` per
// line), read again for every epoch.
func FileCorpus(path string) Corpus { return fileCorpus(path) }

func (c fileCorpus) Scan(fn func([]byte) error) error {
	f, err := os.Open(string(c))
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var long []byte
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if len(line) > 0 {
			if e := fn(line); e != nil {
				return e
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", string(c), err)
		}
	}
}

// Train trains a supervised fastText model on texts (already tokenized and
// normalized as the caller likes: tokens separated by whitespace) with one
// label each (no LabelPrefix, no whitespace). See TrainCorpus.
func Train(texts []string, labels []string, opt Options) (*Model, error) {
	if len(texts) != len(labels) {
		return nil, fmt.Errorf("train: %d texts but %d labels", len(texts), len(labels))
	}
	for i, l := range labels {
		if l == "" || bytes.ContainsFunc([]byte(l), func(r rune) bool { return r < 256 && sepTable[r] }) {
			return nil, fmt.Errorf("train: label %d (%q) is empty or contains whitespace", i, l)
		}
	}
	return TrainCorpus(sliceCorpus{texts, labels}, opt)
}

// TrainCorpus trains fastText's supervised model (Joulin et al. 2016): a
// document is the average of the embeddings of its words, word n-grams (and
// character n-grams, if MaxN > 0) plus its end-of-line token, followed by a
// linear layer and the loss, trained by SGD with a linearly decaying
// learning rate on opt.Threads goroutines that update the shared weights
// without locks (hogwild), as fastText does. Tokens, hashes, n-gram buckets
// and the dictionary are fastText's, so the model predicts through the same
// code as imported fastText models.
//
// Unlike fastText, only the n-gram buckets that occur in the training data
// get a row (fastText allocates all opt.Bucket rows: 800 MB at the default
// 2,000,000 × 100); a bucket unseen in training stands for a zero row at
// prediction time.
//
// With Threads = 1 training is deterministic for a seed, and it makes the
// model fastText 0.9.2 makes with -thread 1 and the same seed, bit for bit:
// the same vocabulary order, initial weights, learning-rate schedule, label
// draws and order of floating-point operations (compat.go;
// TestTrainParityWithFastText). The one difference is the n-gram rows
// training never touched: fastText keeps their initial values, this model
// does not store them (they read as zero). With more threads, as in
// fastText, the interleaving of updates makes runs differ slightly.
func TrainCorpus(c Corpus, opt Options) (*Model, error) {
	start := time.Now()
	loss, err := opt.check()
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if opt.Threads == 0 {
		opt.Threads = runtime.GOMAXPROCS(0)
	}
	if opt.LRUpdateRate <= 0 {
		opt.LRUpdateRate = 100
	}
	if opt.WordNgrams <= 1 && opt.MaxN == 0 {
		opt.Bucket = 0 // as fastText does
	}
	m, ndocs, err := buildDictionary(c, &opt, loss)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	dictTime := time.Since(start)
	if err := m.sgd(c, &opt); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	m.train = trainInfo{LR: opt.LR, Threads: opt.Threads, Seed: opt.Seed, Docs: ndocs,
		Seconds: time.Since(start).Seconds(), DictSeconds: dictTime.Seconds()}
	return m, nil
}

type countEntry struct {
	word  string
	count int64
	label bool
}

// buildDictionary reads the corpus once: it counts words and labels, notes
// every n-gram bucket the data touches, and sets up the model's dictionary,
// n-gram index and initial weights.
func buildDictionary(c Corpus, opt *Options, loss int32) (*Model, int64, error) {
	// Words and labels in order of first appearance, as fastText's
	// dictionary holds them before sorting.
	idx := map[string]int32{}
	var entries []countEntry
	var ntokens, ndocs int64
	var bitset []uint64
	if opt.Bucket > 0 {
		bitset = make([]uint64, (opt.Bucket+63)/64)
	}
	bucket := uint64(opt.Bucket)
	var hashes []int32
	count := func(tok []byte, label bool) {
		if i, ok := idx[string(tok)]; ok {
			entries[i].count++
			return
		}
		idx[string(tok)] = int32(len(entries))
		entries = append(entries, countEntry{string(tok), 1, label})
	}
	eos := []byte(EOS)
	err := c.Scan(func(line []byte) error {
		hashes = hashes[:0]
		Tokens(line, func(tok []byte, _, _ int) {
			ntokens++
			if isLabel(tok) {
				count(tok, true)
				return
			}
			count(tok, false)
			hashes = append(hashes, int32(Hash(tok)))
		})
		ntokens++
		count(eos, false)
		hashes = append(hashes, int32(Hash(eos)))
		if opt.WordNgrams > 1 {
			wordNgramBuckets(hashes, opt.WordNgrams, bucket, func(b int32) { bitset[uint32(b)>>6] |= 1 << (uint32(b) & 63) })
		}
		ndocs++
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	// fastText's Dictionary::threshold: sort (words before labels, by
	// count), then drop the rare ones.
	cxxSort(entries, func(a, b countEntry) bool {
		if a.label != b.label {
			return !a.label
		}
		return a.count > b.count
	})
	var words, labels []countEntry
	for _, e := range entries {
		switch {
		case e.label && e.count >= int64(opt.MinCountLabel):
			labels = append(labels, e)
		case !e.label && e.count >= int64(opt.MinCount):
			words = append(words, e)
		}
	}
	if opt.MaxN > 0 {
		var buf []byte
		for _, w := range words {
			if w.word == EOS {
				continue
			}
			buf = append(append(append(buf[:0], '<'), w.word...), '>')
			charNgrams(buf, opt.MinN, opt.MaxN, uint32(opt.Bucket), func(b int32, _, _ int) { bitset[uint32(b)>>6] |= 1 << (uint32(b) & 63) })
		}
	}
	if len(labels) == 0 {
		return nil, 0, errors.New("no labels in the training data")
	}
	if len(words) == 0 {
		return nil, 0, fmt.Errorf("empty vocabulary (minCount %d)", opt.MinCount)
	}

	m := &Model{format: formatCredence, version: fileVersion}
	m.args = args{dim: int32(opt.Dim), ws: 5, epoch: int32(opt.Epoch), minCount: int32(opt.MinCount), neg: 5,
		wordNgrams: int32(opt.WordNgrams), loss: loss, model: kindSupervised, bucket: int32(opt.Bucket),
		minn: int32(opt.MinN), maxn: int32(opt.MaxN), lrUpdateRate: int32(opt.LRUpdateRate), t: 1e-4}
	dc := &m.dict
	for _, e := range words {
		dc.words = append(dc.words, e.word)
		dc.counts = append(dc.counts, e.count)
		dc.types = append(dc.types, typeWord)
	}
	for _, e := range labels {
		dc.words = append(dc.words, e.word)
		dc.counts = append(dc.counts, e.count)
		dc.types = append(dc.types, typeLabel)
	}
	dc.nwords, dc.nlabels, dc.ntokens = int32(len(words)), int32(len(labels)), ntokens
	m.ngrams = ngramIndex{kind: ngSparse, nwords: dc.nwords, bucket: int32(opt.Bucket), bits: bitset}
	m.ngrams.setSparse(m.ngrams.sparseBuckets())
	rows := int(dc.nwords) + m.ngrams.count()
	if int64(rows)*int64(opt.Dim) > 1<<33 {
		return nil, 0, fmt.Errorf("%d rows × dim %d is too large", rows, opt.Dim)
	}
	m.in = matrix{m: rows, n: opt.Dim, d: make([]float32, rows*opt.Dim)}
	m.initInput(m.ngrams.sparseBuckets(), opt.Threads, int32(opt.Seed))
	m.out = matrix{m: len(labels), n: opt.Dim, d: make([]float32, len(labels)*opt.Dim)}
	m.init()
	return m, ndocs, nil
}

// A cursor reads a corpus from some position on, wrapping around at its
// end, for as long as training needs.
type cursor interface {
	next() ([]byte, error)
	close() error
}

// shardable corpora can be read from several positions at once: training
// goroutine i of n starts at i/n of the data and goes round from there, as
// fastText's threads read their input file. (With labels sorted in the
// file, as in some corpora, the goroutines then see different labels at the
// same time, as in fastText.)
type shardable interface {
	cursor(i, n int) (cursor, error)
}

type sliceCursor struct {
	c   sliceCorpus
	i   int
	buf []byte
}

func (c sliceCorpus) cursor(i, n int) (cursor, error) {
	return &sliceCursor{c: c, i: i * len(c.texts) / n}, nil
}

func (c *sliceCursor) next() ([]byte, error) {
	if len(c.c.texts) == 0 {
		return nil, io.EOF
	}
	t, l := c.c.texts[c.i], c.c.labels[c.i]
	c.buf = append(append(append(append(c.buf[:0], LabelPrefix...), l...), ' '), t...)
	c.i++
	if c.i == len(c.c.texts) {
		c.i = 0
	}
	return c.buf, nil
}

func (c *sliceCursor) close() error { return nil }

type fileCursor struct {
	f    *os.File
	r    *bufio.Reader
	long []byte
	path string
	n    int // lines read since the last rewind
}

func (c fileCorpus) cursor(i, n int) (cursor, error) {
	f, err := os.Open(string(c))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	fc := &fileCursor{f: f, r: bufio.NewReaderSize(f, 1<<16), path: string(c)}
	if off := int64(i) * st.Size() / int64(n); off > 0 {
		// Start at the first line that begins at or after off.
		if _, err := f.Seek(off-1, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		fc.r.Reset(f)
		if b, err := fc.r.ReadByte(); err == nil && b != '\n' {
			_, err = fc.r.ReadSlice('\n')
			for err == bufio.ErrBufferFull {
				_, err = fc.r.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				f.Close()
				return nil, err
			}
		}
	}
	return fc, nil
}

func (c *fileCursor) next() ([]byte, error) {
	for {
		line, err := c.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			c.long = append(c.long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = c.r.ReadSlice('\n')
				c.long = append(c.long, line...)
			}
			line = c.long
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read %s: %w", c.path, err)
		}
		if len(line) > 0 {
			c.n++
			return line, nil
		}
		// end of file: go round
		if c.n == 0 {
			return nil, fmt.Errorf("read %s: no lines", c.path)
		}
		c.n = 0
		if _, err := c.f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		c.r.Reset(c.f)
	}
}

func (c *fileCursor) close() error { return c.f.Close() }

// batch is a run of corpus lines handed to one training goroutine (for
// corpora that can only be scanned).
type batch struct {
	data []byte
	ends []int
}

const batchBytes = 1 << 16

// sgd runs the training epochs: Threads goroutines process lines until, all
// together, they have seen Epoch times the corpus's tokens (fastText's
// keepTraining), each with the learning rate of the progress so far.
func (m *Model) sgd(c Corpus, opt *Options) error {
	nt := opt.Threads
	total := float64(opt.Epoch) * float64(m.dict.ntokens)
	budget := int64(opt.Epoch) * m.dict.ntokens
	var tokenCount atomic.Int64
	var failed atomic.Bool
	var errMu sync.Mutex
	var firstErr error
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		failed.Store(true)
	}
	var mu sync.Mutex // used only under the race detector
	step := func(w *trainer, line []byte) int64 {
		// fastText's schedule, with its float progress; it reads -lr as
		// a float (std::stof).
		progress := float32(tokenCount.Load()) / float32(budget)
		lr := float64(float32(opt.LR)) * (1 - float64(progress))
		if raceEnabled && nt > 1 {
			mu.Lock()
			defer mu.Unlock()
		}
		return w.line(line, float32(max(lr, 0)))
	}
	var wg sync.WaitGroup
	workers := make([]*trainer, nt)
	for t := range nt {
		workers[t] = m.newTrainer(opt, uint64(t))
	}
	if sc, ok := c.(shardable); ok {
		for t := range nt {
			w := workers[t]
			wg.Add(1)
			go func() {
				defer wg.Done()
				cur, err := sc.cursor(t, nt)
				if err != nil {
					fail(err)
					return
				}
				defer cur.close()
				var local int64
				for tokenCount.Load() < budget && !failed.Load() {
					line, err := cur.next()
					if err != nil {
						fail(err)
						return
					}
					local += step(w, line)
					if local > int64(opt.LRUpdateRate) {
						tokenCount.Add(local)
						local = 0
					}
				}
				tokenCount.Add(local)
			}()
		}
	} else {
		// A corpus that can only be scanned: one goroutine reads it Epoch
		// times and hands out batches of lines.
		free := make(chan *batch, 2*nt+2)
		work := make(chan *batch, 2*nt)
		for range cap(free) {
			free <- &batch{data: make([]byte, 0, batchBytes)}
		}
		go func() {
			defer close(work)
			for range opt.Epoch {
				b := <-free
				err := c.Scan(func(line []byte) error {
					if failed.Load() {
						return errors.New("stopped")
					}
					if len(b.data)+len(line)+1 > batchBytes && len(b.ends) > 0 {
						work <- b
						b = <-free
						b.data, b.ends = b.data[:0], b.ends[:0]
					}
					b.data = append(b.data, line...)
					b.data = append(b.data, '\n')
					b.ends = append(b.ends, len(b.data))
					return nil
				})
				if len(b.ends) > 0 {
					work <- b
				} else {
					free <- b
				}
				if err != nil {
					fail(err)
					return
				}
			}
		}()
		for t := range nt {
			w := workers[t]
			wg.Add(1)
			go func() {
				defer wg.Done()
				var local int64
				for b := range work {
					from := 0
					for _, end := range b.ends {
						local += step(w, b.data[from:end])
						from = end
						if local > int64(opt.LRUpdateRate) {
							tokenCount.Add(local)
							local = 0
						}
					}
					b.data, b.ends = b.data[:0], b.ends[:0]
					free <- b
				}
				tokenCount.Add(local)
			}()
		}
	}
	if opt.Progress != nil {
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		tick := time.NewTicker(200 * time.Millisecond)
		start := time.Now()
		for running := true; running; {
			select {
			case <-done:
				running = false
			case <-tick.C:
				tc := float64(tokenCount.Load())
				opt.Progress(Progress{Fraction: tc / total, LR: opt.LR * max(0, 1-tc/total),
					Loss: workers[0].meanLoss(), TokensPerSec: tc / time.Since(start).Seconds()})
			}
		}
		tick.Stop()
		opt.Progress(Progress{Fraction: 1, Loss: workers[0].meanLoss(), TokensPerSec: total / time.Since(start).Seconds()})
	} else {
		wg.Wait()
	}
	return firstErr
}

// trainer is one training goroutine's state.
type trainer struct {
	_      [64]byte // keeps goroutines' state off each other's cache lines
	m      *Model
	s      *scratch
	grad   []float32
	labels []int32
	rng    minstd // picks the target among a line's labels, as fastText's per-thread state
	loss   float64
	nex    int64
	lossMu sync.Mutex
	_      [64]byte
}

func (m *Model) newTrainer(opt *Options, id uint64) *trainer {
	// The vectors each goroutine writes for every line come from one
	// allocation with 64-byte gaps, so that two goroutines never write to
	// the same cache line (false sharing).
	const pad = 16
	dim, nl := int(m.args.dim), int(m.dict.nlabels)
	buf := make([]float32, pad+dim+pad+dim+pad+nl+pad)
	s := &scratch{
		hidden: buf[pad : pad+dim],
		output: buf[2*pad+dim : 2*pad+dim+nl],
		rows:   make([]int32, 0, 4096),
		hashes: make([]int32, 0, 4096),
	}
	return &trainer{
		m:      m,
		s:      s,
		grad:   buf[3*pad+dim+nl : 3*pad+2*dim+nl],
		labels: make([]int32, 0, 64),
		rng:    newMinstd(uint64(int64(id) + int64(int32(opt.Seed)))),
	}
}

func (w *trainer) meanLoss() float64 {
	w.lossMu.Lock()
	defer w.lossMu.Unlock()
	if w.nex == 0 {
		return 0
	}
	return w.loss / float64(w.nex)
}

// line trains on one line and returns its number of tokens (labels and
// EOS included), as fastText counts them for the learning-rate schedule.
func (w *trainer) line(line []byte, lr float32) int64 {
	m, s := w.m, w.s
	s.beginLine()
	w.labels = w.labels[:0]
	ntok := int64(1)
	Tokens(line, func(tok []byte, i, j int) {
		ntok++
		if !isLabel(tok) {
			m.addToken(s, tok, i, j, nil)
		} else if id := m.dict.find(tok, Hash(tok)); id >= m.dict.nwords {
			w.labels = append(w.labels, id-m.dict.nwords)
		}
	})
	m.endLine(s, true, len(line), nil)
	if len(w.labels) == 0 || len(s.rows) == 0 {
		return ntok
	}
	w.update(lr)
	return ntok
}

// binaryLogistic is one logistic unit of the one-vs-all and hierarchical
// softmax losses (fastText's BinaryLogisticLoss::binaryLogistic): it adds
// the unit's gradient to g, updates its output row and returns its loss.
func binaryLogistic(row, h, g []float32, lr float32, positive bool) float64 {
	f := tableSigmoid(dotRow(row, h))
	label, loss := float32(0), -math.Log(1-float64(f)+1e-5)
	if positive {
		label, loss = 1, -math.Log(float64(f)+1e-5)
	}
	alpha := lr * (label - f)
	vec.Axpy(alpha, row, g)
	vec.Axpy(alpha, h, row)
	return loss
}

// dotRow is a·b summed in order, as fastText's DenseMatrix::dotRow: its
// rounding is part of the model training makes.
func dotRow(a, b []float32) float32 {
	b = b[:len(a)]
	var d float32
	for i, v := range a {
		d += v * b[i]
	}
	return d
}

// update is one SGD step on the line in w.s (fastText's Model::update with
// normalized gradient, as for supervised models).
func (w *trainer) update(lr float32) {
	m, s := w.m, w.s
	dim := int(m.args.dim)
	in, out := m.in.d, m.out.d
	h := s.hidden
	clear(h)
	for _, r := range s.rows {
		if r >= 0 {
			add(in[int(r)*dim:int(r)*dim+dim], h)
		}
	}
	scal(float32(1/float64(len(s.rows))), h)
	g := w.grad
	clear(g)
	var loss float64
	var target int32
	if m.args.loss != lossOVA { // fastText draws even for a single label
		target = w.labels[w.rng.intn(uint64(len(w.labels)))]
	}
	switch m.args.loss {
	case lossSoftmax:
		o := s.output
		for i := range o {
			o[i] = dotRow(out[i*dim:i*dim+dim], h)
		}
		softmax(o)
		for i := range o {
			label := float32(0)
			if int32(i) == target {
				label = 1
			}
			alpha := lr * (label - o[i])
			row := out[i*dim : i*dim+dim]
			vec.Axpy(alpha, row, g)
			vec.Axpy(alpha, h, row)
		}
		loss = -math.Log(float64(o[target]) + 1e-5)
	case lossOVA:
		for i := range int(m.dict.nlabels) {
			loss += binaryLogistic(out[i*dim:i*dim+dim], h, g, lr, slices.Contains(w.labels, int32(i)))
		}
	case lossHS:
		t := m.tree
		for k, node := range t.paths[target] {
			loss += binaryLogistic(out[int(node)*dim:int(node)*dim+dim], h, g, lr, t.codes[target][k])
		}
	}
	scal(float32(1/float64(len(s.rows))), g)
	for _, r := range s.rows {
		if r >= 0 {
			add(g, in[int(r)*dim:int(r)*dim+dim])
		}
	}
	w.lossMu.Lock()
	w.loss += loss
	w.nex++
	w.lossMu.Unlock()
}
