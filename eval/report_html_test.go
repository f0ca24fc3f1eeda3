package eval

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// wellFormed parses the page as XML: every tag closed and nested, every
// entity known. The page is written to pass this, which is stricter than
// any browser.
func wellFormed(t *testing.T, page string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("page is not well formed: %v", err)
		}
	}
}

func TestWriteHTML(t *testing.T) {
	labels := []string{"<b>&", "fake"}
	r, err := Compute(labels, []int{0, 0, 1, 1}, binary([]float64{0.1, 0.4, 0.35, 0.8}), []string{"x", "x", "<i>", "<i>"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	notes := map[string]string{"model": "nb<1>", "data": "a&b.csv", "date": "2025-01-02"}
	if err := WriteHTML(&b, `Run <1> & "x"`, r, notes); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	wellFormed(t, page)

	if !strings.HasPrefix(page, "<!DOCTYPE html>\n") || !strings.HasSuffix(page, "</html>\n") {
		t.Error("not a complete HTML document")
	}
	if n := strings.Count(page, "<svg"); n != 3 {
		t.Errorf("%d SVG plots, want 3 (confusion, ROC, reliability)", n)
	}
	for _, want := range []string{
		"<title>Run &lt;1&gt; &amp; &#34;x&#34;</title>",
		"<h1>Run &lt;1&gt; &amp; &#34;x&#34;</h1>",
		"AUC = 0.7500",                 // ROC legend
		"ECE = 0.1375",                 // reliability legend
		"&lt;b&gt;&amp;",               // the label, escaped
		"<td>&lt;i&gt;</td><td>2</td>", // slice row
		"<tr><th>model</th><td style=\"text-align:left\">nb&lt;1&gt;</td></tr>", // notes
		"a&amp;b.csv",
		"<td>&lt;b&gt;&amp;</td><td>0.6667</td><td>1.0000</td><td>0.8000</td><td>2</td>", // per class
		"Predicted class", "True class", "False positive rate", "True positive rate", "Accuracy", // axis titles
		">0.2</text>", // ticks
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"<b>&", "<i>", "nb<1>", "<script", "<link", "src=", "href=", "@import", "url(http"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	// Notes in key order.
	if d, da, m := strings.Index(page, ">data<"), strings.Index(page, ">date<"), strings.Index(page, ">model<"); !(d < da && da < m) {
		t.Errorf("notes not in key order: data@%d date@%d model@%d", d, da, m)
	}
	// Heatmap counts are written in the cells: "2" in the top-left cell,
	// shaded dark (the whole row).
	if !strings.Contains(page, `fill="rgb(8,48,107)" stroke="#fff"><title>true &lt;b&gt;&amp;, predicted &lt;b&gt;&amp;: 2 (100.0% of the row)</title>`) {
		t.Error("top-left heatmap cell missing or wrongly shaded")
	}

	// Three classes: no ROC plot, no AUC, no slices or notes sections.
	three, err := Compute([]string{"a", "b", "c"}, threeTr, threePr, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := WriteHTML(&b, "three", three, nil); err != nil {
		t.Fatal(err)
	}
	page = b.String()
	wellFormed(t, page)
	if n := strings.Count(page, "<svg"); n != 2 {
		t.Errorf("three classes: %d SVG plots, want 2", n)
	}
	for _, bad := range []string{"AUC", "Per slice", `class="notes"`} {
		if strings.Contains(page, bad) {
			t.Errorf("three-class page contains %q", bad)
		}
	}
	if !strings.Contains(page, "ECE = 0.1700") {
		t.Error("three-class page lacks the ECE")
	}
}

func TestBlues(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "rgb(247,251,255)"},
		{0.5, "rgb(107,174,214)"},
		{1, "rgb(8,48,107)"},
		{0.25, "rgb(177,213,235)"}, // halfway between the first two stops, rounded
		{-1, "rgb(247,251,255)"},
		{2, "rgb(8,48,107)"},
	}
	for _, tt := range tests {
		if got := blues(tt.v); got != tt.want {
			t.Errorf("blues(%v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}
