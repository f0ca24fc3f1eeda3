package serve

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/credence-news/credence/model/defaultmodel"
)

func TestEachParallel(t *testing.T) {
	for _, tc := range []struct {
		n, failAt int // failAt -1: no failure
	}{
		{0, -1}, {1, -1}, {3, -1}, {100, -1}, {1, 0}, {100, 0}, {100, 57}, {100, 99}, {7, 6},
	} {
		var calls atomic.Int64
		seen := make([]atomic.Bool, tc.n)
		i, err := eachParallel(tc.n, func(i int) error {
			calls.Add(1)
			if seen[i].Swap(true) {
				t.Errorf("n=%d: index %d run twice", tc.n, i)
			}
			if i >= tc.failAt && tc.failAt >= 0 {
				return errors.New("boom")
			}
			return nil
		})
		if tc.failAt < 0 {
			if err != nil || calls.Load() != int64(tc.n) {
				t.Errorf("n=%d: %v after %d calls", tc.n, err, calls.Load())
			}
			continue
		}
		// Every index from failAt on fails; the one reported is failAt, as
		// a loop would report, and every index below it ran.
		if err == nil || i != tc.failAt {
			t.Errorf("n=%d failAt=%d: got index %d, %v", tc.n, tc.failAt, i, err)
		}
		for j := range tc.failAt {
			if !seen[j].Load() {
				t.Errorf("n=%d: index %d below the failure never ran", tc.n, j)
			}
		}
	}
}

// A panic in one document of a batch is that document's error, not the
// end of the process.
func TestEachParallelPanic(t *testing.T) {
	i, err := eachParallel(40, func(i int) error {
		if i == 17 {
			panic("boom")
		}
		return nil
	})
	var pe *panicError
	if i != 17 || !errors.As(err, &pe) || len(pe.stack) == 0 {
		t.Fatalf("got %d, %v", i, err)
	}
}

// A panicking handler answers 500 without details and gives back its
// concurrency slot: with one slot, the next request is served, not shed.
func TestHandlerPanicReleasesSlot(t *testing.T) {
	var logs bytes.Buffer
	s, err := New(Options{Load: defaultmodel.Load, MaxInflight: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := s.instrument("test", func(http.ResponseWriter, *http.Request) error { panic("boom") })
	for range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("{}")))
		if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "boom") {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "stack") {
		t.Errorf("panic not logged: %s", logs.String())
	}
}
