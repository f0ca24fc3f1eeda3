package fasttext

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMinstd(t *testing.T) {
	// The C++ standard: the 10000th draw of a default-constructed
	// minstd_rand (seed 1) is 399268537.
	r := newMinstd(1)
	var v uint64
	for range 10000 {
		v = r.next()
	}
	if v != 399268537 {
		t.Fatalf("10000th draw %d, want 399268537", v)
	}
	for _, k := range []uint64{0, 1, 2, 7, 1000, 123457} {
		a, b := newMinstd(42), newMinstd(42)
		for range k {
			a.next()
		}
		b.skip(k)
		if a.x != b.x {
			t.Errorf("skip(%d) = %d, stepping gives %d", k, b.x, a.x)
		}
	}
	if newMinstd(0).x != 1 || newMinstd(minstdM).x != 1 {
		t.Error("a seed of 0 mod m must start at 1, as in C++")
	}
	// uniform_real_distribution<double>(-0.25, 0.25) from seed 0: the first
	// weight of a 4-dimensional fastText model (fasttext dump, seed 0).
	r = newMinstd(0)
	if got := r.uniform(-0.25, 0.25); math.Abs(got+0.207484) > 5e-7 {
		t.Errorf("first initial weight %v, fastText's is -0.207484", got)
	}
	for n := uint64(1); n < 9; n++ {
		r := newMinstd(n)
		for range 100 {
			if v := r.intn(n); v >= n {
				t.Fatalf("intn(%d) = %d", n, v)
			}
		}
	}
}

func TestCxxSort(t *testing.T) {
	type item struct{ key, pos int }
	less := func(a, b item) bool { return a.key < b.key }
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 15, 16, 17, 100, 1000, 5000} {
		for _, keys := range []int{2, 10, 1 << 30} {
			x := make([]item, n)
			for i := range x {
				x[i] = item{rng.IntN(keys), i}
			}
			want := slices.Clone(x)
			cxxSort(x, less)
			if !slices.IsSortedFunc(x, func(a, b item) int { return a.key - b.key }) {
				t.Fatalf("n=%d keys=%d: not sorted", n, keys)
			}
			slices.SortFunc(x, func(a, b item) int { return a.pos - b.pos })
			if !slices.Equal(x, want) {
				t.Fatalf("n=%d keys=%d: not a permutation", n, keys)
			}
		}
	}
	// The heapsort fallback (taken past the depth limit) on its own.
	for _, n := range []int{2, 3, 10, 33, 500} {
		x := make([]item, n)
		for i := range x {
			x[i] = item{rng.IntN(7), i}
		}
		heapSort(x, less)
		if !slices.IsSortedFunc(x, func(a, b item) int { return a.key - b.key }) {
			t.Fatalf("heapSort n=%d: not sorted", n)
		}
	}
}
