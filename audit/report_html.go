package audit

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

var esc = html.EscapeString

const pageStyle = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;background:#fff;max-width:72em;margin:2em auto;padding:0 1em;line-height:1.4}
h1{font-size:1.6em;margin:0 0 .4em}
h2{font-size:1.2em;margin:2em 0 .5em;padding-bottom:.2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;font-variant-numeric:tabular-nums}
th,td{padding:.25em .7em;text-align:left;border-bottom:1px solid #eee;vertical-align:top}
td.n,th.n{text-align:right}
thead th{border-bottom:2px solid #bbb}
.sev{font-weight:600;border-radius:4px;padding:0 .4em}
.high{background:#fdd;color:#900}.medium{background:#ffe9c6;color:#850}.low{background:#eef;color:#335}
.ex{color:#555;font-size:.9em}
.plots{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}
figure{margin:0}
figcaption{color:#555;font-size:.9em;max-width:34em}
svg{font-family:inherit;font-size:12px;overflow:visible}
`

// palette colours classes in label order.
var palette = []string{"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"}

func colour(i int) string { return palette[i%len(palette)] }

// WriteHTML writes the report as one self-contained page: findings, then
// plots (top n-grams by class share, length histograms per class, model
// accuracies against the majority rate) and tables. Nothing is loaded
// from elsewhere, and every text is escaped.
func WriteHTML(w io.Writer, title string, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<h1>%s</h1>\n", esc(title), pageStyle, esc(title))
	var cls []string
	for _, l := range r.Labels {
		cls = append(cls, fmt.Sprintf("%s %d", l, r.ClassCounts[l]))
	}
	fmt.Fprintf(&b, "<p>%d documents (%s). Held out %d (%s); majority rate %.3f.", r.Documents, esc(strings.Join(cls, ", ")), r.TestRows, esc(r.Split), r.Majority)
	if r.Text != nil {
		fmt.Fprintf(&b, " Text model (%s): accuracy %.3f, macro-F1 %.3f.", esc(r.Text.What), r.Text.Accuracy, r.Text.MacroF1)
	}
	b.WriteString("</p>\n")

	fmt.Fprintf(&b, "<h2>Findings: %d high, %d medium, %d low</h2>\n<table>\n<thead><tr><th>severity</th><th>kind</th><th>finding</th></tr></thead>\n<tbody>\n", r.Count(High), r.Count(Medium), r.Count(Low))
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "<tr><td><span class=\"sev %s\">%s</span></td><td>%s</td><td>%s", esc(string(f.Severity)), esc(string(f.Severity)), esc(f.Kind), esc(f.Title))
		if f.Evidence != "" {
			fmt.Fprintf(&b, "<div class=\"ex\">%s</div>", esc(f.Evidence))
		}
		for _, e := range f.Examples {
			fmt.Fprintf(&b, "<div class=\"ex\">e.g. %s</div>", esc(e))
		}
		b.WriteString("</td></tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")

	b.WriteString("<h2>Plots</h2>\n<div class=\"plots\">\n")
	if len(r.NGrams) > 0 {
		b.WriteString("<figure>\n")
		ngramSVG(&b, r)
		b.WriteString("<figcaption>Top near-pure n-grams: each bar is the n-gram's documents, split by class; the label says how many documents of its class contain it. ★ marks n-grams that look like boilerplate.</figcaption>\n</figure>\n")
	}
	if r.Format != nil && r.Format.Lengths != nil {
		b.WriteString("<figure>\n")
		histogramSVG(&b, r.Format.Lengths, r.Labels)
		b.WriteString("<figcaption>Length per class: documents by log10(1 + words). Classes that sit apart here can be told apart by length alone.</figcaption>\n</figure>\n")
	}
	b.WriteString("<figure>\n")
	modelsSVG(&b, r)
	b.WriteString("<figcaption>Held-out accuracy of each model against the majority rate (dashed line). A shortcut model far above the line is a finding.</figcaption>\n</figure>\n")
	b.WriteString("</div>\n")

	if len(r.NGrams) > 0 {
		b.WriteString("<h2>Near-pure n-grams</h2>\n<table>\n<thead><tr><th>n-gram</th><th>view</th><th>class</th>")
		for _, l := range r.Labels {
			fmt.Fprintf(&b, "<th class=\"n\">%s</th>", esc(l))
		}
		b.WriteString("<th class=\"n\">purity</th><th class=\"n\">coverage</th><th>severity</th><th>example</th></tr></thead>\n<tbody>\n")
		for _, g := range r.NGrams {
			fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td>", esc(g.Text), esc(g.View), esc(g.Class))
			for _, l := range r.Labels {
				fmt.Fprintf(&b, "<td class=\"n\">%d</td>", g.Support[l])
			}
			why := ""
			if len(g.Why) > 0 {
				why = "<div class=\"ex\">" + esc(strings.Join(g.Why, "; ")) + "</div>"
			}
			fmt.Fprintf(&b, "<td class=\"n\">%.3f</td><td class=\"n\">%.1f%%</td><td><span class=\"sev %s\">%s</span></td><td class=\"ex\">%s%s</td></tr>\n",
				g.Purity, 100*g.Coverage, esc(string(g.Severity)), esc(string(g.Severity)), esc(g.Example), why)
		}
		b.WriteString("</tbody>\n</table>\n")
	}
	if f := r.Format; f != nil {
		b.WriteString("<h2>Format signals</h2>\n<table>\n<thead><tr><th>signal</th>")
		for _, l := range r.Labels {
			fmt.Fprintf(&b, "<th class=\"n\">%s</th>", esc(l))
		}
		b.WriteString("<th class=\"n\">purity</th><th>shortcut</th></tr></thead>\n<tbody>\n")
		for _, s := range f.Signals {
			fmt.Fprintf(&b, "<tr><td>%s</td>", esc(s.Name))
			for _, l := range r.Labels {
				fmt.Fprintf(&b, "<td class=\"n\">%d</td>", s.Counts[l])
			}
			mark := ""
			if s.Pure {
				mark = "yes: " + esc(s.Class)
			}
			fmt.Fprintf(&b, "<td class=\"n\">%.3f</td><td>%s</td></tr>\n", s.Purity, mark)
		}
		b.WriteString("</tbody>\n</table>\n")
	}
	if d := r.Duplicates; d != nil {
		b.WriteString("<h2>Near-duplicates and topical twins</h2>\n")
		for _, p := range []*PairStats{d.NearDuplicates, d.TopicalTwins} {
			fmt.Fprintf(&b, "<p>%s, Jaccard ≥ %.2f (MinHash %d hashes, %d bands × %d rows; %d documents compared): %d pairs, %d across labels, %d across the split; %d test documents (%.1f%%) have a twin in train.</p>\n",
				esc(p.What), p.Threshold, p.Hashes, p.Bands, p.Rows, p.Compared, p.Pairs, p.CrossLabel, p.CrossSplit, p.TestWithTwin, 100*p.TestShare)
			if len(p.Examples) > 0 {
				b.WriteString("<table>\n<thead><tr><th class=\"n\">Jaccard</th><th>document</th><th>twin</th></tr></thead>\n<tbody>\n")
				for _, e := range p.Examples {
					fmt.Fprintf(&b, "<tr><td class=\"n\">%.2f</td><td>%s</td><td>%s</td></tr>\n", e.Jaccard, pairDocHTML(e.Docs[0]), pairDocHTML(e.Docs[1]))
				}
				b.WriteString("</tbody>\n</table>\n")
			}
		}
	}
	if s := r.Scrub; s != nil && s.Before != nil && s.After != nil {
		fmt.Fprintf(&b, "<h2>Scrub</h2>\n<p>Removed %d n-grams and the dateline pattern", len(s.Rules.NGrams))
		if len(s.Rules.ClearColumns) > 0 {
			fmt.Fprintf(&b, "; cleared %s", esc(strings.Join(s.Rules.ClearColumns, ", ")))
		}
		fmt.Fprintf(&b, ". Text model accuracy before %.3f, after %.3f (macro-F1 %.3f → %.3f), same split and settings. Files: %s.</p>\n",
			s.Before.Accuracy, s.After.Accuracy, s.Before.MacroF1, s.After.MacroF1, esc(strings.Join(s.Files, ", ")))
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func pairDocHTML(d PairDoc) string {
	return fmt.Sprintf("%s row %d, <b>%s</b>, %s<div class=\"ex\">%s</div>", esc(d.At), d.Row, esc(d.Label), esc(d.Split), esc(d.Start))
}

func svgOpen(b *strings.Builder, w, h float64, label string) {
	fmt.Fprintf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">\n", w, h, w, h, esc(label))
}

func legendSVG(b *strings.Builder, x, y float64, labels []string) {
	for i, l := range labels {
		fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			x, y+float64(i)*16, colour(i), x+14, y+float64(i)*16+9, esc(clip(l, 20)))
	}
}

// ngramSVG draws one horizontal bar per n-gram, split by class share.
func ngramSVG(b *strings.Builder, r *Report) {
	gs := r.NGrams[:min(20, len(r.NGrams))]
	const left, barW, rowH = 190.0, 260.0, 18.0
	h := 30 + rowH*float64(len(gs))
	svgOpen(b, left+barW+160, h, "top near-pure n-grams by class share")
	for i, g := range gs {
		y := 20 + rowH*float64(i)
		total := 0
		for _, l := range r.Labels {
			total += g.Support[l]
		}
		name := clip(g.Text, 28)
		if g.Boilerplate {
			name = "★ " + name
		}
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left-6, y+11, esc(name))
		x := left
		for c, l := range r.Labels {
			wd := barW * float64(g.Support[l]) / float64(max(1, total))
			if wd > 0 {
				fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %d</title></rect>\n", x, y, wd, rowH-4, colour(c), esc(l), g.Support[l])
			}
			x += wd
		}
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\">%d %s (%.0f%%)</text>\n", left+barW+6, y+11, g.Support[g.Class], esc(clip(g.Class, 12)), 100*g.Coverage)
	}
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"12\">class share of the n-gram's documents</text>\n", left)
	b.WriteString("</svg>\n")
	legendRow(b, r.Labels)
}

// legendRow is a small SVG legend of the classes.
func legendRow(b *strings.Builder, labels []string) {
	svgOpen(b, 120*float64(len(labels))+10, 18, "classes")
	for i, l := range labels {
		x := 4 + 120*float64(i)
		fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"3\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"12\">%s</text>\n", x, colour(i), x+14, esc(clip(l, 14)))
	}
	b.WriteString("</svg>\n")
}

// histogramSVG draws each class's histogram as an outlined step line,
// scaled to its own share so classes of different sizes compare.
func histogramSVG(b *strings.Builder, h *Histogram, labels []string) {
	const left, top, w, ht = 40.0, 10.0, 360.0, 200.0
	svgOpen(b, left+w+20, top+ht+40, "length distribution per class")
	bins := len(h.Edges) - 1
	maxShare := 0.0
	shares := map[string][]float64{}
	for _, l := range labels {
		tot := 0
		for _, c := range h.Counts[l] {
			tot += c
		}
		s := make([]float64, bins)
		for i, c := range h.Counts[l] {
			s[i] = float64(c) / float64(max(1, tot))
			maxShare = max(maxShare, s[i])
		}
		shares[l] = s
	}
	if maxShare == 0 {
		maxShare = 1
	}
	fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n", left, top+ht, left+w, top+ht)
	fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n", left, top, left, top+ht)
	for c, l := range labels {
		var pts []string
		for i, s := range shares[l] {
			x0 := left + w*float64(i)/float64(bins)
			x1 := left + w*float64(i+1)/float64(bins)
			y := top + ht*(1-s/maxShare)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x0, y, x1, y))
		}
		fmt.Fprintf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"><title>%s</title></polyline>\n", colour(c), strings.Join(pts, " "), esc(l))
	}
	for _, i := range []int{0, bins / 2, bins} {
		x := left + w*float64(i)/float64(bins)
		words := math.Pow(10, h.Edges[i]) - 1
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", x, top+ht+14, words)
	}
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">words (log scale)</text>\n", left+w/2, top+ht+30)
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\">share of class</text>\n", left-10, top+ht/2, left-10, top+ht/2)
	legendSVG(b, left+w-110, top+4, labels)
	b.WriteString("</svg>\n")
}

// modelsSVG draws the accuracy of every model measured, with the majority
// rate as a dashed line.
func modelsSVG(b *strings.Builder, r *Report) {
	type bar struct {
		name string
		acc  float64
		bad  bool
	}
	var bars []bar
	if r.Text != nil {
		bars = append(bars, bar{"text", r.Text.Accuracy, false})
	}
	if r.Format != nil {
		bars = append(bars, bar{"format only", r.Format.Model.Accuracy, r.Format.Model.Accuracy >= r.Majority+0.05})
		if len(r.Format.Single) > 0 {
			s := r.Format.Single[0]
			bars = append(bars, bar{clip(s.Feature, 22) + " alone", s.Accuracy, s.Accuracy >= r.Majority+0.08})
		}
	}
	if m := r.Meta; m != nil {
		bars = append(bars, bar{"columns only", m.ColumnsOnly.Accuracy, m.ColumnsOnly.Accuracy >= m.Text.Accuracy})
		bars = append(bars, bar{"text + columns", m.TextAndColumns.Accuracy, false})
		if m.Corrected != nil {
			bars = append(bars, bar{"columns, own label out", m.Corrected.Accuracy, false})
		}
	}
	if s := r.Scrub; s != nil && s.After != nil {
		bars = append(bars, bar{"text, scrubbed", s.After.Accuracy, false})
	}
	const left, w, rowH = 170.0, 280.0, 22.0
	h := 24 + rowH*float64(len(bars))
	svgOpen(b, left+w+60, h+20, "model accuracy against the majority rate")
	for i, br := range bars {
		y := 10 + rowH*float64(i)
		fill := "#1f77b4"
		if br.bad {
			fill = "#d62728"
		}
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left-6, y+13, esc(br.name))
		fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n", left, y, w*br.acc, rowH-6, fill)
		fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\">%.3f</text>\n", left+w*br.acc+4, y+13, br.acc)
	}
	x := left + w*r.Majority
	fmt.Fprintf(b, "<line x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>\n", x, x, h)
	fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">majority %.3f</text>\n", x, h+14, r.Majority)
	b.WriteString("</svg>\n")
}
