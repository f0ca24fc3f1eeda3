package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/credence-news/credence/normalize/wordnet"
)

// modernProfile is the profile for new models. It differs from nltk in what
// it keeps, each for a reason a classifier can use:
//
//   - negation: "not", "no", "nor" stay, and n't contractions become "not"
//     ("shouldn't have" → "should not"... → "not"), so "not accepted" is not
//     read as "accepted";
//   - acronyms: all-capital words are not lemmatized ("US" stays "us", "AIDS"
//     stays "aids") and dotted ones are joined ("U.S." → "us");
//   - lemmas: WordNet's first morphy candidate, not NLTK's shortest one
//     ("pass" stays "pass", "boss" stays "boss");
//   - compounds and numbers: "six-year-old", "3.5", "50%" stay one token and
//     "20,000" becomes "20000"; single digits are kept;
//   - clitics: "Mexico's" → "mexico", "they're" → "they" (then a stopword);
//   - Unicode: NFKC (full-width and ligature forms fold), combining accents
//     stay inside their word, and invisible format characters (soft hyphen,
//     zero-width joiners, BOM) do not split words.
type modernProfile struct{}

func (modernProfile) Name() string { return "modern" }

// modernStop is NLTK's list without the negations this profile keeps.
var modernStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range NLTKStopwords() {
		m[w] = true
	}
	for _, w := range []string{"no", "nor", "not"} {
		delete(m, w)
	}
	return m
}()

func (p modernProfile) Append(dst, text []byte) []byte {
	start := len(dst)
	p.Tokens(text, func(t Token) {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = append(dst, t.Text...)
	})
	return dst
}

func (modernProfile) Tokens(text []byte, fn func(Token)) {
	var memo map[string][]string
	select {
	case memo = <-modernMemos:
	default:
		memo = make(map[string][]string, 1024)
	}
	defer func() {
		select {
		case modernMemos <- memo:
		default: // more memos than the list holds: let this one go
		}
	}()
	scanModernWords(text, func(raw []byte, start, end int) {
		if len(raw) > modernMemoWord { // rare, and must not pin big strings
			for _, w := range modernWords(string(raw)) {
				fn(Token{Text: w, Start: start, End: end})
			}
			return
		}
		ws, ok := memo[string(raw)]
		if !ok {
			key := string(raw)
			ws = modernWords(key)
			if len(memo) >= modernMemoSize {
				clear(memo)
			}
			memo[key] = ws
		}
		for _, w := range ws {
			fn(Token{Text: w, Start: start, End: end})
		}
	})
}

// modernMemos is a free list (like nltk's memos: it survives garbage
// collection) of memos of modernWords by raw word: text repeats its words,
// and their analysis (case, NFKC, stopwords, WordNet) is a pure function of
// the raw word. A memo is in one goroutine's hands at a time and is emptied
// when full; longer words bypass it.
var modernMemos = make(chan map[string][]string, 64)

// A memo holds up to modernMemoSize words of up to modernMemoWord bytes.
const modernMemoSize, modernMemoWord = 1 << 15, 64

// unifyPunct maps apostrophe and hyphen variants to ASCII.
var unifyPunct = strings.NewReplacer("’", "'", "ʼ", "'", "‐", "-", "‑", "-")

// modernWords turns one raw word (joiners included) into its output tokens:
// usually one, two for a negative contraction ("don't" → "do"... "not"),
// none for a stopword.
func modernWords(raw string) []string {
	if !isASCII(raw) {
		raw = unifyPunct.Replace(raw)
	}
	acronym := isAcronym(raw)
	if acronym {
		raw = strings.ReplaceAll(raw, ".", "")
	}
	if strings.IndexByte(raw, ',') >= 0 {
		raw = strings.ReplaceAll(raw, ",", "") // 20,000 → 20000 (commas only survive between digits)
	}
	if !isASCII(raw) {
		// Compatibility forms can decompose into separators ("ﱞ" → " ٌّ",
		// "⑴" → "(1)"): only word characters and joiners stay in a word.
		raw = strings.Map(func(r rune) rune {
			if isWordRune(r) || strings.ContainsRune("'-.,%", r) {
				return r
			}
			return -1
		}, norm.NFKC.String(raw))
	}
	w := lowerFinalSigma(strings.ToLower(raw))
	var out []string
	if i := strings.Index(w, "n't"); i > 0 && i == len(w)-3 {
		base := w[:i]
		switch base {
		case "ca":
			base = "can"
		case "wo":
			base = "will"
		case "sha":
			base = "shall"
		case "ai":
			base = ""
		}
		if base != "" && !modernStop[base] {
			out = append(out, base)
		}
		return append(out, "not")
	}
	if i := strings.LastIndexByte(w, '\''); i > 0 {
		switch w[i+1:] {
		case "s", "re", "ve", "ll", "d", "m":
			w = w[:i]
		}
	}
	if modernStop[w] {
		return nil
	}
	if !acronym && isLowerLetters(w) {
		w = wordnet.Nouns().Morphy(w)
	}
	if n := utf8.RuneCountInString(w); n == 0 || n == 1 && !isDigit(w[0]) {
		return nil
	}
	return append(out, w)
}

// scanModernWords calls fn with each raw word of text, in a buffer it
// reuses: runs of letters, digits and marks, joined across an apostrophe
// between letters, a hyphen between letters or digits, a dot or comma
// between digits, the dots of a dotted acronym ("U.S."), and a percent sign
// after a digit. Format characters are skipped; anything else separates
// words.
func scanModernWords(text []byte, fn func(raw []byte, start, end int)) {
	var b []byte // the word so far; fn must not keep it
	start := -1
	var prev rune // last rune added to the word
	// A dotted acronym so far: single letters separated by dots. Tracked as
	// we go so that a long run of dots costs linear time.
	dotted, seg := true, 0
	emit := func(end int) {
		if start >= 0 {
			fn(b, start, end)
			b = b[:0]
			start, prev, dotted, seg = -1, 0, true, 0
		}
	}
	for i := 0; i < len(text); {
		r, n := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(text[i:])
		}
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
			b = utf8.AppendRune(b, r)
			prev = r
			seg++
			dotted = dotted && unicode.IsLetter(r)
		case start >= 0 && joins(prev, r, text[i+n:], dotted && seg == 1):
			b = utf8.AppendRune(b, r)
			prev = r
			if r == '.' && dotted {
				seg = 0
			} else {
				dotted = false
			}
			if r == '%' {
				emit(i + n)
			}
		case r == '\u00AD' || r == '\u200C' || r == '\u200D' || r == '\u2060' || r == '\uFEFF':
			// invisible: neither part of the word nor a break
		default:
			emit(i)
		}
		i += n
	}
	emit(len(text))
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// asciiWord answers isWordRune for ASCII, the text's usual case.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for r := range rune(utf8.RuneSelf) {
		t[r] = unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
	}
	return t
}()

// joins reports whether r, between prev (the word's last rune) and the rest
// of the text, belongs to the word. acronym says the word so far is a dotted
// acronym ending in a single letter.
func joins(prev, r rune, rest []byte, acronym bool) bool {
	next, n := utf8.DecodeRune(rest)
	switch r {
	case '\'', '’', 'ʼ':
		return unicode.IsLetter(prev) && unicode.IsLetter(next)
	case '-', '‐', '‑':
		return isWordRune(prev) && !unicode.IsMark(prev) && isWordRune(next) && !unicode.IsMark(next)
	case ',':
		return unicode.IsDigit(prev) && unicode.IsDigit(next)
	case '.':
		if unicode.IsDigit(prev) && unicode.IsDigit(next) {
			return true
		}
		// Dotted acronym: single letters separated by dots ("U.S.", "e.g.").
		after, _ := utf8.DecodeRune(rest[n:])
		return acronym && unicode.IsLetter(next) && !isWordRune(after)
	case '%':
		return unicode.IsDigit(prev)
	}
	return false
}

// isDotted reports whether word is single letters separated by dots.
func isDotted(word string) bool {
	for _, part := range strings.Split(word, ".") {
		r, n := utf8.DecodeRuneInString(part)
		if n == 0 || n != len(part) || !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// isAcronym reports an all-capital word of 2+ letters ("US", "NATO") or a
// dotted acronym ("U.S.", "e.g.").
func isAcronym(w string) bool {
	if strings.Contains(w, ".") && isDotted(w) {
		return true
	}
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

// lowerFinalSigma turns a word-final σ into ς, as Unicode's lowercase
// mapping does and strings.ToLower does not.
func lowerFinalSigma(w string) string {
	if strings.HasSuffix(w, "σ") && utf8.RuneCountInString(w) > 1 {
		return w[:len(w)-len("σ")] + "ς"
	}
	return w
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isLowerLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
