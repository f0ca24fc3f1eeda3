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
	for pos := 0; ; {
		w, _, end, ok := ws.next(pos)
		if !ok {
			break
		}
		pos = end
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
	for pos := 0; ; {
		w, b0, b1, ok := ws.next(pos)
		if !ok {
			break
		}
		pos = b1
		if len(w) < 2 || len(w) < 5 && utf8.RuneCount(w) < 2 {
			continue
		}
		s0, s1 := ws.srcSpan(b0, b1, &cursor)
		fn(Token{Text: string(w), Start: s0, End: s1})
	}
}
