package normalize

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/credence-news/credence/internal/pyunicode"
)

var nltkStopSet = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range NLTKStopwords() {
		m[w] = true
	}
	return m
}()

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "The U.S. customs", "İΣΑΣ ΟΔΟΣ", "don't 20,000 six-year-old", "a\x00b\xffc", "sssssses", "e\u0301\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				panic(fmt.Sprintf("slow input %q", s))
			}
		}()
		in, _ := ValidUTF8([]byte(s))
		// plain, the word finder alone, against the definition: lowercase,
		// split at every non-\w character, keep words of 2+ characters.
		var want []string
		for _, w := range strings.FieldsFunc(string(pyunicode.AppendLower(nil, in)), func(r rune) bool { return !pyunicode.IsWord(r) }) {
			if utf8.RuneCountInString(w) >= 2 {
				want = append(want, w)
			}
		}
		if got := String(plainProfile{}, string(in)); got != strings.Join(want, " ") {
			t.Fatalf("plain: %q from %q, want %q", got, s, want)
		}
		for _, name := range Names() {
			p, _ := Lookup(name)
			out := string(p.Append(nil, in))
			if !utf8.ValidString(out) {
				t.Fatalf("%s: invalid UTF-8 out of %q", name, s)
			}
			var toks []string
			p.Tokens(in, func(tk Token) {
				toks = append(toks, tk.Text)
				if tk.Start < 0 || tk.End > len(in) || tk.Start > tk.End {
					t.Fatalf("%s: bad span %+v for %q", name, tk, s)
				}
				if name != "nltk" {
					return
				}
				if utf8.RuneCountInString(tk.Text) < 2 {
					t.Fatalf("nltk: token %q shorter than 2 from %q", tk.Text, s)
				}
				// Stopwords are removed before lemmatization, so one may only
				// appear as the lemma of another word ("wills" → "will").
				src := string(pyunicode.AppendLower(nil, in[tk.Start:tk.End]))
				if nltkStopSet[tk.Text] && src == tk.Text {
					t.Fatalf("nltk: stopword %q left in output of %q", tk.Text, s)
				}
			})
			if strings.Join(toks, " ") != out {
				t.Fatalf("%s: Tokens %q disagree with Append %q", name, toks, out)
			}
			for _, tok := range toks {
				if tok == "" || strings.ContainsAny(tok, " \t\n") {
					t.Fatalf("%s: bad token %q from %q", name, tok, s)
				}
			}
		}
	})
}
