package annotate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/sharedtest"
	"github.com/credence-news/credence/normalize"
)

// upper is a test annotator: it adds "upper", the text in capitals.
type upper struct{}

func (upper) Fields() []string { return []string{"upper"} }
func (upper) Annotate(text []byte) []Value {
	return []Value{StringValue(bytes.ToUpper(text))}
}

func run(t *testing.T, in string, opt Options) (string, Stats, error) {
	t.Helper()
	var out bytes.Buffer
	st, err := Run(context.Background(), "in", strings.NewReader(in), &out, upper{}, opt)
	return out.String(), st, err
}

func TestJSONL(t *testing.T) {
	in := `{"id":1,"raw":"a b","n":[1,{"x":null}]}` + "\n" +
		"\n" + // blank lines are skipped
		`{"raw":null}` + "\n" +
		`{ "upper" : "old", "raw" : "c\"d", "z":true }` + "\r\n" +
		`{}` + "\n"
	out, st, err := run(t, in, Options{Format: JSONL, Fields: []string{"raw"}, SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"raw":"a b","n":[1,{"x":null}],"upper":"A B"}` + "\n" +
		`{"raw":null,"upper":""}` + "\n" +
		`{"upper":"C\"D","raw":"c\"d","z":true}` + "\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if st.Records != 3 || st.Skipped != 1 || !strings.Contains(st.FirstBad.Error(), `in line 5: no field "raw"`) {
		t.Errorf("stats %+v", st)
	}
}

func TestJSONLFailNamesLine(t *testing.T) {
	in := `{"raw":"ok"}` + "\n" + `{"raw": "unterminated}` + "\n" + `{"raw":"never"}` + "\n"
	out, _, err := run(t, in, Options{Format: JSONL, Fields: []string{"raw"}})
	var le *corpus.LineError
	if !errors.As(err, &le) || le.Line != 2 {
		t.Fatalf("err = %v, want line 2", err)
	}
	if out != `{"raw":"ok","upper":"OK"}`+"\n" {
		t.Errorf("output before the error: %q", out)
	}
}

func TestJSONLBadRows(t *testing.T) {
	for _, in := range []string{`[1,2]`, `"str"`, `{"raw":1}`, `{"raw":"x"} {}`, `{"raw":"x"`, `nul`} {
		_, _, err := run(t, in+"\n", Options{Format: JSONL, Fields: []string{"raw"}})
		if err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

func TestInvalidUTF8IsRepairedAndCounted(t *testing.T) {
	in := "{\"raw\":\"a\xffb\",\"other\":\"\xfe\"}\n"
	out, st, err := run(t, in, Options{Format: JSONL, Fields: []string{"raw"}})
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid([]byte(out)) || !strings.Contains(out, `"upper":"A`+"\uFFFD"+`B"`) {
		t.Errorf("output %q", out)
	}
	if st.BadUTF8 != 2 || st.BadUTF8Docs != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCSVAddsColumn(t *testing.T) {
	in := "id,title,text\n1,Hello,\"big\nworld\"\n2,\"a,b\",c\n"
	out, _, err := run(t, in, Options{Format: CSV, Fields: []string{"title", "text"}, Join: ""})
	if err != nil {
		t.Fatal(err)
	}
	want := "id,title,text,upper\n1,Hello,\"big\nworld\",\"HELLOBIG\nWORLD\"\n2,\"a,b\",c,\"A,BC\"\n"
	if out != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
}

func TestTSVPlainNoHeader(t *testing.T) {
	in := "1\tfalse\tSays \"x\n2\ttrue\ty\n"
	out, _, err := run(t, in, Options{Format: TSV, Fields: []string{"3"}, NoHeader: true, PlainOutput: true})
	if err != nil {
		t.Fatal(err)
	}
	if out != "SAYS \"X\nY\n" {
		t.Errorf("got %q", out)
	}
}

func TestLinesAndText(t *testing.T) {
	out, _, err := run(t, "a\nb\r\n\nc", Options{Format: Lines})
	if err != nil || out != "A\nB\n\nC\n" {
		t.Errorf("lines: %q %v", out, err)
	}
	out, _, err = run(t, "a\nb", Options{Format: Text})
	if err != nil || out != "A\nB\n" {
		t.Errorf("text: %q %v", out, err)
	}
	out, _, err = run(t, "", Options{Format: Text})
	if err != nil || out != "\n" {
		t.Errorf("empty text: %q %v", out, err)
	}
	out, st, err := run(t, "", Options{Format: Lines})
	if err != nil || out != "" || st.Records != 0 {
		t.Errorf("empty lines: %q %v", out, err)
	}
}

func TestOverlongLine(t *testing.T) {
	in := "short\n" + strings.Repeat("x", 100) + "\nafter\n"
	out, st, err := run(t, in, Options{Format: Lines, MaxRecord: 50, SkipBad: true})
	if err != nil || out != "SHORT\nAFTER\n" || st.Skipped != 1 {
		t.Errorf("skip: %q %+v %v", out, st, err)
	}
	_, _, err = run(t, in, Options{Format: Lines, MaxRecord: 50})
	if !errors.Is(err, corpus.ErrLineTooLong) {
		t.Errorf("fail: %v", err)
	}
}

// TestOrderAcrossWorkers runs many small records through several workers
// with uneven work and checks the output order.
func TestOrderAcrossWorkers(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "{\"i\":%d,\"raw\":\"r%d\"}\n", i, i)
	}
	out, st, err := run(t, b.String(), Options{Format: JSONL, Fields: []string{"raw"}, Workers: 4})
	if err != nil || st.Records != 5000 {
		t.Fatal(err, st)
	}
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var v struct {
			I     int
			Upper string
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil || v.I != i || v.Upper != fmt.Sprintf("R%d", i) {
			t.Fatalf("line %d: %s", i, line)
		}
	}
}

// endless yields n bytes of JSONL records without holding them.
type endless struct {
	n, done int
	line    []byte
	pos     int
}

func (e *endless) Read(p []byte) (int, error) {
	if e.done >= e.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && e.done < e.n {
		c := copy(p[k:], e.line[e.pos:])
		k += c
		e.done += c
		e.pos = (e.pos + c) % len(e.line)
	}
	return k, nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// TestMemoryFlat streams 256 MB through the engine and checks that the heap
// never holds more than a few batches.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 256 MB")
	}
	line := []byte(`{"raw":"` + strings.Repeat("word ", 200) + `"}` + "\n")
	src := &endless{n: 256 << 20, line: line}
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	w := &countingWriter{}
	st, err := Run(context.Background(), "big", src, w, upper{}, Options{Format: JSONL, Fields: []string{"raw"}, Workers: 2})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes < 250<<20 || w.n < st.Bytes {
		t.Fatalf("processed %d bytes, wrote %d", st.Bytes, w.n)
	}
	if p := peak.Load(); p > 160<<20 {
		t.Errorf("peak heap %d MB for a 256 MB stream", p>>20)
	} else {
		t.Logf("peak heap %d MB for a 256 MB stream", p>>20)
	}
}

func FuzzJSONL(f *testing.F) {
	f.Add([]byte(`{"raw":"x","a":[1,2]}`))
	f.Add([]byte(`{"raw":"x","raw":"y","upper":1,"upper":2}`))
	f.Add([]byte("{\"raw\":\"\xff\"}"))
	f.Fuzz(func(t *testing.T, line []byte) {
		var out bytes.Buffer
		_, err := Run(context.Background(), "f", bytes.NewReader(line), &out, upper{}, Options{Format: JSONL, Fields: []string{"raw"}, SkipBad: true})
		if err != nil {
			t.Fatalf("skip mode failed: %v", err)
		}
		for _, l := range bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n")) {
			if len(l) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				t.Fatalf("invalid JSON out %q: %v", l, err)
			}
			if _, ok := m["upper"]; !ok {
				t.Fatalf("no field added: %q", l)
			}
		}
	})
}

// nltkNormalizer is `credence normalize`'s annotator.
type nltkNormalizer struct{ p normalize.Profile }

func (nltkNormalizer) Fields() []string { return []string{"normalized"} }
func (n nltkNormalizer) Annotate(text []byte) []Value {
	return []Value{StringValue(n.p.Append(nil, text))}
}

// BenchmarkRunJSONL is `credence normalize --format jsonl --field raw` on
// the shared parity documents repeated 20 times (12.7 MB of text): JSON
// in, the nltk profile, JSON out, with 1 and 2 workers.
func BenchmarkRunJSONL(b *testing.B) {
	var one []byte
	for _, f := range []string{"perezrosas-300.jsonl", "agnews-300.jsonl"} {
		raw, err := os.ReadFile(sharedtest.Path(b, "reference", "nltk-parity", f))
		if err != nil {
			b.Fatal(err)
		}
		one = append(one, raw...)
	}
	in := bytes.Repeat(one, 20)
	p, _ := normalize.Lookup("nltk")
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				_, err := Run(context.Background(), "bench", bytes.NewReader(in), io.Discard, nltkNormalizer{p},
					Options{Format: JSONL, Fields: []string{"raw"}, Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
