package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/internal/sharedtest"
)

// auditCLI runs audit or crosseval in-process on a root command of its
// own, so these tests do not depend on how main.go registers them.
func auditCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "credence", SilenceUsage: true, SilenceErrors: true}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newAuditCmd(), newCrossevalCmd())
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// auditJSON is the part of `audit --json` the tests read.
type auditJSON struct {
	Documents int
	Majority  float64 `json:"majority_rate"`
	Findings  []struct {
		Kind, Severity, Title string
		Numbers               map[string]float64
	}
	Text struct{ Accuracy float64 } `json:"text_model"`
	Meta *struct {
		Text           struct{ Accuracy float64 }
		ColumnsOnly    struct{ Accuracy float64 }       `json:"columns_only"`
		TextAndColumns struct{ Accuracy float64 }       `json:"text_and_columns"`
		Corrected      *struct{ Accuracy float64 }      `json:"columns_only_corrected"`
		CountLeaks     []struct{ Column, Label string } `json:"count_leaks"`
	}
	Format struct {
		Signals []struct {
			Signal string
			Counts map[string]int
			Pure   bool `json:"shortcut"`
		}
	}
	Duplicates struct {
		Near    pairsJSON `json:"near_duplicates"`
		Topical pairsJSON `json:"topical_twins"`
	}
	Scrub *struct {
		Files  []string
		Before struct{ Accuracy float64 }
		After  struct{ Accuracy float64 }
	}
}

type pairsJSON struct {
	Pairs           int
	CrossLabel      int     `json:"cross_label_pairs"`
	CrossSplit      int     `json:"cross_split_pairs"`
	CrossSplitLabel int     `json:"cross_split_cross_label_pairs"`
	TestShare       float64 `json:"test_share_with_train_twin"`
}

func runAudit(t *testing.T, args ...string) auditJSON {
	t.Helper()
	out, err := auditCLI(t, append([]string{"audit", "--json"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	var r auditJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %.500s", err, out)
	}
	return r
}

func (r auditJSON) finding(kind, severity string) (string, bool) {
	for _, f := range r.Findings {
		if f.Kind == kind && f.Severity == severity {
			return f.Title, true
		}
	}
	return "", false
}

// wireCSV writes a corpus where real articles carry a Reuters dateline.
func wireCSV(t *testing.T, dir string, n int, seed uint64, dateline bool) string {
	rng := rand.New(rand.NewPCG(seed, 3))
	words := strings.Fields("the city council met on monday to discuss a plan for new roads and schools while residents " +
		"asked about taxes budget water parks police fire housing transit jobs health care prices voters election mayor")
	var b strings.Builder
	b.WriteString("title,text,label,site\n")
	for i := 0; i < n; i++ {
		label := []string{"fake", "real"}[i%2]
		w := make([]string, 60+rng.IntN(40))
		for j := range w {
			w[j] = words[rng.IntN(len(words))]
		}
		body := strings.Join(w, " ")
		if dateline && label == "real" {
			body = "WASHINGTON (Reuters) - " + body
		}
		fmt.Fprintf(&b, "Title %d,\"%s\",%s,%s-%d\n", i, body, label, label, i%3)
	}
	p := filepath.Join(dir, fmt.Sprintf("wire%d.csv", seed))
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuditScrubHTML(t *testing.T) {
	dir := t.TempDir()
	data := wireCSV(t, dir, 300, 1, true)
	html := filepath.Join(dir, "audit.html")
	clean := filepath.Join(dir, "clean")
	r := runAudit(t, "--data", data, "--text", "title,text", "--label", "label", "--meta", "site", "--C", "1", "--html", html, "--scrub", clean)
	if title, ok := r.finding("ngram", "high"); !ok || !strings.Contains(title, "reuters") {
		t.Errorf("no high reuters n-gram: %+v", r.Findings)
	}
	if _, ok := r.finding("meta-leak", "high"); !ok {
		t.Errorf("site column not flagged: %+v", r.Findings)
	}
	if r.Scrub == nil || r.Scrub.Before.Accuracy < 0.7 || r.Scrub.After.Accuracy > r.Scrub.Before.Accuracy-0.1 {
		t.Fatalf("scrub: %+v", r.Scrub)
	}
	cleaned, err := os.ReadFile(filepath.Join(clean, "wire1.csv"))
	if err != nil || bytes.Contains(bytes.ToLower(cleaned), []byte("reuters")) || !bytes.HasPrefix(cleaned, []byte("title,text,label,site\n")) {
		t.Errorf("cleaned copy: %v %.300s", err, cleaned)
	}
	var rules struct {
		Cleared []string `json:"cleared_columns"`
		NGrams  []struct{ NGram string }
	}
	b, err := os.ReadFile(filepath.Join(clean, "scrub-rules.json"))
	if err != nil || json.Unmarshal(b, &rules) != nil || len(rules.Cleared) != 1 || len(rules.NGrams) == 0 {
		t.Errorf("rules: %v %s", err, b)
	}
	page, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(page, []byte("<svg")) || bytes.Contains(page, []byte("<script")) {
		t.Errorf("html: %v", err)
	}
	// The table output.
	out, err := auditCLI(t, "audit", "--data", data, "--text", "title,text", "--label", "label", "--C", "1")
	if err != nil || !strings.Contains(out, "SEVERITY") || !strings.Contains(out, "high") {
		t.Errorf("table output: %v\n%s", err, out)
	}
}

func TestAuditUsage(t *testing.T) {
	dir := t.TempDir()
	data := wireCSV(t, dir, 40, 2, false)
	for _, args := range [][]string{
		{"audit"},
		{"audit", "--data", data, "--text", "text", "--label", "label", "--C", "0"},
		{"audit", "--data", data, "--text", "text", "--label", "label", "--profile", "spacy"},
		{"crosseval"},
		{"crosseval", "--corpus", "a=" + data, "--corpus-map", "b=x=y"},
		{"crosseval", "--corpus", "a" + data},
		{"crosseval", "--corpus", "a=" + data, "--corpus", "a=" + data},
	} {
		_, err := auditCLI(t, args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	if _, err := auditCLI(t, "audit", "--data", data, "--text", "text", "--label", "label", "--meta", "nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown meta column: %v", err)
	}
}

func TestCrossevalCommand(t *testing.T) {
	dir := t.TempDir()
	a := wireCSV(t, dir, 200, 3, true)
	// b: another layout, labels to map, rows to drop.
	var sb strings.Builder
	sb.WriteString("id,body,verdict,src\n")
	rng := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < 150; i++ {
		v := []string{"mostly false", "mostly true", "no factual content"}[i%3]
		w := make([]string, 50)
		for j := range w {
			w[j] = []string{"city", "council", "taxes", "roads", "mayor", "voters", "plan", "budget"}[rng.IntN(8)]
		}
		fmt.Fprintf(&sb, "%d,%s,%s,s%d\n", i, strings.Join(w, " "), v, i%5)
	}
	b := filepath.Join(dir, "b.csv")
	os.WriteFile(b, []byte(sb.String()), 0o644)
	out, err := auditCLI(t, "crosseval", "--json", "--C", "10",
		"--corpus", "wire="+a, "--corpus-text", "wire=title,text", "--corpus-label", "wire=label",
		"--corpus", "other="+b, "--corpus-text", "other=body", "--corpus-label", "other=verdict",
		"--corpus-map", "other=mostly false=fake;mostly true=real;no factual content=-", "--group", "other=src")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Corpora []string
		Sizes   []int `json:"documents"`
		Cells   [][]*struct {
			N        int
			Accuracy float64
		}
		Group []*struct{ N int } `json:"group_disjoint"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err, out)
	}
	if len(m.Cells) != 2 || m.Sizes[1] != 100 || m.Cells[0][1].N != 100 || m.Cells[1][0].N != 200 || m.Group[1] == nil || m.Group[0] != nil {
		t.Errorf("crosseval: %s", out)
	}
	if m.Cells[0][0].Accuracy < 0.7 || m.Cells[0][1].Accuracy > m.Cells[0][0].Accuracy-0.15 {
		t.Errorf("the dateline should carry the in-corpus figure only: %s", out)
	}
	out, err = auditCLI(t, "crosseval", "--C", "10", "--corpus", "wire="+a, "--corpus-text", "wire=title,text", "--corpus-label", "wire=label", "--corpus-filter", "wire=site=real-0|fake-0|real-1|fake-1")
	if err != nil || !strings.Contains(out, "[0.") || !strings.Contains(out, "134") {
		t.Errorf("one corpus, filtered: %v\n%s", err, out)
	}
	if _, err := auditCLI(t, "crosseval", "--C", "1", "--corpus", "wire="+a, "--corpus-text", "wire=title,text", "--corpus-label", "wire=label", "--corpus", "other="+b, "--corpus-text", "other=body",
		"--corpus-label", "other=verdict", "--corpus-map", "other=mostly false=fake;*=true"); err == nil || !strings.Contains(err.Error(), "labels") {
		t.Errorf("mismatched labels: %v", err)
	}
}

// TestAuditLIARCreditHistory: LIAR's credit-history counts include each
// statement's own rating. The audit must say so, with the accuracy with
// and without them (the shared baselines: 0.44 vs 0.25).
func TestAuditLIARCreditHistory(t *testing.T) {
	train := sharedtest.Path(t, "datasets", "liar", "train.tsv.gz")
	counts := "barely_true_counts,false_counts,half_true_counts,mostly_true_counts,pants_on_fire_counts"
	r := runAudit(t, "--data", train, "--meta", counts, "--C", "1")
	if r.Documents != 10269 || r.Meta == nil {
		t.Fatalf("%+v", r)
	}
	if _, ok := r.finding("meta-leak", "high"); !ok {
		t.Errorf("no high meta-leak finding: %+v", r.Findings)
	}
	if _, ok := r.finding("label-in-count", "high"); !ok || len(r.Meta.CountLeaks) != 5 {
		t.Errorf("label-in-count: %+v %+v", r.Findings, r.Meta.CountLeaks)
	}
	m := r.Meta
	if m.ColumnsOnly.Accuracy < m.Text.Accuracy+0.1 || m.TextAndColumns.Accuracy < m.Text.Accuracy+0.1 ||
		m.Text.Accuracy < 0.2 || m.Text.Accuracy > 0.3 || m.Corrected == nil || m.Corrected.Accuracy > m.ColumnsOnly.Accuracy-0.1 {
		t.Errorf("LIAR: columns %.3f, text %.3f, text+columns %.3f, corrected %+v", m.ColumnsOnly.Accuracy, m.Text.Accuracy, m.TextAndColumns.Accuracy, m.Corrected)
	}
	t.Logf("LIAR 6-class held-out accuracy: text %.3f, counts only %.3f, text+counts %.3f, counts minus own label %.3f",
		m.Text.Accuracy, m.ColumnsOnly.Accuracy, m.TextAndColumns.Accuracy, m.Corrected.Accuracy)
}

// TestAuditPerezRosas: only fake items lack a title/body break, and
// fake/legit items come in topical pairs that the random split separates.
func TestAuditPerezRosas(t *testing.T) {
	data := sharedtest.Path(t, "datasets", "perezrosas", "perezrosas2018.csv.gz")
	split := sharedtest.Path(t, "datasets", "perezrosas", "split.json")
	r := runAudit(t, "--data", data, "--test-rows", split, "--C", "1")
	found := false
	for _, f := range r.Findings {
		found = found || f.Kind == "format-signal" && f.Severity == "high" && f.Title == "empty body: fake 31, legit 0"
	}
	if !found {
		t.Errorf("empty body not flagged: %+v", r.Findings)
	}
	tw := r.Duplicates.Topical
	if tw.CrossSplitLabel < 10 || tw.CrossLabel < tw.Pairs*3/4 {
		t.Errorf("topical twins: %+v", tw)
	}
	if title, ok := r.finding("topical-twin", "high"); !ok {
		t.Errorf("topical twins not a high finding: %+v", r.Findings)
	} else {
		t.Log(title)
	}
}
