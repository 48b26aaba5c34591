// Package models holds latent's pre-trained models, embedded in the
// binary so that "latent sample --model fashion-vae" works anywhere:
//
//	fashion-vae   convolutional VAE for 28×28 Fashion-MNIST images, latent 20
//	fashion-ae    convolutional autoencoder for the same images, latent 20
//
// Each is a model file pair (NAME.safetensors with float16 weights, and
// NAME.json with the configuration and model card) written by "latent
// train"; README.md in this folder gives the exact commands and the
// models' figures on the 10,000 test images. Open checks them as
// model.Load checks any model file.
package models

import (
	"embed"
	"io/fs"
	"slices"
	"strings"

	"github.com/latentlab/latent/model"
)

//go:embed README.md fashion-vae.safetensors fashion-vae.json fashion-ae.safetensors fashion-ae.json
var files embed.FS

// Names returns the names of the shipped models, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".safetensors"); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// Has reports whether name is a shipped model.
func Has(name string) bool { return slices.Contains(Names(), name) }

// Open loads the shipped model called name.
func Open(name string) (model.Model, error) {
	return model.LoadFS(files, name)
}

// FS returns the embedded files: README.md and the model file pairs.
func FS() fs.FS { return files }
