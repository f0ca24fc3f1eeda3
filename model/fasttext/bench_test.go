package fasttext

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func benchModel(b *testing.B, ngrams int) (*Model, []string) {
	texts, labels := synthCorpus(4000, 4, 71)
	o := smallOptions()
	o.Dim = 100
	o.WordNgrams = ngrams
	o.Bucket = 2000000
	m, err := Train(texts, labels, o)
	if err != nil {
		b.Fatal(err)
	}
	tt, _ := synthCorpus(1000, 4, 72)
	return m, tt
}

func benchPredict(b *testing.B, ngrams int) {
	m, tt := benchModel(b, ngrams)
	var tokens int
	for _, t := range tt {
		tokens += len(strings.Fields(t)) + 1
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Predict(tt[i%len(tt)], 1, 0)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

func BenchmarkPredictNg1(b *testing.B) { benchPredict(b, 1) }
func BenchmarkPredictNg2(b *testing.B) { benchPredict(b, 2) }

func BenchmarkProbabilitiesParallel(b *testing.B) {
	m, tt := benchModel(b, 2)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		probs := make([]float64, len(m.Labels()))
		i := 0
		for pb.Next() {
			m.Probabilities([]byte(tt[i%len(tt)]), probs)
			i++
		}
	})
}

// BenchmarkLoadFastText reads a fastText .bin (written by WriteFastText
// with 200,000 buckets × dim 100: 80 MB).
func BenchmarkLoadFastText(b *testing.B) {
	texts, labels := synthCorpus(2000, 4, 73)
	o := smallOptions()
	o.Dim = 100
	o.WordNgrams = 2
	o.Bucket = 200000
	m, err := Train(texts, labels, o)
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "m.bin")
	f, _ := os.Create(p)
	if err := m.WriteFastText(f); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	for b.Loop() {
		if _, err := Load(p); err != nil {
			b.Fatal(err)
		}
	}
}

func benchTrain(b *testing.B, threads, ngrams int) {
	texts, labels := synthCorpus(10000, 4, 74)
	var tokens int
	for _, t := range texts {
		tokens += len(strings.Fields(t)) + 2
	}
	o := DefaultOptions()
	o.Epoch = 5
	o.LR = 0.5
	o.WordNgrams = ngrams
	o.Threads = threads
	b.ResetTimer()
	for b.Loop() {
		if _, err := Train(texts, labels, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tokens*o.Epoch)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkTrainNg2Threads1(b *testing.B) { benchTrain(b, 1, 2) }
func BenchmarkTrainNg2Threads2(b *testing.B) { benchTrain(b, 2, 2) }
func BenchmarkTrainNg1Threads1(b *testing.B) { benchTrain(b, 1, 1) }
