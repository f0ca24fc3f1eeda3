package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/eval"
	"github.com/credence-news/credence/internal/learn"
)

func newEvalCmd() *cobra.Command {
	var (
		df                     dataFlags
		modelPath, html, slice string
		jsonOut                bool
		workers                int
	)
	cmd := &cobra.Command{
		Use:   "eval --model MODEL --data FILE",
		Short: "Measure a model on labeled data: accuracy, F1, calibration, per slice",
		Example: `  credence eval --model liar.model --data liar/test.tsv.gz --label-map "true,mostly-true,half-true=real;barely-true,false,pants-fire=fake" --json
  credence eval --model pr.model --data other.csv --slice-by domain --html report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			spec, err := df.spec(slice)
			if err != nil {
				return err
			}
			r, st, err := learn.EvaluateSpec(m, spec, slice, workers)
			if st.Skipped > 0 {
				slog.Warn("skipped malformed rows", "rows", st.Skipped, "first", st.FirstBad.Error())
			}
			if err != nil {
				return err
			}
			if html != "" {
				if err := writeHTMLReport(html, "credence eval: model "+m.Card.ID+" on "+strings.Join(df.data, ", "), r, cardNotes(m)); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if jsonOut {
				return json.NewEncoder(w).Encode(r)
			}
			fmt.Fprintf(w, "model %s on %d documents\n\n", m.Card.ID, r.N)
			return eval.WriteTable(w, r)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "model file (default: the built-in news-credibility model)")
	df.register(fl, true)
	fl.StringVar(&slice, "slice-by", "", "column: also report the metrics per value of this column")
	fl.StringVar(&html, "html", "", "also write a self-contained HTML report with plots")
	fl.BoolVar(&jsonOut, "json", false, "print one JSON object")
	fl.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel workers")
	return cmd
}
