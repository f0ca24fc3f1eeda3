package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/internal/annotate"
	"github.com/credence-news/credence/normalize"
)

func newNormalizeCmd() *cobra.Command {
	var (
		rf      recordFlags
		profile string
		plain   bool
	)
	cmd := &cobra.Command{
		Annotations: map[string]string{graceful: "watches its context"},
		Use:         "normalize [FILE...]",
		Short:       "Turn raw article text into the preprocessed form models are trained on",
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
			return rf.run(cmd, args, "normalize", normalizer{p}, annotate.Options{PlainOutput: plain})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&profile, "profile", "nltk", "normalization profile: "+strings.Join(normalize.Names(), ", "))
	rf.register(fl)
	fl.BoolVar(&plain, "plain", false, "write only the normalized text, one line per record")
	return cmd
}

// normalizer adapts a profile to the annotate engine: one field, "normalized".
type normalizer struct{ p normalize.Profile }

func (normalizer) Fields() []string { return []string{"normalized"} }

func (n normalizer) Annotate(text []byte) []annotate.Value {
	return []annotate.Value{annotate.StringValue(n.p.Append(nil, text))}
}
