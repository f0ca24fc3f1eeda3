package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/credence-news/credence/model"
)

// document is one article in a request: text (with an optional title),
// raw HTML to extract the article from, or a URL to fetch (when enabled).
type document struct {
	ID    json.RawMessage `json:"id,omitempty"` // echoed byte for byte
	Title string          `json:"title,omitempty"`
	Text  string          `json:"text,omitempty"`
	HTML  string          `json:"html,omitempty"`
	URL   string          `json:"url,omitempty"`
}

type request struct {
	document
	Documents []document `json:"documents,omitempty"`
	Top       int        `json:"top,omitempty"` // explain: features to return
}

// verdict is the classify answer for one document.
type verdict struct {
	ID            json.RawMessage    `json:"id,omitempty"`
	Label         string             `json:"label"`   // the most probable class
	Verdict       string             `json:"verdict"` // the label, or "uncertain" inside the model's band
	Probabilities map[string]float64 `json:"probabilities"`
	Extracted     *extracted         `json:"extracted,omitempty"`
	ModelID       string             `json:"model_id,omitempty"`
}

type extracted struct {
	Title string `json:"title,omitempty"`
	Chars int    `json:"chars"`
	Text  string `json:"text,omitempty"`
}

// articleText turns a request document into the text to classify.
func (s *Server) articleText(ctx context.Context, m *model.Model, d document) (string, *extracted, error) {
	n := 0
	for _, f := range []string{d.Text, d.HTML, d.URL} {
		if f != "" {
			n++
		}
	}
	if n > 1 {
		return "", nil, errorf(http.StatusBadRequest, "ambiguous_document", "give one of text, html and url")
	}
	join := m.Card.Join
	if join == "" {
		join = " "
	}
	glue := func(title, text string) string {
		if title == "" {
			return text
		}
		return title + join + text
	}
	switch {
	case d.HTML != "":
		if len(d.HTML) > s.opt.MaxHTML {
			return "", nil, errorf(http.StatusRequestEntityTooLarge, "html_too_large", "html document of %d bytes; at most %d", len(d.HTML), s.opt.MaxHTML)
		}
		select {
		case s.extractSem <- struct{}{}:
			defer func() { <-s.extractSem }()
		case <-ctx.Done():
			return "", nil, errorf(http.StatusServiceUnavailable, "cancelled", "request cancelled while waiting")
		}
		title, text, err := extractArticle(strings.NewReader(d.HTML), nil)
		if err != nil {
			return "", nil, errorf(http.StatusUnprocessableEntity, "no_article", "could not find an article in the HTML: %v", err)
		}
		if d.Title != "" {
			title = d.Title
		}
		return glue(title, text), &extracted{Title: title, Chars: len(text)}, nil
	case d.URL != "":
		if s.opt.Fetch == nil {
			return "", nil, errorf(http.StatusForbidden, "fetch_disabled", "fetching URLs is disabled on this server (start it with --fetch)")
		}
		title, text, err := s.opt.Fetch.fetchArticle(ctx, d.URL)
		if err != nil {
			return "", nil, err
		}
		return glue(title, text), &extracted{Title: title, Chars: len(text)}, nil
	case d.Text == "" && d.Title == "":
		return "", nil, errorf(http.StatusBadRequest, "missing_text", `give "text" (and optionally "title"), "html", "url" or "documents"`)
	}
	return glue(d.Title, d.Text), nil, nil
}

func (s *Server) classify(w http.ResponseWriter, r *http.Request) error {
	var req request
	if err := decode(r, &req); err != nil {
		return err
	}
	m := s.Model() // one model for the whole request, even across a reload
	ctx := r.Context()
	if s.opt.Fetch != nil { // every page of one request shares one time budget
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opt.Fetch.Timeout)
		defer cancel()
	}
	one := func(d document) (verdict, error) {
		text, ex, err := s.articleText(ctx, m, d)
		if err != nil {
			return verdict{}, err
		}
		probs := make([]float64, len(m.Labels()))
		best := m.Probabilities([]byte(text), probs)
		v := verdict{ID: d.ID, Label: m.Labels()[best], Verdict: m.Verdict(probs), Probabilities: make(map[string]float64, len(probs)), Extracted: ex}
		for i, l := range m.Labels() {
			v.Probabilities[l] = probs[i]
		}
		return v, nil
	}
	if req.Documents != nil {
		if req.Text != "" || req.Title != "" || req.HTML != "" || req.URL != "" {
			return errorf(http.StatusBadRequest, "ambiguous_request", `give either "documents" or one document, not both`)
		}
		if len(req.Documents) > s.opt.MaxBatch {
			return errorf(http.StatusRequestEntityTooLarge, "batch_too_large", "%d documents; at most %d per request", len(req.Documents), s.opt.MaxBatch)
		}
		urls := 0
		for _, d := range req.Documents {
			if d.URL != "" {
				urls++
			}
		}
		if s.opt.Fetch != nil && urls > s.opt.Fetch.MaxPerRequest {
			return errorf(http.StatusRequestEntityTooLarge, "too_many_urls", "%d url documents; at most %d per request", urls, s.opt.Fetch.MaxPerRequest)
		}
		out := make([]verdict, len(req.Documents))
		if i, err := eachParallel(len(out), func(i int) (err error) {
			out[i], err = one(req.Documents[i])
			return err
		}); err != nil {
			if ae, ok := err.(*apiError); ok {
				ae.message = "document " + itoa(i) + ": " + ae.message
			}
			return err
		}
		s.metrics.documents.Add(float64(len(out)))
		writeJSON(w, http.StatusOK, map[string]any{"model_id": m.Card.ID, "results": out})
		return nil
	}
	v, err := one(req.document)
	if err != nil {
		return err
	}
	v.ModelID = m.Card.ID
	s.metrics.documents.Inc()
	writeJSON(w, http.StatusOK, v)
	return nil
}

// eachParallel calls fn for 0..n-1 on up to GOMAXPROCS goroutines, so that
// one large batch uses every core. It stops handing out work at the first
// error and returns the lowest failing index, as a loop would: indices are
// handed out in order, so every lower one has been started, and runs to the end.
func eachParallel(n int, fn func(i int) error) (int, error) {
	workers := min(runtime.GOMAXPROCS(0), n/minPerWorker)
	if workers <= 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return i, err
			}
		}
		return 0, nil
	}
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if errs[i] = guarded(fn, i); errs[i] != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return i, err
		}
	}
	return 0, nil
}

func guarded(fn func(int) error, i int) (err error) {
	defer recoverPanic(&err)
	return fn(i)
}

// minPerWorker is the batch size below which a second goroutine costs more
// than it saves.
const minPerWorker = 4

func (s *Server) explain(w http.ResponseWriter, r *http.Request) error {
	var req request
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Documents != nil {
		return errorf(http.StatusBadRequest, "batch_not_supported", "explain takes one document")
	}
	m := s.Model()
	text, ex, err := s.articleText(r.Context(), m, req.document)
	if err != nil {
		return err
	}
	if len(text) > s.opt.MaxExplain {
		return errorf(http.StatusRequestEntityTooLarge, "text_too_large", "explain takes at most %d bytes of text (got %d); classify takes more", s.opt.MaxExplain, len(text))
	}
	e := m.Explain([]byte(text))
	top := req.Top
	if top <= 0 || top > 200 {
		top = 20
	}
	e.Features = e.Features[:min(top, len(e.Features))]
	probs := make([]float64, len(e.Labels))
	for i, l := range e.Labels {
		probs[i] = e.Probabilities[l]
	}
	if ex == nil {
		ex = &extracted{Chars: len(text)}
	}
	ex.Text = text // the spans of the explanation index into this text
	s.metrics.documents.Inc()
	writeJSON(w, http.StatusOK, map[string]any{
		"model_id": m.Card.ID, "verdict": m.Verdict(probs), "explanation": e, "analyzed": ex,
	})
	return nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
