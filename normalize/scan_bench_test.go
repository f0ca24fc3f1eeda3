package normalize

import "testing"

func BenchmarkScanOnly(b *testing.B) {
	docs, n := benchDocs(b)
	b.SetBytes(n)
	ws := &words{}
	for b.Loop() {
		for _, d := range docs {
			ws.scan(d)
			for pos := 0; ; {
				_, _, end, ok := ws.next(pos)
				if !ok {
					break
				}
				pos = end
			}
		}
	}
}
