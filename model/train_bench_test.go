package model

import (
	"slices"
	"testing"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/internal/sharedtest"
	"github.com/credence-news/credence/normalize"
)

// liarData is LIAR's training file (10,269 statements, 6 classes) as the
// default `credence train` featurizes it: plain profile, word 1-2-grams.
func liarData(b testing.TB) *Data {
	b.Helper()
	docs, _, err := corpus.ReadAll(corpus.Spec{
		Layout: "liar",
		Inputs: []corpus.Input{{Path: sharedtest.Path(b, "datasets", "liar", "train.tsv.gz")}},
	})
	if err != nil {
		b.Fatal(err)
	}
	p, _ := normalize.Lookup("plain")
	texts := make([]string, len(docs))
	var labels []string
	for i, d := range docs {
		texts[i] = normalize.String(p, d.Text)
		if !slices.Contains(labels, d.Label) {
			labels = append(labels, d.Label)
		}
	}
	slices.Sort(labels)
	vz, err := feature.Fit(texts, feature.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	d := &Data{Labels: labels, NFeat: vz.NumFeatures()}
	for i, s := range texts {
		var v feature.Vec
		vz.Transform(s, &v)
		d.X = append(d.X, v)
		d.Y = append(d.Y, slices.Index(labels, docs[i].Label))
	}
	return d
}

func benchTrain(b *testing.B, algo string) {
	d := liarData(b)
	for b.Loop() {
		if _, err := Train(d, TrainOptions{Algo: algo, C: 1, Balanced: true, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTrainLogRegLIAR(b *testing.B) { benchTrain(b, "logreg") }
func BenchmarkTrainSVMLIAR(b *testing.B)    { benchTrain(b, "svm") }

// BenchmarkTrainLogRegLIAR2 is the binary task (true, mostly-true and
// half-true against the rest), the two-class pass.
func BenchmarkTrainLogRegLIAR2(b *testing.B) {
	d := liarData(b)
	real := map[string]bool{"true": true, "mostly-true": true, "half-true": true}
	bin := &Data{Labels: []string{"fake", "real"}, NFeat: d.NFeat, X: d.X}
	for _, y := range d.Y {
		bin.Y = append(bin.Y, map[bool]int{false: 0, true: 1}[real[d.Labels[y]]])
	}
	for b.Loop() {
		if _, err := Train(bin, TrainOptions{Algo: "logreg", C: 1, Balanced: true, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
