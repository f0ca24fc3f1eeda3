package eval

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// splitLabels has classes 0, 1, 2, 3 and 7 with 50, 30, 20, 2 and 1 rows,
// interleaved so that no class sits in one block.
func splitLabels() []int {
	counts := map[int]int{0: 50, 1: 30, 2: 20, 3: 2, 7: 1}
	var out []int
	for len(out) < 103 {
		for _, c := range []int{0, 1, 0, 2, 1, 0, 3, 7, 2, 1} {
			if counts[c] > 0 {
				out = append(out, c)
				counts[c]--
			}
		}
	}
	return out
}

func countBy(labels, rows []int) map[int]int {
	m := make(map[int]int)
	for _, i := range rows {
		m[labels[i]]++
	}
	return m
}

// checkPartition fails unless the parts are sorted, disjoint and cover [0, n).
func checkPartition(t *testing.T, n int, parts ...[]int) {
	t.Helper()
	var all []int
	for i, p := range parts {
		if !slices.IsSorted(p) {
			t.Errorf("part %d is not sorted: %v", i, p)
		}
		all = append(all, p...)
	}
	slices.Sort(all)
	for i, v := range all {
		if v != i {
			t.Fatalf("parts do not partition [0, %d): sorted union is %v", n, all)
		}
	}
	if len(all) != n {
		t.Fatalf("parts hold %d rows, want %d", len(all), n)
	}
}

func TestStratifiedSplit(t *testing.T) {
	labels := splitLabels()
	tests := []struct {
		frac float64
		want map[int]int // test rows per class
	}{
		{0.2, map[int]int{0: 10, 1: 6, 2: 4, 3: 1}},         // class 3: round(0.4) = 0, raised to 1; singleton stays in train
		{0.5, map[int]int{0: 25, 1: 15, 2: 10, 3: 1, 7: 1}}, // round(0.5) = 1 for the singleton
		{0.9, map[int]int{0: 45, 1: 27, 2: 18, 3: 1, 7: 1}}, // class 3 keeps one training row
		{0.01, map[int]int{0: 1, 1: 1, 2: 1, 3: 1}},         // round(0.5) = 1, others raised to 1
		{0.3, map[int]int{0: 15, 1: 9, 2: 6, 3: 1}},
		{1.0 / 3, map[int]int{0: 17, 1: 10, 2: 7, 3: 1, 7: 0}}, // 16.67, 10, 6.67, 0.67
		{0.75, map[int]int{0: 38, 1: 23, 2: 15, 3: 1, 7: 1}},   // 37.5 rounds up, 22.5 up, 15
	}
	total := countBy(labels, Complement(len(labels), nil))
	for _, tt := range tests {
		train, test, err := StratifiedSplit(labels, tt.frac, 42)
		if err != nil {
			t.Fatal(err)
		}
		checkPartition(t, len(labels), train, test)
		got := countBy(labels, test)
		for c, n := range total {
			if got[c] != tt.want[c] {
				t.Errorf("frac %v: class %d has %d test rows, want %d", tt.frac, c, got[c], tt.want[c])
			}
			if n >= 2 && math.Abs(float64(got[c])-tt.frac*float64(n)) > 1 {
				t.Errorf("frac %v: class %d: %d of %d in test, not within 1 of the fraction", tt.frac, c, got[c], n)
			}
		}
	}

	// Same seed, same split; another seed, another split.
	_, a, _ := StratifiedSplit(labels, 0.2, 1)
	_, b, _ := StratifiedSplit(labels, 0.2, 1)
	_, c, _ := StratifiedSplit(labels, 0.2, 2)
	if !slices.Equal(a, b) {
		t.Error("same seed gave different splits")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 1 and 2 gave the same split")
	}
}

func TestStratifiedSplitErrors(t *testing.T) {
	tests := []struct {
		labels []int
		frac   float64
		want   string
	}{
		{[]int{0, 1, 0, 1}, 0, "test fraction 0 is not in (0, 1)"},
		{[]int{0, 1, 0, 1}, 1, "test fraction 1 is not in (0, 1)"},
		{[]int{0, 1, 0, 1}, -0.2, "not in (0, 1)"},
		{[]int{0, 1, 0, 1}, math.NaN(), "test fraction NaN"},
		{[]int{0, 1, 2}, 0.2, "one side would be empty"}, // singletons, all in train
		{[]int{0, 1, 2}, 0.6, "one side would be empty"}, // singletons, all in test
		{nil, 0.2, "0 rows"},
	}
	for _, tt := range tests {
		_, _, err := StratifiedSplit(tt.labels, tt.frac, 1)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "stratified split: ") {
			t.Errorf("StratifiedSplit(%v, %v): error %v, want %q", tt.labels, tt.frac, err, tt.want)
		}
	}
}

func TestKFold(t *testing.T) {
	labels := splitLabels()
	total := countBy(labels, Complement(len(labels), nil))
	tests := []struct {
		labels []int
		k      int
		sizes  []int // sorted fold sizes
	}{
		{labels, 5, []int{20, 20, 21, 21, 21}},
		{labels, 2, []int{51, 52}},
		{labels, 10, []int{10, 10, 10, 10, 10, 10, 10, 11, 11, 11}},
		{[]int{4, 4, 4}, 3, []int{1, 1, 1}},
	}
	for _, tt := range tests {
		folds, err := KFold(tt.labels, tt.k, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(folds) != tt.k {
			t.Fatalf("k=%d: %d folds", tt.k, len(folds))
		}
		checkPartition(t, len(tt.labels), folds...)
		var sizes []int
		for _, f := range folds {
			sizes = append(sizes, len(f))
		}
		slices.Sort(sizes)
		if !slices.Equal(sizes, tt.sizes) {
			t.Errorf("k=%d: fold sizes %v, want %v", tt.k, sizes, tt.sizes)
		}
		if len(tt.labels) != len(labels) {
			continue
		}
		for i, f := range folds {
			got := countBy(labels, f)
			for c, n := range total {
				if lo, hi := n/tt.k, (n+tt.k-1)/tt.k; got[c] < lo || got[c] > hi {
					t.Errorf("k=%d fold %d: class %d has %d rows, want %d..%d", tt.k, i, c, got[c], lo, hi)
				}
			}
		}
	}

	a, _ := KFold(labels, 5, 9)
	b, _ := KFold(labels, 5, 9)
	c, _ := KFold(labels, 5, 10)
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Error("same seed gave different folds")
	}
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Error("seeds 9 and 10 gave the same folds")
	}
}

func TestKFoldErrors(t *testing.T) {
	tests := []struct {
		n, k int
		want string
	}{
		{10, 1, "k-fold: k = 1, need at least 2"},
		{10, 0, "k = 0, need at least 2"},
		{10, -3, "k = -3"},
		{3, 4, "k-fold: k = 4 but only 3 rows"},
		{0, 2, "k = 2 but only 0 rows"},
	}
	for _, tt := range tests {
		_, err := KFold(make([]int, tt.n), tt.k, 1)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("KFold(%d rows, k=%d): error %v, want %q", tt.n, tt.k, err, tt.want)
		}
	}
}

func TestGroupSplit(t *testing.T) {
	// Ten groups g0..g9 of 1..10 rows (55 in all), rows interleaved.
	var groups []string
	left := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for len(groups) < 55 {
		for g := range left {
			if left[g] > 0 {
				groups = append(groups, "g"+string(rune('0'+g)))
				left[g]--
			}
		}
	}
	size := make(map[string]int)
	for _, g := range groups {
		size[g]++
	}
	for _, tt := range []struct {
		frac float64
		seed uint64
	}{{0.2, 1}, {0.3, 2}, {0.5, 3}, {0.05, 4}, {0.9, 5}} {
		train, test, err := GroupSplit(groups, tt.frac, tt.seed)
		if err != nil {
			t.Fatal(err)
		}
		checkPartition(t, len(groups), train, test)
		inTest := make(map[string]bool)
		for _, i := range test {
			inTest[groups[i]] = true
		}
		for _, i := range train {
			if inTest[groups[i]] {
				t.Errorf("frac %v: group %s on both sides", tt.frac, groups[i])
			}
		}
		trainGroups := make(map[string]bool)
		for _, i := range train {
			trainGroups[groups[i]] = true
		}
		// Test reaches the target unless that would leave training empty.
		target := tt.frac * float64(len(groups))
		if float64(len(test)) < target && len(trainGroups) > 1 {
			t.Errorf("frac %v: %d test rows, want >= %v", tt.frac, len(test), target)
		}
		// Stopping at the target: some group in test was the one that
		// crossed it, so without it the test side would be short.
		crossed := false
		for g := range inTest {
			crossed = crossed || float64(len(test)-size[g]) < target
		}
		if !crossed {
			t.Errorf("frac %v: test holds %d rows, more groups than needed for %v", tt.frac, len(test), target)
		}
	}

	_, a, _ := GroupSplit(groups, 0.3, 11)
	_, b, _ := GroupSplit(groups, 0.3, 11)
	_, c, _ := GroupSplit(groups, 0.3, 12)
	if !slices.Equal(a, b) {
		t.Error("same seed gave different splits")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 11 and 12 gave the same split")
	}

	// With two groups, whatever the shuffle, each side keeps one.
	two := []string{"big", "big", "big", "big", "big", "big", "big", "big", "big", "small"}
	for seed := range uint64(40) {
		train, test, err := GroupSplit(two, 0.5, seed)
		if err != nil {
			t.Fatal(err)
		}
		if len(train) == 0 || len(test) == 0 {
			t.Fatalf("seed %d: train %v test %v", seed, train, test)
		}
	}
}

func TestGroupSplitErrors(t *testing.T) {
	tests := []struct {
		groups []string
		frac   float64
		want   string
	}{
		{[]string{"a", "a", "a"}, 0.2, "group split: 1 distinct groups, need at least 2"},
		{nil, 0.2, "0 distinct groups"},
		{[]string{"a", "b"}, 1.2, "group split: test fraction 1.2 is not in (0, 1)"},
	}
	for _, tt := range tests {
		_, _, err := GroupSplit(tt.groups, tt.frac, 1)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("GroupSplit(%v, %v): error %v, want %q", tt.groups, tt.frac, err, tt.want)
		}
	}
}

func TestComplement(t *testing.T) {
	tests := []struct {
		n    int
		test []int
		want []int
	}{
		{5, []int{1, 3}, []int{0, 2, 4}},
		{5, []int{3, 1}, []int{0, 2, 4}},
		{3, nil, []int{0, 1, 2}},
		{3, []int{0, 1, 2}, []int{}},
		{3, []int{5, -1, 1}, []int{0, 2}},
		{0, nil, []int{}},
	}
	for _, tt := range tests {
		if got := Complement(tt.n, tt.test); !slices.Equal(got, tt.want) || got == nil {
			t.Errorf("Complement(%d, %v) = %v, want %v", tt.n, tt.test, got, tt.want)
		}
	}
}
