package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/atomicfile"
	"github.com/credence-news/credence/model"
)

func newExplainCmd() *cobra.Command {
	var (
		modelPath, format, field, html string
		jsonOut, global                bool
		top                            int
	)
	cmd := &cobra.Command{
		Use:   "explain --model MODEL [FILE]",
		Short: "Show why the model decided: the words and n-grams that pushed each way",
		Long: `explain classifies documents and decomposes each verdict exactly: every class score is the
model's bias plus the contribution of each n-gram (its TF-IDF value times its weight).

Input is one document (standard input or FILE), or with --format lines / jsonl (--field F) one
per line. Output is a readable view, --json (one JSON object per document), or --html FILE
(the text highlighted by contribution). --global lists the model's strongest features per class.`,
		Example: `  echo "BREAKING: shocking secret they don't want you to know" | credence explain --model news.model
  credence explain --model news.model --html why.html article.txt
  credence explain --model news.model --global`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if global {
				tf := m.TopFeatures(top)
				if jsonOut {
					return json.NewEncoder(w).Encode(tf)
				}
				for _, l := range m.Labels() {
					fmt.Fprintf(w, "strongest toward %s:\n", l)
					for _, f := range tf[l] {
						fmt.Fprintf(w, "  %+8.3f  %s\n", f.Weight, f.Feature)
					}
				}
				return nil
			}
			path := "-"
			if len(args) == 1 {
				path = args[0]
			}
			in, err := openInput(cmd, path)
			if err != nil {
				return err
			}
			defer in.Close()
			docs, err := readExplainInput(path, in, format, field)
			if err != nil {
				return err
			}
			var exps []model.Explanation
			for _, d := range docs {
				exps = append(exps, m.Explain([]byte(d)))
			}
			if html != "" {
				err := atomicfile.Write(html, 0o644, func(f io.Writer) error { return writeExplainHTML(f, m, docs, exps) })
				if err != nil {
					return err
				}
			}
			if jsonOut {
				enc := json.NewEncoder(w)
				for _, e := range exps {
					e.Features = e.Features[:min(top, len(e.Features))]
					if err := enc.Encode(e); err != nil {
						return err
					}
				}
				return nil
			}
			for i, e := range exps {
				if i > 0 {
					fmt.Fprintln(w)
				}
				writeExplainText(w, docs[i], e, top)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "model file (default: the built-in news-credibility model)")
	fl.StringVar(&format, "format", "text", "input: text (one document), lines, or jsonl")
	fl.StringVar(&field, "field", "text", "text field of jsonl input")
	fl.StringVar(&html, "html", "", "also write the documents highlighted by contribution to this HTML file")
	fl.BoolVar(&jsonOut, "json", false, "print one JSON object per document")
	fl.BoolVar(&global, "global", false, "list the model's strongest features per class instead")
	fl.IntVar(&top, "top", 10, "features to show")
	return cmd
}

func readExplainInput(path string, r io.Reader, format, field string) ([]string, error) {
	switch format {
	case "text":
		b, err := io.ReadAll(io.LimitReader(r, 1<<30))
		return []string{string(b)}, err
	case "lines", "jsonl":
		var out []string
		spec := corpus.Spec{Format: "jsonl", Text: []string{field}}
		lr := corpus.NewLineReader(path, r, 1<<30)
		for {
			line, err := lr.Next()
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			if format == "lines" {
				out = append(out, string(line))
				continue
			}
			err = corpus.EachReader(spec, corpus.Input{Path: path}, strings.NewReader(string(line)), func(d corpus.Document) error {
				out = append(out, d.Text)
				return nil
			}, &corpus.Stats{})
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, lr.Line(), err)
			}
		}
	}
	return nil, usagef("--format must be text, lines or jsonl, not %q", format)
}

func writeExplainText(w io.Writer, text string, e model.Explanation, top int) {
	fmt.Fprintf(w, "verdict: %s", e.Label)
	for _, l := range e.Labels {
		fmt.Fprintf(w, "  P(%s)=%.3f", l, e.Probabilities[l])
	}
	fmt.Fprintln(w)
	var pro, con []model.FeatureEffect
	for _, f := range e.Features {
		if f.Toward > 0 {
			pro = append(pro, f)
		} else if f.Toward < 0 {
			con = append(con, f)
		}
	}
	show := func(title string, fs []model.FeatureEffect) {
		fmt.Fprintf(w, "%s:\n", title)
		if len(fs) == 0 {
			fmt.Fprintln(w, "  (none)")
		}
		for _, f := range fs[:min(top, len(fs))] {
			fmt.Fprintf(w, "  %+8.4f  %-30s ×%d\n", f.Toward, f.Feature, len(f.Spans))
		}
	}
	show("toward "+e.Label, pro)
	show("against "+e.Label, con)
	if isTerminal(w) {
		fmt.Fprintln(w, "text (red: toward "+e.Label+", blue: against):")
		fmt.Fprintln(w, ansiHighlight(text, e))
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func ansiHighlight(text string, e model.Explanation) string {
	var b strings.Builder
	pos := 0
	for _, t := range e.Tokens {
		if t.Start < pos {
			continue
		}
		b.WriteString(text[pos:t.Start])
		switch {
		case t.Toward > 0.01:
			b.WriteString("\x1b[1;31m" + text[t.Start:t.End] + "\x1b[0m")
		case t.Toward < -0.01:
			b.WriteString("\x1b[1;34m" + text[t.Start:t.End] + "\x1b[0m")
		default:
			b.WriteString(text[t.Start:t.End])
		}
		pos = t.End
	}
	b.WriteString(text[pos:])
	return b.String()
}

// span is a piece of text shaded by its push toward the verdict.
type span struct {
	Text  string
	Style template.CSS
	Title string
}

func highlightSpans(text string, e model.Explanation) []span {
	maxAbs := 1e-12
	for _, t := range e.Tokens {
		maxAbs = math.Max(maxAbs, math.Abs(t.Toward))
	}
	var out []span
	pos := 0
	for _, t := range e.Tokens {
		if t.Start < pos {
			continue
		}
		out = append(out, span{Text: text[pos:t.Start]})
		a := math.Abs(t.Toward) / maxAbs
		style := ""
		if t.Toward > 0 {
			style = fmt.Sprintf("background: rgba(220,38,38,%.2f)", 0.08+0.6*a)
		} else if t.Toward < 0 {
			style = fmt.Sprintf("background: rgba(37,99,235,%.2f)", 0.08+0.6*a)
		}
		out = append(out, span{Text: text[t.Start:t.End], Style: template.CSS(style), Title: fmt.Sprintf("%s: %+.4f", t.Token, t.Toward)})
		pos = t.End
	}
	return append(out, span{Text: text[pos:]})
}

var explainPage = template.Must(template.New("explain").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>credence explain</title>
<style>
body{font:15px/1.55 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
.doc{border:1px solid #ddd;border-radius:8px;padding:1rem 1.25rem;margin:1.5rem 0}
.verdict{font-size:1.2rem;font-weight:600}.text{white-space:pre-wrap;margin:1rem 0}
table{border-collapse:collapse;font-size:13px}td,th{padding:2px 10px;text-align:left}
.pos{color:#b91c1c}.neg{color:#1d4ed8}.key span{padding:0 6px;border-radius:3px}
</style></head><body>
<h1>Why the model decided</h1>
<p>Model {{.ID}} ({{.Algo}}). Red words pushed toward the verdict, blue words against it; darker means stronger.
Each class score is the model's bias plus the sum of the contributions listed.</p>
{{range .Docs}}<div class="doc">
<div class="verdict">verdict: {{.E.Label}}{{range .Probs}} · P({{.Label}}) = {{printf "%.3f" .P}}{{end}}</div>
<div class="text">{{range .Spans}}{{if .Style}}<span style="{{.Style}}" title="{{.Title}}">{{.Text}}</span>{{else}}{{.Text}}{{end}}{{end}}</div>
<table><tr><th>feature</th><th>push toward {{.E.Label}}</th><th>occurrences</th></tr>
{{range .Top}}<tr><td>{{.Feature}}</td><td class="{{if gt .Toward 0.0}}pos{{else}}neg{{end}}">{{printf "%+.4f" .Toward}}</td><td>{{len .Spans}}</td></tr>{{end}}
</table></div>{{end}}
</body></html>`))

func writeExplainHTML(w io.Writer, m *model.Model, texts []string, exps []model.Explanation) error {
	type prob struct {
		Label string
		P     float64
	}
	type doc struct {
		E     model.Explanation
		Probs []prob
		Spans []span
		Top   []model.FeatureEffect
	}
	var docs []doc
	for i, e := range exps {
		d := doc{E: e, Spans: highlightSpans(texts[i], e), Top: e.Features[:min(15, len(e.Features))]}
		for _, l := range e.Labels {
			d.Probs = append(d.Probs, prob{l, e.Probabilities[l]})
		}
		docs = append(docs, d)
	}
	return explainPage.Execute(w, map[string]any{"ID": m.Card.ID, "Algo": m.Card.Algo, "Docs": docs})
}
