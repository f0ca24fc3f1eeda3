package eval

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The plots are drawn by hand as inline SVG so that the page needs no
// script or network; sizes are in SVG pixels at a 12px font.

// frame is a unit-square plot area: data coordinates in [0, 1] on both axes.
type frame struct{ left, top, w, h float64 }

func (f frame) x(v float64) float64 { return f.left + v*f.w }
func (f frame) y(v float64) float64 { return f.top + (1-v)*f.h }

// n1 formats a coordinate; a tenth of a pixel is invisible.
func n1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// svgOpen starts an SVG with an accessible name.
func svgOpen(b *strings.Builder, w, h float64, label string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="%s">`+"\n",
		n1(w), n1(h), n1(w), n1(h), esc(label))
	fmt.Fprintf(b, "<title>%s</title>\n", esc(label))
}

// unitAxes draws the grid, both axes with ticks every 0.2, and axis titles.
func unitAxes(b *strings.Builder, f frame, xTitle, yTitle string) {
	bottom := f.top + f.h
	for i := 0; i <= 5; i++ {
		v := float64(i) / 5
		x, y := n1(f.x(v)), n1(f.y(v))
		tick := strconv.FormatFloat(v, 'f', 1, 64)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#eee" />`+"\n", x, n1(f.top), x, n1(bottom))
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#eee" />`+"\n", n1(f.left), y, n1(f.left+f.w), y)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333" />`+"\n", x, n1(bottom), x, n1(bottom+5))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", x, n1(bottom+18), tick)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333" />`+"\n", n1(f.left-5), y, n1(f.left), y)
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">%s</text>`+"\n", n1(f.left-8), n1(f.y(v)+4), tick)
	}
	fmt.Fprintf(b, `<path d="M%s,%s V%s H%s" fill="none" stroke="#333" />`+"\n", n1(f.left), n1(f.top), n1(bottom), n1(f.left+f.w))
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", n1(f.x(0.5)), n1(bottom+36), esc(xTitle))
	fmt.Fprintf(b, `<text transform="translate(%s,%s) rotate(-90)" text-anchor="middle">%s</text>`+"\n", n1(f.left-38), n1(f.y(0.5)), esc(yTitle))
}

// diagonal draws the dashed y = x reference line.
func diagonal(b *strings.Builder, f frame) {
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#888" stroke-dasharray="5,4" />`+"\n", n1(f.x(0)), n1(f.y(0)), n1(f.x(1)), n1(f.y(1)))
}

// legend draws a boxed legend whose top-left corner is at (x, y); each entry
// is a swatch (an SVG fragment drawn at the origin, 24px wide) and a text.
func legend(b *strings.Builder, x, y, w float64, swatches, texts []string) {
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="#fff" fill-opacity="0.9" stroke="#ccc" />`+"\n", n1(x), n1(y), n1(w), n1(float64(len(texts))*18+8))
	for i, t := range texts {
		ly := y + 16 + float64(i)*18
		if swatches[i] != "" {
			fmt.Fprintf(b, `<g transform="translate(%s,%s)">%s</g>`+"\n", n1(x+8), n1(ly-4), swatches[i])
		}
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`+"\n", n1(x+38), n1(ly), esc(t))
	}
}

const (
	lineSwatch   = `<line x1="0" y1="0" x2="24" y2="0" stroke="#1f5fa8" stroke-width="2" />`
	dashedSwatch = `<line x1="0" y1="0" x2="24" y2="0" stroke="#888" stroke-dasharray="5,4" />`
	barSwatch    = `<rect x="4" y="-6" width="16" height="12" fill="#4a86c5" />`
)

// plotFrame is the shared geometry of the two unit-square plots.
var plotFrame = frame{left: 56, top: 16, w: 320, h: 320}

const plotW, plotH = 56 + 320 + 20, 16 + 320 + 48

func rocSVG(b *strings.Builder, r *Report) {
	f := plotFrame
	svgOpen(b, plotW, plotH, "ROC curve, AUC "+f4(*r.ROCAUC))
	unitAxes(b, f, "False positive rate", "True positive rate (recall)")
	diagonal(b, f)
	var d strings.Builder
	for i, p := range r.ROC {
		if i == 0 {
			d.WriteString("M")
		} else {
			d.WriteString(" L")
		}
		d.WriteString(n1(f.x(p.FPR)) + "," + n1(f.y(p.TPR)))
	}
	fmt.Fprintf(b, `<path d="%s" fill="none" stroke="#1f5fa8" stroke-width="2" stroke-linejoin="round" />`+"\n", d.String())
	legend(b, f.x(0.36), f.y(0.25), f.w*0.62, []string{lineSwatch, dashedSwatch},
		[]string{"ROC (AUC = " + f4(*r.ROCAUC) + ")", "chance (AUC = 0.5)"})
	b.WriteString("</svg>\n")
}

func reliabilitySVG(b *strings.Builder, r *Report) {
	f := plotFrame
	svgOpen(b, plotW, plotH, "Reliability diagram, ECE "+f4(r.ECE))
	unitAxes(b, f, "Confidence (probability of the predicted class)", "Accuracy")
	bw := f.w / float64(len(r.Reliability))
	// Counts run upright over wide bars and sideways over narrow ones, where
	// "12345" would not fit across.
	upright := bw >= 30
	fs := 11.0
	if !upright {
		fs = min(max(bw*0.7, 6), 11)
	}
	for _, bin := range r.Reliability {
		if bin.Count == 0 {
			continue
		}
		x0, x1 := f.x(bin.Lo), f.x(bin.Hi)
		top := f.y(bin.Accuracy)
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="#4a86c5" stroke="#fff"><title>%s–%s: %d documents, mean confidence %s, accuracy %s</title></rect>`+"\n",
			n1(x0), n1(top), n1(max(x1-x0, 0)), n1(f.y(0)-top), f4(bin.Lo), f4(bin.Hi), bin.Count, f4(bin.Confidence), f4(bin.Accuracy))
		count := strconv.Itoa(bin.Count)
		inside := bin.Accuracy > 0.9 // no room above the bar
		fill := "#333"
		if inside {
			fill = "#fff"
		}
		cx := (x0 + x1) / 2
		if upright {
			ty := top - 4
			if inside {
				ty = top + fs + 3
			}
			fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="%s" fill="%s">%s</text>`+"\n", n1(cx), n1(ty), n1(fs), fill, count)
			continue
		}
		anchor, ty := "start", top-3
		if inside {
			anchor, ty = "end", top+3
		}
		fmt.Fprintf(b, `<text transform="translate(%s,%s) rotate(-90)" text-anchor="%s" font-size="%s" fill="%s">%s</text>`+"\n", n1(cx+fs/3), n1(ty), anchor, n1(fs), fill, count)
	}
	diagonal(b, f)
	legend(b, f.x(0.03), f.y(0.97), f.w*0.55, []string{barSwatch, dashedSwatch, ""},
		[]string{"accuracy per bin", "perfect calibration", "ECE = " + f4(r.ECE)})
	b.WriteString("</svg>\n")
}

// blues maps a share in [0, 1] to a white-to-navy colour (ColorBrewer Blues
// end points with a mid stop, so the middle is blue rather than grey).
func blues(v float64) string {
	stops := [3][3]float64{{247, 251, 255}, {107, 174, 214}, {8, 48, 107}}
	v = min(max(v, 0), 1) * 2
	i := min(int(v), 1)
	t := v - float64(i)
	var c [3]int
	for k := range c {
		c[k] = int(math.Round(stops[i][k] + t*(stops[i+1][k]-stops[i][k])))
	}
	return fmt.Sprintf("rgb(%d,%d,%d)", c[0], c[1], c[2])
}

// shortLabel keeps tick labels to a readable length; the full label is in
// the cell tooltips and the tables.
func shortLabel(s string) string {
	const maxRunes = 18
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	return string([]rune(s)[:maxRunes-1]) + "…"
}

func confusionSVG(b *strings.Builder, r *Report) {
	k := len(r.Labels)
	cs := min(max(360/float64(max(k, 1)), 22), 64) // cell size
	lw := 0.0                                      // widest tick label, estimated at 7px a character
	for _, l := range r.Labels {
		lw = max(lw, float64(utf8.RuneCountInString(shortLabel(l)))*7)
	}
	rotate := lw > cs-4
	left := 40 + lw + 10
	top := 10.0
	grid := float64(k) * cs
	xLabelH := 18.0
	if rotate {
		xLabelH = lw*0.71 + 14
	}
	w := left + grid + 80
	h := top + grid + xLabelH + 30
	svgOpen(b, w, h, "Confusion matrix")
	fs := min(max(cs/3.2, 7), 13)

	for i := range k {
		total := 0
		for _, c := range r.Confusion[i] {
			total += c
		}
		for j := range k {
			c := r.Confusion[i][j]
			share := ratio(c, total)
			x, y := left+float64(j)*cs, top+float64(i)*cs
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#fff"><title>true %s, predicted %s: %d (%s%% of the row)</title></rect>`+"\n",
				n1(x), n1(y), n1(cs), n1(cs), blues(share), esc(r.Labels[i]), esc(r.Labels[j]), c, strconv.FormatFloat(100*share, 'f', 1, 64))
			fill := "#222"
			if share > 0.6 {
				fill = "#fff"
			}
			fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="%s" fill="%s">%d</text>`+"\n", n1(x+cs/2), n1(y+cs/2+fs/3), n1(fs), fill, c)
		}
	}
	// Ticks and tick labels: true classes on the left, predicted below.
	bottom := top + grid
	for i, l := range r.Labels {
		c := float64(i)*cs + cs/2
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333" />`+"\n", n1(left-5), n1(top+c), n1(left), n1(top+c))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">%s</text>`+"\n", n1(left-8), n1(top+c+4), esc(shortLabel(l)))
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333" />`+"\n", n1(left+c), n1(bottom), n1(left+c), n1(bottom+5))
		if rotate {
			fmt.Fprintf(b, `<text transform="translate(%s,%s) rotate(-45)" text-anchor="end">%s</text>`+"\n", n1(left+c+4), n1(bottom+12), esc(shortLabel(l)))
		} else {
			fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", n1(left+c), n1(bottom+18), esc(shortLabel(l)))
		}
	}
	fmt.Fprintf(b, `<path d="M%s,%s V%s H%s" fill="none" stroke="#333" />`+"\n", n1(left), n1(top), n1(bottom), n1(left+grid))
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">Predicted class</text>`+"\n", n1(left+grid/2), n1(bottom+xLabelH+22))
	fmt.Fprintf(b, `<text transform="translate(%s,%s) rotate(-90)" text-anchor="middle">True class</text>`+"\n", n1(16), n1(top+grid/2))

	// Colour scale.
	sx := left + grid + 16
	b.WriteString(`<defs><linearGradient id="cm-scale" x1="0" y1="1" x2="0" y2="0">`)
	for _, v := range []float64{0, 0.5, 1} {
		fmt.Fprintf(b, `<stop offset="%s" stop-color="%s" />`, n1(v), blues(v))
	}
	b.WriteString("</linearGradient></defs>\n")
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="12" height="%s" fill="url(#cm-scale)" stroke="#ccc" />`+"\n", n1(sx), n1(top), n1(grid))
	for _, v := range []float64{0, 0.5, 1} {
		y := top + (1-v)*grid
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333" />`+"\n", n1(sx+12), n1(y), n1(sx+16), n1(y))
		fmt.Fprintf(b, `<text x="%s" y="%s">%d%%</text>`+"\n", n1(sx+19), n1(y+4), int(v*100))
	}
	fmt.Fprintf(b, `<text transform="translate(%s,%s) rotate(-90)" text-anchor="middle" font-size="11">share of row</text>`+"\n", n1(sx+62), n1(top+grid/2))
	b.WriteString("</svg>\n")
}
