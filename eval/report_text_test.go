package eval

import (
	"errors"
	"strings"
	"testing"
)

// The three-class example: figures checked by hand in TestClassMetrics;
// ECE (0.6 + 2*0.1 + 7*|4/7-0.7|)/10 = 0.17; macro precision
// (2/3+1/3+3/4)/3, weighted precision (4*2/3+2*1/3+4*3/4)/10. Slice p is
// documents 0 2 4 6 8 (4 of 5 right), q is 1 3 5 7, "longer slice" is the
// misclassified document 9.
const threeTable = `documents    10
accuracy     0.6000
macro F1     0.5738
weighted F1  0.6086
log loss     1.0272
ECE          0.1700  (10 bins)

class         precision     recall         f1  support
a                0.6667     0.5000     0.5714        4
b                0.3333     0.5000     0.4000        2
c                0.7500     0.7500     0.7500        4
macro avg        0.5833     0.5833     0.5738       10
weighted avg     0.6333     0.6000     0.6086       10

confusion matrix (rows: true class, columns: predicted class)
   a  b  c
a  2  1  1
b  1  1  0
c  0  1  3

slice         n   accuracy   macro F1
longer slice  1     0.0000     0.0000
p             5     0.8000     0.7778
q             4     0.5000     0.3889
`

var threeSlices = []string{"p", "q", "p", "q", "p", "q", "p", "q", "p", "longer slice"}

func TestWriteTable(t *testing.T) {
	three, err := Compute([]string{"a", "b", "c"}, threeTr, threePr, threeSlices, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteTable(&b, three); err != nil {
		t.Fatal(err)
	}
	if b.String() != threeTable {
		t.Errorf("three-class table:\n%s\nwant:\n%s", b.String(), threeTable)
	}

	// Binary: the AUC line names the positive class, and columns widen for
	// long labels and counts.
	bin, err := Compute([]string{"true story", "fake"}, []int{0, 0, 1, 1}, binary([]float64{0.1, 0.4, 0.35, 0.8}), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := WriteTable(&b, bin); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ROC AUC      0.7500  (positive class: fake)\n",
		"ECE          0.1375  (10 bins)\n",
		"true story       0.6667     1.0000     0.8000        2\n",
		"fake             1.0000     0.5000     0.6667        2\n",
		"            true story  fake\ntrue story           2     0\nfake                 1     1\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("binary table lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "slice") {
		t.Errorf("table without slices has a slice section:\n%s", b.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	good, err := Compute([]string{"a", "b", "c"}, threeTr, threePr, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := *good
	bad.Confusion = [][]int{{1, 2, 3}, {4, 5}}
	tests := []struct {
		name string
		w    func() error
		want string
	}{
		{"table nil", func() error { return WriteTable(&strings.Builder{}, nil) }, "write table: nil report"},
		{"table shape", func() error { return WriteTable(&strings.Builder{}, &bad) }, "write table: confusion matrix has 2 rows for 3 labels"},
		{"table writer", func() error { return WriteTable(failWriter{}, good) }, "write table: disk full"},
		{"html nil", func() error { return WriteHTML(&strings.Builder{}, "t", nil, nil) }, "write html: nil report"},
		{"html shape", func() error {
			b := bad
			b.Confusion = [][]int{{1, 2, 3}, {4, 5}, {6, 7, 8}}
			return WriteHTML(&strings.Builder{}, "t", &b, nil)
		}, "write html: confusion matrix row 1 has 2 columns for 3 labels"},
		{"html writer", func() error { return WriteHTML(failWriter{}, "t", good, nil) }, "write html: disk full"},
	}
	for _, tt := range tests {
		if err := tt.w(); err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
