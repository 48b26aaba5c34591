package tsne

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/mat32"
)

// ModelKind is the "kind" of a saved t-SNE model's config.
const ModelKind = "tsne"

// ModelVersion is the version of the saved model layout that Save writes
// and Load reads; MODEL.md describes it.
const ModelVersion = 1

// Tensor names in the weights file.
const (
	tEmbedding  = "embedding"
	tReference  = "reference"
	tComponents = "pca_components"
	tMean       = "pca_mean"
)

// modelConfig is the JSON config of a saved model.
type modelConfig struct {
	Kind          string    `json:"kind"`
	Version       int       `json:"version"`
	Rows          int       `json:"rows"`
	Features      int       `json:"features"`
	Dims          int       `json:"dims"`
	ReferenceDims int       `json:"reference_dims"`
	InputScale    float64   `json:"input_scale"`
	Projected     bool      `json:"pca"`
	Metric        string    `json:"metric"`
	Perplexity    []float64 `json:"perplexity"`
	Neighbors     int       `json:"neighbors"`
	DoF           float64   `json:"dof"`
	Method        string    `json:"method"`
	KL            float64   `json:"kl"`
	Iterations    int       `json:"iterations"`
}

// projection is the PCA map from the input space to the reference space:
// (x − mean)·Vᵀ.
type projection struct {
	mean  []float32
	comps *mat32.Dense // r×d, orthonormal rows
}

// apply returns the projection of the rows of x. Each row is projected
// by its own dot products, so a row's result does not depend on the rows
// around it (a GEMM's rounding can depend on the block shape), and a
// training row passed to Transform lands exactly on its reference row.
func (p *projection) apply(x *mat32.Dense) *mat32.Dense {
	r := p.comps.Rows
	out := mat32.New(x.Rows, r)
	mat32.Parallel(x.Rows, 64, func(lo, hi int) {
		c := make([]float32, x.Cols)
		for i := lo; i < hi; i++ {
			for j, v := range x.Row(i) {
				c[j] = v - p.mean[j]
			}
			o := out.Row(i)
			for k := 0; k < r; k++ {
				o[k] = mat32.Dot(c, p.comps.Row(k))
			}
		}
	})
	return out
}

// Save writes the model to path (a safetensors weights file, by
// convention NAME.safetensors) and its JSON config beside it (NAME.json),
// atomically as a pair (see safetensors.WriteModel). The weights hold the
// embedding, the reference rows Transform searches (after the PCA
// projection when the fit used one) and that projection.
func (m *Model) Save(path string) error {
	cfg := modelConfig{Kind: ModelKind, Version: ModelVersion, Rows: m.Len(), Features: m.features,
		Dims: m.Dims(), ReferenceDims: m.ref.Cols, InputScale: float64(m.scale), Projected: m.proj != nil, Metric: "euclidean",
		Perplexity: m.perplexity, Neighbors: m.neighbors, DoF: m.dof, Method: m.method.String(),
		KL: m.kl, Iterations: m.iters}
	tensors := []safetensors.Tensor{
		safetensors.FromFloat32(tEmbedding, []int{m.Len(), m.Dims()}, m.emb.Data),
		safetensors.FromFloat32(tReference, []int{m.ref.Rows, m.ref.Cols}, m.ref.Data),
	}
	if m.proj != nil {
		tensors = append(tensors,
			safetensors.FromFloat32(tComponents, []int{m.proj.comps.Rows, m.proj.comps.Cols}, m.proj.comps.Data),
			safetensors.FromFloat32(tMean, []int{len(m.proj.mean)}, m.proj.mean))
	}
	return safetensors.WriteModel(path, cfg, tensors, map[string]string{"format": "latent.tsne"})
}

// Load reads a model written by Save. Files may come from anywhere: every
// field of the config is checked, the tensors must have exactly the shapes
// the config implies and finite values, and an error names the file and
// the problem.
func Load(path string) (*Model, error) {
	var cfg modelConfig
	f, err := safetensors.ReadModel(path, &cfg)
	if err != nil {
		return nil, err
	}
	m, err := decodeModel(&cfg, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// decodeModel checks a decoded config and weights and builds the model.
func decodeModel(cfg *modelConfig, f *safetensors.File) (*Model, error) {
	switch {
	case cfg.Kind != ModelKind:
		return nil, fmt.Errorf("tsne: model kind is %q, want %q", cfg.Kind, ModelKind)
	case cfg.Version != ModelVersion:
		return nil, fmt.Errorf("tsne: model version %d is not supported (this build reads version %d)", cfg.Version, ModelVersion)
	case cfg.Rows < 4:
		return nil, fmt.Errorf("tsne: model has %d rows, need at least 4", cfg.Rows)
	case cfg.Features < 1:
		return nil, fmt.Errorf("tsne: model has %d features", cfg.Features)
	case cfg.Dims < 1 || cfg.Dims > 3:
		return nil, fmt.Errorf("tsne: model has %d embedding dimensions, want 1 to 3", cfg.Dims)
	case cfg.ReferenceDims < 1 || cfg.ReferenceDims > cfg.Features:
		return nil, fmt.Errorf("tsne: model has %d reference dimensions for %d features", cfg.ReferenceDims, cfg.Features)
	case !cfg.Projected && cfg.ReferenceDims != cfg.Features:
		return nil, fmt.Errorf("tsne: model without PCA has %d reference dimensions for %d features", cfg.ReferenceDims, cfg.Features)
	case !(cfg.InputScale > 0) || cfg.InputScale > math.MaxFloat32 || float64(float32(cfg.InputScale)) != cfg.InputScale:
		return nil, fmt.Errorf("tsne: model input scale %g: want a positive float32", cfg.InputScale)
	case cfg.Metric != "euclidean":
		return nil, fmt.Errorf("tsne: model metric %q is not supported (want euclidean)", cfg.Metric)
	case len(cfg.Perplexity) == 0:
		return nil, errors.New("tsne: model has no perplexity")
	case cfg.Neighbors < 1 || cfg.Neighbors >= cfg.Rows:
		return nil, fmt.Errorf("tsne: model has %d neighbours for %d rows", cfg.Neighbors, cfg.Rows)
	case !(cfg.DoF > 0) || math.IsInf(cfg.DoF, 0):
		return nil, fmt.Errorf("tsne: model degrees of freedom %g: want a positive number", cfg.DoF)
	case math.IsNaN(cfg.KL) || math.IsInf(cfg.KL, 0):
		return nil, fmt.Errorf("tsne: model KL divergence %g is not finite", cfg.KL)
	case cfg.Iterations < 0:
		return nil, fmt.Errorf("tsne: model has %d iterations", cfg.Iterations)
	}
	for _, p := range cfg.Perplexity {
		if err := positive("model perplexity", p); err != nil {
			return nil, err
		}
	}
	method, err := ParseMethod(cfg.Method)
	if err != nil || method == Auto {
		return nil, fmt.Errorf("tsne: model method %q is not one of exact, bh, fft", cfg.Method)
	}
	want := []string{tEmbedding, tReference}
	if cfg.Projected {
		want = append(want, tComponents, tMean)
	}
	for _, name := range f.Names() {
		if !slices.Contains(want, name) {
			return nil, fmt.Errorf("tsne: unexpected tensor %q in the model", name)
		}
	}
	m := &Model{features: cfg.Features, scale: float32(cfg.InputScale), perplexity: cfg.Perplexity, neighbors: cfg.Neighbors,
		dof: cfg.DoF, method: method, kl: cfg.KL, iters: cfg.Iterations}
	if m.emb, err = matrix(f, tEmbedding, cfg.Rows, cfg.Dims); err != nil {
		return nil, err
	}
	if m.ref, err = matrix(f, tReference, cfg.Rows, cfg.ReferenceDims); err != nil {
		return nil, err
	}
	if cfg.Projected {
		comps, err := matrix(f, tComponents, cfg.ReferenceDims, cfg.Features)
		if err != nil {
			return nil, err
		}
		mean, err := matrix(f, tMean, 1, cfg.Features)
		if err != nil {
			return nil, err
		}
		m.proj = &projection{mean: mean.Data, comps: comps}
	}
	return m, nil
}

// matrix reads the F32 tensor name, which must be rows×cols (a vector when
// rows is 1) with finite values.
func matrix(f *safetensors.File, name string, rows, cols int) (*mat32.Dense, error) {
	t := f.Tensor(name)
	if t == nil {
		return nil, fmt.Errorf("tsne: the model has no tensor %q", name)
	}
	shapeOK := len(t.Shape) == 2 && t.Shape[0] == rows && t.Shape[1] == cols
	if rows == 1 {
		shapeOK = len(t.Shape) == 1 && t.Shape[0] == cols
	}
	if !shapeOK {
		return nil, fmt.Errorf("tsne: tensor %q has shape %v, want [%d %d]", name, t.Shape, rows, cols)
	}
	data, _, err := f.Float32(name)
	if err != nil {
		return nil, fmt.Errorf("tsne: %w", err)
	}
	m := mat32.FromSlice(rows, cols, data)
	if c, r := mat32.CountNonFinite(m); c > 0 {
		return nil, fmt.Errorf("tsne: tensor %q has %d NaN/Inf values (first in row %d)", name, c, r)
	}
	return m, nil
}
