package normalize

import "unicode/utf8"

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
		w := ws.buf[pos:ws.wordEnd(pos)]
		pos += len(w)
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
