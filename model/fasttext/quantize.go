package fasttext

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// QuantizeOptions are the settings of Quantize, under fastText's names.
type QuantizeOptions struct {
	DSub   int  // dimensions per sub-quantizer of the input matrix (-dsub; default 2)
	QNorm  bool // quantize each row's norm separately (-qnorm)
	QOut   bool // also quantize the output matrix, with dsub 2 (-qout)
	Cutoff int  // keep only this many input rows, the largest by L2 norm, EOS always (-cutoff; 0 = all)
	// Threads trains the sub-quantizers in parallel (0 = GOMAXPROCS).
	Threads int
	Seed    uint64
}

// Quantize returns a product-quantized copy of the model (fastText's
// `quantize`): every input row is cut into sub-vectors of DSub dimensions,
// each replaced by the nearest of 256 centroids learnt by k-means (one byte
// per sub-vector instead of 4 per dimension: 2·4 = 8 times smaller at dsub 2).
// With Cutoff, only the rows with the largest norms are kept first: dropped
// words become unknown words, dropped n-grams zero rows. fastText's
// -retrain (fine-tuning after the cutoff) is not offered. The receiver is
// not changed.
func (m *Model) Quantize(opt QuantizeOptions) (*Model, error) {
	if m.in.q != nil {
		return nil, fmt.Errorf("quantize: the model is already quantized")
	}
	if opt.DSub == 0 {
		opt.DSub = 2
	}
	if opt.DSub < 1 || opt.DSub > int(m.args.dim) {
		return nil, fmt.Errorf("quantize: dsub %d for dimension %d", opt.DSub, m.args.dim)
	}
	if opt.Cutoff < 0 {
		return nil, fmt.Errorf("quantize: cutoff %d", opt.Cutoff)
	}
	if opt.Threads <= 0 {
		opt.Threads = runtime.GOMAXPROCS(0)
	}
	q := &Model{format: m.format, version: m.version, args: m.args, train: m.train}
	q.dict = dictionary{words: m.dict.words, counts: m.dict.counts, types: m.dict.types,
		nwords: m.dict.nwords, nlabels: m.dict.nlabels, ntokens: m.dict.ntokens}
	q.ngrams = m.ngrams
	in := m.in
	if opt.Cutoff > 0 && opt.Cutoff < in.m {
		var err error
		if in, err = q.cutoff(m, opt.Cutoff); err != nil {
			return nil, err
		}
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x51))
	q.in = matrix{m: in.m, n: in.n, q: quantizeMatrix(in.d, in.m, in.n, opt.DSub, opt.QNorm, opt.Threads, rng)}
	q.out = m.out
	if opt.QOut {
		if m.out.q != nil {
			return nil, fmt.Errorf("quantize: the output matrix is already quantized")
		}
		q.out = matrix{m: m.out.m, n: m.out.n, q: quantizeMatrix(m.out.d, m.out.m, m.out.n, 2, opt.QNorm, opt.Threads, rng)}
		q.qout = true
	}
	if err := q.check(); err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	q.init()
	return q, nil
}

// cutoff keeps the n input rows with the largest norms (EOS always) and
// renumbers words and n-grams; it returns the kept rows as a dense matrix.
func (q *Model) cutoff(m *Model, n int) (matrix, error) {
	dim := int(m.args.dim)
	rows := m.in.m
	norms := make([]float64, rows)
	for i := range rows {
		var s float64
		for _, v := range m.in.d[i*dim : i*dim+dim] {
			s += float64(v) * float64(v)
		}
		norms[i] = math.Sqrt(s)
	}
	eos := m.dict.findString(EOS)
	idx := make([]int32, rows)
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		switch {
		case a == eos:
			return -1
		case b == eos:
			return 1
		case norms[a] > norms[b]:
			return -1
		case norms[a] < norms[b]:
			return 1
		}
		return 0
	})
	idx = idx[:n]
	slices.Sort(idx)
	nw := m.dict.nwords
	dc := &q.dict
	dc.words, dc.counts, dc.types = nil, nil, nil
	var keptBuckets []int32
	var bucketOf []int32
	if m.ngrams.kind == ngSparse {
		bucketOf = m.ngrams.sparseBuckets()
	}
	for _, r := range idx {
		if r < nw {
			dc.words = append(dc.words, m.dict.words[r])
			dc.counts = append(dc.counts, m.dict.counts[r])
			dc.types = append(dc.types, typeWord)
		} else if bucketOf != nil {
			keptBuckets = append(keptBuckets, bucketOf[r-nw])
		}
	}
	newNW := int32(len(dc.words))
	for i := nw; i < nw+m.dict.nlabels; i++ {
		dc.words = append(dc.words, m.dict.words[i])
		dc.counts = append(dc.counts, m.dict.counts[i])
		dc.types = append(dc.types, typeLabel)
	}
	dc.nwords = newNW
	switch m.ngrams.kind {
	case ngSparse:
		q.ngrams = ngramIndex{kind: ngSparse, nwords: newNW, bucket: m.ngrams.bucket}
		q.ngrams.setSparse(keptBuckets)
	case ngDense:
		// fastText's pruned index: bucket → new row, others dropped
		var keys, vals []int32
		for _, r := range idx {
			if r >= nw {
				keys = append(keys, r-nw)
				vals = append(vals, int32(len(keys)-1))
			}
		}
		q.ngrams = ngramIndex{nwords: newNW, bucket: m.ngrams.bucket}
		q.ngrams.setPruned(keys, vals)
	default:
		return matrix{}, fmt.Errorf("quantize: cutoff of an already pruned model")
	}
	out := matrix{m: n, n: dim, d: make([]float32, n*dim)}
	for i, r := range idx {
		copy(out.d[i*dim:i*dim+dim], m.in.d[int(r)*dim:int(r)*dim+dim])
	}
	return out, nil
}

// quantizeMatrix product-quantizes a dense m × n matrix (fastText's
// QuantMatrix constructor).
func quantizeMatrix(data []float32, m, n, dsub int, qnorm bool, threads int, rng *rand.Rand) *quantMatrix {
	data = slices.Clone(data)
	q := &quantMatrix{qnorm: qnorm}
	if qnorm {
		norms := make([]float32, m)
		for i := range m {
			var s float64
			row := data[i*n : i*n+n]
			for _, v := range row {
				s += float64(v) * float64(v)
			}
			norms[i] = float32(math.Sqrt(s))
			if norms[i] > 0 {
				for j := range row {
					row[j] /= norms[i]
				}
			}
		}
		q.npq = newPQ(1, 1)
		q.npq.train(norms, m, 1, rng.Uint64())
		q.normCodes = make([]byte, m)
		q.npq.encode(norms, m, q.normCodes, 1)
	}
	q.pq = newPQ(n, dsub)
	q.pq.train(data, m, threads, rng.Uint64())
	q.codes = make([]byte, m*q.pq.nsubq)
	q.pq.encode(data, m, q.codes, threads)
	return q
}

func newPQ(dim, dsub int) productQuantizer {
	p := productQuantizer{dim: dim, dsub: dsub, nsubq: (dim + dsub - 1) / dsub, lastdsub: dim % dsub}
	if p.lastdsub == 0 {
		p.lastdsub = dsub
	}
	p.centroids = make([]float32, dim*ksub)
	return p
}

func (p *productQuantizer) subDim(s int) int {
	if s == p.nsubq-1 {
		return p.lastdsub
	}
	return p.dsub
}

const (
	pqIterations = 25        // fastText's niter_
	pqMaxPoints  = 256 * 256 // fastText's max_points_
)

// train learns each sub-quantizer's centroids by k-means on (a sample of)
// the rows, sub-quantizers in parallel.
func (p *productQuantizer) train(x []float32, n, threads int, seed uint64) {
	np := min(n, pqMaxPoints)
	var wg sync.WaitGroup
	sem := make(chan struct{}, threads)
	for s := range p.nsubq {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rng := rand.New(rand.NewPCG(seed, uint64(s)))
			d := p.subDim(s)
			perm := rng.Perm(n)[:np]
			pts := make([]float32, np*d)
			for j, r := range perm {
				copy(pts[j*d:j*d+d], x[r*p.dim+s*p.dsub:r*p.dim+s*p.dsub+d])
			}
			c := p.centroids[p.centroid(s, 0) : p.centroid(s, 0)+ksub*d]
			kmeans(pts, c, np, d, rng)
		}()
	}
	wg.Wait()
}

func nearest(x, c []float32, d int) (int, float32) {
	best, bestD := 0, float32(math.Inf(1))
	if d == 2 { // fastText's default dsub
		x0, x1 := x[0], x[1]
		for k := 0; k+1 < len(c); k += 2 {
			t0, t1 := x0-c[k], x1-c[k+1]
			if dist := t0*t0 + t1*t1; dist < bestD {
				best, bestD = k/2, dist
			}
		}
		return best, bestD
	}
	for k := range len(c) / d {
		var dist float32
		ck := c[k*d : k*d+d]
		for j, v := range x[:d] {
			t := v - ck[j]
			dist += t * t
		}
		if dist < bestD {
			best, bestD = k, dist
		}
	}
	return best, bestD
}

// kmeans clusters n points of d dimensions into len(c)/d centroids. With
// fewer points than centroids, the points themselves are the centroids.
func kmeans(x, c []float32, n, d int, rng *rand.Rand) {
	k := len(c) / d
	clear(c)
	if n <= k {
		copy(c, x[:n*d])
		return
	}
	perm := rng.Perm(n)
	for i := range k {
		copy(c[i*d:i*d+d], x[perm[i]*d:perm[i]*d+d])
	}
	codes := make([]int, n)
	counts := make([]int, k)
	for range pqIterations {
		for i := range n {
			codes[i], _ = nearest(x[i*d:i*d+d], c, d)
		}
		clear(c)
		clear(counts)
		for i, code := range codes {
			add(x[i*d:i*d+d], c[code*d:code*d+d])
			counts[code]++
		}
		for j := range k {
			if counts[j] > 0 {
				scal(1/float32(counts[j]), c[j*d:j*d+d])
			}
		}
		// split a big cluster for every empty one (as fastText's MStep)
		for j := range k {
			if counts[j] > 0 {
				continue
			}
			big := 0
			for counts[big] <= 1 || rng.Float64()*float64(n-k) >= float64(counts[big]-1) {
				big = (big + 1) % k
			}
			copy(c[j*d:j*d+d], c[big*d:big*d+d])
			for t := range d {
				eps := float32(1.0 / 1024)
				if t%2 == 0 {
					eps = -eps
				}
				c[j*d+t] += eps
				c[big*d+t] -= eps
			}
			counts[j] = counts[big] / 2
			counts[big] -= counts[j]
		}
	}
}

// encode assigns every row its nearest centroid per sub-quantizer.
func (p *productQuantizer) encode(x []float32, n int, codes []byte, threads int) {
	var wg sync.WaitGroup
	chunk := (n + threads - 1) / threads
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				for s := range p.nsubq {
					d := p.subDim(s)
					c := p.centroids[p.centroid(s, 0) : p.centroid(s, 0)+ksub*d]
					k, _ := nearest(x[i*p.dim+s*p.dsub:], c, d)
					codes[i*p.nsubq+s] = byte(k)
				}
			}
		}()
	}
	wg.Wait()
}
