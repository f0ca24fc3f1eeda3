package eval

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestComputeErrors(t *testing.T) {
	two := []string{"real", "fake"}
	ok := binary([]float64{0.2, 0.7})
	tests := []struct {
		name   string
		labels []string
		truth  []int
		probs  [][]float64
		slice  []string
		opt    Options
		want   string
	}{
		{"no labels", nil, []int{0}, [][]float64{{}}, nil, Options{}, "no labels"},
		{"repeated label", []string{"a", "b", "a"}, []int{0}, [][]float64{{1, 0, 0}}, nil, Options{}, `label "a" appears twice`},
		{"truth and probs differ", two, []int{0, 1, 1}, ok, nil, Options{}, "3 true classes but 2 probability rows"},
		{"slice length", two, []int{0, 1}, ok, []string{"x"}, Options{}, "2 documents but 1 slice values"},
		{"no documents", two, []int{}, [][]float64{}, nil, Options{}, "no documents"},
		{"nil documents", two, nil, nil, nil, Options{}, "no documents"},
		{"short row", two, []int{0, 1}, [][]float64{{0.5, 0.5}, {1}}, nil, Options{}, "document 1: 1 probabilities, want 2"},
		{"long row", two, []int{0}, [][]float64{{0.5, 0.4, 0.1}}, nil, Options{}, "document 0: 3 probabilities, want 2"},
		{"NaN", two, []int{0, 1}, [][]float64{{0.5, 0.5}, {math.NaN(), 1}}, nil, Options{}, `document 1: probability of "real" is NaN`},
		{"above one", two, []int{0}, [][]float64{{1.5, -0.5}}, nil, Options{}, "is 1.5, not in [0, 1]"},
		{"negative", two, []int{0}, [][]float64{{0.5, -0.01}}, nil, Options{}, "is -0.01, not in [0, 1]"},
		{"infinite", two, []int{0}, [][]float64{{math.Inf(1), 0}}, nil, Options{}, "is +Inf"},
		{"true class too big", two, []int{0, 2}, ok, nil, Options{}, "document 1: true class 2 out of range [0, 2)"},
		{"true class negative", two, []int{-1, 0}, ok, nil, Options{}, "true class -1 out of range"},
		{"negative bins", two, []int{0, 1}, ok, nil, Options{Bins: -1}, "-1 reliability bins"},
		{"unknown positive", two, []int{0, 1}, ok, nil, Options{Positive: "satire"}, `positive class "satire" is not a label`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compute(tt.labels, tt.truth, tt.probs, tt.slice, tt.opt)
			if err == nil {
				t.Fatalf("no error, report %+v", r)
			}
			if !strings.HasPrefix(err.Error(), "compute metrics: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestComputeTolerance accepts the rounding left by 1 - sum(others).
func TestComputeTolerance(t *testing.T) {
	if _, err := Compute([]string{"a", "b"}, []int{0}, [][]float64{{1 + 1e-12, -1e-12}}, nil, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestSlices(t *testing.T) {
	// Slice x: fake 0.9 (right), real 0.2 (right), real 0.6 (wrong): acc 2/3,
	// F1 real 2/3 and fake 2/3, AUC 1 (0.9 beats 0.2 and 0.6).
	// Slice y: all fake, 0.8 and 0.7 right, 0.3 wrong: acc 2/3, F1 real 0
	// (one false prediction, no support) and fake 4/5, macro 0.4, no AUC.
	// Overall AUC: positives 0.9 0.8 0.3 0.7 against 0.2 0.6 win 7 of 8.
	labels := []string{"real", "fake"}
	scores := []float64{0.9, 0.2, 0.8, 0.6, 0.3, 0.7}
	truth := []int{1, 0, 1, 0, 1, 1}
	slice := []string{"x", "x", "y", "x", "y", "y"}
	r, err := Compute(labels, truth, binary(scores), slice, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkNear(t, "accuracy", r.Accuracy, 4.0/6)
	checkNear(t, "AUC", *r.ROCAUC, 0.875)
	if len(r.Slices) != 2 {
		t.Fatalf("%d slices, want 2", len(r.Slices))
	}
	tests := []struct {
		slice   string
		n       int
		acc     float64
		macroF1 float64
		wF1     float64
		auc     float64 // NaN: none
	}{
		{"x", 3, 2.0 / 3, 2.0 / 3, 2.0 / 3, 1},
		{"y", 3, 2.0 / 3, 0.4, 0.8, math.NaN()},
	}
	for _, tt := range tests {
		s := r.Slices[tt.slice]
		if s == nil {
			t.Fatalf("no slice %q", tt.slice)
		}
		if s.N != tt.n {
			t.Errorf("slice %s: n = %d, want %d", tt.slice, s.N, tt.n)
		}
		checkNear(t, tt.slice+" accuracy", s.Accuracy, tt.acc)
		checkNear(t, tt.slice+" macro F1", s.MacroF1, tt.macroF1)
		checkNear(t, tt.slice+" weighted F1", s.WeightedF1, tt.wF1)
		switch {
		case math.IsNaN(tt.auc) && s.ROCAUC != nil:
			t.Errorf("slice %s: AUC %v, want none", tt.slice, *s.ROCAUC)
		case !math.IsNaN(tt.auc) && s.ROCAUC == nil:
			t.Errorf("slice %s: no AUC, want %v", tt.slice, tt.auc)
		case !math.IsNaN(tt.auc):
			checkNear(t, tt.slice+" AUC", *s.ROCAUC, tt.auc)
		}
		if s.Slices != nil {
			t.Errorf("slice %s has slices of its own", tt.slice)
		}
	}

	// A slice report is exactly the report of its rows alone, and slicing
	// leaves the overall figures alone.
	x, err := Compute(labels, []int{1, 0, 0}, binary([]float64{0.9, 0.2, 0.6}), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Slices["x"], x) {
		t.Errorf("slice x = %+v\nwant %+v", r.Slices["x"], x)
	}
	whole, err := Compute(labels, truth, binary(scores), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.Slices = nil
	if !reflect.DeepEqual(r, whole) {
		t.Errorf("report with slices differs from report without")
	}
}

func TestComputeLeavesInputAlone(t *testing.T) {
	labels := []string{"a", "b", "c"}
	truth := slices.Clone(threeTr)
	probs := make([][]float64, len(threePr))
	for i, r := range threePr {
		probs[i] = slices.Clone(r)
	}
	slice := []string{"p", "q", "p", "q", "p", "q", "p", "q", "p", "q"}
	r, err := Compute(labels, truth, probs, slice, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(truth, threeTr) || !slices.EqualFunc(probs, threePr, slices.Equal) {
		t.Error("Compute modified its input")
	}
	r.Labels[0] = "changed"
	if labels[0] != "a" {
		t.Error("Report.Labels aliases the caller's labels")
	}
}

// TestReportJSON pins the field names other tools read.
func TestReportJSON(t *testing.T) {
	keys := func(m map[string]any) []string {
		var k []string
		for s := range m {
			k = append(k, s)
		}
		slices.Sort(k)
		return k
	}
	decode := func(r *Report) map[string]any {
		t.Helper()
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	bin, err := Compute([]string{"real", "fake"}, []int{0, 0, 1, 1}, binary([]float64{0.1, 0.4, 0.35, 0.8}), []string{"a", "a", "b", "b"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := decode(bin)
	want := []string{"accuracy", "confusion", "ece", "labels", "log_loss", "macro_f1", "n", "per_class", "positive", "reliability", "roc", "roc_auc", "slices", "weighted_f1"}
	if got := keys(m); !slices.Equal(got, want) {
		t.Errorf("binary report keys %v\nwant %v", got, want)
	}
	if m["roc_auc"] != 0.75 || m["positive"] != "fake" {
		t.Errorf("roc_auc %v positive %v", m["roc_auc"], m["positive"])
	}
	pc := m["per_class"].(map[string]any)["fake"].(map[string]any)
	if got := keys(pc); !slices.Equal(got, []string{"f1", "precision", "recall", "support"}) {
		t.Errorf("per_class keys %v", got)
	}
	roc := m["roc"].([]any)[0].(map[string]any)
	if got := keys(roc); !slices.Equal(got, []string{"fpr", "threshold", "tpr"}) {
		t.Errorf("roc point keys %v", got)
	}
	bins := m["reliability"].([]any)
	if got := keys(bins[0].(map[string]any)); !slices.Equal(got, []string{"accuracy", "confidence", "count", "hi", "lo"}) {
		t.Errorf("bin keys %v", got)
	}
	if len(bins) != 10 {
		t.Errorf("%d bins in JSON, want 10", len(bins))
	}
	// Slice "a" holds only real documents: no AUC, no ROC, no slices.
	sa := m["slices"].(map[string]any)["a"].(map[string]any)
	for _, k := range []string{"roc_auc", "roc", "slices"} {
		if _, ok := sa[k]; ok {
			t.Errorf("one-class slice has %q", k)
		}
	}

	multi, err := Compute([]string{"a", "b", "c"}, threeTr, threePr, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m = decode(multi)
	for _, k := range []string{"roc_auc", "positive", "roc", "slices"} {
		if _, ok := m[k]; ok {
			t.Errorf("three-class report has %q", k)
		}
	}
}
