package audit

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteText writes the report for a terminal: the corpus and split, the
// findings by severity, then the figures behind them.
func WriteText(w io.Writer, title string, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", title)
	var cls []string
	for _, l := range r.Labels {
		cls = append(cls, fmt.Sprintf("%s %d", l, r.ClassCounts[l]))
	}
	fmt.Fprintf(&b, "%d documents, %d classes (%s)\n", r.Documents, len(r.Labels), strings.Join(cls, ", "))
	fmt.Fprintf(&b, "held out %d of them (%s); majority rate %.3f\n", r.TestRows, r.Split, r.Majority)
	if r.Text != nil {
		fmt.Fprintf(&b, "text model (%s): accuracy %.3f, macro-F1 %.3f", r.Text.What, r.Text.Accuracy, r.Text.MacroF1)
		if r.Text.C > 0 {
			fmt.Fprintf(&b, ", C=%g", r.Text.C)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nfindings: %d high, %d medium, %d low\n\n", r.Count(High), r.Count(Medium), r.Count(Low))
	tw := &table{header: []string{"SEVERITY", "KIND", "FINDING"}}
	for _, f := range r.Findings {
		tw.add(string(f.Severity), f.Kind, f.Title)
	}
	tw.write(&b, 110)
	for _, f := range r.Findings {
		if f.Severity == Low {
			continue
		}
		fmt.Fprintf(&b, "\n[%s] %s\n", f.Severity, f.Title)
		if f.Evidence != "" {
			fmt.Fprintf(&b, "    %s\n", wrap(f.Evidence, 100, "    "))
		}
		for _, e := range f.Examples {
			fmt.Fprintf(&b, "    e.g. %s\n", clip(e, 150))
		}
	}

	if len(r.NGrams) > 0 {
		b.WriteString("\nnear-pure n-grams (support per class; B = looks like boilerplate)\n")
		tw := &table{header: append(append([]string{"N-GRAM", "VIEW", "CLASS"}, r.Labels...), "PURITY", "COVER", "B", "SEV")}
		for _, g := range r.NGrams {
			row := []string{clip(g.Text, 40), g.View, g.Class}
			for _, l := range r.Labels {
				row = append(row, fmt.Sprint(g.Support[l]))
			}
			bp := ""
			if g.Boilerplate {
				bp = "B"
			}
			row = append(row, fmt.Sprintf("%.3f", g.Purity), fmt.Sprintf("%.1f%%", 100*g.Coverage), bp, string(g.Severity))
			tw.add(row...)
		}
		tw.write(&b, 0)
	}
	if f := r.Format; f != nil {
		fmt.Fprintf(&b, "\nformat-only model: accuracy %.3f, macro-F1 %.3f (majority %.3f)\n", f.Model.Accuracy, f.Model.MacroF1, f.Majority)
		tw := &table{header: append([]string{"FEATURE ALONE", "ACCURACY"}, prefixed("MEAN ", r.Labels)...)}
		for _, s := range f.Single[:min(6, len(f.Single))] {
			row := []string{s.Feature, fmt.Sprintf("%.3f", s.Accuracy)}
			for _, l := range r.Labels {
				row = append(row, fmt.Sprintf("%.3f", s.Mean[l]))
			}
			tw.add(row...)
		}
		tw.write(&b, 0)
	}
	if m := r.Meta; m != nil {
		fmt.Fprintf(&b, "\nmetadata: columns only %.3f, text only %.3f, text and columns %.3f (majority %.3f)\n",
			m.ColumnsOnly.Accuracy, m.Text.Accuracy, m.TextAndColumns.Accuracy, m.Majority)
		if m.Corrected != nil {
			fmt.Fprintf(&b, "          columns only with the own label subtracted from the leaking counts: %.3f\n", m.Corrected.Accuracy)
		}
	}
	if d := r.Duplicates; d != nil {
		for _, p := range []*PairStats{d.NearDuplicates, d.TopicalTwins} {
			fmt.Fprintf(&b, "\n%s (Jaccard >= %.2f, MinHash %d = %d bands x %d, %d documents compared): %d pairs, %d across labels, %d across the split, %d test documents with a train twin (%.1f%%)\n",
				p.What, p.Threshold, p.Hashes, p.Bands, p.Rows, p.Compared, p.Pairs, p.CrossLabel, p.CrossSplit, p.TestWithTwin, 100*p.TestShare)
		}
	}
	if s := r.Scrub; s != nil {
		fmt.Fprintf(&b, "\nscrubbed copy: %s\n", strings.Join(s.Files, ", "))
		fmt.Fprintf(&b, "removed %d n-grams, the dateline pattern", len(s.Rules.NGrams))
		if len(s.Rules.ClearColumns) > 0 {
			fmt.Fprintf(&b, "; cleared columns %s", strings.Join(s.Rules.ClearColumns, ", "))
		}
		b.WriteString("\n")
		if s.Before != nil && s.After != nil {
			fmt.Fprintf(&b, "text model accuracy before %.3f (macro-F1 %.3f), after %.3f (macro-F1 %.3f), same split and settings\n",
				s.Before.Accuracy, s.Before.MacroF1, s.After.Accuracy, s.After.MacroF1)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func prefixed(p string, s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = p + x
	}
	return out
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func wrap(s string, width int, indent string) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"+indent)
}

// table lays out left-aligned columns; the last column may be wrapped.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(b *strings.Builder, lastWidth int) {
	w := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			if i < len(w) && (i < len(w)-1 || lastWidth == 0) {
				w[i] = max(w[i], utf8.RuneCountInString(c))
			}
		}
	}
	indent := 0
	for _, x := range w[:len(w)-1] {
		indent += x + 2
	}
	for _, r := range append([][]string{t.header}, t.rows...) {
		var line strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				if lastWidth > 0 {
					c = wrap(c, lastWidth, strings.Repeat(" ", indent))
				}
				line.WriteString(c)
				break
			}
			line.WriteString(c + strings.Repeat(" ", w[i]-utf8.RuneCountInString(c)+2))
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}
