package eval

import (
	"slices"
	"testing"
)

// The three-class example, predicted class per document:
//
//	true a: a a b c    true b: b a    true c: c c c b
//
// confusion [[2 1 1] [1 1 0] [0 1 3]]; columns sum to 3 3 4.
// a: P 2/3 R 2/4 F1 4/7; b: P 1/3 R 1/2 F1 2/5; c: P 3/4 R 3/4 F1 3/4.
func TestClassMetrics(t *testing.T) {
	tests := []struct {
		name       string
		labels     []string
		truth      []int
		probs      [][]float64
		confusion  [][]int
		per        map[string]ClassMetrics
		acc        float64
		macro      float64
		weightedF1 float64
	}{
		{
			name:      "three classes",
			labels:    []string{"a", "b", "c"},
			truth:     threeTr,
			probs:     threePr,
			confusion: [][]int{{2, 1, 1}, {1, 1, 0}, {0, 1, 3}},
			per: map[string]ClassMetrics{
				"a": {2.0 / 3, 0.5, 4.0 / 7, 4},
				"b": {1.0 / 3, 0.5, 0.4, 2},
				"c": {0.75, 0.75, 0.75, 4},
			},
			acc:        0.6,
			macro:      (4.0/7 + 0.4 + 0.75) / 3, // 0.5738095238095239
			weightedF1: (4*4.0/7 + 2*0.4 + 4*0.75) / 10,
		},
		{
			// An unseen, never-predicted label scores 0 and still counts in
			// the macro average (zero_division=0, average over all labels).
			name:      "absent fourth label",
			labels:    []string{"a", "b", "c", "d"},
			truth:     threeTr,
			probs:     pad4(threePr),
			confusion: [][]int{{2, 1, 1, 0}, {1, 1, 0, 0}, {0, 1, 3, 0}, {0, 0, 0, 0}},
			per: map[string]ClassMetrics{
				"a": {2.0 / 3, 0.5, 4.0 / 7, 4},
				"b": {1.0 / 3, 0.5, 0.4, 2},
				"c": {0.75, 0.75, 0.75, 4},
				"d": {0, 0, 0, 0},
			},
			acc:        0.6,
			macro:      (4.0/7 + 0.4 + 0.75) / 4,
			weightedF1: (4*4.0/7 + 2*0.4 + 4*0.75) / 10,
		},
		{
			// Class y is never predicted: its precision is 0, not NaN.
			name:      "never predicted",
			labels:    []string{"x", "y"},
			truth:     []int{0, 0, 1},
			probs:     [][]float64{{0.9, 0.1}, {0.8, 0.2}, {0.6, 0.4}},
			confusion: [][]int{{2, 0}, {1, 0}},
			per: map[string]ClassMetrics{
				"x": {2.0 / 3, 1, 0.8, 2},
				"y": {0, 0, 0, 1},
			},
			acc:        2.0 / 3,
			macro:      0.4,
			weightedF1: 1.6 / 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compute(tt.labels, tt.truth, tt.probs, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(r.Confusion, tt.confusion, slices.Equal) {
				t.Errorf("confusion = %v, want %v", r.Confusion, tt.confusion)
			}
			checkNear(t, "accuracy", r.Accuracy, tt.acc)
			checkNear(t, "macro F1", r.MacroF1, tt.macro)
			checkNear(t, "weighted F1", r.WeightedF1, tt.weightedF1)
			if len(r.PerClass) != len(tt.per) {
				t.Errorf("per class has %d entries, want %d", len(r.PerClass), len(tt.per))
			}
			for l, want := range tt.per {
				got := r.PerClass[l]
				checkNear(t, l+" precision", got.Precision, want.Precision)
				checkNear(t, l+" recall", got.Recall, want.Recall)
				checkNear(t, l+" F1", got.F1, want.F1)
				if got.Support != want.Support {
					t.Errorf("%s support = %d, want %d", l, got.Support, want.Support)
				}
			}
		})
	}
}

func TestArgmax(t *testing.T) {
	tests := []struct {
		row  []float64
		want int
	}{
		{[]float64{0.1, 0.9}, 1},
		{[]float64{0.5, 0.5}, 0},
		{[]float64{0.2, 0.4, 0.4}, 1},
		{[]float64{1}, 0},
		{[]float64{0, 0, 0, 1e-300}, 3},
	}
	for _, tt := range tests {
		if got := argmax(tt.row); got != tt.want {
			t.Errorf("argmax(%v) = %d, want %d", tt.row, got, tt.want)
		}
	}
}
