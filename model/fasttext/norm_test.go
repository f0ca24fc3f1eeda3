package fasttext

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

var baselineCases = []string{
	"", "   ", "Hello, World!", "U.S. officials said: \"no\"; (really?) it's/was",
	"ΟΔΟΣ ΣΑΣ Σ", "İstanbul ǅemal ẞ", "tab\there\r\nnew\x0bline\x0cff", "sep\x1cfile\x1dgroup\x1erec\x1funit",
	"nbsp\u00a0thin\u2009ideo\u3000ls\u2028ps\u2029nl\u0085x", "zero\u200bwidth", "emoji 😀!!", "a...b,,c",
	"  lead and trail  ", "Ａｂｃ ＡＢＣ", "\"'", "fin Σ. ΣΑΣ, ΑΣ'",
}

// BaselineNorm against the Python function it reproduces (baselines.py's
// ft_norm), if /usr/bin/python3 is there.
func TestBaselineNormMatchesPython(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3: BaselineNorm not compared with Python")
	}
	cases := append([]string(nil), baselineCases...)
	if b, err := os.ReadFile("testdata/tiny-test.txt"); err == nil {
		cases = append(cases, strings.Split(string(b), "\n")...)
	}
	in, _ := json.Marshal(cases)
	prog := `import json, re, sys
PUNCT = re.compile(r"([.!?,'/()\":;])")
def ft_norm(text):
    t = text.lower().replace("\r", " ").replace("\n", " ").replace("\t", " ")
    t = PUNCT.sub(r" \1 ", t)
    return " ".join(t.split())
print(json.dumps([ft_norm(x) for x in json.load(sys.stdin)]))`
	cmd := exec.Command(py, "-c", prog)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		if got := string(BaselineNorm(nil, []byte(c))); got != want[i] {
			t.Errorf("%q: got %q, Python %q", c, got, want[i])
		}
	}
}
