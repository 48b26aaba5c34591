package pca

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/mat32"
)

// ModelKind is the "kind" of a saved PCA model's config.
const ModelKind = "pca"

// ModelVersion is the version of the saved PCA model layout that Save
// writes and Load reads. MODEL.md describes it.
const ModelVersion = 1

// modelConfig is the JSON config of a saved model.
type modelConfig struct {
	Kind          string  `json:"kind"`
	Version       int     `json:"version"`
	Features      int     `json:"features"`
	Components    int     `json:"components"`
	Samples       int     `json:"samples"`
	Solver        string  `json:"solver"`
	Whiten        bool    `json:"whiten"`
	TotalVariance float64 `json:"total_variance"`
	NoiseVariance float64 `json:"noise_variance"`
}

// Tensor names in the weights file.
const (
	tComponents = "components"
	tMean       = "mean"
	tVariance   = "explained_variance"
	tRatio      = "explained_variance_ratio"
	tSingular   = "singular_values"
)

// Save writes the fitted model to path (a safetensors weights file, by
// convention NAME.safetensors) and its JSON config beside it (NAME.json),
// atomically as a pair (see safetensors.WriteModel). It panics if p is not
// fitted.
func (p *PCA) Save(path string) error {
	p.mustFit("Save")
	cfg := p.config()
	k, d := p.k, p.d
	tensors := []safetensors.Tensor{
		safetensors.FromFloat32(tComponents, []int{k, d}, p.comps.Data),
		safetensors.FromFloat32(tMean, []int{d}, p.mean),
		fromFloat64(tVariance, p.ev),
		fromFloat64(tRatio, p.evr),
		fromFloat64(tSingular, p.sv),
	}
	return safetensors.WriteModel(path, cfg, tensors, map[string]string{"format": "latent.pca"})
}

func (p *PCA) config() modelConfig {
	return modelConfig{
		Kind: ModelKind, Version: ModelVersion,
		Features: p.d, Components: p.k, Samples: p.n,
		Solver: p.solver, Whiten: p.whiten,
		TotalVariance: p.totalVar, NoiseVariance: p.noise,
	}
}

// Load reads a model written by Save. Files may come from anywhere: every
// field is checked (kind, version, shapes against the config, finite
// values, unit-length components, variances consistent with their ratios)
// and an error names the file and the problem.
func Load(path string) (*PCA, error) {
	var cfg modelConfig
	f, err := safetensors.ReadModel(path, &cfg)
	if err != nil {
		return nil, err
	}
	p, err := decodeModel(&cfg, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// decodeModel checks a decoded config and weights and builds the model.
func decodeModel(cfg *modelConfig, f *safetensors.File) (*PCA, error) {
	switch {
	case cfg.Kind != ModelKind:
		return nil, fmt.Errorf("pca: model kind is %q, want %q", cfg.Kind, ModelKind)
	case cfg.Version != ModelVersion:
		return nil, fmt.Errorf("pca: model version %d is not supported (this build reads version %d)", cfg.Version, ModelVersion)
	case cfg.Features < 1:
		return nil, fmt.Errorf("pca: model has %d features", cfg.Features)
	case cfg.Components < 1 || cfg.Components > cfg.Features:
		return nil, fmt.Errorf("pca: model has %d components for %d features", cfg.Components, cfg.Features)
	case cfg.Samples < 2 || cfg.Components > cfg.Samples:
		return nil, fmt.Errorf("pca: model was fitted on %d rows, too few for %d components", cfg.Samples, cfg.Components)
	case cfg.Solver != SolverFull && cfg.Solver != SolverRandomized && cfg.Solver != SolverIncremental:
		return nil, fmt.Errorf("pca: unknown solver %q in the model", cfg.Solver)
	case !(cfg.TotalVariance > 0) || math.IsInf(cfg.TotalVariance, 0):
		return nil, fmt.Errorf("pca: total variance %v is not a positive number", cfg.TotalVariance)
	case !(cfg.NoiseVariance >= 0) || math.IsInf(cfg.NoiseVariance, 0):
		return nil, fmt.Errorf("pca: noise variance %v is not a non-negative number", cfg.NoiseVariance)
	}
	k, d := cfg.Components, cfg.Features
	comps, err := float32Tensor(f, tComponents, k, d)
	if err != nil {
		return nil, err
	}
	mean, err := float32Tensor(f, tMean, d)
	if err != nil {
		return nil, err
	}
	ev, err := float64Tensor(f, tVariance, k)
	if err != nil {
		return nil, err
	}
	evr, err := float64Tensor(f, tRatio, k)
	if err != nil {
		return nil, err
	}
	sv, err := float64Tensor(f, tSingular, k)
	if err != nil {
		return nil, err
	}
	for j := 0; j < k; j++ {
		var nrm float64
		for _, v := range comps[j*d : (j+1)*d] {
			nrm += float64(v) * float64(v)
		}
		if math.Abs(math.Sqrt(nrm)-1) > 1e-3 {
			return nil, fmt.Errorf("pca: component %d has length %.6g, want 1", j+1, math.Sqrt(nrm))
		}
		if ev[j] < 0 || sv[j] < 0 || evr[j] < 0 {
			return nil, fmt.Errorf("pca: component %d has a negative variance or singular value", j+1)
		}
		if want := ev[j] / cfg.TotalVariance; math.Abs(evr[j]-want) > 1e-6*max(want, 1e-300)+1e-12 {
			return nil, fmt.Errorf("pca: component %d: variance ratio %.9g disagrees with variance %.9g / total %.9g", j+1, evr[j], ev[j], cfg.TotalVariance)
		}
		if cfg.Whiten && !(ev[j] > 0) {
			return nil, fmt.Errorf("pca: component %d has no variance and the model whitens", j+1)
		}
	}
	return &PCA{
		d: d, k: k, n: cfg.Samples,
		mean: mean, comps: mat32.FromSlice(k, d, comps),
		ev: ev, evr: evr, sv: sv,
		noise: cfg.NoiseVariance, totalVar: cfg.TotalVariance,
		whiten: cfg.Whiten, solver: cfg.Solver,
	}, nil
}

// float32Tensor returns the finite F32 tensor name of the given shape.
func float32Tensor(f *safetensors.File, name string, shape ...int) ([]float32, error) {
	t, err := findTensor(f, name, safetensors.F32, shape)
	if err != nil {
		return nil, err
	}
	v := make([]float32, t.Len())
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		if math.IsNaN(float64(v[i])) || math.IsInf(float64(v[i]), 0) {
			return nil, fmt.Errorf("pca: tensor %q holds NaN or Inf (element %d)", name, i)
		}
	}
	return v, nil
}

// float64Tensor returns the finite F64 tensor name of the given shape.
func float64Tensor(f *safetensors.File, name string, shape ...int) ([]float64, error) {
	t, err := findTensor(f, name, safetensors.F64, shape)
	if err != nil {
		return nil, err
	}
	v := make([]float64, t.Len())
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
		if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			return nil, fmt.Errorf("pca: tensor %q holds NaN or Inf (element %d)", name, i)
		}
	}
	return v, nil
}

func findTensor(f *safetensors.File, name string, dt safetensors.DType, shape []int) (*safetensors.Tensor, error) {
	t := f.Tensor(name)
	if t == nil {
		return nil, fmt.Errorf("pca: the weights have no tensor %q", name)
	}
	if t.DType != dt {
		return nil, fmt.Errorf("pca: tensor %q is %s, want %s", name, t.DType, dt)
	}
	same := len(t.Shape) == len(shape)
	for i := 0; same && i < len(shape); i++ {
		same = t.Shape[i] == shape[i]
	}
	if !same {
		return nil, fmt.Errorf("pca: tensor %q has shape %v, want %v", name, t.Shape, shape)
	}
	if len(t.Data) != t.Len()*dt.Size() {
		return nil, fmt.Errorf("pca: tensor %q holds %d bytes for shape %v", name, len(t.Data), t.Shape)
	}
	return t, nil
}

// fromFloat64 returns an F64 tensor of shape [len(v)] holding v.
func fromFloat64(name string, v []float64) safetensors.Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return safetensors.Tensor{Name: name, DType: safetensors.F64, Shape: []int{len(v)}, Data: b}
}
