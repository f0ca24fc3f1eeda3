package eval

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteTable writes r as plain text for a terminal: the headline figures,
// a per-class table laid out like scikit-learn's classification_report, the
// confusion matrix, and accuracy and macro-F1 per slice when r has slices.
func WriteTable(w io.Writer, r *Report) error {
	if err := checkShape(r); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	var b strings.Builder
	writeSummary(&b, r)
	b.WriteByte('\n')
	writeClassTable(&b, r)
	b.WriteByte('\n')
	writeConfusion(&b, r)
	if len(r.Slices) > 0 {
		b.WriteByte('\n')
		writeSliceTable(&b, r)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// checkShape guards the writers against a Report built by hand or read from
// JSON whose confusion matrix does not match its labels.
func checkShape(r *Report) error {
	if r == nil {
		return errors.New("nil report")
	}
	k := len(r.Labels)
	if len(r.Confusion) != k {
		return fmt.Errorf("confusion matrix has %d rows for %d labels", len(r.Confusion), k)
	}
	for i, row := range r.Confusion {
		if len(row) != k {
			return fmt.Errorf("confusion matrix row %d has %d columns for %d labels", i, len(row), k)
		}
	}
	return nil
}

func f4(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }

// width counts runes, not bytes, so that accented labels line up.
func width(s string) int { return utf8.RuneCountInString(s) }

func padRight(s string, w int) string { return s + strings.Repeat(" ", max(w-width(s), 0)) }
func padLeft(s string, w int) string  { return strings.Repeat(" ", max(w-width(s), 0)) + s }

func writeSummary(b *strings.Builder, r *Report) {
	line := func(k, v string) { fmt.Fprintf(b, "%s  %s\n", padRight(k, 11), v) }
	line("documents", strconv.Itoa(r.N))
	line("accuracy", f4(r.Accuracy))
	line("macro F1", f4(r.MacroF1))
	line("weighted F1", f4(r.WeightedF1))
	line("log loss", f4(r.LogLoss))
	line("ECE", fmt.Sprintf("%s  (%d bins)", f4(r.ECE), len(r.Reliability)))
	if r.ROCAUC != nil {
		line("ROC AUC", fmt.Sprintf("%s  (positive class: %s)", f4(*r.ROCAUC), r.Positive))
	}
}

// averages returns the macro and support-weighted mean precision and recall,
// for the "macro avg" and "weighted avg" rows users know from scikit-learn.
func averages(r *Report) (macro, weighted ClassMetrics) {
	for _, l := range r.Labels {
		m := r.PerClass[l]
		macro.Precision += m.Precision
		macro.Recall += m.Recall
		weighted.Precision += m.Precision * float64(m.Support)
		weighted.Recall += m.Recall * float64(m.Support)
		macro.Support += m.Support
	}
	if k := float64(len(r.Labels)); k > 0 {
		macro.Precision /= k
		macro.Recall /= k
	}
	if n := float64(macro.Support); n > 0 {
		weighted.Precision /= n
		weighted.Recall /= n
	}
	macro.F1, weighted.F1, weighted.Support = r.MacroF1, r.WeightedF1, macro.Support
	return macro, weighted
}

func writeClassTable(b *strings.Builder, r *Report) {
	lw := width("weighted avg")
	for _, l := range r.Labels {
		lw = max(lw, width(l))
	}
	sw := max(width("support"), len(strconv.Itoa(r.N)))
	fmt.Fprintf(b, "%s  %9s  %9s  %9s  %s\n", padRight("class", lw), "precision", "recall", "f1", padLeft("support", sw))
	row := func(name string, m ClassMetrics) {
		fmt.Fprintf(b, "%s  %9s  %9s  %9s  %s\n", padRight(name, lw), f4(m.Precision), f4(m.Recall), f4(m.F1), padLeft(strconv.Itoa(m.Support), sw))
	}
	for _, l := range r.Labels {
		row(l, r.PerClass[l])
	}
	macro, weighted := averages(r)
	row("macro avg", macro)
	row("weighted avg", weighted)
}

func writeConfusion(b *strings.Builder, r *Report) {
	b.WriteString("confusion matrix (rows: true class, columns: predicted class)\n")
	lw := 0
	for _, l := range r.Labels {
		lw = max(lw, width(l))
	}
	cw := make([]int, len(r.Labels))
	for j, l := range r.Labels {
		cw[j] = width(l)
		for _, row := range r.Confusion {
			cw[j] = max(cw[j], len(strconv.Itoa(row[j])))
		}
	}
	b.WriteString(strings.Repeat(" ", lw))
	for j, l := range r.Labels {
		b.WriteString("  " + padLeft(l, cw[j]))
	}
	b.WriteByte('\n')
	for i, row := range r.Confusion {
		b.WriteString(padRight(r.Labels[i], lw))
		for j, c := range row {
			b.WriteString("  " + padLeft(strconv.Itoa(c), cw[j]))
		}
		b.WriteByte('\n')
	}
}

func writeSliceTable(b *strings.Builder, r *Report) {
	names := sortedSlices(r)
	lw := width("slice")
	nw := width("n")
	for _, s := range names {
		lw = max(lw, width(s))
		nw = max(nw, len(strconv.Itoa(r.Slices[s].N)))
	}
	fmt.Fprintf(b, "%s  %s  %9s  %9s\n", padRight("slice", lw), padLeft("n", nw), "accuracy", "macro F1")
	for _, s := range names {
		sr := r.Slices[s]
		fmt.Fprintf(b, "%s  %s  %9s  %9s\n", padRight(s, lw), padLeft(strconv.Itoa(sr.N), nw), f4(sr.Accuracy), f4(sr.MacroF1))
	}
}

// sortedSlices returns the slice names in order, skipping nil reports that a
// hand-built Report might hold.
func sortedSlices(r *Report) []string {
	names := make([]string, 0, len(r.Slices))
	for s, sr := range r.Slices {
		if sr != nil {
			names = append(names, s)
		}
	}
	slices.Sort(names)
	return names
}
