package fasttext

import (
	"bytes"
	"unicode/utf8"

	"github.com/credence-news/credence/internal/pyunicode"
)

// BaselineNorm appends to dst the preprocessing of the fastText rows of
// credence's baselines (ft_norm in ../shared/reference/baselines/baselines.py):
// Python's str.lower(), then each of . ! ? , ' / ( ) " : ; split off as a
// token of its own, then the tokens (split at Python's whitespace) joined by
// single spaces. It is not something fastText does (fastText only splits at
// whitespace bytes; see Tokens) but what the published fastText figures
// were measured on. Invalid UTF-8 is replaced by U+FFFD.
func BaselineNorm(dst, text []byte) []byte {
	if !utf8.Valid(text) {
		text = bytes.ToValidUTF8(text, []byte("\uFFFD"))
	}
	low := pyunicode.AppendLower(nil, text)
	space := false // a separator is pending
	for i := 0; i < len(low); {
		r, n := rune(low[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(low[i:])
		}
		switch {
		case isPySpace(r):
			space = true
		case r < utf8.RuneSelf && isBaselinePunct(byte(r)):
			if len(dst) > 0 && dst[len(dst)-1] != ' ' {
				dst = append(dst, ' ')
			}
			dst = append(dst, byte(r))
			space = true
		default:
			if space && len(dst) > 0 {
				dst = append(dst, ' ')
			}
			space = false
			dst = append(dst, low[i:i+n]...)
		}
		i += n
	}
	return dst
}

func isBaselinePunct(c byte) bool {
	switch c {
	case '.', '!', '?', ',', '\'', '/', '(', ')', '"', ':', ';':
		return true
	}
	return false
}

// isPySpace is Python's str.isspace() (Python 3.11).
func isPySpace(r rune) bool {
	switch {
	case r <= 0x20:
		return r == ' ' || (r >= '\t' && r <= '\r') || (r >= 0x1c && r <= 0x1f)
	case r < 0x85:
		return false
	}
	switch r {
	case 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}
