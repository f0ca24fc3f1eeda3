package eval

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkCompute scores 100k binary predictions: the size of a full
// evaluation run on a large news corpus.
func BenchmarkCompute(b *testing.B) {
	const n = 100_000
	rng := rand.New(rand.NewPCG(1, 2))
	truth := make([]int, n)
	probs := make([][]float64, n)
	for i := range truth {
		truth[i] = rng.IntN(2)
		s := min(max(rng.NormFloat64()*0.2+0.4+0.2*float64(truth[i]), 0), 1)
		probs[i] = []float64{1 - s, s}
	}
	labels := []string{"real", "fake"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(labels, truth, probs, nil, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
