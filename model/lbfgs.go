package model

import (
	"errors"
	"math"

	"github.com/credence-news/credence/internal/vec"
)

// lbfgs minimizes a smooth function with limited-memory BFGS (Nocedal &
// Wright, algorithm 7.4) and a backtracking Armijo line search. fg returns
// f(x) and writes ∇f(x) into g. It stops when the largest gradient entry is
// below tol, when f stops decreasing (relative change under 1e-10 three
// times in a row), or after maxIter iterations.
func lbfgs(x []float64, fg func(x, g []float64) float64, maxIter int, tol float64) (int, error) {
	const m = 10
	n := len(x)
	g := make([]float64, n)
	f := fg(x, g)
	if math.IsNaN(f) {
		return 0, errors.New("objective is NaN at the start")
	}
	s := make([][]float64, 0, m)
	y := make([][]float64, 0, m)
	rho := make([]float64, 0, m)
	alpha := make([]float64, m)
	d := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)
	flat := 0
	for it := 1; it <= maxIter; it++ {
		if maxAbs(g) < tol {
			return it - 1, nil
		}
		// d = -H·g by the two-loop recursion.
		copy(d, g)
		for i := len(s) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * vec.Dot(s[i], d)
			vec.Axpy(-alpha[i], y[i], d)
		}
		if k := len(s) - 1; k >= 0 {
			scale(d, vec.Dot(s[k], y[k])/vec.Dot(y[k], y[k]))
		} else {
			scale(d, 1/math.Max(1, norm2(g)))
		}
		for i := range s {
			b := rho[i] * vec.Dot(y[i], d)
			vec.Axpy(alpha[i]-b, s[i], d)
		}
		scale(d, -1)
		slope := vec.Dot(g, d)
		if slope >= 0 { // not a descent direction: restart from steepest descent
			s, y, rho = s[:0], y[:0], rho[:0]
			copy(d, g)
			scale(d, -1/math.Max(1, norm2(g)))
			slope = vec.Dot(g, d)
		}
		step := 1.0
		var fNew float64
		for ls := 0; ; ls++ {
			for i := range x {
				xNew[i] = x[i] + step*d[i]
			}
			fNew = fg(xNew, gNew)
			if fNew <= f+1e-4*step*slope {
				break
			}
			if ls == 40 {
				return it, nil // no progress possible at machine precision: x is the answer
			}
			// Minimize the quadratic through f, the slope and fNew, kept
			// within [0.1, 0.5] of the step (safeguarded backtracking).
			next := 0.5 * step
			if q := fNew - f - slope*step; q > 0 && !math.IsInf(fNew, 0) && !math.IsNaN(fNew) {
				next = math.Min(0.5*step, math.Max(0.1*step, -slope*step*step/(2*q)))
			}
			step = next
		}
		// Keep the curvature pair (skipped when it would break positive definiteness).
		var sk, yk []float64
		if len(s) == m {
			sk, yk = s[0], y[0]
			s, y, rho = s[1:], y[1:], rho[1:]
		} else {
			sk, yk = make([]float64, n), make([]float64, n)
		}
		for i := range x {
			sk[i] = xNew[i] - x[i]
			yk[i] = gNew[i] - g[i]
		}
		if sy := vec.Dot(sk, yk); sy > 1e-12 {
			s, y, rho = append(s, sk), append(y, yk), append(rho, 1/sy)
		}
		if math.Abs(f-fNew) <= 1e-10*math.Max(1, math.Abs(f)) {
			flat++
		} else {
			flat = 0
		}
		copy(x, xNew)
		copy(g, gNew)
		f = fNew
		if flat >= 3 {
			return it, nil
		}
	}
	return maxIter, nil
}

func scale(x []float64, a float64) {
	for i := range x {
		x[i] *= a
	}
}

func norm2(x []float64) float64 { return math.Sqrt(vec.Dot(x, x)) }

func maxAbs(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}
