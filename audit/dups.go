package audit

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/cespare/xxhash/v2"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/normalize"
)

// DuplicateResult reports near-copies and topical twins.
type DuplicateResult struct {
	NearDuplicates *PairStats `json:"near_duplicates"`
	TopicalTwins   *PairStats `json:"topical_twins"`
}

// PairStats counts pairs of documents whose sets (of word 5-shingles, or
// of content words) have a Jaccard similarity at or above Threshold, as
// estimated by MinHash with locality-sensitive hashing (Hashes = Bands ×
// Rows; a pair is compared when its signatures agree on a whole band).
type PairStats struct {
	What      string  `json:"what"`
	Threshold float64 `json:"threshold"`
	Hashes    int     `json:"minhash_hashes"`
	Bands     int     `json:"lsh_bands"`
	Rows      int     `json:"lsh_rows"`
	MinSize   int     `json:"min_set_size"` // documents with smaller sets are not compared
	Compared  int     `json:"documents_compared"`

	Pairs      int `json:"pairs"`
	Documents  int `json:"documents_in_pairs"`
	CrossLabel int `json:"cross_label_pairs"`
	CrossSplit int `json:"cross_split_pairs"` // one document in train, one in test
	// CrossSplitLabel counts pairs that cross both the split and the labels.
	CrossSplitLabel int `json:"cross_split_cross_label_pairs"`
	// TestWithTwin is the number of test documents with a twin in train.
	TestWithTwin int     `json:"test_docs_with_train_twin"`
	TestShare    float64 `json:"test_share_with_train_twin"`
	Examples     []Pair  `json:"examples,omitempty"`
}

// Pair is two similar documents.
type Pair struct {
	Docs    [2]PairDoc `json:"docs"`
	Jaccard float64    `json:"jaccard"` // exact, over the sets compared
}

// PairDoc identifies one document of a pair.
type PairDoc struct {
	At    string `json:"at"` // file:line
	Row   int    `json:"row"`
	Label string `json:"label"`
	Split string `json:"split"` // train or test
	Start string `json:"start"` // the first words
}

const numHashes = 128

var minhashA, minhashB = func() ([numHashes]uint64, [numHashes]uint64) {
	var a, b [numHashes]uint64
	x := uint64(0x243F6A8885A308D3)
	next := func() uint64 { // splitmix64
		x += 0x9E3779B97F4A7C15
		z := x
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		return z ^ z>>31
	}
	for i := range a {
		a[i], b[i] = next()|1, next()
	}
	return a, b
}()

// minhash fills sig with the MinHash signature of a set of element hashes.
func minhash(elems []uint64, sig []uint32) {
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	for _, e := range elems {
		for i := range sig {
			if v := uint32((e*minhashA[i] + minhashB[i]) >> 32); v < sig[i] {
				sig[i] = v
			}
		}
	}
}

// wordTokens splits lowercased text into runs of letters and digits.
func wordTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// shingleSet is the set of hashed word 5-shingles (the whole text when
// it has fewer words).
func shingleSet(text string) []uint64 {
	w := wordTokens(text)
	if len(w) == 0 {
		return nil
	}
	k := min(5, len(w))
	out := make([]uint64, 0, len(w)-k+1)
	for i := 0; i+k <= len(w); i++ {
		out = append(out, xxhash.Sum64String(strings.Join(w[i:i+k], " ")))
	}
	return uniq(out)
}

// wordSet is the set of content words (nltk profile: stopwords dropped,
// nouns lemmatized).
func wordSet(prof normalize.Profile, text string) []uint64 {
	var out []uint64
	for _, t := range strings.Fields(string(prof.Append(nil, []byte(text)))) {
		out = append(out, xxhash.Sum64String(t))
	}
	return uniq(out)
}

func uniq(a []uint64) []uint64 {
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
	out := a[:0]
	for i, v := range a {
		if i == 0 || v != a[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func jaccard(a, b []uint64) float64 {
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// topicalMinWords: content-word sets smaller than this are not compared
// for topical twins (short statements share a few words by chance).
const topicalMinWords = 20

// maxRun bounds the comparisons within one LSH bucket: each document is
// compared with at most this many others there, so a large cluster of
// identical documents costs linear, not quadratic, time.
const maxRun = 100

type pairKey struct{ a, b int32 }

// similarPairs finds pairs whose Jaccard similarity is at least threshold:
// LSH proposes candidates, MinHash screens them, the sets decide. sets[i]
// nil means document i is not compared.
func similarPairs(sets [][]uint64, threshold float64, rows int, workers int) (map[pairKey]float64, int) {
	n := len(sets)
	sigs := make([]uint32, n*numHashes)
	parallelFor(n, workers, func(i int) {
		if sets[i] != nil {
			minhash(sets[i], sigs[i*numHashes:(i+1)*numHashes])
		}
	})
	bands := numHashes / rows
	type entry struct {
		h uint64
		i int32
	}
	found := map[pairKey]float64{}
	compared := 0
	for i := range sets {
		if sets[i] != nil {
			compared++
		}
	}
	entries := make([]entry, 0, compared)
	for b := 0; b < bands; b++ {
		entries = entries[:0]
		for i := range sets {
			if sets[i] == nil {
				continue
			}
			band := sigs[i*numHashes+b*rows : i*numHashes+(b+1)*rows]
			h := uint64(b) * 0x9E3779B97F4A7C15
			for _, v := range band {
				h = (h ^ uint64(v)) * 0x100000001B3
				h ^= h >> 29
			}
			entries = append(entries, entry{h, int32(i)})
		}
		sort.Slice(entries, func(x, y int) bool {
			if entries[x].h != entries[y].h {
				return entries[x].h < entries[y].h
			}
			return entries[x].i < entries[y].i
		})
		for lo := 0; lo < len(entries); {
			hi := lo + 1
			for hi < len(entries) && entries[hi].h == entries[lo].h {
				hi++
			}
			for x := lo; x < hi; x++ {
				for y := x + 1; y < min(hi, x+1+maxRun); y++ {
					k := pairKey{entries[x].i, entries[y].i}
					if _, ok := found[k]; ok {
						continue
					}
					sa := sigs[int(k.a)*numHashes : int(k.a+1)*numHashes]
					sb := sigs[int(k.b)*numHashes : int(k.b+1)*numHashes]
					eq := 0
					for h := range sa {
						if sa[h] == sb[h] {
							eq++
						}
					}
					// The estimate has a standard error of about 0.04:
					// check the pairs near the threshold exactly.
					if float64(eq)/numHashes >= threshold-0.1 {
						if j := jaccard(sets[k.a], sets[k.b]); j >= threshold {
							found[k] = j
						}
					}
				}
			}
			lo = hi
		}
	}
	return found, compared
}

func duplicates(docs []corpus.Document, y []int, labels []string, test []int, opt Options) *DuplicateResult {
	n := len(docs)
	isTest := make([]bool, n)
	for _, i := range test {
		isTest[i] = true
	}
	texts := make([]string, n)
	for i, d := range docs {
		b, _ := normalize.ValidUTF8([]byte(d.Text))
		texts[i] = string(b)
	}
	shingles := make([][]uint64, n)
	parallelFor(n, opt.Workers, func(i int) { shingles[i] = shingleSet(texts[i]) })
	nltk, _ := normalize.Lookup("nltk")
	words := make([][]uint64, n)
	parallelFor(n, opt.Workers, func(i int) {
		if w := wordSet(nltk, texts[i]); len(w) >= topicalMinWords {
			words[i] = w
		}
	})
	res := &DuplicateResult{}
	// 32 bands of 4: a pair at Jaccard 0.5 is compared with probability 0.9999.
	nd, cmp := similarPairs(shingles, opt.Jaccard, 4, opt.Workers)
	res.NearDuplicates = pairStats("word 5-shingles", nd, shingles, opt.Jaccard, 4, 1, cmp, docs, y, labels, isTest, texts, len(test))
	// 64 bands of 2 catch a pair at 0.25 with probability 0.98; on large
	// corpora 42 bands of 3 keep the number of candidates down.
	rows := 2
	if n > 12000 {
		rows = 3
	}
	tw, cmp := similarPairs(words, opt.TopicalJaccard, rows, opt.Workers)
	res.TopicalTwins = pairStats("content words (nltk profile)", tw, words, opt.TopicalJaccard, rows, topicalMinWords, cmp, docs, y, labels, isTest, texts, len(test))
	return res
}

func pairStats(what string, found map[pairKey]float64, sets [][]uint64, threshold float64, rows, minSize, compared int,
	docs []corpus.Document, y []int, labels []string, isTest []bool, texts []string, nTest int) *PairStats {
	ps := &PairStats{What: what, Threshold: threshold, Hashes: numHashes / rows * rows, Bands: numHashes / rows, Rows: rows,
		MinSize: minSize, Compared: compared, Pairs: len(found)}
	keys := make([]pairKey, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	in := map[int32]bool{}
	twin := map[int32]bool{}
	for _, k := range keys {
		in[k.a], in[k.b] = true, true
		cl := y[k.a] != y[k.b]
		cs := isTest[k.a] != isTest[k.b]
		if cl {
			ps.CrossLabel++
		}
		if cs {
			ps.CrossSplit++
			if cl {
				ps.CrossSplitLabel++
			}
			if isTest[k.a] {
				twin[k.a] = true
			} else {
				twin[k.b] = true
			}
		}
	}
	ps.Documents, ps.TestWithTwin = len(in), len(twin)
	if nTest > 0 {
		ps.TestShare = float64(len(twin)) / float64(nTest)
	}
	// Examples: pairs across the split and the labels first, then across
	// the split, then across labels, each by similarity.
	rank := func(k pairKey) int {
		r := 0
		if isTest[k.a] == isTest[k.b] {
			r += 2
		}
		if y[k.a] == y[k.b] {
			r++
		}
		return r
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank(keys[i]), rank(keys[j])
		if ri != rj {
			return ri < rj
		}
		if found[keys[i]] != found[keys[j]] { // exact Jaccard
			return found[keys[i]] > found[keys[j]]
		}
		return keys[i].a < keys[j].a || keys[i].a == keys[j].a && keys[i].b < keys[j].b
	})
	pd := func(i int32) PairDoc {
		d := docs[i]
		split := "train"
		if isTest[i] {
			split = "test"
		}
		start := strings.Join(strings.Fields(texts[i]), " ")
		if r := []rune(start); len(r) > 70 {
			start = string(r[:70]) + "…"
		}
		return PairDoc{At: fmt.Sprintf("%s:%d", filepath.Base(d.File), d.Line), Row: d.Row, Label: labels[y[i]], Split: split, Start: start}
	}
	for _, k := range keys[:min(8, len(keys))] {
		ps.Examples = append(ps.Examples, Pair{Docs: [2]PairDoc{pd(k.a), pd(k.b)}, Jaccard: found[k]})
	}
	return ps
}

func (d *DuplicateResult) findings(r *Report) []Finding {
	var out []Finding
	for _, p := range []*PairStats{d.NearDuplicates, d.TopicalTwins} {
		if p == nil || p.Pairs == 0 {
			continue
		}
		kind, name := KindNearDuplicate, "near-duplicate"
		hi, med := 0.05, 0.01
		if p == d.TopicalTwins {
			kind, name = KindTopicalTwin, "topical twin"
			hi, med = 0.10, 0.02
		}
		sev := Low
		switch {
		case p.TestShare >= hi:
			sev = High
		case p.TestShare >= med || kind == KindNearDuplicate && p.CrossLabel > 0:
			sev = Medium
		}
		f := Finding{Kind: kind, Severity: sev,
			Title: fmt.Sprintf("%d %s pairs (Jaccard >= %.2f over %s): %d across labels, %d across the split; %d of %d test documents (%.1f%%) have one in train",
				p.Pairs, name, p.Threshold, p.What, p.CrossLabel, p.CrossSplit, p.TestWithTwin, r.TestRows, 100*p.TestShare),
			Numbers: map[string]float64{"pairs": float64(p.Pairs), "cross_label": float64(p.CrossLabel), "cross_split": float64(p.CrossSplit),
				"cross_split_cross_label": float64(p.CrossSplitLabel), "test_share": p.TestShare}}
		if kind == KindNearDuplicate {
			f.Evidence = "copies and syndicated versions: a test document whose copy was trained on is not a test; copies with different labels are label noise"
		} else {
			f.Evidence = fmt.Sprintf("documents about the same story (rewrites, paired fake/legit items); %d pairs cross both the split and the labels, so the model is tested on the topic it learned with the other label", p.CrossSplitLabel)
		}
		for _, e := range p.Examples[:min(4, len(p.Examples))] {
			f.Examples = append(f.Examples, fmt.Sprintf("J=%.2f %s row %d (%s, %s) ~ %s row %d (%s, %s)", e.Jaccard,
				e.Docs[0].At, e.Docs[0].Row, e.Docs[0].Label, e.Docs[0].Split, e.Docs[1].At, e.Docs[1].Row, e.Docs[1].Label, e.Docs[1].Split))
		}
		out = append(out, f)
	}
	return out
}
