package tsne

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/mat32"
)

// splitRows returns the rows of x whose index is not a multiple of 5 and
// those whose index is.
func splitRows(x *mat32.Dense, labels []int) (a, b *mat32.Dense, la, lb []int) {
	var ia, ib []int
	for i := 0; i < x.Rows; i++ {
		if i%5 != 0 {
			ia = append(ia, i)
			la = append(la, labels[i])
		} else {
			ib = append(ib, i)
			lb = append(lb, labels[i])
		}
	}
	return mat32.Gather(nil, x, ia), mat32.Gather(nil, x, ib), la, lb
}

// fitSmall fits a quick model of labelled blobs and returns it with the
// held-out rows.
func fitSmall(t testing.TB, o Options) (*Model, *mat32.Dense, []int, []int) {
	t.Helper()
	x, labels := labelledBlobs(11, 600, 12, 4)
	train, test, ltrain, ltest := splitRows(x, labels)
	m, err := Fit(context.Background(), train, quick(o))
	if err != nil {
		t.Fatal(err)
	}
	return m, test, ltrain, ltest
}

// placedAgreement returns the fraction of new points whose nearest
// reference point in the embedding has their label.
func placedAgreement(ref, y *mat32.Dense, lref, ly []int) float64 {
	ok := 0
	for i := 0; i < y.Rows; i++ {
		best, bj := math.Inf(1), -1
		for j := 0; j < ref.Rows; j++ {
			if d := float64(mat32.SqDist(y.Row(i), ref.Row(j))); d < best {
				best, bj = d, j
			}
		}
		if lref[bj] == ly[i] {
			ok++
		}
	}
	return float64(ok) / float64(y.Rows)
}

func TestTransformPlacesNewPoints(t *testing.T) {
	for _, o := range []Options{{Perplexity: 20}, {Perplexity: 20, PCAComponents: 5, Dims: 3, Method: BarnesHut}, {Perplexity: 20, Dims: 1, DoF: 0.8}} {
		m, test, ltrain, ltest := fitSmall(t, o)
		y, err := m.Transform(context.Background(), nil, test, TransformOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if y.Rows != test.Rows || y.Cols != m.Dims() {
			t.Fatalf("transform is %d×%d", y.Rows, y.Cols)
		}
		if c, _ := mat32.CountNonFinite(y); c > 0 {
			t.Fatalf("%d non-finite values", c)
		}
		if a := placedAgreement(m.Embedding(nil), y, ltrain, ltest); a < 0.98 {
			t.Errorf("%+v: %.3f of the new points land by a reference point of their class, want ≥ 0.98", o, a)
		}
		// Row independence and thread independence.
		mat32.SetThreads(1)
		one, err := m.Transform(context.Background(), nil, test.Slice(5, 9), TransformOptions{})
		mat32.SetThreads(0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range one.Data {
			if one.Data[i] != y.Data[5*m.Dims()+i] {
				t.Fatalf("rows 5–8 alone on one thread differ from the full run at value %d", i)
			}
		}
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, o := range []Options{{Perplexity: 15}, {Perplexity: 15, PCAComponents: 6, DoF: 0.5}} {
		m, test, _, _ := fitSmall(t, o)
		path := filepath.Join(t.TempDir(), "tsne.safetensors")
		if err := m.Save(path); err != nil {
			t.Fatal(err)
		}
		l, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if l.Len() != m.Len() || l.Dims() != m.Dims() || l.Features() != m.Features() || l.KL() != m.KL() ||
			l.Iterations() != m.Iterations() || l.Method() != m.Method() {
			t.Fatalf("loaded model differs: %d %d %d %g %d %v", l.Len(), l.Dims(), l.Features(), l.KL(), l.Iterations(), l.Method())
		}
		a, b := m.Embedding(nil), l.Embedding(nil)
		for i := range a.Data {
			if a.Data[i] != b.Data[i] {
				t.Fatal("embeddings differ")
			}
		}
		ya, err := m.Transform(context.Background(), nil, test, TransformOptions{Iter: 50})
		if err != nil {
			t.Fatal(err)
		}
		yb, err := l.Transform(context.Background(), nil, test, TransformOptions{Iter: 50})
		if err != nil {
			t.Fatal(err)
		}
		for i := range ya.Data {
			if ya.Data[i] != yb.Data[i] {
				t.Fatalf("transforms differ at %d: %v vs %v", i, ya.Data[i], yb.Data[i])
			}
		}
	}
}

func TestTransformBadInput(t *testing.T) {
	m, test, _, _ := fitSmall(t, Options{Perplexity: 15})
	nan := test.Clone()
	nan.Data[40] = float32(math.NaN())
	cases := []struct {
		name string
		x    *mat32.Dense
		o    TransformOptions
		want string
	}{
		{"nil", nil, TransformOptions{}, "no data"},
		{"columns", mat32.New(3, 5), TransformOptions{}, "has 5 columns, the model expects 12"},
		{"NaN", nan, TransformOptions{}, "NaN/Inf values (first in row 3)"},
		{"perplexity", test, TransformOptions{Perplexity: -2}, "perplexity -2"},
		{"perplexity too large", test, TransformOptions{Perplexity: 500}, "too large for a reference of 480"},
		{"neighbours", test, TransformOptions{Neighbors: 481}, "481 transform neighbours"},
		{"momentum", test, TransformOptions{Momentum: 1.5}, "momentum 1.5"},
		{"learning rate", test, TransformOptions{LearningRate: math.Inf(1)}, "learning rate +Inf"},
	}
	for _, c := range cases {
		if _, err := m.Transform(context.Background(), nil, c.x, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if y, err := m.Transform(context.Background(), nil, mat32.New(0, 12), TransformOptions{}); err != nil || y.Rows != 0 {
		t.Errorf("empty input: %v, %v", y, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Transform(ctx, nil, test, TransformOptions{}); err == nil {
		t.Error("cancelled transform succeeded")
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.HasPrefix(r.(string), "tsne: Transform:") {
				t.Errorf("dst shape: recovered %v", r)
			}
		}()
		m.Transform(context.Background(), mat32.New(2, 2), test, TransformOptions{})
	}()
}

// writeModel saves cfg and tensors as a model pair and returns the path.
func writeModel(t testing.TB, cfg any, tensors []safetensors.Tensor) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := safetensors.WriteModel(path, cfg, tensors, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// validParts returns the config and tensors of a small valid model with a
// PCA projection: 6 rows of 3 features reduced to 2, embedded in 2-D.
func validParts() (modelConfig, []safetensors.Tensor) {
	cfg := modelConfig{Kind: ModelKind, Version: ModelVersion, Rows: 6, Features: 3, Dims: 2, ReferenceDims: 2,
		InputScale: 1, Projected: true, Metric: "euclidean", Perplexity: []float64{1.5}, Neighbors: 4, DoF: 1,
		Method: "exact", KL: 0.5, Iterations: 100}
	emb := []float32{0, 0, 1, 0, 0, 1, 5, 5, 6, 5, 5, 6}
	ref := []float32{0, 0, 0.1, 0, 0, 0.1, 3, 3, 3.1, 3, 3, 3.1}
	comps := []float32{1, 0, 0, 0, 1, 0}
	mean := []float32{0, 0, 0}
	return cfg, []safetensors.Tensor{
		safetensors.FromFloat32(tEmbedding, []int{6, 2}, emb),
		safetensors.FromFloat32(tReference, []int{6, 2}, ref),
		safetensors.FromFloat32(tComponents, []int{2, 3}, comps),
		safetensors.FromFloat32(tMean, []int{3}, mean),
	}
}

func TestLoadBadModels(t *testing.T) {
	cfg, tensors := validParts()
	if m, err := Load(writeModel(t, cfg, tensors)); err != nil {
		t.Fatalf("valid model: %v", err)
	} else if y, err := m.Transform(context.Background(), nil, mat32.FromRows([][]float32{{0.05, 0.05, 7}, {3, 3, -1}}), TransformOptions{Perplexity: 1.5}); err != nil {
		t.Fatalf("valid model: transform: %v", err)
	} else if !(y.At(0, 0) < 3 && y.At(1, 0) > 3) {
		t.Errorf("valid model: new points at %v", y.Data)
	}
	nanEmb := safetensors.FromFloat32(tEmbedding, []int{6, 2}, []float32{0, 0, 1, 0, 0, 1, 5, 5, 6, float32(math.NaN()), 5, 6})
	f64 := safetensors.Tensor{Name: tEmbedding, DType: safetensors.F64, Shape: []int{6, 2}, Data: make([]byte, 96)}
	replace := func(t0 safetensors.Tensor) []safetensors.Tensor {
		out := append([]safetensors.Tensor(nil), tensors...)
		out[0] = t0
		return out
	}
	cases := []struct {
		name    string
		edit    func(*modelConfig)
		tensors []safetensors.Tensor
		want    string
	}{
		{"kind", func(c *modelConfig) { c.Kind = "pca" }, nil, `model kind is "pca"`},
		{"version", func(c *modelConfig) { c.Version = 2 }, nil, "model version 2"},
		{"rows", func(c *modelConfig) { c.Rows = 3 }, nil, "3 rows"},
		{"features", func(c *modelConfig) { c.Features = 0 }, nil, "0 features"},
		{"dims", func(c *modelConfig) { c.Dims = 4 }, nil, "4 embedding dimensions"},
		{"reference dims", func(c *modelConfig) { c.ReferenceDims = 5 }, nil, "5 reference dimensions"},
		{"no pca, wrong dims", func(c *modelConfig) { c.Projected = false }, nil, "without PCA"},
		{"scale", func(c *modelConfig) { c.InputScale = 0 }, nil, "input scale 0"},
		{"metric", func(c *modelConfig) { c.Metric = "cosine" }, nil, `metric "cosine"`},
		{"no perplexity", func(c *modelConfig) { c.Perplexity = nil }, nil, "no perplexity"},
		{"bad perplexity", func(c *modelConfig) { c.Perplexity = []float64{-3} }, nil, "perplexity -3"},
		{"neighbours", func(c *modelConfig) { c.Neighbors = 6 }, nil, "6 neighbours"},
		{"dof", func(c *modelConfig) { c.DoF = 0 }, nil, "degrees of freedom 0"},
		{"method", func(c *modelConfig) { c.Method = "auto" }, nil, `method "auto"`},
		{"iterations", func(c *modelConfig) { c.Iterations = -1 }, nil, "-1 iterations"},
		{"embedding shape", func(c *modelConfig) { c.Rows = 7 }, nil, `tensor "embedding" has shape [6 2], want [7 2]`},
		{"NaN", nil, replace(nanEmb), `tensor "embedding" has 1 NaN/Inf`},
		{"dtype", nil, replace(f64), "is F64, want F32"},
		{"missing tensor", nil, tensors[:3], `no tensor "pca_mean"`},
		{"extra tensor", nil, append(append([]safetensors.Tensor(nil), tensors...), safetensors.FromFloat32("x", []int{1}, []float32{1})), `unexpected tensor "x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cf := cfg
			cf.Perplexity = append([]float64(nil), cfg.Perplexity...)
			if c.edit != nil {
				c.edit(&cf)
			}
			ts := tensors
			if c.tensors != nil {
				ts = c.tensors
			}
			path := writeModel(t, cf, ts)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	// A config with an unknown field.
	type extra struct {
		modelConfig
		Surprise int `json:"surprise"`
	}
	if _, err := Load(writeModel(t, extra{cfg, 1}, tensors)); err == nil || !strings.Contains(err.Error(), "surprise") {
		t.Errorf("unknown field: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.safetensors")); err == nil {
		t.Error("missing file loaded")
	}
}
