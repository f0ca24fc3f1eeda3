package normalize

import (
	"strings"
	"testing"
)

// Each case shows one way the modern profile differs from nltk, and why.
func TestModernDiffersFromNLTK(t *testing.T) {
	nltk, _ := Lookup("nltk")
	modern, _ := Lookup("modern")
	tests := []struct{ why, in, nltk, modern string }{
		{"negation kept", "The border should not have been closed", "border closed", "border not closed"},
		{"n't becomes not", "Officials didn't confirm it", "official confirm", "official not confirm"},
		{"won't and can't", "We won't and can't stop", "stop", "not not stop"},
		{"no and nor kept", "No evidence, nor proof", "evidence proof", "no evidence nor proof"},
		{"US is not mangled", "across the US border", "across border", "across us border"},
		{"dotted acronym", "the U.S. economy", "economy", "us economy"},
		{"acronyms are not lemmatized", "AIDS research", "aid research", "aids research"},
		{"morphy, not shortest", "boss pass", "bos pas", "boss pass"},
		{"hyphenated compound", "a six-year-old boy", "six year old boy", "six-year-old boy"},
		{"thousands separator", "20,000 people", "20 000 people", "20000 people"},
		{"decimal", "rose 3.5 percent", "rose percent", "rose 3.5 percent"},
		{"percent sign", "rose 50%", "rose 50", "rose 50%"},
		{"single digits kept", "5 people", "people", "5 people"},
		{"possessive", "Mexico’s president", "mexico president", "mexico president"},
		{"combining accent stays", "Pe\u0301rez", "pe rez", "pérez"},
		{"soft hyphen invisible", "infor\u00ADmation", "infor mation", "information"},
		{"NFKC folds full width", "ＮＥＷＳ ５０", "ｎｅｗｓ ５０", "news 50"},
		{"final sigma", "ΟΔΟΣ", "οδος", "οδος"},
	}
	for _, tc := range tests {
		if got := String(nltk, tc.in); got != tc.nltk {
			t.Errorf("%s: nltk(%q) = %q, want %q", tc.why, tc.in, got, tc.nltk)
		}
		if got := String(modern, tc.in); got != tc.modern {
			t.Errorf("%s: modern(%q) = %q, want %q", tc.why, tc.in, got, tc.modern)
		}
	}
}

func TestTokenSpans(t *testing.T) {
	text := "The Customs’ officers — İstanbul"
	for _, name := range Names() {
		p, _ := Lookup(name)
		var got []Token
		p.Tokens([]byte(text), func(tk Token) { got = append(got, tk) })
		if len(got) == 0 {
			t.Fatalf("%s: no tokens", name)
		}
		for _, tk := range got {
			if tk.Start < 0 || tk.End > len(text) || tk.Start >= tk.End {
				t.Errorf("%s: token %q has span [%d,%d)", name, tk.Text, tk.Start, tk.End)
			}
		}
		first := got[0]
		if name == "plain" { // keeps "the"
			first = got[1]
		}
		if first.Text != "custom" && first.Text != "customs" || text[first.Start:first.End] != "Customs" {
			t.Errorf("%s: first content token %+v", name, first)
		}
	}
}

func TestLookup(t *testing.T) {
	if _, err := Lookup("spacy"); err == nil {
		t.Error("unknown profile accepted")
	}
	for _, n := range Names() {
		p, err := Lookup(n)
		if err != nil || p.Name() != n {
			t.Errorf("Lookup(%q) = %v, %v", n, p, err)
		}
	}
}

func TestValidUTF8(t *testing.T) {
	tests := []struct {
		in, out string
		bad     int
	}{
		{"ok", "ok", 0},
		{"a\xffb", "a\uFFFDb", 1},
		{"\xe2\x82", "\uFFFD\uFFFD", 2}, // truncated sequence: each byte counted
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD", 3},
	}
	for _, tc := range tests {
		out, bad := ValidUTF8([]byte(tc.in))
		if string(out) != tc.out || bad != tc.bad {
			t.Errorf("ValidUTF8(%q) = %q, %d; want %q, %d", tc.in, out, bad, tc.out, tc.bad)
		}
	}
}

// Regression (found by FuzzNormalize): NFKC can turn one character of a
// word into separators and marks; only word characters and joiners stay.
func TestModernCompatibilitySeparators(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"000\ufc5e", "000\u064c\u0651"}, // ligature → space + two marks
		{"\u2474 items", "1 item"},       // ⑴ → (1)
		{"x\u2474", "x1"},
	} {
		if got := String(modernProfile{}, tc.in); got != tc.want {
			t.Errorf("%q → %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestModernMemo checks the memo against the analysis it caches, on more
// distinct words than a memo holds (so it is emptied and refilled) and
// with every word seen again after that.
func TestModernMemo(t *testing.T) {
	var words, want []string
	for i := range modernMemoSize + 5000 {
		w := []byte("Ab")
		for n := i; n > 0; n /= 26 {
			w = append(w, byte('a'+n%26))
		}
		words = append(words, string(w), "doesn't", "U.S.", "the")
	}
	for _, w := range words {
		want = append(want, modernWords(w)...)
	}
	text := strings.Join(words, " ")
	for pass := range 2 {
		if got := String(modernProfile{}, text); got != strings.Join(want, " ") {
			t.Fatalf("pass %d: memoized output differs from the analysis", pass)
		}
	}
}

// TestModernLongWords: words too long for the memo get the same analysis.
func TestModernLongWords(t *testing.T) {
	long := strings.Repeat("Ab", modernMemoWord) + "'s"
	in := long + " " + long + " don't"
	want := strings.Join(append(append(modernWords(long), modernWords(long)...), modernWords("don't")...), " ")
	if got := String(modernProfile{}, in); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
