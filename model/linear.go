package model

import (
	"fmt"
	"math"

	"github.com/credence-news/credence/feature"
)

// Linear is a linear classifier over feature vectors: class scores are
// W·x + B, probabilities softmax(Scale · scores). Each score is a sum of
// per-feature terms w[f][k]·x[f] plus the bias, which is what makes every
// prediction exactly explainable.
type Linear struct {
	Algo   string    // logreg, svm or nb
	Labels []string  // class names, by index
	W      []float32 // weights, feature-major: W[f*len(Labels)+k]
	B      []float32 // bias per class
	Scale  float32   // probability temperature: 1 for logreg and nb, fitted for svm
}

// K is the number of classes.
func (m *Linear) K() int { return len(m.Labels) }

// NumFeatures is the input dimension.
func (m *Linear) NumFeatures() int { return len(m.W) / len(m.Labels) }

// Validate checks the shapes, for models read from files.
func (m *Linear) Validate(nfeat int) error {
	k := len(m.Labels)
	switch {
	case k < 2:
		return fmt.Errorf("linear model has %d classes, needs 2 or more", k)
	case len(m.B) != k:
		return fmt.Errorf("linear model has %d biases for %d classes", len(m.B), k)
	case len(m.W) != nfeat*k:
		return fmt.Errorf("linear model has %d weights, expected %d features × %d classes", len(m.W), nfeat, k)
	case !(m.Scale > 0) || math.IsInf(float64(m.Scale), 0):
		return fmt.Errorf("linear model has probability scale %v", m.Scale)
	}
	return nil
}

// Scores writes the class scores of x into s (len K).
func (m *Linear) Scores(x *feature.Vec, s []float64) {
	k := len(m.Labels)
	for j := range s {
		s[j] = float64(m.B[j])
	}
	if k == 2 {
		for i, f := range x.Idx {
			v := float64(x.Val[i])
			w := m.W[int(f)*2 : int(f)*2+2]
			s[0] += float64(w[0]) * v
			s[1] += float64(w[1]) * v
		}
		return
	}
	for i, f := range x.Idx {
		v := float64(x.Val[i])
		w := m.W[int(f)*k : int(f)*k+k]
		for j := range w {
			s[j] += float64(w[j]) * v
		}
	}
}

// Probs turns scores into probabilities in place.
func (m *Linear) Probs(s []float64) {
	softmax(s, float64(m.Scale))
}

// Blend mixes another model's scores into m's: m's scores become
// (1-w)·m + w·other, which is again a linear model. Both must have the
// same features and classes.
func (m *Linear) Blend(other *Linear, w float64) {
	for i, o := range other.W {
		m.W[i] = float32((1-w)*float64(m.W[i]) + w*float64(o))
	}
	for i, o := range other.B {
		m.B[i] = float32((1-w)*float64(m.B[i]) + w*float64(o))
	}
}

// Softmax replaces scores with their probabilities, softmax(s).
func Softmax(s []float64) { softmax(s, 1) }

// softmax replaces s with softmax(scale·s), stably.
func softmax(s []float64, scale float64) {
	mx := math.Inf(-1)
	for _, v := range s {
		mx = max(mx, v*scale)
	}
	var sum float64
	for i, v := range s {
		e := math.Exp(v*scale - mx)
		s[i] = e
		sum += e
	}
	for i := range s {
		s[i] /= sum
	}
}
