package pipeline

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

func counter(n int) func() (int, bool, error) {
	i := 0
	return func() (int, bool, error) {
		if i == n {
			return 0, false, nil
		}
		i++
		return i, true, nil
	}
}

func TestOrderedKeepsOrder(t *testing.T) {
	for _, workers := range []int{0, 1, 2, 7} {
		var got []int
		err := Ordered(context.Background(), workers, counter(1000), func(i int) int {
			if i%3 == 0 {
				runtime.Gosched()
			}
			return i * i
		}, func(v int) error { got = append(got, v); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1000 {
			t.Fatalf("workers=%d: %d results", workers, len(got))
		}
		for i, v := range got {
			if v != (i+1)*(i+1) {
				t.Fatalf("workers=%d: result %d = %d", workers, i, v)
			}
		}
	}
}

func TestOrderedStopsOnSinkError(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	err := Ordered(context.Background(), 2, counter(1_000_000), func(i int) int { return i },
		func(v int) error {
			n++
			if v == 10 {
				return boom
			}
			return nil
		})
	if !errors.Is(err, boom) || n != 10 {
		t.Fatalf("err=%v after %d results", err, n)
	}
}

func TestOrderedReportsReadError(t *testing.T) {
	boom := errors.New("read failed")
	i := 0
	next := func() (int, bool, error) {
		i++
		if i == 5 {
			return 0, false, boom
		}
		return i, true, nil
	}
	var got int
	err := Ordered(context.Background(), 2, next, func(i int) int { return i }, func(int) error { got++; return nil })
	if !errors.Is(err, boom) || got != 4 {
		t.Fatalf("err=%v, %d results before it", err, got)
	}
}
