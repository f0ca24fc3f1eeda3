// Package audit looks for shortcuts in a labeled corpus: cues that let a
// classifier score well without learning what the labels mean. Fake-news
// corpora are full of them: a "(Reuters)" dateline that only true articles
// carry, share-button text scraped from one outlet, article length, empty
// bodies left by a failed crawl, metadata that contains the label itself,
// and near-copies of test articles in the training data.
//
// Run measures five kinds of shortcut and returns a Report of Findings,
// each with a kind, a severity (high, medium, low), evidence in words and
// the numbers behind it:
//
//   - near-pure n-grams: word 1-3-grams found (nearly) only in one class,
//     counted on two views of the text: the nltk profile (lowercased,
//     punctuation removed, stopwords dropped, lemmatized: topical and
//     lexical cues) and raw lowercased whitespace tokens, of which only
//     n-grams with a punctuation-bearing token are kept ("(reuters)",
//     "didn't", "| celeb", "@cnn": what the nltk view erases). Each is
//     marked when it looks like boilerplate: a dateline, an outlet name,
//     share/photo/click furniture, or a position concentrated at the start
//     or end of the document;
//   - format and length: a logistic regression on per-document features
//     that are not the content (length, line breaks, casing, punctuation,
//     URLs, mentions, non-ASCII, quote style, a leading dateline, an empty
//     title or body), its held-out accuracy against the majority rate, each
//     continuous feature alone, and each binary signal that on its own
//     picks out one class;
//   - metadata leaks: a model on the named columns alone (numbers as
//     numbers, the rest one-hot) against the text model and text plus
//     columns, and, for count columns, whether a column counts the row's
//     own label (LIAR's credit history does);
//   - near-duplicates: MinHash with LSH over word 5-shingles (copies,
//     syndication) and over content-word sets (topical twins: rewrites of
//     the same story, paired fake/legit items), across labels and across
//     the train/test split;
//   - the text model itself, trained with internal/learn on the same
//     split, as the yardstick for the rest.
//
// Rules and Clean turn the findings into a scrub: the flagged n-grams and
// datelines are cut from the text and leaking columns cleared, so that a
// retrained model shows the accuracy that is left. CrossEval trains on
// each of several corpora and tests on every other, the plainest test of
// whether a model learned the task or the corpus.
//
// Everything here is deterministic for a given seed. Run and CrossEval use
// all cores (Options.Workers) and are safe to call concurrently on
// different inputs; a Report is plain data.
package audit
