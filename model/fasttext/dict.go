package fasttext

import "math/bits"

// Entry types of fastText's dictionary.
const (
	typeWord  int8 = 0
	typeLabel int8 = 1
)

// dictionary is fastText's vocabulary: all words (by count, descending),
// then all labels (by count, descending). Word i's input row is i; label l
// is output row l.
type dictionary struct {
	words   []string // words then labels; labels keep their prefix here
	counts  []int64
	types   []int8
	nwords  int32
	nlabels int32
	ntokens int64

	hashes []uint32 // hashes[i] = Hash(words[i])
	table  []int32  // open addressing on hash: entry index or -1

	// subwords[w] are the input rows of word w's character n-grams (empty
	// unless maxn > 0), after the n-gram index has been applied.
	subwords [][]int32
}

// build fills the hash table; words, counts and types must be set.
func (d *dictionary) build() {
	n := len(d.words)
	size := 1
	for size < n*10/7+1 {
		size <<= 1
	}
	d.table = make([]int32, size)
	for i := range d.table {
		d.table[i] = -1
	}
	d.hashes = make([]uint32, n)
	mask := uint32(size - 1)
	for i, w := range d.words {
		h := hashString(w)
		d.hashes[i] = h
		s := h & mask
		for d.table[s] >= 0 && d.words[d.table[s]] != w {
			s = (s + 1) & mask
		}
		// A duplicate entry (only in a malformed file) takes over the slot,
		// as in fastText's Dictionary::load: the last one wins.
		d.table[s] = int32(i)
	}
}

// find returns the entry id of tok (whose hash is h), or -1.
func (d *dictionary) find(tok []byte, h uint32) int32 {
	if len(d.table) == 0 {
		return -1
	}
	mask := uint32(len(d.table) - 1)
	s := h & mask
	for {
		id := d.table[s]
		if id < 0 {
			return -1
		}
		if d.hashes[id] == h && d.words[id] == string(tok) {
			return id
		}
		s = (s + 1) & mask
	}
}

func (d *dictionary) findString(w string) int32 {
	return d.find([]byte(w), hashString(w))
}

// labelCounts returns the counts of the labels, in label order.
func (d *dictionary) labelCounts() []int64 {
	return d.counts[d.nwords:]
}

// ngramIndex maps an n-gram bucket to its input row.
//
//   - dense (fastText .bin, unpruned .ftz): row = nwords + bucket.
//   - pruned (.ftz after -cutoff): fastText's pruneidx map; buckets not in
//     it are dropped from the line.
//   - sparse (credence-trained): only the buckets that training touched
//     have rows, in bucket order. A bucket training never saw stands for a
//     zero row: it adds nothing to the sum but counts in the average, which
//     is what fastText's untrained (near-zero, random) rows do.
//
// Pruned indexes, and sparse ones whose bitset would be much larger than
// their rows, are open-addressing hash tables; other sparse indexes are a
// bitset with rank counts (one popcount per lookup).
type ngramIndex struct {
	kind   int8
	nwords int32
	bucket int32 // number of buckets (args.bucket)

	keys []int32 // open addressing: bucket+1 (0 = empty)
	vals []int32 // row - nwords

	bits  []uint64 // sparse, as a bitset
	ranks []int32  // ranks[i] = number of set bits in bits[:i]
}

const (
	ngDense int8 = iota
	ngPruned
	ngSparse
)

// Results of ngramIndex.row besides a row: drop the feature, or count it as
// a zero row.
const (
	rowDrop int32 = -1
	rowZero int32 = -2
)

func (x *ngramIndex) row(b int32) int32 {
	switch {
	case x.kind == ngDense:
		return x.nwords + b
	case x.bits != nil:
		w := uint32(b) >> 6
		bit := uint64(1) << (uint32(b) & 63)
		if x.bits[w]&bit == 0 {
			return rowZero
		}
		return x.nwords + x.ranks[w] + int32(bits.OnesCount64(x.bits[w]&(bit-1)))
	}
	missing := rowDrop
	if x.kind == ngSparse {
		missing = rowZero
	}
	if len(x.keys) == 0 {
		return missing
	}
	mask := uint32(len(x.keys) - 1)
	s := (uint32(b) * 2654435761) & mask
	for {
		k := x.keys[s]
		if k == 0 {
			return missing
		}
		if k == b+1 {
			return x.nwords + x.vals[s]
		}
		s = (s + 1) & mask
	}
}

// setMap fills the hash table with (bucket, row - nwords) pairs; for a
// repeated bucket the last pair wins (as fastText's std::unordered_map).
func (x *ngramIndex) setMap(keys, vals []int32) {
	size := 0
	if len(keys) > 0 {
		size = 1
		for size < len(keys)*2+1 {
			size <<= 1
		}
	}
	x.keys = make([]int32, size)
	x.vals = make([]int32, size)
	mask := uint32(size - 1)
	for i, k := range keys {
		s := (uint32(k) * 2654435761) & mask
		for x.keys[s] != 0 && x.keys[s] != k+1 {
			s = (s + 1) & mask
		}
		x.keys[s] = k + 1
		x.vals[s] = vals[i]
	}
}

// setPruned builds fastText's pruned index from its (bucket, row) pairs.
func (x *ngramIndex) setPruned(keys, vals []int32) {
	x.kind = ngPruned
	x.bits, x.ranks = nil, nil
	x.setMap(keys, vals)
}

// setSparse builds a sparse index from the sorted list of kept buckets.
func (x *ngramIndex) setSparse(buckets []int32) {
	x.kind = ngSparse
	x.keys, x.vals, x.bits, x.ranks = nil, nil, nil, nil
	words := (int64(x.bucket) + 63) / 64
	if words*12 <= int64(len(buckets))*32+1<<20 {
		x.bits = make([]uint64, words)
		for _, b := range buckets {
			x.bits[uint32(b)>>6] |= 1 << (uint32(b) & 63)
		}
		x.rebuildRanks()
		return
	}
	vals := make([]int32, len(buckets))
	for i := range vals {
		vals[i] = int32(i)
	}
	x.setMap(buckets, vals)
}

func (x *ngramIndex) rebuildRanks() {
	x.ranks = make([]int32, len(x.bits))
	var r int32
	for i, w := range x.bits {
		x.ranks[i] = r
		r += int32(bits.OnesCount64(w))
	}
}

// sparseBuckets lists the kept buckets of a sparse index in row order.
func (x *ngramIndex) sparseBuckets() []int32 {
	if x.bits == nil {
		out := make([]int32, x.count())
		for i, k := range x.keys {
			if k != 0 {
				out[x.vals[i]] = k - 1
			}
		}
		return out
	}
	var out []int32
	for i, w := range x.bits {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			out = append(out, int32(i*64+t))
			w &= w - 1
		}
	}
	return out
}

// count returns the number of n-gram rows.
func (x *ngramIndex) count() int {
	switch {
	case x.kind == ngDense:
		return int(x.bucket)
	case x.bits != nil:
		n := 0
		for _, w := range x.bits {
			n += bits.OnesCount64(w)
		}
		return n
	}
	n := 0
	for _, k := range x.keys {
		if k != 0 {
			n++
		}
	}
	return n
}
