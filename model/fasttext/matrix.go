package fasttext

// A matrix is fastText's DenseMatrix or QuantMatrix (product-quantized).
// Arithmetic is float32 in fastText's order, so that predictions match the
// fastText binary to the last bits that matter (the one-vs-all loss looks
// its sigmoid up in a 512-entry table, where a rounding difference can move
// a probability by 0.8%).
type matrix struct {
	m, n int
	d    []float32 // dense, row-major; nil if quantized
	q    *quantMatrix
}

type quantMatrix struct {
	qnorm     bool
	codes     []byte // m × pq.nsubq
	pq        productQuantizer
	normCodes []byte // m, if qnorm
	npq       productQuantizer
}

// productQuantizer is fastText's ProductQuantizer: nsubq sub-quantizers of
// 256 centroids each; all but the last cover dsub dimensions, the last
// covers lastdsub.
type productQuantizer struct {
	dim, nsubq, dsub, lastdsub int
	centroids                  []float32 // dim × 256
}

const ksub = 256

// centroid returns the address of centroid c of sub-quantizer s.
func (p *productQuantizer) centroid(s int, c byte) int {
	if s == p.nsubq-1 {
		return s*ksub*p.dsub + int(c)*p.lastdsub
	}
	return (s*ksub + int(c)) * p.dsub
}

func (q *quantMatrix) norm(i int) float32 {
	if !q.qnorm {
		return 1
	}
	return q.npq.centroids[q.npq.centroid(0, q.normCodes[i])]
}

// addRow adds row i to x (fastText's addRowToVector).
func (a *matrix) addRow(x []float32, i int) {
	if a.q == nil {
		row := a.d[i*a.n : i*a.n+a.n]
		x = x[:len(row)]
		for j, v := range row {
			x[j] += v
		}
		return
	}
	q := a.q
	alpha := q.norm(i)
	p := &q.pq
	code := q.codes[i*p.nsubq : i*p.nsubq+p.nsubq]
	d := p.dsub
	for s := 0; s < p.nsubq; s++ {
		if s == p.nsubq-1 {
			d = p.lastdsub
		}
		c := p.centroids[p.centroid(s, code[s]):]
		c = c[:d]
		xs := x[s*p.dsub : s*p.dsub+d]
		for j, v := range c {
			xs[j] += float32(alpha * v)
		}
	}
}

// dotRow returns row i · x, summed in order in float32 (fastText's dotRow).
func (a *matrix) dotRow(x []float32, i int) float32 {
	if a.q == nil {
		row := a.d[i*a.n : i*a.n+a.n]
		x = x[:len(row)]
		var s float32
		for j, v := range row {
			s += float32(v * x[j])
		}
		return s
	}
	q := a.q
	p := &q.pq
	code := q.codes[i*p.nsubq : i*p.nsubq+p.nsubq]
	var s float32
	d := p.dsub
	for m := 0; m < p.nsubq; m++ {
		if m == p.nsubq-1 {
			d = p.lastdsub
		}
		c := p.centroids[p.centroid(m, code[m]):]
		c = c[:d]
		xs := x[m*p.dsub : m*p.dsub+d]
		for j, v := range c {
			s += float32(xs[j] * v)
		}
	}
	return float32(s * q.norm(i))
}

// row writes row i, decoded, into dst (len n).
func (a *matrix) row(dst []float32, i int) {
	if a.q == nil {
		copy(dst, a.d[i*a.n:i*a.n+a.n])
		return
	}
	clear(dst)
	a.addRow(dst, i)
}

// size returns the bytes the matrix takes in memory.
func (a *matrix) size() int64 {
	if a.q == nil {
		return int64(len(a.d)) * 4
	}
	q := a.q
	return int64(len(q.codes)+len(q.normCodes)) + int64(len(q.pq.centroids)+len(q.npq.centroids))*4
}
