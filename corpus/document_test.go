package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credence-news/credence/internal/sharedtest"
)

func labelCounts(docs []Document) map[string]int {
	m := map[string]int{}
	for _, d := range docs {
		m[d.Label]++
	}
	return m
}

// TestSharedLayouts reads the shared corpora with no column flags at all:
// their layouts are recognised from the header (or, for LIAR, the shape).
func TestSharedLayouts(t *testing.T) {
	dir := sharedtest.Dir(t)
	tests := []struct {
		file   string
		rows   int
		labels map[string]int
		first  string // prefix of the first document's text
	}{
		{"datasets/liar/train.tsv.gz", 10269, map[string]int{"false": 1998, "half-true": 2123, "mostly-true": 1966, "true": 1683, "barely-true": 1657, "pants-fire": 842}, "Says the Annies List"},
		{"datasets/perezrosas/perezrosas2018.csv.gz", 980, map[string]int{"fake": 490, "legit": 490}, ""},
		{"datasets/agnews/test.csv.gz", 7600, map[string]int{"World": 1900, "Sports": 1900, "Business": 1900, "Sci/Tech": 1900}, "Fears for T N pension after talks"},
	}
	for _, tc := range tests {
		docs, st, err := ReadAll(Spec{Inputs: []Input{{Path: filepath.Join(dir, tc.file)}}, Join: " "})
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(docs) != tc.rows || st.Skipped != 0 {
			t.Errorf("%s: %d documents, %d skipped", tc.file, len(docs), st.Skipped)
		}
		got := labelCounts(docs)
		for l, n := range tc.labels {
			if got[l] != n {
				t.Errorf("%s: label %q ×%d, want %d (all: %v)", tc.file, l, got[l], n, got)
			}
		}
		if !strings.HasPrefix(docs[0].Text, tc.first) || docs[0].Row != 0 || docs[len(docs)-1].Row != tc.rows-1 {
			t.Errorf("%s: first %q row %d", tc.file, docs[0].Text[:min(40, len(docs[0].Text))], docs[0].Row)
		}
	}
}

func TestLIARBinaryLabelMap(t *testing.T) {
	path := sharedtest.Path(t, "datasets", "liar", "test.tsv.gz")
	m, err := ParseLabelMap("true,mostly-true,half-true=real;barely-true,false,pants-fire=fake")
	if err != nil {
		t.Fatal(err)
	}
	docs, _, err := ReadAll(Spec{Inputs: []Input{{Path: path}}, LabelMap: m, Keep: []string{"speaker", "party"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := labelCounts(docs); c["real"] != 727 || c["fake"] != 556 {
		t.Errorf("binary LIAR test: %v", c)
	}
	if docs[0].Meta["speaker"] == "" {
		t.Errorf("meta not kept: %v", docs[0].Meta)
	}
}

func write(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKnownLayouts(t *testing.T) {
	tests := []struct {
		name, file, content string
		inputs              func(string) []Input
		want                []string // label|text
	}{
		{"isot per-file labels", "Fake.csv", "title,text,subject,date\nT1,Body one,news,\"December 31, 2017\"\n",
			func(p string) []Input { return []Input{{Path: p, Label: "fake"}} }, []string{"fake|T1 Body one"}},
		{"mcintire", "fake_or_real_news.csv", ",title,text,label\n8476,You Can Smell Hillary,Daniel Greenfield,FAKE\n10294,Watch,Text,REAL\n",
			nil, []string{"fake|You Can Smell Hillary Daniel Greenfield", "real|Watch Text"}},
		{"kaggle", "train.csv", "id,title,author,text,label\n0,House Dem,Darrell,House text,1\n1,FLYNN,Daniel,Flynn text,0\n",
			nil, []string{"fake|House Dem House text", "real|FLYNN Flynn text"}},
		{"agnews without header", "test.csv", "\"3\",\"Fears for T N\",\"Unions say\"\n\"2\",\"Win\",\"Team\"\n",
			nil, []string{"Business|Fears for T N Unions say", "Sports|Win Team"}},
		{"jsonl", "x.jsonl", "{\"text\":\"a\",\"label\":\"fake\"}\n{\"text\":\"b\",\"label\":\"real\",\"n\":3}\n",
			nil, []string{"fake|a", "real|b"}},
	}
	for _, tc := range tests {
		p := write(t, tc.file, tc.content)
		in := []Input{{Path: p}}
		if tc.inputs != nil {
			in = tc.inputs(p)
		}
		spec := Spec{Inputs: in, Join: " "}
		if strings.HasSuffix(tc.file, ".jsonl") {
			spec.Text, spec.Label = []string{"text"}, "label"
		}
		docs, _, err := ReadAll(spec)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []string
		for _, d := range docs {
			got = append(got, d.Label+"|"+d.Text)
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: got %q want %q", tc.name, got, tc.want)
		}
	}
}

func TestBadRows(t *testing.T) {
	p := write(t, "n.csv", "text,label\nok,fake\n\"broken,real\nfine,\n")
	_, _, err := ReadAll(Spec{Inputs: []Input{{Path: p}}, Text: []string{"text"}, Label: "label"})
	var le *LineError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a LineError", err)
	}
	p = write(t, "m.csv", "text,label\nok,fake\nbad,maybe\nfine,real\n")
	lm, _ := ParseLabelMap("fake=fake;real=real")
	docs, st, err := ReadAll(Spec{Inputs: []Input{{Path: p}}, Text: []string{"text"}, Label: "label", LabelMap: lm, SkipBad: true})
	if err != nil || len(docs) != 2 || st.Skipped != 1 || !strings.Contains(st.FirstBad.Error(), "line 3") {
		t.Fatalf("docs %d, stats %+v, err %v", len(docs), st, err)
	}
	if _, _, err := ReadAll(Spec{Inputs: []Input{{Path: write(t, "e.csv", "text,label\n")}}, Text: []string{"text"}}); err == nil {
		t.Error("empty corpus accepted")
	}
}

func TestParseLabelMap(t *testing.T) {
	m, err := ParseLabelMap("a,b=x; c=y;*=z")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"a": "x", "b": "x", "c": "y", "q": "z"} {
		if got, _ := m.Map(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"a", "a=", "=x", "a=x;a=y", "a,,b=x"} {
		if _, err := ParseLabelMap(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseInput(t *testing.T) {
	if in := ParseInput("Fake.csv=fake"); in.Path != "Fake.csv" || in.Label != "fake" {
		t.Errorf("%+v", in)
	}
	p := write(t, "odd=name.csv", "x")
	if in := ParseInput(p); in.Path != p || in.Label != "" {
		t.Errorf("%+v", in)
	}
}

func FuzzEachReader(f *testing.F) {
	f.Add("text,label\na,fake\n", "csv")
	f.Add("1.json\tfalse\tSays \"x\t\t\t\t\t\t0\t1\t0\t0\t0\tctx\n", "tsv")
	f.Add("{\"text\":\"a\",\"label\":\"b\"}\n{bad\n", "jsonl")
	f.Fuzz(func(t *testing.T, in, format string) {
		if format != "csv" && format != "tsv" && format != "jsonl" {
			return
		}
		spec := Spec{Format: format, SkipBad: true, Join: " ", MaxRow: 1 << 16}
		if format != "tsv" {
			spec.Text, spec.Label = []string{"text"}, "label"
		}
		var st Stats
		n := 0
		err := EachReader(spec, Input{Path: "f"}, strings.NewReader(in), func(d Document) error {
			n++
			if d.Line < 1 {
				t.Fatalf("document without a line: %+v", d)
			}
			return nil
		}, &st)
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				t.Fatalf("skip mode returned a row error: %v", err)
			}
			return // e.g. no such column: a usage problem, not a row
		}
		if n != st.Rows {
			t.Fatalf("%d documents, stats say %d", n, st.Rows)
		}
	})
}

func TestLabelMapDrop(t *testing.T) {
	p := write(t, "b.csv", "text,label\na,mostly true\nb,mixture\nc,mostly false\n")
	lm, _ := ParseLabelMap("mostly true=real;mostly false=fake;mixture=-")
	docs, st, err := ReadAll(Spec{Inputs: []Input{{Path: p}}, Text: []string{"text"}, Label: "label", LabelMap: lm})
	if err != nil || len(docs) != 2 || st.Dropped != 1 || docs[1].Label != "fake" {
		t.Fatalf("docs %+v stats %+v err %v", docs, st, err)
	}
}
