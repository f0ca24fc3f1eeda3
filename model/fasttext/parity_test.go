package fasttext

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// parityData is the corpus every parity configuration trains on, written once.
type parityData struct {
	dir, train, test, manyTrain, manyTest string
}

var (
	parityOnce sync.Once
	parity     parityData
)

func parityFiles(t *testing.T) parityData {
	parityOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fasttext-parity")
		if err != nil {
			t.Fatal(err)
		}
		parity.dir = dir
		texts, labels := synthCorpus(3000, 5, 1)
		parity.train = filepath.Join(dir, "train.txt")
		writeFT(t, parity.train, texts, labels)
		tt, tl := synthCorpus(600, 5, 2)
		// Odd lines: empty, only labels, only unknown words, tabs and CR,
		// a literal </s>, a label in the middle.
		tt = append(tt, "", "  ", "unknownword another", "a\tb\r c", "the </s> of", "café "+LabelPrefix+"lab1 naïve", LabelPrefix+"lab3")
		tl = append(tl, "lab0", "lab0", "lab0", "lab1", "lab2", "lab3", "lab4")
		parity.test = filepath.Join(dir, "test.txt")
		writeFT(t, parity.test, tt, tl)
		// 300 labels, for a quantized output matrix (needs >= 256 rows).
		mt, ml := synthCorpus(3000, 300, 3)
		parity.manyTrain = filepath.Join(dir, "many.txt")
		writeFT(t, parity.manyTrain, mt, ml)
		mt, ml = synthCorpus(300, 300, 4)
		parity.manyTest = filepath.Join(dir, "many-test.txt")
		writeFT(t, parity.manyTest, mt, ml)
	})
	return parity
}

func TestMain(m *testing.M) {
	code := m.Run()
	if parity.dir != "" {
		os.RemoveAll(parity.dir)
	}
	os.Exit(code)
}

type ftPred struct {
	label string
	prob  float64
}

func parsePredictProb(t *testing.T, out string) [][]ftPred {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	res := make([][]ftPred, len(lines))
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f)%2 != 0 {
			t.Fatalf("predict-prob line %d: %q", i+1, l)
		}
		for j := 0; j < len(f); j += 2 {
			p, err := strconv.ParseFloat(f[j+1], 64)
			if err != nil {
				t.Fatalf("predict-prob line %d: %v", i+1, err)
			}
			res[i] = append(res[i], ftPred{strings.TrimPrefix(f[j], LabelPrefix), p})
		}
	}
	return res
}

// samePredictions compares one line's predictions: the same labels in the
// same order with probabilities within tol, except that labels whose
// probabilities are within tol may come in either order, and (hierarchical
// softmax) a label at the 1e-5 pruning edge may be on one side only.
func samePredictions(want []ftPred, got []Prediction, tol float64) string {
	edge := func(p float64) bool { return p < 3e-5 }
	i, j := 0, 0
	var wl, gl []ftPred
	for i < len(want) || j < len(got) {
		switch {
		case i < len(want) && j < len(got):
			wl = append(wl, want[i])
			gl = append(gl, ftPred{got[j].Label, got[j].Prob})
			i++
			j++
		case i < len(want):
			if !edge(want[i].prob) {
				return fmt.Sprintf("fastText has %d predictions, we have %d", len(want), len(got))
			}
			i++
		default:
			if !edge(got[j].Prob) {
				return fmt.Sprintf("fastText has %d predictions, we have %d", len(want), len(got))
			}
			j++
		}
	}
	for k := range wl {
		if math.Abs(wl[k].prob-gl[k].prob) > tol {
			return fmt.Sprintf("prediction %d: fastText %s %g, we %s %g", k, wl[k].label, wl[k].prob, gl[k].label, gl[k].prob)
		}
		if wl[k].label != gl[k].label {
			// a tie: the labels must be swapped with an equal-probability neighbour
			ok := false
			for x := range wl {
				if wl[x].label == gl[k].label && math.Abs(wl[x].prob-wl[k].prob) <= tol {
					ok = true
				}
			}
			if !ok && !(edge(wl[k].prob) && edge(gl[k].prob)) {
				return fmt.Sprintf("prediction %d: fastText %s %g, we %s %g", k, wl[k].label, wl[k].prob, gl[k].label, gl[k].prob)
			}
		}
	}
	return ""
}

type parityConfig struct {
	name     string
	args     []string // for fasttext supervised
	quantize []string // if set, quantize the model with these arguments
	many     bool     // the 300-label corpus
}

func TestParityWithFastText(t *testing.T) {
	bin := fasttextBin(t)
	files := parityFiles(t)
	base := []string{"-dim", "16", "-epoch", "5", "-lr", "0.5", "-thread", "1", "-seed", "3", "-verbose", "0"}
	configs := []parityConfig{
		{name: "softmax-ng1", args: nil},
		{name: "softmax-ng2", args: []string{"-wordNgrams", "2", "-bucket", "50000"}},
		{name: "softmax-ng3-mincount2", args: []string{"-wordNgrams", "3", "-bucket", "20000", "-minCount", "2"}},
		{name: "hs-ng2", args: []string{"-loss", "hs", "-wordNgrams", "2", "-bucket", "50000"}},
		{name: "ova-ng2", args: []string{"-loss", "ova", "-wordNgrams", "2", "-bucket", "50000"}},
		{name: "ns-ng1", args: []string{"-loss", "ns"}},
		{name: "softmax-char", args: []string{"-minn", "2", "-maxn", "4", "-bucket", "30000"}},
		{name: "hs-char-ng2", args: []string{"-loss", "hs", "-minn", "3", "-maxn", "5", "-wordNgrams", "2", "-bucket", "30000"}},
		{name: "ftz-plain", args: []string{"-wordNgrams", "2", "-bucket", "20000"}, quantize: []string{}},
		{name: "ftz-qnorm-cutoff", args: []string{"-wordNgrams", "2", "-bucket", "20000"}, quantize: []string{"-qnorm", "-cutoff", "2000"}},
		{name: "ftz-qnorm-cutoff-retrain", args: []string{"-wordNgrams", "2", "-bucket", "20000"}, quantize: []string{"-qnorm", "-cutoff", "1500", "-retrain", "-epoch", "2", "-dsub", "4"}},
		{name: "ftz-char-cutoff", args: []string{"-minn", "2", "-maxn", "3", "-bucket", "20000", "-loss", "ova"}, quantize: []string{"-cutoff", "3000", "-dsub", "3"}},
		{name: "ftz-qout-many", args: []string{"-wordNgrams", "2", "-bucket", "20000"}, quantize: []string{"-qnorm", "-qout", "-cutoff", "3000"}, many: true},
		{name: "hs-many", args: []string{"-loss", "hs"}, many: true},
	}
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			train, test := files.train, files.test
			if c.many {
				train, test = files.manyTrain, files.manyTest
			}
			out := filepath.Join(t.TempDir(), "m")
			runFT(t, bin, append(append([]string{"supervised", "-input", train, "-output", out}, base...), c.args...)...)
			path := out + ".bin"
			if c.quantize != nil {
				runFT(t, bin, append([]string{"quantize", "-input", train, "-output", out, "-verbose", "0"}, c.quantize...)...)
				path = out + ".ftz"
			}
			m, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			testText, err := os.ReadFile(test)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(testText), "\n"), "\n")
			for _, kt := range []struct {
				k         string
				threshold float64
			}{{"-1", 0}, {"2", 0.05}} {
				want := parsePredictProb(t, runFT(t, bin, "predict-prob", path, test, kt.k, strconv.FormatFloat(kt.threshold, 'g', -1, 64)))
				k, _ := strconv.Atoi(kt.k)
				var got [][]Prediction
				err := m.PredictLines(bytes.NewReader(testText), k, kt.threshold, func(p []Prediction) error {
					got = append(got, append([]Prediction(nil), p...))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("k=%s: fastText printed %d lines, PredictLines %d", kt.k, len(want), len(got))
				}
				bad := 0
				for i := range want {
					if msg := samePredictions(want[i], got[i], 1e-4); msg != "" {
						if bad < 5 {
							t.Errorf("k=%s line %d (%q): %s\nfastText %v\nwe       %v", kt.k, i+1, lineAt(lines, i), msg, want[i], got[i])
						}
						bad++
					}
				}
				// Predict on each line (no literal </s> in it) must give the same.
				shift := 0 // fastText ends a line at each literal </s> token too
				for i, l := range lines {
					if strings.Contains(l, EOS) {
						shift += strings.Count(l, EOS)
						continue
					}
					p := m.Predict(l, k, kt.threshold)
					if msg := samePredictions(want[i+shift], p, 1e-4); msg != "" {
						if bad < 5 {
							t.Errorf("Predict k=%s line %d: %s", kt.k, i+1, msg)
						}
						bad++
					}
				}
				if bad > 0 {
					t.Errorf("k=%s: %d mismatches", kt.k, bad)
				}
			}
			// Probabilities agrees with Predict(k = all).
			probs := make([]float64, len(m.Labels()))
			for _, l := range lines[:50] {
				m.Probabilities([]byte(l), probs)
				for _, p := range m.Predict(l, -1, 0) {
					idx := -1
					for j, name := range m.Labels() {
						if name == p.Label {
							idx = j
						}
					}
					if math.Abs(probs[idx]-p.Prob) > 1e-6 {
						t.Fatalf("Probabilities %s = %g, Predict %g", p.Label, probs[idx], p.Prob)
					}
				}
			}
		})
	}
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		l := lines[i]
		if len(l) > 60 {
			l = l[:60] + "…"
		}
		return l
	}
	return ""
}
