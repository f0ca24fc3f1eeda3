// Command fasttext is the credence half of bench/fasttext.sh: it trains
// and evaluates credence's fastText-class model (model/fasttext) on files
// in fastText's input format, so that /usr/bin/time can measure it as one
// process, like the fasttext binary.
//
//	fasttext train -input train.txt -output model.crft [-epoch 5 -wordNgrams 2 -lr 0.5 -thread 2 ...]
//	fasttext test -model model.crft -input test.txt [-bulk 20000]
//	fasttext test -model model.bin -input test.txt   (fastText's own .bin/.ftz)
//	fasttext calibrate   (how much faster two CPU-bound goroutines are than one, here and now)
//
// Each prints one JSON object on stdout.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/credence-news/credence/model/fasttext"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: fasttext train|test [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "train":
		err = train(os.Args[2:])
	case "test":
		err = test(os.Args[2:])
	case "calibrate":
		err = calibrate()
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fasttext:", err)
		os.Exit(1)
	}
}

func train(argv []string) error {
	o := fasttext.DefaultOptions()
	fs := flag.NewFlagSet("train", flag.ExitOnError)
	input := fs.String("input", "", "training file (fastText format)")
	output := fs.String("output", "", "model file to write")
	fs.IntVar(&o.Dim, "dim", o.Dim, "")
	fs.IntVar(&o.Epoch, "epoch", o.Epoch, "")
	fs.Float64Var(&o.LR, "lr", o.LR, "")
	fs.IntVar(&o.WordNgrams, "wordNgrams", o.WordNgrams, "")
	fs.IntVar(&o.MinCount, "minCount", o.MinCount, "")
	fs.IntVar(&o.MinN, "minn", o.MinN, "")
	fs.IntVar(&o.MaxN, "maxn", o.MaxN, "")
	fs.IntVar(&o.Bucket, "bucket", o.Bucket, "")
	fs.StringVar(&o.Loss, "loss", o.Loss, "")
	fs.IntVar(&o.Threads, "thread", o.Threads, "")
	seed := fs.Uint64("seed", 0, "")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile")
	fs.Parse(argv)
	o.Seed = *seed
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	m, err := fasttext.TrainCorpus(fasttext.FileCorpus(*input), o)
	if err != nil {
		return err
	}
	trained := time.Since(start)
	var size int64
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			return err
		}
		if size, err = m.WriteTo(f); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	info := m.Info()
	ntokens := info["ntokens"].(int64)
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"train_s":        trained.Seconds(),
		"total_s":        time.Since(start).Seconds(),
		"tokens_per_s":   float64(ntokens) * float64(o.Epoch) / trained.Seconds(),
		"ntokens":        ntokens,
		"nwords":         info["nwords"],
		"ngram_rows":     info["ngram_rows"],
		"model_bytes":    size,
		"threads":        o.Threads,
		"go_max_procs":   runtime.GOMAXPROCS(0),
		"train_docs":     info["train_docs"],
		"heap_inuse_mib": heapMiB(),
		"dict_s":         info["train_dict_seconds"],
		"sgd_tokens_per_s": float64(ntokens) * float64(o.Epoch) /
			(trained.Seconds() - info["train_dict_seconds"].(float64)),
	})
}

func heapMiB() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

func load(path string) (*fasttext.Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(b, []byte("CRDFTXT")) {
		m := new(fasttext.Model)
		return m, m.UnmarshalBinary(b)
	}
	return fasttext.Decode(b)
}

func test(argv []string) error {
	fs := flag.NewFlagSet("test", flag.ExitOnError)
	modelPath := fs.String("model", "", "model file (credence's or fastText's .bin/.ftz)")
	input := fs.String("input", "", "test file (fastText format)")
	bulk := fs.Int("bulk", 20000, "documents for the throughput measurement (the test texts repeated)")
	fs.Parse(argv)
	t0 := time.Now()
	m, err := load(*modelPath)
	if err != nil {
		return err
	}
	loadS := time.Since(t0).Seconds()
	f, err := os.Open(*input)
	if err != nil {
		return err
	}
	defer f.Close()
	var texts, gold []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		var words []string
		label := ""
		for _, w := range strings.Fields(sc.Text()) {
			if strings.HasPrefix(w, fasttext.LabelPrefix) {
				if label == "" {
					label = strings.TrimPrefix(w, fasttext.LabelPrefix)
				}
				continue
			}
			words = append(words, w)
		}
		texts = append(texts, strings.Join(words, " "))
		gold = append(gold, label)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	correct := 0
	for i, t := range texts {
		p := m.Predict(t, 1, 0)
		if len(p) > 0 && p[0].Label == gold[i] {
			correct++
		}
	}
	// Throughput: the test texts repeated to at least -bulk documents, one
	// goroutine (fastText's predict is single-threaded), top-1 like `fasttext predict`.
	n := 0
	var best float64
	for rep := 0; rep < 3 && *bulk > 0; rep++ {
		start := time.Now()
		n = 0
		for n < *bulk {
			for _, t := range texts {
				m.Predict(t, 1, 0)
			}
			n += len(texts)
		}
		if s := time.Since(start).Seconds(); best == 0 || s < best {
			best = s
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"n":               len(texts),
		"accuracy":        float64(correct) / float64(len(texts)),
		"bulk_docs":       n,
		"bulk_docs_per_s": float64(n) / max(best, 1e-9),
		"load_s":          loadS,
		"labels":          m.Labels(),
	})
}

var sink [2]uint64

// calibrate measures the parallel speedup the machine gives right now: the
// same CPU-bound loop on 1 and on 2 goroutines (2.0 = two free cores).
func calibrate() error {
	spin := func(n int) time.Duration {
		start := time.Now()
		done := make(chan struct{})
		for g := range n {
			go func() {
				x := uint64(g)
				for range 300_000_000 {
					x = x*6364136223846793005 + 1442695040888963407
				}
				sink[g] = x
				done <- struct{}{}
			}()
		}
		for range n {
			<-done
		}
		return time.Since(start)
	}
	best1, best2 := time.Duration(1<<62), time.Duration(1<<62)
	for range 3 {
		best1 = min(best1, spin(1))
		best2 = min(best2, spin(2))
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"parallel_speedup": 2 * best1.Seconds() / best2.Seconds(),
	})
}
