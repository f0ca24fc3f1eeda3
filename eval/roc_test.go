package eval

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestROCAUC(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64 // probability of "fake"
		truth  []int     // 1 = fake
		auc    float64
		roc    []ROCPoint
	}{
		{
			// Positive scores 0.35 and 0.8 beat 3 of the 4 negatives pairs.
			name:   "no ties",
			scores: []float64{0.1, 0.4, 0.35, 0.8},
			truth:  []int{0, 0, 1, 1},
			auc:    0.75,
			roc:    []ROCPoint{{0, 0, 1.8}, {0, 0.5, 0.8}, {0.5, 0.5, 0.4}, {0.5, 1, 0.35}, {1, 1, 0.1}},
		},
		{
			// Pairs: 0.5>0.2, 0.5=0.5 (1/2), 0.9>0.2, 0.9>0.5 → 3.5/4. The
			// tied threshold 0.5 moves both rates at once (a diagonal step).
			name:   "tied positive and negative",
			scores: []float64{0.2, 0.5, 0.5, 0.9},
			truth:  []int{0, 1, 0, 1},
			auc:    0.875,
			roc:    []ROCPoint{{0, 0, 1.9}, {0, 0.5, 0.9}, {0.5, 1, 0.5}, {1, 1, 0.2}},
		},
		{
			name:   "all tied",
			scores: []float64{0.5, 0.5, 0.5, 0.5},
			truth:  []int{0, 1, 0, 1},
			auc:    0.5,
			roc:    []ROCPoint{{0, 0, 1.5}, {1, 1, 0.5}},
		},
		{
			// Ties among positives only: 0.7,0.7 vs 0.7 negative gives two
			// halves; 0.7 > 0.1 twice; AUC = (2*0.5 + 2) / 4.
			name:   "three-way tie",
			scores: []float64{0.7, 0.7, 0.7, 0.1},
			truth:  []int{1, 1, 0, 0},
			auc:    0.75,
			roc:    []ROCPoint{{0, 0, 1.7}, {0.5, 1, 0.7}, {1, 1, 0.1}},
		},
		{
			name:   "reversed",
			scores: []float64{0.9, 0.1},
			truth:  []int{0, 1},
			auc:    0,
			roc:    []ROCPoint{{0, 0, 1.9}, {1, 0, 0.9}, {1, 1, 0.1}},
		},
		{
			// Vertices (0,0.5) and (0.5,1) lie on straight edges and are
			// dropped from the plotted curve.
			name:   "perfect, collinear vertices dropped",
			scores: []float64{0.9, 0.8, 0.7, 0.6},
			truth:  []int{1, 1, 0, 0},
			auc:    1,
			roc:    []ROCPoint{{0, 0, 1.9}, {0, 1, 0.8}, {1, 1, 0.6}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compute([]string{"real", "fake"}, tt.truth, binary(tt.scores), nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Positive != "fake" {
				t.Errorf("positive = %q, want fake", r.Positive)
			}
			if r.ROCAUC == nil {
				t.Fatal("ROCAUC is nil")
			}
			checkNear(t, "AUC", *r.ROCAUC, tt.auc)
			if !slices.EqualFunc(r.ROC, tt.roc, func(a, b ROCPoint) bool {
				return near(a.FPR, b.FPR) && near(a.TPR, b.TPR) && near(a.Threshold, b.Threshold)
			}) {
				t.Errorf("ROC = %v\nwant  %v", r.ROC, tt.roc)
			}
		})
	}
}

func TestPositiveClass(t *testing.T) {
	// Rows are [1-s, s] for s = 0.1 0.4 0.35 0.8. The score is the positive
	// class's probability, so the first real threshold is 0.8 when the
	// positive class is label 1 and 1-0.1 = 0.9 when it is label 0. The AUC
	// is 0.75 either way: swapping classes and scores leaves it unchanged.
	probs := binary([]float64{0.1, 0.4, 0.35, 0.8})
	truth := []int{0, 0, 1, 1}
	tests := []struct {
		labels    []string
		opt       string
		want      string
		threshold float64
	}{
		{[]string{"real", "fake"}, "", "fake", 0.8},
		{[]string{"fake", "real"}, "", "fake", 0.9},
		{[]string{"neg", "pos"}, "", "pos", 0.8},
		{[]string{"neg", "pos"}, "neg", "neg", 0.9},
		{[]string{"real", "fake"}, "real", "real", 0.9},
	}
	for _, tt := range tests {
		r, err := Compute(tt.labels, truth, probs, nil, Options{Positive: tt.opt})
		if err != nil {
			t.Fatal(err)
		}
		if r.Positive != tt.want {
			t.Errorf("labels %v, option %q: positive = %q, want %q", tt.labels, tt.opt, r.Positive, tt.want)
		}
		checkNear(t, "AUC for "+tt.want, *r.ROCAUC, 0.75)
		checkNear(t, "first threshold for "+tt.want, r.ROC[1].Threshold, tt.threshold)
	}
}

func TestROCOneClass(t *testing.T) {
	r, err := Compute([]string{"real", "fake"}, []int{1, 1, 1}, binary([]float64{0.2, 0.6, 0.9}), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.ROCAUC != nil || r.ROC != nil {
		t.Errorf("one class in truth: ROCAUC %v, ROC %v, want both nil", r.ROCAUC, r.ROC)
	}
	if r.Positive != "fake" {
		t.Errorf("positive = %q, want fake", r.Positive)
	}
}

func TestROCMulticlassHasNone(t *testing.T) {
	r, err := Compute([]string{"a", "b", "c"}, threeTr, threePr, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.ROCAUC != nil || r.ROC != nil || r.Positive != "" {
		t.Errorf("three classes: ROCAUC %v, ROC %v, positive %q; want none", r.ROCAUC, r.ROC, r.Positive)
	}
}

// bruteAUC is the Mann-Whitney definition: the share of (positive, negative)
// pairs ordered correctly, ties counting one half.
func bruteAUC(scores []float64, truth []int) float64 {
	var num, pairs float64
	for i, si := range scores {
		if truth[i] != 1 {
			continue
		}
		for j, sj := range scores {
			if truth[j] != 0 {
				continue
			}
			pairs++
			switch {
			case si > sj:
				num++
			case si == sj:
				num += 0.5
			}
		}
	}
	return num / pairs
}

// TestROCThinning checks on thousands of scores, many tied, that the AUC is
// exact and the stored curve is bounded, monotone and complete.
func TestROCThinning(t *testing.T) {
	for _, tt := range []struct {
		n    int
		grid float64 // scores are rounded to this step, to make ties
	}{{5000, 1e-4}, {3000, 1e-2}, {4000, 0}} {
		rng := rand.New(rand.NewPCG(7, uint64(tt.n)))
		scores := make([]float64, tt.n)
		truth := make([]int, tt.n)
		for i := range scores {
			truth[i] = rng.IntN(2)
			s := min(max(rng.NormFloat64()*0.2+0.35+0.3*float64(truth[i]), 0), 1)
			if tt.grid > 0 {
				s = math.Round(s/tt.grid) * tt.grid
			}
			scores[i] = s
		}
		r, err := Compute([]string{"real", "fake"}, truth, binary(scores), nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := bruteAUC(scores, truth)
		if math.Abs(*r.ROCAUC-want) > 1e-12 {
			t.Errorf("n=%d grid=%g: AUC = %.15f, want %.15f", tt.n, tt.grid, *r.ROCAUC, want)
		}
		roc := r.ROC
		if len(roc) > maxROCPoints || len(roc) < 10 {
			t.Errorf("n=%d grid=%g: %d ROC points, want 10..%d", tt.n, tt.grid, len(roc), maxROCPoints)
		}
		if first, last := roc[0], roc[len(roc)-1]; first.FPR != 0 || first.TPR != 0 || last.FPR != 1 || last.TPR != 1 {
			t.Errorf("n=%d: curve runs from %v to %v, want (0,0) to (1,1)", tt.n, first, last)
		}
		for i := 1; i < len(roc); i++ {
			if roc[i].FPR < roc[i-1].FPR || roc[i].TPR < roc[i-1].TPR || roc[i].Threshold >= roc[i-1].Threshold {
				t.Fatalf("n=%d: point %d %v does not follow %v", tt.n, i, roc[i], roc[i-1])
			}
		}
	}
}

func TestThinROCBound(t *testing.T) {
	// A staircase with no collinear vertices: 1001 vertices must come down
	// to the limit or just under, ends kept.
	vs := []rocVertex{{0, 0, 2}}
	for i := int64(1); i <= 500; i++ {
		vs = append(vs, rocVertex{i - 1, i, 1}, rocVertex{i, i, 1})
	}
	for _, limit := range []int{3, 10, 200} {
		got := thinROC(vs, limit)
		if len(got) > limit || len(got) < limit*9/10 {
			t.Errorf("limit %d: kept %d vertices", limit, len(got))
		}
		if got[0] != vs[0] || got[len(got)-1] != vs[len(vs)-1] {
			t.Errorf("limit %d: ends %v %v, want %v %v", limit, got[0], got[len(got)-1], vs[0], vs[len(vs)-1])
		}
	}
}
