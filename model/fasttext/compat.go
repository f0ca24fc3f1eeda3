package fasttext

import "math"

// What training needs to start where fastText 0.9.2 starts, so that with
// one thread and the same seed both make the same model: its random
// initial weights (C++'s std::minstd_rand through libstdc++'s
// uniform_real_distribution<double>) and its vocabulary order (libstdc++'s
// std::sort, which is not stable: words of equal count come out in the
// order its introsort leaves them, and a word's id decides its weights).

const (
	minstdA = 48271
	minstdM = 1<<31 - 1
)

// minstd is std::minstd_rand.
type minstd struct{ x uint64 }

func newMinstd(seed uint64) minstd {
	x := seed % minstdM
	if x == 0 {
		x = 1
	}
	return minstd{x}
}

func (r *minstd) next() uint64 {
	r.x = r.x * minstdA % minstdM
	return r.x
}

// skip advances the generator by k draws: x·aᵏ mod m.
func (r *minstd) skip(k uint64) {
	p, b := uint64(1), uint64(minstdA)
	for ; k > 0; k >>= 1 {
		if k&1 == 1 {
			p = p * b % minstdM
		}
		b = b * b % minstdM
	}
	r.x = r.x * p % minstdM
}

// intn is uniform_int_distribution<int>(0, n-1)(r) as libstdc++ computes
// it for a generator of this range: rejection, then division.
func (r *minstd) intn(n uint64) uint64 {
	const urange = minstdM - 2 // max - min
	scaling := urange / n
	past := n * scaling
	for {
		if v := r.next() - 1; v < past {
			return v / scaling
		}
	}
}

// uniform is uniform_real_distribution<double>(lo, hi)(r) as libstdc++
// computes it: generate_canonical<double, 53> takes two draws.
func (r *minstd) uniform(lo, hi float64) float64 {
	const span = minstdM - 1 // max - min + 1
	sum := float64(r.next() - 1)
	sum += float64(float64(r.next()-1) * span)
	c := sum / float64(span*span) // the constant rounds once, as its long double product does
	if c >= 1 {
		c = math.Nextafter(1, 0)
	}
	return float64(c*(hi-lo)) + lo
}

// initInput sets the input rows as fastText initializes its (nwords +
// bucket) × dim matrix. fastText splits the matrix into 10 blocks and fills
// block k, for k < threads, from minstd_rand(seed + k), one value (two
// draws) per entry in order; the other blocks stay zero (with one thread,
// only the first tenth of the matrix is random). Row i of this model is
// fastText's row i for a word and nwords + bucket for an n-gram row.
func (m *Model) initInput(buckets []int32, threads int, seed int32) {
	dim := int64(m.in.n)
	total := (int64(m.dict.nwords) + int64(m.args.bucket)) * dim
	block := total / 10
	a := float64(float32(1 / float64(dim))) // fastText passes 1/dim as a float
	fill := func(row int, ftRow int64) {
		dst := m.in.d[int64(row)*dim : int64(row)*dim+dim]
		clear(dst)
		if block == 0 {
			return
		}
		var r minstd
		cur := int64(-1)
		for j := range dst {
			e := ftRow*dim + int64(j)
			k := e / block
			if k >= int64(threads) {
				return
			}
			if k != cur {
				cur = k
				r = newMinstd(uint64(int64(seed) + k))
				r.skip(2 * uint64(e-k*block))
			}
			dst[j] = float32(r.uniform(-a, a))
		}
	}
	nw := int(m.dict.nwords)
	for i := range nw {
		fill(i, int64(i))
	}
	for i, b := range buckets {
		fill(nw+i, int64(nw)+int64(b))
	}
}

// cxxSort sorts x as libstdc++'s std::sort does with the comparator less:
// introsort (median-of-three pivot, unguarded partition, heapsort past the
// depth limit) down to runs of 16, then insertion sort. It is not stable,
// and the order it gives equal elements is what this reproduces.
func cxxSort[T any](x []T, less func(a, b T) bool) {
	n := len(x)
	if n == 0 {
		return
	}
	lg := 0
	for v := n; v > 1; v >>= 1 {
		lg++
	}
	introsortLoop(x, 0, n, 2*lg, less)
	const threshold = 16
	if n > threshold {
		insertionSort(x, 0, threshold, less)
		for i := threshold; i < n; i++ {
			unguardedLinearInsert(x, i, less)
		}
	} else {
		insertionSort(x, 0, n, less)
	}
}

func introsortLoop[T any](x []T, first, last, depth int, less func(a, b T) bool) {
	for last-first > 16 {
		if depth == 0 {
			heapSort(x[first:last], less)
			return
		}
		depth--
		mid := first + (last-first)/2
		moveMedianToFirst(x, first, first+1, mid, last-1, less)
		cut := unguardedPartition(x, first+1, last, first, less)
		introsortLoop(x, cut, last, depth, less)
		last = cut
	}
}

func moveMedianToFirst[T any](x []T, result, a, b, c int, less func(a, b T) bool) {
	switch {
	case less(x[a], x[b]):
		switch {
		case less(x[b], x[c]):
			x[result], x[b] = x[b], x[result]
		case less(x[a], x[c]):
			x[result], x[c] = x[c], x[result]
		default:
			x[result], x[a] = x[a], x[result]
		}
	case less(x[a], x[c]):
		x[result], x[a] = x[a], x[result]
	case less(x[b], x[c]):
		x[result], x[c] = x[c], x[result]
	default:
		x[result], x[b] = x[b], x[result]
	}
}

func unguardedPartition[T any](x []T, first, last, pivot int, less func(a, b T) bool) int {
	for {
		for less(x[first], x[pivot]) {
			first++
		}
		last--
		for less(x[pivot], x[last]) {
			last--
		}
		if first >= last {
			return first
		}
		x[first], x[last] = x[last], x[first]
		first++
	}
}

func insertionSort[T any](x []T, first, last int, less func(a, b T) bool) {
	if first == last {
		return
	}
	for i := first + 1; i < last; i++ {
		if less(x[i], x[first]) {
			v := x[i]
			copy(x[first+1:i+1], x[first:i])
			x[first] = v
		} else {
			unguardedLinearInsert(x, i, less)
		}
	}
}

func unguardedLinearInsert[T any](x []T, last int, less func(a, b T) bool) {
	v := x[last]
	next := last - 1
	for less(v, x[next]) {
		x[last] = x[next]
		last = next
		next--
	}
	x[last] = v
}

// heapSort is std::__partial_sort(first, last, last): make_heap, then
// pop_heap down to one element.
func heapSort[T any](x []T, less func(a, b T) bool) {
	n := len(x)
	if n < 2 {
		return
	}
	for parent := (n - 2) / 2; ; parent-- {
		adjustHeap(x, parent, n, x[parent], less)
		if parent == 0 {
			break
		}
	}
	for end := n; end > 1; end-- {
		cxxPopHeap(x[:end], less)
	}
}

// cxxPopHeap is std::pop_heap: the top goes to the end.
func cxxPopHeap[T any](x []T, less func(a, b T) bool) {
	if n := len(x); n > 1 {
		v := x[n-1]
		x[n-1] = x[0]
		adjustHeap(x, 0, n-1, v, less)
	}
}

// adjustHeap is std::__adjust_heap: sift the hole at hole down to a leaf,
// then push v up from there.
func adjustHeap[T any](x []T, hole, n int, v T, less func(a, b T) bool) {
	top, child := hole, hole
	for child < (n-1)/2 {
		child = 2 * (child + 1)
		if less(x[child], x[child-1]) {
			child--
		}
		x[hole] = x[child]
		hole = child
	}
	if n&1 == 0 && child == (n-2)/2 {
		child = 2 * (child + 1)
		x[hole] = x[child-1]
		hole = child - 1
	}
	siftUp(x, hole, top, v, less)
}

// siftUp is std::__push_heap: move v up from hole, not past top.
func siftUp[T any](x []T, hole, top int, v T, less func(a, b T) bool) {
	parent := (hole - 1) / 2
	for hole > top && less(x[parent], v) {
		x[hole] = x[parent]
		hole = parent
		parent = (hole - 1) / 2
	}
	x[hole] = v
}
