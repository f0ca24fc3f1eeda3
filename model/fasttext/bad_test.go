package fasttext

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exercise uses a model that loaded, to show a bad file cannot make
// prediction panic either.
func exercise(m *Model) {
	for _, s := range []string{"", "the of café", "w0_1 w1_2 rare7 日本語 😀", "a\nb"} {
		m.Predict(s, -1, 0)
		m.Predict(s, 1, 0.5)
		m.Probabilities([]byte(s), make([]float64, len(m.Labels())))
		m.Explain([]byte(s))
	}
	m.Info()
}

// tinyCredence is a small credence-trained model in fastText's format.
func tinyCredence(t testing.TB) []byte {
	texts, labels := synthCorpus(60, 3, 5)
	o := smallOptions()
	o.Dim = 2
	o.WordNgrams = 2
	o.Bucket = 40
	m, err := Train(texts, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := m.WriteFastText(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTruncatedEverywhere(t *testing.T) {
	files := map[string][]byte{"credence.bin": tinyCredence(t), "tiny.ftz": readTestdata(t, "tiny.ftz")}
	for name, full := range files {
		if _, err := Decode(full); err != nil {
			t.Fatalf("%s: the whole file does not load: %v", name, err)
		}
		for n := range len(full) {
			m, err := Decode(full[:n])
			if err == nil {
				t.Fatalf("%s truncated to %d of %d bytes: no error", name, n, len(full))
			}
			if m != nil {
				t.Fatalf("%s truncated: model and error", name)
			}
		}
		// Load reads from the file by another path: check it too, at some offsets.
		dir := t.TempDir()
		for _, n := range []int{0, 3, 7, 8, 40, 64, 70, 91, 92, 100, len(full) / 3, len(full) / 2, len(full) - 5, len(full) - 1} {
			p := filepath.Join(dir, "cut")
			os.WriteFile(p, full[:n], 0o644)
			if _, err := Load(p); err == nil {
				t.Fatalf("Load %s truncated to %d: no error", name, n)
			}
		}
		// and with bytes added
		if _, err := Decode(append(bytes.Clone(full), 0)); err == nil {
			t.Errorf("%s with a trailing byte: no error", name)
		}
	}
}

func TestCorruptedBytes(t *testing.T) {
	for _, full := range [][]byte{tinyCredence(t), readTestdata(t, "tiny.ftz"), readTestdata(t, "tiny.bin")} {
		step := 1
		if len(full) > 12000 {
			step = 11
		}
		loaded := 0
		for i := 0; i < len(full); i += step {
			for _, x := range []byte{0xFF, 0x80, 0x01} {
				b := bytes.Clone(full)
				b[i] ^= x
				m, err := Decode(b)
				// most flips in the weights load fine: use a sample of them
				if err == nil && (i < 2000 || loaded%16 == 0) {
					exercise(m)
				}
				if err == nil {
					loaded++
				}
			}
		}
	}
}

func TestNotFastText(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	credence := append([]byte("CREDENCE\x00\x00\x00\x01CARD"), make([]byte, 100)...)
	texts, labels := synthCorpus(50, 2, 1)
	o := smallOptions()
	o.Dim = 4
	m, _ := Train(texts, labels, o)
	own, _ := m.MarshalBinary()
	for name, b := range map[string][]byte{
		"empty": nil, "short": {1, 2, 3}, "png": png, "credence model file": credence,
		"credence fastText section": own, "text": []byte("__label__a hello world\n"),
	} {
		_, err := Decode(b)
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want a FormatError", name, err)
			continue
		}
		if !strings.Contains(err.Error(), "not a fastText model") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// and the other way round: a fastText file is not a credence serialization
	if err := new(Model).UnmarshalBinary(readTestdata(t, "tiny.bin")); err == nil {
		t.Error("UnmarshalBinary accepted a fastText .bin")
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of a directory: no error")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.bin")); err == nil {
		t.Error("Load of a missing file: no error")
	}
}

// put32 overwrites a little-endian int32 at off.
func put32(b []byte, off int, v int32) []byte {
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint32(b[off:], uint32(v))
	return b
}

func put64(b []byte, off int, v int64) []byte {
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint64(b[off:], uint64(v))
	return b
}

// Header offsets of fastText's layout.
const (
	offDim     = 8
	offModel   = 8 + 7*4
	offLoss    = 8 + 6*4
	offBucket  = 8 + 8*4
	offDictSz  = 64
	offNWords  = 68
	offNLabels = 72
	offPrune   = 84
)

func TestVectorsModel(t *testing.T) {
	full := readTestdata(t, "tiny.bin")
	for kind, name := range map[int32]string{1: "cbow", 2: "skipgram"} {
		_, err := Decode(put32(full, offModel, kind))
		if !errors.Is(err, ErrNotSupervised) || !strings.Contains(err.Error(), name) {
			t.Errorf("model kind %d: %v", kind, err)
		}
	}
	if _, err := Decode(put32(full, offModel, 9)); err == nil {
		t.Error("model kind 9: no error")
	}
	// A real skip-gram model from the binary, if there is one.
	if _, err := os.Stat("/usr/bin/fasttext"); err == nil {
		bin := fasttextBin(t)
		files := parityFiles(t)
		out := filepath.Join(t.TempDir(), "sg")
		runFT(t, bin, "skipgram", "-input", files.train, "-output", out, "-dim", "4", "-epoch", "1", "-minCount", "5", "-bucket", "1000", "-verbose", "0", "-thread", "1")
		_, err := Load(out + ".bin")
		if !errors.Is(err, ErrNotSupervised) {
			t.Errorf("skipgram model: %v", err)
		} else {
			t.Logf("skipgram model: %v", err)
		}
	}
}

// Absurd header values are refused before anything large is allocated.
func TestAbsurdHeaders(t *testing.T) {
	full := readTestdata(t, "tiny.bin")
	ftz := readTestdata(t, "tiny.ftz")
	cases := map[string][]byte{
		"dim 1e9":                put32(full, offDim, 1_000_000_000),
		"dim -1":                 put32(full, offDim, -1),
		"dictionary size 2^31-1": put32(put32(full, offDictSz, 1<<31-1), offNWords, 1<<31-2),
		"nwords 2^31-1":          put32(full, offNWords, 1<<31-1),
		"nlabels 0":              put32(put32(full, offNLabels, 0), offDictSz, int32(binary.LittleEndian.Uint32(full[offNWords:]))),
		"bucket 2^31-1":          put32(full, offBucket, 1<<31-1),
		"loss 9":                 put32(full, offLoss, 9),
		"pruneidx 2^40":          put64(full, offPrune, 1<<40),
		"pruneidx -7":            put64(full, offPrune, -7),
		"ftz dim 1e9":            put32(ftz, offDim, 1_000_000_000),
		"ftz pruneidx 2^62":      put64(ftz, offPrune, 1<<62),
	}
	// the dense input matrix header: find it after the dictionary
	m, err := Decode(full)
	if err != nil {
		t.Fatal(err)
	}
	off := int(m.fileSize) - 8*2 - 1 - m.out.m*m.out.n*4 - m.in.m*m.in.n*4 - 8*2
	if rows := int64(binary.LittleEndian.Uint64(full[off:])); rows != int64(m.in.m) {
		t.Fatalf("input matrix header not found (%d)", rows)
	}
	cases["input rows 2^40"] = put64(full, off, 1<<40)
	cases["input cols 2^40"] = put64(full, off+8, 1<<40)
	cases["input rows -1"] = put64(full, off, -1)

	for name, b := range cases {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := Decode(b)
		el := time.Since(start)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if el > time.Second {
			t.Errorf("%s: took %v", name, el)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
			t.Errorf("%s: allocated %d bytes before failing", name, alloc)
		}
		// the same through Load
		p := filepath.Join(t.TempDir(), "m.bin")
		os.WriteFile(p, b, 0o644)
		if _, err := Load(p); err == nil {
			t.Errorf("Load %s: no error", name)
		}
	}
}

func TestNonFiniteWeights(t *testing.T) {
	full := readTestdata(t, "tiny.bin")
	b := bytes.Clone(full)
	// last float of the output matrix
	binary.LittleEndian.PutUint32(b[len(b)-4:], 0x7fc00000)
	if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN weight: %v", err)
	}
}

func TestUnmarshalBad(t *testing.T) {
	texts, labels := synthCorpus(80, 3, 1)
	o := smallOptions()
	o.Dim = 3
	o.WordNgrams = 2
	o.Bucket = 100
	m, err := Train(texts, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := m.MarshalBinary()
	for n := range len(full) {
		if err := new(Model).UnmarshalBinary(full[:n]); err == nil {
			t.Fatalf("truncated to %d: no error", n)
		}
	}
	for i := range full {
		b := bytes.Clone(full)
		b[i] ^= 0x5a
		if err := new(Model).UnmarshalBinary(b); err == nil {
			t.Fatalf("byte %d flipped: no error (the checksum should catch it)", i)
		}
	}
	used := new(Model)
	if err := used.UnmarshalBinary(full); err != nil {
		t.Fatal(err)
	}
	if err := used.UnmarshalBinary(full); err == nil {
		t.Error("UnmarshalBinary into a used model: no error")
	}
}

// A credence serialization claiming 2^31-1 buckets loads with a hash
// index, not a 256 MB bitset.
func TestSparseIndexHugeBucket(t *testing.T) {
	texts, labels := synthCorpus(200, 3, 8)
	o := smallOptions()
	o.Dim = 4
	o.WordNgrams = 2
	o.Bucket = 1000
	m, err := Train(texts, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.MarshalBinary()
	const offBucketOwn = 8 + 4 + 1 + len(formatCredence) + 4 + 8*4
	if got := binary.LittleEndian.Uint32(b[offBucketOwn:]); got != 1000 {
		t.Fatalf("bucket field not found: %d", got)
	}
	b = fixChecksum(put32(b, offBucketOwn, 1<<31-1))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m2 := new(Model)
	if err := m2.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes", alloc)
	}
	if m2.ngrams.bits != nil {
		t.Error("bitset for 2^31 buckets")
	}
	exercise(m2)
	// The two representations agree.
	x := m.ngrams
	y := ngramIndex{kind: ngSparse, nwords: x.nwords, bucket: x.bucket}
	bs := x.sparseBuckets()
	vals := make([]int32, len(bs))
	for i := range vals {
		vals[i] = int32(i)
	}
	y.setMap(bs, vals)
	for k := range x.bucket {
		if x.row(k) != y.row(k) {
			t.Fatalf("bucket %d: bitset row %d, map row %d", k, x.row(k), y.row(k))
		}
	}
	if !slices.Equal(y.sparseBuckets(), bs) || y.count() != x.count() {
		t.Error("sparseBuckets/count differ")
	}
}

// Character n-grams computed per prediction (when precomputing them would
// take too much memory) give the same predictions.
func TestSubwordsOnTheFly(t *testing.T) {
	texts, labels := synthCorpus(500, 3, 9)
	o := smallOptions()
	o.MinN, o.MaxN = 2, 5
	m, err := Train(texts, labels, o)
	if err != nil {
		t.Fatal(err)
	}
	tt, _ := synthCorpus(100, 3, 10)
	var want [][]Prediction
	for _, x := range tt {
		want = append(want, m.Predict(x, -1, 0))
	}
	m.dict.subwords = nil
	for i, x := range tt {
		if got := m.Predict(x, -1, 0); !slices.Equal(got, want[i]) {
			t.Fatalf("%q: %v, precomputed %v", x, got, want[i])
		}
	}
}

func TestHSTreeHostileCounts(t *testing.T) {
	for _, counts := range [][]int64{{2e15, 3e15, 4e15}, {1, 1e15, 1e15, 1e15}, {1 << 62, 1 << 62, 1 << 62}} {
		if _, err := newHSTree(counts); err == nil {
			// a tree may be buildable; it must then be a tree
			continue
		}
	}
	tr, err := newHSTree([]int64{5, 3, 2, 1})
	if err != nil || tr.depth() > 3 {
		t.Fatalf("%v", err)
	}
}
