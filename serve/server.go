package serve

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/credence-news/credence/model"
)

// Options configure a Server.
type Options struct {
	// Load returns the model to serve; Reload calls it again.
	Load func() (*model.Model, error)
	// AdminToken guards POST /v1/admin/reload; empty disables the endpoint.
	AdminToken string
	MaxBody    int64 // bytes per request body (default 4 MiB)
	MaxBatch   int   // documents per batch request (default 1000)
	// MaxHTML bounds one "html" document (default 1 MiB): extracting an
	// article costs tens of times the page's size in memory.
	MaxHTML int
	// MaxExplain bounds the text of an explain request (default 256 KiB):
	// the answer lists every token.
	MaxExplain int
	// MaxInflight bounds requests being processed at once; more wait up to
	// QueueWait, then get 503 (default 4 × cores, 1 s).
	MaxInflight int
	QueueWait   time.Duration
	Fetch       *FetchOptions // nil: {"url": …} requests are refused
	Registry    *prometheus.Registry
	Logger      *slog.Logger
}

// Server serves one model at a time.
type Server struct {
	opt      Options
	current  atomic.Pointer[model.Model]
	reloadMu sync.Mutex
	sem      chan struct{}
	metrics  *metrics
	mux      *http.ServeMux
	ready    atomic.Bool
	log      *slog.Logger
	// extractSem bounds concurrent HTML extractions, the memory-hungry step.
	extractSem chan struct{}
}

//go:embed web
var webFS embed.FS

// New loads the model and builds the server.
func New(opt Options) (*Server, error) {
	if opt.Load == nil {
		return nil, errors.New("serve: no model loader")
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 4 << 20
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 1000
	}
	if opt.MaxInflight <= 0 {
		opt.MaxInflight = 4 * runtime.GOMAXPROCS(0)
	}
	if opt.QueueWait <= 0 {
		opt.QueueWait = time.Second
	}
	if opt.MaxHTML <= 0 {
		opt.MaxHTML = 1 << 20
	}
	if opt.MaxExplain <= 0 {
		opt.MaxExplain = 256 << 10
	}
	if opt.Fetch != nil {
		f := opt.Fetch.withDefaults() // a copy: the caller's options are never written to
		opt.Fetch = &f
	}
	if opt.Registry == nil {
		opt.Registry = prometheus.NewRegistry()
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	s := &Server{opt: opt, sem: make(chan struct{}, opt.MaxInflight), log: opt.Logger,
		extractSem: make(chan struct{}, runtime.GOMAXPROCS(0))}
	s.metrics = newMetrics(opt.Registry)
	m, err := opt.Load()
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	s.setModel(m)
	s.routes()
	s.ready.Store(true)
	return s, nil
}

func (s *Server) setModel(m *model.Model) {
	old := s.current.Swap(m)
	// New series first, old one deleted after: a scrape never sees none.
	s.metrics.modelInfo.WithLabelValues(m.Card.ID, m.Card.Algo, strings.Join(m.Labels(), ",")).Set(1)
	if old != nil && old.Card.ID != m.Card.ID {
		s.metrics.modelInfo.DeleteLabelValues(old.Card.ID, old.Card.Algo, strings.Join(old.Labels(), ","))
	}
}

// Model returns the model being served.
func (s *Server) Model() *model.Model { return s.current.Load() }

// Reload loads the model again and swaps it in; on error the old model
// keeps serving.
func (s *Server) Reload() (*model.Model, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	m, err := s.opt.Load()
	if err != nil {
		s.metrics.reloads.WithLabelValues("error").Inc()
		s.log.Error("model reload failed; keeping the current model", "err", err, "model", s.Model().Card.ID)
		return nil, err
	}
	old := s.Model()
	s.setModel(m)
	s.metrics.reloads.WithLabelValues("ok").Inc()
	s.log.Info("model reloaded", "old", old.Card.ID, "new", m.Card.ID)
	return m, nil
}

// SetReady marks the server ready or not (draining before shutdown).
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

func (s *Server) routes() {
	mux := http.NewServeMux()
	api := func(pattern, name string, h func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, s.instrument(name, h))
	}
	api("POST /v1/classify", "classify", s.classify)
	api("POST /v1/explain", "explain", s.explain)
	api("GET /v1/model", "model", s.modelCard)
	api("POST /v1/admin/reload", "reload", s.adminReload)
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			writeError(w, http.StatusServiceUnavailable, "not_ready", "the server is starting or draining")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "model_id": s.Model().Card.ID})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.opt.Registry, promhttp.HandlerOpts{}))
	// The page's files, each by name, so that any other path gets a JSON 404.
	sub, _ := fs.Sub(webFS, "web")
	files := http.FileServerFS(sub)
	mux.Handle("GET /{$}", files)
	fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path != "index.html" {
			mux.Handle("GET /"+path, files)
		}
		return nil
	})
	// A known endpoint with the wrong method is a 405, not a 404.
	for path, allow := range map[string]string{
		"/v1/classify": "POST", "/v1/explain": "POST", "/v1/model": "GET", "/v1/admin/reload": "POST",
		"/openapi.json": "GET", "/healthz": "GET", "/readyz": "GET", "/metrics": "GET",
	} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" "+r.URL.Path+": use "+allow)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	s.mux = mux
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	// The page uses no inline script or style and loads nothing from elsewhere.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// apiError is an error with an HTTP status and a stable code.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status, code, fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// panicError is a panic recovered while serving a request.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// recoverPanic, deferred, turns a panic into a *panicError in *err. Without
// it a panic would skip releasing the request's concurrency slot (enough of
// them and every request is refused) or, in a goroutine of a batch, end the
// process.
func recoverPanic(err *error) {
	if p := recover(); p != nil {
		*err = &panicError{p, debug.Stack()}
	}
}

func call(h func(http.ResponseWriter, *http.Request) error, w http.ResponseWriter, r *http.Request) (err error) {
	defer recoverPanic(&err)
	return h(w, r)
}

// instrument adds concurrency bounds, metrics, logs and JSON errors.
func (s *Server) instrument(name string, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		err := s.acquire(r.Context())
		if err == nil {
			s.metrics.inflight.Inc()
			r.Body = http.MaxBytesReader(rec, r.Body, s.opt.MaxBody)
			err = call(h, rec, r)
			s.metrics.inflight.Dec()
			<-s.sem
		}
		if err != nil {
			var ae *apiError
			var pe *panicError
			if errors.As(err, &pe) {
				// A bug, not the client's fault: the details go to the log only.
				s.log.Error("request panicked", "endpoint", name, "panic", fmt.Sprint(pe.value), "stack", string(pe.stack))
				ae = &apiError{http.StatusInternalServerError, "internal", "internal error (logged on the server)"}
			} else if !errors.As(err, &ae) {
				ae = &apiError{http.StatusInternalServerError, "internal", err.Error()}
				s.log.Error("request failed", "endpoint", name, "err", err)
			}
			writeError(rec, ae.status, ae.code, ae.message)
		}
		code := fmt.Sprint(rec.status)
		s.metrics.requests.WithLabelValues(name, code).Inc()
		s.metrics.latency.WithLabelValues(name).Observe(time.Since(start).Seconds())
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelWarn
		}
		s.log.Log(r.Context(), level, "request", "endpoint", name, "status", rec.status, "ms", time.Since(start).Milliseconds(), "remote", r.RemoteAddr)
	})
}

// acquire waits for a processing slot, up to QueueWait.
func (s *Server) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(s.opt.QueueWait)
	defer t.Stop()
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-t.C:
		s.metrics.shed.Inc()
		return errorf(http.StatusServiceUnavailable, "overloaded", "too many requests in progress; retry later")
	case <-ctx.Done():
		return errorf(http.StatusServiceUnavailable, "cancelled", "request cancelled while waiting")
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// decode reads a JSON request body into v with the JSON v2 decoder (several
// times faster than encoding/json on article-sized strings). Invalid UTF-8
// becomes U+FFFD; duplicate names and any letter case are accepted, as
// encoding/json would.
func decode(r *http.Request, v any) error {
	// The body is parsed as JSON whatever the Content-Type says (curl -d
	// sends form encoding), except for uploads that cannot be JSON.
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
		return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send a JSON body, not %s", ct)
	}
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errorf(http.StatusRequestEntityTooLarge, "body_too_large", "request body exceeds %d bytes", mbe.Limit)
	case err != nil:
		return errorf(http.StatusBadRequest, "unreadable_body", "reading the request body: %v", err)
	case len(bytes.TrimSpace(body)) == 0:
		return errorf(http.StatusBadRequest, "empty_body", "the request body is empty")
	}
	err = jsonv2.Unmarshal(body, v, jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true),
		jsonv2.MatchCaseInsensitiveNames(true))
	if err != nil {
		return errorf(http.StatusBadRequest, "invalid_json", "invalid JSON: %v", err)
	}
	return nil
}

func (s *Server) modelCard(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.Model().Card)
	return nil
}

func (s *Server) adminReload(w http.ResponseWriter, r *http.Request) error {
	if s.opt.AdminToken == "" {
		return errorf(http.StatusNotFound, "disabled", "reload over HTTP is disabled: set CREDENCE_ADMIN_TOKEN to enable it")
	}
	got, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !bearer || subtle.ConstantTimeCompare([]byte(got), []byte(s.opt.AdminToken)) != 1 {
		return errorf(http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
	}
	m, err := s.Reload()
	if err != nil {
		return errorf(http.StatusInternalServerError, "reload_failed", "%v (the previous model keeps serving)", err)
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reloaded", "model_id": m.Card.ID})
	return nil
}
