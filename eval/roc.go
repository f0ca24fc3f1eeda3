package eval

import (
	"cmp"
	"math"
	"slices"
)

// ROCPoint is one vertex of the ROC curve: predicting positive when the
// score is >= Threshold gives these false- and true-positive rates.
type ROCPoint struct {
	FPR       float64 `json:"fpr"`
	TPR       float64 `json:"tpr"`
	Threshold float64 `json:"threshold"`
}

// maxROCPoints bounds the stored curve; it is for plotting, and 100k
// distinct scores would otherwise bloat every report.
const maxROCPoints = 200

// rocVertex is a curve vertex in counts, so that the AUC and the collinearity
// test are exact.
type rocVertex struct {
	fp, tp    int64
	threshold float64
}

// rocCurve returns the ROC AUC and the thinned curve for scores of the
// positive class. ok is false when the truth holds only one class, where
// scikit-learn's roc_auc_score raises.
//
// The curve has one vertex per distinct score, as sklearn.metrics.roc_curve,
// and the AUC is the trapezoid rule over it, which counts a tied
// positive/negative pair as one half (the Mann-Whitney U statistic). The
// first vertex's threshold is the highest score plus one, as in scikit-learn
// before 1.3: its later +Inf cannot be written as JSON.
func rocCurve(scores []float64, isPos []bool) (auc float64, curve []ROCPoint, ok bool) {
	type item struct {
		s   float64
		pos bool
	}
	items := make([]item, len(scores))
	var np, nn int64
	for i, s := range scores {
		items[i] = item{s, isPos[i]}
		if isPos[i] {
			np++
		} else {
			nn++
		}
	}
	if np == 0 || nn == 0 {
		return 0, nil, false
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(b.s, a.s) })

	vs := make([]rocVertex, 1, len(items)+1)
	vs[0] = rocVertex{0, 0, items[0].s + 1}
	var fp, tp, area2 int64 // area2 is twice the area in count units
	for i := 0; i < len(items); {
		pfp, ptp := fp, tp
		j := i
		for ; j < len(items) && items[j].s == items[i].s; j++ {
			if items[j].pos {
				tp++
			} else {
				fp++
			}
		}
		area2 += (fp - pfp) * (tp + ptp)
		vs = append(vs, rocVertex{fp, tp, items[i].s})
		i = j
	}
	auc = float64(area2) / (2 * float64(np) * float64(nn))

	vs = thinROC(vs, maxROCPoints)
	curve = make([]ROCPoint, len(vs))
	for i, v := range vs {
		curve[i] = ROCPoint{float64(v.fp) / float64(nn), float64(v.tp) / float64(np), v.threshold}
	}
	return auc, curve, true
}

// thinROC keeps at most limit vertices, always the first (0,0) and the last
// (1,1). It first drops vertices that lie on a straight line between their
// neighbours, which changes nothing in a plot; if that is not enough it keeps
// vertices spaced evenly along the curve by FPR+TPR, which grows
// monotonically from 0 to 2 whatever the class balance.
func thinROC(vs []rocVertex, limit int) []rocVertex {
	out := make([]rocVertex, 0, len(vs))
	out = append(out, vs[0])
	for i := 1; i < len(vs)-1; i++ {
		a, b, c := out[len(out)-1], vs[i], vs[i+1]
		if (b.fp-a.fp)*(c.tp-b.tp) == (b.tp-a.tp)*(c.fp-b.fp) {
			continue
		}
		out = append(out, b)
	}
	out = append(out, vs[len(vs)-1])
	if len(out) <= limit {
		return out
	}

	last := out[len(out)-1]      // (nn, np)
	step := 2 / float64(limit-2) // leaves room for the forced last vertex
	kept := make([]rocVertex, 0, limit)
	next := 0.0
	for _, v := range out[:len(out)-1] {
		if d := float64(v.fp)/float64(last.fp) + float64(v.tp)/float64(last.tp); d >= next {
			kept = append(kept, v)
			next = (math.Floor(d/step) + 1) * step // at most one vertex per step
		}
	}
	if len(kept) >= limit { // only on rounding in step
		kept = kept[:limit-1]
	}
	return append(kept, last)
}
