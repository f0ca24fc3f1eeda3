// Package eval scores a classifier's predictions and writes the results for
// people and programs.
//
// Compute turns true classes and predicted probabilities into a Report:
// accuracy, per-class precision/recall/F1, macro and weighted F1, the
// confusion matrix, log loss, a reliability diagram with its expected
// calibration error (ECE), and for two classes the ROC curve and its AUC,
// optionally broken down by a slice column (source, topic, year...). Metric
// names and definitions follow scikit-learn so that figures can be compared
// with Python results: zero_division=0, macro averages over every label,
// roc_auc_score's handling of tied scores, log_loss's clipping.
//
// The split functions (StratifiedSplit, KFold, GroupSplit, TimeSplit) choose
// held-out rows deterministically from a seed, and ReadTestRows reads a
// split.json so that every tool evaluates on the same rows. WriteTable and
// WriteHTML render a Report as aligned plain text or as one self-contained
// HTML page with inline SVG plots.
//
// Every function is pure: it reads its arguments without modifying them and
// keeps no state, so all of them are safe for concurrent use.
package eval
