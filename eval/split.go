package eval

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
)

// newRand is the one generator every split uses, so that a seed means the
// same split in every release (PCG's output is fixed by math/rand/v2).
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func checkFrac(f float64) error {
	if !(f > 0 && f < 1) { // also rejects NaN
		return fmt.Errorf("test fraction %v is not in (0, 1)", f)
	}
	return nil
}

// byClass returns the row indices of each class, classes in ascending order
// so that the shuffles that follow depend only on the data and the seed.
func byClass(labels []int) [][]int {
	m := make(map[int][]int)
	for i, l := range labels {
		m[l] = append(m[l], i)
	}
	out := make([][]int, 0, len(m))
	for _, c := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[c])
	}
	return out
}

func shuffle[T any](r *rand.Rand, s []T) {
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
}

// StratifiedSplit holds out round(testFrac*count) random rows of each class,
// at least one and at most count-1 for a class with two rows or more, so
// both sides see every class that can be split. Both index slices are sorted.
func StratifiedSplit(labels []int, testFrac float64, seed uint64) (train, test []int, err error) {
	if err := checkFrac(testFrac); err != nil {
		return nil, nil, fmt.Errorf("stratified split: %w", err)
	}
	r := newRand(seed)
	for _, rows := range byClass(labels) {
		shuffle(r, rows)
		k := int(math.Round(testFrac * float64(len(rows))))
		if len(rows) >= 2 {
			k = min(max(k, 1), len(rows)-1)
		}
		test = append(test, rows[:k]...)
		train = append(train, rows[k:]...)
	}
	if len(test) == 0 || len(train) == 0 {
		return nil, nil, fmt.Errorf("stratified split: %d rows, test fraction %v: one side would be empty", len(labels), testFrac)
	}
	slices.Sort(train)
	slices.Sort(test)
	return train, test, nil
}

// KFold returns k disjoint, sorted sets of test indices that together cover
// every row. Each class's shuffled rows are dealt round-robin, the deal
// continuing across classes, so fold sizes differ by at most one overall and
// by at most one within each class.
func KFold(labels []int, k int, seed uint64) ([][]int, error) {
	if k < 2 {
		return nil, fmt.Errorf("k-fold: k = %d, need at least 2", k)
	}
	if k > len(labels) {
		return nil, fmt.Errorf("k-fold: k = %d but only %d rows", k, len(labels))
	}
	r := newRand(seed)
	folds := make([][]int, k)
	f := 0
	for _, rows := range byClass(labels) {
		shuffle(r, rows)
		for _, i := range rows {
			folds[f] = append(folds[f], i)
			f = (f + 1) % k
		}
	}
	for _, fold := range folds {
		slices.Sort(fold)
	}
	return folds, nil
}

// GroupSplit keeps every group (source, author, story) on one side, so a
// model cannot score well by recognising a group it saw in training. The
// distinct groups are shuffled and whole groups go to test until it holds at
// least testFrac of the rows; one group always stays in training.
func GroupSplit(groups []string, testFrac float64, seed uint64) (train, test []int, err error) {
	if err := checkFrac(testFrac); err != nil {
		return nil, nil, fmt.Errorf("group split: %w", err)
	}
	size := make(map[string]int)
	for _, g := range groups {
		size[g]++
	}
	if len(size) < 2 {
		return nil, nil, fmt.Errorf("group split: %d distinct groups, need at least 2", len(size))
	}
	names := slices.Sorted(maps.Keys(size)) // independent of row order
	shuffle(newRand(seed), names)
	target := testFrac * float64(len(groups))
	inTest := make(map[string]bool)
	n := 0
	for _, g := range names[:len(names)-1] {
		if float64(n) >= target {
			break
		}
		inTest[g] = true
		n += size[g]
	}
	for i, g := range groups {
		if inTest[g] {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test, nil
}

// Complement returns the sorted indices in [0, n) that are not in test
// (typically the training rows of a split read with ReadTestRows).
// Out-of-range values in test are ignored.
func Complement(n int, test []int) []int {
	if n <= 0 {
		return []int{}
	}
	in := make([]bool, n)
	for _, i := range test {
		if i >= 0 && i < n {
			in[i] = true
		}
	}
	out := make([]int, 0, n)
	for i, t := range in {
		if !t {
			out = append(out, i)
		}
	}
	return out
}
