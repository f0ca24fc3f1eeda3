package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/eval"
	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/internal/atomicfile"
	"github.com/credence-news/credence/internal/learn"
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/model/fasttext"
	"github.com/credence-news/credence/normalize"
)

func newTrainCmd() *cobra.Command {
	var (
		df                            dataFlags
		algo, profile, ngrams, chars  string
		out, html, testRows, groupBy  string
		timeCol, cStr, band, nbWeight string
		notes                         []string
		balanced, jsonOut             bool
		testFrac, maxDF, alpha        float64
		minDF, maxFeatures, buckets   int
		folds, workers, kfold         int
		ft                            fasttext.Options
		seed                          uint64
	)
	cmd := &cobra.Command{
		Use:   "train --data FILE --out MODEL",
		Short: "Train a classifier on a labeled corpus and measure it on held-out data",
		Long: `train reads a labeled corpus, holds out test data, fits TF-IDF n-gram features and a
linear model (C, and for logreg the weight of naive Bayes blended in, chosen by
cross-validation on the training part unless --C is given), reports how the model does on
the held-out part, and saves it with a model card.

Held-out data (one of):
  --test-frac F      stratified random fraction (default 0.2; 0 trains on everything)
  --test-rows FILE   a split.json with the test row indices
  --group-by COL     group-disjoint: no value of COL (site, author, page) on both sides
  --time-col COL     time-ordered: train on the earlier part, test on the later`,
		Example: `  credence train --data liar/train.tsv.gz --label-map "true,mostly-true,half-true=real;barely-true,false,pants-fire=fake" --out liar.model
  credence train --data Fake.csv=fake --data True.csv=real --out isot.model --algo svm
  credence train --data perezrosas2018.csv.gz --test-rows split.json --out pr.model --html report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out MODEL is required")
			}
			if os.Getenv("GOGC") == "" {
				// Each fit allocates large pointer-free vectors (weights,
				// gradients, per-document probabilities) and drops them: collecting
				// more often costs ~3% of the time and, with cross-validation
				// folds in parallel, a third of the peak memory.
				debug.SetGCPercent(25)
			}
			cfg, C, err := linearFlags(profile, ngrams, cStr)
			if err != nil {
				return err
			}
			var nbWeights []float64
			if nbWeight != "auto" {
				wt, err := strconv.ParseFloat(nbWeight, 64)
				if err != nil || !(wt >= 0 && wt <= 1) {
					return usagef("--nb-weight must be auto or a number from 0 to 1, not %q", nbWeight)
				}
				if algo != "logreg" && wt > 0 {
					return usagef("--nb-weight blends naive Bayes into logreg, not %s", algo)
				}
				nbWeights = []float64{wt}
			}
			if chars != "" && chars != "0" {
				if cfg.CharMinN, cfg.CharMaxN, err = parseRange(chars); err != nil {
					return usagef("--char-ngrams: %v", err)
				}
			}
			cfg.MinDF, cfg.MaxDF, cfg.MaxFeatures, cfg.Buckets = minDF, maxDF, maxFeatures, buckets
			if err := cfg.Validate(); err != nil {
				return usageError{err}
			}
			ways := 0
			for _, s := range []string{testRows, groupBy, timeCol} {
				if s != "" {
					ways++
				}
			}
			if ways > 1 || kfold > 0 && ways > 0 {
				return usagef("choose one of --test-rows, --group-by, --time-col and --kfold")
			}
			if kfold == 1 || kfold < 0 {
				return usagef("--kfold needs 2 or more folds")
			}
			docs, spec, err := df.read(groupBy, timeCol)
			if err != nil {
				return err
			}
			p, _ := normalize.Lookup(profile)
			started := time.Now()
			logStage := func(s string) { slog.Info(s, "elapsed", time.Since(started).Round(time.Millisecond).String()) }
			logStage(fmt.Sprintf("normalizing %d documents (%s profile)", len(docs), profile))
			prep, err := learn.Prepare(docs, p, workers)
			if err != nil {
				return err
			}
			if algo == "fasttext" && cmd.Flags().Changed("ngrams") {
				return usagef("--ngrams is for the linear models; fastText uses --word-ngrams")
			}
			settings := learn.Settings{
				FastText: ft,
				Profile:  profile, Features: cfg, Folds: folds, Workers: workers, Progress: logStage,
				Train: model.TrainOptions{Algo: algo, C: C, Alpha: alpha, Balanced: balanced, Seed: seed}, NBWeights: nbWeights,
				Split: learn.Split{TestFrac: testFrac, TestRows: testRows, GroupBy: groupBy, TimeCol: timeCol, Seed: seed},
			}
			var cv *cvSummary
			if kfold > 0 {
				reports, err := learn.CrossValidate(prep, settings, kfold)
				if err != nil {
					return err
				}
				cv = summarizeCV(reports)
				settings.Split = learn.Split{} // the final model learns from everything
			}
			res, err := learn.Train(prep, settings)
			if err != nil {
				return err
			}
			if cv != nil {
				res.Model.Card.Split = fmt.Sprintf("%d-fold stratified cross-validation (seed %d); final model trained on all data", kfold, seed)
				res.Model.Card.HeldOut = map[string]any{"folds": kfold, "accuracy": cv.Accuracy.Mean, "accuracy_sd": cv.Accuracy.SD,
					"macro_f1": cv.MacroF1.Mean, "macro_f1_sd": cv.MacroF1.SD, "n": cv.N}
			}
			m := res.Model
			m.Card.CredenceVersion = version()
			m.Card.Created = buildTime()
			m.Card.Text, m.Card.Join, m.Card.LabelColumn = spec.Text, spec.Join, spec.Label
			if spec.LabelMap != nil {
				m.Card.LabelMap = spec.LabelMap.String()
			}
			if m.Card.Data, err = fingerprint(spec.Inputs, docs); err != nil {
				return err
			}
			if band != "" {
				if m.Card.Uncertainty, err = parseBand(band, m.Labels()); err != nil {
					return usageError{err}
				}
			}
			for _, n := range notes {
				k, v, ok := strings.Cut(n, "=")
				if !ok {
					return usagef("--note %q: want KEY=VALUE", n)
				}
				if m.Card.Notes == nil {
					m.Card.Notes = map[string]string{}
				}
				m.Card.Notes[k] = v
			}
			if err := m.Save(out); err != nil {
				return err
			}
			slog.Info("saved model", "path", out, "id", m.Card.ID, "elapsed", time.Since(started).Round(time.Millisecond).String())
			if html != "" && res.HeldOut != nil {
				notes := cardNotes(m)
				if res.ChosenC > 0 {
					notes["C, by cross-validation"] = fmt.Sprintf("%g (mean macro-F1 %s)", res.ChosenC, formatCV("C", res.CVScores))
				}
				if res.NBScores != nil {
					notes["naive Bayes weight, by cross-validation"] = fmt.Sprintf("%g (%s)", res.NBWeight, formatCV("w", res.NBScores))
				}
				if err := writeHTMLReport(html, "credence train: "+out, res.HeldOut, notes); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if jsonOut {
				out := map[string]any{
					"model": m.Card, "held_out": res.HeldOut, "kfold": cv, "c": m.Card.Options["C"], "seconds": seconds(res.Timings),
				}
				if res.ChosenC > 0 { // chosen by cross-validation, not given
					out["chosen_c"], out["cv_macro_f1"] = res.ChosenC, cvScores(res.CVScores)
				}
				if res.NBScores != nil {
					out["nb_weight"], out["cv_nb_macro_f1"] = res.NBWeight, cvScores(res.NBScores)
				}
				return json.NewEncoder(w).Encode(out)
			}
			if cv != nil {
				fmt.Fprintf(w, "%d-fold cross-validation on %d documents:\n", kfold, cv.N)
				for i, f := range cv.Folds {
					fmt.Fprintf(w, "  fold %d: accuracy %.4f  macro-F1 %.4f  (n=%d)\n", i+1, f.Accuracy, f.MacroF1, f.N)
				}
				fmt.Fprintf(w, "  mean:   accuracy %.4f ± %.4f  macro-F1 %.4f ± %.4f\n\n", cv.Accuracy.Mean, cv.Accuracy.SD, cv.MacroF1.Mean, cv.MacroF1.SD)
			}
			fmt.Fprintf(w, "model %s (%s, %s profile, %d features) → %s\n", m.Card.ID, m.Card.Algo, profile, m.Card.NumFeatures, out)
			if res.ChosenC > 0 {
				fmt.Fprintf(w, "C = %g, chosen by %d-fold cross-validation on the training part (mean macro-F1 %s)\n", res.ChosenC, max(folds, 3), formatCV("C", res.CVScores))
			}
			switch {
			case len(res.NBScores) > 1:
				fmt.Fprintf(w, "naive Bayes weight %g in the blended scores, chosen on the same folds (%s)\n", res.NBWeight, formatCV("w", res.NBScores))
			case res.NBWeight > 0:
				fmt.Fprintf(w, "naive Bayes weight %g in the blended scores, as given\n", res.NBWeight)
			}
			fmt.Fprintf(w, "trained on %d documents; held out %d (%s)\n", res.TrainRows, res.TestRows, m.Card.Split)
			if res.HeldOut == nil {
				if cv == nil {
					fmt.Fprintln(w, "no held-out data: these are not figures to believe; use --test-frac, --test-rows, --group-by, --time-col or --kfold")
				}
				return nil
			}
			fmt.Fprintln(w)
			return eval.WriteTable(w, res.HeldOut)
		},
	}
	fl := cmd.Flags()
	df.register(fl, true)
	fl.StringVar(&algo, "algo", "logreg", "model: logreg (multinomial logistic regression), svm (linear SVM), nb (multinomial naive Bayes), fasttext (averaged embeddings)")
	ft = fasttext.DefaultOptions()
	ft.Threads = 0 // --workers decides
	fl.IntVar(&ft.Dim, "dim", ft.Dim, "fasttext: embedding dimension")
	fl.IntVar(&ft.Epoch, "epoch", ft.Epoch, "fasttext: passes over the data")
	fl.Float64Var(&ft.LR, "lr", ft.LR, "fasttext: learning rate (decays linearly to 0)")
	fl.IntVar(&ft.WordNgrams, "word-ngrams", ft.WordNgrams, "fasttext: longest word n-gram")
	fl.IntVar(&ft.MinCount, "min-count", ft.MinCount, "fasttext: drop words seen fewer times")
	fl.IntVar(&ft.MinN, "minn", ft.MinN, "fasttext: shortest character n-gram (0 = none)")
	fl.IntVar(&ft.MaxN, "maxn", ft.MaxN, "fasttext: longest character n-gram (0 = none)")
	fl.IntVar(&ft.Bucket, "bucket", ft.Bucket, "fasttext: hash buckets for n-grams (only those seen in training are stored)")
	fl.StringVar(&ft.Loss, "loss", ft.Loss, "fasttext: softmax, hs (hierarchical softmax) or ova (one-vs-all)")
	fl.StringVar(&cStr, "C", "auto", "inverse regularization for logreg/svm, or auto (cross-validated)")
	fl.StringVar(&nbWeight, "nb-weight", "auto", "logreg: weight of naive Bayes' scores blended into the model, 0 to 1 (auto: chosen by cross-validation with C; none with a fixed C)")
	fl.BoolVar(&balanced, "balanced", true, "weight classes inversely to their frequency")
	fl.Float64Var(&alpha, "alpha", 1, "naive Bayes smoothing")
	fl.StringVar(&profile, "profile", "plain", "normalization: "+strings.Join(normalize.Names(), ", "))
	fl.StringVar(&ngrams, "ngrams", "1-2", "word n-gram orders, e.g. 1-2 or 1-3")
	fl.StringVar(&chars, "char-ngrams", "0", "character n-gram orders within words, e.g. 2-5 (0 = none)")
	fl.IntVar(&minDF, "min-df", 2, "drop n-grams in fewer documents")
	fl.Float64Var(&maxDF, "max-df", 1, "drop n-grams in more than this fraction of documents")
	fl.IntVar(&maxFeatures, "max-features", 0, "keep only the most frequent n-grams (0 = all)")
	fl.IntVar(&buckets, "buckets", 0, "hash n-grams into this many buckets instead of a vocabulary (for huge corpora)")
	fl.Float64Var(&testFrac, "test-frac", 0.2, "held-out fraction (stratified random unless --group-by/--time-col)")
	fl.StringVar(&testRows, "test-rows", "", "split.json with the test rows")
	fl.StringVar(&groupBy, "group-by", "", "column: hold out whole groups (e.g. site, author)")
	fl.StringVar(&timeCol, "time-col", "", "column: hold out the latest documents")
	fl.IntVar(&folds, "folds", 3, "cross-validation folds for --C auto")
	fl.IntVar(&kfold, "kfold", 0, "report K-fold cross-validated figures (then train the final model on all data)")
	fl.Uint64Var(&seed, "seed", 1, "random seed (splits, SVM order)")
	fl.StringVar(&out, "out", "", "model file to write")
	fl.StringVar(&band, "uncertain-band", "", `binary models: LABEL:LOW-HIGH, e.g. fake:0.35-0.65 — call LABEL only at P >= HIGH, the other class at P <= LOW, "uncertain" between`)
	fl.StringArrayVar(&notes, "note", nil, "KEY=VALUE to record on the model card; repeatable")
	fl.StringVar(&html, "html", "", "also write a self-contained HTML report with plots")
	fl.BoolVar(&jsonOut, "json", false, "print a JSON object instead of tables")
	fl.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel workers")
	return cmd
}

// cvSummary is k-fold cross-validation in numbers.
type cvSummary struct {
	N        int      `json:"n"`
	Accuracy meanSD   `json:"accuracy"`
	MacroF1  meanSD   `json:"macro_f1"`
	Folds    []cvFold `json:"folds"`
}

type meanSD struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

type cvFold struct {
	N        int     `json:"n"`
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
}

func summarizeCV(reports []*eval.Report) *cvSummary {
	s := &cvSummary{}
	var acc, f1 []float64
	for _, r := range reports {
		s.N += r.N
		s.Folds = append(s.Folds, cvFold{r.N, r.Accuracy, r.MacroF1})
		acc, f1 = append(acc, r.Accuracy), append(f1, r.MacroF1)
	}
	s.Accuracy, s.MacroF1 = meanStd(acc), meanStd(f1)
	return s
}

func meanStd(x []float64) meanSD {
	var m, v float64
	for _, a := range x {
		m += a
	}
	m /= float64(len(x))
	for _, a := range x {
		v += (a - m) * (a - m)
	}
	if len(x) > 1 {
		v /= float64(len(x) - 1)
	}
	return meanSD{m, math.Sqrt(v)}
}

// buildTime is now, or SOURCE_DATE_EPOCH when set, so that a model trained
// twice on the same data is the same file byte for byte.
func buildTime() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(secs, 0).UTC()
		}
	}
	return time.Now().UTC().Truncate(time.Second)
}

func parseBand(s string, labels []string) (*model.Band, error) {
	label, rng, ok := strings.Cut(s, ":")
	lo, hi, ok2 := strings.Cut(rng, "-")
	a, err1 := strconv.ParseFloat(lo, 64)
	b, err2 := strconv.ParseFloat(hi, 64)
	if !ok || !ok2 || err1 != nil || err2 != nil || a < 0 || b > 1 || a > b {
		return nil, fmt.Errorf("--uncertain-band %q: want LABEL:LOW-HIGH with 0 <= LOW <= HIGH <= 1", s)
	}
	if len(labels) != 2 || (labels[0] != label && labels[1] != label) {
		return nil, fmt.Errorf("--uncertain-band needs a binary model with a class %q (classes: %v)", label, labels)
	}
	return &model.Band{Label: label, Low: a, High: b}, nil
}

// linearFlags checks the --profile, --ngrams and --C flags that train, audit
// and crosseval share; C 0 means auto (cross-validated).
func linearFlags(profile, ngrams, c string) (feature.Config, float64, error) {
	if _, err := normalize.Lookup(profile); err != nil {
		return feature.Config{}, 0, usageError{err}
	}
	cfg := feature.DefaultConfig()
	var err error
	if cfg.MinN, cfg.MaxN, err = parseRange(ngrams); err != nil {
		return cfg, 0, usagef("--ngrams: %v", err)
	}
	var C float64
	if c != "auto" {
		if C, err = strconv.ParseFloat(c, 64); err != nil || C <= 0 {
			return cfg, 0, usagef("--C must be auto or a number > 0, not %q", c)
		}
	}
	return cfg, C, nil
}

func parseRange(s string) (int, int, error) {
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		hi = lo
	}
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q is not N or N-M", s)
	}
	return a, b, nil
}

// fingerprint hashes each input so a model card says exactly what it learned from.
func fingerprint(inputs []corpus.Input, docs []corpus.Document) ([]model.DataInfo, error) {
	rows := map[string]int{}
	for _, d := range docs {
		rows[d.File]++
	}
	var out []model.DataInfo
	for _, in := range inputs {
		f, err := os.Open(in.Path)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("fingerprint %s: %w", in.Path, err)
		}
		// The base name: a card must not depend on where the data sat on
		// the training machine (the hash identifies it).
		out = append(out, model.DataInfo{Path: filepath.Base(in.Path), SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n, Rows: rows[in.Path], Label: in.Label})
	}
	return out, nil
}

func cvScores(m map[float64]float64) map[string]float64 {
	out := map[string]float64{}
	for c, v := range m {
		out[strconv.FormatFloat(c, 'g', -1, 64)] = v
	}
	return out
}

// formatCV lists mean cross-validated scores by the value tried.
func formatCV(name string, m map[float64]float64) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%g: %.3f", name, c, m[c]))
	}
	return strings.Join(parts, ", ")
}

func seconds(t map[string]time.Duration) map[string]float64 {
	out := map[string]float64{}
	for k, v := range t {
		out[k] = v.Seconds()
	}
	return out
}

func writeHTMLReport(path, title string, r *eval.Report, notes map[string]string) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return eval.WriteHTML(w, title, r, notes) })
}

func cardNotes(m *model.Model) map[string]string {
	notes := map[string]string{
		"model id": m.Card.ID, "algorithm": m.Card.Algo, "profile": m.Card.Profile,
		"features": strconv.Itoa(m.Card.NumFeatures), "split": m.Card.Split,
		"trained on": fmt.Sprintf("%d documents", m.Card.TrainRows), "credence": m.Card.CredenceVersion,
	}
	for i, d := range m.Card.Data {
		notes[fmt.Sprintf("data %d", i+1)] = fmt.Sprintf("%s (%d rows, sha256 %s…)", d.Path, d.Rows, d.SHA256[:12])
	}
	return notes
}
