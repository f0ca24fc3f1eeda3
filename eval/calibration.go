package eval

import "math"

// Bin is one reliability-diagram bin: documents whose predicted-class
// probability falls in [Lo, Hi) (the last bin includes 1).
type Bin struct {
	Lo         float64 `json:"lo"`
	Hi         float64 `json:"hi"`
	Count      int     `json:"count"`
	Confidence float64 `json:"confidence"` // mean predicted-class probability in the bin
	Accuracy   float64 `json:"accuracy"`   // fraction correct in the bin
}

// logClip is scikit-learn's historical log_loss eps: a confident wrong
// prediction costs ln(1e15) ≈ 34.5 instead of infinity.
const logClip = 1e-15

// logLoss is the mean of -ln(p_true), with p clipped to [1e-15, 1-1e-15].
// Rows are not renormalised: a model whose rows do not sum to 1 is scored on
// what it said.
func logLoss(truth []int, probs [][]float64) float64 {
	var s float64
	for i, t := range truth {
		p := min(max(probs[i][t], logClip), 1-logClip)
		s -= math.Log(p)
	}
	return s / float64(len(truth))
}

// reliability bins documents by the probability of their predicted class and
// returns all bins (empty ones have zero figures) and the expected
// calibration error, sum over bins of (count/N)*|accuracy-confidence|.
func reliability(truth, pred []int, probs [][]float64, nb int) ([]Bin, float64) {
	bins := make([]Bin, nb)
	sum := make([]float64, nb)
	correct := make([]int, nb)
	for b := range bins {
		bins[b].Lo = float64(b) / float64(nb)
		bins[b].Hi = float64(b+1) / float64(nb)
	}
	for i, t := range truth {
		c := probs[i][pred[i]]
		b := binOf(c, nb)
		bins[b].Count++
		sum[b] += c
		if pred[i] == t {
			correct[b]++
		}
	}
	var ece float64
	for b := range bins {
		if bins[b].Count == 0 {
			continue
		}
		n := float64(bins[b].Count)
		bins[b].Confidence = sum[b] / n
		bins[b].Accuracy = float64(correct[b]) / n
		ece += n / float64(len(truth)) * math.Abs(bins[b].Accuracy-bins[b].Confidence)
	}
	return bins, ece
}

// binOf returns p's equal-width bin. p*nb can round across an edge (0.7*10
// need not be 7), so the result is checked against the edges exactly as Bin
// reports them: a value equal to an edge always starts the bin above it.
func binOf(p float64, nb int) int {
	b := min(max(int(p*float64(nb)), 0), nb-1)
	if b > 0 && p < float64(b)/float64(nb) {
		b--
	} else if b < nb-1 && p >= float64(b+1)/float64(nb) {
		b++
	}
	return b
}
