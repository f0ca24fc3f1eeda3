package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/annotate"
)

// recordFlags are the flags of the commands that read records and write
// them back annotated (normalize, classify): the same flag means the same
// thing in both.
type recordFlags struct {
	format, text, join, onBad string
	lines, noHeader           bool
	workers, maxMB            int
}

func (r *recordFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&r.format, "format", "", "input format: text, lines, jsonl, csv, tsv (default: from the file name, else text)")
	fl.BoolVar(&r.lines, "lines", false, "one document per line (same as --format lines)")
	fl.StringVar(&r.text, "text", "", "text field(s) or column(s), comma-separated; joined with --join")
	fl.StringVar(&r.text, "field", "", "alias of --text")
	fl.StringVar(&r.join, "join", " ", `separator between joined text columns ("" glues them, as research corpora do)`)
	fl.BoolVar(&r.noHeader, "no-header", false, "CSV/TSV input has no header row; name columns by number (1 = first)")
	fl.StringVar(&r.onBad, "on-bad-row", "fail", "malformed rows: fail (stop with file and line) or skip (count them)")
	fl.IntVar(&r.workers, "workers", runtime.GOMAXPROCS(0), "parallel workers")
	fl.IntVar(&r.maxMB, "max-record-mb", 1024, "largest record (line or document) in MiB")
}

// run annotates every input (standard input without args) in turn.
func (r *recordFlags) run(cmd *cobra.Command, args []string, verb string, a annotate.Annotator, opt annotate.Options) error {
	format := r.format
	if r.lines {
		if format != "" && format != "lines" {
			return usagef("--lines conflicts with --format %s", format)
		}
		format = "lines"
	}
	if r.onBad != "fail" && r.onBad != "skip" {
		return usagef("--on-bad-row must be skip or fail, not %q", r.onBad)
	}
	opt.Join, opt.NoHeader, opt.SkipBad, opt.MaxRecord, opt.Workers = r.join, r.noHeader, r.onBad == "skip", r.maxMB<<20, r.workers
	if r.text != "" {
		opt.Fields = strings.Split(r.text, ",")
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
		var err error
		if opt.Format, err = annotate.ParseFormat(string(f)); err != nil {
			return usageError{err}
		}
		in, err := openInput(cmd, path)
		if err != nil {
			return err
		}
		progress := newProgress(cmd.ErrOrStderr(), verb+" "+path)
		opt.Progress = func(s annotate.Stats) { progress.update(s.Records, s.Bytes) }
		st, err := annotate.Run(cmd.Context(), path, in, out, a, opt)
		in.Close()
		progress.done()
		if st.BadUTF8 > 0 {
			slog.Warn("replaced invalid UTF-8 with U+FFFD", "file", path, "bytes", st.BadUTF8, "records", st.BadUTF8Docs)
		}
		if st.Skipped > 0 {
			slog.Warn("skipped malformed rows", "file", path, "rows", st.Skipped, "first", st.FirstBad.Error())
		}
		if err != nil {
			return fmt.Errorf("%s %w", verb, err)
		}
	}
	return out.Flush()
}

// openInput opens a file, or the command's standard input for "-"; gzip is
// decompressed either way.
func openInput(cmd *cobra.Command, path string) (io.ReadCloser, error) {
	if path == "-" {
		return corpus.NewReader("-", cmd.InOrStdin())
	}
	return corpus.Open(path)
}
