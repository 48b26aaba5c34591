package stream

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/pca"
	"github.com/latentlab/latent/reduce/umap"
)

// blobs returns n rows of d columns around 4 centres, seeded.
func blobs(n, d int, seed uint64) *mat32.Dense {
	rng := dataset.NewRand(seed, 0)
	centres := mat32.New(4, d)
	for i := range centres.Data {
		centres.Data[i] = float32(rng.NormFloat64() * 6)
	}
	x := mat32.New(n, d)
	for i := range n {
		c := centres.Row(i % 4)
		for j := range d {
			x.Set(i, j, c[j]+float32(rng.NormFloat64()))
		}
	}
	return x
}

func writeNPY(t *testing.T, x *mat32.Dense) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.npy")
	if err := npy.WriteFile(p, x); err != nil {
		t.Fatal(err)
	}
	return p
}

func readNPY(t *testing.T, p string) *mat32.Dense {
	t.Helper()
	m, _, err := npy.ReadFile(p, npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestChunks(t *testing.T) {
	for _, c := range []struct{ n, b int }{{10, 3}, {10, 10}, {10, 20}, {1, 5}, {100000, 65536}, {65537, 65536}} {
		bs := chunks(c.n, c.b)
		if bs[0] != 0 || bs[len(bs)-1] != c.n {
			t.Fatalf("chunks(%d,%d) = %v", c.n, c.b, bs)
		}
		for i := 1; i < len(bs); i++ {
			size := bs[i] - bs[i-1]
			if size <= 0 || size > c.b || (c.n >= c.b && size < c.b/2) {
				t.Fatalf("chunks(%d,%d): run of %d in %v", c.n, c.b, size, bs)
			}
		}
	}
}

func TestNPYPCA(t *testing.T) {
	x := blobs(5000, 8, 1)
	in := writeNPY(t, x)
	out := filepath.Join(t.TempDir(), "out.npy")
	res, err := NPY(context.Background(), in, out, Options{Method: "pca", Sample: 1500, BatchSize: 700, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 5000 || res.Sampled != 1500 || res.Components != 2 {
		t.Fatalf("result %+v", res)
	}
	got := readNPY(t, out)
	// The same model, fitted directly on the same sample, projects every row.
	idx := dataset.SampleIndices(5000, 1500, 3)
	s := mat32.New(len(idx), 8)
	mat32.Gather(s, x, idx)
	var p pca.PCA
	if err := p.Fit(s, pca.Options{Components: 2, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	want := p.Transform(nil, x)
	for i := range want.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-4*(1+math.Abs(float64(want.Data[i]))) {
			t.Fatalf("value %d: %g, want %g", i, got.Data[i], want.Data[i])
		}
	}
	if _, err := os.Stat(out + ".partial"); !os.IsNotExist(err) {
		t.Fatalf("partial file left behind: %v", err)
	}
}

// TestNPYResume interrupts a UMAP projection and checks that the resumed
// run writes exactly what an uninterrupted run writes.
func TestNPYResume(t *testing.T) {
	n, sample, batch := 3000, 600, 500
	if testing.Short() {
		n, sample, batch = 1200, 300, 250
	}
	x := blobs(n, 6, 2)
	in := writeNPY(t, x)
	dir := t.TempDir()
	uo := umap.DefaultOptions()
	uo.Epochs = 60
	base := Options{Method: "umap", Sample: sample, BatchSize: batch, Seed: 5, UMAP: &uo}

	whole := filepath.Join(dir, "whole.npy")
	if _, err := NPY(context.Background(), in, whole, base); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "resumed.npy")
	o := base
	o.Checkpoint = filepath.Join(dir, "ck.json")
	ctx, cancel := context.WithCancel(context.Background())
	o.Progress = func(u progress.Update) {
		if u.Stage == "transform" && u.Done >= int64(2*batch) {
			cancel()
		}
	}
	_, err := NPY(ctx, in, out, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("output exists after an interrupted run: %v", err)
	}
	for _, p := range []string{o.Checkpoint, o.Checkpoint + ".model.safetensors", o.Checkpoint + ".model.json", out + ".partial"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("after the interruption: %v", err)
		}
	}
	o.Progress = nil
	res, err := NPY(context.Background(), in, out, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ModelLoaded || res.Resumed < 2*batch || res.Resumed%batch != 0 && n%batch == 0 {
		t.Fatalf("resumed run: %+v", res)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Fatal("the resumed output differs from the uninterrupted one")
	}
	left, _ := filepath.Glob(filepath.Join(dir, "ck.json*"))
	left2, _ := filepath.Glob(out + ".*")
	if len(left)+len(left2) > 0 {
		t.Fatalf("left behind: %v %v", left, left2)
	}
	y := readNPY(t, out)
	if y.Rows != n || y.Cols != 2 {
		t.Fatalf("output %d×%d", y.Rows, y.Cols)
	}
	if c, _ := mat32.CountNonFinite(y); c > 0 {
		t.Fatalf("%d non-finite coordinates", c)
	}
}

func TestNPYTSNE(t *testing.T) {
	x := blobs(800, 5, 4)
	in := writeNPY(t, x)
	out := filepath.Join(t.TempDir(), "t.npy")
	o := Options{Method: "t-sne", Sample: 200, BatchSize: 300, Seed: 1}
	o.TSNE.Iter = 200
	o.TSNETransform.Iter = 50
	res, err := NPY(context.Background(), in, out, o)
	if err != nil {
		t.Fatal(err)
	}
	y := readNPY(t, out)
	if res.Sampled != 200 || y.Rows != 800 || y.Cols != 2 {
		t.Fatalf("result %+v, output %d×%d", res, y.Rows, y.Cols)
	}
	// New points land near points of their own blob: the nearest sampled
	// row in the embedding is of the same class for most rows.
	idx := dataset.SampleIndices(800, 200, 1)
	inSample := map[int]bool{}
	for _, i := range idx {
		inSample[i] = true
	}
	agree, total := 0, 0
	for i := range 800 {
		if inSample[i] {
			continue
		}
		best, bd := -1, math.Inf(1)
		for _, j := range idx {
			if d := float64(mat32.SqDist(y.Row(i), y.Row(j))); d < bd {
				best, bd = j, d
			}
		}
		total++
		if best%4 == i%4 {
			agree++
		}
	}
	if frac := float64(agree) / float64(total); frac < 0.9 {
		t.Fatalf("only %.2f of new points land next to their own cluster", frac)
	}
}

func TestNPYBadInput(t *testing.T) {
	dir := t.TempDir()
	x := blobs(300, 4, 1)
	x.Set(250, 2, float32(math.NaN()))
	nan := writeNPY(t, x)
	good := writeNPY(t, blobs(300, 4, 1))
	other := filepath.Join(dir, "other.ckpt")
	os.WriteFile(other, []byte(`{"version":1,"kind":"project","job":"something else","rows":300,"done":0}`), 0o644)
	notNPY := filepath.Join(dir, "x.npy")
	os.WriteFile(notNPY, []byte("hello"), 0o644)
	cases := []struct {
		name, in string
		o        Options
		want     string
	}{
		{"missing", filepath.Join(dir, "none.npy"), Options{}, "no such file"},
		{"not npy", notNPY, Options{}, "x.npy"},
		{"nan", nan, Options{Sample: 100, BatchSize: 100}, "first in row 250"},
		{"method", good, Options{Method: "mds"}, `unknown method "mds"`},
		{"checkpoint", good, Options{Checkpoint: other}, "another job"},
		{"components", good, Options{Components: 9}, "stream: fitting pca"},
	}
	for _, c := range cases {
		_, err := NPY(context.Background(), c.in, filepath.Join(dir, c.name+".out.npy"), c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
		if _, serr := os.Stat(filepath.Join(dir, c.name+".out.npy.partial")); serr == nil {
			t.Errorf("%s: partial output left behind without a checkpoint", c.name)
		}
	}
}
