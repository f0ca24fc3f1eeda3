// Package vec holds the dense vector kernels of the training loops (the
// Newton solver in model, SGD in model/fasttext). Four independent accumulators keep the
// floating-point units busy where one chain of additions would wait on
// itself; results may differ from an in-order sum in the last bits.
package vec

// Float is the element type of the kernels.
type Float interface{ ~float32 | ~float64 }

// Dot returns a·b; b must be at least as long as a.
func Dot[T Float](a, b []T) T {
	b = b[:len(a)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Axpy sets y += alpha·x; y must be at least as long as x.
func Axpy[T Float](alpha T, x, y []T) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}
