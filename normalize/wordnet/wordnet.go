// Package wordnet holds the WordNet 3.0 noun data that lemmatization needs,
// embedded in the binary, and the "morphy" algorithm as NLTK 3.8 applies it.
//
// The table is generated from Debian's wordnet-base package by ./gen (see
// LICENSE-WordNet in this directory); users need no WordNet install.
// Nouns returns a shared, immutable Lemmatizer that is safe for concurrent use.
package wordnet

//go:generate go run ./gen -o nouns.txt.gz

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
)

//go:embed nouns.txt.gz
var nounsGz []byte

// Lemmatizer answers noun lemma queries against WordNet 3.0.
type Lemmatizer struct {
	lemmas map[string]struct{}
	exc    map[string][]string
	maxLen int // longest lemma in bytes: longer strings cannot match
}

var nouns = sync.OnceValue(func() *Lemmatizer {
	l, err := parse(nounsGz)
	if err != nil {
		panic("wordnet: embedded table is corrupt: " + err.Error()) // a build defect, not input
	}
	return l
})

// Nouns returns the lemmatizer for WordNet 3.0 nouns, loading it on first use.
func Nouns() *Lemmatizer { return nouns() }

func parse(gz []byte) (*Lemmatizer, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	text := string(raw) // one allocation; every key below is a substring of it
	lemmaPart, excPart, ok := strings.Cut(text, "%%\n")
	if !ok {
		return nil, fmt.Errorf("no %%%% separator")
	}
	l := &Lemmatizer{
		lemmas: make(map[string]struct{}, strings.Count(lemmaPart, "\n")),
		exc:    make(map[string][]string, strings.Count(excPart, "\n")),
	}
	for _, k := range strings.Split(strings.TrimSuffix(lemmaPart, "\n"), "\n") {
		l.lemmas[k] = struct{}{}
		l.maxLen = max(l.maxLen, len(k))
	}
	for _, line := range strings.Split(strings.TrimSuffix(excPart, "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			return nil, fmt.Errorf("bad exception line %q", line)
		}
		l.exc[f[0]] = f[1:]
	}
	return l, nil
}

// Len reports the number of noun lemmas and exception entries.
func (l *Lemmatizer) Len() (lemmas, exceptions int) { return len(l.lemmas), len(l.exc) }

// IsLemma reports whether s is a noun lemma.
func (l *Lemmatizer) IsLemma(s string) bool {
	_, ok := l.lemmas[s]
	return ok
}

// Lemmatize returns what NLTK's WordNetLemmatizer().lemmatize(w) returns
// (pos 'n'): the shortest morphy candidate, the earliest on a tie, or w
// itself when there is none. So "pass" becomes "pas" and "us" becomes "u".
func (l *Lemmatizer) Lemmatize(w string) string {
	best := w
	bestLen := -1
	l.candidates(w, func(c string) {
		if n := runeLen(c); bestLen < 0 || n < bestLen {
			best, bestLen = c, n
		}
	})
	return best
}

// Morphy returns WordNet's own answer: the first candidate, or w itself.
// Unlike Lemmatize it keeps "pass", "us" and "boss" as they are.
func (l *Lemmatizer) Morphy(w string) string {
	first := ""
	l.candidates(w, func(c string) {
		if first == "" {
			first = c
		}
	})
	if first == "" {
		return w
	}
	return first
}

// Candidates returns morphy's candidate list for w in order.
func (l *Lemmatizer) Candidates(w string) []string {
	var out []string
	l.candidates(w, func(c string) { out = append(out, c) })
	return out
}

var rules = [...]struct{ suffix, repl string }{
	{"s", ""}, {"ses", "s"}, {"ves", "f"}, {"xes", "x"}, {"zes", "z"},
	{"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"},
}

// form is the string base[:n] + tail. Rules only rewrite the end of a word,
// so a form never needs copying the (possibly huge) prefix.
type form struct {
	n    int
	tail string
}

func (f form) len() int { return f.n + len(f.tail) }

func (f form) hasSuffix(base, suf string) bool {
	if len(suf) > f.len() {
		return false
	}
	if len(suf) <= len(f.tail) {
		return strings.HasSuffix(f.tail, suf)
	}
	k := len(suf) - len(f.tail)
	return suf[k:] == f.tail && base[f.n-k:f.n] == suf[:k]
}

// strip removes k bytes from the end and appends repl.
func (f form) strip(k int, repl string) form {
	if k <= len(f.tail) {
		return form{f.n, f.tail[:len(f.tail)-k] + repl}
	}
	return form{f.n - (k - len(f.tail)), repl}
}

func (f form) string(base string) string {
	if f.tail == "" {
		return base[:f.n]
	}
	return base[:f.n] + f.tail
}

// candidates calls fn with morphy's candidates for w in order, without
// duplicates (NLTK's _morphy followed by its filter).
func (l *Lemmatizer) candidates(w string, fn func(string)) {
	var seen []string // few candidates: a slice beats a map
	emitted := false
	filter := func(forms []form) {
		for _, f := range forms {
			if f.len() > l.maxLen {
				continue
			}
			s := f.string(w)
			if _, ok := l.lemmas[s]; !ok {
				continue
			}
			dup := false
			for _, x := range seen {
				dup = dup || x == s
			}
			if !dup {
				seen = append(seen, s)
				emitted = true
				fn(s)
			}
		}
	}
	if exc, ok := l.exc[w]; ok {
		filter([]form{{len(w), ""}})
		for _, e := range exc {
			if _, ok := l.lemmas[e]; ok && !contains(seen, e) {
				seen = append(seen, e)
				fn(e)
			}
		}
		return
	}
	apply := func(in []form) []form {
		var out []form
		for _, f := range in {
			for _, r := range rules {
				if f.hasSuffix(w, r.suffix) {
					out = append(out, f.strip(len(r.suffix), r.repl))
				}
			}
		}
		return out
	}
	forms := apply([]form{{len(w), ""}})
	filter(append([]form{{len(w), ""}}, forms...))
	for !emitted && len(forms) > 0 {
		forms = apply(forms)
		filter(forms)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func runeLen(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

// EachForm calls fn for every string whose lemmatization the noun data
// decides in one step: every lemma, every exception form, and every string
// one detachment rule turns into a lemma. Callers use it to precompute a
// lookup table; fn may see a string more than once.
func (l *Lemmatizer) EachForm(fn func(string)) {
	for k := range l.lemmas {
		fn(k)
		for _, r := range rules {
			if strings.HasSuffix(k, r.repl) {
				fn(k[:len(k)-len(r.repl)] + r.suffix)
			}
		}
	}
	for k := range l.exc {
		fn(k)
	}
}
