package wordnet

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The 35 examples computed with real NLTK 3.8 (LEMMATIZER.md in the shared
// reference), plus multi-round and long-input cases.
func TestLemmatize(t *testing.T) {
	tests := []struct{ word, lemma, morphy string }{
		{"pass", "pas", "pass"}, {"customs", "custom", "customs"}, {"was", "wa", "wa"},
		{"has", "ha", "ha"}, {"us", "u", "us"}, {"glasses", "glass", "glasses"},
		{"wolves", "wolf", "wolf"}, {"media", "medium", "medium"}, {"data", "data", "data"},
		{"analysis", "analysis", "analysis"}, {"news", "news", "news"}, {"species", "specie", "species"},
		{"series", "series", "series"}, {"men", "men", "men"}, {"children", "child", "child"},
		{"feet", "foot", "foot"}, {"geese", "goose", "goose"}, {"is", "is", "is"},
		{"as", "a", "as"}, {"this", "this", "this"}, {"bus", "bus", "bus"}, {"gas", "gas", "gas"},
		{"lens", "lens", "lens"}, {"boss", "bos", "boss"}, {"crisis", "crisis", "crisis"},
		{"theses", "thesis", "thesis"}, {"viruses", "virus", "virus"}, {"ties", "tie", "tie"},
		{"goes", "go", "go"}, {"does", "doe", "doe"}, {"dies", "dy", "die"},
		{"teeth", "teeth", "teeth"}, {"oxen", "ox", "oxen"}, {"leaves", "leaf", "leaf"},
		{"axes", "ax", "ax"},
		{"boxeses", "box", "box"}, // found in the second round of rules
		{"xyzzyq", "xyzzyq", "xyzzyq"},
		{"US", "US", "US"}, // the lemmatizer does not case-fold
		{"", "", ""},
	}
	l := Nouns()
	for _, tc := range tests {
		if got := l.Lemmatize(tc.word); got != tc.lemma {
			t.Errorf("Lemmatize(%q) = %q, want %q (candidates %q)", tc.word, got, tc.lemma, l.Candidates(tc.word))
		}
		if got := l.Morphy(tc.word); got != tc.morphy {
			t.Errorf("Morphy(%q) = %q, want %q", tc.word, got, tc.morphy)
		}
	}
}

// A huge token must not take quadratic time or memory: rules only rewrite
// the end of a word, and the prefix is never copied.
func TestLemmatizeHugeToken(t *testing.T) {
	l := Nouns()
	w := strings.Repeat("s", 1<<20)
	if got := l.Lemmatize(w); len(got) > 71 || got == w {
		t.Errorf("Lemmatize(1 MiB of s) = %d bytes", len(got))
	}
	w = strings.Repeat("ab", 1<<20) + "boxeses"
	if got := l.Lemmatize(w); got != w {
		t.Errorf("unexpected lemma of long word")
	}
}

func TestTableSize(t *testing.T) {
	lemmas, exc := Nouns().Len()
	// 117,798 noun lemmas, minus the 5,403 that contain '-', '.', '\'' or '/'.
	if lemmas != 117798-5403 {
		t.Errorf("lemmas = %d", lemmas)
	}
	if exc != 1981 { // 2,054 lines of noun.exc, minus 73 forms with such characters
		t.Errorf("exceptions = %d", exc)
	}
}

// TestGeneratedTableIsCurrent regenerates the table from Debian's
// wordnet-base when it is installed and compares it with the embedded one.
func TestGeneratedTableIsCurrent(t *testing.T) {
	if _, err := os.Stat("/usr/share/wordnet/index.noun"); err != nil {
		t.Skip("wordnet-base not installed (apt-get install wordnet-base)")
	}
	out := filepath.Join(t.TempDir(), "nouns.txt.gz")
	cmd := exec.Command("go", "run", "./gen", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator: %v\n%s", err, b)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gunzip(t, fresh), gunzip(t, nounsGz)) {
		t.Fatal("embedded nouns.txt.gz differs from what go generate writes; run go generate ./normalize/wordnet")
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func BenchmarkLemmatize(b *testing.B) {
	l := Nouns()
	words := []string{"customs", "glasses", "dies", "president", "trumps", "boxeses", "analysis"}
	for i := 0; i < b.N; i++ {
		l.Lemmatize(words[i%len(words)])
	}
}
