package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/audit"
	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/atomicfile"
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/normalize"
)

func newAuditCmd() *cobra.Command {
	var (
		df                                  dataFlags
		meta, title, body, testRows         string
		htmlOut, scrub, profile, algo, cStr string
		ngrams                              string
		jsonOut, balanced                   bool
		testFrac, purity, jac, topical      float64
		top, minSupport, workers            int
		seed                                uint64
	)
	cmd := &cobra.Command{
		Use:   "audit --data FILE",
		Short: "Look for shortcuts in a labeled corpus: boilerplate, format, leaking metadata, near-duplicates",
		Long: `audit looks for what lets a classifier score well on a corpus without learning its labels:

  near-pure n-grams   word 1-3-grams found (nearly) only in one class, on nltk-normalized text and on
                      raw lowercased tokens with punctuation ("(reuters)", "didn't", "| celeb"), marked
                      when they look like datelines, outlet names or page furniture
  format and length   a model on features that are not the content (length, line breaks, casing,
                      punctuation, URLs, quote style, a leading dateline, an empty title or body)
                      against the majority rate; each such signal alone
  metadata leaks      --meta COLS: a model on those columns alone against the text model and text plus
                      columns; count columns that include the row's own label (LIAR's credit history)
  near-duplicates     MinHash/LSH over word 5-shingles (copies) and content words (topical twins, such
                      as paired fake/legit rewrites), across labels and across the train/test split

It trains the text model with train's defaults on the same split as the yardstick.
--scrub DIR writes a cleaned copy of the corpus (same rows and columns; flagged n-grams and
datelines cut from the text columns; leaking columns emptied) and DIR/scrub-rules.json, then
retrains on the copy and reports the accuracy before and after.

A label mapped to "-" drops its rows (--label-map "no factual content=-"), as in crosseval.

Title and body: with two text columns (title,text) the first is taken as the title and the
second as the body for the empty-title/empty-body signals; --title/--body name them otherwise.`,
		Example: `  credence audit --data liar/train.tsv.gz --meta barely_true_counts,false_counts,half_true_counts,mostly_true_counts,pants_on_fire_counts
  credence audit --data perezrosas2018.csv.gz --test-rows split.json --html audit.html --scrub clean/
  credence audit --data Fake.csv=fake --data True.csv=real --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, C, err := linearFlags(profile, ngrams, cStr)
			if err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			if testFrac < 0 || testFrac >= 1 {
				return usagef("--test-frac must be in (0, 1)")
			}
			metaCols := listFlag(meta)
			if title == "" && body == "" {
				title, body = auditTitleBody(&df)
			}
			docs, spec, err := df.read(append(append([]string{}, metaCols...), title, body)...)
			if err != nil {
				return err
			}
			rows := 0
			for _, d := range docs {
				rows = max(rows, d.Row+1)
			}
			if docs = dropRows(docs); len(docs) == 0 {
				return fmt.Errorf("no documents left once rows labeled %q are dropped", dropLabel)
			}
			started := time.Now()
			opt := audit.Options{
				Profile: profile, Features: cfg, Train: model.TrainOptions{Algo: algo, C: C, Balanced: balanced, Seed: seed},
				TestRows: testRows, TestFrac: testFrac, Seed: seed, Rows: rows, Meta: metaCols, Title: title, Body: body,
				MinSupport: minSupport, Purity: purity, TopN: top, Jaccard: jac, TopicalJaccard: topical, Workers: workers,
				Progress: func(s string) {
					slog.Info("audit: "+s, "elapsed", time.Since(started).Round(time.Millisecond).String())
				},
			}
			rep, err := audit.Run(docs, opt)
			if err != nil {
				return err
			}
			if scrub != "" {
				if err := scrubAndRetrain(rep, spec, scrub); err != nil {
					return err
				}
			}
			name := auditDataName(spec)
			if htmlOut != "" {
				if err := atomicfile.Write(htmlOut, 0o644, func(w io.Writer) error {
					return audit.WriteHTML(w, "credence audit: "+name, rep)
				}); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if jsonOut {
				return json.NewEncoder(w).Encode(rep)
			}
			return audit.WriteText(w, "credence audit: "+name, rep)
		},
	}
	fl := cmd.Flags()
	df.register(fl, true)
	fl.StringVar(&meta, "meta", "", "metadata columns to test for leaks, comma-separated (e.g. speaker,party or LIAR's *_counts)")
	fl.StringVar(&title, "title", "", "title column, for the empty-title signal (default: the first of two text columns)")
	fl.StringVar(&body, "body", "", "body column, for the empty-body and dateline signals (default: the second of two text columns)")
	fl.Float64Var(&testFrac, "test-frac", 0.2, "held-out fraction (stratified random)")
	fl.StringVar(&testRows, "test-rows", "", "split.json with the test rows")
	fl.Uint64Var(&seed, "seed", 1, "random seed (split, models)")
	fl.StringVar(&profile, "profile", "plain", "normalization of the text model: "+strings.Join(normalize.Names(), ", "))
	fl.StringVar(&algo, "algo", "logreg", "text model: logreg, svm or nb")
	fl.StringVar(&cStr, "C", "auto", "inverse regularization of the text model, or auto (cross-validated)")
	fl.BoolVar(&balanced, "balanced", true, "weight classes inversely to their frequency in the text model")
	fl.StringVar(&ngrams, "ngrams", "1-2", "word n-gram orders of the text model")
	fl.IntVar(&top, "top", 25, "near-pure n-grams to report")
	fl.IntVar(&minSupport, "min-support", 0, "documents an n-gram needs in its class (0: max(10, 1% of the class))")
	fl.Float64Var(&purity, "purity", 0.95, "share of an n-gram's documents in one class to call it near-pure")
	fl.Float64Var(&jac, "jaccard", 0.5, "word 5-shingle Jaccard similarity of near-duplicates")
	fl.Float64Var(&topical, "topical-jaccard", 0.25, "content-word Jaccard similarity of topical twins")
	fl.BoolVar(&jsonOut, "json", false, "print one JSON object (findings and figures) instead of tables")
	fl.StringVar(&htmlOut, "html", "", "also write a self-contained HTML report with plots")
	fl.StringVar(&scrub, "scrub", "", "directory: write a cleaned copy of the corpus and scrub-rules.json there, and retrain on it")
	fl.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel workers")
	return cmd
}

// dropRows removes the documents whose label maps to "-" (as in
// crosseval: --label-map "no factual content=-").
func dropRows(docs []corpus.Document) []corpus.Document {
	out := docs[:0:0]
	for _, d := range docs {
		if d.Label != dropLabel {
			out = append(out, d)
		}
	}
	return out
}

// auditTitleBody guesses the title and body columns: the two text columns of
// the first input, when there are exactly two.
func auditTitleBody(df *dataFlags) (string, string) {
	spec, err := df.spec()
	if err != nil || len(spec.Inputs) == 0 {
		return "", ""
	}
	text := spec.Text
	format := spec.Format
	if format == "" {
		format = corpus.FormatOf(spec.Inputs[0].Path)
	}
	if len(text) == 0 && format != "jsonl" {
		first, err := audit.FirstRow(spec.Inputs[0].Path, format)
		if err != nil {
			return "", ""
		}
		tl, err := audit.ResolveTable(spec, first, format)
		if err != nil {
			return "", ""
		}
		text = tl.Text
	}
	if len(text) == 2 {
		return text[0], text[1]
	}
	return "", ""
}

// listFlag splits a comma-separated flag value, dropping empty items.
func listFlag(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func auditDataName(spec corpus.Spec) string {
	var names []string
	for _, in := range spec.Inputs {
		names = append(names, filepath.Base(in.Path))
	}
	return strings.Join(names, " + ")
}

// scrubAndRetrain writes the cleaned copy and its rules, reads the copy
// back with the same settings and retrains on the same split.
func scrubAndRetrain(rep *audit.Report, spec corpus.Spec, dir string) error {
	rules := rep.Rules()
	files, skipped, err := audit.WriteScrubbed(spec, rules, dir)
	if err != nil {
		return fmt.Errorf("scrub: %w", err)
	}
	rulesPath := filepath.Join(dir, "scrub-rules.json")
	if err := atomicfile.Write(rulesPath, 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	}); err != nil {
		return err
	}
	slog.Info("scrub: wrote cleaned corpus", "files", strings.Join(files, ","), "rules", rulesPath, "skipped_rows", skipped)
	clean := spec
	clean.Inputs = nil
	for i, in := range spec.Inputs {
		clean.Inputs = append(clean.Inputs, corpus.Input{Path: files[i], Label: in.Label})
	}
	docs, _, err := corpus.ReadAll(clean)
	if err != nil {
		return fmt.Errorf("scrub: read the cleaned copy: %w", err)
	}
	after, err := rep.Retrain(dropRows(docs))
	if err != nil {
		return fmt.Errorf("scrub: retrain: %w", err)
	}
	rep.Scrub = &audit.ScrubResult{Rules: rules, Files: append(files, rulesPath), Skipped: skipped, Before: rep.Text, After: after}
	return nil
}
