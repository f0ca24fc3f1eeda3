package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/credence-news/credence/feature"
)

// TrainOptions configure the linear learners.
type TrainOptions struct {
	Algo     string  // logreg, svm or nb
	C        float64 // inverse regularization (logreg, svm); scikit-learn's meaning
	Alpha    float64 // additive smoothing (nb)
	Balanced bool    // weight classes inversely to their frequency
	Seed     uint64
	Workers  int
	MaxIter  int
	Tol      float64
	// Init, for logreg, starts the optimizer from an earlier model of the
	// same shape (a warm start along a path of C values).
	Init *Linear
}

// Algos lists the linear learners.
var Algos = []string{"logreg", "svm", "nb"}

// Data is a training set: vectors, their class indices and the classes.
type Data struct {
	X      []feature.Vec
	Y      []int
	Labels []string
	NFeat  int
}

// Validate checks that training can start.
func (d *Data) Validate() error {
	if len(d.X) == 0 {
		return errors.New("no training documents")
	}
	if len(d.X) != len(d.Y) {
		return fmt.Errorf("%d vectors but %d labels", len(d.X), len(d.Y))
	}
	seen := make([]int, len(d.Labels))
	for _, y := range d.Y {
		if y < 0 || y >= len(d.Labels) {
			return fmt.Errorf("label index %d out of range", y)
		}
		seen[y]++
	}
	present := 0
	for _, n := range seen {
		if n > 0 {
			present++
		}
	}
	if present < 2 {
		return fmt.Errorf("training data has a single class (%s): a classifier needs at least two", d.Labels[d.Y[0]])
	}
	return nil
}

// classWeights returns per-document weights (1, or balanced).
func (d *Data) classWeights(balanced bool) []float64 {
	w := make([]float64, len(d.Labels))
	for i := range w {
		w[i] = 1
	}
	if balanced {
		count := make([]float64, len(d.Labels))
		for _, y := range d.Y {
			count[y]++
		}
		for k, c := range count {
			if c > 0 {
				w[k] = float64(len(d.Y)) / (float64(len(d.Labels)) * c)
			}
		}
	}
	return w
}

// Train fits a linear model. It is deterministic for a given Seed and
// Workers count (partial sums are combined in a fixed order).
func Train(d *Data, opt TrainOptions) (*Linear, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	switch opt.Algo {
	case "logreg":
		if opt.C <= 0 {
			return nil, fmt.Errorf("logreg: C must be > 0, got %g", opt.C)
		}
		var warm []float64
		if m := opt.Init; m != nil && m.K() == len(d.Labels) && len(m.W) == d.NFeat*len(d.Labels) {
			warm = make([]float64, len(m.W)+len(m.B))
			for i, w := range m.W {
				warm[i] = float64(w)
			}
			for i, b := range m.B {
				warm[len(m.W)+i] = float64(b)
			}
		}
		return trainLogReg(d, opt, warm)
	case "svm":
		if opt.C <= 0 {
			return nil, fmt.Errorf("svm: C must be > 0, got %g", opt.C)
		}
		return trainSVM(d, opt)
	case "nb":
		return trainNB(d, opt)
	}
	return nil, fmt.Errorf("unknown algorithm %q (have logreg, svm, nb)", opt.Algo)
}

// chunks splits [0,n) into w nearly equal ranges.
func chunks(n, w int) [][2]int {
	w = max(1, min(w, n))
	out := make([][2]int, w)
	for i := range out {
		out[i] = [2]int{i * n / w, (i + 1) * n / w}
	}
	return out
}

// trainLogReg minimizes the multinomial logistic loss with an L2 penalty on
// the weights (not the bias): C·Σ cᵢ·loss + ½‖W‖², scaled by 1/(C·n) so
// that the tolerance means the same for any data size, with tron. warm,
// if given, is a starting point (weights then biases).
//
// Two classes are solved as one binary problem: the loss depends only on
// the difference of the two columns, and for a given difference v the
// penalty is least with the columns at ±v/2, where it is ¼‖v‖². So the
// binary optimum of ½·(λ/2)‖v‖², split in halves, is the two-column
// optimum, found with half the work.
func trainLogReg(d *Data, opt TrainOptions, warm []float64) (*Linear, error) {
	k, nf, n := len(d.Labels), d.NFeat, len(d.X)
	cols, lam := k, 1/(opt.C*float64(n))
	if k == 2 {
		cols, lam = 1, lam/2
	}
	x := make([]float64, nf*cols+cols)
	switch {
	case warm != nil && k == 2:
		for f := range nf {
			x[f] = warm[2*f+1] - warm[2*f]
		}
		x[nf] = warm[2*nf+1] - warm[2*nf]
	case warm != nil:
		copy(x, warm)
	}
	maxIter := opt.MaxIter
	if maxIter <= 0 {
		maxIter = 1000
	}
	tol := opt.Tol
	if tol <= 0 {
		// Tight enough that the predictions are the exact optimum's
		// (checked against a far tighter solve); the Newton steps make
		// the last digits cheap.
		tol = 1e-6
	}
	obj := newLogLoss(d, cols, d.classWeights(opt.Balanced), lam, opt.Workers)
	if _, err := tron(x, obj, maxIter, tol); err != nil {
		return nil, fmt.Errorf("logreg: %w", err)
	}
	m := &Linear{Algo: "logreg", Labels: d.Labels, W: make([]float32, nf*k), B: make([]float32, k), Scale: 1}
	if k == 2 {
		for f := range nf {
			m.W[2*f], m.W[2*f+1] = float32(-x[f]/2), float32(x[f]/2)
		}
		m.B[0], m.B[1] = float32(-x[nf]/2), float32(x[nf]/2)
		return m, nil
	}
	for i := range m.W {
		m.W[i] = float32(x[i])
	}
	for c := range m.B {
		m.B[c] = float32(x[nf*k+c])
	}
	return m, nil
}

// trainNB is multinomial naive Bayes on the (TF-IDF) feature values, as
// scikit-learn's MultinomialNB: log P(f|k) from smoothed per-class sums.
func trainNB(d *Data, opt TrainOptions) (*Linear, error) {
	k, nf := len(d.Labels), d.NFeat
	alpha := opt.Alpha
	if alpha <= 0 {
		alpha = 1
	}
	sums := make([]float64, nf*k)
	classCount := make([]float64, k)
	for i, v := range d.X {
		y := d.Y[i]
		classCount[y]++
		for j, f := range v.Idx {
			sums[int(f)*k+y] += float64(v.Val[j])
		}
	}
	total := make([]float64, k)
	for f := 0; f < nf; f++ {
		for c := 0; c < k; c++ {
			total[c] += sums[f*k+c]
		}
	}
	m := &Linear{Algo: "nb", Labels: d.Labels, W: make([]float32, nf*k), B: make([]float32, k), Scale: 1}
	for f := 0; f < nf; f++ {
		for c := 0; c < k; c++ {
			m.W[f*k+c] = float32(math.Log((sums[f*k+c] + alpha) / (total[c] + alpha*float64(nf))))
		}
	}
	n := float64(len(d.Y))
	for c := range m.B {
		if opt.Balanced || classCount[c] == 0 {
			m.B[c] = float32(-math.Log(float64(k)))
		} else {
			m.B[c] = float32(math.Log(classCount[c] / n))
		}
	}
	return m, nil
}

// trainSVM fits one-vs-rest linear SVMs with the squared hinge loss by dual
// coordinate descent (Hsieh et al. 2008, liblinear's default solver), one
// class per goroutine, with a bias feature of value 1 (regularized, as in
// liblinear). Probabilities come from a softmax over the decision values
// with a temperature fitted on the training data.
func trainSVM(d *Data, opt TrainOptions) (*Linear, error) {
	k, nf, n := len(d.Labels), d.NFeat, len(d.X)
	cw := d.classWeights(opt.Balanced)
	m := &Linear{Algo: "svm", Labels: d.Labels, W: make([]float32, nf*k), B: make([]float32, k), Scale: 1}
	qii := make([]float64, n)
	for i, v := range d.X {
		q := 1.0 // the bias feature
		for _, val := range v.Val {
			q += float64(val) * float64(val)
		}
		qii[i] = q
	}
	maxIter := opt.MaxIter
	if maxIter <= 0 {
		maxIter = 1000
	}
	eps := opt.Tol
	if eps <= 0 {
		eps = 0.1 // liblinear's default
	}
	classes := make(chan int, k)
	for c := 0; c < k; c++ {
		classes <- c
	}
	close(classes)
	var wg sync.WaitGroup
	for range min(opt.Workers, k) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range classes {
				w, b := svmBinary(d, c, qii, cw, opt.C, eps, maxIter, opt.Seed+uint64(c))
				for f := 0; f < nf; f++ {
					m.W[f*k+c] = float32(w[f])
				}
				m.B[c] = float32(b)
			}
		}()
	}
	wg.Wait()
	m.Scale = float32(fitTemperature(d, m))
	return m, nil
}

func svmBinary(d *Data, class int, qii, cw []float64, C, eps float64, maxIter int, seed uint64) ([]float64, float64) {
	n := len(d.X)
	w := make([]float64, d.NFeat)
	var b float64
	alpha := make([]float64, n)
	diag := make([]float64, n)
	for i := range diag {
		diag[i] = 0.5 / (C * cw[d.Y[i]])
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	for it := 0; it < maxIter; it++ {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		maxPG, minPG := math.Inf(-1), math.Inf(1)
		for _, i := range order {
			yi := -1.0
			if d.Y[i] == class {
				yi = 1
			}
			v := &d.X[i]
			s := b
			for j, f := range v.Idx {
				s += w[f] * float64(v.Val[j])
			}
			G := yi*s - 1 + diag[i]*alpha[i]
			pg := G
			if alpha[i] == 0 {
				pg = min(G, 0)
			}
			maxPG, minPG = max(maxPG, pg), min(minPG, pg)
			if pg == 0 {
				continue
			}
			old := alpha[i]
			alpha[i] = max(old-G/(qii[i]+diag[i]), 0)
			delta := (alpha[i] - old) * yi
			for j, f := range v.Idx {
				w[f] += delta * float64(v.Val[j])
			}
			b += delta
		}
		if maxPG-minPG <= eps {
			break
		}
	}
	return w, b
}

// fitTemperature finds the scale T minimizing the training log loss of
// softmax(T·scores): a fallback calibration when no held-out scores exist.
func fitTemperature(d *Data, m *Linear) float64 {
	scores := make([][]float64, len(d.X))
	for i := range d.X {
		scores[i] = make([]float64, len(d.Labels))
		m.Scores(&d.X[i], scores[i])
	}
	return FitScale(scores, d.Y)
}

// FitScale returns the temperature T that minimizes the log loss of
// softmax(T·scores) against the true classes y (temperature scaling, Guo
// et al. 2017). Fitted on out-of-fold scores it calibrates a model's
// probabilities without touching its decisions. The loss is convex in T,
// so bisection on its derivative finds the minimum.
func FitScale(scores [][]float64, y []int) float64 {
	if len(scores) == 0 {
		return 1
	}
	k := len(scores[0])
	p := make([]float64, k)
	deriv := func(t float64) float64 {
		var g float64
		for i, s := range scores {
			copy(p, s)
			softmax(p, t)
			var e float64
			for c := range p {
				e += p[c] * s[c]
			}
			g += e - s[y[i]]
		}
		return g
	}
	lo, hi := 1e-3, 1e3
	if deriv(hi) < 0 {
		return hi
	}
	if deriv(lo) > 0 {
		return lo
	}
	for range 60 {
		mid := math.Sqrt(lo * hi)
		if deriv(mid) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Sqrt(lo * hi)
}
