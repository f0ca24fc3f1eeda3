package defaultmodel

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/credence-news/credence/internal/sharedtest"
)

func TestLoads(t *testing.T) {
	m, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Labels(); len(got) != 2 || got[0] != "fake" || got[1] != "real" {
		t.Fatalf("labels %v", got)
	}
	c := m.Card
	if c.Uncertainty == nil || c.HeldOut == nil || c.Notes["limits"] == "" || len(c.Data) != 3 {
		t.Errorf("card lacks band, held-out figures, limits or data: %+v", c)
	}
	p := m.Predict([]byte("Officials confirmed on Tuesday that the city council approved the budget."))
	if p.Probabilities["fake"]+p.Probabilities["real"] < 0.999 {
		t.Errorf("prediction %+v", p)
	}
}

// TestReproducible retrains the model with the script and compares bytes.
func TestReproducible(t *testing.T) {
	sharedtest.Path(t, "datasets", "buzzfeedwebis", "buzzfeedwebis2016.csv.gz")
	if testing.Short() {
		t.Skip("retrains the default model (~20 s)")
	}
	out := filepath.Join(t.TempDir(), "default.credence")
	cmd := exec.Command("bash", "scripts/default-model.sh", out)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CREDENCE_SHARED="+sharedtest.Dir(t))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw) {
		t.Fatal("scripts/default-model.sh no longer reproduces the embedded model; rerun it and commit model/defaultmodel/default.credence")
	}
}
