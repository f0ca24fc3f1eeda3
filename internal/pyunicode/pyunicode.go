// Package pyunicode answers the character questions that Python 3's
// str.lower() and re's \w answer, for the Unicode version of the Python that
// produced the research corpora (see UnicodeVersion). The tables are
// generated from Python itself; Go's unicode package follows a newer Unicode
// and would disagree on recently added characters.
//
// All functions are pure and safe for concurrent use.
package pyunicode

//go:generate go run ./gen -o tables.go

import (
	"sort"
	"unicode/utf8"
)

type runeRange struct{ lo, hi rune }

type lowerEntry struct {
	r  rune
	to string
}

const (
	capitalSigma = 'Σ'
	smallSigma   = 'σ'
	finalSigma   = 'ς'
)

// Bit sets for the Basic Multilingual Plane, built once from the generated
// ranges: one load and mask instead of a binary search for almost all text.
type bmpSet [0x10000 / 64]uint64

var (
	wordBMP, casedBMP, ignorableBMP, changesBMP bmpSet
)

func init() {
	wordBMP.fill(wordRanges)
	casedBMP.fill(casedRanges)
	ignorableBMP.fill(ignorableRanges)
	for _, e := range lowerTable {
		if e.r < 0x10000 {
			changesBMP[e.r>>6] |= 1 << (e.r & 63)
		}
	}
}

func (s *bmpSet) fill(rs []runeRange) {
	for _, rg := range rs {
		for r := rg.lo; r <= rg.hi && r < 0x10000; r++ {
			s[r>>6] |= 1 << (r & 63)
		}
	}
}

func (s *bmpSet) has(r rune) bool { return s[r>>6]&(1<<(r&63)) != 0 }

func inRanges(rs []runeRange, r rune) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].hi >= r })
	return i < len(rs) && rs[i].lo <= r
}

func lookup(bmp *bmpSet, rs []runeRange, r rune) bool {
	if uint32(r) < 0x10000 {
		return bmp.has(r)
	}
	return inRanges(rs, r)
}

// IsWord reports whether r matches \w in a Python 3 str pattern:
// str.isalnum() or '_'. Combining marks are not word characters.
func IsWord(r rune) bool { return lookup(&wordBMP, wordRanges, r) }

// IsCased reports Unicode's Cased property as Python's tables have it.
func IsCased(r rune) bool { return lookup(&casedBMP, casedRanges, r) }

// IsCaseIgnorable reports Unicode's Case_Ignorable property as Python's tables have it.
func IsCaseIgnorable(r rune) bool { return lookup(&ignorableBMP, ignorableRanges, r) }

// Lower returns the full lowercase mapping of r out of context, as
// chr(r).lower() does, and whether it differs from r. The one
// context-dependent rule, final sigma, is handled by AppendLower.
func Lower(r rune) (string, bool) {
	if uint32(r) < 0x10000 && !changesBMP.has(r) {
		return "", false
	}
	i := sort.Search(len(lowerTable), func(i int) bool { return lowerTable[i].r >= r })
	if i < len(lowerTable) && lowerTable[i].r == r {
		return lowerTable[i].to, true
	}
	return "", false
}

// LowerRuneAt returns the lowercase of the capital-sigma-aware rune at
// s[i:i+size]; it exists for callers that walk s themselves. For any rune
// but U+03A3 it is Lower.
func LowerRuneAt(s []byte, i, size int, r rune) (string, bool) {
	if r == capitalSigma {
		if isFinalSigma(s, i, size) {
			return string(finalSigma), true
		}
		return string(smallSigma), true
	}
	return Lower(r)
}

// isFinalSigma applies Python's Final_Sigma test to the capital sigma at
// s[i:i+size]: preceded by a cased letter (skipping case-ignorables) and not
// followed by one.
func isFinalSigma(s []byte, i, size int) bool {
	j := i
	found := false
	for j > 0 {
		r, n := utf8.DecodeLastRune(s[:j])
		j -= n
		if !IsCaseIgnorable(r) {
			found = IsCased(r)
			break
		}
	}
	if !found {
		return false
	}
	for j = i + size; j < len(s); {
		r, n := utf8.DecodeRune(s[j:])
		j += n
		if !IsCaseIgnorable(r) {
			return !IsCased(r)
		}
	}
	return true
}

// AppendLower appends the Python str.lower() of s to dst. s must be valid UTF-8.
func AppendLower(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if l, ok := LowerRuneAt(s, i, n, r); ok {
			dst = append(dst, l...)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return dst
}
