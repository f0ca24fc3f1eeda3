package stream

import "github.com/credence-news/credence/model"

// Classifier is what a worker classifies with. It must be safe for
// concurrent use.
type Classifier interface {
	// ID identifies the model (its content hash for a model.Model).
	ID() string
	// Labels are the class names, in probability order.
	Labels() []string
	// Classify writes the class probabilities of text into probs (len
	// Labels) and returns the most probable class and the verdict (a label,
	// or "uncertain" inside the model's uncertainty band).
	Classify(text []byte, probs []float64) (best int, verdict string)
	// Explain returns the n features that pushed hardest toward the label.
	Explain(text []byte, n int) []Contribution
}

// Contribution is one feature's push toward the predicted label.
type Contribution struct {
	Feature string  `json:"feature"`
	Toward  float64 `json:"toward"`
}

// ModelClassifier classifies with a loaded model.
func ModelClassifier(m *model.Model) Classifier { return modelClassifier{m} }

type modelClassifier struct{ m *model.Model }

func (c modelClassifier) ID() string       { return c.m.Card.ID }
func (c modelClassifier) Labels() []string { return c.m.Labels() }

func (c modelClassifier) Classify(text []byte, probs []float64) (int, string) {
	best := c.m.Probabilities(text, probs)
	return best, c.m.Verdict(probs)
}

func (c modelClassifier) Explain(text []byte, n int) []Contribution {
	e := c.m.Explain(text)
	out := make([]Contribution, 0, min(n, len(e.Features)))
	for _, f := range e.Features[:min(n, len(e.Features))] {
		out = append(out, Contribution{f.Feature, f.Toward})
	}
	return out
}
