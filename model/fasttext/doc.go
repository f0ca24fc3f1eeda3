// Package fasttext is a pure-Go fastText supervised classifier (Joulin et
// al. 2016, "Bag of Tricks for Efficient Text Classification"): it trains
// fastText-class models and it loads and serves fastText's own .bin and
// .ftz files, without cgo.
//
// # Model
//
// A line of text is split into tokens at whitespace bytes (IsSeparator;
// nothing else: normalization is the caller's job), and the end-of-line
// token EOS is appended. Its input rows are: each known word's row, each
// word's character n-grams (MinN..MaxN characters of "<word>", hashed into
// Bucket buckets; off by default), and the line's word n-grams (2..WordNgrams
// consecutive tokens, EOS included, hashed into the same buckets). The
// hidden vector is the average of those rows; a linear layer gives one
// score per label, turned into probabilities by a softmax, a hierarchical
// softmax over a Huffman tree of the labels (hs), or one sigmoid per label
// (one-vs-all, ova). Hashes (FNV-1a of sign-extended bytes), n-gram
// buckets, the dictionary order, the Huffman tree and the float32
// arithmetic are fastText's, so Predict on a model read from fastText's
// files gives what `fasttext predict-prob` prints (the tests compare them
// on every line for softmax, hs, ova and ns models, word and character
// n-grams, pruned and product-quantized .ftz files).
//
// # Training
//
// Train and TrainCorpus implement fastText's supervised training: SGD with
// a learning rate decayed linearly to zero, the normalized gradient of
// fastText's supervised mode, and Threads goroutines that update the shared
// weights without locks (hogwild). Training starts from fastText 0.9.2's own
// vocabulary order and initial weights and does its arithmetic in its
// order (compat.go), so with one thread it makes fastText's model bit for
// bit. Unlike fastText, which allocates all
// Bucket n-gram rows (800 MB at its default 2,000,000 × dim 100), only the
// buckets that occur in the training data get a row, found through a
// bitset with rank counts: a model is as large as its data. A bucket never
// seen in training is a zero row at prediction time (it counts in the
// average, like fastText's untrained rows, which keep their initial values:
// zero, or random in the first blocks of its matrix). Quantize adds fastText's
// product quantization (and its norm-based cutoff) for a compact model.
//
// # Explanations
//
// The model is linear up to the loss, so Explain splits every label's
// score exactly into per-row and per-token contributions (see Explanation
// for what the score is under each loss).
//
// # Files
//
// Load and Decode read fastText's format (versions 11 and 12): .bin (dense)
// and .ftz (product-quantized, optionally pruned and with a quantized
// output layer). Every count is checked against the bytes that remain
// before anything is allocated, so a truncated, corrupted or hostile file
// (dimension 10^9, 2^31 words) gives a *FormatError, never a panic or a
// huge allocation; a word-vector model (cbow, skipgram) gives an error
// wrapping ErrNotSupervised. MarshalBinary / WriteTo and UnmarshalBinary
// are credence's compact serialization (sparse n-gram rows, CRC-32) for
// storing a model inside credence's model file; WriteFastText writes
// fastText's .bin format.
//
// # Concurrency
//
// A Model is immutable once built (loaded, unmarshaled, trained or
// quantized): Predict, Probabilities, Explain, PredictLines, Info and the
// writers are safe for concurrent use; per-call scratch space comes from a
// sync.Pool.
package fasttext
