package fasttext

// Info describes the model for `credence model info`: fastText's stored
// arguments (under fastText's names), the dictionary and matrix sizes, and
// how the model is stored. Keys present for every model: format, dim, ws,
// epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
// lrUpdateRate, t, nwords, nlabels, ntokens, labels, input_rows,
// ngram_rows, ngram_index, quantized, qout, memory_bytes. Also, when known:
// version and file_size (files read by Load/Decode), qnorm and dsub
// (quantized), lr, threads, seed and train_docs (credence-trained), and
// train_seconds and train_dict_seconds (just trained, not unmarshaled).
func (m *Model) Info() map[string]any {
	a := &m.args
	info := map[string]any{
		"format":       m.format,
		"dim":          int(a.dim),
		"ws":           int(a.ws),
		"epoch":        int(a.epoch),
		"minCount":     int(a.minCount),
		"neg":          int(a.neg),
		"wordNgrams":   int(a.wordNgrams),
		"loss":         lossName(a.loss),
		"model":        kindName(a.model),
		"bucket":       int(a.bucket),
		"minn":         int(a.minn),
		"maxn":         int(a.maxn),
		"lrUpdateRate": int(a.lrUpdateRate),
		"t":            a.t,
		"nwords":       int(m.dict.nwords),
		"nlabels":      int(m.dict.nlabels),
		"ntokens":      m.dict.ntokens,
		"labels":       append([]string(nil), m.labels...),
		"input_rows":   m.in.m,
		"quantized":    m.in.q != nil,
		"qout":         m.out.q != nil,
		"memory_bytes": m.in.size() + m.out.size(),
	}
	switch m.ngrams.kind {
	case ngDense:
		info["ngram_index"] = "dense"
		info["ngram_rows"] = m.in.m - int(m.dict.nwords)
	case ngPruned:
		info["ngram_index"] = "pruned"
		info["ngram_rows"] = m.ngrams.count()
	case ngSparse:
		info["ngram_index"] = "sparse"
		info["ngram_rows"] = m.ngrams.count()
	}
	if m.format == formatFastText {
		info["version"] = int(m.version)
	}
	if m.fileSize > 0 {
		info["file_size"] = m.fileSize
	}
	if q := m.in.q; q != nil {
		info["qnorm"] = q.qnorm
		info["dsub"] = q.pq.dsub
	}
	if m.format == formatCredence {
		info["lr"] = m.train.LR
		info["threads"] = m.train.Threads
		info["seed"] = m.train.Seed
		info["train_docs"] = m.train.Docs
		if m.train.Seconds > 0 { // not stored by MarshalBinary
			info["train_seconds"] = m.train.Seconds
			info["train_dict_seconds"] = m.train.DictSeconds
		}
	}
	return info
}
