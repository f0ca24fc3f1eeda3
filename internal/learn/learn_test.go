package learn

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/normalize"
)

func docs(n int) []corpus.Document {
	var out []corpus.Document
	for i := 0; i < n; i++ {
		label, cue := "fake", "hoax shocking"
		if i%2 == 1 {
			label, cue = "real", "officials confirmed"
		}
		out = append(out, corpus.Document{
			Text: fmt.Sprintf("the %s story number %d about the city", cue, i%5), Label: label,
			File: "x.csv", Line: i + 2, Row: i, Meta: map[string]string{"site": fmt.Sprintf("s%d", i%6), "date": fmt.Sprintf("2020-01-%02d", 1+i%28)},
		})
	}
	return out
}

func settings(split Split) Settings {
	return Settings{Profile: "plain", Features: feature.DefaultConfig(), Train: model.TrainOptions{Algo: "logreg", C: 1}, Split: split, Workers: 2}
}

func prepared(t *testing.T, n int) *Prepared {
	p, _ := normalize.Lookup("plain")
	prep, err := Prepare(docs(n), p, 2)
	if err != nil {
		t.Fatal(err)
	}
	return prep
}

func TestHoldOutKinds(t *testing.T) {
	p := prepared(t, 120)
	split := filepath.Join(t.TempDir(), "split.json")
	os.WriteFile(split, []byte(`{"n_rows": 120, "test": [0, 1, 2, 3, 50, 119]}`), 0o644)
	tests := []struct {
		name  string
		split Split
		check func(train, test []int) string
	}{
		{"fraction", Split{TestFrac: 0.25, Seed: 3}, func(tr, te []int) string {
			if len(te) != 30 {
				return fmt.Sprintf("%d test rows", len(te))
			}
			return ""
		}},
		{"test rows", Split{TestRows: split}, func(tr, te []int) string {
			if fmt.Sprint(te) != "[0 1 2 3 50 119]" {
				return fmt.Sprint(te)
			}
			return ""
		}},
		{"group", Split{GroupBy: "site", TestFrac: 0.3, Seed: 1}, func(tr, te []int) string {
			in := map[string]bool{}
			for _, i := range tr {
				in[p.Docs[i].Meta["site"]] = true
			}
			for _, i := range te {
				if in[p.Docs[i].Meta["site"]] {
					return "site " + p.Docs[i].Meta["site"] + " on both sides"
				}
			}
			return ""
		}},
		{"time", Split{TimeCol: "date", TestFrac: 0.2}, func(tr, te []int) string {
			latestTrain := ""
			for _, i := range tr {
				latestTrain = max(latestTrain, p.Docs[i].Meta["date"])
			}
			for _, i := range te {
				if p.Docs[i].Meta["date"] < latestTrain {
					return "a test document is older than a training one"
				}
			}
			return ""
		}},
	}
	for _, tc := range tests {
		train, test, err := holdOut(p, tc.split)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(train)+len(test) != 120 {
			t.Errorf("%s: %d + %d rows", tc.name, len(train), len(test))
		}
		if msg := tc.check(train, test); msg != "" {
			t.Errorf("%s: %s", tc.name, msg)
		}
		res, err := Train(p, settings(tc.split))
		if err != nil || res.HeldOut == nil || res.HeldOut.N != len(test) {
			t.Errorf("%s: train %v", tc.name, err)
		}
	}
}

func TestAutoCIsCalibratedAndReported(t *testing.T) {
	p := prepared(t, 200)
	s := settings(Split{TestFrac: 0.2, Seed: 1})
	s.Train.C = 0
	var stages []string
	s.Progress = func(stage string) { stages = append(stages, stage) } // called under chooseC's lock
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 0
	res, err := Train(p, s)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(stages, "cross-validation: 14 of 15 fits done") {
		t.Errorf("progress: %q", stages)
	}
	if res.ChosenC == 0 || len(res.CVScores) != len(DefaultGrid) || res.Scale <= 0 {
		t.Fatalf("C %v, scores %v, scale %v", res.ChosenC, res.CVScores, res.Scale)
	}
	if res.Model.Card.Options["temperature"] == nil || !strings.Contains(res.Model.Card.Split, "stratified") {
		t.Errorf("card %+v", res.Model.Card)
	}
	// The final fit starts from the folds' averaged models: it must land
	// where a cold fit with the chosen C lands.
	s.Train.C = res.ChosenC
	cold, err := Train(p, s)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range cold.Model.Linear.W {
		if d := w - res.Model.Linear.W[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("weight %d: %v after the warm start, %v cold", i, res.Model.Linear.W[i], w)
		}
	}
}

// TestNBBlend: a given naive Bayes weight makes the model the weighted
// sum of the two models trained alone; with C chosen by cross-validation
// the weight is chosen too, among the ones offered.
func TestNBBlend(t *testing.T) {
	p := prepared(t, 200)
	split := Split{TestFrac: 0.2, Seed: 1}
	train := func(algo string, weights ...float64) *Result {
		s := settings(split)
		s.Train.Algo, s.NBWeights = algo, weights
		r, err := Train(p, s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	lr, nb, mixed := train("logreg", 0), train("nb"), train("logreg", 0.25)
	if mixed.NBWeight != 0.25 || mixed.Model.Card.Options["nb_weight"] != 0.25 || lr.Model.Card.Options["nb_weight"] != nil {
		t.Fatalf("weight %v, card %v / %v", mixed.NBWeight, mixed.Model.Card.Options, lr.Model.Card.Options)
	}
	for i, w := range mixed.Model.Linear.W {
		want := 0.75*lr.Model.Linear.W[i] + 0.25*nb.Model.Linear.W[i]
		if d := w - want; d > 1e-5 || d < -1e-5 {
			t.Fatalf("weight %d: %v, want %v", i, w, want)
		}
	}
	s := settings(split)
	s.Train.C, s.NBWeights = 0, []float64{0, 0.5}
	auto, err := Train(p, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(auto.NBScores) != 2 || (auto.NBWeight != 0 && auto.NBWeight != 0.5) {
		t.Errorf("chosen weight %v among %v", auto.NBWeight, auto.NBScores)
	}
	s.Train.Algo = "svm"
	svm, err := Train(p, s)
	if err != nil || svm.NBScores != nil || svm.NBWeight != 0 {
		t.Errorf("svm: no blend expected: %v %v %v", err, svm.NBScores, svm.NBWeight)
	}
}

func TestCrossValidate(t *testing.T) {
	p := prepared(t, 100)
	reports, err := CrossValidate(p, settings(Split{Seed: 2}), 5)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range reports {
		n += r.N
	}
	if len(reports) != 5 || n != 100 {
		t.Fatalf("%d folds covering %d documents", len(reports), n)
	}
}

func TestSingleClassAndUnknownLabels(t *testing.T) {
	p, _ := normalize.Lookup("plain")
	d := docs(10)
	for i := range d {
		d[i].Label = "fake"
	}
	if _, err := Prepare(d, p, 1); err == nil || !strings.Contains(err.Error(), "single class") {
		t.Errorf("single class: %v", err)
	}
	prep := prepared(t, 60)
	res, err := Train(prep, settings(Split{}))
	if err != nil {
		t.Fatal(err)
	}
	bad := docs(2)
	bad[1].Label = "satire"
	if _, err := EvaluateNormalized(res.Model, bad, NormalizeAll(bad, p, 1), "", 1); err == nil || !strings.Contains(err.Error(), "satire") {
		t.Errorf("unknown label: %v", err)
	}
}
