package stream

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/internal/weaviatetest"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/weaviate"
)

// TestCollection projects a collection on a real single-node server:
// coordinates written to a file and to a property agree with the
// projection of the same rows from a .npy file, and an interrupted run
// resumes to the same result.
func TestCollection(t *testing.T) {
	cl := weaviatetest.Start(t, weaviatetest.Options{})
	ctx := context.Background()
	c, err := weaviate.Dial(ctx, weaviate.Config{Hosts: cl.Hosts(), GRPC: cl.GRPCs(), Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n, d := 2500, 8
	x := blobs(n, d, 3)
	col, err := c.Create(ctx, weaviate.Spec{Name: "Streamed", Dim: d, Metric: knn.Euclidean, Meta: []string{"m"}})
	if err != nil {
		t.Fatal(err)
	}
	side := weaviate.Side{Meta: []dataset.Column{{Name: "m", Values: make([]string, n)}}}
	for i := range n {
		side.Meta[0].Values[i] = "v"
	}
	if _, err := col.Push(ctx, mat32.MatrixRows(x), side, weaviate.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := Options{Method: "pca", Sample: 700, BatchSize: 300, Seed: 9}

	// The same job from a .npy file of the same rows.
	in := writeNPY(t, x)
	fromFile := filepath.Join(dir, "file.npy")
	if _, err := NPY(ctx, in, fromFile, o); err != nil {
		t.Fatal(err)
	}
	want := readNPY(t, fromFile)

	out := filepath.Join(dir, "col.npy")
	ro := o
	ro.Checkpoint = filepath.Join(dir, "ck")
	cctx, cancel := context.WithCancel(ctx)
	ro.Progress = func(u progress.Update) {
		if u.Stage == "transform" && u.Done >= 900 {
			cancel()
		}
	}
	if _, err := Collection(cctx, col, out, "pca_xy", ro); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	ro.Progress = nil
	res, err := Collection(ctx, col, out, "pca_xy", ro)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ModelLoaded || res.Resumed < 900 {
		t.Fatalf("resumed run: %+v", res)
	}
	got := readNPY(t, out)
	for i := range want.Data {
		if math.Abs(float64(got.Data[i]-want.Data[i])) > 1e-4*(1+math.Abs(float64(want.Data[i]))) {
			t.Fatalf("value %d: %g from the collection, %g from the file", i, got.Data[i], want.Data[i])
		}
	}
	// The property holds the same coordinates, and the objects kept their
	// vectors and metadata.
	seen := 0
	err = col.Scan(ctx, weaviate.ScanOptions{BatchSize: 1000}, func(b *weaviate.Batch) error {
		xy, err := b.Numbers("pca_xy", 2)
		if err != nil {
			return err
		}
		for i, r := range b.Rows {
			seen++
			for j := range 2 {
				if math.Abs(float64(xy.At(i, j)-got.At(r, j))) > 1e-5*(1+math.Abs(float64(got.At(r, j)))) {
					t.Fatalf("row %d: property %v, file %v", r, xy.Row(i), got.Row(r))
				}
			}
			if b.Meta[0][i] != "v" || mat32.SqDist(b.X.Row(i), x.Row(r)) != 0 {
				t.Fatalf("row %d lost its metadata or vector", r)
			}
		}
		return nil
	})
	if err != nil || seen != n {
		t.Fatalf("scan: %d objects, %v", seen, err)
	}
	if left, _ := filepath.Glob(ro.Checkpoint + "*"); len(left) > 0 {
		t.Fatalf("checkpoint files left behind: %v", left)
	}
	if _, err := os.Stat(out + ".partial"); !os.IsNotExist(err) {
		t.Fatalf("partial output left behind: %v", err)
	}
}
