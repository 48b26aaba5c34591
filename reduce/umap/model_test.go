package umap

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/mat32"
)

// smallModel fits a small model for the save/load tests.
func smallModel(t testing.TB, metric string) (*UMAP, *mat32.Dense) {
	t.Helper()
	x, _ := blobs(120, 3, 5, 6, 11)
	o := DefaultOptions()
	o.Metric, o.Seed, o.Epochs, o.Neighbors = metric, 5, 30, 6
	var u UMAP
	if err := u.Fit(context.Background(), x, o); err != nil {
		t.Fatal(err)
	}
	return &u, x
}

func TestSaveLoad(t *testing.T) {
	for _, m := range []string{Euclidean, Correlation, Manhattan} {
		u, x := smallModel(t, m)
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := u.Save(path); err != nil {
			t.Fatal(err)
		}
		v, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(u.Embedding(nil).Data, v.Embedding(nil).Data) {
			t.Errorf("%s: embedding changed by save and load", m)
		}
		uo, vo := u.Options(), v.Options()
		if uo.Neighbors != vo.Neighbors || uo.Metric != vo.Metric || uo.Epochs != vo.Epochs || uo.Seed != vo.Seed || uo.MinDist != vo.MinDist {
			t.Errorf("%s: options %+v, loaded %+v", m, uo, vo)
		}
		ua, ub := u.AB()
		va, vb := v.AB()
		if ua != va || ub != vb {
			t.Errorf("%s: a, b changed", m)
		}
		q := x.Slice(0, 20).Clone()
		for i := range q.Data {
			q.Data[i] += 0.01
		}
		z1, err := u.Transform(context.Background(), nil, q, nil)
		if err != nil {
			t.Fatal(err)
		}
		z2, err := v.Transform(context.Background(), nil, q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(z1.Data, z2.Data) {
			t.Errorf("%s: the loaded model transforms differently", m)
		}
	}
}

// writeModel writes cfg and tensors as a model pair and returns its path.
func writeModel(t *testing.T, cfg modelConfig, tensors []safetensors.Tensor) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := safetensors.WriteModel(path, cfg, tensors, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadBadModels checks that broken models are refused with an error
// that names the file and the problem.
func TestLoadBadModels(t *testing.T) {
	u, _ := smallModel(t, Euclidean)
	n, k := u.graph.Len(), u.graph.K
	setF32 := func(ts []safetensors.Tensor, name string, i int, v float32) {
		for j := range ts {
			if ts[j].Name == name {
				b := slices.Clone(ts[j].Data)
				bits := math.Float32bits(v)
				b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
				ts[j].Data = b
			}
		}
	}
	setI32 := func(ts []safetensors.Tensor, name string, i int, v int32) {
		for j := range ts {
			if ts[j].Name == name {
				b := slices.Clone(ts[j].Data)
				b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
				ts[j].Data = b
			}
		}
	}
	drop := func(ts []safetensors.Tensor, name string) []safetensors.Tensor {
		return slices.DeleteFunc(ts, func(t safetensors.Tensor) bool { return t.Name == name })
	}
	for _, c := range []struct {
		name string
		edit func(cfg *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor
		want string
	}{
		{"kind", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.Kind = "pca"; return ts }, `kind is "pca"`},
		{"version", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.Version = 9; return ts }, "version 9"},
		{"neighbours", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.Neighbors = 500; return ts }, "neighbors=500"},
		{"metric", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.Metric = "chebyshev"; return ts }, `metric "chebyshev"`},
		{"init", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.Init = "x"; return ts }, "init"},
		{"a", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.A = -1; return ts }, "a=-1"},
		{"epochs", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.Epochs = 0; return ts }, "epochs"},
		{"min-dist", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.MinDist = 3; return ts }, "min-dist"},
		{"features", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.Features = 4; return ts }, `tensor "data" has shape`},
		{"samples", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { c.Samples = 119; return ts }, "has shape"},
		{"missing tensor", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor { return drop(ts, tEmbedding) }, `no tensor "embedding"`},
		{"NaN embedding", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor {
			setF32(ts, tEmbedding, 5, float32(math.NaN()))
			return ts
		}, "NaN or Inf"},
		{"index range", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor {
			setI32(ts, tIndices, 3, int32(n))
			return ts
		}, "out of range"},
		{"self neighbour", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor {
			setI32(ts, tIndices, 2*k, 2)
			return ts
		}, "lists itself"},
		{"unsorted", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor {
			setF32(ts, tDists, 0, 1e9)
			return ts
		}, "not sorted"},
		{"negative distance", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor {
			setF32(ts, tDists, 0, -1)
			return ts
		}, "distance -1"},
		{"dtype", func(c *modelConfig, ts []safetensors.Tensor) []safetensors.Tensor {
			ts = drop(ts, tIndices)
			idx := make([]float32, n*k)
			return append(ts, safetensors.FromFloat32(tIndices, []int{n, k}, idx))
		}, "is F32, want I32"},
	} {
		cfg, ts := u.modelParts()
		ts = c.edit(&cfg, ts)
		path := writeModel(t, cfg, ts)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming %s and containing %q", c.name, err, path, c.want)
		}
	}

	// A weights file that is not the config's pair, a truncated one, an
	// unknown config field.
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := u.Save(path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, raw[:len(raw)-10], 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("truncated weights: %v", err)
	}
	if err := u.Save(path); err != nil {
		t.Fatal(err)
	}
	cfgPath := safetensors.ConfigPath(path)
	js, _ := os.ReadFile(cfgPath)
	os.WriteFile(cfgPath, bytes.Replace(js, []byte(`"seed"`), []byte(`"sneed"`), 1), 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "sneed") {
		t.Errorf("unknown config field: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.safetensors")); err == nil {
		t.Error("a missing file loaded")
	}
}

// FuzzDecodeModel feeds arbitrary configs and weights to the model
// decoder, which must refuse what is wrong without panicking. The seed
// corpus (testdata/fuzz/FuzzDecodeModel) holds a valid small model and
// broken variants of it.
func FuzzDecodeModel(f *testing.F) {
	u, _ := smallModel(f, Euclidean)
	cfg, ts := u.modelParts()
	js, _ := json.Marshal(cfg)
	var w bytes.Buffer
	if err := safetensors.Write(&w, ts, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(js, w.Bytes())
	f.Fuzz(func(t *testing.T, config, weights []byte) {
		var cfg modelConfig
		dec := json.NewDecoder(bytes.NewReader(config))
		dec.DisallowUnknownFields()
		if dec.Decode(&cfg) != nil {
			return
		}
		file, err := safetensors.Read(bytes.NewReader(weights))
		if err != nil {
			return
		}
		m, err := decodeModel(&cfg, file)
		if err != nil {
			return
		}
		// A model that decodes must be usable.
		q := mat32.New(2, m.data.Cols)
		if _, err := m.Transform(context.Background(), nil, q, nil); err != nil && !strings.Contains(err.Error(), "umap:") {
			t.Fatalf("transform of a decoded model: %v", err)
		}
	})
}
