package corpus

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func gz(t testing.TB, s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

func TestOpenDetectsGzip(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.txt")
	zipped := filepath.Join(dir, "b.data") // name says nothing: magic bytes decide
	os.WriteFile(plain, []byte("hello\n"), 0o644)
	os.WriteFile(zipped, gz(t, "hello\n"), 0o644)
	for _, p := range []string{plain, zipped} {
		f, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil || string(b) != "hello\n" {
			t.Errorf("%s: %q, %v", p, b, err)
		}
	}
}

func TestOpenTruncatedGzip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.gz")
	full := gz(t, strings.Repeat("some news text\n", 10000))
	os.WriteFile(p, full[:len(full)/2], 0o644)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = io.ReadAll(f)
	if err == nil || !strings.Contains(err.Error(), "truncated") || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want a truncated-gzip error naming the file", err)
	}
}

func TestOpenMissing(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "nope.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func TestLineReader(t *testing.T) {
	in := "one\r\ntwo\n\n" + strings.Repeat("x", 100) + "\nlast"
	lr := NewLineReader("in.txt", strings.NewReader(in), 50)
	var got []string
	var errs []error
	for {
		b, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, string(b))
	}
	if strings.Join(got, "|") != "one|two||last" {
		t.Errorf("lines %q", got)
	}
	var le *LineError
	if len(errs) != 1 || !errors.As(errs[0], &le) || le.Line != 4 || !errors.Is(errs[0], ErrLineTooLong) {
		t.Fatalf("errors %v", errs)
	}
	if !strings.Contains(errs[0].Error(), "in.txt line 4") {
		t.Errorf("error text %q", errs[0])
	}
}

func TestLineReaderEmpty(t *testing.T) {
	lr := NewLineReader("e", strings.NewReader(""), 10)
	if _, err := lr.Next(); err != io.EOF {
		t.Fatalf("err = %v", err)
	}
}

func TestTableReaderCSV(t *testing.T) {
	in := "title,text,label\n" +
		"A,\"multi\nline, quoted\",fake\n" +
		"B,plain,real\n" +
		"C,too,many,fields\n" +
		"D,\"bad \"quote\",real\n" +
		"E,fine,real\n"
	tr, err := NewTableReader("n.csv", strings.NewReader(in), CSV, true, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := tr.Columns("text,label")
	if err != nil || cols[0] != 1 || cols[1] != 2 {
		t.Fatalf("columns %v %v", cols, err)
	}
	type row struct {
		line int
		rec  string
		err  bool
	}
	var got []row
	for {
		rec, err := tr.Next()
		if err == io.EOF {
			break
		}
		got = append(got, row{tr.Line(), strings.Join(rec, "|"), err != nil})
	}
	want := []row{
		{2, "A|multi\nline, quoted|fake", false},
		{4, "B|plain|real", false},
		{5, "", true},
		{6, "", true},
		{7, "E|fine|real", false},
	}
	if len(got) != len(want) {
		t.Fatalf("rows %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestTableReaderTSVNoQuotes(t *testing.T) {
	// LIAR: no header, unbalanced quotes are ordinary characters.
	in := "1.json\tfalse\tSays \"the moon\tx\n2.json\ttrue\tOK\" then\ty\n"
	tr, err := NewTableReader("liar.tsv", strings.NewReader(in), TSV, false, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := tr.Columns("3")
	if err != nil || cols[0] != 2 {
		t.Fatalf("cols %v %v", cols, err)
	}
	r1, _ := tr.Next()
	r2, _ := tr.Next()
	if r1[2] != `Says "the moon` || r2[2] != `OK" then` {
		t.Errorf("rows %q %q", r1, r2)
	}
	if _, err := tr.Columns("statement"); err == nil || !strings.Contains(err.Error(), "no header") {
		t.Errorf("naming a column of a headerless file: %v", err)
	}
}

func TestTableReaderEmpty(t *testing.T) {
	if _, err := NewTableReader("e.csv", strings.NewReader(""), CSV, true, 100); err == nil {
		t.Fatal("empty input with a header expected accepted")
	}
}

func TestResolveColumns(t *testing.T) {
	h := []string{"id", "title", "text"}
	if _, err := ResolveColumns(h, "body"); err == nil || !strings.Contains(err.Error(), "have id, title, text") {
		t.Errorf("err = %v", err)
	}
	if c, err := ResolveColumns(h, "title, text"); err != nil || len(c) != 2 || c[1] != 2 {
		t.Errorf("%v %v", c, err)
	}
	if _, err := ResolveColumns(h, "a,,b"); err == nil {
		t.Error("empty name accepted")
	}
}

func FuzzTableReader(f *testing.F) {
	f.Add("a,b\n1,2\n", false)
	f.Add("a\tb\n\"1\t2\n", true)
	f.Add("x,\"y\nz\",w\n", false)
	f.Fuzz(func(t *testing.T, in string, tsv bool) {
		format := CSV
		if tsv {
			format = TSV
		}
		tr, err := NewTableReader("f", strings.NewReader(in), format, true, 1<<16)
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			rec, err := tr.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var le *LineError
				if !errors.As(err, &le) || le.Line < 1 {
					t.Fatalf("error without a line: %v", err)
				}
				continue
			}
			if len(rec) != len(tr.Header()) {
				t.Fatalf("row of %d fields under a header of %d", len(rec), len(tr.Header()))
			}
		}
	})
}

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nb\r\n\nc"), 3)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max < 1 || max > 1<<16 {
			max = 16
		}
		lr := NewLineReader("f", bytes.NewReader(in), max)
		total := 0
		for {
			b, err := lr.Next()
			if err == io.EOF {
				break
			}
			if err != nil && !errors.Is(err, ErrLineTooLong) {
				t.Fatal(err)
			}
			if len(b) > max || bytes.IndexByte(b, '\n') >= 0 {
				t.Fatalf("line %q breaks the contract (max %d)", b, max)
			}
			total++
			if total > len(in)+1 {
				t.Fatal("more lines than bytes")
			}
		}
	})
}
