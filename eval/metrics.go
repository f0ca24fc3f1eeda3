package eval

// ClassMetrics are one class's figures, as in scikit-learn's
// classification_report.
type ClassMetrics struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"` // documents whose true class this is
}

// argmax returns the index of the largest value; ties go to the lower index
// so a uniform row predicts the first label, as numpy.argmax does.
func argmax(row []float64) int {
	best := 0
	for j := 1; j < len(row); j++ {
		if row[j] > row[best] {
			best = j
		}
	}
	return best
}

// confusion counts documents by [true][predicted] class.
func confusion(k int, truth, pred []int) [][]int {
	cm := make([][]int, k)
	cells := make([]int, k*k) // one allocation for the whole matrix
	for i := range cm {
		cm[i] = cells[i*k : (i+1)*k : (i+1)*k]
	}
	for i, t := range truth {
		cm[t][pred[i]]++
	}
	return cm
}

// classMetrics derives every count-based figure from the confusion matrix.
// Undefined ratios are 0 (scikit-learn's zero_division=0), and the macro
// average runs over all labels, including those never seen or predicted.
func classMetrics(labels []string, cm [][]int) (acc float64, per map[string]ClassMetrics, macroF1, weightedF1 float64) {
	k := len(labels)
	predicted := make([]int, k)
	var n, correct int
	for t, row := range cm {
		for p, c := range row {
			predicted[p] += c
			n += c
		}
		correct += row[t]
	}
	per = make(map[string]ClassMetrics, k)
	for c, l := range labels {
		tp := cm[c][c]
		support := 0
		for _, v := range cm[c] {
			support += v
		}
		fp, fn := predicted[c]-tp, support-tp
		m := ClassMetrics{
			Precision: ratio(tp, tp+fp),
			Recall:    ratio(tp, support),
			// 2TP/(2TP+FP+FN) equals 2PR/(P+R) and stays defined when one of P or R is not.
			F1:      ratio(2*tp, 2*tp+fp+fn),
			Support: support,
		}
		per[l] = m
		macroF1 += m.F1
		weightedF1 += m.F1 * float64(support)
	}
	return ratio(correct, n), per, macroF1 / float64(k), weightedF1 / float64(n)
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
