// Package normalize turns raw article text into the token stream models are
// trained on. A Profile is a complete, fixed recipe: a model records the
// profile it was trained with, so text is always prepared the same way at
// training and prediction time.
//
// Two profiles exist:
//
//   - "nltk" reproduces, byte for byte, the preprocessing of the research
//     notebooks and corpora (Python str.lower, [^\w\s] to space, NLTK's
//     stopwords, WordNet noun lemmatization, tokens of 2+ characters), so a
//     model trained on such a corpus works on live text;
//   - "modern" keeps what that pipeline throws away: negation, acronyms,
//     hyphenated compounds and numbers (see modern.go).
//
// Profiles are immutable and safe for concurrent use. Input must be valid
// UTF-8 (see ValidUTF8 for a repair that counts what it replaced).
package normalize

import (
	"fmt"
	"sort"
	"strings"
)

// Token is one output token and the byte span [Start, End) of the input it
// came from, so a caller can highlight the original text.
type Token struct {
	Text       string
	Start, End int
}

// Profile is a text normalization recipe.
type Profile interface {
	// Name is the profile's stable identifier, stored in model files.
	Name() string
	// Append appends the normalized text (tokens joined by single spaces)
	// to dst and returns the extended slice. Like append, it may write
	// anywhere in dst's spare capacity (it stores words 8 bytes at a time),
	// so do not pass a dst whose capacity holds data of yours.
	Append(dst, text []byte) []byte
	// Tokens calls fn with each output token in order.
	Tokens(text []byte, fn func(Token))
}

var profiles = map[string]Profile{
	"nltk":   nltkProfile{},
	"modern": modernProfile{},
	"plain":  plainProfile{},
}

// Lookup returns the profile with the given name.
func Lookup(name string) (Profile, error) {
	if p, ok := profiles[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("unknown normalization profile %q (have %s)", name, strings.Join(Names(), ", "))
}

// Names lists the profile names in sorted order.
func Names() []string {
	var out []string
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// String normalizes s with p and returns the normalized text.
func String(p Profile, s string) string { return string(p.Append(nil, []byte(s))) }
