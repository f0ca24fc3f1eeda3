package eval

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// ReadTestRows reads the test rows of a split.json: a JSON object whose
// "test" lists 0-based data-row indices; other fields are ignored except
// "n_rows", which must equal n when present so that a split made for another
// version of the data is not silently reused. The indices must be unique and
// in [0, n); they are returned sorted.
func ReadTestRows(path string, n int) (test []int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read split: %w", err)
	}
	var f struct {
		Test  *[]int `json:"test"`
		NRows *int   `json:"n_rows"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("read split %s: %w", path, err)
	}
	if f.NRows != nil && *f.NRows != n {
		return nil, fmt.Errorf("%s is for %d rows, data has %d", path, *f.NRows, n)
	}
	if f.Test == nil || len(*f.Test) == 0 {
		return nil, fmt.Errorf("read split %s: no \"test\" rows", path)
	}
	test = *f.Test
	slices.Sort(test)
	for i, r := range test {
		if r < 0 || r >= n {
			return nil, fmt.Errorf("read split %s: test row %d out of range [0, %d)", path, r, n)
		}
		if i > 0 && test[i-1] == r {
			return nil, fmt.Errorf("read split %s: test row %d listed twice", path, r)
		}
	}
	return test, nil
}
