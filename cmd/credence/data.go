package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"

	"github.com/credence-news/credence/corpus"
)

// dataFlags are the flags that say where labeled documents come from. They
// mean the same in train, eval, audit and every other command that reads a
// corpus.
type dataFlags struct {
	data     []string
	format   string
	layout   string
	noHeader bool
	text     string
	join     string
	label    string
	labelMap string
	onBad    string
	maxMB    int
}

func (d *dataFlags) register(fs *pflag.FlagSet, withLabel bool) {
	fs.StringArrayVar(&d.data, "data", nil, "input file (CSV, TSV, JSONL, gzip or not); FILE=LABEL gives every row that label; repeatable")
	fs.StringVar(&d.format, "format", "", "csv, tsv or jsonl (default: from the file name)")
	fs.StringVar(&d.layout, "layout", "", "a known corpus layout: liar, perezrosas, agnews, agnews-raw, isot, mcintire, kaggle (default: detected from the header)")
	fs.BoolVar(&d.noHeader, "no-header", false, "CSV/TSV has no header row: name columns by number (1 = first)")
	fs.StringVar(&d.text, "text", "", "text column(s) or JSON field(s), comma-separated (default: the layout's)")
	fs.StringVar(&d.join, "join", " ", `separator between joined text columns ("" glues them, as research corpora do)`)
	if withLabel {
		fs.StringVar(&d.label, "label", "", "label column or JSON field (default: the layout's)")
		fs.StringVar(&d.labelMap, "label-map", "", `merge or rename labels: "true,mostly-true,half-true=real;barely-true,false,pants-fire=fake"`)
	}
	fs.StringVar(&d.onBad, "on-bad-row", "fail", "malformed rows: fail (stop with file and line) or skip (count them)")
	fs.IntVar(&d.maxMB, "max-record-mb", 1024, "largest row in MiB")
}

func (d *dataFlags) spec(keep ...string) (corpus.Spec, error) {
	if len(d.data) == 0 {
		return corpus.Spec{}, usagef("no input: give --data FILE")
	}
	if d.onBad != "fail" && d.onBad != "skip" {
		return corpus.Spec{}, usagef("--on-bad-row must be skip or fail, not %q", d.onBad)
	}
	lm, err := corpus.ParseLabelMap(d.labelMap)
	if err != nil {
		return corpus.Spec{}, usageError{err}
	}
	if d.layout != "" {
		if _, err := corpus.LayoutNamed(d.layout); err != nil {
			return corpus.Spec{}, usageError{err}
		}
	}
	s := corpus.Spec{Format: d.format, Layout: d.layout, NoHeader: d.noHeader, Join: d.join, Label: d.label,
		LabelMap: lm, SkipBad: d.onBad == "skip", MaxRow: d.maxMB << 20}
	for _, k := range keep {
		if k != "" {
			s.Keep = append(s.Keep, k)
		}
	}
	if d.text != "" {
		s.Text = strings.Split(d.text, ",")
	}
	for _, in := range d.data {
		s.Inputs = append(s.Inputs, corpus.ParseInput(in))
	}
	return s, nil
}

// read loads the documents and reports skipped rows.
func (d *dataFlags) read(keep ...string) ([]corpus.Document, corpus.Spec, error) {
	s, err := d.spec(keep...)
	if err != nil {
		return nil, s, err
	}
	docs, st, err := corpus.ReadAll(s)
	if st.Skipped > 0 {
		slog.Warn("skipped malformed rows", "rows", st.Skipped, "first", st.FirstBad.Error())
	}
	if err != nil {
		return nil, s, fmt.Errorf("read: %w", err)
	}
	slog.Info("read documents", "documents", len(docs), "files", len(s.Inputs))
	return docs, s, nil
}
