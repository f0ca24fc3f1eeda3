package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints a one-line status on a terminal every second for long
// work, and nothing when stderr is a file or a pipe.
type progress struct {
	w     io.Writer
	what  string
	start time.Time
	last  time.Time
	shown bool
	tty   bool
}

func newProgress(w io.Writer, what string) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			tty = st.Mode()&os.ModeCharDevice != 0
		}
	}
	now := time.Now()
	return &progress{w: w, what: what, start: now, last: now, tty: tty}
}

func (p *progress) update(records int, bytes int64) {
	if !p.tty || time.Since(p.last) < time.Second {
		return
	}
	p.last = time.Now()
	secs := time.Since(p.start).Seconds()
	fmt.Fprintf(p.w, "\r%s: %d records, %.1f MB, %.1f MB/s ", p.what, records, float64(bytes)/1e6, float64(bytes)/1e6/secs)
	p.shown = true
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}
