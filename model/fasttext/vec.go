package fasttext

// Vector kernels of the training loop. Training need not match fastText's
// rounding, so these use independent accumulators (prediction uses the
// in-order loops of matrix.go).

// add sets y += x.
func add(x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += x[i]
		y[i+1] += x[i+1]
		y[i+2] += x[i+2]
		y[i+3] += x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += x[i]
	}
}

func scal(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}
