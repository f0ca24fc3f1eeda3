package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/annotate"
	"github.com/credence-news/credence/model"
)

func newClassifyCmd() *cobra.Command {
	var (
		modelPath, format, text, join, onBad string
		lines, noHeader                      bool
		workers, maxMB                       int
	)
	cmd := &cobra.Command{
		Use:   "classify --model MODEL [FILE...]",
		Short: "Classify articles: one JSON verdict per document",
		Long: `classify reads articles (standard input or FILEs, gzip detected) and writes one verdict per
document: its label and the probability of every class.

Formats (--format, or from the file name):
  text   the whole input is one document (default for standard input) → one JSON line
  lines  one document per line → one JSON line each
  jsonl  JSON objects; each is written back with "label" and "probabilities" added
  csv    CSV with a header; written back with "label" and "probabilities" columns
  tsv    as csv, tab-separated without quoting`,
		Example: `  echo "Shocking: doctors hate this one trick" | credence classify --model news.model
  credence classify --model news.model --format jsonl --field text < articles.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if lines {
				format = "lines"
			}
			if onBad != "fail" && onBad != "skip" {
				return usagef("--on-bad-row must be skip or fail, not %q", onBad)
			}
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			opt := annotate.Options{Join: join, NoHeader: noHeader, SkipBad: onBad == "skip", MaxRecord: maxMB << 20, Workers: workers, JSONOutput: true}
			if text != "" {
				opt.Fields = strings.Split(text, ",")
			}
			if len(args) == 0 {
				args = []string{"-"}
			}
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 256<<10)
			defer out.Flush()
			for _, path := range args {
				f := annotate.Format(format)
				if f == "" {
					if f = annotate.FormatOf(path); f == "" {
						f = annotate.Text
					}
				}
				if opt.Format, err = annotate.ParseFormat(string(f)); err != nil {
					return usageError{err}
				}
				var in io.ReadCloser
				if path == "-" {
					in, err = corpus.NewReader("-", cmd.InOrStdin())
				} else {
					in, err = corpus.Open(path)
				}
				if err != nil {
					return err
				}
				progress := newProgress(cmd.ErrOrStderr(), "classify "+path)
				opt.Progress = func(s annotate.Stats) { progress.update(s.Records, s.Bytes) }
				st, err := annotate.Run(cmd.Context(), path, in, out, classifier{m}, opt)
				in.Close()
				progress.done()
				if st.BadUTF8 > 0 {
					slog.Warn("replaced invalid UTF-8 with U+FFFD", "file", path, "bytes", st.BadUTF8, "records", st.BadUTF8Docs)
				}
				if st.Skipped > 0 {
					slog.Warn("skipped malformed rows", "file", path, "rows", st.Skipped, "first", st.FirstBad.Error())
				}
				if err != nil {
					return fmt.Errorf("classify %w", err)
				}
			}
			return out.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "model file (default: the built-in news-credibility model)")
	fl.StringVar(&format, "format", "", "input format: text, lines, jsonl, csv, tsv (default: from the file name, else text)")
	fl.BoolVar(&lines, "lines", false, "one document per line (same as --format lines)")
	fl.StringVar(&text, "text", "", "text field(s) or column(s), comma-separated; joined with --join")
	fl.StringVar(&text, "field", "", "alias of --text")
	fl.StringVar(&join, "join", " ", `separator between joined text columns`)
	fl.BoolVar(&noHeader, "no-header", false, "CSV/TSV input has no header row; name columns by number (1 = first)")
	fl.StringVar(&onBad, "on-bad-row", "fail", "malformed rows: fail (stop with file and line) or skip (count them)")
	fl.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel workers")
	fl.IntVar(&maxMB, "max-record-mb", 1024, "largest record (line or document) in MiB")
	return cmd
}

// classifier adapts a model to the annotate engine: fields label and probabilities.
type classifier struct{ m *model.Model }

func (classifier) Fields() []string { return []string{"label", "probabilities"} }

func (c classifier) Annotate(text []byte) []annotate.Value {
	labels := c.m.Labels()
	probs := make([]float64, len(labels))
	best := c.m.Probabilities(text, probs)
	obj := []byte{'{'}
	for i, l := range labels {
		if i > 0 {
			obj = append(obj, ',')
		}
		obj = annotate.AppendJSONString(obj, l)
		obj = append(obj, ':')
		obj = strconv.AppendFloat(obj, probs[i], 'g', 6, 64)
	}
	obj = append(obj, '}')
	return []annotate.Value{annotate.StringValue([]byte(labels[best])), {JSON: obj, Text: obj}}
}
