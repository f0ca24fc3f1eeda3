package normalize

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/credence-news/credence/internal/pyunicode"
	"github.com/credence-news/credence/normalize/wordnet"
)

// nltkProfile reproduces the research-notebook pipeline byte for byte:
// Python str.lower(), [^\w\s] → space, split, NLTK stopwords, WordNet
// noun lemmatization (shortest candidate), drop tokens under 2 code points.
type nltkProfile struct{}

func (nltkProfile) Name() string { return "nltk" }

// nltkTables hold precomputed final forms ("" = dropped). Only words that
// end in a detachment suffix ("s" or "men") can be changed by WordNet's
// rules; any other word changes only through the exception list. So the
// large table of suffixed words (every lemma and every string one rule turns
// into a lemma) is consulted for a minority of tokens, and the rest need
// only the small exception table, which stays in cache.
type nltkTables struct {
	suffixed *formTable
	other    map[string]string // exception forms without a suffix, when they change
	// otherMay is a one-hash Bloom filter over other's keys (4 KiB, in L1):
	// most words are not exception forms and skip the map lookup.
	otherMay [1 << 15 / 64]uint64
}

func wordHash15(w []byte) uint32 {
	n := len(w)
	h := uint32(n)*0x9E3779B1 ^ uint32(w[0])*0x85EBCA77 ^ uint32(w[n-1])*0xC2B2AE3D ^
		uint32(w[1])*0x27D4EB2F ^ uint32(w[n-2])*0x165667B1
	return h >> 17
}

var nltkTable = sync.OnceValue(buildNLTKTable)

func buildNLTKTable() *nltkTables {
	lem := wordnet.Nouns()
	t := &nltkTables{suffixed: newFormTable(200_000), other: make(map[string]string, 2_000)}
	lem.EachForm(func(w string) {
		out := lem.Lemmatize(w)
		if utf8.RuneCountInString(out) < 2 {
			out = ""
		}
		if hasSuffix([]byte(w)) {
			t.suffixed.put(w, out)
		} else if out != w && len(w) >= 2 { // shorter words never reach the table
			t.other[w] = out
			h := wordHash15([]byte(w))
			t.otherMay[h>>6] |= 1 << (h & 63)
		}
	})
	return t
}

func hasSuffix(w []byte) bool {
	n := len(w)
	return n > 0 && w[n-1] == 's' || n >= 3 && w[n-3] == 'm' && w[n-2] == 'e' && w[n-1] == 'n'
}

// lookupWord returns the final form of a lowercased word and whether it is
// kept. An empty form with keep set means the word is kept unchanged, which
// spares the common case an allocation.
func lookupWord(t *nltkTables, w []byte) (out string, keep bool) {
	if nltkStop.has(w) {
		return "", false
	}
	if !hasSuffix(w) {
		if h := wordHash15(w); t.otherMay[h>>6]&(1<<(h&63)) != 0 {
			if out, ok := t.other[string(w)]; ok {
				return out, out != ""
			}
		}
		return "", utf8.RuneCount(w) >= 2
	}
	if out, ok := t.suffixed.get(w); ok {
		return out, out != ""
	}
	// Not a lemma nor one rule away from one: more rounds may still find one.
	out = wordnet.Nouns().Lemmatize(string(w))
	return out, utf8.RuneCountInString(out) >= 2
}

// memo is a per-goroutine direct-mapped cache of final forms. News text is
// Zipfian: a few thousand words make up most tokens, and answering them from
// a small cache (704 KiB, in L2) beats probing tables that are not in cache.
// Words of up to 8 bytes, most tokens, have slots of 16 bytes, four to a
// cache line; words over 16 bytes bypass the memo.
type memo struct {
	short [1 << 15]shortSlot // words of 2 to 8 bytes
	long  [1 << 13]longSlot  // words of 9 to 16 bytes
	outs  []string           // changed forms; a slot's meta refers to them
}

// A slot's key is the word's bytes, zero padded: no word contains a zero
// byte, so the key alone tells words (and an empty slot, key 0) apart. meta
// packs keep (bit 0) and 1+index into outs of the changed form (bits 8-31;
// 0 = unchanged).
type shortSlot struct {
	k    uint64
	meta uint32
}

type longSlot struct {
	k0, k1 uint64
	meta   uint32
}

// memos is a free list of memos. Unlike a sync.Pool it survives garbage
// collection, so a long run does not refill its caches after every cycle.
var memos = make(chan *memo, 64)

func getMemo() *memo {
	select {
	case m := <-memos:
		return m
	default:
		return new(memo)
	}
}

func putMemo(m *memo) {
	select {
	case memos <- m:
	default: // more memos than the list holds: let this one go
	}
}

func (m *memo) word(t *nltkTables, w []byte) (string, bool) {
	n := len(w)
	if n < 2 {
		return "", false
	}
	if n > 16 {
		return lookupWord(t, w)
	}
	if n <= 8 {
		k, sl := m.shortSlot(w)
		if sl.k == k {
			return m.answer(sl.meta)
		}
		out, keep := lookupWord(t, w)
		*sl = shortSlot{k, m.record(out, keep)}
		return out, keep
	}
	// Load the word 8 bytes at a time: its capacity reaches 16 bytes
	// (see words.wordEnd); bytes past its end are masked off.
	full := w[:16:16]
	k0 := binary.LittleEndian.Uint64(full)
	k1 := binary.LittleEndian.Uint64(full[8:]) & (^uint64(0) >> (128 - 8*n))
	sl := &m.long[((k0^k1*0xC2B2AE3D27D4EB4F)*0x9E3779B97F4A7C15)>>(64-13)]
	if sl.k0 == k0 && sl.k1 == k1 {
		return m.answer(sl.meta)
	}
	out, keep := lookupWord(t, w)
	*sl = longSlot{k0, k1, m.record(out, keep)}
	return out, keep
}

// shortSlot returns the key of a word of 2 to 8 bytes and its memo slot.
// The word's capacity must reach 8 bytes (words.wordEnd guarantees 16).
func (m *memo) shortSlot(w []byte) (uint64, *shortSlot) {
	k := binary.LittleEndian.Uint64(w[:8:8]) & (^uint64(0) >> (64 - 8*len(w)))
	return k, &m.short[(k*0x9E3779B97F4A7C15)>>(64-15)]
}

func (m *memo) answer(meta uint32) (string, bool) {
	if i := meta >> 8; i != 0 {
		return m.outs[i-1], true
	}
	return "", meta&1 != 0
}

// record returns the meta of a word's answer, keeping a changed form.
func (m *memo) record(out string, keep bool) uint32 {
	if !keep {
		return 0
	}
	if out == "" {
		return 1
	}
	if len(m.outs) == 1<<16 { // bounded: start afresh
		*m = memo{outs: m.outs[:0]}
	}
	m.outs = append(m.outs, out)
	return 1 | uint32(len(m.outs))<<8
}

func (nltkProfile) Append(dst, text []byte) []byte {
	t := nltkTable()
	m := getMemo()
	ws := wordsPool.Get().(*words)
	ws.scan(text)
	start := len(dst)
	for pos := ws.skip(0); pos < len(ws.buf); pos = ws.skip(pos) {
		end := ws.wordEnd(pos)
		w := ws.buf[pos : end : end+16]
		pos = end
		// Most tokens are short words the memo knows and keeps unchanged
		// (or drops): answered here, and written with one 8-byte store.
		if n := len(w); n >= 2 && n <= 8 {
			k, sl := m.shortSlot(w)
			if sl.k == k && sl.meta <= 1 {
				// Written whether kept (meta 1) or dropped (meta 0), then
				// counted or not: no branch on which, which a CPU cannot
				// predict (stopwords are ~40% of tokens).
				l := len(dst)
				if cap(dst)-l < 9 {
					dst = slices.Grow(dst, 9+len(text)-end)
				}
				sep := 0
				if l > start {
					sep = 1
				}
				d := dst[l : l+9]
				d[0] = ' '
				binary.LittleEndian.PutUint64(d[sep:], k)
				dst = dst[:l+int(sl.meta)*(sep+n)]
				continue
			}
		}
		out, keep := m.word(t, w)
		if !keep {
			continue
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		if out == "" {
			dst = append(dst, w...)
		} else {
			dst = append(dst, out...)
		}
	}
	wordsPool.Put(ws)
	putMemo(m)
	return dst
}

func (nltkProfile) Tokens(text []byte, fn func(Token)) {
	t := nltkTable()
	m := getMemo()
	defer putMemo(m)
	ws := wordsPool.Get().(*words)
	defer wordsPool.Put(ws)
	ws.scan(text)
	cursor := 0
	for pos := ws.skip(0); pos < len(ws.buf); pos = ws.skip(pos) {
		b0, b1 := pos, ws.wordEnd(pos)
		w := ws.buf[b0 : b1 : b1+16]
		pos = b1
		if out, keep := m.word(t, w); keep {
			if out == "" {
				out = string(w)
			}
			s0, s1 := ws.srcSpan(b0, b1, &cursor)
			fn(Token{Text: out, Start: s0, End: s1})
		}
	}
}

// stopSet is a small open-addressing set for the stopword test, which
// decides about 40% of the tokens of English news: it stays in L1 cache,
// where a lookup in the large table would miss.
type stopSet struct {
	slots [1024]string
}

var nltkStop = func() *stopSet {
	s := &stopSet{}
	for _, w := range NLTKStopwords() {
		i := stopHash([]byte(w))
		for s.slots[i] != "" {
			i = (i + 1) & (len(s.slots) - 1)
		}
		s.slots[i] = w
	}
	return s
}()

func stopHash(w []byte) int {
	h := uint32(len(w))*0x9E3779B1 ^ uint32(w[0])*0x85EBCA77 ^ uint32(w[len(w)-1])*0xC2B2AE3D
	if len(w) > 2 {
		h ^= uint32(w[1]) * 0x27D4EB2F
	}
	return int(h>>16) & 1023
}

func (s *stopSet) has(w []byte) bool {
	for i := stopHash(w); ; i = (i + 1) & 1023 {
		k := s.slots[i]
		if k == "" {
			return false
		}
		if k == string(w) {
			return true
		}
	}
}

// asciiLower maps an ASCII byte to its lowercase form when it is a Python
// word character ([A-Za-z0-9_]) and to 0 otherwise.
var asciiLower = func() (t [utf8.RuneSelf]byte) {
	for c := byte(0); c < utf8.RuneSelf; c++ {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_':
			t[c] = c
		case 'A' <= c && c <= 'Z':
			t[c] = c + 'a' - 'A'
		}
	}
	return t
}()

const (
	swarLow  = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// swarGE marks (0x80) the bytes of x that are >= c; every byte of x must be
// ASCII and c at most 0x80, so that no subtraction borrows across bytes.
func swarGE(x uint64, c byte) uint64 {
	return ((x | swarHigh) - uint64(c)*swarLow) & swarHigh
}

// words is one document lowercased as Python's str.lower() does, with every
// character that is not \w replaced by a 0 byte: the words are the runs of
// non-zero bytes. This is re.sub(r"[^\w\s]", " ", text.lower()).split()
// as one pass over the text, eight ASCII bytes at a time, and a scan for
// zeros, with no intermediate strings. ASCII input maps to buf byte for byte; marks record
// where non-ASCII characters sit, so that token spans can be mapped back to
// the input. A words value is reused across documents through wordsPool.
type words struct {
	buf   []byte
	marks []mark
}

// mark is one non-ASCII character: it became buf[b0:b1] from text[s0:s1].
type mark struct{ b0, b1, s0, s1 int }

var wordsPool = sync.Pool{New: func() any { return new(words) }}

// scan fills ws from text, which must be valid UTF-8. buf ends with a zero
// byte and 16 bytes of padding, so a word's bytes can be loaded 16 at a
// time (pack).
func (ws *words) scan(text []byte) {
	// A lowered character is at most 3 bytes longer than its 2+ byte
	// source ("İ" → "i̇"), so 2× is an upper bound with room to spare.
	need := 2*len(text) + 17
	if cap(ws.buf) < need {
		ws.buf = make([]byte, need)
	}
	buf := ws.buf[:need]
	marks := ws.marks[:0]
	k := 0
	for i := 0; i < len(text); {
		// Eight ASCII bytes at a time where the text has them.
		for i+8 <= len(text) {
			x := binary.LittleEndian.Uint64(text[i:])
			if x&swarHigh != 0 {
				break
			}
			// asciiLower on eight bytes at once (SWAR): uppercase letters
			// gain 0x20, word characters stay, all else becomes 0. Written
			// out here: as a function it is too large for Go to inline.
			folded := x | 0x20*swarLow // A-Z → a-z; no other byte becomes a letter
			letter := swarGE(folded, 'a') &^ swarGE(folded, 'z'+1)
			digit := swarGE(x, '0') &^ swarGE(x, '9'+1)
			y := x ^ '_'*swarLow // zero where x is '_'
			under := ^(y&^swarHigh + ^uint64(swarHigh) | y) & swarHigh
			word := (letter | digit | under) >> 7
			binary.LittleEndian.PutUint64(buf[k:], (x|letter>>2)&(word*0xFF))
			i += 8
			k += 8
		}
		if i >= len(text) {
			break
		}
		if c := text[i]; c < utf8.RuneSelf {
			buf[k] = asciiLower[c]
			k++
			i++
			continue
		}
		r, n := utf8.DecodeRune(text[i:])
		k0 := k
		if l, changed := pyunicode.LowerRuneAt(text, i, n, r); changed {
			// A lowered character can expand to several of different
			// classes: "İ" becomes "i" + U+0307, and the mark splits words.
			for _, lr := range l {
				if pyunicode.IsWord(lr) {
					k += utf8.EncodeRune(buf[k:], lr)
				} else {
					buf[k] = 0
					k++
				}
			}
		} else if pyunicode.IsWord(r) {
			k += copy(buf[k:], text[i:i+n])
		} else {
			buf[k] = 0
			k++
		}
		marks = append(marks, mark{k0, k, i, i + n})
		i += n
	}
	clear(buf[k : k+17])
	ws.buf, ws.marks = buf[:k+1], marks
}

// The words of ws, in order:
//
//	for pos := ws.skip(0); pos < len(ws.buf); pos = ws.skip(pos) {
//		end := ws.wordEnd(pos)
//		w := ws.buf[pos:end : end+16] // capacity for 16-byte loads
//		pos = end
//	}

// skip returns the position of the first non-zero byte at or after from
// (len(ws.buf) if none).
func (ws *words) skip(from int) int {
	buf := ws.buf
	for from < len(buf) && buf[from] == 0 {
		from++
	}
	return from
}

// wordEnd returns the position of the zero byte that ends the word starting
// at from, found 8 bytes at a time (the padding after the final zero makes
// every load safe): x-0x01… & ^x & 0x80… marks the lowest zero byte
// exactly. A word's capacity reaches 16 bytes past its end.
func (ws *words) wordEnd(from int) int {
	full := ws.buf[:cap(ws.buf)]
	for {
		x := binary.LittleEndian.Uint64(full[from:])
		if z := (x - 0x0101010101010101) &^ x & 0x8080808080808080; z != 0 {
			return from + bits.TrailingZeros64(z)>>3
		}
		from += 8
	}
}

// srcSpan maps the word buf[b0:b1] back to its bytes in the input. cursor
// indexes marks and only moves forward as words are visited in order.
func (ws *words) srcSpan(b0, b1 int, cursor *int) (int, int) {
	m := ws.marks
	c := *cursor
	for c < len(m) && m[c].b1 <= b0 {
		c++
	}
	*cursor = c
	// Before mark c (or after all marks) ASCII maps byte for byte.
	var s0 int
	switch {
	case c < len(m) && m[c].b0 <= b0: // starts inside a non-ASCII character
		s0 = m[c].s0
	case c > 0:
		s0 = m[c-1].s1 + b0 - m[c-1].b1
	default:
		s0 = b0
	}
	e := c
	for e < len(m) && m[e].b1 < b1 {
		e++
	}
	var s1 int
	switch {
	case e < len(m) && m[e].b0 < b1: // ends inside a non-ASCII character
		s1 = m[e].s1
	case e > 0:
		s1 = m[e-1].s1 + b1 - m[e-1].b1
	default:
		s1 = b1
	}
	return s0, s1
}
