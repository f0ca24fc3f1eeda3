package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credence-news/credence/internal/sharedtest"
)

// credence runs the CLI in-process with the given stdin.
func credence(t *testing.T, stdin io.Reader, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetIn(stdin)
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestHelp(t *testing.T) {
	out, err := credence(t, nil, "--help")
	if err != nil || !strings.Contains(out, "normalize") {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = credence(t, nil, "normalize", "--help")
	if err != nil || !strings.Contains(out, "--profile") || !strings.Contains(out, "jsonl") {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"normalize", "--profile", "spacy"},
		{"normalize", "--format", "xml"},
		{"normalize", "--on-bad-row", "ignore"},
		{"normalize", "--no-such-flag"},
		{"normalize", "--lines", "--format", "jsonl"},
	} {
		_, err := credence(t, strings.NewReader("x"), args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

// TestNormalizeJSONLContract checks the exact contract: the input object
// plus "normalized", one per input line, in order, on the parity fixtures.
func TestNormalizeJSONLContract(t *testing.T) {
	path := sharedtest.Path(t, "reference", "nltk-parity", "edge-cases.jsonl")
	in, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := credence(t, bytes.NewReader(in), "normalize", "--profile", "nltk", "--format", "jsonl", "--field", "raw")
	if err != nil {
		t.Fatal(err)
	}
	inLines := strings.Split(strings.TrimSpace(string(in)), "\n")
	outLines := strings.Split(strings.TrimSpace(out), "\n")
	if len(inLines) != len(outLines) {
		t.Fatalf("%d lines in, %d out", len(inLines), len(outLines))
	}
	for i := range inLines {
		var src, got map[string]any
		json.Unmarshal([]byte(inLines[i]), &src)
		if err := json.Unmarshal([]byte(outLines[i]), &got); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		// The fixture carries the expected value under "normalized"; the
		// output replaces it with ours in place: they must agree.
		if got["normalized"] != src["normalized"] || got["raw"] != src["raw"] || got["row"] != src["row"] {
			t.Errorf("line %d: %s", i+1, outLines[i])
		}
	}
}

func TestNormalizeFormats(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "news.csv")
	os.WriteFile(csvPath, []byte("title,text\nBorder,Ledy Pérez grasped\n"), 0o644)
	tests := []struct {
		args []string
		in   string
		want string
	}{
		{[]string{"normalize"}, "The customs officers", "custom officer\n"},
		{[]string{"normalize", "--lines"}, "The boss\nUS glasses\n", "bos\nglass\n"},
		{[]string{"normalize", "--profile", "modern"}, "Officials didn't say", "official not say\n"},
		{[]string{"normalize", "--text", "title,text", "--join", "", csvPath}, "", "title,text,normalized\nBorder,Ledy Pérez grasped,borderledy pérez grasped\n"},
		{[]string{"normalize", "--text", "title,text", "--plain", csvPath}, "", "border ledy pérez grasped\n"},
		{[]string{"normalize", "--format", "tsv", "--no-header", "--text", "2", "--plain"}, "1\tThe dies\n", "dy\n"},
	}
	for _, tc := range tests {
		out, err := credence(t, strings.NewReader(tc.in), tc.args...)
		if err != nil || out != tc.want {
			t.Errorf("%v: %q, %v; want %q", tc.args, out, err, tc.want)
		}
	}
}

func TestNormalizeBadRows(t *testing.T) {
	in := "{\"raw\":\"one\"}\nnot json\n{\"raw\":\"three\"}\n"
	_, err := credence(t, strings.NewReader(in), "normalize", "--format", "jsonl", "--field", "raw")
	if err == nil || !strings.Contains(err.Error(), "- line 2") {
		t.Fatalf("fail mode: %v", err)
	}
	out, err := credence(t, strings.NewReader(in), "normalize", "--format", "jsonl", "--field", "raw", "--on-bad-row", "skip")
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"normalized":"three"`) {
		t.Fatalf("skip mode: %q %v", out, err)
	}
}

func TestNormalizeGzipFile(t *testing.T) {
	path := sharedtest.Path(t, "datasets", "perezrosas", "perezrosas2018.csv.gz")
	out, err := credence(t, nil, "normalize", "--text", "title,text", "--join", "", "--plain", path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n != 980 {
		t.Errorf("%d documents normalized, want 980", n)
	}
}

// repeatReader yields n bytes of a pattern: a huge input without holding it.
type repeatReader struct {
	pat  []byte
	n, i int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.i >= r.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && r.i < r.n {
		c := copy(p[k:min(len(p), k+r.n-r.i)], r.pat[r.i%len(r.pat):])
		k += c
		r.i += c
	}
	return k, nil
}

// TestNormalizeHugeLine feeds one 200 MB line.
func TestNormalizeHugeLine(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB line")
	}
	src := &repeatReader{pat: []byte("The officials passes customs, "), n: 200 << 20}
	out, err := credence(t, bufio.NewReaderSize(src, 1<<20), "normalize", "--lines")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "official pass custom official") {
		t.Fatalf("output %d bytes starting %q", len(out), out[:min(len(out), 60)])
	}
}

// TestRunProcess is the subprocess of TestInterrupt: it runs the command
// line in CREDENCE_RUN_ARGS (tab-separated) the way main does.
func TestRunProcess(t *testing.T) {
	args := os.Getenv("CREDENCE_RUN_ARGS")
	if args == "" {
		t.Skip("helper process of TestInterrupt")
	}
	os.Exit(run(newRoot(), strings.Split(args, "\t")))
}

// TestInterrupt: Ctrl-C ends a training at once, leaving no model file
// (it used to be caught for every command and ignored by those that do
// not watch their context, so a long training ran on to its end).
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	data := sharedtest.Path(t, "datasets", "liar", "train.tsv.gz")
	out := filepath.Join(t.TempDir(), "m.model")
	// Character n-grams make it a training of several seconds.
	args := []string{"train", "--data", data, "--char-ngrams", "2-5", "--test-frac", "0", "--out", out}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CREDENCE_RUN_ARGS="+strings.Join(args, "\t"))
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(stderr.String(), "choosing C by cross-validation"); {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("training did not get going:\n%s", stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("after SIGINT: %v, want the process ended by the signal\n%s", err, stderr)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("after SIGINT: %v, want the process ended by the signal\n%s", err, stderr)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted training left %s (%v)", out, err)
	}
}
