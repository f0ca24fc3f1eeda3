package normalize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/credence-news/credence/internal/sharedtest"
)

func TestNLTKCases(t *testing.T) {
	p, _ := Lookup("nltk")
	tests := []struct{ in, want string }{
		{"", ""},
		{"The US and us", ""},                      // us → u, dropped
		{"Passes customs", "pass custom"},          // passes → pass (ses→s), customs → custom
		{"boss pass", "bos pas"},                   // shortest candidate wins
		{"six-year-old", "six year old"},           // punctuation is a space
		{"borderLedy", "borderledy"},               // no re-splitting
		{"ΣΑΣ", "σας"},                             // final sigma
		{"İstanbul", "stanbul"},                    // İ → i + U+0307, the mark splits
		{"Pe\u0301rez", "pe rez"},                  // combining mark is not \w
		{"x\u00ADy ab\u200Bcd", "ab cd"},           // format chars split
		{"abc\x00def", "abc def"},                  // NUL is a separator
		{"boxeses", "box"},                         // two rounds of rules
		{"new_york __init__", "new_york __init__"}, // underscore is \w
		{"ⅫⅫ ２２", "ⅻⅻ ２２"},                         // numerics are \w, lowered
		{"naïve CAFÉS", "naïve cafés"},             // non-ASCII kept
		{"\uFFFD\uFFFD ok", "ok"},                  // U+FFFD (So) is not \w
	}
	for _, tc := range tests {
		if got := String(p, tc.in); got != tc.want {
			t.Errorf("nltk(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type fixture struct {
	Row        int    `json:"row"`
	Raw        string `json:"raw"`
	Normalized string `json:"normalized"`
	Note       string `json:"note"`
}

func readFixtures(t testing.TB, path string) []fixture {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []fixture
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var fx fixture
		if err := json.Unmarshal(sc.Bytes(), &fx); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, fx)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNLTKParity checks every fixture produced by real NLTK 3.8.
func TestNLTKParity(t *testing.T) {
	dir := sharedtest.Path(t, "reference", "nltk-parity")
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) == 0 {
		t.Fatalf("no fixtures in %s", dir)
	}
	p, _ := Lookup("nltk")
	total := 0
	for _, path := range files {
		for _, fx := range readFixtures(t, path) {
			total++
			if got := String(p, fx.Raw); got != fx.Normalized {
				t.Errorf("%s row %d (%s):\n got  %q\n want %q", filepath.Base(path), fx.Row, fx.Note, got, fx.Normalized)
			}
		}
	}
	t.Logf("%d fixtures from %d files", total, len(files))
	if total < 600 {
		t.Errorf("only %d fixtures read", total)
	}
}

func TestStopwordsMatchShared(t *testing.T) {
	path := sharedtest.Path(t, "reference", "nltk-parity", "stopwords_english.txt")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		want = append(want, sc.Text())
	}
	got := NLTKStopwords()
	if len(got) != 179 || len(got) != len(want) {
		t.Fatalf("got %d stopwords, shared file has %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("stopword %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// scan's eight-bytes-at-a-time path must agree with asciiLower on every
// ASCII byte in every lane, whatever its neighbours are, and find the words.
func TestScanASCII(t *testing.T) {
	ws := new(words)
	for c := 0; c < utf8.RuneSelf; c++ {
		for lane := range 16 {
			for _, fill := range []byte{0, 'A', 'z', '_', '9', 0x7f, ' ', '@', '[', '`', '{', '/', ':'} {
				in := bytes.Repeat([]byte{fill}, 19)
				in[lane] = byte(c)
				ws.scan(in)
				var want []string
				for i, b := range in {
					if asciiLower[b] != ws.buf[i] {
						t.Fatalf("byte %d of %q: %#x, want %#x", i, in, ws.buf[i], asciiLower[b])
					}
				}
				for _, w := range bytes.FieldsFunc(ws.buf[:len(in)], func(r rune) bool { return r == 0 }) {
					want = append(want, string(w))
				}
				var got []string
				for pos := ws.skip(0); pos < len(ws.buf); pos = ws.skip(pos) {
					end := ws.wordEnd(pos)
					got = append(got, string(ws.buf[pos:end]))
					pos = end
				}
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Fatalf("words of %q: %q, want %q", in, got, want)
				}
			}
		}
	}
}

func TestFormTable(t *testing.T) {
	m := map[string]string{"dogs": "dog", "men": "man", "ss": "", "glasses": "glass"}
	for i := range 1000 {
		m[strings.Repeat("x", i%40)+"s"+string(rune('a'+i%26))] = strings.Repeat("y", i%7)
	}
	ft := newFormTable(10) // grows
	for k, v := range m {
		ft.put(k, v)
		ft.put(k, "a second value is ignored")
	}
	for k, v := range m {
		if got, ok := ft.get([]byte(k)); !ok || got != v {
			t.Errorf("get(%q) = %q, %v; want %q", k, got, ok, v)
		}
	}
	for _, k := range []string{"", "dog", "cats", "glasse", "glassess"} {
		if got, ok := ft.get([]byte(k)); ok {
			t.Errorf("get(%q) = %q: not a key", k, got)
		}
	}
}
