// Package all registers every format latent reads and writes with package
// formats. Import it for its side effect:
//
//	import _ "github.com/latentlab/latent/formats/all"
package all

import (
	_ "github.com/latentlab/latent/formats/csvfmt"
	_ "github.com/latentlab/latent/formats/idx"
	_ "github.com/latentlab/latent/formats/imagedir"
	_ "github.com/latentlab/latent/formats/npy"
	_ "github.com/latentlab/latent/formats/safetensors"
	_ "github.com/latentlab/latent/formats/tsv"
	_ "github.com/latentlab/latent/formats/word2vec"
)
