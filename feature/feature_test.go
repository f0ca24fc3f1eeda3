package feature

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var corpus = []string{
	"the cat sat on the mat",
	"the dog sat",
	"a cat and a dog",
	"the end",
}

func TestFitVocabularyAndIDF(t *testing.T) {
	cfg := DefaultConfig()
	v, err := Fit(corpus, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// min df 2: "a" and every bigram occur in one document only.
	want := []string{"cat", "dog", "sat", "the"}
	if strings.Join(v.Names, "|") != strings.Join(want, "|") {
		t.Fatalf("vocabulary %q, want %q", v.Names, want)
	}
	// scikit-learn's smooth idf: ln((1+n)/(1+df)) + 1, n = 4.
	idf := map[string]float64{"cat": math.Log(5.0/3) + 1, "the": math.Log(5.0/4) + 1}
	for i, name := range v.Names {
		if w, ok := idf[name]; ok && math.Abs(float64(v.IDF[i])-w) > 1e-6 {
			t.Errorf("idf(%s) = %v, want %v", name, v.IDF[i], w)
		}
	}
}

func TestTransformSublinearL2(t *testing.T) {
	v, _ := Fit(corpus, DefaultConfig())
	var x Vec
	v.Transform("the the the cat unknownword", &x)
	if len(x.Idx) != 2 {
		t.Fatalf("vector %+v", x)
	}
	id := map[string]int32{}
	for i, n := range v.Names {
		id[n] = int32(i)
	}
	the := (1 + math.Log(3)) * float64(v.IDF[id["the"]])
	cat := 1 * float64(v.IDF[id["cat"]])
	norm := math.Hypot(the, cat)
	got := map[int32]float32{x.Idx[0]: x.Val[0], x.Idx[1]: x.Val[1]}
	if math.Abs(float64(got[id["the"]])-the/norm) > 1e-6 || math.Abs(float64(got[id["cat"]])-cat/norm) > 1e-6 {
		t.Errorf("values %v, want the=%v cat=%v", got, the/norm, cat/norm)
	}
	if x.Idx[0] == x.Idx[1] {
		t.Error("an id appears twice")
	}
	v.Transform("", &x)
	if len(x.Idx) != 0 {
		t.Error("empty text gave features")
	}
}

func TestNGramsAndChars(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MinDF, cfg.MaxN = 1, 3
	cfg.CharMinN, cfg.CharMaxN = 3, 3
	v, err := Fit([]string{"not bad at all"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Join(v.Names, "|")
	for _, want := range []string{"not bad", "not bad at", "bad at all", "c: no", "c:ot ", "c:all"} {
		if !strings.Contains("|"+names+"|", "|"+want+"|") {
			t.Errorf("missing feature %q in %q", want, names)
		}
	}
	// Rebuilding from names gives the same vectors.
	w, err := New(cfg, v.Names, v.IDF)
	if err != nil {
		t.Fatal(err)
	}
	var a, b Vec
	v.Transform("bad at all not", &a)
	w.Transform("bad at all not", &b)
	if len(a.Idx) == 0 || len(a.Idx) != len(b.Idx) {
		t.Fatalf("%v vs %v", a, b)
	}
	for i := range a.Idx {
		if a.Idx[i] != b.Idx[i] || a.Val[i] != b.Val[i] {
			t.Fatalf("rebuilt vectorizer differs: %v vs %v", a, b)
		}
	}
}

func TestHashing(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Buckets, cfg.MinDF = 1024, 1
	v, err := Fit(corpus, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if v.NumFeatures() != 1024 || v.Names != nil {
		t.Fatalf("hashing vectorizer: %d features, names %v", v.NumFeatures(), v.Names)
	}
	var x Vec
	v.Transform("the cat", &x)
	if len(x.Idx) == 0 {
		t.Fatal("no features")
	}
	for _, id := range x.Idx {
		if id < 0 || id >= 1024 {
			t.Fatalf("bucket %d", id)
		}
	}
}

func TestMaxDFAndMaxFeatures(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxDF = 0.6 // "the" is in 3 of 4 documents
	v, _ := Fit(corpus, cfg)
	for _, n := range v.Names {
		if n == "the" {
			t.Error("max df did not drop 'the'")
		}
	}
	cfg = DefaultConfig()
	cfg.MaxFeatures = 2
	v, _ = Fit(corpus, cfg)
	if strings.Join(v.Names, "|") != "sat|the" && strings.Join(v.Names, "|") != "cat|the" {
		t.Errorf("top features %q", v.Names) // the (3 docs) then a tie at 2 broken by name: a
	}
}

func TestConfigErrors(t *testing.T) {
	bad := []Config{
		{MinN: 0, MaxN: 2, MinDF: 1, MaxDF: 1},
		{MinN: 1, MaxN: 4, MinDF: 1, MaxDF: 1},
		{MinN: 1, MaxN: 1, MinDF: 0, MaxDF: 1},
		{MinN: 1, MaxN: 1, MinDF: 1, MaxDF: 0},
		{MinN: 1, MaxN: 1, MinDF: 1, MaxDF: 1, CharMinN: 3},
	}
	for _, c := range bad {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if _, err := Fit(nil, DefaultConfig()); err == nil {
		t.Error("empty corpus accepted")
	}
	cfg := DefaultConfig()
	cfg.MinDF = 10
	if _, err := Fit(corpus, cfg); err == nil {
		t.Error("a vocabulary of nothing accepted")
	}
	if _, err := New(DefaultConfig(), []string{"a b c"}, []float32{1}); err == nil {
		t.Error("trigram name accepted by a 1-2-gram vectorizer")
	}
	if _, err := New(DefaultConfig(), []string{"a", "a"}, []float32{1, 1}); err == nil {
		t.Error("duplicate names accepted")
	}
}

func BenchmarkTransform(b *testing.B) {
	text := strings.Repeat("the officials confirmed the report about the border crossing today ", 60)
	v, _ := Fit([]string{text, text}, DefaultConfig())
	var x Vec
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		v.Transform(text, &x)
	}
}

// zipfTexts makes n documents of 300 words drawn from a Zipf-like
// vocabulary of 50,000 made-up words: most bigrams occur once, as in news.
func zipfTexts(n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(rng, 1.1, 1, 49999)
	vocab := make([]string, 50000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%x", i*2654435761%1000003)
	}
	texts := make([]string, n)
	var sb strings.Builder
	for d := range texts {
		sb.Reset()
		for i := range 300 {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(vocab[z.Uint64()])
		}
		texts[d] = sb.String()
	}
	return texts
}

func BenchmarkFit(b *testing.B) {
	texts := zipfTexts(5000)
	var n int64
	for _, t := range texts {
		n += int64(len(t))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fit(texts, DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFitCounts checks the vocabulary against document frequencies counted
// plainly, with one core and with three (the n-grams are split among the
// cores by hash).
func TestFitCounts(t *testing.T) {
	texts := zipfTexts(300)
	df := map[string]int{}
	for _, text := range texts {
		seen := map[string]bool{}
		toks := strings.Split(text, " ")
		for i := range toks {
			seen[toks[i]] = true
			if i > 0 {
				seen[toks[i-1]+" "+toks[i]] = true
			}
		}
		for g := range seen {
			df[g]++
		}
	}
	var want []string
	for g, n := range df {
		if n >= 2 {
			want = append(want, g)
		}
	}
	slices.Sort(want)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 3} {
		runtime.GOMAXPROCS(procs)
		v, err := Fit(texts, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(v.Names, want) {
			t.Fatalf("%d cores: %d names, want %d", procs, len(v.Names), len(want))
		}
		for i, g := range v.Names {
			if idf := float32(math.Log(301/(1+float64(df[g]))) + 1); v.IDF[i] != idf {
				t.Fatalf("%d cores: idf(%q) = %v, want %v", procs, g, v.IDF[i], idf)
			}
		}
	}
}

// TestVocabCountsGrow fills a count table far past its first size.
func TestVocabCountsGrow(t *testing.T) {
	v := newVocabCounts(0)
	const n = 200000
	for d := range 3 {
		for i := range n {
			g := gram{order: 1, toks: [3]string{fmt.Sprint(i)}}
			v.add(mix(1, uint64(i)), int32(d), &g)
			v.add(mix(1, uint64(i)), int32(d), &g) // twice in a document counts once
		}
	}
	if v.used != n || len(v.slots) < 2*n {
		t.Fatalf("%d used in %d slots, want %d", v.used, len(v.slots), n)
	}
	seen := 0
	for i, e := range v.slots {
		if e.df == 0 {
			continue
		}
		seen++
		name := v.name(i)
		var k uint64
		fmt.Sscan(name, &k)
		if e.df != 3 || mix(1, k) != e.h {
			t.Fatalf("slot %d: %q df %d", i, name, e.df)
		}
	}
	if seen != n {
		t.Fatalf("%d entries, want %d", seen, n)
	}
}
