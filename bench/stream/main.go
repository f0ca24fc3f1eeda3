// Command stream is the helper of bench/stream.sh: it generates
// article-length documents and checks collected verdicts against
// `credence classify` output.
//
//	go run ./bench/stream gen -n 100000 -words 600 -source corpus.csv.gz > docs.jsonl
//	go run ./bench/stream compare -classify classify.jsonl -collected collected.jsonl -n 100000
//	go run ./bench/stream info -nats nats://127.0.0.1:4222 -prefix credence
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/annotate"
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/model/defaultmodel"
	"github.com/credence-news/credence/stream"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: stream gen|compare [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "compare":
		err = compare(os.Args[2:])
	case "info":
		err = info(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stream:", err)
		os.Exit(1)
	}
}

const fallback = `the senate voted on tuesday to pass a budget bill after weeks of debate officials said
shocking truth doctors hate this secret trick that they do not want you to know celebrity insiders reveal
president minister election campaign police reported statement according to sources confirmed study
researchers university found evidence vaccine miracle cure exposed hoax viral share before deleted`

// gen writes n JSONL documents {"id","text"}: windows of `words` words at
// random places in the running text of a real corpus (its "text" column),
// so that word statistics are those of news articles.
func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	n := fs.Int("n", 1000, "documents")
	words := fs.Int("words", 600, "words per document")
	source := fs.String("source", "", "CSV corpus with a text column (default: a small built-in word list)")
	seed := fs.Uint64("seed", 1, "random seed")
	fs.Parse(args)
	var tokens []string
	if *source != "" {
		spec := corpus.Spec{Inputs: []corpus.Input{{Path: *source}}, Text: []string{"text"}, SkipBad: true}
		var st corpus.Stats
		err := corpus.Each(spec, spec.Inputs[0], func(d corpus.Document) error {
			tokens = append(tokens, strings.Fields(d.Text)...)
			return nil
		}, &st)
		if err != nil {
			return err
		}
	}
	if len(tokens) < 10**words {
		tokens = append(tokens, strings.Fields(fallback)...)
		for len(tokens) < 10**words {
			tokens = append(tokens, tokens...)
		}
	}
	rng := rand.New(rand.NewPCG(*seed, 0x5eed))
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	var line []byte
	for i := range *n {
		start := rng.IntN(len(tokens) - *words)
		line = append(line[:0], `{"id":"d`...)
		line = fmt.Appendf(line, "%08d", i)
		line = append(line, `","text":`...)
		line = annotate.AppendJSONString(line, strings.Join(tokens[start:start+*words], " "))
		line = append(line, "}\n"...)
		w.Write(line)
	}
	return w.Flush()
}

type verdict struct {
	ID            string             `json:"id"`
	Label         string             `json:"label"`
	Verdict       string             `json:"verdict"`
	Probabilities map[string]float64 `json:"probabilities"`
}

// compare checks that the collected verdicts have each document exactly
// once, and the label, probabilities and verdict `credence classify`
// computes in-process (the verdict from its probabilities with the model's
// uncertainty band).
func compare(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ExitOnError)
	classify := fs.String("classify", "", "credence classify --format jsonl output (with an id member)")
	collected := fs.String("collected", "", "credence collect output")
	n := fs.Int("n", -1, "documents expected")
	modelPath := fs.String("model", "", "model file (default: the built-in model)")
	fs.Parse(args)
	var m *model.Model
	var err error
	if *modelPath == "" {
		m, err = defaultmodel.Load()
	} else {
		m, err = model.Load(*modelPath)
	}
	if err != nil {
		return err
	}
	want := map[string]verdict{}
	err = eachLine(*classify, func(b []byte) error {
		var v verdict
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		probs := make([]float64, len(m.Labels()))
		for i, l := range m.Labels() {
			probs[i] = v.Probabilities[l]
		}
		v.Verdict = m.Verdict(probs)
		want[v.ID] = v
		return nil
	})
	if err != nil {
		return err
	}
	r := map[string]int{}
	seen := make(map[string]bool, len(want))
	err = eachLine(*collected, func(b []byte) error {
		var v verdict
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		r["lines"]++
		if seen[v.ID] {
			r["duplicate_ids"]++
			return nil
		}
		seen[v.ID] = true
		w, ok := want[v.ID]
		if !ok {
			r["unknown_ids"]++
			return nil
		}
		if v.Label != w.Label {
			r["label_mismatches"]++
		}
		if v.Verdict != w.Verdict {
			r["verdict_mismatches"]++
		}
		for l, p := range w.Probabilities {
			if v.Probabilities[l] != p {
				r["probability_mismatches"]++
				break
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r["distinct_ids"] = len(seen)
	r["expected"] = len(want)
	for id := range want {
		if !seen[id] {
			r["missing"]++
		}
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	bad := r["duplicate_ids"] + r["unknown_ids"] + r["label_mismatches"] + r["verdict_mismatches"] + r["probability_mismatches"] + r["missing"]
	if bad > 0 || (*n >= 0 && (len(seen) != *n || len(want) != *n)) {
		return fmt.Errorf("collected output does not match (%d problems)", bad)
	}
	return nil
}

func eachLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	for line := 1; ; line++ {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			rest, err2 := br.ReadBytes('\n')
			b, err = append(append([]byte(nil), b...), rest...), err2
		}
		if len(bytes.TrimSpace(b)) > 0 {
			if ferr := fn(b); ferr != nil {
				return fmt.Errorf("%s line %d: %w", path, line, ferr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// info prints a pipeline's state as JSON: messages queued and published,
// deliveries (redeliveries = deliveries - messages), verdict messages stored and
// the time between the first and the last verdict stored.
func info(args []string) error {
	fs := flag.NewFlagSet("info", flag.ExitOnError)
	url := fs.String("nats", nats.DefaultURL, "server")
	prefix := fs.String("prefix", stream.DefaultPrefix, "pipeline prefix")
	fs.Parse(args)
	t, err := stream.NewTopology(*prefix)
	if err != nil {
		return err
	}
	nc, err := nats.Connect(*url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := map[string]any{}
	if s, err := js.Stream(ctx, t.DocsStream); err == nil {
		st := s.CachedInfo().State
		out["docs_queued"], out["docs_published"] = st.Msgs, st.LastSeq
		if c, err := js.Consumer(ctx, t.DocsStream, t.Consumer); err == nil {
			ci := c.CachedInfo()
			out["deliveries"] = ci.Delivered.Consumer
			out["redeliveries"] = int64(ci.Delivered.Consumer) - int64(ci.Delivered.Stream)
		}
	}
	if s, err := js.Stream(ctx, t.ResultsStream); err == nil {
		st := s.CachedInfo().State
		out["verdicts_stored"] = st.Msgs
		out["verdicts_span_s"] = st.LastTime.Sub(st.FirstTime).Seconds()
	}
	if s, err := js.Stream(ctx, t.DeadStream); err == nil {
		out["dead_letters"] = s.CachedInfo().State.Msgs
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	return nil
}
