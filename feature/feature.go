// Package feature turns normalized text into sparse TF-IDF vectors over word
// n-grams (and optionally character n-grams), the input of the linear
// models. A Vectorizer is fitted once on training text, then immutable and
// safe for concurrent use.
//
// N-grams are identified by a 64-bit hash of their tokens, never by building
// the n-gram string, so transforming a document allocates nothing but its
// vector. Names are kept for every feature of a vocabulary (for explanations
// and model cards); with hashing (Buckets > 0) there is no vocabulary and
// features are hash buckets.
package feature

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"
)

// Config are the featurization settings; the zero value is not useful, use
// DefaultConfig and change what you need.
type Config struct {
	MinN, MaxN         int     // word n-gram orders, 1..3
	CharMinN, CharMaxN int     // character n-grams within words; 0 = none
	MinDF              int     // drop features in fewer documents
	MaxDF              float64 // drop features in more than this fraction of documents
	Sublinear          bool    // tf → 1 + ln tf
	Buckets            int     // > 0: hash features into this many buckets, no vocabulary
	MaxFeatures        int     // > 0: keep the most frequent (by document frequency)
}

// DefaultConfig is word unigrams and bigrams, seen in 2+ documents,
// sublinear TF-IDF: the settings of the strongest linear baselines.
func DefaultConfig() Config {
	return Config{MinN: 1, MaxN: 2, MinDF: 2, MaxDF: 1, Sublinear: true}
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MinN < 1 || c.MaxN < c.MinN || c.MaxN > 3:
		return fmt.Errorf("word n-grams %d-%d: want 1 <= min <= max <= 3", c.MinN, c.MaxN)
	case c.CharMinN < 0 || c.CharMaxN < c.CharMinN || c.CharMaxN > 8 || (c.CharMinN == 0) != (c.CharMaxN == 0):
		return fmt.Errorf("character n-grams %d-%d: want 1 <= min <= max <= 8, or none", c.CharMinN, c.CharMaxN)
	case c.MinDF < 1:
		return fmt.Errorf("min document frequency %d: want >= 1", c.MinDF)
	case c.MaxDF <= 0 || c.MaxDF > 1:
		return fmt.Errorf("max document frequency %g: want a fraction in (0, 1]", c.MaxDF)
	case c.Buckets < 0 || c.Buckets > 1<<28:
		return fmt.Errorf("buckets %d: want 0 (vocabulary) or up to 2^28", c.Buckets)
	}
	return nil
}

// Vec is a sparse vector: feature ids (each once, in no particular order)
// and their values.
type Vec struct {
	Idx []int32
	Val []float32
}

// Reset empties v, keeping its storage.
func (v *Vec) Reset() { v.Idx, v.Val = v.Idx[:0], v.Val[:0] }

// Vectorizer maps normalized text to TF-IDF vectors.
type Vectorizer struct {
	Config Config
	Names  []string  // feature names, by id (nil with hashing)
	IDF    []float32 // inverse document frequency, by id
	index  *table
	pool   sync.Pool // *counter scratch for Transform
}

// NumFeatures is the vector dimension.
func (v *Vectorizer) NumFeatures() int { return len(v.IDF) }

const charSeed = 0x9E3779B97F4A7C15 // separates character n-gram hashes from word ones

func mix(h, x uint64) uint64 {
	h ^= x + 0x9E3779B97F4A7C15 + h<<6 + h>>2
	return h * 0xBF58476D1CE4E5B9
}

// grams calls fn with the hash of every n-gram of the normalized text
// (tokens separated by single spaces) and, when withNames is set, the
// n-gram itself, to name it (else nil; fn must not keep g).
func (c *Config) grams(text string, withNames bool, fn func(h uint64, g *gram)) {
	var toks [3]string // ring of the last tokens
	var hs [3]uint64
	var g *gram // nil unless names are wanted: it escapes to fn
	if withNames {
		g = new(gram)
	}
	n := 0
	for start := 0; start < len(text); {
		end := strings.IndexByte(text[start:], ' ')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		tok := text[start:end]
		start = end + 1
		if tok == "" {
			continue
		}
		th := xxhash.Sum64String(tok)
		toks[n%3], hs[n%3] = tok, th
		n++
		for order := c.MinN; order <= c.MaxN && order <= n; order++ {
			h := uint64(order)
			for k := order; k >= 1; k-- {
				h = mix(h, hs[(n-k)%3])
			}
			if g != nil {
				g.order = order
				for k := order; k >= 1; k-- {
					g.toks[order-k] = toks[(n-k)%3]
				}
			}
			fn(h, g)
		}
		if c.CharMaxN > 0 {
			c.charGrams(tok, g, fn)
		}
	}
}

// gram is one n-gram as grams reports it: its order and tokens, or (order
// 0) a character n-gram.
type gram struct {
	order int
	toks  [3]string
	char  string
}

// appendName appends the n-gram's feature name: its tokens joined by
// spaces, or "c:" and the characters.
func (g *gram) appendName(dst []byte) []byte {
	if g.order == 0 {
		return append(append(dst, "c:"...), g.char...)
	}
	for i, t := range g.toks[:g.order] {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, t...)
	}
	return dst
}

// charGrams hashes the character n-grams of " tok " (word-bounded, as
// scikit-learn's char_wb), named "c:" + the gram; g, if not nil, carries
// them to fn.
func (c *Config) charGrams(tok string, g *gram, fn func(uint64, *gram)) {
	padded := []rune(" " + tok + " ")
	for n := c.CharMinN; n <= c.CharMaxN; n++ {
		for i := 0; i+n <= len(padded); i++ {
			s := string(padded[i : i+n])
			if g != nil {
				g.order, g.char = 0, s
			}
			fn(xxhash.Sum64String(s)^charSeed, g)
		}
	}
}

// Fit learns the vocabulary and IDF weights from normalized training texts.
func Fit(texts []string, cfg Config) (*Vectorizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(texts) == 0 {
		return nil, fmt.Errorf("no documents to fit features on")
	}
	n := float64(len(texts))
	maxDF := int32(math.Floor(cfg.MaxDF * n))
	keep := func(df int32) bool { return df >= int32(cfg.MinDF) && df <= maxDF }
	idf := func(df int32) float32 { return float32(math.Log((1+n)/(1+float64(df))) + 1) }
	v := &Vectorizer{Config: cfg}
	if cfg.Buckets > 0 {
		bucketDF := make([]int32, cfg.Buckets)
		bucketLast := make([]int32, cfg.Buckets)
		for i := range bucketLast {
			bucketLast[i] = -1
		}
		for d, text := range texts {
			d := int32(d)
			cfg.grams(text, false, func(h uint64, _ *gram) {
				b := h % uint64(cfg.Buckets)
				if bucketLast[b] != d {
					bucketLast[b] = d
					bucketDF[b]++
				}
			})
		}
		v.IDF = make([]float32, cfg.Buckets)
		for b, df := range bucketDF {
			if keep(df) {
				v.IDF[b] = idf(df)
			} // a dropped bucket keeps weight 0
		}
		return v, nil
	}
	// The n-grams are split among the cores by hash: each counts its share
	// over all documents in a table of its own. The shares are disjoint and
	// the vocabulary is sorted by name at the end, so the result does not
	// depend on the number of cores.
	shards := make([]*vocabCounts, min(runtime.GOMAXPROCS(0), 8))
	// Sized for one distinct n-gram per 64 bytes of text (news has one per
	// 10–25 and repetitive corpora far fewer): a few doublings at most, and
	// no table much larger than its contents.
	var size int
	for _, t := range texts {
		size += len(t)
	}
	var wg sync.WaitGroup
	for w := range shards {
		shards[w] = newVocabCounts(min(size/64/len(shards), 1<<24))
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts, nw := shards[w], uint64(len(shards))
			for d, text := range texts {
				cfg.grams(text, true, func(h uint64, g *gram) {
					if h%nw == uint64(w) {
						counts.add(h, int32(d), g)
					}
				})
			}
		}()
	}
	wg.Wait()
	type kept struct {
		h    uint64
		df   int32
		name string
	}
	var ks []kept
	for _, counts := range shards {
		for i, e := range counts.slots {
			if e.df > 0 && keep(e.df) {
				ks = append(ks, kept{e.h, e.df, counts.name(i)})
			}
		}
	}
	if cfg.MaxFeatures > 0 && len(ks) > cfg.MaxFeatures {
		sort.Slice(ks, func(i, j int) bool {
			if ks[i].df != ks[j].df {
				return ks[i].df > ks[j].df
			}
			return ks[i].name < ks[j].name
		})
		ks = ks[:cfg.MaxFeatures]
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].name < ks[j].name })
	v.Names = make([]string, len(ks))
	v.IDF = make([]float32, len(ks))
	v.index = newTable(len(ks))
	for i, k := range ks {
		v.Names[i], v.IDF[i] = k.name, idf(k.df)
		v.index.put(k.h, int32(i))
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("no feature occurs in %d+ documents: the corpus is too small or --min-df too high", cfg.MinDF)
	}
	return v, nil
}

// New rebuilds a fitted vectorizer from its parts (as stored in a model).
func New(cfg Config, names []string, idf []float32) (*Vectorizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &Vectorizer{Config: cfg, Names: names, IDF: idf}
	if cfg.Buckets > 0 {
		if len(names) != 0 || len(idf) != cfg.Buckets {
			return nil, fmt.Errorf("hashing vectorizer with %d names and %d weights for %d buckets", len(names), len(idf), cfg.Buckets)
		}
		return v, nil
	}
	if len(names) != len(idf) {
		return nil, fmt.Errorf("%d feature names but %d weights", len(names), len(idf))
	}
	v.index = newTable(len(names))
	for i, name := range names {
		h, err := cfg.hashName(name)
		if err != nil {
			return nil, err
		}
		if !v.index.put(h, int32(i)) {
			return nil, fmt.Errorf("feature %q appears twice", name)
		}
	}
	return v, nil
}

// hashName recomputes the hash of a feature from its name.
func (c *Config) hashName(name string) (uint64, error) {
	if g, ok := strings.CutPrefix(name, "c:"); ok && c.CharMaxN > 0 {
		return xxhash.Sum64String(g) ^ charSeed, nil
	}
	toks := strings.Split(name, " ")
	if len(toks) < c.MinN || len(toks) > c.MaxN {
		return 0, fmt.Errorf("feature %q is not a %d-%d-gram", name, c.MinN, c.MaxN)
	}
	h := uint64(len(toks))
	for _, t := range toks {
		h = mix(h, xxhash.Sum64String(t))
	}
	return h, nil
}

// counter counts the n-grams of one document in a small open-addressing
// table keyed by n-gram hash (or bucket), sized to the document: it stays in
// the fastest caches, and each distinct n-gram is looked up in the
// vocabulary once, however often it occurs.
type counter struct {
	hs    []uint64 // the document's n-gram hashes or buckets: the keys
	slots []countSlot
	order []int32 // occupied slots in order of first occurrence
	touch uint64  // keeps the prefetching loads of Transform alive
}

type countSlot struct {
	key   uint64
	count uint32 // 0 marks an empty slot
}

// sublinearTF is 1+ln(n) for the small counts most n-grams have.
var sublinearTF = func() (t [64]float64) {
	for n := 1; n < len(t); n++ {
		t[n] = 1 + math.Log(float64(n))
	}
	return t
}()

// maxPooledSlots bounds the counter kept for reuse after a huge document.
const maxPooledSlots = 1 << 20

// Transform sets v to the TF-IDF vector of a normalized text, L2-normalized,
// with feature ids in order of first occurrence.
func (vz *Vectorizer) Transform(text string, v *Vec) {
	v.Reset()
	c, _ := vz.pool.Get().(*counter)
	if c == nil {
		c = new(counter)
	}
	c.hs = c.hs[:0]
	vz.Config.grams(text, false, func(h uint64, _ *gram) { c.hs = append(c.hs, h) })
	nb := uint64(vz.Config.Buckets)
	if nb > 0 { // count by bucket: distinct hashes may share one
		for i, h := range c.hs {
			c.hs[i] = h % nb
		}
	}
	size := 64
	for size < 2*len(c.hs) {
		size *= 2
	}
	if len(c.slots) < size {
		c.slots = make([]countSlot, size)
	}
	bits := 0
	for 1<<bits < size {
		bits++
	}
	shift, mask := uint(64-bits), size-1
	c.order = c.order[:0]
	slots := c.slots
	for _, k := range c.hs {
		i := int((k * 0x9E3779B97F4A7C15) >> shift)
		for slots[i].count != 0 && slots[i].key != k {
			i = (i + 1) & mask
		}
		if slots[i].count == 0 {
			slots[i].key = k
			c.order = append(c.order, int32(i))
		}
		slots[i].count++
	}
	if nb == 0 {
		// Load the vocabulary slot of every distinct n-gram before the
		// lookups, whose found/not-found branch a CPU cannot predict: with
		// no branch between them, these cache misses overlap.
		t := vz.index
		var x uint64
		for _, i := range c.order {
			x ^= t.slots[slots[i].key>>t.shift].h
		}
		c.touch = x
	}
	var norm float64
	for _, i := range c.order {
		k, n := slots[i].key, slots[i].count
		slots[i].count = 0 // leaves the table empty for the next document
		id := int32(k)
		if nb == 0 {
			var ok bool
			if id, ok = vz.index.get(k); !ok {
				continue
			}
		}
		tf := float64(n)
		if vz.Config.Sublinear {
			if n < uint32(len(sublinearTF)) {
				tf = sublinearTF[n]
			} else {
				tf = 1 + math.Log(tf)
			}
		}
		if w := float32(tf) * vz.IDF[id]; w != 0 {
			v.Idx = append(v.Idx, id)
			v.Val = append(v.Val, w)
			norm += float64(w) * float64(w)
		}
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range v.Val {
			v.Val[i] *= inv
		}
	}
	if len(c.slots) <= maxPooledSlots {
		vz.pool.Put(c)
	}
}

// Locate calls fn for every occurrence of a known feature in a token list
// (the tokens of a normalized text, in order), with the feature's id and the
// range of tokens [first, last] it covers. It finds exactly the features
// Transform counts, so explanations can point at the words behind them.
func (vz *Vectorizer) Locate(tokens []string, fn func(id int32, first, last int)) {
	c := &vz.Config
	nb := uint64(c.Buckets)
	lookup := func(h uint64) (int32, bool) {
		if nb > 0 {
			return int32(h % nb), true
		}
		return vz.index.get(h)
	}
	hs := make([]uint64, len(tokens))
	for i, tok := range tokens {
		hs[i] = xxhash.Sum64String(tok)
		for order := c.MinN; order <= c.MaxN && order <= i+1; order++ {
			h := uint64(order)
			for k := i - order + 1; k <= i; k++ {
				h = mix(h, hs[k])
			}
			if id, ok := lookup(h); ok {
				fn(id, i-order+1, i)
			}
		}
		if c.CharMaxN > 0 {
			c.charGrams(tok, nil, func(h uint64, _ *gram) {
				if id, ok := lookup(h); ok {
					fn(id, i, i)
				}
			})
		}
	}
}
