package vec

import (
	"math"
	"testing"
)

func TestKernels(t *testing.T) {
	for n := range 11 {
		a, b := make([]float64, n), make([]float64, n+2) // b longer: only len(a) counts
		var want float64
		for i := range a {
			a[i], b[i] = float64(i+1), float64(2*i-3)
			want += a[i] * b[i]
		}
		b[n], b[n+1] = 1e9, 1e9
		if got := Dot(a, b); math.Abs(got-want) > 1e-9 {
			t.Errorf("n=%d: Dot %v, want %v", n, got, want)
		}
		y := append([]float32(nil), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i)
		}
		Axpy(2, x, y)
		for i, v := range y {
			want := float32(1)
			if i < n {
				want += 2 * float32(i)
			}
			if v != want {
				t.Errorf("n=%d: Axpy y[%d] = %v, want %v", n, i, v, want)
			}
		}
	}
}
