package pca

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/mat32"
)

func fittedModel(t testing.TB, whiten bool) (*PCA, *mat32.Dense) {
	t.Helper()
	x := lowRank(30, 300, 12, 5, 3, 0.7, 0.1)
	var p PCA
	if err := p.Fit(x, Options{Components: 4, Whiten: whiten, Solver: SolverFull}); err != nil {
		t.Fatal(err)
	}
	return &p, x
}

func TestSaveLoad(t *testing.T) {
	for _, whiten := range []bool{false, true} {
		p, x := fittedModel(t, whiten)
		path := filepath.Join(t.TempDir(), "model.safetensors")
		if err := p.Save(path); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "model.json")); err != nil {
			t.Fatalf("config not written: %v", err)
		}
		q, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if q.Solver() != p.Solver() || q.Whitened() != whiten || q.Samples() != p.Samples() ||
			q.NoiseVariance() != p.NoiseVariance() || q.TotalVariance() != p.TotalVariance() {
			t.Errorf("scalars differ after a round trip")
		}
		for name, pair := range map[string][2][]float64{
			"ev":  {p.ExplainedVariance(nil), q.ExplainedVariance(nil)},
			"evr": {p.ExplainedVarianceRatio(nil), q.ExplainedVarianceRatio(nil)},
			"sv":  {p.SingularValues(nil), q.SingularValues(nil)},
		} {
			for i := range pair[0] {
				if pair[0][i] != pair[1][i] {
					t.Errorf("%s[%d]: %v vs %v", name, i, pair[0][i], pair[1][i])
				}
			}
		}
		a, b := p.Transform(nil, x), q.Transform(nil, x)
		for i := range a.Data {
			if a.Data[i] != b.Data[i] {
				t.Fatalf("Transform differs after a round trip at %d", i)
			}
		}
		// Saving is deterministic.
		path2 := filepath.Join(t.TempDir(), "model.safetensors")
		if err := q.Save(path2); err != nil {
			t.Fatal(err)
		}
		w1, _ := os.ReadFile(path)
		w2, _ := os.ReadFile(path2)
		if !bytes.Equal(w1, w2) {
			t.Error("saving the loaded model gives different weights bytes")
		}
	}
}

func TestSaveErrors(t *testing.T) {
	p, _ := fittedModel(t, false)
	if err := p.Save(filepath.Join(t.TempDir(), "no", "such", "dir", "m.safetensors")); err == nil {
		t.Error("saving into a missing directory succeeded")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.safetensors")); err == nil {
		t.Error("loading a missing file succeeded")
	}
}

// writePair writes a weights file and config with the given edits applied
// to a valid model, returning the weights path.
func writePair(t *testing.T, edit func(cfg *modelConfig, ts map[string]*safetensors.Tensor)) string {
	t.Helper()
	p, _ := fittedModel(t, true)
	cfg := p.config()
	ts := map[string]*safetensors.Tensor{}
	for _, tt := range []safetensors.Tensor{
		safetensors.FromFloat32(tComponents, []int{p.k, p.d}, p.comps.Data),
		safetensors.FromFloat32(tMean, []int{p.d}, p.mean),
		fromFloat64(tVariance, p.ev),
		fromFloat64(tRatio, p.evr),
		fromFloat64(tSingular, p.sv),
	} {
		ts[tt.Name] = &tt
	}
	edit(&cfg, ts)
	var list []safetensors.Tensor
	for _, tt := range ts {
		if tt != nil {
			list = append(list, *tt)
		}
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := safetensors.WriteModel(path, cfg, list, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

func setF32(tt *safetensors.Tensor, i int, v float32) {
	b := math.Float32bits(v)
	tt.Data[4*i], tt.Data[4*i+1], tt.Data[4*i+2], tt.Data[4*i+3] = byte(b), byte(b>>8), byte(b>>16), byte(b>>24)
}

func TestLoadBadModels(t *testing.T) {
	type ts = map[string]*safetensors.Tensor
	for _, c := range []struct {
		name string
		edit func(cfg *modelConfig, m ts)
		want string
	}{
		{"kind", func(c *modelConfig, m ts) { c.Kind = "umap" }, `model kind is "umap"`},
		{"version", func(c *modelConfig, m ts) { c.Version = 2 }, "model version 2 is not supported"},
		{"features", func(c *modelConfig, m ts) { c.Features = 0 }, "0 features"},
		{"components", func(c *modelConfig, m ts) { c.Components = 13 }, "13 components for 12 features"},
		{"samples", func(c *modelConfig, m ts) { c.Samples = 1 }, "fitted on 1 rows"},
		{"solver", func(c *modelConfig, m ts) { c.Solver = "magic" }, `unknown solver "magic"`},
		{"total", func(c *modelConfig, m ts) { c.TotalVariance = -1 }, "total variance -1"},
		{"noise", func(c *modelConfig, m ts) { c.NoiseVariance = -1 }, "noise variance -1 is not"},
		{"missing tensor", func(c *modelConfig, m ts) { m[tMean] = nil }, `no tensor "mean"`},
		{"shape", func(c *modelConfig, m ts) { c.Features = 11 }, `tensor "components" has shape [4 12], want [4 11]`},
		{"dtype", func(c *modelConfig, m ts) {
			v := safetensors.FromFloat32(tRatio, []int{4}, []float32{1, 2, 3, 4})
			m[tRatio] = &v
		}, `tensor "explained_variance_ratio" is F32, want F64`},
		{"nan", func(c *modelConfig, m ts) { setF32(m[tMean], 3, float32(math.NaN())) }, `tensor "mean" holds NaN or Inf (element 3)`},
		{"length", func(c *modelConfig, m ts) { setF32(m[tComponents], 0, 5) }, "component 1 has length"},
		{"ratio", func(c *modelConfig, m ts) { c.TotalVariance *= 2 }, "disagrees with variance"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writePair(t, c.edit)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "m.") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	// A config that does not belong to the weights, and a truncated file.
	path := writePair(t, func(*modelConfig, ts) {})
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, raw[:len(raw)-3], 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "m.safetensors") {
		t.Errorf("truncated weights: %v", err)
	}
	cfgPath := safetensors.ConfigPath(path)
	cfgRaw, _ := os.ReadFile(cfgPath)
	os.WriteFile(cfgPath, bytes.Replace(cfgRaw, []byte(`"whiten"`), []byte(`"whiten_extra": 1, "whiten"`), 1), 0o644)
	os.WriteFile(path, raw, 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "whiten_extra") {
		t.Errorf("unknown config field: %v", err)
	}
}

// FuzzDecodeModel feeds arbitrary configs and weights to the model
// decoder: it must never panic, and a model it accepts must transform and
// save again.
func FuzzDecodeModel(f *testing.F) {
	p, _ := fittedModel(f, true)
	cfg, _ := json.Marshal(p.config())
	var w bytes.Buffer
	if err := safetensors.Write(&w, []safetensors.Tensor{
		safetensors.FromFloat32(tComponents, []int{p.k, p.d}, p.comps.Data),
		safetensors.FromFloat32(tMean, []int{p.d}, p.mean),
		fromFloat64(tVariance, p.ev),
		fromFloat64(tRatio, p.evr),
		fromFloat64(tSingular, p.sv),
	}, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(cfg, w.Bytes())
	f.Fuzz(func(t *testing.T, cfgJSON, weights []byte) {
		var c modelConfig
		dec := json.NewDecoder(bytes.NewReader(cfgJSON))
		dec.DisallowUnknownFields()
		if dec.Decode(&c) != nil {
			return
		}
		file, err := safetensors.Read(bytes.NewReader(weights))
		if err != nil {
			return
		}
		m, err := decodeModel(&c, file)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "pca: ") {
				t.Errorf("error without the pca: prefix: %v", err)
			}
			return
		}
		d, k := m.Dims()
		z := m.Transform(nil, mat32.New(2, d))
		m.InverseTransform(nil, z)
		if z.Cols != k {
			t.Fatalf("Transform gave %d columns for %d components", z.Cols, k)
		}
		if err := m.Save(filepath.Join(t.TempDir(), "again.safetensors")); err != nil {
			t.Fatalf("an accepted model does not save: %v", err)
		}
	})
}
