package fasttext

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// TestTrainParityWithFastText trains the same file with the fastText binary
// and with TrainCorpus, one thread and the same seed: fastText's
// initialization, vocabulary order, learning-rate schedule, label draws and
// order of floating-point operations are reproduced, so the two models are
// the same bit for bit.
func TestTrainParityWithFastText(t *testing.T) {
	bin := fasttextBin(t)
	data := parityFiles(t)
	for _, tc := range []struct {
		name string
		args []string
		opt  func(*Options)
	}{
		{"softmax-ng1", []string{"-epoch", "5", "-lr", "0.5"}, func(o *Options) { o.Epoch, o.LR = 5, 0.5 }},
		{"softmax-ng2", []string{"-epoch", "3", "-lr", "0.5", "-wordNgrams", "2", "-bucket", "50000"},
			func(o *Options) { o.Epoch, o.LR, o.WordNgrams, o.Bucket = 3, 0.5, 2, 50000 }},
		{"softmax-seed7", []string{"-epoch", "3", "-lr", "0.3", "-seed", "7"},
			func(o *Options) { o.Epoch, o.LR, o.Seed = 3, 0.3, 7 }},
		{"ova", []string{"-epoch", "3", "-lr", "0.3", "-loss", "ova"},
			func(o *Options) { o.Epoch, o.LR, o.Loss = 3, 0.3, "ova" }},
		{"ova-seed7", []string{"-epoch", "3", "-lr", "0.3", "-loss", "ova", "-seed", "7"},
			func(o *Options) { o.Epoch, o.LR, o.Loss, o.Seed = 3, 0.3, "ova", 7 }},
		{"hs-char", []string{"-epoch", "2", "-lr", "0.3", "-loss", "hs", "-minn", "3", "-maxn", "4", "-bucket", "20000"},
			func(o *Options) { o.Epoch, o.LR, o.Loss, o.MinN, o.MaxN, o.Bucket = 2, 0.3, "hs", 3, 4, 20000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := tempFile(t, "ft")
			args := append([]string{"supervised", "-input", data.train, "-output", out, "-dim", "16", "-thread", "1", "-minCount", "1"}, tc.args...)
			runFT(t, bin, args...)
			want, err := Load(out + ".bin")
			if err != nil {
				t.Fatal(err)
			}
			opt := DefaultOptions()
			opt.Dim, opt.Threads = 16, 1
			tc.opt(&opt)
			got, err := TrainCorpus(FileCorpus(data.train), opt)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := strings.Join(got.dict.words, " "), strings.Join(want.dict.words, " "); g != w {
				t.Fatalf("dictionary order differs:\n got %.300s\nwant %.300s", g, w)
			}
			// Compare every kept input row with fastText's row, and the output matrix.
			worst, n := 0.0, 0
			cmp := func(a, b []float32) {
				for i := range a {
					worst = max(worst, math.Abs(float64(a[i]-b[i])))
					n++
				}
			}
			dim := got.in.n
			for r := range got.in.m {
				ftRow := r
				if r >= int(got.dict.nwords) {
					ftRow = int(got.dict.nwords) + int(got.ngrams.sparseBuckets()[r-int(got.dict.nwords)])
				}
				cmp(got.in.d[r*dim:r*dim+dim], want.in.d[ftRow*dim:ftRow*dim+dim])
			}
			cmp(got.out.d, want.out.d)
			t.Logf("%d weights, largest difference %.3g", n, worst)
			if worst != 0 { // float32 exp is float64 exp rounded here, and glibc's expf agrees on this data
				t.Errorf("weights differ by up to %g", worst)
			}
			// Predictions: same labels, probabilities within 1e-4, once
			// fastText's n-gram rows that training never touched are zero
			// as in this model (fastText keeps their random initial values:
			// noise this model does not store).
			if got.ngrams.count() > 0 {
				kept := map[int]bool{}
				for _, b := range got.ngrams.sparseBuckets() {
					kept[int(b)] = true
				}
				for b := range int(want.args.bucket) {
					if !kept[b] {
						r := int(want.dict.nwords) + b
						clear(want.in.d[r*dim : r*dim+dim])
					}
				}
			}
			raw, err := os.ReadFile(data.test)
			if err != nil {
				t.Fatal(err)
			}
			for i, text := range strings.Split(string(raw), "\n") {
				g, w := got.Predict(text, 1, 0), want.Predict(text, 1, 0)
				if fmt.Sprint(len(g)) != fmt.Sprint(len(w)) || (len(g) > 0 && (g[0].Label != w[0].Label || math.Abs(g[0].Prob-w[0].Prob) > 1e-4)) {
					t.Errorf("document %d: %v, fastText %v", i, g, w)
				}
			}
		})
	}
}
