package main

import (
	"github.com/spf13/cobra"

	"github.com/credence-news/credence/internal/annotate"
	"github.com/credence-news/credence/model"
)

func newClassifyCmd() *cobra.Command {
	var (
		rf        recordFlags
		modelPath string
	)
	cmd := &cobra.Command{
		Annotations: map[string]string{graceful: "watches its context"},
		Use:         "classify --model MODEL [FILE...]",
		Short:       "Classify articles: one JSON verdict per document",
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
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			return rf.run(cmd, args, "classify", classifier{m}, annotate.Options{JSONOutput: true})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "model file (default: the built-in news-credibility model)")
	rf.register(fl)
	return cmd
}

// classifier adapts a model to the annotate engine: fields label and probabilities.
type classifier struct{ m *model.Model }

func (classifier) Fields() []string { return []string{"label", "probabilities"} }

func (c classifier) Annotate(text []byte) []annotate.Value {
	labels := c.m.Labels()
	probs := make([]float64, len(labels))
	best := c.m.Probabilities(text, probs)
	obj := annotate.AppendProbabilities(nil, labels, probs)
	return []annotate.Value{annotate.StringValue([]byte(labels[best])), {JSON: obj, Text: obj}}
}
