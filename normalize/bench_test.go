package normalize

import (
	"path/filepath"
	"testing"

	"github.com/credence-news/credence/internal/sharedtest"
)

// benchDocs returns the raw texts of the shared parity fixtures (real news
// articles and headlines, about 1 MB).
func benchDocs(b *testing.B) ([][]byte, int64) {
	dir := sharedtest.Path(b, "reference", "nltk-parity")
	var docs [][]byte
	var n int64
	for _, f := range []string{"perezrosas-300.jsonl", "agnews-300.jsonl"} {
		for _, fx := range readFixtures(b, filepath.Join(dir, f)) {
			docs = append(docs, []byte(fx.Raw))
			n += int64(len(fx.Raw))
		}
	}
	return docs, n
}

func benchProfile(b *testing.B, name string) {
	docs, n := benchDocs(b)
	p, _ := Lookup(name)
	String(p, "warm up the tables")
	b.SetBytes(n)
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		for _, d := range docs {
			buf = p.Append(buf[:0], d)
		}
	}
}

func BenchmarkNLTK(b *testing.B)   { benchProfile(b, "nltk") }
func BenchmarkModern(b *testing.B) { benchProfile(b, "modern") }
func BenchmarkPlain(b *testing.B)  { benchProfile(b, "plain") }

func BenchmarkNLTKParallel(b *testing.B) {
	docs, n := benchDocs(b)
	p, _ := Lookup("nltk")
	String(p, "warm up")
	b.SetBytes(n)
	b.RunParallel(func(pb *testing.PB) {
		var buf []byte
		for pb.Next() {
			for _, d := range docs {
				buf = p.Append(buf[:0], d)
			}
		}
	})
}

// BenchmarkNLTKTableInit measures the one-time cost a process pays on its
// first nltk normalization.
func BenchmarkNLTKTableInit(b *testing.B) {
	for b.Loop() {
		buildNLTKTable()
	}
}
