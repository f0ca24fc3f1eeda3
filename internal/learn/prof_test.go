package learn

import (
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/normalize"
)

func TestProfScale(t *testing.T) {
	docs, _, err := corpus.ReadAll(corpus.Spec{Text: []string{"text"}, Label: "label", Inputs: []corpus.Input{{Path: "/tmp/scale50k.jsonl"}}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := normalize.Lookup("plain")
	prep, err := Prepare(docs, p, 2)
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{Profile: "plain", Features: feature.DefaultConfig(), Train: model.TrainOptions{Algo: "logreg", C: 0.1, Balanced: true, Seed: 1},
		Split: Split{TestFrac: 0.2, Seed: 1}, Workers: 2}
	f, _ := os.Create("/tmp/scale.prof")
	pprof.StartCPUProfile(f)
	t0 := time.Now()
	res, err := Train(prep, s)
	if err != nil {
		t.Fatal(err)
	}
	pprof.StopCPUProfile()
	t.Logf("%v %v", time.Since(t0), res.Timings)
}
