// Package model holds credence's classifiers and their file format.
//
// A Model is a complete recipe from raw text to a verdict: the normalizer
// profile it was trained with, the fitted feature vectorizer, a linear
// classifier and a model card describing its data and measured quality. A
// loaded Model is immutable; Predict and Explain are safe for concurrent use.
//
// Linear models (logistic regression, linear SVM, naive Bayes) score a
// document as a sum over its features plus a bias, so every score splits
// exactly into per-feature contributions.
//
// Model files are one binary container (internal/modelfile): a magic number,
// a format version, length-prefixed sections and a SHA-256 checksum. Loading
// checks sizes before allocating and never executes anything; truncated,
// corrupted, foreign and wrong-version files give clear errors.
package model
