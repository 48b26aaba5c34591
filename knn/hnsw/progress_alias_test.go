package hnsw

import "github.com/latentlab/latent/progress"

type progressUpdate = progress.Update
