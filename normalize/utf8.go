package normalize

import "unicode/utf8"

// ValidUTF8 returns b with every byte that is not part of a valid UTF-8
// sequence replaced by U+FFFD, and how many bytes were replaced. Valid input
// is returned as is, without copying.
func ValidUTF8(b []byte) ([]byte, int) {
	if utf8.Valid(b) {
		return b, 0
	}
	out := make([]byte, 0, len(b)+16)
	bad := 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			out = append(out, "\uFFFD"...)
			bad++
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out, bad
}
