// Package sharedtest locates the shared data directory (../shared beside the
// repository) for tests that need third-party corpora or reference fixtures.
// The data is never copied into the repository; tests skip with a clear
// message where it is absent. CI always has it.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared directory, or skips the test when it is missing.
// CREDENCE_SHARED overrides the location.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("CREDENCE_SHARED"); d != "" {
		return d
	}
	d, err := find()
	if err != nil {
		t.Skipf("shared data not found (%v): put the shared directory beside the repository or set CREDENCE_SHARED", err)
	}
	return d
}

// Path returns a file under the shared directory, skipping the test when the
// file is missing.
func Path(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{Dir(t)}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared file missing: %v", err)
	}
	return p
}

func find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(dir), "shared")
			if _, err := os.Stat(s); err != nil {
				return "", err
			}
			return s, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
