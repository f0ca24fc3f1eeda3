package eval

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min, s int) time.Time {
		return time.Date(y, m, d, h, min, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2017-12-31T23:59:59Z", utc(2017, 12, 31, 23, 59, 59), true},
		{"2018-01-01T01:00:00+02:00", utc(2017, 12, 31, 23, 0, 0), true},
		{"2017-12-31T23:59:59.5Z", utc(2017, 12, 31, 23, 59, 59).Add(500 * time.Millisecond), true},
		{"2017-12-31T08:30:00", utc(2017, 12, 31, 8, 30, 0), true},
		{"2017-12-31", utc(2017, 12, 31, 0, 0, 0), true},
		{"2017-12-31 08:30:00", utc(2017, 12, 31, 8, 30, 0), true},
		{"December 31, 2017", utc(2017, 12, 31, 0, 0, 0), true},
		{"December 31, 2017 ", utc(2017, 12, 31, 0, 0, 0), true}, // ISOT has trailing spaces
		{"march 3, 2021", utc(2021, 3, 3, 0, 0, 0), true},
		{"Dec 31, 2017", utc(2017, 12, 31, 0, 0, 0), true},
		{"Feb 1, 2018", utc(2018, 2, 1, 0, 0, 0), true},
		{"31 December 2017", utc(2017, 12, 31, 0, 0, 0), true},
		{"1 Feb 2018", utc(2018, 2, 1, 0, 0, 0), true},
		{"2017", utc(2017, 1, 1, 0, 0, 0), true},
		{"0999", utc(999, 1, 1, 0, 0, 0), true},
		{"1514764800", utc(2018, 1, 1, 0, 0, 0), true},
		{"1514764800.25", utc(2018, 1, 1, 0, 0, 0).Add(250 * time.Millisecond), true},
		{"12345", utc(1970, 1, 1, 3, 25, 45), true}, // five digits: seconds, not a year
		{"-86400", utc(1969, 12, 31, 0, 0, 0), true},
		{"0", utc(1970, 1, 1, 0, 0, 0), true},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"2017-13-01", time.Time{}, false},
		{"31/12/2017", time.Time{}, false},
		{"1e9", time.Time{}, false},
		{"inf", time.Time{}, false},
		{"12.", time.Time{}, false},
		{".5", time.Time{}, false},
		{"-", time.Time{}, false},
		{"99999999999999999999", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseTime(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTimeSplit(t *testing.T) {
	// In time order: 6 (2018-03-03), 1 (2019-01-05), 4 (2020-02-01),
	// 0 and 5 (both 2020-03-01, so by index), 7 (2020-06-30),
	// 3 (1600000000 = 2020-09-13), 2 (2021).
	mixed := []string{
		"2020-03-01",
		"January 5, 2019",
		"2021",
		"1600000000",
		"Feb 1, 2020",
		"2020-03-01T00:00:00Z",
		"3 March 2018",
		"2020-06-30 12:00:00",
	}
	tests := []struct {
		name  string
		times []string
		frac  float64
		train []int
		test  []int
	}{
		{"quarter", mixed, 0.25, []int{0, 1, 4, 5, 6, 7}, []int{2, 3}},
		{"half, tie split by index", mixed, 0.5, []int{0, 1, 4, 6}, []int{2, 3, 5, 7}},
		{"tiny fraction takes one", mixed, 0.01, []int{0, 1, 3, 4, 5, 6, 7}, []int{2}},
		{"large fraction leaves one", mixed, 0.99, []int{6}, []int{0, 1, 2, 3, 4, 5, 7}},
		{
			// 01:00+02:00 is 23:00 the day before, earlier than 23:30 UTC.
			"zones", []string{"2020-03-01", "2020-03-01T01:00:00+02:00", "2020-02-29 23:30:00"}, 1.0 / 3,
			[]int{1, 2}, []int{0},
		},
		{"all equal", []string{"2020", "2020", "2020", "2020"}, 0.5, []int{0, 1}, []int{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			train, test, err := TimeSplit(tt.times, tt.frac)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(train, tt.train) || !slices.Equal(test, tt.test) {
				t.Errorf("train %v test %v, want %v %v", train, test, tt.train, tt.test)
			}
		})
	}
}

func TestTimeSplitErrors(t *testing.T) {
	tests := []struct {
		times []string
		frac  float64
		want  string
	}{
		{[]string{"2020-01-01", "yesterday", "nope"}, 0.5, `time split: row index 1: cannot parse "yesterday" as a time`},
		{[]string{"2020-01-01", "2020-01-02", ""}, 0.5, `row index 2: cannot parse "" as a time`},
		{[]string{"2020-01-01"}, 0.5, "time split: 1 rows, need at least 2"},
		{[]string{"2020", "2021"}, 0, "time split: test fraction 0 is not in (0, 1)"},
	}
	for _, tt := range tests {
		_, _, err := TimeSplit(tt.times, tt.frac)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("TimeSplit(%q, %v): error %v, want %q", tt.times, tt.frac, err, tt.want)
		}
	}
}
