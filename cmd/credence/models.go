package main

import (
	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/model/defaultmodel"
)

// loadModel loads a model file, or the built-in model when path is empty.
func loadModel(path string) (*model.Model, error) {
	if path == "" {
		return defaultmodel.Load()
	}
	return model.Load(path)
}
