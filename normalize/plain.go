package normalize

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"
)

// plainProfile is scikit-learn's default analyzer: Python lowercasing, words
// of two or more \w characters, nothing removed or lemmatized. Stopwords
// and inflections carry style, which is much of what separates fabricated
// from genuine writing (pronouns, hedges, tense), so this profile keeps them.
type plainProfile struct{}

func (plainProfile) Name() string { return "plain" }

func (plainProfile) Append(dst, text []byte) []byte {
	ws := wordsPool.Get().(*words)
	defer wordsPool.Put(ws)
	ws.scan(text)
	start := len(dst)
	for pos := ws.skip(0); pos < len(ws.buf); pos = ws.skip(pos) {
		end := ws.wordEnd(pos)
		w := ws.buf[pos : end : end+16]
		pos = end
		// An ASCII word of up to 8 bytes (most words): one 8-byte store,
		// kept (counted) when it has 2+ characters, with no branch on that.
		// nltkProfile.Append has the same store; shared as a function it
		// is over Go's inlining budget and measured 4-7% slower in both.
		if n := len(w); n <= 8 {
			k := binary.LittleEndian.Uint64(w[:8]) & (^uint64(0) >> (64 - 8*n))
			if k&swarHigh == 0 {
				l := len(dst)
				if cap(dst)-l < 9 {
					dst = slices.Grow(dst, 9+len(text)-end)
				}
				sep, keep := 0, 0
				if l > start {
					sep = 1
				}
				if n >= 2 {
					keep = 1
				}
				d := dst[l : l+9]
				d[0] = ' '
				binary.LittleEndian.PutUint64(d[sep:], k)
				dst = dst[:l+keep*(sep+n)]
				continue
			}
		}
		if len(w) < 2 || len(w) < 5 && utf8.RuneCount(w) < 2 {
			continue
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = append(dst, w...)
	}
	return dst
}

func (plainProfile) Tokens(text []byte, fn func(Token)) {
	ws := wordsPool.Get().(*words)
	defer wordsPool.Put(ws)
	ws.scan(text)
	cursor := 0
	for pos := ws.skip(0); pos < len(ws.buf); pos = ws.skip(pos) {
		b0, b1 := pos, ws.wordEnd(pos)
		w := ws.buf[b0:b1]
		pos = b1
		if len(w) < 2 || len(w) < 5 && utf8.RuneCount(w) < 2 {
			continue
		}
		s0, s1 := ws.srcSpan(b0, b1, &cursor)
		fn(Token{Text: string(w), Start: s0, End: s1})
	}
}
