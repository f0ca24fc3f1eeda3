package fasttext

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func accuracy(m *Model, texts, labels []string) float64 {
	ok := 0
	for i, t := range texts {
		p := m.Predict(t, 1, 0)
		if len(p) > 0 && p[0].Label == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(texts))
}

func smallOptions() Options {
	o := DefaultOptions()
	o.Dim = 20
	o.Epoch = 10
	o.LR = 0.5
	o.Bucket = 100000
	o.Threads = 1
	o.Seed = 7
	return o
}

func TestTrainLearns(t *testing.T) {
	texts, labels := synthCorpus(3000, 5, 11)
	tt, tl := synthCorpus(500, 5, 12)
	for _, c := range []struct {
		name string
		edit func(*Options)
	}{
		{"softmax", func(o *Options) {}},
		{"softmax-ng2", func(o *Options) { o.WordNgrams = 2 }},
		{"hs-ng2", func(o *Options) { o.Loss = "hs"; o.WordNgrams = 2 }},
		{"ova", func(o *Options) { o.Loss = "ova" }},
		{"char", func(o *Options) { o.MinN, o.MaxN = 2, 4 }},
		{"threads2", func(o *Options) { o.Threads = 2; o.WordNgrams = 2 }},
		{"mincount3", func(o *Options) { o.MinCount = 3; o.WordNgrams = 3 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := smallOptions()
			c.edit(&o)
			m, err := Train(texts, labels, o)
			if err != nil {
				t.Fatal(err)
			}
			if acc := accuracy(m, tt, tl); acc < 0.9 {
				t.Errorf("held-out accuracy %.3f, want >= 0.9", acc)
			}
			if got := m.Labels(); len(got) != 5 || !slices.Contains(got, "lab0") {
				t.Errorf("labels %v", got)
			}
			// Round trip through the compact serialization.
			b, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			m2 := new(Model)
			if err := m2.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			for _, x := range tt[:100] {
				p1, p2 := m.Predict(x, -1, 0), m2.Predict(x, -1, 0)
				if !slices.Equal(p1, p2) {
					t.Fatalf("after UnmarshalBinary %v, before %v", p2, p1)
				}
			}
		})
	}
}

func TestTrainDeterministic(t *testing.T) {
	texts, labels := synthCorpus(1000, 3, 5)
	o := smallOptions()
	o.WordNgrams = 2
	m1, err := Train(texts, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Train(texts, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m1.in.d, m2.in.d) || !slices.Equal(m1.out.d, m2.out.d) {
		t.Fatal("two runs with Threads=1 and the same seed differ")
	}
	b1, _ := m1.MarshalBinary()
	b2, _ := m2.MarshalBinary()
	if !bytes.Equal(b1, b2) {
		t.Fatal("two runs with Threads=1 and the same seed serialize differently")
	}
	o.Seed++
	m3, _ := Train(texts, labels, o)
	if slices.Equal(m1.in.d, m3.in.d) {
		t.Fatal("another seed gives the same weights")
	}
}

// The sparse n-gram rows: only buckets that occur in the data get a row.
func TestTrainSparseRows(t *testing.T) {
	texts := []string{"a b c", "b c d", "x y"}
	labels := []string{"p", "p", "q"}
	o := smallOptions()
	o.WordNgrams = 2
	o.Bucket = 2000000
	m, err := Train(texts, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	// bigrams: a b, b c, c </s>, b c (again), c d, d </s>, x y, y </s> = 7 distinct
	if got := m.Info()["ngram_rows"]; got != 7 {
		t.Errorf("ngram rows %v, want 7", got)
	}
	if got := m.in.m; got != int(m.dict.nwords)+7 {
		t.Errorf("input rows %d", got)
	}
	if m.dict.nwords != 7 { // a b c d x y </s>
		t.Errorf("nwords %d", m.dict.nwords)
	}
}

func TestTrainErrors(t *testing.T) {
	texts, labels := []string{"a b", "c d"}, []string{"x", "y"}
	bad := []func(*Options){
		func(o *Options) { o.Dim = 0 },
		func(o *Options) { o.Epoch = 0 },
		func(o *Options) { o.LR = 0 },
		func(o *Options) { o.LR = math.NaN() },
		func(o *Options) { o.Loss = "ns" },
		func(o *Options) { o.WordNgrams = 0 },
		func(o *Options) { o.MinN, o.MaxN = 5, 3 },
		func(o *Options) { o.WordNgrams, o.Bucket = 2, 0 },
		func(o *Options) { o.Bucket = -1 },
	}
	for i, edit := range bad {
		o := smallOptions()
		edit(&o)
		if _, err := Train(texts, labels, o); err == nil {
			t.Errorf("options %d: no error", i)
		}
	}
	if _, err := Train(texts, labels[:1], smallOptions()); err == nil {
		t.Error("length mismatch: no error")
	}
	if _, err := Train(texts, []string{"x", "has space"}, smallOptions()); err == nil {
		t.Error("label with a space: no error")
	}
	if _, err := TrainCorpus(FileCorpus(filepath.Join(t.TempDir(), "missing.txt")), smallOptions()); err == nil {
		t.Error("missing file: no error")
	}
	p := filepath.Join(t.TempDir(), "nolabels.txt")
	os.WriteFile(p, []byte("a b c\nd e\n"), 0o644)
	if _, err := TrainCorpus(FileCorpus(p), smallOptions()); err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("no labels: %v", err)
	}
}

func TestTrainFileCorpusMultiLabel(t *testing.T) {
	texts, labels := synthCorpus(1500, 4, 21)
	p := filepath.Join(t.TempDir(), "train.txt")
	var b strings.Builder
	for i := range texts {
		// a second label on every tenth line, labels anywhere in the line
		if i%10 == 0 {
			b.WriteString(texts[i] + " " + LabelPrefix + labels[i] + " " + LabelPrefix + "extra\n")
		} else {
			b.WriteString(LabelPrefix + labels[i] + " " + texts[i] + "\n")
		}
	}
	os.WriteFile(p, []byte(b.String()), 0o644)
	for _, loss := range []string{"softmax", "ova"} {
		o := smallOptions()
		o.Loss = loss
		m, err := TrainCorpus(FileCorpus(p), o)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Labels()) != 5 {
			t.Fatalf("labels %v", m.Labels())
		}
		tt, tl := synthCorpus(300, 4, 22)
		if acc := accuracy(m, tt, tl); acc < 0.85 {
			t.Errorf("%s: accuracy %.3f", loss, acc)
		}
	}
}

// A credence-trained model written in fastText's format predicts the same
// in this package and (if installed) in the fastText binary.
func TestWriteFastText(t *testing.T) {
	texts, labels := synthCorpus(1500, 4, 31)
	tt, _ := synthCorpus(200, 4, 32)
	for _, loss := range []string{"softmax", "hs", "ova"} {
		o := smallOptions()
		o.Loss = loss
		o.WordNgrams = 2
		o.Bucket = 5000
		m, err := Train(texts, labels, o)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := m.WriteFastText(&b); err != nil {
			t.Fatal(err)
		}
		f, err := Decode(b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range tt {
			p1, p2 := m.Predict(x, -1, 0), f.Predict(x, -1, 0)
			if len(p1) != len(p2) {
				t.Fatalf("%s: %v vs %v", loss, p1, p2)
			}
			for i := range p1 {
				if p1[i].Label != p2[i].Label || math.Abs(p1[i].Prob-p2[i].Prob) > 1e-6 {
					t.Fatalf("%s: %v vs %v", loss, p1, p2)
				}
			}
		}
	}
}

func TestQuantize(t *testing.T) {
	texts, labels := synthCorpus(800, 5, 41)
	tt, tl := synthCorpus(500, 5, 42)
	o := smallOptions()
	o.WordNgrams = 2
	m, err := Train(texts, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	base := accuracy(m, tt, tl)
	for _, qo := range []QuantizeOptions{
		{DSub: 2},
		{DSub: 4, QNorm: true},
		{DSub: 2, QNorm: true, QOut: true, Cutoff: 2000},
	} {
		q, err := m.Quantize(qo)
		if err != nil {
			t.Fatal(err)
		}
		if acc := accuracy(q, tt, tl); acc < base-0.05 {
			t.Errorf("%+v: accuracy %.3f, unquantized %.3f", qo, acc, base)
		}
		b, err := q.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		mb, _ := m.MarshalBinary()
		if len(b) >= len(mb)/2 {
			t.Errorf("%+v: quantized %d bytes, unquantized %d", qo, len(b), len(mb))
		}
		q2 := new(Model)
		if err := q2.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		for _, x := range tt[:50] {
			if !slices.Equal(q.Predict(x, -1, 0), q2.Predict(x, -1, 0)) {
				t.Fatal("quantized model changed through MarshalBinary")
			}
		}
		if q.Info()["quantized"] != true {
			t.Error("Info does not say quantized")
		}
	}
}

// scanOnly hides the sharded reading of a corpus.
type scanOnly struct{ c Corpus }

func (s scanOnly) Scan(fn func([]byte) error) error { return s.c.Scan(fn) }

func TestTrainScanOnlyCorpus(t *testing.T) {
	texts, labels := synthCorpus(2000, 4, 81)
	tt, tl := synthCorpus(300, 4, 82)
	for _, threads := range []int{1, 2} {
		o := smallOptions()
		o.Threads = threads
		m, err := TrainCorpus(scanOnly{sliceCorpus{texts, labels}}, o)
		if err != nil {
			t.Fatal(err)
		}
		if acc := accuracy(m, tt, tl); acc < 0.9 {
			t.Errorf("threads %d: accuracy %.3f", threads, acc)
		}
	}
	o := smallOptions()
	a, _ := TrainCorpus(scanOnly{sliceCorpus{texts, labels}}, o)
	b, _ := TrainCorpus(scanOnly{sliceCorpus{texts, labels}}, o)
	if !slices.Equal(a.in.d, b.in.d) {
		t.Error("Threads=1: two runs differ")
	}
}

// A file corpus read by two goroutines from two places, lines of every
// length, with and without a final newline.
func TestFileCursor(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.txt")
	long := strings.Repeat("x ", 70000)
	os.WriteFile(p, []byte("__label__a one\n__label__b "+long+"\n__label__c three\n__label__d four"), 0o644)
	for i, want := range map[int]string{0: "__label__a", 1: "__label__c"} {
		cur, err := fileCorpus(p).cursor(i, 2)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for range 6 {
			line, err := cur.next()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, strings.Fields(string(line))[0])
		}
		cur.close()
		if got[0] != want {
			t.Errorf("cursor %d starts at %s, want %s (%v)", i, got[0], want, got)
		}
		if i == 0 && strings.Join(got, " ") != "__label__a __label__b __label__c __label__d __label__a __label__b" {
			t.Errorf("cursor 0 reads %v", got)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty.txt")
	os.WriteFile(empty, nil, 0o644)
	cur, _ := fileCorpus(empty).cursor(0, 1)
	if _, err := cur.next(); err == nil {
		t.Error("empty file: no error")
	}
}
