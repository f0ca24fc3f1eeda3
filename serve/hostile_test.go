package serve

// Hostile-client tests: the API contract, and what a real http.Server in
// front of the handler does with malformed, oversized, slow, numerous and
// concurrent requests, fetching, and hot reload under load. Every test
// talks to a server on a 127.0.0.1 listener and to nothing else.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/model/defaultmodel"
)

// testServer is a Server behind a real http.Server on a loopback port.
type testServer struct {
	*Server
	hs     *http.Server
	addr   string // 127.0.0.1:port
	url    string // http://127.0.0.1:port
	client *http.Client
}

// serverTimeouts are cmd/credence/serve.go's, scaled by the test when it
// needs to see one of them fire.
type serverTimeouts struct {
	readHeader, read, write, idle time.Duration
}

var prodTimeouts = serverTimeouts{readHeader: 5 * time.Second, read: 30 * time.Second, write: 60 * time.Second, idle: 120 * time.Second}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func startServer(t testing.TB, opt Options, to serverTimeouts) *testServer {
	t.Helper()
	if opt.Load == nil {
		opt.Load = defaultmodel.Load
	}
	if opt.Logger == nil {
		opt.Logger = quietLogger()
	}
	srv, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: to.readHeader,
		ReadTimeout:       to.read,
		WriteTimeout:      to.write,
		IdleTimeout:       to.idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go hs.Serve(ln)
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true, Proxy: nil}
	ts := &testServer{Server: srv, hs: hs, addr: ln.Addr().String(), url: "http://" + ln.Addr().String(),
		client: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		hs.Close()
	})
	return ts
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// try makes one request; it is safe to call from any goroutine.
func (ts *testServer) try(method, path, contentType string, body []byte, header ...string) (response, error) {
	req, err := http.NewRequest(method, ts.url+path, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	return response{resp.StatusCode, resp.Header, b}, nil
}

func (ts *testServer) do(t testing.TB, method, path, contentType string, body []byte, header ...string) response {
	t.Helper()
	r, err := ts.try(method, path, contentType, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (ts *testServer) post(t testing.TB, path, body string, header ...string) response {
	t.Helper()
	return ts.do(t, http.MethodPost, path, "application/json", []byte(body), header...)
}

func (ts *testServer) get(t testing.TB, path string) response {
	t.Helper()
	return ts.do(t, http.MethodGet, path, "", nil)
}

// decodeJSON checks the answer is JSON and decodes it.
func decodeJSON(t testing.TB, r response, v any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json; body %.300q", ct, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer is not JSON: %v; body %.300q", err, r.body)
	}
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// wantError checks an answer is the JSON error with this status and code.
func wantError(t testing.TB, r response, status int, code string) {
	t.Helper()
	var e errorBody
	decodeJSON(t, r, &e)
	if r.status != status || e.Error.Code != code {
		t.Fatalf("got %d %q (%s), want %d %q", r.status, e.Error.Code, e.Error.Message, status, code)
	}
	if e.Error.Message == "" {
		t.Errorf("error %q has no message", code)
	}
}

type verdictBody struct {
	ID            any                `json:"id"`
	Label         string             `json:"label"`
	Verdict       string             `json:"verdict"`
	Probabilities map[string]float64 `json:"probabilities"`
	ModelID       string             `json:"model_id"`
	Extracted     *struct {
		Title string `json:"title"`
		Chars int    `json:"chars"`
	} `json:"extracted"`
}

// checkVerdict checks one verdict against the model's labels.
func checkVerdict(t testing.TB, m *model.Model, v verdictBody) {
	t.Helper()
	labels := m.Labels()
	if len(v.Probabilities) != len(labels) {
		t.Fatalf("probabilities %v, want one per label %v", v.Probabilities, labels)
	}
	sum, best := 0.0, ""
	for _, l := range labels {
		p, ok := v.Probabilities[l]
		if !ok || p < 0 || p > 1 || math.IsNaN(p) {
			t.Fatalf("probability of %q: %v (present %v)", l, p, ok)
		}
		if best == "" || p > v.Probabilities[best] {
			best = l
		}
		sum += p
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("probabilities sum to %v", sum)
	}
	if v.Label != best {
		t.Errorf("label %q, but the most probable class is %q", v.Label, best)
	}
	if v.Verdict != model.Uncertain && !slices.Contains(labels, v.Verdict) {
		t.Errorf("verdict %q is neither a label nor %q", v.Verdict, model.Uncertain)
	}
}

// article is a ~600-word news-style text (the tests must not depend on the
// shared datasets).
func article(words int) string {
	sentences := []string{
		"The city council voted on Tuesday to approve a revised budget that raises spending on public transport and road repairs.",
		"Officials said the plan would be paid for by a modest increase in property taxes and by savings in administrative costs.",
		"Several residents spoke at the meeting, some in favour of the proposal and others warning that the tax rise would hurt small businesses.",
		"The mayor told reporters that the vote was a responsible compromise reached after months of negotiation with community groups.",
		"According to figures released by the finance department, the transport budget will grow by about eight percent next year.",
		"Opposition members argued that the council had not published enough detail about how the savings would be achieved.",
		"A spokesperson for the regional government said it would review the budget before releasing matching funds in the spring.",
		"Local business associations said they would study the final text and respond formally within the next two weeks.",
	}
	var b strings.Builder
	n := 0
	for i := 0; n < words; i++ {
		s := sentences[i%len(sentences)]
		for _, w := range strings.Fields(s) {
			if n == words {
				break
			}
			if n > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
			n++
		}
	}
	return b.String()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// articlePage is a small news page around an article, for extraction.
func articlePage(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html><head><meta charset=\"utf-8\"><title>%s</title></head><body>", title)
	b.WriteString(`<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>`)
	b.WriteString(`<div class="sidebar"><ul><li><a href="/a">Most read</a></li><li><a href="/b">Newsletter</a></li></ul></div>`)
	fmt.Fprintf(&b, "<article><h1>%s</h1>", title)
	text := article(600)
	words := strings.Fields(text)
	for i := 0; i < len(words); i += 100 {
		fmt.Fprintf(&b, "<p>%s</p>", strings.Join(words[i:min(i+100, len(words))], " "))
	}
	b.WriteString(`</article><footer>Copyright 2026 The Daily Example. All rights reserved.</footer></body></html>`)
	return b.String()
}

func TestAPIContract(t *testing.T) {
	ts := startServer(t, Options{}, prodTimeouts)
	m := ts.Model()
	text := article(600)

	t.Run("single", func(t *testing.T) {
		var v verdictBody
		r := ts.post(t, "/v1/classify", `{"text":`+jsonString(text)+`}`)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		decodeJSON(t, r, &v)
		checkVerdict(t, m, v)
		if v.ModelID != m.Card.ID {
			t.Errorf("model_id %q, want %q", v.ModelID, m.Card.ID)
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("X-Content-Type-Options %q", got)
		}
	})

	t.Run("title+text", func(t *testing.T) {
		title := "Council approves budget"
		var a, b verdictBody
		r := ts.post(t, "/v1/classify", `{"title":`+jsonString(title)+`,"text":`+jsonString(text)+`}`)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		decodeJSON(t, r, &a)
		checkVerdict(t, m, a)
		// The title is glued to the text with the model's join string.
		join := m.Card.Join
		if join == "" {
			join = " "
		}
		decodeJSON(t, ts.post(t, "/v1/classify", `{"text":`+jsonString(title+join+text)+`}`), &b)
		for l, p := range a.Probabilities {
			if b.Probabilities[l] != p {
				t.Errorf("title+text P(%s)=%v, but the joined text gives %v", l, p, b.Probabilities[l])
			}
		}
	})

	t.Run("batch", func(t *testing.T) {
		docs := []map[string]any{
			{"id": 7, "text": text},
			{"id": "doc-b", "title": "Short", "text": "The minister denied the report on Friday."},
			{"text": "no id here, still classified"},
			{"id": map[string]any{"shard": 3, "row": 12}, "text": text[:500]},
		}
		body, _ := json.Marshal(map[string]any{"documents": docs})
		r := ts.post(t, "/v1/classify", string(body))
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var out struct {
			ModelID string        `json:"model_id"`
			Results []verdictBody `json:"results"`
		}
		decodeJSON(t, r, &out)
		if out.ModelID != m.Card.ID || len(out.Results) != len(docs) {
			t.Fatalf("model_id %q, %d results for %d documents", out.ModelID, len(out.Results), len(docs))
		}
		for i, v := range out.Results {
			checkVerdict(t, m, v)
			want, _ := json.Marshal(docs[i]["id"])
			if docs[i]["id"] == nil {
				want = []byte("null")
			}
			got, _ := json.Marshal(v.ID)
			if string(got) != string(want) {
				t.Errorf("result %d: id %s, want %s echoed", i, got, want)
			}
			// A batch result is the single-document result.
			one, _ := json.Marshal(map[string]any{"title": docs[i]["title"], "text": docs[i]["text"]})
			var s verdictBody
			decodeJSON(t, ts.post(t, "/v1/classify", string(one)), &s)
			if fmt.Sprint(s.Probabilities) != fmt.Sprint(v.Probabilities) {
				t.Errorf("result %d: batch %v, alone %v", i, v.Probabilities, s.Probabilities)
			}
		}
		// A batch large enough to be split across cores keeps its order,
		// and an error names the first bad document.
		var big []map[string]any
		for i := range 41 {
			big = append(big, map[string]any{"id": i, "text": text[i*7 : i*7+300]})
		}
		body, _ = json.Marshal(map[string]any{"documents": big})
		r = ts.post(t, "/v1/classify", string(body))
		decodeJSON(t, r, &out)
		for i, v := range out.Results {
			one, _ := json.Marshal(map[string]any{"text": big[i]["text"]})
			var s verdictBody
			decodeJSON(t, ts.post(t, "/v1/classify", string(one)), &s)
			if fmt.Sprint(v.ID) != fmt.Sprint(i) || fmt.Sprint(s.Probabilities) != fmt.Sprint(v.Probabilities) {
				t.Errorf("large batch result %d: id %v %v, alone %v", i, v.ID, v.Probabilities, s.Probabilities)
			}
		}
		big[23]["text"], big[31]["text"] = "", ""
		body, _ = json.Marshal(map[string]any{"documents": big})
		r = ts.post(t, "/v1/classify", string(body))
		var e errorBody
		decodeJSON(t, r, &e)
		if r.status != 400 || !strings.HasPrefix(e.Error.Message, "document 23: ") {
			t.Errorf("a bad document in a large batch: %d %q", r.status, e.Error.Message)
		}
		// An empty batch is an empty answer, not an error.
		r = ts.post(t, "/v1/classify", `{"documents":[]}`)
		if r.status != 200 || !bytes.Contains(r.body, []byte(`"results":[]`)) {
			t.Errorf("empty batch: %d %s", r.status, r.body)
		}
	})

	t.Run("html", func(t *testing.T) {
		page := articlePage("Council approves new budget after long debate")
		var v verdictBody
		r := ts.post(t, "/v1/classify", `{"html":`+jsonString(page)+`}`)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		decodeJSON(t, r, &v)
		checkVerdict(t, m, v)
		if v.Extracted == nil || !strings.Contains(v.Extracted.Title, "Council approves") || v.Extracted.Chars < 2000 {
			t.Fatalf("extracted %+v, want the page's title and its ~3,900-character article", v.Extracted)
		}
		if v.Extracted.Chars > len(text)+200 {
			t.Errorf("extracted %d chars: navigation or footer came along (article is %d)", v.Extracted.Chars, len(text))
		}
		// A page without an article is a 422, not a verdict on nothing.
		wantError(t, ts.post(t, "/v1/classify", `{"html":"<html><body></body></html>"}`), 422, "no_article")
	})

	t.Run("explain", func(t *testing.T) {
		var e struct {
			ModelID     string `json:"model_id"`
			Verdict     string `json:"verdict"`
			Explanation struct {
				Label         string             `json:"label"`
				Probabilities map[string]float64 `json:"probabilities"`
				Features      []struct {
					Feature string   `json:"feature"`
					Spans   [][2]int `json:"spans"`
				} `json:"features"`
			} `json:"explanation"`
			Analyzed struct {
				Chars int    `json:"chars"`
				Text  string `json:"text"`
			} `json:"analyzed"`
		}
		r := ts.post(t, "/v1/explain", `{"title":"Budget vote","text":`+jsonString(text)+`,"top":5}`)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		decodeJSON(t, r, &e)
		if e.ModelID != m.Card.ID || e.Explanation.Label == "" || len(e.Explanation.Features) == 0 || len(e.Explanation.Features) > 5 {
			t.Fatalf("explain: model %q label %q, %d features (top 5)", e.ModelID, e.Explanation.Label, len(e.Explanation.Features))
		}
		checkVerdict(t, m, verdictBody{Label: e.Explanation.Label, Verdict: e.Verdict, Probabilities: e.Explanation.Probabilities})
		for _, f := range e.Explanation.Features {
			for _, sp := range f.Spans {
				if sp[0] < 0 || sp[1] > len(e.Analyzed.Text) || sp[0] > sp[1] {
					t.Errorf("feature %q: span %v outside the analyzed text (%d bytes)", f.Feature, sp, len(e.Analyzed.Text))
				}
			}
		}
		wantError(t, ts.post(t, "/v1/explain", `{"documents":[{"text":"a"}]}`), 400, "batch_not_supported")
	})

	t.Run("model card", func(t *testing.T) {
		var c model.Card
		r := ts.get(t, "/v1/model")
		if r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		decodeJSON(t, r, &c)
		if c.ID != m.Card.ID || !slices.Equal(c.Labels, m.Labels()) || c.Algo == "" {
			t.Errorf("card id %q labels %v algo %q", c.ID, c.Labels, c.Algo)
		}
	})

	t.Run("openapi", func(t *testing.T) {
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		decodeJSON(t, ts.get(t, "/openapi.json"), &doc)
		if !strings.HasPrefix(doc.OpenAPI, "3.") {
			t.Errorf("openapi %q", doc.OpenAPI)
		}
		for _, p := range []string{"/v1/classify", "/v1/explain", "/v1/model"} {
			if doc.Paths[p] == nil {
				t.Errorf("openapi.json does not describe %s", p)
			}
		}
	})

	t.Run("health", func(t *testing.T) {
		var h map[string]string
		decodeJSON(t, ts.get(t, "/healthz"), &h)
		if h["status"] != "ok" {
			t.Errorf("healthz %v", h)
		}
		r := ts.get(t, "/readyz")
		decodeJSON(t, r, &h)
		if r.status != 200 || h["status"] != "ready" || h["model_id"] != m.Card.ID {
			t.Errorf("readyz %d %v", r.status, h)
		}
		ts.SetReady(false)
		wantError(t, ts.get(t, "/readyz"), 503, "not_ready")
		ts.SetReady(true)
		if r := ts.get(t, "/healthz"); r.status != 200 {
			t.Errorf("healthz while not ready: %d", r.status)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		r := ts.get(t, "/metrics")
		if r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		for _, want := range []string{
			`credence_http_requests_total{code="200",endpoint="classify"}`,
			"credence_model_info{",
			`id="` + m.Card.ID + `"`,
			"credence_documents_classified_total",
			"credence_http_request_duration_seconds_bucket",
		} {
			if !bytes.Contains(r.body, []byte(want)) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})

	t.Run("web page", func(t *testing.T) {
		r := ts.get(t, "/")
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("GET /: %d %s", r.status, r.header.Get("Content-Type"))
		}
	})
}

func TestErrorsAreJSON(t *testing.T) {
	ts := startServer(t, Options{}, prodTimeouts)
	tooMany := `{"documents":[` + strings.Repeat(`{"text":"a"},`, 1000) + `{"text":"a"}]}`
	for _, c := range []struct {
		name, method, path, contentType, body string
		status                                int
		code                                  string
	}{
		{"invalid json", "POST", "/v1/classify", "application/json", `{"text": "unterminated`, 400, "invalid_json"},
		{"not json", "POST", "/v1/classify", "application/json", `text=hello`, 400, "invalid_json"},
		{"wrong type", "POST", "/v1/classify", "application/json", `{"text": 42}`, 400, "invalid_json"},
		{"data after the object", "POST", "/v1/classify", "application/json", `{"text":"a"} {"text":"b"}`, 400, "invalid_json"},
		{"empty body", "POST", "/v1/classify", "application/json", ``, 400, "empty_body"},
		{"whitespace body", "POST", "/v1/classify", "application/json", " \n\t ", 400, "empty_body"},
		{"empty object", "POST", "/v1/classify", "application/json", `{}`, 400, "missing_text"},
		{"null", "POST", "/v1/classify", "application/json", `null`, 400, "missing_text"},
		{"text and html", "POST", "/v1/classify", "application/json", `{"text":"a","html":"<p>b</p>"}`, 400, "ambiguous_document"},
		{"batch and text", "POST", "/v1/classify", "application/json", `{"text":"a","documents":[{"text":"b"}]}`, 400, "ambiguous_request"},
		{"bad document in batch", "POST", "/v1/classify", "application/json", `{"documents":[{"text":"a"},{}]}`, 400, "missing_text"},
		{"batch over the limit", "POST", "/v1/classify", "application/json", tooMany, 413, "batch_too_large"},
		{"multipart", "POST", "/v1/classify", "multipart/form-data; boundary=x", "--x--", 415, "unsupported_media_type"},
		{"url, fetching disabled", "POST", "/v1/classify", "application/json", `{"url":"http://127.0.0.1:1/"}`, 403, "fetch_disabled"},
		{"explain, empty body", "POST", "/v1/explain", "application/json", ``, 400, "empty_body"},
		{"unknown endpoint", "POST", "/v1/nope", "application/json", `{}`, 404, "not_found"},
		{"unknown version", "POST", "/v2/classify", "application/json", `{"text":"a"}`, 404, "not_found"},
		{"reload disabled", "POST", "/v1/admin/reload", "", ``, 404, "disabled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, ts.do(t, c.method, c.path, c.contentType, []byte(c.body)), c.status, c.code)
		})
	}
	if r := ts.get(t, "/healthz"); r.status != 200 {
		t.Fatalf("healthz after the errors: %d", r.status)
	}
}

// Regression test (fixed): a GET for an unknown path, or a GET on a POST endpoint, is
// answered by the web page's http.FileServerFS ("GET /" pattern) with a
// text/plain "404 page not found", not the JSON error every other failure
// gets; and a wrong method on a known endpoint is a 404 not_found rather
// than a 405 (the catch-all "/" pattern hides the mux's 405).
func TestUnknownGETIsJSON(t *testing.T) {
	ts := startServer(t, Options{}, prodTimeouts)
	wantError(t, ts.get(t, "/v1/nope"), 404, "not_found")
	wantError(t, ts.get(t, "/v1/classify"), 405, "method_not_allowed")
	wantError(t, ts.do(t, "DELETE", "/v1/model", "", nil), 405, "method_not_allowed")
}

// Regression test (fixed): document ids are decoded into `any`, so a numeric id becomes a
// float64 and integers above 2^53 are echoed changed.
func TestBatchIDsEchoedExactly(t *testing.T) {
	ts := startServer(t, Options{}, prodTimeouts)
	r := ts.post(t, "/v1/classify", `{"documents":[{"id":9007199254740993,"text":"a"},{"id":1e2,"text":"b"}]}`)
	if !bytes.Contains(r.body, []byte(`"id":9007199254740993`)) || !bytes.Contains(r.body, []byte(`"id":1e2`)) {
		t.Fatalf("ids not echoed verbatim: %s", r.body)
	}
}

// streamBody sends a request with a body of n bytes (Content-Length, or
// chunked if chunked is set) on a raw connection, writing in 64 KiB pieces
// while it waits for the answer, and returns the answer and the number of
// body bytes the server let it write.
func streamBody(t *testing.T, addr string, n int64, chunked bool) (response, int64) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	head := "POST /v1/classify HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
	if chunked {
		head += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		head += fmt.Sprintf("Content-Length: %d\r\n\r\n", n)
	}
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		piece := bytes.Repeat([]byte("a"), 64<<10)
		first := append([]byte(`{"text":"`), piece[9:]...)
		for i := 0; sent.Load() < n; i++ {
			p := piece
			if i == 0 {
				p = first
			}
			p = p[:min(int64(len(p)), n-sent.Load())]
			var err error
			if chunked {
				_, err = fmt.Fprintf(conn, "%x\r\n%s\r\n", len(p), p)
			} else {
				_, err = conn.Write(p)
			}
			if err != nil {
				return // the server closed the connection: expected
			}
			sent.Add(int64(len(p)))
		}
		if chunked {
			io.WriteString(conn, "0\r\n\r\n")
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a %d-byte body: %v (after sending %d bytes)", n, err, sent.Load())
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	conn.Close()
	<-done
	return response{resp.StatusCode, resp.Header, b}, sent.Load()
}

func TestHugeBodyIsRefusedWhileStreaming(t *testing.T) {
	ts := startServer(t, Options{}, prodTimeouts)
	const huge = 100 << 20
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r, sent := streamBody(t, ts.addr, huge, chunked)
			runtime.ReadMemStats(&after)
			wantError(t, r, 413, "body_too_large")
			// The server stops reading a little past the 4 MiB limit
			// (plus socket buffers): far from the 100 MB sent.
			if sent > 40<<20 {
				t.Errorf("the server read %d MB of a 100 MB body before refusing it", sent>>20)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 48<<20 {
				t.Errorf("%d MB allocated while refusing a 100 MB body: it was buffered", alloc>>20)
			}
			t.Logf("413 after %.1f MB of 100 MB sent, %.1f MB allocated", float64(sent)/(1<<20), float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
		})
	}
	// A body just under the limit is classified.
	big := `{"text":` + jsonString(strings.Repeat(article(600)+" ", 1200)[:4<<20-64]) + `}`
	if r := ts.post(t, "/v1/classify", big); r.status != 200 {
		t.Errorf("a %d-byte body (limit 4 MiB): %d %s", len(big), r.status, r.body)
	}
	if r := ts.get(t, "/healthz"); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
}

func TestInvalidUTF8(t *testing.T) {
	ts := startServer(t, Options{}, prodTimeouts)
	bad := "Officials \xff\xfe said \xc3\x28 the \xe2\x82 vote \xf0\x9f\x98 was \xed\xa0\x80 fair \\u0000 " + article(50)
	for _, c := range []struct{ path, body string }{
		{"/v1/classify", `{"text":"` + bad + `"}`},
		{"/v1/classify", "{\"title\":\"\xff\xff\",\"text\":\"" + bad + "\"}"},
		{"/v1/classify", "{\"documents\":[{\"id\":\"\xff\",\"text\":\"" + bad + "\"},{\"title\":\"\xc0\xaf\"}]}"},
		{"/v1/classify", "{\"html\":\"<html><head><title>\xff</title></head><body><article><p>" + bad + "</p></article></body></html>\"}"},
		{"/v1/explain", `{"text":"` + bad + `"}`},
		{"/v1/explain", `{"text":"\ud800 lone surrogate escape \udfff ` + article(30) + `"}`},
	} {
		r := ts.post(t, c.path, c.body)
		if r.status != 200 && !(strings.Contains(c.body, "<html>") && r.status == 422) {
			t.Errorf("%s %.60q: %d %s", c.path, c.body, r.status, r.body)
			continue
		}
		var v any
		decodeJSON(t, r, &v) // the answer is valid JSON (encoding/json would refuse invalid UTF-8 only on output if raw)
	}
	if r := ts.get(t, "/healthz"); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
}

func TestDeeplyNestedJSON(t *testing.T) {
	ts := startServer(t, Options{}, prodTimeouts)
	const depth = 100_000
	for _, c := range []struct{ name, open, close string }{
		{"arrays", "[", "]"},
		{"objects", `{"a":`, "}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := `{"ignored":` + strings.Repeat(c.open, depth) + strings.Repeat(c.close, depth) + `,"text":"x"}`
			start := time.Now()
			r := ts.post(t, "/v1/classify", body)
			wantError(t, r, 400, "invalid_json")
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			// Unterminated nesting, too.
			wantError(t, ts.post(t, "/v1/classify", `{"ignored":`+strings.Repeat(c.open, depth)), 400, "invalid_json")
		})
	}
	// Nesting inside a batch document's id.
	wantError(t, ts.post(t, "/v1/classify", `{"documents":[{"id":`+strings.Repeat("[", depth)+strings.Repeat("]", depth)+`,"text":"x"}]}`), 400, "invalid_json")
	if r := ts.post(t, "/v1/classify", `{"text":"still up"}`); r.status != 200 {
		t.Fatalf("classify after nesting attacks: %d", r.status)
	}
}

func TestFetch(t *testing.T) {
	var hits atomic.Int64
	page := articlePage("Fetched article about the council budget")
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/article":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, page)
		case "/redirect":
			http.Redirect(w, r, "/article", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/big":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body><p>")
			chunk := strings.Repeat("word ", 1000)
			for i := 0; i < 2000; i++ { // 10 MB
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	_, port, _ := net.SplitHostPort(site.Listener.Addr().String())

	t.Run("public only", func(t *testing.T) {
		ts := startServer(t, Options{Fetch: &FetchOptions{Timeout: 5 * time.Second}}, prodTimeouts)
		for _, u := range []string{
			site.URL + "/article",
			"http://[::1]:" + port + "/article",
			"http://[::ffff:127.0.0.1]:" + port + "/article",
			"http://0.0.0.0:" + port + "/article",
		} {
			r := ts.post(t, "/v1/classify", `{"url":`+jsonString(u)+`}`)
			var e errorBody
			decodeJSON(t, r, &e)
			if r.status < 400 || (e.Error.Code != "fetch_failed" && e.Error.Code != "invalid_url") {
				t.Errorf("%s: %d %s, want it refused", u, r.status, r.body)
			}
		}
		for _, u := range []string{"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://x/", "http://", "/relative", "javascript:alert(1)"} {
			wantError(t, ts.post(t, "/v1/classify", `{"url":`+jsonString(u)+`}`), 400, "invalid_url")
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the loopback site was fetched %d times by a server that may fetch public addresses only", n)
		}
	})

	t.Run("private allowed", func(t *testing.T) {
		ts := startServer(t, Options{Fetch: &FetchOptions{AllowPrivate: true, MaxBytes: 1 << 20, Timeout: 5 * time.Second}}, prodTimeouts)
		for _, path := range []string{"/article", "/redirect"} {
			var v verdictBody
			r := ts.post(t, "/v1/classify", `{"url":`+jsonString(site.URL+path)+`}`)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			decodeJSON(t, r, &v)
			checkVerdict(t, ts.Model(), v)
			if v.Extracted == nil || !strings.Contains(v.Extracted.Title, "Fetched article") || v.Extracted.Chars < 2000 {
				t.Errorf("%s: extracted %+v", path, v.Extracted)
			}
		}
		wantError(t, ts.post(t, "/v1/classify", `{"url":`+jsonString(site.URL+"/missing")+`}`), 502, "fetch_failed")
		wantError(t, ts.post(t, "/v1/classify", `{"url":`+jsonString(site.URL+"/loop")+`}`), 502, "fetch_failed")
		wantError(t, ts.post(t, "/v1/classify", `{"url":`+jsonString(site.URL+"/big")+`}`), 502, "page_too_large")
		var e struct {
			Analyzed struct {
				Text string `json:"text"`
			} `json:"analyzed"`
		}
		r := ts.post(t, "/v1/explain", `{"url":`+jsonString(site.URL+"/article")+`}`)
		decodeJSON(t, r, &e)
		if r.status != 200 || !strings.Contains(e.Analyzed.Text, "city council") {
			t.Errorf("explain url: %d %.200s", r.status, r.body)
		}
	})
}

// Regression test (fixed): FetchOptions.httpClient builds its client lazily on first use
// without synchronisation, so the first concurrent {"url"} requests race on
// f.client, f.MaxBytes, f.Timeout and f.MaxRedirects (go test -race fails).
func TestFetchConcurrentFirstUse(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, articlePage("Concurrent fetch"))
	}))
	defer site.Close()
	ts := startServer(t, Options{Fetch: &FetchOptions{AllowPrivate: true}}, prodTimeouts)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			r, err := ts.try("POST", "/v1/classify", "application/json", []byte(`{"url":`+jsonString(site.URL)+`}`))
			if err != nil || r.status != 200 {
				t.Errorf("%v %d %s", err, r.status, r.body)
			}
		})
	}
	wg.Wait()
}

func TestSlowLoris(t *testing.T) {
	const headerTimeout = 500 * time.Millisecond
	to := prodTimeouts
	to.readHeader = headerTimeout
	ts := startServer(t, Options{}, to)
	req := "POST /v1/classify HTTP/1.1\r\nHost: test\r\nUser-Agent: slow" + strings.Repeat("w", 60) + "\r\nContent-Length: 12\r\n\r\n{\"text\":\"a\"}"
	const conns = 20
	type result struct {
		elapsed time.Duration
		sent    int
		err     error
		got     string
	}
	results := make(chan result, conns+1)
	start := time.Now()
	for i := 0; i < conns+1; i++ {
		go func(idle bool) {
			conn, err := net.Dial("tcp", ts.addr)
			if err != nil {
				results <- result{err: err}
				return
			}
			defer conn.Close()
			t0 := time.Now()
			conn.SetReadDeadline(t0.Add(10 * time.Second))
			sent := atomic.Int64{}
			if !idle {
				// One header byte per 50 ms: a header that would take 5 s.
				go func() {
					for i := 0; i < len(req); i++ {
						if _, err := conn.Write([]byte{req[i]}); err != nil {
							return
						}
						sent.Add(1)
						time.Sleep(50 * time.Millisecond)
					}
				}()
			}
			b, err := io.ReadAll(conn) // until the server closes it
			results <- result{time.Since(t0), int(sent.Load()), err, string(b)}
		}(i == conns)
	}
	// Meanwhile, normal requests are answered promptly.
	time.Sleep(100 * time.Millisecond)
	for range 5 {
		t0 := time.Now()
		if r := ts.post(t, "/v1/classify", `{"text":"a normal request"}`); r.status != 200 {
			t.Errorf("normal request during slow-loris: %d", r.status)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("normal request took %v during slow-loris", d)
		}
	}
	for range conns + 1 {
		r := <-results
		if r.err != nil && !isReset(r.err) {
			t.Errorf("slow connection: %v after %v", r.err, r.elapsed)
			continue
		}
		if r.elapsed < headerTimeout-50*time.Millisecond || r.elapsed > headerTimeout+2*time.Second {
			t.Errorf("slow connection closed after %v (ReadHeaderTimeout %v)", r.elapsed, headerTimeout)
		}
		if r.sent >= len(req)-12 {
			t.Errorf("the server waited for the whole slow header (%d bytes)", r.sent)
		}
		// net/http closes the connection, saying 400 (or 408) if it
		// got part of a request line.
		if r.got != "" && !strings.HasPrefix(r.got, "HTTP/1.1 400") && !strings.HasPrefix(r.got, "HTTP/1.1 408") {
			t.Errorf("slow connection got %.100q", r.got)
		}
	}
	t.Logf("%d slow connections closed within %v", conns+1, time.Since(start).Round(time.Millisecond))
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
}

// fdLimit is the soft limit on open files.
func fdLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 1024
	}
	return int(min(rl.Cur, 1<<20))
}

func TestManyConcurrentConnections(t *testing.T) {
	// Few slots and a short queue wait, so that some requests are shed.
	ts := startServer(t, Options{MaxInflight: 2, QueueWait: 20 * time.Millisecond}, prodTimeouts)
	n := 2000
	if lim := (fdLimit() - 200) / 2; lim < n { // both ends are in this process
		t.Logf("open-file limit %d: %d connections instead of %d", fdLimit(), lim, n)
		n = lim
	}
	body := `{"text":` + jsonString(article(600)) + `}`
	req := fmt.Sprintf("POST /v1/classify HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	var (
		dialed sync.WaitGroup
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[string]int{}
		gate   = make(chan struct{})
	)
	count := func(k string) { mu.Lock(); counts[k]++; mu.Unlock() }
	dialed.Add(n)
	for range n {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
			dialed.Done()
			if err != nil {
				count("dial: " + err.Error())
				return
			}
			defer conn.Close()
			<-gate // all connections open, then all requests at once
			conn.SetDeadline(time.Now().Add(15 * time.Second))
			if _, err := io.WriteString(conn, req); err != nil {
				count("write: " + err.Error())
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				count("read: " + err.Error())
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case 200:
				count("200")
			case 503:
				var e errorBody
				json.Unmarshal(b, &e)
				count("503 " + e.Error.Code)
			default:
				count(fmt.Sprintf("%d %s", resp.StatusCode, b))
			}
		})
	}
	dialed.Wait()
	close(gate)
	wg.Wait()
	t.Logf("%d concurrent connections: %v", n, counts)
	if counts["200"]+counts["503 overloaded"] != n || counts["200"] == 0 {
		t.Errorf("want every answer 200 or 503 overloaded, and some 200: %v", counts)
	}
	// The shed counter agrees, and the server is still up.
	r := ts.get(t, "/metrics")
	if want := fmt.Sprintf("credence_http_requests_shed_total %d\n", counts["503 overloaded"]); !bytes.Contains(r.body, []byte(want)) {
		t.Errorf("metrics lack %q", want)
	}
	if r := ts.post(t, "/v1/classify", body); r.status != 200 {
		t.Fatalf("classify after the crowd: %d", r.status)
	}
}

// twoModels returns a loader that alternates between two distinct decoded
// copies of the default model (ids "model-A" and "model-B"), failing while
// *fail is set.
func twoModels(t testing.TB, fail *atomic.Bool) (func() (*model.Model, error), *atomic.Int64) {
	t.Helper()
	var ms [2]*model.Model
	for i := range ms {
		m, err := model.Decode(defaultmodel.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		m.Card.ID = "model-" + string(rune('A'+i))
		ms[i] = m
	}
	var loads atomic.Int64
	return func() (*model.Model, error) {
		if fail != nil && fail.Load() {
			return nil, errors.New("model file is corrupt")
		}
		return ms[(loads.Add(1)+1)%2], nil // first load: A, then B, A, …
	}, &loads
}

func TestAdminReload(t *testing.T) {
	var fail atomic.Bool
	load, _ := twoModels(t, &fail)
	const token = "s3cret-token"
	ts := startServer(t, Options{Load: load, AdminToken: token}, prodTimeouts)
	if id := ts.Model().Card.ID; id != "model-A" {
		t.Fatalf("first model %q", id)
	}
	wantError(t, ts.post(t, "/v1/admin/reload", ``), 401, "unauthorized")
	wantError(t, ts.post(t, "/v1/admin/reload", ``, "Authorization", "Bearer wrong"), 401, "unauthorized")
	wantError(t, ts.post(t, "/v1/admin/reload", ``, "Authorization", "Bearer "), 401, "unauthorized")
	wantError(t, ts.post(t, "/v1/admin/reload", ``, "Authorization", "Bearer "+token+"x"), 401, "unauthorized")
	wantError(t, ts.post(t, "/v1/admin/reload", ``, "Authorization", "Basic "+token), 401, "unauthorized")
	if id := ts.Model().Card.ID; id != "model-A" {
		t.Fatalf("an unauthorised reload changed the model to %q", id)
	}

	var ok map[string]string
	r := ts.post(t, "/v1/admin/reload", ``, "Authorization", "Bearer "+token)
	decodeJSON(t, r, &ok)
	if r.status != 200 || ok["status"] != "reloaded" || ok["model_id"] != "model-B" {
		t.Fatalf("reload: %d %s", r.status, r.body)
	}
	var v verdictBody
	decodeJSON(t, ts.post(t, "/v1/classify", `{"text":"after the reload"}`), &v)
	if v.ModelID != "model-B" {
		t.Fatalf("classify after reload: model %q", v.ModelID)
	}

	// A reload that fails keeps the old model serving.
	fail.Store(true)
	wantError(t, ts.post(t, "/v1/admin/reload", ``, "Authorization", "Bearer "+token), 500, "reload_failed")
	if _, err := ts.Reload(); err == nil {
		t.Fatal("Reload with a failing loader: no error")
	}
	v = verdictBody{}
	r = ts.post(t, "/v1/classify", `{"text":"after a failed reload"}`)
	decodeJSON(t, r, &v)
	if r.status != 200 || v.ModelID != "model-B" {
		t.Fatalf("classify after a failed reload: %d model %q", r.status, v.ModelID)
	}
	var rd map[string]string
	decodeJSON(t, ts.get(t, "/readyz"), &rd)
	if rd["model_id"] != "model-B" {
		t.Errorf("readyz after a failed reload: %v", rd)
	}
	m := ts.get(t, "/metrics").body
	for _, want := range []string{`credence_model_reloads_total{result="error"} 2`, `credence_model_reloads_total{result="ok"} 1`, `credence_model_info{algo=`, `id="model-B"`} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if bytes.Contains(m, []byte(`id="model-A"`)) {
		t.Errorf("metrics still show the replaced model")
	}
	fail.Store(false)
	r = ts.post(t, "/v1/admin/reload", ``, "Authorization", "Bearer "+token)
	if r.status != 200 || ts.Model().Card.ID != "model-A" {
		t.Fatalf("reload after the loader recovered: %d %s", r.status, r.body)
	}
	// GET is not a reload.
	if r := ts.get(t, "/v1/admin/reload"); r.status == 200 {
		t.Errorf("GET /v1/admin/reload: 200")
	}
}

func TestHotReloadUnderLoad(t *testing.T) {
	load, loads := twoModels(t, nil)
	const token = "tok"
	ts := startServer(t, Options{Load: load, AdminToken: token, MaxInflight: 64, QueueWait: 10 * time.Second}, prodTimeouts)
	const workers, perWorker = 8, 500
	body := `{"title":"Budget","text":` + jsonString(article(120)) + `}`
	batch := `{"documents":[{"id":1,"text":"a b c"},{"id":2,"text":` + jsonString(article(60)) + `}]}`
	var (
		wg       sync.WaitGroup
		failures atomic.Int64
		seen     sync.Map
		done     = make(chan struct{})
	)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				b, isBatch := body, w%4 == 3 && i%2 == 0
				if isBatch {
					b = batch
				}
				req, _ := http.NewRequest("POST", ts.url+"/v1/classify", strings.NewReader(b))
				resp, err := ts.client.Do(req)
				if err != nil {
					failures.Add(1)
					t.Errorf("request failed during reloads: %v", err)
					continue
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					if failures.Add(1) < 5 {
						t.Errorf("status %d during reloads: %s", resp.StatusCode, data)
					}
					continue
				}
				var v verdictBody
				if err := json.Unmarshal(data, &v); err != nil {
					failures.Add(1)
					continue
				}
				seen.Store(v.ModelID, true)
			}
		})
	}
	reloads := 0
	var rwg sync.WaitGroup
	rwg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			if i%2 == 0 {
				if _, err := ts.Reload(); err != nil {
					t.Errorf("Reload: %v", err)
				}
			} else if r, err := ts.try("POST", "/v1/admin/reload", "", nil, "Authorization", "Bearer "+token); err != nil || r.status != 200 {
				t.Errorf("admin reload: %v %d %s", err, r.status, r.body)
			}
			reloads++
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()
	close(done)
	rwg.Wait()
	t.Logf("%d requests, %d reloads (%d loads), %d failures", workers*perWorker, reloads, loads.Load(), failures.Load())
	if failures.Load() != 0 {
		t.Fatalf("%d of %d requests failed during hot reloads", failures.Load(), workers*perWorker)
	}
	if reloads < 10 {
		t.Errorf("only %d reloads happened during the load", reloads)
	}
	seen.Range(func(k, _ any) bool {
		if k != "model-A" && k != "model-B" {
			t.Errorf("answer from model %q", k)
		}
		return true
	})
	_, a := seen.Load("model-A")
	_, b := seen.Load("model-B")
	if !a || !b {
		t.Errorf("answers did not come from both models (A %v, B %v)", a, b)
	}
}

// Regression test (fixed): the admin check strips an optional "Bearer " prefix, so the bare
// token (no auth scheme) is accepted too.
func TestAdminTokenNeedsBearerScheme(t *testing.T) {
	ts := startServer(t, Options{AdminToken: "tok"}, prodTimeouts)
	wantError(t, ts.post(t, "/v1/admin/reload", ``, "Authorization", "tok"), 401, "unauthorized")
}

// Regression test (fixed): a batch may hold up to MaxBatch {"url"} documents, fetched one
// after another, each with the full fetch timeout: one request can make 1,000
// outbound fetches and hold a processing slot for 1,000 × Timeout.
func TestBatchFetchIsBounded(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond) // under the timeout: every fetch succeeds, slowly
		io.WriteString(w, articlePage("Slow page"))
	}))
	defer slow.Close()
	const timeout = time.Second
	ts := startServer(t, Options{Fetch: &FetchOptions{AllowPrivate: true, Timeout: timeout}}, prodTimeouts)
	docs := make([]string, 20)
	for i := range docs {
		docs[i] = `{"url":` + jsonString(slow.URL) + `}`
	}
	t0 := time.Now()
	r := ts.post(t, "/v1/classify", `{"documents":[`+strings.Join(docs, ",")+`]}`)
	if d := time.Since(t0); r.status == 200 && d > timeout {
		t.Fatalf("a batch of %d url documents took %v (fetch timeout %v): no per-request bound", len(docs), d, timeout)
	}
}

// Regression test (fixed): /v1/explain returns every token of the input and echoes the
// input, so a 4 MiB body gets a ~55 MB answer (and ~1 s of CPU).
func TestExplainAnswerIsBounded(t *testing.T) {
	ts := startServer(t, Options{}, prodTimeouts)
	text := strings.Repeat(article(600)+" ", 1000)
	r := ts.post(t, "/v1/explain", `{"text":`+jsonString(text)+`}`)
	if len(r.body) > 4*len(text) {
		t.Fatalf("explain of %d bytes answered %d bytes", len(text), len(r.body))
	}
}

// Regression test (fixed): extracting the article from a large "html" document costs
// ~45× its size in memory (readability's DOM), so a few concurrent 4 MiB
// pages take gigabytes (16 at once: ~1.9 GB RSS with --max-inflight 16).
func TestHTMLExtractionMemoryIsBounded(t *testing.T) {
	ts := startServer(t, Options{}, prodTimeouts)
	page := "<html><body>" + strings.Repeat("<p>word word word word</p>", 130_000)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]string{"html": page})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := ts.post(t, "/v1/classify", b.String())
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; r.status == 200 && alloc > 20*uint64(b.Len()) {
		t.Fatalf("a %d-byte html document allocated %d MB", b.Len(), alloc>>20)
	}
}
