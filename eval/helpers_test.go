package eval

import (
	"math"
	"testing"
)

// tol is tight enough that any real mistake in a metric shows; it only
// absorbs the last bits of float rounding.
const tol = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

func checkNear(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !near(got, want) {
		t.Errorf("%s = %.15g, want %.15g", what, got, want)
	}
}

// binary turns positive-class scores into [1-s, s] rows for labels
// {negative, positive}.
func binary(scores []float64) [][]float64 {
	rows := make([][]float64, len(scores))
	for i, s := range scores {
		rows[i] = []float64{1 - s, s}
	}
	return rows
}

// Rows that predict each of three classes, and one tie that goes to class 0.
var (
	predA   = []float64{0.6, 0.3, 0.1}
	predB   = []float64{0.2, 0.7, 0.1}
	predC   = []float64{0.1, 0.2, 0.7}
	tieAB   = []float64{0.4, 0.4, 0.2}
	threeTr = []int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}
	threePr = [][]float64{predA, tieAB, predB, predC, predB, predA, predC, predC, predC, predB}
)

// pad4 appends a zero probability for a fourth label that never occurs.
func pad4(rows [][]float64) [][]float64 {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		out[i] = append(append([]float64{}, r...), 0)
	}
	return out
}
