package fasttext

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/ holds two tiny models made by the fastText 0.9.2 binary and
// its predict-prob output, so that the reader is checked even where the
// binary is not installed. FASTTEXT_REGEN=1 go test -run TestGolden
// regenerates them (needs the binary).
var goldenModels = []string{"tiny.bin", "tiny.ftz"}

func TestGoldenRegen(t *testing.T) {
	if os.Getenv("FASTTEXT_REGEN") == "" {
		t.Skip("set FASTTEXT_REGEN=1 to regenerate testdata/")
	}
	bin := fasttextBin(t)
	texts, labels := synthCorpus(300, 3, 99)
	dir := t.TempDir()
	train := filepath.Join(dir, "train.txt")
	writeFT(t, train, texts, labels)
	tt, tl := synthCorpus(40, 3, 98)
	tt = append(tt, "", "unknown words only", "café naïve 日本語")
	tl = append(tl, "lab0", "lab1", "lab2")
	writeFT(t, "testdata/tiny-test.txt", tt, tl)
	out := filepath.Join(dir, "tiny")
	runFT(t, bin, "supervised", "-input", train, "-output", out, "-dim", "4", "-epoch", "5", "-lr", "0.5",
		"-wordNgrams", "2", "-bucket", "200", "-thread", "1", "-verbose", "0")
	runFT(t, bin, "quantize", "-input", train, "-output", out, "-qnorm", "-cutoff", "300", "-dsub", "2", "-verbose", "0")
	for _, name := range goldenModels {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join("testdata", name), b, 0o644)
		pred := runFT(t, bin, "predict-prob", filepath.Join(dir, name), "testdata/tiny-test.txt", "-1")
		os.WriteFile(filepath.Join("testdata", name+".expected"), []byte(pred), 0o644)
	}
}

func TestGolden(t *testing.T) {
	test, err := os.ReadFile("testdata/tiny-test.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(test), "\n"), "\n")
	for _, name := range goldenModels {
		m, err := Load(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		exp, err := os.ReadFile(filepath.Join("testdata", name+".expected"))
		if err != nil {
			t.Fatal(err)
		}
		want := parsePredictProb(t, string(exp))
		if len(want) != len(lines) {
			t.Fatalf("%s: %d expected lines for %d test lines", name, len(want), len(lines))
		}
		for i, l := range lines {
			if msg := samePredictions(want[i], m.Predict(l, -1, 0), 1e-4); msg != "" {
				t.Errorf("%s line %d: %s", name, i+1, msg)
			}
		}
	}
}

// fastText models survive credence's serialization (a pruned, quantized
// .ftz included), and Info describes them.
func TestGoldenMarshalRoundTrip(t *testing.T) {
	test, err := os.ReadFile("testdata/tiny-test.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(test), "\n"), "\n")
	for _, name := range goldenModels {
		m, err := Load(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		m2 := new(Model)
		if err := m2.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			p1, p2 := m.Predict(l, -1, 0), m2.Predict(l, -1, 0)
			if len(p1) != len(p2) {
				t.Fatalf("%s: %v, after the round trip %v", name, p1, p2)
			}
			for i := range p1 {
				if p1[i] != p2[i] {
					t.Fatalf("%s: %v, after the round trip %v", name, p1, p2)
				}
			}
		}
		info := m.Info()
		want := map[string]any{"format": "fasttext", "version": 12, "dim": 4, "wordNgrams": 2, "bucket": 200,
			"loss": "softmax", "model": "supervised", "nlabels": 3, "quantized": name == "tiny.ftz"}
		for k, v := range want {
			if info[k] != v {
				t.Errorf("%s: Info()[%q] = %v, want %v", name, k, info[k], v)
			}
		}
		if info["file_size"] != int64(len(readTestdata(t, name))) {
			t.Errorf("%s: file_size %v", name, info["file_size"])
		}
	}
}
