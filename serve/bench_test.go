package serve

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/credence-news/credence/corpus"
	"github.com/credence-news/credence/internal/sharedtest"
	"github.com/credence-news/credence/model/defaultmodel"
)

// article is a 600-word news-like text.
func benchArticle() string {
	words := strings.Fields(`The council voted on Tuesday to approve the budget after months of negotiation
	between officials and residents who said the plan would cut services while raising fees for families
	across the city and its suburbs according to a report released by the state`)
	var b strings.Builder
	for i := 0; i < 600; i++ {
		b.WriteString(words[i%len(words)])
		b.WriteByte(' ')
	}
	return b.String()
}

func benchServer(b *testing.B) *Server {
	s, err := New(Options{Load: defaultmodel.Load, MaxBody: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkClassifyOne(b *testing.B) {
	s := benchServer(b)
	body, _ := json.Marshal(map[string]string{"text": benchArticle()})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/classify", bytes.NewReader(body)))
		if w.Code != 200 {
			b.Fatal(w.Body.String())
		}
	}
}

// BenchmarkClassifyBatch reports the cost per document of a 100-document
// batch of one repeated small-vocabulary article.
func BenchmarkClassifyBatch(b *testing.B) {
	docs := make([]map[string]string, 100)
	for i := range docs {
		docs[i] = map[string]string{"text": benchArticle()}
	}
	benchBatch(b, docs)
}

// BenchmarkClassifyBatchReal is BenchmarkClassifyBatch on 100 different
// 600-word articles cut from the Pérez-Rosas corpus, as bench/serve.sh sends:
// real vocabularies miss the caches that a repeated article stays in.
func BenchmarkClassifyBatchReal(b *testing.B) {
	var words []string
	err := corpus.Each(corpus.Spec{Layout: "perezrosas"},
		corpus.Input{Path: sharedtest.Path(b, "datasets", "perezrosas", "perezrosas2018.csv.gz")},
		func(d corpus.Document) error {
			words = append(words, strings.Fields(d.Text)...)
			return nil
		}, new(corpus.Stats))
	if err != nil {
		b.Fatal(err)
	}
	var docs []map[string]string
	for i := 0; i+600 <= len(words) && len(docs) < 100; i += 600 {
		docs = append(docs, map[string]string{"text": strings.Join(words[i:i+600], " ")})
	}
	benchBatch(b, docs)
}

func benchBatch(b *testing.B, docs []map[string]string) {
	s := benchServer(b)
	body, _ := json.Marshal(map[string]any{"documents": docs})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/classify", bytes.NewReader(body)))
		if w.Code != 200 {
			b.Fatal(w.Body.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/doc")
}
