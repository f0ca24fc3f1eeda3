package audit

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/normalize"
)

// The two views of a text that n-grams are counted on.
const (
	ViewNLTK = "nltk" // the nltk profile: lowercased, punctuation gone, stopwords dropped, lemmatized
	ViewRaw  = "raw"  // lowercased whitespace tokens, punctuation kept; only n-grams with a punctuation-bearing token
)

// NGram is a word n-gram found (nearly) only in one class.
type NGram struct {
	Text     string         `json:"ngram"`
	View     string         `json:"view"`
	Class    string         `json:"class"`
	Support  map[string]int `json:"support"`  // documents containing it, per class
	Purity   float64        `json:"purity"`   // share of those documents in Class
	Coverage float64        `json:"coverage"` // share of Class's documents containing it
	Score    float64        `json:"score"`    // support × log-odds lift over the class prior
	// Boilerplate marks n-grams that look like page furniture, a dateline or
	// an outlet name rather than content; Why says which heuristics fired.
	Boilerplate bool     `json:"boilerplate"`
	Why         []string `json:"why,omitempty"`
	AtStart     float64  `json:"at_start"` // share of long documents where it occurs in the first 25 tokens
	AtEnd       float64  `json:"at_end"`   // … in the last 10 tokens
	Example     string   `json:"example"`
	ExampleAt   string   `json:"example_at"` // file:line
	Severity    Severity `json:"severity"`

	hash uint64
}

// span is one token of a view and its bytes in the source text.
type span struct {
	text       string
	start, end int
	h          uint64
	punct      bool // has a character that is not a letter or digit
}

// tokenizer produces the tokens of one view.
type tokenizer struct {
	view string
	prof normalize.Profile
}

func (tz tokenizer) tokens(text string, buf []span) []span {
	buf = buf[:0]
	if tz.view == ViewNLTK {
		tz.prof.Tokens([]byte(text), func(t normalize.Token) {
			buf = append(buf, span{text: t.Text, start: t.Start, end: t.End, h: xxhash.Sum64String(t.Text)})
		})
		return buf
	}
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(text[start:end])
		p := false
		for _, r := range w {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				p = true
				break
			}
		}
		buf = append(buf, span{text: w, start: start, end: end, h: xxhash.Sum64String(w), punct: p})
		start = -1
	}
	for i, r := range text {
		if unicode.IsSpace(r) {
			flush(i)
		} else if start < 0 {
			start = i
		}
	}
	flush(len(text))
	return buf
}

const maxOrder = 3

func gramHash(view string, toks []span) uint64 {
	h := uint64(len(toks))*0x9E3779B97F4A7C15 ^ uint64(view[0])
	for _, t := range toks {
		h ^= t.h + 0x9E3779B97F4A7C15 + h<<6 + h>>2
		h *= 0xBF58476D1CE4E5B9
	}
	return h
}

// occ is where a gram occurs in one document.
type occ struct {
	first, last int32 // token index of the first and last occurrence
	n           int8
}

// eachGram calls fn once per distinct n-gram of one document's view.
func eachGram(view string, toks []span, seen map[uint64]occ, fn func(h uint64, o occ)) {
	clear(seen)
	for i := range toks {
		for n := 1; n <= maxOrder && i+n <= len(toks); n++ {
			g := toks[i : i+n]
			if view == ViewRaw {
				p := false
				for _, t := range g {
					p = p || t.punct
				}
				if !p {
					continue
				}
			}
			h := gramHash(view, g)
			if o, ok := seen[h]; ok {
				o.last = int32(i)
				seen[h] = o
			} else {
				seen[h] = occ{first: int32(i), last: int32(i), n: int8(n)}
			}
		}
	}
	for h, o := range seen {
		fn(h, o)
	}
}

type gramStat struct {
	counts           []int32
	long, start, end int32 // long documents; of them, at the start / end
	caps             int32 // occurrences written in capitals (all-caps words)
	exDoc            int32
	exStart, exEnd   int32
	name             string
	view             string
}

// posWindow is how close to either end of a document counts as "at the
// start/end" (room for a title before a dateline); positions count only
// in documents of longDoc+ tokens.
const (
	posWindow = 25
	longDoc   = 75
)

func minSupport(opt Options, classDocs int) int {
	if opt.MinSupport > 0 {
		return opt.MinSupport
	}
	return max(10, int(math.Ceil(0.01*float64(classDocs))))
}

// nearPureNGrams finds the n-grams that (nearly) only one class uses, in
// two passes over the corpus: the first counts document frequencies in
// hashed buckets, the second counts exactly, per class, only the n-grams
// whose bucket reaches the support threshold (so memory stays bounded by
// the frequent n-grams, not all of them).
func nearPureNGrams(docs []corpus.Document, y []int, labels []string, opt Options) ([]NGram, map[string]int) {
	k := len(labels)
	classDocs := make([]int, k)
	for _, c := range y {
		classDocs[c]++
	}
	minSup := math.MaxInt
	for _, n := range classDocs {
		minSup = min(minSup, minSupport(opt, n))
	}
	nltk, _ := normalize.Lookup("nltk")
	views := []tokenizer{{view: ViewNLTK, prof: nltk}, {view: ViewRaw}}
	texts := make([]string, len(docs))
	var bytes int
	for i, d := range docs {
		b, _ := normalize.ValidUTF8([]byte(d.Text))
		texts[i] = string(b)
		bytes += len(b)
	}
	nb := 1 << 16
	for nb < bytes && nb < 1<<25 {
		nb <<= 1
	}
	buckets := make([]uint32, nb)
	mask := uint64(nb - 1)

	workers := max(1, min(opt.Workers, len(docs)))
	chunk := func(w int) (int, int) { return w * len(docs) / workers, (w + 1) * len(docs) / workers }
	run := func(fn func(w, lo, hi int)) {
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := chunk(w)
			wg.Add(1)
			go func() { defer wg.Done(); fn(w, lo, hi) }()
		}
		wg.Wait()
	}
	// Pass 1: hashed document frequencies.
	run(func(_, lo, hi int) {
		var toks []span
		seen := map[uint64]occ{}
		for i := lo; i < hi; i++ {
			for _, tz := range views {
				toks = tz.tokens(texts[i], toks)
				eachGram(tz.view, toks, seen, func(h uint64, _ occ) { atomic.AddUint32(&buckets[h&mask], 1) })
			}
		}
	})
	// Pass 2: exact per-class counts of the candidates.
	parts := make([]map[uint64]*gramStat, workers)
	run(func(w, lo, hi int) {
		stats := map[uint64]*gramStat{}
		var toks []span
		seen := map[uint64]occ{}
		for i := lo; i < hi; i++ {
			for _, tz := range views {
				toks = tz.tokens(texts[i], toks)
				eachGram(tz.view, toks, seen, func(h uint64, o occ) {
					if int(buckets[h&mask]) < minSup {
						return
					}
					s := stats[h]
					if s == nil {
						g := toks[o.first : int(o.first)+int(o.n)]
						parts := make([]string, len(g))
						for j, t := range g {
							parts[j] = t.text
						}
						s = &gramStat{counts: make([]int32, k), exDoc: int32(i), exStart: int32(g[0].start), exEnd: int32(g[len(g)-1].end),
							name: strings.Join(parts, " "), view: tz.view}
						stats[h] = s
					}
					s.counts[y[i]]++
					if len(toks) >= longDoc {
						s.long++
						if o.first < posWindow {
							s.start++
						}
						if int(o.last)+int(o.n) > len(toks)-posWindow {
							s.end++
						}
					}
					if src := texts[i][toks[o.first].start:toks[o.first].end]; allCaps(src) {
						s.caps++
					}
				})
			}
		}
		parts[w] = stats
	})
	stats := parts[0]
	for _, p := range parts[1:] {
		for h, s := range p {
			t := stats[h]
			if t == nil {
				stats[h] = s
				continue
			}
			for c := range t.counts {
				t.counts[c] += s.counts[c]
			}
			t.long, t.start, t.end, t.caps = t.long+s.long, t.start+s.start, t.end+s.end, t.caps+s.caps
			// parts are in document order: t's example comes first
		}
	}

	n := float64(len(docs))
	var cands []NGram
	for h, s := range stats {
		df := int32(0)
		best := 0
		for c, v := range s.counts {
			df += v
			if v > s.counts[best] {
				best = c
			}
		}
		sup := int(s.counts[best])
		if sup < minSupport(opt, classDocs[best]) {
			continue
		}
		prior := float64(classDocs[best]) / n
		purity := float64(sup) / float64(df)
		if purity < max(opt.Purity, (1+prior)/2) {
			continue
		}
		p := (float64(sup) + 0.5) / (float64(df) + 1)
		lift := math.Log(p/(1-p)) - math.Log(prior/(1-prior))
		g := NGram{Text: s.name, View: s.view, Class: labels[best], Support: map[string]int{}, Purity: purity,
			Coverage: float64(sup) / float64(classDocs[best]), Score: float64(sup) * lift, hash: h}
		for c, v := range s.counts {
			g.Support[labels[c]] = int(v)
		}
		if s.long >= 5 {
			g.AtStart, g.AtEnd = float64(s.start)/float64(s.long), float64(s.end)/float64(s.long)
		}
		d := docs[s.exDoc]
		g.Example = snippet(texts[s.exDoc], int(s.exStart), int(s.exEnd))
		g.ExampleAt = fmt.Sprintf("%s:%d", filepath.Base(d.File), d.Line)
		g.Why = boilerplateReasons(g, float64(s.caps)/float64(df))
		g.Boilerplate = len(g.Why) > 0
		cands = append(cands, g)
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].Score != cands[j].Score {
			return cands[i].Score > cands[j].Score
		}
		return cands[i].Text < cands[j].Text
	})
	var out []NGram
	for _, g := range cands {
		if len(out) == opt.TopN {
			break
		}
		if redundant(g, out) {
			continue
		}
		g.Severity = ngramSeverity(g)
		out = append(out, g)
	}

	// Pass 3: documents per class containing any reported n-gram.
	flagged := map[uint64]bool{}
	for _, g := range out {
		flagged[g.hash] = true
	}
	hits := make([][]int, workers)
	run(func(w, lo, hi int) {
		hits[w] = make([]int, k)
		var toks []span
		seen := map[uint64]occ{}
		for i := lo; i < hi; i++ {
			hit := false
			for _, tz := range views {
				toks = tz.tokens(texts[i], toks)
				eachGram(tz.view, toks, seen, func(h uint64, _ occ) { hit = hit || flagged[h] })
			}
			if hit {
				hits[w][y[i]]++
			}
		}
	})
	coverage := map[string]int{}
	for c, l := range labels {
		for w := range hits {
			coverage[l] += hits[w][c]
		}
	}
	return out, coverage
}

func allCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			letters++
		}
	}
	return letters >= 2
}

// boilerplateWords are tokens of page furniture, datelines and credits.
var boilerplateWords = map[string]bool{
	"reuters": true, "ap": true, "afp": true, "upi": true, "via": true, "share": true, "shares": true, "photo": true,
	"photos": true, "image": true, "images": true, "getty": true, "click": true, "advertisement": true, "subscribe": true,
	"newsletter": true, "copyright": true, "©": true, "reserved": true, "twitter": true, "facebook": true, "email": true,
	"print": true, "comments": true, "caption": true, "credit": true, "highlights": true, "reporting": true,
	"editing": true, "contributed": true, "tags": true, "posted": true, "http": true, "https": true, "www": true,
	"com": true, "pic": true, "|": true, "advertising": true, "sponsored": true, "cookies": true, "javascript": true,
}

func boilerplateReasons(g NGram, caps float64) []string {
	var why []string
	for _, t := range strings.Fields(g.Text) {
		core := strings.TrimFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '|' && r != '©' })
		switch {
		case boilerplateWords[core]:
			why = append(why, fmt.Sprintf("boilerplate word %q", core))
		case strings.Contains(t, "http") || strings.Contains(t, "www.") || strings.Contains(t, ".com"):
			why = append(why, "link")
		case strings.HasPrefix(t, "@"):
			why = append(why, "handle")
		}
	}
	if g.AtStart >= 0.5 {
		why = append(why, fmt.Sprintf("at the start of %.0f%% of long documents", 100*g.AtStart))
	}
	if g.AtEnd >= 0.5 {
		why = append(why, fmt.Sprintf("at the end of %.0f%% of long documents", 100*g.AtEnd))
	}
	if caps >= 0.8 {
		why = append(why, "written in capitals (dateline or outlet name?)")
	}
	return dedupe(why)
}

func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func ngramSeverity(g NGram) Severity {
	switch {
	case g.Boilerplate && g.Coverage >= 0.05, g.Coverage >= 0.2:
		return High
	case g.Boilerplate, g.Coverage >= 0.05:
		return Medium
	}
	return Low
}

// key is an n-gram's letters and digits only (other characters split
// words), for comparing the views: "radaronline.com" and "radaronline com".
func key(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return " " + strings.Join(parts, " ") + " "
}

// redundant reports whether g says nothing new over an n-gram already
// kept for the same class: g contains it (so g's documents are nearly a
// subset of its documents), or g is contained in it with similar support.
func redundant(g NGram, kept []NGram) bool {
	kg := key(g.Text)
	for _, o := range kept {
		if o.Class != g.Class {
			continue
		}
		ko := key(o.Text)
		if strings.Contains(kg, ko) {
			return true
		}
		if !strings.Contains(ko, kg) {
			continue
		}
		a, b := float64(g.Support[g.Class]), float64(o.Support[o.Class])
		if min(a, b)/max(a, b) >= 0.7 {
			return true
		}
	}
	return false
}

// snippet returns the text around [start, end) with the match in «».
func snippet(text string, start, end int) string {
	lo, hi := max(0, start-50), min(len(text), end+50)
	for lo > 0 && !utf8.RuneStart(text[lo]) {
		lo--
	}
	for hi < len(text) && !utf8.RuneStart(text[hi]) {
		hi++
	}
	s := text[lo:start] + "«" + text[start:end] + "»" + text[end:hi]
	s = strings.Join(strings.Fields(s), " ")
	if lo > 0 {
		s = "…" + s
	}
	if hi < len(text) {
		s += "…"
	}
	return s
}

// ngramFindings turns the reported n-grams into findings: one per n-gram
// of medium or high severity, the low ones (topical vocabulary, mostly)
// folded into one, and one for what they cover together.
func (r *Report) ngramFindings() []Finding {
	var out []Finding
	var low []NGram
	for _, g := range r.NGrams {
		if g.Severity == Low {
			low = append(low, g)
			continue
		}
		kind := "near-pure n-gram"
		if g.Boilerplate {
			kind = "boilerplate n-gram"
		}
		f := Finding{Kind: KindNGram, Severity: g.Severity,
			Title:    fmt.Sprintf("%s %q (%s view) marks %s: %s", kind, g.Text, g.View, g.Class, supportString(g.Support, r.Labels)),
			Evidence: fmt.Sprintf("in %.1f%% of %s documents, %.1f%% of its documents are %s", 100*g.Coverage, g.Class, 100*g.Purity, g.Class),
			Numbers:  map[string]float64{"coverage": g.Coverage, "purity": g.Purity, "score": g.Score},
			Examples: []string{g.ExampleAt + ": " + g.Example}}
		if len(g.Why) > 0 {
			f.Evidence += "; " + strings.Join(g.Why, ", ")
		}
		out = append(out, f)
	}
	if len(low) > 0 {
		var ex []string
		for _, g := range low[:min(8, len(low))] {
			ex = append(ex, fmt.Sprintf("%q → %s (%s)", g.Text, g.Class, supportString(g.Support, r.Labels)))
		}
		out = append(out, Finding{Kind: KindNGram, Severity: Low,
			Title:    fmt.Sprintf("%d more near-pure n-grams, each in under 5%% of its class (mostly topical vocabulary)", len(low)),
			Evidence: "class-pure words a model will lean on; check whether they are topic (fine) or collection artefacts (not)",
			Numbers:  map[string]float64{"count": float64(len(low))}, Examples: ex})
	}
	if len(r.NGrams) > 0 {
		sev := Low
		var parts []string
		worst := 0.0
		for _, l := range r.Labels {
			share := float64(r.Coverage[l]) / float64(max(1, r.ClassCounts[l]))
			parts = append(parts, fmt.Sprintf("%s %d of %d (%.1f%%)", l, r.Coverage[l], r.ClassCounts[l], 100*share))
			worst = max(worst, share)
		}
		hasHigh := false
		for _, g := range r.NGrams {
			hasHigh = hasHigh || g.Severity == High
		}
		if hasHigh && worst >= 0.2 {
			sev = High
		} else if worst >= 0.1 {
			sev = Medium
		}
		nums := map[string]float64{}
		for _, l := range r.Labels {
			nums["docs_"+l] = float64(r.Coverage[l])
		}
		out = append(out, Finding{Kind: KindNGramSummary, Severity: sev,
			Title:    fmt.Sprintf("documents containing any of the %d reported n-grams: %s", len(r.NGrams), strings.Join(parts, ", ")),
			Evidence: "a class that many of its documents can be recognised by a handful of class-pure n-grams invites a shortcut",
			Numbers:  nums})
	}
	return out
}

func supportString(s map[string]int, labels []string) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = fmt.Sprintf("%s %d", l, s[l])
	}
	return strings.Join(parts, ", ")
}
