package eval

import (
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// esc escapes text for HTML and inline SVG, attributes included.
var esc = html.EscapeString

// pageStyle is inlined so that the page works offline and from a mail
// attachment; it uses only system fonts.
const pageStyle = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;background:#fff;max-width:64em;margin:2em auto;padding:0 1em;line-height:1.4}
h1{font-size:1.6em;margin:0 0 .4em}
h2{font-size:1.2em;margin:2em 0 .5em;padding-bottom:.2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;font-variant-numeric:tabular-nums}
th,td{padding:.25em .8em;text-align:right;border-bottom:1px solid #eee}
th:first-child,td:first-child{text-align:left}
thead th{border-bottom:2px solid #bbb}
tr.avg td{color:#555}
.figures{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}
.figure{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;min-width:7em}
.figure .v{font-size:1.5em;font-weight:600;font-variant-numeric:tabular-nums}
.figure .k{color:#555;font-size:.85em}
.plots{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}
figure{margin:0}
figcaption{color:#555;font-size:.9em;max-width:30em}
svg{font-family:inherit;font-size:12px;overflow:visible}
.notes th{font-weight:600}
`

// WriteHTML writes r as one self-contained HTML page: headline figures, the
// per-class table, a confusion-matrix heatmap, the ROC curve (binary
// reports), a reliability diagram, the per-slice table and a table of notes
// (model, data, date...) in key order. Nothing is loaded from elsewhere: the
// style and the SVG plots are inline. Every label and text is escaped.
func WriteHTML(w io.Writer, title string, r *Report, notes map[string]string) error {
	if err := checkShape(r); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>%s</title>
<style>%s</style>
</head>
<body>
<h1>%s</h1>
`, esc(title), pageStyle, esc(title))
	writeNotes(&b, notes)
	writeFigures(&b, r)

	b.WriteString("<h2>Per class</h2>\n")
	writeClassHTML(&b, r)

	b.WriteString("<h2>Plots</h2>\n<div class=\"plots\">\n")
	b.WriteString("<figure>\n")
	confusionSVG(&b, r)
	b.WriteString("<figcaption>Confusion matrix: rows are true classes, columns predicted ones; each cell shows its count, shaded by its share of the row (its recall on the diagonal).</figcaption>\n</figure>\n")
	if r.ROCAUC != nil && len(r.ROC) > 0 {
		b.WriteString("<figure>\n")
		rocSVG(&b, r)
		fmt.Fprintf(&b, "<figcaption>ROC curve, positive class <em>%s</em>: the share of positives caught against the share of false alarms as the threshold falls. AUC %s.</figcaption>\n</figure>\n", esc(r.Positive), f4(*r.ROCAUC))
	}
	if len(r.Reliability) > 0 {
		b.WriteString("<figure>\n")
		reliabilitySVG(&b, r)
		fmt.Fprintf(&b, "<figcaption>Reliability diagram: documents binned by the probability of the predicted class; a bar below the diagonal means overconfidence. Numbers above bars are document counts. ECE %s.</figcaption>\n</figure>\n", f4(r.ECE))
	}
	b.WriteString("</div>\n")

	if names := sortedSlices(r); len(names) > 0 {
		b.WriteString("<h2>Per slice</h2>\n")
		writeSlicesHTML(&b, r, names)
	}
	b.WriteString("</body>\n</html>\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

func writeNotes(b *strings.Builder, notes map[string]string) {
	if len(notes) == 0 {
		return
	}
	b.WriteString("<table class=\"notes\">\n<tbody>\n")
	for _, k := range slices.Sorted(maps.Keys(notes)) {
		fmt.Fprintf(b, "<tr><th>%s</th><td style=\"text-align:left\">%s</td></tr>\n", esc(k), esc(notes[k]))
	}
	b.WriteString("</tbody>\n</table>\n")
}

func writeFigures(b *strings.Builder, r *Report) {
	b.WriteString("<div class=\"figures\">\n")
	fig := func(k, v, help string) {
		fmt.Fprintf(b, "<div class=\"figure\" title=\"%s\"><div class=\"v\">%s</div><div class=\"k\">%s</div></div>\n", esc(help), esc(v), esc(k))
	}
	fig("documents", strconv.Itoa(r.N), "number of documents scored")
	fig("accuracy", f4(r.Accuracy), "fraction of documents whose predicted class is the true one")
	fig("macro F1", f4(r.MacroF1), "unweighted mean of the per-class F1 over all labels")
	fig("weighted F1", f4(r.WeightedF1), "per-class F1 weighted by support")
	if r.ROCAUC != nil {
		fig("ROC AUC ("+r.Positive+")", f4(*r.ROCAUC), "probability that a random positive document scores above a random negative one")
	}
	fig("log loss", f4(r.LogLoss), "mean of -ln(probability given to the true class); lower is better")
	fig("ECE", f4(r.ECE), "expected calibration error: mean gap between confidence and accuracy over the reliability bins; lower is better")
	b.WriteString("</div>\n")
}

func writeClassHTML(b *strings.Builder, r *Report) {
	b.WriteString("<table>\n<thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead>\n<tbody>\n")
	row := func(class, name string, m ClassMetrics) {
		fmt.Fprintf(b, "<tr%s><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td></tr>\n", class, esc(name), f4(m.Precision), f4(m.Recall), f4(m.F1), m.Support)
	}
	for _, l := range r.Labels {
		row("", l, r.PerClass[l])
	}
	macro, weighted := averages(r)
	row(` class="avg"`, "macro avg", macro)
	row(` class="avg"`, "weighted avg", weighted)
	b.WriteString("</tbody>\n</table>\n")
}

func writeSlicesHTML(b *strings.Builder, r *Report, names []string) {
	b.WriteString("<table>\n<thead><tr><th>slice</th><th>n</th><th>accuracy</th><th>macro F1</th><th>weighted F1</th><th>ROC AUC</th><th>ECE</th></tr></thead>\n<tbody>\n")
	for _, s := range names {
		sr := r.Slices[s]
		auc := "–" // one class only: undefined
		if sr.ROCAUC != nil {
			auc = f4(*sr.ROCAUC)
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			esc(s), sr.N, f4(sr.Accuracy), f4(sr.MacroF1), f4(sr.WeightedF1), auc, f4(sr.ECE))
	}
	b.WriteString("</tbody>\n</table>\n")
}
