package eval

import (
	"math"
	"testing"
)

func TestLogLoss(t *testing.T) {
	tests := []struct {
		name   string
		labels []string
		truth  []int
		probs  [][]float64
		want   float64
	}{
		{
			// -(ln 0.9 + ln 0.6 + ln 0.2) / 3
			name:   "binary",
			labels: []string{"real", "fake"},
			truth:  []int{1, 1, 0},
			probs:  [][]float64{{0.1, 0.9}, {0.4, 0.6}, {0.2, 0.8}},
			want:   0.7418746839526391,
		},
		{
			// p_true 0.6 0.4 0.2 0.1 0.7 0.3 0.7 0.7 0.7 0.1
			name:   "three classes",
			labels: []string{"a", "b", "c"},
			truth:  threeTr,
			probs:  threePr,
			want:   1.0272397034143201,
		},
		{
			// p_true 0 is clipped to 1e-15: -ln(1e-15) = 34.5387763949107;
			// p_true 1 is clipped to 1-1e-15 and costs about 1e-15.
			name:   "clipped",
			labels: []string{"real", "fake"},
			truth:  []int{1, 1},
			probs:  [][]float64{{1, 0}, {0, 1}},
			want:   17.269388197455342,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compute(tt.labels, tt.truth, tt.probs, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkNear(t, "log loss", r.LogLoss, tt.want)
		})
	}
}

func TestReliability(t *testing.T) {
	// Five documents, confidence (of the predicted class) and correctness:
	// 0.95 right, 0.95 wrong, 0.65 right, 0.72 right, 0.6 wrong.
	truth := []int{1, 0, 1, 0, 0}
	probs := [][]float64{{0.05, 0.95}, {0.05, 0.95}, {0.35, 0.65}, {0.72, 0.28}, {0.4, 0.6}}
	type bin struct {
		i, count  int
		conf, acc float64
	}
	tests := []struct {
		name  string
		truth []int
		probs [][]float64
		bins  int
		want  []bin // non-empty bins
		ece   float64
	}{
		{
			// [0.6,0.7): 2 docs, conf 0.625, acc 0.5; [0.7,0.8): 1, 0.72, 1;
			// [0.9,1]: 2, 0.95, 0.5. ECE = (2*0.125 + 0.28 + 2*0.45) / 5.
			name: "ten bins", truth: truth, probs: probs, bins: 0,
			want: []bin{{6, 2, 0.625, 0.5}, {7, 1, 0.72, 1}, {9, 2, 0.95, 0.5}},
			ece:  0.286,
		},
		{
			// [0.5,0.75): 3 docs, conf 1.97/3, acc 2/3, gap 0.01;
			// [0.75,1]: 2 docs, gap 0.45. ECE = (0.03 + 0.9) / 5.
			name: "four bins", truth: truth, probs: probs, bins: 4,
			want: []bin{{2, 3, 1.97 / 3, 2.0 / 3}, {3, 2, 0.95, 0.5}},
			ece:  0.186,
		},
		{
			// Edges: 1.0 goes to the last bin, 0.5 and 0.7 start their bins.
			// Gaps 0, 0.5, 0.3, 0.6 → ECE 1.4/4.
			name:  "edges",
			truth: []int{1, 1, 1, 0},
			probs: [][]float64{{0, 1}, {0.5, 0.5}, {0.3, 0.7}, {0.4, 0.6}},
			bins:  10,
			want:  []bin{{5, 1, 0.5, 0}, {6, 1, 0.6, 0}, {7, 1, 0.7, 1}, {9, 1, 1, 1}},
			ece:   0.35,
		},
		{
			name: "one bin", truth: truth, probs: probs, bins: 1,
			// conf mean (0.95+0.95+0.65+0.72+0.6)/5 = 0.774, acc 0.6
			want: []bin{{0, 5, 0.774, 0.6}},
			ece:  0.174,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compute([]string{"real", "fake"}, tt.truth, tt.probs, nil, Options{Bins: tt.bins})
			if err != nil {
				t.Fatal(err)
			}
			nb := tt.bins
			if nb == 0 {
				nb = 10
			}
			if len(r.Reliability) != nb {
				t.Fatalf("%d bins, want %d", len(r.Reliability), nb)
			}
			checkNear(t, "ECE", r.ECE, tt.ece)
			want := make(map[int]bin)
			for _, b := range tt.want {
				want[b.i] = b
			}
			for i, got := range r.Reliability {
				checkNear(t, "lo", got.Lo, float64(i)/float64(nb))
				checkNear(t, "hi", got.Hi, float64(i+1)/float64(nb))
				w := want[i] // zero for empty bins
				if got.Count != w.count {
					t.Errorf("bin %d: count %d, want %d", i, got.Count, w.count)
				}
				checkNear(t, "confidence", got.Confidence, w.conf)
				checkNear(t, "accuracy", got.Accuracy, w.acc)
			}
		})
	}
}

func TestBinOf(t *testing.T) {
	tests := []struct {
		p    float64
		nb   int
		want int
	}{
		{0, 10, 0},
		{0.05, 10, 0},
		{0.1, 10, 1},
		{0.1 * 3, 10, 3}, // 0.30000000000000004
		{0.3, 10, 3},
		{0.2999, 10, 2},
		{0.7, 10, 7},
		{math.Nextafter(0.7, 0), 10, 6},
		{0.99, 10, 9},
		{1, 10, 9},
		{0.5, 2, 1},
		{1, 1, 0},
		{-1e-12, 10, 0}, // tolerated rounding below 0
		{1 + 1e-12, 10, 9},
	}
	for _, tt := range tests {
		if got := binOf(tt.p, tt.nb); got != tt.want {
			t.Errorf("binOf(%v, %d) = %d, want %d", tt.p, tt.nb, got, tt.want)
		}
	}
	// Every edge as Bin reports it starts its own bin, whatever the count.
	for nb := 1; nb <= 100; nb++ {
		for i := range nb {
			if got := binOf(float64(i)/float64(nb), nb); got != i {
				t.Fatalf("binOf(%d/%d) = %d", i, nb, got)
			}
		}
	}
}
