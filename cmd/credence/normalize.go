package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/annotate"
	"github.com/credence-news/credence/normalize"
)

func newNormalizeCmd() *cobra.Command {
	var (
		profile, format, text, join, onBad string
		lines, noHeader, plain             bool
		workers, maxMB                     int
	)
	cmd := &cobra.Command{
		Use:   "normalize [FILE...]",
		Short: "Turn raw article text into the preprocessed form models are trained on",
		Long: `normalize lowercases, tokenizes, removes stopwords and lemmatizes text.

Profiles:
  nltk    byte-identical to the NLTK pipeline of the research corpora
          (str.lower, [^\w\s] -> space, 179 NLTK stopwords, WordNet lemmas)
  modern  keeps negation, acronyms, compounds and numbers (for new models)

Input is standard input or the FILEs (gzip is detected and decompressed).
Formats (--format, or from the file name):
  text   the whole input is one document (default for standard input)
  lines  one document per line
  jsonl  JSON objects; each is written back with a "normalized" field
  csv    CSV with a header; written back with a "normalized" column
  tsv    tab-separated, no quoting; as csv`,
		Example: `  echo "The customs officers weren't there." | credence normalize
  credence normalize --lines < docs.txt
  credence normalize --profile nltk --format jsonl --field raw < in.jsonl
  credence normalize --text title,text --join "" news.csv.gz > normalized.csv`,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := normalize.Lookup(profile)
			if err != nil {
				return usageError{err}
			}
			if lines {
				if format != "" && format != "lines" {
					return usagef("--lines conflicts with --format %s", format)
				}
				format = "lines"
			}
			if onBad != "fail" && onBad != "skip" {
				return usagef("--on-bad-row must be skip or fail, not %q", onBad)
			}
			opt := annotate.Options{
				Join:        join,
				NoHeader:    noHeader,
				PlainOutput: plain,
				SkipBad:     onBad == "skip",
				MaxRecord:   maxMB << 20,
				Workers:     workers,
			}
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
				if err := normalizeFile(cmd, path, out, p, opt); err != nil {
					return err
				}
			}
			return out.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&profile, "profile", "nltk", "normalization profile: "+strings.Join(normalize.Names(), ", "))
	fl.StringVar(&format, "format", "", "input format: text, lines, jsonl, csv, tsv (default: from the file name, else text)")
	fl.BoolVar(&lines, "lines", false, "one document per line (same as --format lines)")
	fl.StringVar(&text, "text", "", "text field(s) or column(s), comma-separated; joined with --join")
	fl.StringVar(&text, "field", "", "alias of --text")
	fl.StringVar(&join, "join", " ", `separator between joined text columns ("" glues them, as research corpora do)`)
	fl.BoolVar(&noHeader, "no-header", false, "CSV/TSV input has no header row; name columns by number (1 = first)")
	fl.BoolVar(&plain, "plain", false, "write only the normalized text, one line per record")
	fl.StringVar(&onBad, "on-bad-row", "fail", "malformed rows: fail (stop with file and line) or skip (count them)")
	fl.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel workers")
	fl.IntVar(&maxMB, "max-record-mb", 1024, "largest record (line or document) in MiB")
	return cmd
}

func normalizeFile(cmd *cobra.Command, path string, out *bufio.Writer, p normalize.Profile, opt annotate.Options) error {
	var in io.ReadCloser
	var err error
	if path == "-" {
		in, err = corpus.NewReader("-", cmd.InOrStdin())
	} else {
		in, err = corpus.Open(path)
	}
	if err != nil {
		return err
	}
	defer in.Close()
	progress := newProgress(cmd.ErrOrStderr(), "normalize "+path)
	opt.Progress = func(s annotate.Stats) { progress.update(s.Records, s.Bytes) }
	st, err := annotate.Run(cmd.Context(), path, in, out, normalizer{p}, opt)
	progress.done()
	if st.BadUTF8 > 0 {
		slog.Warn("replaced invalid UTF-8 with U+FFFD", "file", path, "bytes", st.BadUTF8, "records", st.BadUTF8Docs)
	}
	if st.Skipped > 0 {
		slog.Warn("skipped malformed rows", "file", path, "rows", st.Skipped, "first", st.FirstBad.Error())
	}
	if err != nil {
		return fmt.Errorf("normalize %w", err)
	}
	return nil
}

// normalizer adapts a profile to the annotate engine: one field, "normalized".
type normalizer struct{ p normalize.Profile }

func (normalizer) Fields() []string { return []string{"normalized"} }

func (n normalizer) Annotate(text []byte) []annotate.Value {
	return []annotate.Value{annotate.StringValue(n.p.Append(nil, text))}
}
