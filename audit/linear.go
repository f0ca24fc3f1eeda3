package audit

import (
	"math"

	"github.com/credence-news/credence/eval"
	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/model"
)

// fitEval trains a logistic regression on the training rows of X and
// scores it on the test rows. Shortcut models are plain (C = 1, no class
// weights): what a shortcut buys is accuracy over the majority rate.
func fitEval(X []feature.Vec, nfeat int, y []int, labels []string, train, test []int, opt model.TrainOptions) (*eval.Report, error) {
	d := &model.Data{Labels: labels, NFeat: nfeat}
	for _, i := range train {
		d.X = append(d.X, X[i])
		d.Y = append(d.Y, y[i])
	}
	if opt.Algo == "" {
		opt.Algo = "logreg"
	}
	if opt.C == 0 {
		opt.C = 1
	}
	lin, err := model.Train(d, opt)
	if err != nil {
		return nil, err
	}
	return score(lin, X, y, labels, test)
}

func score(lin *model.Linear, X []feature.Vec, y []int, labels []string, test []int) (*eval.Report, error) {
	truth := make([]int, len(test))
	probs := make([][]float64, len(test))
	for j, i := range test {
		truth[j] = y[i]
		probs[j] = make([]float64, len(labels))
		lin.Scores(&X[i], probs[j])
		lin.Probs(probs[j])
	}
	return eval.Compute(labels, truth, probs, nil, eval.Options{})
}

// standardize turns dense rows into sparse vectors with each column
// scaled to mean 0 and deviation 1 on the training rows (clipped to ±5 so
// one extreme document cannot dominate). Columns constant on the training
// rows are dropped (value 0).
func standardize(rows [][]float64, train []int, offset int32) []feature.Vec {
	if len(rows) == 0 {
		return nil
	}
	d := len(rows[0])
	mean := make([]float64, d)
	sd := make([]float64, d)
	for _, i := range train {
		for j, v := range rows[i] {
			mean[j] += v
		}
	}
	n := float64(max(1, len(train)))
	for j := range mean {
		mean[j] /= n
	}
	for _, i := range train {
		for j, v := range rows[i] {
			sd[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j] / n)
	}
	out := make([]feature.Vec, len(rows))
	for i, row := range rows {
		var v feature.Vec
		for j, x := range row {
			if sd[j] < 1e-12 {
				continue
			}
			z := (x - mean[j]) / sd[j]
			z = max(-5, min(5, z))
			if z != 0 {
				v.Idx = append(v.Idx, offset+int32(j))
				v.Val = append(v.Val, float32(z))
			}
		}
		out[i] = v
	}
	return out
}

// column returns one column of dense rows as single-feature rows.
func column(rows [][]float64, j int) [][]float64 {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		out[i] = []float64{r[j]}
	}
	return out
}
