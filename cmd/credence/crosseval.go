package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/audit"
	"github.com/credence-news/credence/eval"
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/normalize"
)

// dropLabel is the label-map target that drops rows ("no factual content=-").
const dropLabel = "-"

// corpusFlags are the per-corpus settings of crosseval, each NAME=VALUE.
type corpusFlags struct {
	corpora, text, label, labelMap, layout, filter, split, group []string
}

func newCrossevalCmd() *cobra.Command {
	var (
		cf                  corpusFlags
		format, join, onBad string
		profile, algo, cStr string
		ngrams              string
		jsonOut, balanced   bool
		testFrac            float64
		maxMB, workers      int
		seed                uint64
	)
	cmd := &cobra.Command{
		Use:   "crosseval --corpus NAME=FILE --corpus NAME=FILE ...",
		Short: "Train on each corpus, test on every other: does a model learn the task or the corpus?",
		Long: `crosseval trains the text model (train's defaults) on each corpus and tests it on every
other one, whole corpus to whole corpus, and prints the matrix: rows are the corpus trained on,
columns the corpus tested on, the diagonal the in-corpus held-out figure (its split.json when
given with --corpus-split, else a stratified --test-frac). With --group, the group-disjoint
in-corpus figure (no source/site/speaker on both sides) is printed beside the random one.

Corpora differ in layout, so each is named and configured on its own. Every per-corpus flag is
NAME=VALUE and may be repeated for different corpora:

  --corpus NAME=FILE[,FILE...]   the corpus (layout detected from the header, as in train)
  --corpus-text NAME=COLS        its text column(s) (default: the layout's)
  --corpus-label NAME=COL        its label column (default: the layout's)
  --corpus-map NAME=MAP          its label map, in --label-map syntax, onto the labels all corpora
                                 share (fake/real); the target "-" drops rows ("no factual content=-")
  --corpus-layout NAME=LAYOUT    a known layout, when the header does not say
  --corpus-filter NAME=COL=V[|V] keep only rows whose COL is one of the values (one file, two corpora)
  --corpus-split NAME=FILE       split.json with the corpus's test rows, for the diagonal
  --group NAME=COL               group column for the group-disjoint in-corpus figure

All corpora must end up with the same labels.`,
		Example: `  credence crosseval \
    --corpus amt=perezrosas2018.csv.gz --corpus-filter amt=dataset=fakenewsamt --corpus-map "amt=legit=real;fake=fake" \
    --corpus celeb=perezrosas2018.csv.gz --corpus-filter celeb=dataset=celebrity --corpus-map "celeb=legit=real;fake=fake" \
    --corpus fnn=fakenewsnetv1.csv.gz --corpus-text fnn=title,text --corpus-label fnn=label --group fnn=source`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, C, err := linearFlags(profile, ngrams, cStr)
			if err != nil {
				return err
			}
			if !(testFrac > 0 && testFrac < 1) {
				return usagef("--test-frac must be in (0, 1)")
			}
			global := dataFlags{format: format, join: join, onBad: onBad, maxMB: maxMB}
			cs, err := cf.read(global)
			if err != nil {
				return err
			}
			started := time.Now()
			m, err := audit.CrossEval(cs, audit.CrossOptions{
				Profile: profile, Features: cfg, Train: model.TrainOptions{Algo: algo, C: C, Balanced: balanced, Seed: seed},
				TestFrac: testFrac, Seed: seed, Workers: workers,
				Progress: func(s string) {
					slog.Info("crosseval: "+s, "elapsed", time.Since(started).Round(time.Millisecond).String())
				},
			})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if jsonOut {
				return json.NewEncoder(w).Encode(m)
			}
			return audit.WriteCrossText(w, m)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&cf.corpora, "corpus", nil, "NAME=FILE[,FILE...]: a corpus (repeatable, at least one)")
	fl.StringArrayVar(&cf.text, "corpus-text", nil, "NAME=COLS: text columns of a corpus")
	fl.StringArrayVar(&cf.label, "corpus-label", nil, "NAME=COL: label column of a corpus")
	fl.StringArrayVar(&cf.labelMap, "corpus-map", nil, `NAME=MAP: label map of a corpus ("legit=real;fake=fake"; target "-" drops rows)`)
	fl.StringArrayVar(&cf.layout, "corpus-layout", nil, "NAME=LAYOUT: a known layout for a corpus")
	fl.StringArrayVar(&cf.filter, "corpus-filter", nil, "NAME=COL=VALUE[|VALUE...]: keep only rows of a corpus whose COL is one of the values")
	fl.StringArrayVar(&cf.split, "corpus-split", nil, "NAME=split.json: test rows of a corpus for the in-corpus figure")
	fl.StringArrayVar(&cf.group, "group", nil, "NAME=COL: group column of a corpus for a group-disjoint in-corpus figure")
	fl.StringVar(&format, "format", "", "csv, tsv or jsonl (default: from each file name)")
	fl.StringVar(&join, "join", " ", "separator between joined text columns")
	fl.StringVar(&onBad, "on-bad-row", "fail", "malformed rows: fail or skip")
	fl.IntVar(&maxMB, "max-record-mb", 1024, "largest row in MiB")
	fl.Float64Var(&testFrac, "test-frac", 0.2, "in-corpus held-out fraction where a corpus has no --corpus-split")
	fl.Uint64Var(&seed, "seed", 1, "random seed")
	fl.StringVar(&profile, "profile", "plain", "normalization: "+strings.Join(normalize.Names(), ", "))
	fl.StringVar(&algo, "algo", "logreg", "model: logreg, svm or nb")
	fl.StringVar(&cStr, "C", "auto", "inverse regularization, or auto (cross-validated on each training corpus)")
	fl.BoolVar(&balanced, "balanced", true, "weight classes inversely to their frequency")
	fl.StringVar(&ngrams, "ngrams", "1-2", "word n-gram orders")
	fl.BoolVar(&jsonOut, "json", false, "print the matrix as JSON")
	fl.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel workers")
	return cmd
}

// perCorpus parses NAME=VALUE flags into a map, checking names.
func perCorpus(flag string, vals []string, names map[string]bool) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vals {
		name, val, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return nil, usagef("--%s %q: want NAME=VALUE", flag, v)
		}
		if !names[name] {
			return nil, usagef("--%s %q: no --corpus named %q", flag, v, name)
		}
		if _, dup := out[name]; dup {
			return nil, usagef("--%s given twice for %q", flag, name)
		}
		out[name] = val
	}
	return out, nil
}

// read loads every corpus: its files through the same data flags as
// train, then its filter, dropped labels and split.
func (cf *corpusFlags) read(global dataFlags) ([]audit.Corpus, error) {
	if len(cf.corpora) == 0 {
		return nil, usagef("no corpus: give --corpus NAME=FILE (see --help)")
	}
	names := map[string]bool{}
	var order []string
	files := map[string][]string{}
	for _, c := range cf.corpora {
		name, list, ok := strings.Cut(c, "=")
		if !ok || name == "" || list == "" {
			return nil, usagef("--corpus %q: want NAME=FILE[,FILE...]", c)
		}
		if names[name] {
			return nil, usagef("two corpora named %q", name)
		}
		names[name] = true
		order = append(order, name)
		files[name] = listFlag(list)
	}
	opts := map[string]map[string]string{}
	for flag, vals := range map[string][]string{"corpus-text": cf.text, "corpus-label": cf.label, "corpus-map": cf.labelMap,
		"corpus-layout": cf.layout, "corpus-filter": cf.filter, "corpus-split": cf.split, "group": cf.group} {
		m, err := perCorpus(flag, vals, names)
		if err != nil {
			return nil, err
		}
		opts[flag] = m
	}
	var out []audit.Corpus
	for _, name := range order {
		df := global
		df.data = files[name]
		df.text, df.label, df.labelMap, df.layout = opts["corpus-text"][name], opts["corpus-label"][name], opts["corpus-map"][name], opts["corpus-layout"][name]
		var fcol string
		var fvals []string
		if f := opts["corpus-filter"][name]; f != "" {
			col, vals, ok := strings.Cut(f, "=")
			if !ok || col == "" {
				return nil, usagef("--corpus-filter %s=%q: want NAME=COL=VALUE[|VALUE...]", name, f)
			}
			fcol, fvals = col, strings.Split(vals, "|")
		}
		group := opts["group"][name]
		docs, _, err := df.read(fcol, group)
		if err != nil {
			return nil, fmt.Errorf("corpus %s: %w", name, err)
		}
		nRows := 0
		for _, d := range docs {
			nRows = max(nRows, d.Row+1)
		}
		kept := docs[:0:0]
		for _, d := range docs {
			if d.Label == dropLabel {
				continue
			}
			if fcol != "" && !inList(fvals, d.Meta[fcol]) {
				continue
			}
			kept = append(kept, d)
		}
		if len(kept) == 0 {
			return nil, fmt.Errorf("corpus %s: no documents left after the filter and label map", name)
		}
		c := audit.Corpus{Name: name, Docs: kept, Group: group}
		if sp := opts["corpus-split"][name]; sp != "" {
			if len(df.data) != 1 {
				return nil, usagef("--corpus-split %s: the corpus must be one file (split.json counts its rows)", name)
			}
			rows, err := eval.ReadTestRows(sp, nRows)
			if err != nil {
				return nil, fmt.Errorf("corpus %s: %w", name, err)
			}
			isTest := map[int]bool{}
			for _, r := range rows {
				isTest[r] = true
			}
			c.Test = []int{}
			for i, d := range kept {
				if isTest[d.Row] {
					c.Test = append(c.Test, i)
				}
			}
			if len(c.Test) == 0 || len(c.Test) == len(kept) {
				return nil, fmt.Errorf("corpus %s: %s leaves %d of %d documents for test", name, sp, len(c.Test), len(kept))
			}
			c.TestDesc = "test rows from " + sp
		}
		slog.Info("corpus", "name", name, "documents", len(kept), "files", len(df.data))
		out = append(out, c)
	}
	return out, nil
}

func inList(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
