package eval

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadTestRows(t *testing.T) {
	tests := []struct {
		name    string
		content string
		n       int
		want    []int
		err     string
	}{
		{"full", `{"method":"stratified","seed":1,"n_rows":5,"test":[3,0,2]}`, 5, []int{0, 2, 3}, ""},
		{"no n_rows", `{"test":[1]}`, 2, []int{1}, ""},
		{"n_rows mismatch", `{"n_rows":10,"test":[1]}`, 12, nil, "split.json is for 10 rows, data has 12"},
		{"past the end", `{"n_rows":5,"test":[0,5]}`, 5, nil, "test row 5 out of range [0, 5)"},
		{"negative", `{"test":[-1,2]}`, 5, nil, "test row -1 out of range"},
		{"repeated", `{"test":[1,3,1]}`, 5, nil, "test row 1 listed twice"},
		{"no test", `{"n_rows":3}`, 3, nil, `no "test" rows`},
		{"empty test", `{"test":[]}`, 3, nil, `no "test" rows`},
		{"fraction", `{"test":[1.5]}`, 3, nil, "cannot unmarshal"},
		{"not JSON", `test: [1]`, 3, nil, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "split.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ReadTestRows(path, tt.n)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	_, err := ReadTestRows(filepath.Join(t.TempDir(), "missing.json"), 3)
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: error %v", err)
	}
}
