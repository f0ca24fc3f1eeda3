// Package defaultmodel embeds credence's built-in news-credibility model,
// so that classify, explain, eval and serve work out of the box. The file
// is produced by scripts/default-model.sh from the shared corpora,
// reproducibly; its card (credence model info) states its training data,
// held-out and cross-dataset figures, uncertainty band and limits.
package defaultmodel

import (
	_ "embed"
	"sync"

	"github.com/credence-news/credence/model"
)

//go:embed default.credence
var raw []byte

var load = sync.OnceValues(func() (*model.Model, error) { return model.Decode(raw) })

// Load returns the built-in model (decoded once, shared: models are immutable).
func Load() (*model.Model, error) { return load() }

// Bytes returns the embedded model file.
func Bytes() []byte { return raw }
