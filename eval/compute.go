package eval

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Report holds every figure for one set of predictions. The JSON field names
// are a contract with other tools; do not rename them.
type Report struct {
	N          int                     `json:"n"`
	Labels     []string                `json:"labels"`
	Accuracy   float64                 `json:"accuracy"`
	MacroF1    float64                 `json:"macro_f1"`
	WeightedF1 float64                 `json:"weighted_f1"`
	PerClass   map[string]ClassMetrics `json:"per_class"`
	// Confusion counts documents by [true][predicted] class, in Labels order.
	Confusion [][]int `json:"confusion"`
	// ROCAUC is set for two labels when both occur in the truth; the
	// positive class is Positive.
	ROCAUC      *float64           `json:"roc_auc,omitempty"`
	Positive    string             `json:"positive,omitempty"`
	ROC         []ROCPoint         `json:"roc,omitempty"`
	LogLoss     float64            `json:"log_loss"`
	ECE         float64            `json:"ece"`
	Reliability []Bin              `json:"reliability"`
	Slices      map[string]*Report `json:"slices,omitempty"`
}

// Options tunes Compute; the zero value gives the defaults.
type Options struct {
	Bins     int    // reliability bins, default 10
	Positive string // binary positive class; default "fake" if it is a label, else Labels[1]
}

const defaultBins = 10

// probSlack tolerates rounding in probabilities computed as 1 - sum(others)
// while still catching logits or scores passed by mistake.
const probSlack = 1e-9

// Compute scores predictions. labels names the classes; truth[i] is the index
// of document i's true class; probs[i] its predicted probability per class
// (len(labels) each; the predicted class is the argmax, ties going to the
// lower index). slice, if non-nil, has one value per document, and Compute
// also fills Report.Slices with one Report per distinct value (slice reports
// have no Slices of their own).
//
// It fails when lengths differ, there are no documents, a probability row
// has the wrong length, a probability is NaN or outside [0, 1], a true class
// is out of range, labels repeat, or Options are invalid.
func Compute(labels []string, truth []int, probs [][]float64, slice []string, opt Options) (*Report, error) {
	bins, pos, err := check(labels, truth, probs, slice, opt)
	if err != nil {
		return nil, fmt.Errorf("compute metrics: %w", err)
	}
	r := score(labels, truth, probs, bins, pos)
	if slice == nil {
		return r, nil
	}
	rows := make(map[string][]int)
	for i, s := range slice {
		rows[s] = append(rows[s], i)
	}
	r.Slices = make(map[string]*Report, len(rows))
	for s, idx := range rows {
		st := make([]int, len(idx))
		sp := make([][]float64, len(idx))
		for j, i := range idx {
			st[j], sp[j] = truth[i], probs[i]
		}
		r.Slices[s] = score(labels, st, sp, bins, pos)
	}
	return r, nil
}

// check validates the input and resolves the options into a bin count and
// the positive class index (-1 unless there are exactly two labels).
func check(labels []string, truth []int, probs [][]float64, slice []string, opt Options) (bins, pos int, err error) {
	if len(labels) == 0 {
		return 0, 0, errors.New("no labels")
	}
	for i, l := range labels {
		if j := slices.Index(labels[:i], l); j >= 0 {
			return 0, 0, fmt.Errorf("label %q appears twice (indices %d and %d)", l, j, i)
		}
	}
	if len(truth) != len(probs) {
		return 0, 0, fmt.Errorf("%d true classes but %d probability rows", len(truth), len(probs))
	}
	if slice != nil && len(slice) != len(truth) {
		return 0, 0, fmt.Errorf("%d documents but %d slice values", len(truth), len(slice))
	}
	if len(truth) == 0 {
		return 0, 0, errors.New("no documents")
	}
	for i, t := range truth {
		if t < 0 || t >= len(labels) {
			return 0, 0, fmt.Errorf("document %d: true class %d out of range [0, %d)", i, t, len(labels))
		}
		if len(probs[i]) != len(labels) {
			return 0, 0, fmt.Errorf("document %d: %d probabilities, want %d (one per label)", i, len(probs[i]), len(labels))
		}
		for j, p := range probs[i] {
			if math.IsNaN(p) {
				return 0, 0, fmt.Errorf("document %d: probability of %q is NaN", i, labels[j])
			}
			if !(p >= -probSlack && p <= 1+probSlack) {
				return 0, 0, fmt.Errorf("document %d: probability of %q is %v, not in [0, 1]", i, labels[j], p)
			}
		}
	}

	bins = opt.Bins
	switch {
	case bins == 0:
		bins = defaultBins
	case bins < 0:
		return 0, 0, fmt.Errorf("%d reliability bins", bins)
	}

	pos = -1
	if opt.Positive != "" {
		i := slices.Index(labels, opt.Positive)
		if i < 0 {
			return 0, 0, fmt.Errorf("positive class %q is not a label", opt.Positive)
		}
		if len(labels) == 2 {
			pos = i
		}
	} else if len(labels) == 2 {
		pos = 1
		if i := slices.Index(labels, "fake"); i >= 0 {
			pos = i
		}
	}
	return bins, pos, nil
}

// score computes one Report from validated input.
func score(labels []string, truth []int, probs [][]float64, bins, pos int) *Report {
	pred := make([]int, len(probs))
	for i, row := range probs {
		pred[i] = argmax(row)
	}
	r := &Report{N: len(truth), Labels: slices.Clone(labels)}
	r.Confusion = confusion(len(labels), truth, pred)
	r.Accuracy, r.PerClass, r.MacroF1, r.WeightedF1 = classMetrics(labels, r.Confusion)
	r.LogLoss = logLoss(truth, probs)
	r.Reliability, r.ECE = reliability(truth, pred, probs, bins)
	if pos >= 0 {
		r.Positive = labels[pos]
		scores := make([]float64, len(probs))
		isPos := make([]bool, len(probs))
		for i, row := range probs {
			scores[i], isPos[i] = row[pos], truth[i] == pos
		}
		if auc, curve, ok := rocCurve(scores, isPos); ok {
			r.ROCAUC, r.ROC = &auc, curve
		}
	}
	return r
}
