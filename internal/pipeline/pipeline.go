// Package pipeline runs a function over a stream of batches on several
// goroutines and hands the results back in input order, with a bounded
// number of batches in flight, so memory stays flat however long the stream.
package pipeline

import (
	"context"
	"sync"
)

// Ordered calls next until it reports no more input, runs work on each
// batch with the given number of workers, and calls sink with the results
// in the order next produced them. At most 2×workers batches are in flight.
// The first error from next or sink stops the pipeline and is returned.
func Ordered[In, Out any](ctx context.Context, workers int,
	next func() (In, bool, error), work func(In) Out, sink func(Out) error) error {
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		in  In
		out chan Out
	}
	jobs := make(chan job)
	order := make(chan chan Out, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out <- work(j.in)
			}
		}()
	}

	var readErr error
	go func() {
		defer close(order)
		defer close(jobs)
		for {
			in, ok, err := next()
			if err != nil {
				readErr = err
				return
			}
			if !ok {
				return
			}
			out := make(chan Out, 1)
			select {
			case order <- out:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{in, out}:
			case <-ctx.Done():
				return
			}
		}
	}()

	var sinkErr error
	for out := range order {
		if sinkErr != nil {
			continue // drain so the producer can finish
		}
		res, ok := <-out
		if !ok {
			continue
		}
		if err := sink(res); err != nil {
			sinkErr = err
			cancel()
		}
	}
	wg.Wait()
	if sinkErr != nil {
		return sinkErr
	}
	if readErr != nil {
		return readErr
	}
	return ctx.Err()
}
