package model

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/credence-news/credence/feature"
	"github.com/credence-news/credence/internal/modelfile"
	"github.com/credence-news/credence/internal/vec"
	"github.com/credence-news/credence/normalize"
)

// toy builds a small separable corpus: class 0 talks about "hoax", class 1
// about "report", with shared noise words.
func toy(n int, seed uint64) ([]string, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	noise := []string{"the", "news", "today", "people", "said", "city", "week"}
	cue := [][]string{{"hoax", "shocking", "secret"}, {"report", "officials", "confirmed"}}
	var texts []string
	var ys []int
	for i := 0; i < n; i++ {
		y := i % 2
		var words []string
		for j := 0; j < 12; j++ {
			if rng.IntN(3) == 0 {
				words = append(words, cue[y][rng.IntN(3)])
			} else {
				words = append(words, noise[rng.IntN(len(noise))])
			}
		}
		texts = append(texts, strings.Join(words, " "))
		ys = append(ys, y)
	}
	return texts, ys
}

func toyModel(t *testing.T, algo string) *Model {
	t.Helper()
	texts, ys := toy(400, 1)
	vz, err := feature.Fit(texts, feature.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	d := &Data{Labels: []string{"fake", "real"}, NFeat: vz.NumFeatures(), Y: ys}
	for _, s := range texts {
		var v feature.Vec
		vz.Transform(s, &v)
		d.X = append(d.X, v)
	}
	lin, err := Train(d, TrainOptions{Algo: algo, C: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := normalize.Lookup("plain")
	return &Model{Profile: p, Features: vz, Linear: lin, Card: Card{Algo: algo, Profile: "plain", Labels: d.Labels}}
}

func TestAlgorithmsLearn(t *testing.T) {
	for _, algo := range Algos {
		m := toyModel(t, algo)
		texts, ys := toy(200, 99) // unseen documents
		correct := 0
		for i, s := range texts {
			p := m.Predict([]byte(s))
			if p.Label == m.Labels()[ys[i]] {
				correct++
			}
			var sum float64
			for _, v := range p.Probabilities {
				sum += v
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Fatalf("%s: probabilities sum to %v", algo, sum)
			}
		}
		if acc := float64(correct) / 200; acc < 0.9 {
			t.Errorf("%s: accuracy %.2f on separable data", algo, acc)
		}
		if p := m.Predict([]byte("shocking secret hoax")); p.Label != "fake" || p.Probabilities["fake"] < 0.6 {
			t.Errorf("%s: cue words give %+v", algo, p)
		}
	}
}

func TestTrainIsDeterministic(t *testing.T) {
	for _, algo := range Algos {
		a, b := toyModel(t, algo), toyModel(t, algo)
		var ba, bb bytes.Buffer
		sa, _ := a.sections()
		sb, _ := b.sections()
		modelfile.Encode(&ba, sa)
		modelfile.Encode(&bb, sb)
		if !bytes.Equal(ba.Bytes(), bb.Bytes()) {
			t.Errorf("%s: two trainings with the same seed differ", algo)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	var v feature.Vec
	one := &Data{X: []feature.Vec{v, v}, Y: []int{0, 0}, Labels: []string{"fake", "real"}, NFeat: 1}
	if _, err := Train(one, TrainOptions{Algo: "logreg", C: 1}); err == nil || !strings.Contains(err.Error(), "single class") {
		t.Errorf("single class: %v", err)
	}
	if _, err := Train(&Data{Labels: []string{"a", "b"}}, TrainOptions{Algo: "nb"}); err == nil {
		t.Error("empty data accepted")
	}
	two := &Data{X: []feature.Vec{v, v}, Y: []int{0, 1}, Labels: []string{"fake", "real"}, NFeat: 1}
	if _, err := Train(two, TrainOptions{Algo: "forest"}); err == nil {
		t.Error("unknown algorithm accepted")
	}
	if _, err := Train(two, TrainOptions{Algo: "logreg"}); err == nil {
		t.Error("C = 0 accepted")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, algo := range Algos {
		m := toyModel(t, algo)
		path := filepath.Join(t.TempDir(), "m.credence")
		if err := m.Save(path); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Card.ID == "" || got.Card.ID != m.Card.ID {
			t.Errorf("%s: id %q vs %q", algo, got.Card.ID, m.Card.ID)
		}
		for _, s := range []string{"shocking secret hoax", "officials confirmed the report", ""} {
			a, b := m.Predict([]byte(s)), got.Predict([]byte(s))
			if a.Label != b.Label || a.Probabilities["fake"] != b.Probabilities["fake"] {
				t.Errorf("%s: %q predicted %+v before saving, %+v after", algo, s, a, b)
			}
		}
	}
}

func TestLoadBadFiles(t *testing.T) {
	m := toyModel(t, "logreg")
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := m.Save(good); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	flipped := bytes.Clone(raw)
	flipped[len(flipped)/2] ^= 0x40
	tests := []struct {
		name string
		path string
		want error
	}{
		{"truncated", write("trunc", raw[:len(raw)-100]), modelfile.ErrTruncated},
		{"corrupted", write("flip", flipped), modelfile.ErrChecksum},
		{"foreign", write("png", []byte("\x89PNG\r\n\x1a\n rest of a picture")), modelfile.ErrNotModel},
		{"empty", write("empty", nil), modelfile.ErrTruncated},
	}
	for _, tc := range tests {
		_, err := Load(tc.path)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: %v, want %v naming the file", tc.name, err, tc.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	// A valid container whose sections do not make a model.
	var b bytes.Buffer
	modelfile.Encode(&b, []modelfile.Section{{Tag: "CARD", Data: []byte(`{"profile":"nltk"}`)}})
	if _, err := Decode(b.Bytes()); err == nil || !strings.Contains(err.Error(), "FEAT") {
		t.Errorf("missing section: %v", err)
	}
}

// TestSaveIsAtomic: a failed save leaves the previous model in place.
func TestSaveIsAtomic(t *testing.T) {
	m := toyModel(t, "nb")
	path := filepath.Join(t.TempDir(), "m")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	m.Profile = badProfile{}
	m.Card.Profile = "bad"
	m.Features.Config.MaxN = 1 << 30 // still saves: shape is not checked at save
	if err := m.Save(filepath.Join(path, "not-a-dir", "x")); err == nil {
		t.Error("save into a file path succeeded")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("existing model changed by a failed save")
	}
}

type badProfile struct{ normalize.Profile }

func (badProfile) Name() string { return "bad" }

// FuzzDecode feeds arbitrary section payloads inside a valid container
// (random bytes would rarely pass the checksum) and checks that decoding
// never panics and that whatever decodes can predict.
func FuzzDecode(f *testing.F) {
	texts, ys := toy(40, 3)
	vz, _ := feature.Fit(texts, feature.DefaultConfig())
	d := &Data{Labels: []string{"a", "b"}, NFeat: vz.NumFeatures(), Y: ys}
	for _, s := range texts {
		var v feature.Vec
		vz.Transform(s, &v)
		d.X = append(d.X, v)
	}
	lin, _ := Train(d, TrainOptions{Algo: "nb"})
	p, _ := normalize.Lookup("plain")
	m := &Model{Profile: p, Features: vz, Linear: lin, Card: Card{Profile: "plain"}}
	secs, _ := m.sections()
	f.Add(secs[0].Data, secs[1].Data, secs[2].Data)
	f.Add([]byte(`{"profile":"nltk"}`), []byte{0, 0, 0}, []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, card, feat, linr []byte) {
		var b bytes.Buffer
		err := modelfile.Encode(&b, []modelfile.Section{{Tag: tagCard, Data: card}, {Tag: tagFeatures, Data: feat}, {Tag: tagLinear, Data: linr}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b.Bytes())
		if err != nil {
			return
		}
		got.Predict([]byte("a b c hoax")) // a model that loads must work
	})
}

func TestVerdictBand(t *testing.T) {
	m := toyModel(t, "logreg")
	m.Card.Uncertainty = &Band{Label: "fake", Low: 0.35, High: 0.65}
	tests := []struct {
		pFake float64
		want  string
	}{{0.9, "fake"}, {0.65, "fake"}, {0.64, Uncertain}, {0.5, Uncertain}, {0.36, Uncertain}, {0.35, "real"}, {0.1, "real"}}
	for _, tc := range tests {
		if got := m.Verdict([]float64{tc.pFake, 1 - tc.pFake}); got != tc.want {
			t.Errorf("P(fake)=%v: %s, want %s", tc.pFake, got, tc.want)
		}
	}
	m.Card.Uncertainty = nil
	if got := m.Verdict([]float64{0.51, 0.49}); got != "fake" {
		t.Errorf("no band: %s", got)
	}
}

// randomData is n documents over nf features in k classes.
func randomData(seed uint64, n, nf, k int) *Data {
	rng := rand.New(rand.NewPCG(seed, 4))
	d := &Data{NFeat: nf}
	for c := range k {
		d.Labels = append(d.Labels, string(rune('a'+c)))
	}
	for range n {
		var v feature.Vec
		for f := range nf {
			if rng.IntN(5) == 0 {
				v.Idx = append(v.Idx, int32(f))
				v.Val = append(v.Val, rng.Float32())
			}
		}
		d.X = append(d.X, v)
		d.Y = append(d.Y, rng.IntN(k))
	}
	return d
}

// TestLogLossDerivatives checks the gradient, the Hessian-vector product
// and the Hessian diagonal of both forms of the objective against finite
// differences.
func TestLogLossDerivatives(t *testing.T) {
	for _, cols := range []int{1, 3, 17} { // 17: more classes than the fixed-size path takes
		k := max(cols, 2)
		d := randomData(uint64(cols), 60, 8, k)
		cw := make([]float64, k)
		for c := range cw {
			cw[c] = 0.6 + 0.1*float64(c)
		}
		o := newLogLoss(d, cols, cw, 0.05, 2)
		rng := rand.New(rand.NewPCG(9, 9))
		n := 8*cols + cols
		x, v := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		g, diag, scratch := make([]float64, n), make([]float64, n), make([]float64, n)
		o.eval(x, g, diag)
		o.accept()
		hv := make([]float64, n)
		o.hv(v, hv)
		const h = 1e-5
		at := func(i int, e float64) ([]float64, float64) {
			y := slices.Clone(x)
			y[i] += e
			gy := make([]float64, n)
			return gy, o.eval(y, gy, scratch)
		}
		for i := range x {
			gp, fp := at(i, h)
			gm, fm := at(i, -h)
			if num := (fp - fm) / (2 * h); math.Abs(num-g[i]) > 1e-6 {
				t.Errorf("cols %d: gradient[%d] = %v, finite difference %v", cols, i, g[i], num)
			}
			if num := (gp[i] - gm[i]) / (2 * h); math.Abs(num-diag[i]) > 1e-6 {
				t.Errorf("cols %d: diagonal[%d] = %v, finite difference %v", cols, i, diag[i], num)
			}
		}
		// H·v against the change of the gradient along v.
		y1, y2 := slices.Clone(x), slices.Clone(x)
		vec.Axpy(h, v, y1)
		vec.Axpy(-h, v, y2)
		g1, g2 := make([]float64, n), make([]float64, n)
		o.eval(y1, g1, scratch)
		o.eval(y2, g2, scratch)
		for i := range hv {
			if num := (g1[i] - g2[i]) / (2 * h); math.Abs(num-hv[i]) > 1e-6 {
				t.Errorf("cols %d: Hv[%d] = %v, finite difference %v", cols, i, hv[i], num)
			}
		}
	}
}

// TestLogRegOptimum: what Train returns is the optimum — the gradient of
// the objective vanishes there — and the two-class model, solved as one
// binary problem, is the optimum of the two-column problem.
func TestLogRegOptimum(t *testing.T) {
	for _, k := range []int{2, 3} {
		d := randomData(uint64(k)+10, 300, 40, k)
		const C = 2.0
		m, err := Train(d, TrainOptions{Algo: "logreg", C: C, Balanced: true, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		n := 40*k + k
		x := make([]float64, n)
		for i, w := range m.W {
			x[i] = float64(w)
		}
		for c, b := range m.B {
			x[40*k+c] = float64(b)
		}
		o := newLogLoss(d, k, d.classWeights(true), 1/(C*float64(len(d.X))), 1)
		g := make([]float64, n)
		o.eval(x, g, make([]float64, n))
		// float32 weights: the gradient vanishes to their precision.
		if worst := maxAbs(g); worst > 1e-6 {
			t.Errorf("k=%d: largest gradient entry %g at the returned model", k, worst)
		}
	}
}

// quadratic is ½xᵀAx − bᵀx with A = diag(a) + 1·1ᵀ (not diagonal, so the
// preconditioner is not exact): tron's test objective.
type quadratic struct {
	a, b []float64
	nan  bool
}

func (q *quadratic) hv(v, out []float64) {
	var s float64
	for _, vi := range v {
		s += vi
	}
	for i := range v {
		out[i] = q.a[i]*v[i] + s
	}
}

func (q *quadratic) eval(x, g, diag []float64) float64 {
	q.hv(x, g)
	f := 0.0
	for i := range x {
		f += 0.5*x[i]*g[i] - q.b[i]*x[i]
		g[i] -= q.b[i]
		diag[i] = q.a[i] + 1
	}
	if q.nan {
		return math.NaN()
	}
	return f
}

func (q *quadratic) accept() {}

func TestTron(t *testing.T) {
	q := &quadratic{a: []float64{1, 10, 100, 1000, 0.1}, b: []float64{1, -2, 3, -4, 5}}
	x := make([]float64, 5)
	// (Much below 1e-4 the stop at machine precision comes first here:
	// with curvature 1000 a gradient of 1e-6 is worth a decrease of 1e-15.)
	if _, err := tron(x, q, 100, 1e-4); err != nil {
		t.Fatal(err)
	}
	g := make([]float64, 5)
	q.eval(x, g, make([]float64, 5))
	if worst := maxAbs(g); worst > 1e-4 {
		t.Errorf("gradient %v at %v", g, x)
	}
	// One Newton step allowed: it returns (with a better point), not loop.
	y := make([]float64, 5)
	if _, err := tron(y, q, 1, 1e-10); err != nil {
		t.Fatal(err)
	}
	q.nan = true
	if _, err := tron(make([]float64, 5), q, 100, 1e-6); err == nil {
		t.Error("a NaN objective: no error")
	}
}

// TestAffine checks the register-accumulated class scores against the
// plain sum, bit for bit, for every way k splits into passes of 4, 2 and 1.
func TestAffine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const nf = 50
	idx := []int32{7, 0, 49, 13, 7, 22}
	val := []float32{0.5, -1.25, 3, 0.125, 2, -0.75}
	for k := 1; k <= 9; k++ {
		w, b := make([]float64, nf*k), make([]float64, k)
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		z := make([]float64, k)
		affine(z, b, w, idx, val)
		for c := range k {
			want := b[c]
			for j, f := range idx {
				want += w[int(f)*k+c] * float64(val[j])
			}
			if z[c] != want {
				t.Errorf("k=%d class %d: %v, want %v", k, c, z[c], want)
			}
		}
	}
}
