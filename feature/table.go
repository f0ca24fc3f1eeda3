package feature

// table maps n-gram hashes to feature ids: open addressing with linear
// probing over one array of (hash, id) pairs, so a lookup usually costs one
// cache line where a Go map of 100k+ entries costs two or three. The hashes
// are already well mixed, so their top bits index the table directly.
type table struct {
	slots []slot
	shift uint
}

type slot struct {
	h  uint64
	id int32 // id+1; 0 marks an empty slot
}

func newTable(n int) *table {
	bits := uint(4)
	for 1<<bits < 2*n { // load factor at most 1/2
		bits++
	}
	return &table{slots: make([]slot, 1<<bits), shift: 64 - bits}
}

// put adds h → id and reports false if h is already present.
func (t *table) put(h uint64, id int32) bool {
	mask := len(t.slots) - 1
	for i := int(h >> t.shift); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.id == 0 {
			*s = slot{h, id + 1}
			return true
		}
		if s.h == h {
			return false
		}
	}
}

func (t *table) get(h uint64) (int32, bool) {
	mask := len(t.slots) - 1
	for i := int(h >> t.shift); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s.id == 0 {
			return 0, false
		}
		if s.h == h {
			return s.id - 1, true
		}
	}
}

// vocabCounts counts the documents each n-gram occurs in while a
// vocabulary is fitted: open addressing like table, growing, with the
// names in one byte arena. Nothing in it is a pointer, so the collector
// does not walk the millions of n-grams a corpus has (most occur once).
// The probed slots hold only what every occurrence touches (16 bytes);
// where a name lies is written once, beside them.
type vocabCounts struct {
	slots []countEntry
	spans []nameSpan // by slot
	shift uint
	used  int
	names []byte
}

type countEntry struct {
	h        uint64
	df, last int32 // df 0 marks an empty slot; last: the last document counted
}

type nameSpan struct {
	off uint64 // the name is names[off : off+n]
	n   uint32
}

func newVocabCounts(expect int) *vocabCounts {
	bits := uint(16)
	for 1<<bits < 2*expect && bits < 40 {
		bits++
	}
	return &vocabCounts{slots: make([]countEntry, 1<<bits), spans: make([]nameSpan, 1<<bits), shift: 64 - bits}
}

// add counts n-gram g (hash h) in document d, once per document.
func (v *vocabCounts) add(h uint64, d int32, g *gram) {
	if 2*(v.used+1) > len(v.slots) {
		v.grow()
	}
	mask := len(v.slots) - 1
	for i := int(h >> v.shift); ; i = (i + 1) & mask {
		e := &v.slots[i]
		if e.df == 0 {
			off := len(v.names)
			v.names = g.appendName(v.names)
			*e = countEntry{h: h, df: 1, last: d}
			v.spans[i] = nameSpan{uint64(off), uint32(len(v.names) - off)}
			v.used++
			return
		}
		if e.h == h {
			if e.last != d {
				e.last, e.df = d, e.df+1
			}
			return
		}
	}
}

// name returns the name of the n-gram in slot i.
func (v *vocabCounts) name(i int) string {
	s := v.spans[i]
	return string(v.names[s.off : s.off+uint64(s.n)])
}

func (v *vocabCounts) grow() {
	old, oldSpans := v.slots, v.spans
	v.slots, v.spans, v.shift = make([]countEntry, 2*len(old)), make([]nameSpan, 2*len(old)), v.shift-1
	mask := len(v.slots) - 1
	for j, e := range old {
		if e.df == 0 {
			continue
		}
		i := int(e.h >> v.shift)
		for v.slots[i].df != 0 {
			i = (i + 1) & mask
		}
		v.slots[i], v.spans[i] = e, oldSpans[j]
	}
}
