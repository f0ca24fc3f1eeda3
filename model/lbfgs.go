package model

import (
	"errors"
	"math"
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
			alpha[i] = rho[i] * dot(s[i], d)
			axpy(-alpha[i], y[i], d)
		}
		if k := len(s) - 1; k >= 0 {
			scale(d, dot(s[k], y[k])/dot(y[k], y[k]))
		} else {
			scale(d, 1/math.Max(1, norm2(g)))
		}
		for i := range s {
			b := rho[i] * dot(y[i], d)
			axpy(alpha[i]-b, s[i], d)
		}
		scale(d, -1)
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart from steepest descent
			s, y, rho = s[:0], y[:0], rho[:0]
			copy(d, g)
			scale(d, -1/math.Max(1, norm2(g)))
			slope = dot(g, d)
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
		if sy := dot(sk, yk); sy > 1e-12 {
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

// dot and axpy run over vectors of features × classes, ten or more times
// per iteration: four independent sums (and four updates a step) keep the
// floating-point units busy where one chain of additions would wait on
// itself.
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
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

func axpy(a float64, x, y []float64) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

func scale(x []float64, a float64) {
	for i := range x {
		x[i] *= a
	}
}

func norm2(x []float64) float64 { return math.Sqrt(dot(x, x)) }

func maxAbs(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}
