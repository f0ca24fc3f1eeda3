package serve

import (
	"errors"
	"sync/atomic"
	"testing"
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
