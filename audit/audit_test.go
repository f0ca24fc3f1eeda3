package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/model"
)

// plant says which shortcuts a synthetic corpus carries.
type plant struct {
	dateline bool // most real bodies start with "WASHINGTON (Reuters) - "
	length   bool // fake articles are a third as long
	leak     bool // a "site" column that names the label
	dups     int  // this many documents copied with a small edit
	emptyRow bool // some fake rows have an empty body
}

var syllables = []string{"ka", "lo", "mi", "ne", "ru", "ta", "vi", "so", "de", "pa", "gu", "re", "zo", "fi", "ba", "ni"}

// vocabulary makes n distinct pronounceable words.
func vocabulary(rng *rand.Rand, n int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(syllables[rng.IntN(len(syllables))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// synthetic builds a labeled corpus of random text (the same vocabulary
// for both classes, so the text itself says nothing) with shortcuts planted.
func synthetic(n int, p plant, seed uint64) []corpus.Document {
	rng := rand.New(rand.NewPCG(seed, 7))
	vocab := vocabulary(rng, 3000)
	var docs []corpus.Document
	sentence := func(words int) string {
		w := make([]string, words)
		for i := range w {
			w[i] = vocab[rng.IntN(len(vocab))]
		}
		w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
		return strings.Join(w, " ") + "."
	}
	for i := 0; i < n; i++ {
		label := []string{"fake", "real"}[i%2]
		words := 90 + rng.IntN(60)
		if p.length && label == "fake" {
			words /= 3
		}
		var parts []string
		for words > 0 {
			k := min(words, 8+rng.IntN(10))
			parts = append(parts, sentence(k))
			words -= k
		}
		body := strings.Join(parts, " ")
		if p.dateline && label == "real" && rng.IntN(10) < 7 {
			body = "WASHINGTON (Reuters) - " + body
		}
		if p.emptyRow && label == "fake" && i%10 == 0 {
			body = ""
		}
		title := sentence(6 + rng.IntN(5))
		meta := map[string]string{"title": title, "text": body, "site": fmt.Sprintf("site%d", rng.IntN(6)),
			"score": fmt.Sprint(rng.IntN(5))}
		if p.leak {
			meta["site"] = fmt.Sprintf("%s-site%d", label, rng.IntN(3))
		}
		docs = append(docs, corpus.Document{Text: title + " " + body, Label: label, Meta: meta, File: "synthetic.csv", Line: i + 2, Row: i})
	}
	for j := 0; j < p.dups; j++ {
		src := docs[rng.IntN(n)]
		d := src
		d.Text = src.Text + " " + vocab[rng.IntN(len(vocab))]
		d.Row, d.Line = len(docs), len(docs)+2
		docs = append(docs, d)
	}
	return docs
}

func quick() Options {
	return Options{Train: model.TrainOptions{C: 1}, Title: "title", Body: "text", Seed: 1}
}

func highKinds(r *Report) map[string]int {
	out := map[string]int{}
	for _, f := range r.Findings {
		if f.Severity == High {
			out[f.Kind]++
		}
	}
	return out
}

func TestCleanCorpusHasNoHighFindings(t *testing.T) {
	opt := quick()
	opt.Meta = []string{"site", "score"}
	r, err := Run(synthetic(400, plant{}, 1), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		if f.Severity == High {
			t.Errorf("clean corpus: high finding %s: %s", f.Kind, f.Title)
		}
	}
	if r.Duplicates.NearDuplicates.Pairs != 0 || r.Duplicates.TopicalTwins.Pairs != 0 {
		t.Errorf("clean corpus: pairs %+v %+v", r.Duplicates.NearDuplicates, r.Duplicates.TopicalTwins)
	}
	if r.Format.Model.Accuracy > r.Majority+0.1 {
		t.Errorf("clean corpus: format model %.3f vs majority %.3f", r.Format.Model.Accuracy, r.Majority)
	}
}

func TestDatelineIsFlagged(t *testing.T) {
	r, err := Run(synthetic(400, plant{dateline: true}, 2), quick())
	if err != nil {
		t.Fatal(err)
	}
	var found *NGram
	for i, g := range r.NGrams {
		if strings.Contains(g.Text, "reuters") {
			found = &r.NGrams[i]
			break
		}
	}
	if found == nil {
		t.Fatalf("no reuters n-gram among %+v", r.NGrams)
	}
	if found.Class != "real" || !found.Boilerplate || found.Severity != High || found.AtStart < 0.9 {
		t.Errorf("reuters n-gram: %+v", *found)
	}
	var sig *Signal
	for i, s := range r.Format.Signals {
		if s.Name == "leading dateline" {
			sig = &r.Format.Signals[i]
		}
	}
	if sig == nil || !sig.Pure || sig.Counts["fake"] != 0 || sig.Counts["real"] < 100 {
		t.Errorf("dateline signal: %+v", sig)
	}
	if highKinds(r)[KindFormatSignal] == 0 {
		t.Errorf("the dateline signal is not a high finding: %+v", r.Findings)
	}

	// Scrubbing removes it.
	ru := r.Rules()
	c, err := ru.Compile()
	if err != nil {
		t.Fatal(err)
	}
	got := c.Clean("WASHINGTON (Reuters) - Kalo mine said on Monday.")
	if strings.Contains(strings.ToLower(got), "reuters") || !strings.Contains(got, "Kalo mine said") {
		t.Errorf("Clean: %q", got)
	}
}

func TestLengthIsFlagged(t *testing.T) {
	r, err := Run(synthetic(400, plant{length: true}, 3), quick())
	if err != nil {
		t.Fatal(err)
	}
	h := highKinds(r)
	if h[KindFormatModel] != 1 || h[KindFormatFeature] == 0 {
		t.Errorf("length: high findings %v; format %.3f vs majority %.3f", h, r.Format.Model.Accuracy, r.Majority)
	}
	if r.Format.Single[0].Accuracy < 0.9 || !strings.Contains(r.Format.Single[0].Feature, "log") {
		t.Errorf("best single feature: %+v", r.Format.Single[0])
	}
}

func TestMetaLeakIsFlagged(t *testing.T) {
	opt := quick()
	opt.Meta = []string{"site", "score"}
	r, err := Run(synthetic(400, plant{leak: true}, 4), opt)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Meta
	if m.ColumnsOnly.Accuracy < 0.95 || m.Text.Accuracy > 0.7 || highKinds(r)[KindMetaLeak] != 1 {
		t.Errorf("meta: columns %.3f text %.3f findings %+v", m.ColumnsOnly.Accuracy, m.Text.Accuracy, r.Findings)
	}
	if m.Columns[0].Kind != "categorical" || m.Columns[1].Kind != "numeric" {
		t.Errorf("column kinds: %+v", m.Columns)
	}
	if ru := r.Rules(); len(ru.ClearColumns) != 2 {
		t.Errorf("rules clear %v", ru.ClearColumns)
	}
}

func TestCountLeak(t *testing.T) {
	// Each row's own label is counted in the column of that label.
	rng := rand.New(rand.NewPCG(5, 5))
	labels := []string{"false", "half-true", "true"}
	var docs []corpus.Document
	for i := 0; i < 600; i++ {
		l := labels[i%3]
		meta := map[string]string{}
		for _, c := range labels {
			n := rng.IntN(3)
			if c == l {
				n++
			}
			meta[strings.ReplaceAll(c, "-", "_")+"_counts"] = fmt.Sprint(n)
		}
		docs = append(docs, corpus.Document{Text: fmt.Sprintf("statement number %d about things", i), Label: l, Meta: meta, File: "x", Row: i})
	}
	opt := quick()
	opt.Meta = []string{"false_counts", "half_true_counts", "true_counts"}
	r, err := Run(docs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Meta.CountLeaks) != 3 {
		t.Fatalf("count leaks: %+v", r.Meta.CountLeaks)
	}
	for _, l := range r.Meta.CountLeaks {
		if !l.NameMatch || l.WithLabel != 1 {
			t.Errorf("leak %+v", l)
		}
	}
	if highKinds(r)[KindLabelInCount] != 1 || r.Meta.Corrected.Accuracy > r.Meta.ColumnsOnly.Accuracy-0.1 {
		t.Errorf("corrected %.3f vs %.3f", r.Meta.Corrected.Accuracy, r.Meta.ColumnsOnly.Accuracy)
	}
}

func TestDuplicatesAreFlagged(t *testing.T) {
	docs := synthetic(400, plant{dups: 40}, 6)
	r, err := Run(docs, quick())
	if err != nil {
		t.Fatal(err)
	}
	nd := r.Duplicates.NearDuplicates
	if nd.Pairs < 35 || nd.CrossSplit == 0 || nd.TestWithTwin == 0 {
		t.Errorf("near-duplicates: %+v", nd)
	}
	if highKinds(r)[KindNearDuplicate] != 1 {
		t.Errorf("test share %.3f: findings %+v", nd.TestShare, r.Findings)
	}
	for _, e := range nd.Examples {
		if e.Jaccard < 0.5 {
			t.Errorf("example below the threshold: %+v", e)
		}
	}
}

func TestEmptyBody(t *testing.T) {
	r, err := Run(synthetic(400, plant{emptyRow: true}, 8), quick())
	if err != nil {
		t.Fatal(err)
	}
	ok := false
	for _, f := range r.Findings {
		ok = ok || f.Kind == KindFormatSignal && f.Severity == High && strings.HasPrefix(f.Title, "empty body: fake 40, real 0")
	}
	if !ok {
		t.Errorf("empty body not flagged: %+v", r.Findings)
	}
}

func TestReportWriters(t *testing.T) {
	docs := synthetic(300, plant{dateline: true, dups: 10}, 9)
	for i := range docs {
		if docs[i].Label == "fake" {
			docs[i].Label = `<b>fake</b>`
		}
	}
	opt := quick()
	opt.Meta = []string{"site"}
	r, err := Run(docs, opt)
	if err != nil {
		t.Fatal(err)
	}
	var h bytes.Buffer
	if err := WriteHTML(&h, "audit <test>", r); err != nil {
		t.Fatal(err)
	}
	page := h.String()
	for _, bad := range []string{"<b>fake", "<test>", "src=", "href=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	if strings.Count(page, "<svg") < 3 || !strings.Contains(page, "&lt;b&gt;fake") {
		t.Errorf("HTML lacks plots or escaped labels")
	}
	var tx bytes.Buffer
	if err := WriteText(&tx, "audit", r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tx.String(), "SEVERITY") || !strings.Contains(tx.String(), "(reuters)") {
		t.Errorf("text report:\n%s", tx.String())
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil || back["findings"] == nil || back["duplicates"] == nil {
		t.Errorf("JSON: %v %s", err, b[:200])
	}
}

func TestScrubFiles(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "in.csv")
	os.WriteFile(csvPath, []byte("title,text,label,site\n"+
		"A title,\"WASHINGTON (Reuters) - The vote passed. Click to share this.\",real,r1\n"+
		"B title,\"Nothing here, share.\",fake,f1\n"), 0o644)
	ru := &Rules{Dateline: Dateline.String(), Regexes: []string{rawRegex("share.")}, NGrams: []RuleNGram{{NGram: "click", View: ViewNLTK}},
		ClearColumns: []string{"site"}}
	out := filepath.Join(dir, "out")
	spec := corpus.Spec{Inputs: []corpus.Input{{Path: csvPath}}, Text: []string{"title", "text"}, Label: "label"}
	files, skipped, err := WriteScrubbed(spec, ru, out)
	if err != nil || skipped != 0 || len(files) != 1 {
		t.Fatal(files, skipped, err)
	}
	got, _ := os.ReadFile(files[0])
	want := "title,text,label,site\nA title,The vote passed. to share this.,real,\nB title,\"Nothing here,\",fake,\n"
	if string(got) != want {
		t.Errorf("scrubbed CSV:\n%q\nwant\n%q", got, want)
	}
	// JSONL: fields in order, others untouched, output gzip like the input name.
	line, err := scrubObject([]byte(`{"id":7,"text":"WASHINGTON (Reuters) - Click here","site":"r1","n":null}`), []string{"text"}, []string{"site"}, mustCompile(t, ru))
	if err != nil || string(line) != `{"id":7,"text":"here","site":"","n":null}` {
		t.Errorf("JSONL: %s %v", line, err)
	}
}

func mustCompile(t *testing.T, ru *Rules) *Cleaner {
	c, err := ru.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCrossEval(t *testing.T) {
	a := synthetic(200, plant{dateline: true}, 10)
	b := synthetic(200, plant{}, 11)
	for i := range b {
		b[i].Meta["group"] = fmt.Sprint(i % 9)
	}
	m, err := CrossEval([]Corpus{{Name: "a", Docs: a}, {Name: "b", Docs: b, Group: "group"}},
		CrossOptions{Train: model.TrainOptions{C: 1}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cells) != 2 || m.Cells[0][1] == nil || m.Cells[1][0] == nil || m.Group[1] == nil || m.Group[0] != nil {
		t.Fatalf("matrix %+v", m)
	}
	// The dateline makes a look easy, but it does not carry over to b.
	if m.Cells[0][0].Accuracy < m.Cells[0][1].Accuracy+0.1 || m.Cells[0][1].Accuracy > 0.6 || m.Cells[0][1].N != 200 {
		t.Errorf("a→a %.3f a→b %.3f", m.Cells[0][0].Accuracy, m.Cells[0][1].Accuracy)
	}
	var buf bytes.Buffer
	if err := WriteCrossText(&buf, m); err != nil || !strings.Contains(buf.String(), "[0.") {
		t.Errorf("%v\n%s", err, buf.String())
	}
	b[0].Label = "satire"
	if _, err := CrossEval([]Corpus{{Name: "a", Docs: a}, {Name: "b", Docs: b}}, CrossOptions{}); err == nil || !strings.Contains(err.Error(), "labels") {
		t.Errorf("mismatched labels: %v", err)
	}
}
