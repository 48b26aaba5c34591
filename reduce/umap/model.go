package umap

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
)

// ModelKind is the "kind" of a saved UMAP model's config.
const ModelKind = "umap"

// ModelVersion is the version of the saved model layout that Save writes
// and Load reads. MODEL.md describes it.
const ModelVersion = 1

// modelConfig is the JSON config of a saved model.
type modelConfig struct {
	Kind               string  `json:"kind"`
	Version            int     `json:"version"`
	Features           int     `json:"features"`
	Components         int     `json:"components"`
	Samples            int     `json:"samples"`
	Neighbors          int     `json:"neighbors"`
	Metric             string  `json:"metric"`
	MinDist            float64 `json:"min_dist"`
	Spread             float64 `json:"spread"`
	A                  float64 `json:"a"`
	B                  float64 `json:"b"`
	Epochs             int     `json:"epochs"`
	EpochsGiven        bool    `json:"epochs_given"`
	LearningRate       float64 `json:"learning_rate"`
	NegativeSampleRate int     `json:"negative_sample_rate"`
	RepulsionStrength  float64 `json:"repulsion_strength"`
	SetOpMixRatio      float64 `json:"set_op_mix_ratio"`
	LocalConnectivity  float64 `json:"local_connectivity"`
	Bandwidth          float64 `json:"bandwidth"`
	Init               string  `json:"init"`
	Supervised         bool    `json:"supervised"`
	TargetWeight       float64 `json:"target_weight"`
	Seed               uint64  `json:"seed"`
}

// Tensor names in the weights file.
const (
	tData      = "data"
	tEmbedding = "embedding"
	tIndices   = "knn_indices"
	tDists     = "knn_distances"
)

// Save writes the fitted model to path (a safetensors weights file, by
// convention NAME.safetensors) and its JSON config beside it (NAME.json),
// atomically as a pair (see safetensors.WriteModel). The weights hold the
// training rows (as the neighbour search sees them: row-centred for
// Correlation), their embedding and their neighbour graph, which is what
// Transform needs; the config holds the options. It panics if u is not
// fitted.
func (u *UMAP) Save(path string) error {
	u.mustFit("Save")
	cfg, tensors := u.modelParts()
	return safetensors.WriteModel(path, cfg, tensors, map[string]string{"format": "latent.umap"})
}

// modelParts returns the config and the tensors of the saved model.
func (u *UMAP) modelParts() (modelConfig, []safetensors.Tensor) {
	o := u.opt
	cfg := modelConfig{
		Kind: ModelKind, Version: ModelVersion,
		Features: u.data.Cols, Components: u.emb.Cols, Samples: u.emb.Rows,
		Neighbors: o.Neighbors, Metric: o.Metric, MinDist: o.MinDist, Spread: o.Spread,
		A: u.a, B: u.b, Epochs: o.Epochs, EpochsGiven: u.epochsGiven,
		LearningRate: o.LearningRate, NegativeSampleRate: o.NegativeSampleRate,
		RepulsionStrength: o.RepulsionStrength, SetOpMixRatio: o.SetOpMixRatio,
		LocalConnectivity: o.LocalConnectivity, Bandwidth: o.Bandwidth,
		Init: o.Init, Supervised: u.supervised, TargetWeight: o.TargetWeight, Seed: o.Seed,
	}
	n, k := u.graph.Len(), u.graph.K
	tensors := []safetensors.Tensor{
		safetensors.FromFloat32(tData, []int{u.data.Rows, u.data.Cols}, u.data.Data),
		safetensors.FromFloat32(tEmbedding, []int{u.emb.Rows, u.emb.Cols}, u.emb.Data),
		int32Tensor(tIndices, []int{n, k}, u.graph.Indices),
		safetensors.FromFloat32(tDists, []int{n, k}, u.graph.Dists),
	}
	return cfg, tensors
}

// int32Tensor returns an I32 tensor holding a copy of v.
func int32Tensor(name string, shape []int, v []int32) safetensors.Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return safetensors.Tensor{Name: name, DType: safetensors.I32, Shape: slices.Clone(shape), Data: b}
}

// Load reads a model written by Save. Files may come from anywhere: the
// config's kind, version and every option are checked against the ranges
// Fit accepts, the tensors against the config's shapes, values must be
// finite, neighbour indices in range and not the row itself, distances
// non-negative and sorted; an error names the file and the problem.
func Load(path string) (*UMAP, error) {
	var cfg modelConfig
	f, err := safetensors.ReadModel(path, &cfg)
	if err != nil {
		return nil, err
	}
	u, err := decodeModel(&cfg, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return u, nil
}

// decodeModel checks a decoded config and weights and builds the model.
func decodeModel(cfg *modelConfig, f *safetensors.File) (*UMAP, error) {
	switch {
	case cfg.Kind != ModelKind:
		return nil, fmt.Errorf("umap: model kind is %q, want %q", cfg.Kind, ModelKind)
	case cfg.Version != ModelVersion:
		return nil, fmt.Errorf("umap: model version %d is not supported (this build reads version %d)", cfg.Version, ModelVersion)
	case cfg.Features < 1:
		return nil, fmt.Errorf("umap: model has %d features", cfg.Features)
	case cfg.Samples < 2:
		return nil, fmt.Errorf("umap: model was fitted on %d rows", cfg.Samples)
	case cfg.Epochs < 1:
		return nil, fmt.Errorf("umap: model has %d epochs", cfg.Epochs)
	case !(cfg.A > 0) || !(cfg.B > 0) || !finite(cfg.A) || !finite(cfg.B):
		return nil, fmt.Errorf("umap: model has a=%g, b=%g; want positive numbers", cfg.A, cfg.B)
	}
	o := Options{
		Neighbors: cfg.Neighbors, Components: cfg.Components, MinDist: cfg.MinDist, Spread: cfg.Spread,
		Metric: cfg.Metric, Epochs: cfg.Epochs, LearningRate: cfg.LearningRate,
		NegativeSampleRate: cfg.NegativeSampleRate, RepulsionStrength: cfg.RepulsionStrength,
		SetOpMixRatio: cfg.SetOpMixRatio, LocalConnectivity: cfg.LocalConnectivity,
		Bandwidth: cfg.Bandwidth, Init: cfg.Init, TargetWeight: cfg.TargetWeight, Seed: cfg.Seed,
	}
	if !slices.Contains(Metrics, cfg.Metric) {
		return nil, fmt.Errorf("umap: model metric %q is not one this build can search", cfg.Metric)
	}
	if cfg.Init != InitSpectral && cfg.Init != InitRandom && cfg.Init != InitPCA {
		return nil, fmt.Errorf("umap: model init %q is unknown", cfg.Init)
	}
	checked, err := o.check(cfg.Samples)
	if err != nil {
		return nil, err
	}
	n, d, dim, k := cfg.Samples, cfg.Features, cfg.Components, cfg.Neighbors-1
	data, err := float32Tensor(f, tData, false, n, d)
	if err != nil {
		return nil, err
	}
	emb, err := float32Tensor(f, tEmbedding, false, n, dim)
	if err != nil {
		return nil, err
	}
	idx, err := int32TensorData(f, tIndices, n, k)
	if err != nil {
		return nil, err
	}
	dists, err := float32Tensor(f, tDists, true, n, k)
	if err != nil {
		return nil, err
	}
	metric, _ := knnMetric(cfg.Metric)
	g := &knn.Graph{K: k, Metric: metric, Indices: idx, Dists: dists}
	if err := g.Validate(n); err != nil {
		return nil, fmt.Errorf("umap: tensor %q: %w", tIndices, err)
	}
	for i := 0; i < n; i++ {
		row, dr := g.Row(i)
		for p, j := range row {
			if int(j) == i {
				return nil, fmt.Errorf("umap: tensor %q: row %d lists itself as a neighbour", tIndices, i)
			}
			switch {
			case j >= 0 && !(dr[p] >= 0 && dr[p] <= math.MaxFloat32):
				return nil, fmt.Errorf("umap: tensor %q: row %d has distance %v, want a finite number ≥ 0", tDists, i, dr[p])
			case j < 0 && !math.IsInf(float64(dr[p]), 1):
				return nil, fmt.Errorf("umap: tensor %q: row %d has an empty slot with distance %v, want +Inf", tDists, i, dr[p])
			}
		}
	}
	return &UMAP{
		opt: checked, a: cfg.A, b: cfg.B,
		data: mat32.FromSlice(n, d, data), graph: g, emb: mat32.FromSlice(n, dim, emb),
		epochsGiven: cfg.EpochsGiven, supervised: cfg.Supervised,
	}, nil
}

// float32Tensor returns the F32 tensor name of the given shape, which must
// hold no NaN, and no ±Inf either unless inf is set (the caller then
// checks where infinities may be).
func float32Tensor(f *safetensors.File, name string, inf bool, shape ...int) ([]float32, error) {
	t, err := findTensor(f, name, safetensors.F32, shape)
	if err != nil {
		return nil, err
	}
	v := make([]float32, t.Len())
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		switch x := float64(v[i]); {
		case math.IsNaN(x) && inf:
			return nil, fmt.Errorf("umap: tensor %q holds NaN (element %d)", name, i)
		case math.IsNaN(x) || !inf && math.IsInf(x, 0):
			return nil, fmt.Errorf("umap: tensor %q holds NaN or Inf (element %d)", name, i)
		}
	}
	return v, nil
}

// int32TensorData returns the I32 tensor name of the given shape.
func int32TensorData(f *safetensors.File, name string, shape ...int) ([]int32, error) {
	t, err := findTensor(f, name, safetensors.I32, shape)
	if err != nil {
		return nil, err
	}
	v := make([]int32, t.Len())
	for i := range v {
		v[i] = int32(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return v, nil
}

func findTensor(f *safetensors.File, name string, dt safetensors.DType, shape []int) (*safetensors.Tensor, error) {
	t := f.Tensor(name)
	if t == nil {
		return nil, fmt.Errorf("umap: the weights have no tensor %q", name)
	}
	if t.DType != dt {
		return nil, fmt.Errorf("umap: tensor %q is %s, want %s", name, t.DType, dt)
	}
	if !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("umap: tensor %q has shape %v, want %v", name, t.Shape, shape)
	}
	if len(t.Data) != t.Len()*dt.Size() {
		return nil, fmt.Errorf("umap: tensor %q holds %d bytes for shape %v", name, len(t.Data), t.Shape)
	}
	return t, nil
}
