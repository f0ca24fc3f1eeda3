package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/internal/modelfile"
	"github.com/credence-news/credence/model/fasttext"
	"github.com/credence-news/credence/normalize"
)

// Card describes a model for the people who use it: what it was trained
// on, how, and how well it did on data it had not seen.
type Card struct {
	ID              string            `json:"id"` // content hash of the weights
	CredenceVersion string            `json:"credence_version"`
	Created         time.Time         `json:"created"`
	Algo            string            `json:"algo"`
	Options         map[string]any    `json:"options,omitempty"`
	Profile         string            `json:"profile"`
	Features        feature.Config    `json:"features"`
	NumFeatures     int               `json:"num_features"`
	Labels          []string          `json:"labels"`
	Text            []string          `json:"text_columns,omitempty"`
	Join            string            `json:"join"`
	LabelColumn     string            `json:"label_column,omitempty"`
	LabelMap        string            `json:"label_map,omitempty"`
	Data            []DataInfo        `json:"data"`
	TrainRows       int               `json:"train_rows"`
	TestRows        int               `json:"test_rows"`
	Split           string            `json:"split"`
	HeldOut         map[string]any    `json:"held_out,omitempty"`
	Uncertainty     *Band             `json:"uncertainty,omitempty"`
	Notes           map[string]string `json:"notes,omitempty"`
}

// Band is a binary model's uncertainty band: the model calls Label only
// when P(Label) >= High, calls the other class only when P(Label) <= Low,
// and says "uncertain" in between, rather than flip a coin. An asymmetric
// band makes calling real news fake (the error users resent most) rarer.
type Band struct {
	Label string  `json:"label"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// Uncertain is the verdict inside the band.
const Uncertain = "uncertain"

// Verdict turns probabilities into a verdict: the most probable class, or
// Uncertain inside the card's band.
func (m *Model) Verdict(probs []float64) string {
	labels := m.Labels()
	b := m.Card.Uncertainty
	if b == nil || len(labels) != 2 {
		return labels[argmax(probs)]
	}
	i := 0
	if labels[1] == b.Label {
		i = 1
	} else if labels[0] != b.Label {
		return labels[argmax(probs)]
	}
	switch p := probs[i]; {
	case p >= b.High:
		return labels[i]
	case p <= b.Low:
		return labels[1-i]
	}
	return Uncertain
}

// DataInfo fingerprints one training input.
type DataInfo struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
	Rows   int    `json:"rows"`
	Label  string `json:"label,omitempty"` // the label given to every row of the file
}

// Model is a trained text classifier.
type Model struct {
	Card     Card
	Profile  normalize.Profile // nil for an imported fastText model: text as given
	Features *feature.Vectorizer
	Linear   *Linear
	FastText *fasttext.Model // set instead of Features and Linear for fastText-class models
}

// Labels returns the class names, in probability order.
func (m *Model) Labels() []string {
	if m.FastText != nil {
		return m.FastText.Labels()
	}
	return m.Linear.Labels
}

// scratch is per-call working memory, pooled.
type scratch struct {
	norm []byte
	vec  feature.Vec
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Probabilities writes the class probabilities of text into probs (len
// K) and returns the index of the most probable class (the lowest index
// on a tie).
func (m *Model) Probabilities(text []byte, probs []float64) int {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if m.Profile == nil {
		return m.probsNormalized(text, probs, s)
	}
	s.norm = m.Profile.Append(s.norm[:0], text)
	return m.probsNormalized(s.norm, probs, s)
}

// ProbabilitiesNormalized is Probabilities for text already normalized
// with the model's profile.
func (m *Model) ProbabilitiesNormalized(norm string, probs []float64) int {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	return m.probsNormalized([]byte(norm), probs, s)
}

// Prediction is a verdict on one document.
type Prediction struct {
	Label         string             `json:"label"`
	Probabilities map[string]float64 `json:"probabilities"`
}

// Predict classifies one document.
func (m *Model) Predict(text []byte) Prediction {
	labels := m.Labels()
	probs := make([]float64, len(labels))
	best := m.Probabilities(text, probs)
	p := Prediction{Label: labels[best], Probabilities: make(map[string]float64, len(probs))}
	for i, l := range labels {
		p.Probabilities[l] = probs[i]
	}
	return p
}

func argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// Section tags of a model file.
const (
	tagCard     = "CARD"
	tagFeatures = "FEAT"
	tagLinear   = "LINR"
)

func (m *Model) sections() ([]modelfile.Section, error) {
	if m.FastText != nil {
		ft, err := m.FastText.MarshalBinary()
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		if m.Profile != nil {
			h.Write([]byte(m.Profile.Name()))
		}
		h.Write(ft)
		m.Card.ID = hex.EncodeToString(h.Sum(nil))[:16]
		card, err := json.MarshalIndent(m.Card, "", "  ")
		if err != nil {
			return nil, err
		}
		return []modelfile.Section{{Tag: tagCard, Data: card}, {Tag: tagFastText, Data: ft}}, nil
	}
	var f modelfile.Buf
	cfg, err := json.Marshal(m.Features.Config)
	if err != nil {
		return nil, err
	}
	f.String(string(cfg))
	f.Strings(m.Features.Names)
	f.Float32s(m.Features.IDF)
	var l modelfile.Buf
	l.String(m.Linear.Algo)
	l.Strings(m.Linear.Labels)
	l.Float32s(m.Linear.W)
	l.Float32s(m.Linear.B)
	l.Float32s([]float32{m.Linear.Scale})
	// The id is a hash of everything that decides predictions.
	h := sha256.New()
	h.Write([]byte(m.Profile.Name()))
	h.Write(f.Bytes())
	h.Write(l.Bytes())
	m.Card.ID = hex.EncodeToString(h.Sum(nil))[:16]
	card, err := json.MarshalIndent(m.Card, "", "  ")
	if err != nil {
		return nil, err
	}
	return []modelfile.Section{
		{Tag: tagCard, Data: card},
		{Tag: tagFeatures, Data: f.Bytes()},
		{Tag: tagLinear, Data: l.Bytes()},
	}, nil
}

// Save writes the model atomically: an existing file at path is replaced
// only once the new one is complete and synced.
func (m *Model) Save(path string) error {
	secs, err := m.sections()
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return modelfile.WriteFile(path, secs)
}

// Load reads a credence model file, or imports a fastText .bin/.ftz model.
func Load(path string) (*Model, error) {
	if isFastTextFile(path) {
		return loadFastText(path)
	}
	f, err := modelfile.ReadFile(path, 0)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	m, err := decode(f)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return m, nil
}

// Decode parses a model file image.
func Decode(b []byte) (*Model, error) {
	f, err := modelfile.Decode(b)
	if err != nil {
		return nil, err
	}
	return decode(f)
}

func decode(f *modelfile.File) (*Model, error) {
	m := &Model{}
	card, err := f.Require(tagCard)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(card, &m.Card); err != nil {
		return nil, fmt.Errorf("model card: %w", err)
	}
	if ft, ok := f.Section(tagFastText); ok {
		if m.Card.Profile != "" {
			if m.Profile, err = normalize.Lookup(m.Card.Profile); err != nil {
				return nil, fmt.Errorf("model card: %w", err)
			}
		}
		m.FastText = new(fasttext.Model)
		if err := m.FastText.UnmarshalBinary(ft); err != nil {
			return nil, fmt.Errorf("fastText section: %w", err)
		}
		return m, nil
	}
	if m.Profile, err = normalize.Lookup(m.Card.Profile); err != nil {
		return nil, fmt.Errorf("model card: %w", err)
	}
	fb, err := f.Require(tagFeatures)
	if err != nil {
		return nil, err
	}
	r := modelfile.NewReader(fb)
	var cfg feature.Config
	cfgJSON := r.String()
	names := r.Strings()
	idf := r.Float32s()
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	if m.Features, err = feature.New(cfg, names, idf); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	lb, err := f.Require(tagLinear)
	if err != nil {
		return nil, err
	}
	r = modelfile.NewReader(lb)
	lin := &Linear{Algo: r.String(), Labels: r.Strings(), W: r.Float32s(), B: r.Float32s()}
	scale := r.Float32s()
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	if len(scale) != 1 {
		return nil, fmt.Errorf("weights: %d scale values", len(scale))
	}
	lin.Scale = scale[0]
	if err := lin.Validate(m.Features.NumFeatures()); err != nil {
		return nil, err
	}
	m.Linear = lin
	return m, nil
}

// TopFeatures returns, for each class, the n features with the largest
// weights toward it (the global view of what the model learned).
func (m *Model) TopFeatures(n int) map[string][]Weighted {
	out := map[string][]Weighted{}
	if m.FastText != nil {
		return out // embeddings have no per-feature weight toward a class; see Explain
	}
	k := m.Linear.K()
	for c, label := range m.Linear.Labels {
		ws := make([]Weighted, 0, m.Features.NumFeatures())
		for f := 0; f < m.Features.NumFeatures(); f++ {
			w := float64(m.Linear.W[f*k+c])
			if k == 2 { // binary: what pushes toward c is the margin over the other class
				w -= float64(m.Linear.W[f*k+1-c])
			}
			ws = append(ws, Weighted{Feature: m.featureName(f), Weight: w})
		}
		sort.Slice(ws, func(i, j int) bool { return ws[i].Weight > ws[j].Weight })
		out[label] = ws[:min(n, len(ws))]
	}
	return out
}

// Weighted is a feature with a weight or contribution.
type Weighted struct {
	Feature string  `json:"feature"`
	Weight  float64 `json:"weight"`
}

func (m *Model) featureName(f int) string {
	if f < len(m.Features.Names) {
		return m.Features.Names[f]
	}
	return fmt.Sprintf("bucket:%d", f)
}
