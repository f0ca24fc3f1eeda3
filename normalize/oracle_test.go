package normalize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/credence-news/credence/internal/sharedtest"
	"github.com/credence-news/credence/normalize/wordnet"
)

// TestNLTKOracle compares the nltk profile with the real NLTK reference on
// thousands of generated documents built to hit the hard parts: inflected
// WordNet forms, Unicode case mapping and final sigma, combining marks,
// numerics of other scripts, format and space characters. It needs Debian's
// python3-nltk and wordnet-base (CI installs them) and skips without them.
func TestNLTKOracle(t *testing.T) {
	ref := sharedtest.Path(t, "reference", "nltk-reference", "nltk_reference.py")
	if err := exec.Command("/usr/bin/python3", "-c", "import nltk").Run(); err != nil {
		t.Skip("python3-nltk not installed (apt-get install python3-nltk wordnet-base)")
	}
	docs := oracleDocs(3000)
	var in bytes.Buffer
	for _, d := range docs {
		b, _ := json.Marshal(d)
		in.Write(b)
		in.WriteByte('\n')
	}
	cmd := exec.Command("/usr/bin/python3", "testdata/nltk_oracle.py", filepath.Dir(ref))
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	p, _ := Lookup("nltk")
	i, bad := 0, 0
	for ; sc.Scan(); i++ {
		var want string
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		if got := String(p, docs[i]); got != want {
			bad++
			if bad <= 10 {
				t.Errorf("doc %d %q:\n got  %q\n want %q", i, docs[i], got, want)
			}
		}
	}
	if i != len(docs) {
		t.Fatalf("oracle answered %d of %d documents", i, len(docs))
	}
	if bad > 0 {
		t.Errorf("%d of %d documents differ from NLTK", bad, len(docs))
	}
}

// oracleDocs builds n deterministic documents.
func oracleDocs(n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	var forms []string
	l := wordnet.Nouns()
	l.EachForm(func(s string) {
		if rng.IntN(40) == 0 {
			forms = append(forms, s)
		}
	})
	stop := NLTKStopwords()
	specials := []string{
		"İ", "ẞ", "Σ", "ΣΑΣ", "ΟΔΟΣ", "Σ.", "ς", "\u0301", "\u0307", "e\u0301", "ǅ", "ᾼ", "ﬁ", "Ⅻ", "½", "²",
		"٣", "５", "①", "_", "\u200b", "\u00ad", "\ufeff", "\u00a0", "\u3000", "\u2028", "\x1c", "\x85", "\x00",
		"👍", "—", "’", "“", "'s", "n't", "-", ".", ",", "$", "%", "\t", "\u0130stanbul", "ΣΟΦΙΑΣ", "Ω", "Ꭰ",
		"ꭰ", "𐐀", "𞤀", "\U0001E900", "ǈ", "\u0345", "Σ\u0345", "A\u0345Σ", "\u10d0", "Ა", "ⓐ", "Ⓐ",
	}
	docs := make([]string, n)
	for i := range docs {
		var b strings.Builder
		words := 1 + rng.IntN(30)
		for w := 0; w < words; w++ {
			switch k := rng.IntN(11); {
			case k == 10:
				// Short strings over the letters of the detachment rules:
				// several rounds of rules, results under 2 characters.
				for n := 1 + rng.IntN(6); n > 0; n-- {
					b.WriteByte("sesxzchmnaiy0"[rng.IntN(13)])
				}
			case k < 4:
				s := forms[rng.IntN(len(forms))]
				if rng.IntN(4) == 0 {
					s = strings.ToUpper(s[:1]) + s[1:]
				}
				b.WriteString(s)
			case k < 5:
				b.WriteString(stop[rng.IntN(len(stop))])
			case k < 8:
				b.WriteString(specials[rng.IntN(len(specials))])
			default:
				// A random code point, valid and not a surrogate.
				for {
					r := rune(rng.IntN(0x30000))
					if utf8.ValidRune(r) {
						b.WriteRune(r)
						break
					}
				}
			}
			if rng.IntN(3) > 0 {
				b.WriteString([]string{" ", " ", ", ", ". ", "-", "\t", "\u2003"}[rng.IntN(7)])
			}
		}
		docs[i] = b.String()
	}
	return docs
}
