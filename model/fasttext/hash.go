package fasttext

// EOS is the token fastText appends to every line ("end of sentence"). It is
// an ordinary vocabulary word: its row is averaged into every prediction and
// its hash takes part in the line's word n-grams.
const EOS = "</s>"

// LabelPrefix marks labels in fastText input. Tokens that start with it are
// labels, never features, whether or not the model knows them.
const LabelPrefix = "__label__"

// Hash is fastText's dictionary hash: 32-bit FNV-1a, except that each byte is
// sign-extended before the xor (fastText hashes C chars, and every released
// model was trained with a signed char; fastText kept it for compatibility).
func Hash(s []byte) uint32 {
	h := uint32(2166136261)
	for _, b := range s {
		h ^= uint32(int32(int8(b)))
		h *= 16777619
	}
	return h
}

func hashString(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(int32(int8(s[i])))
		h *= 16777619
	}
	return h
}

// sepTable marks the bytes that separate tokens in fastText
// (Dictionary::readWord): space, \n, \r, \t, \v, \f and NUL.
var sepTable = [256]bool{' ': true, '\n': true, '\r': true, '\t': true, '\v': true, '\f': true, 0: true}

// IsSeparator reports whether fastText splits tokens at byte b.
func IsSeparator(b byte) bool { return sepTable[b] }

// Tokens calls fn for every token of text as fastText's reader sees it: the
// text is split at the separator bytes (IsSeparator) and nothing else, so
// case and punctuation are kept; start and end are byte offsets. Newlines
// are treated as separators here; fastText would also end a line at each
// one (see PredictLines). Tokens does not produce the EOS token.
func Tokens(text []byte, fn func(tok []byte, start, end int)) {
	i, n := 0, len(text)
	for i < n {
		for i < n && sepTable[text[i]] {
			i++
		}
		if i == n {
			return
		}
		j := i + 1
		for j < n && !sepTable[text[j]] {
			j++
		}
		fn(text[i:j], i, j)
		i = j
	}
}

// isLabel reports whether a token is a label (fastText's getType for a token
// it does not know).
func isLabel(tok []byte) bool {
	return len(tok) >= len(LabelPrefix) && string(tok[:len(LabelPrefix)]) == LabelPrefix
}

// wordNgramBuckets calls fn with the bucket of every word n-gram of a line,
// in fastText's order (Dictionary::addWordNgrams): for each start i, the
// n-grams i..i+1, i..i+2, ... up to n words. hashes are the word hashes of
// the line (EOS included), as int32 so that they sign-extend as fastText's do.
func wordNgramBuckets(hashes []int32, n int, bucket uint64, fn func(b int32)) {
	for i := range hashes {
		h := uint64(int64(hashes[i]))
		for j := i + 1; j < len(hashes) && j < i+n; j++ {
			h = h*116049371 + uint64(int64(hashes[j]))
			fn(int32(h % bucket))
		}
	}
}

// charNgrams calls fn with the bucket and the byte range (within w) of every
// character n-gram of w, which must already be wrapped in "<" and ">", in
// fastText's order (Dictionary::computeSubwords): n-grams of minn..maxn
// UTF-8 characters (a character is a lead byte and its continuation bytes),
// except single characters at either boundary. The hash of each n-gram
// extends the previous one's, so a word costs O(len(w) × maxn).
func charNgrams(w []byte, minn, maxn int, bucket uint32, fn func(b int32, start, end int)) {
	for i := 0; i < len(w); i++ {
		if w[i]&0xC0 == 0x80 {
			continue
		}
		h := uint32(2166136261)
		j := i
		for n := 1; j < len(w) && n <= maxn; n++ {
			h = (h ^ uint32(int32(int8(w[j])))) * 16777619
			j++
			for j < len(w) && w[j]&0xC0 == 0x80 {
				h = (h ^ uint32(int32(int8(w[j])))) * 16777619
				j++
			}
			if n >= minn && !(n == 1 && (i == 0 || j == len(w))) {
				fn(int32(h%bucket), i, j)
			}
		}
	}
}

// charNgramCount returns how many character n-grams charNgrams gives for a
// wrapped word of c characters.
func charNgramCount(c, minn, maxn int) int {
	total := 0
	for n := max(minn, 1); n <= min(maxn, c); n++ {
		total += c - n + 1
		if n == 1 {
			total -= 2
		}
	}
	return max(total, 0)
}
