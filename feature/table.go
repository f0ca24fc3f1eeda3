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
