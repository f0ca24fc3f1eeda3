package eval

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are the date forms found in news datasets (ISO dates in
// exports, "January 2, 2006" in ISOT and FakeNewsNet, "2 January 2006" in
// British sources). Values without a zone are read as UTC.
var timeLayouts = []string{
	time.RFC3339, // also takes fractional seconds
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"January 2, 2006",
	"Jan 2, 2006",
	"2 January 2006",
	"2 Jan 2006",
}

// parseTime reads one value: a layout above, a bare four-digit year, or
// Unix seconds (any other integer, optionally with a fraction).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 4 && digits(s) {
		y, _ := strconv.Atoi(s)
		return time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC), true
	}
	if u, ok := unixSeconds(s); ok {
		return u, true
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// unixSeconds parses [-]digits[.digits]; strconv.ParseFloat would also take
// "inf" and "1e9", which are not timestamps anyone writes.
func unixSeconds(s string) (time.Time, bool) {
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if !digits(whole) || (frac != "" && !digits(frac)) || strings.HasSuffix(s, ".") {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.Abs(f) > 1<<53 {
		return time.Time{}, false
	}
	sec, rest := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(rest*1e9))).UTC(), true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// TimeSplit holds out the latest rows: it parses each value as a time
// (RFC 3339, "2006-01-02", "2006-01-02 15:04:05", "January 2, 2006",
// "Jan 2, 2006", "2 January 2006", a bare year, or Unix seconds), orders the
// rows by time (equal times by index) and puts the last round(testFrac*n),
// at least one and at most n-1, in test. This is how a model meets news in
// production: trained on the past, scored on what came after. An
// unparseable value is an error naming its 0-based row index.
func TimeSplit(times []string, testFrac float64) (train, test []int, err error) {
	if err := checkFrac(testFrac); err != nil {
		return nil, nil, fmt.Errorf("time split: %w", err)
	}
	n := len(times)
	if n < 2 {
		return nil, nil, fmt.Errorf("time split: %d rows, need at least 2", n)
	}
	ts := make([]time.Time, n)
	for i, s := range times {
		t, ok := parseTime(s)
		if !ok {
			return nil, nil, fmt.Errorf("time split: row index %d: cannot parse %q as a time (want RFC 3339, 2006-01-02, January 2, 2006, a year or Unix seconds)", i, s)
		}
		ts[i] = t
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return ts[a].Compare(ts[b]) })
	k := min(max(int(math.Round(testFrac*float64(n))), 1), n-1)
	train, test = order[:n-k], slices.Clone(order[n-k:])
	slices.Sort(train)
	slices.Sort(test)
	return train, test, nil
}
