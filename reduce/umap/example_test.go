package umap_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/reduce/umap"
)

// FindAB gives the curve umap-learn fits for min_dist 0.1 and spread 1.
func ExampleFindAB() {
	a, b, err := umap.FindAB(1, 0.1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("a=%.4f b=%.4f\n", a, b)
	// Output: a=1.5769 b=0.8951
}

// Embed 1,500 Fashion-MNIST images in 2-D, save the model, load it and
// embed 500 more.
func Example() {
	ctx := context.Background()
	d, err := formats.Load("../../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz", formats.Options{})
	if err != nil {
		panic(err)
	}
	train, test := d.X.Slice(0, 1500), d.X.Slice(1500, 2000)
	o := umap.DefaultOptions()
	o.Seed = 42
	var u umap.UMAP
	y, err := u.FitTransform(ctx, nil, train, o)
	if err != nil {
		panic(err)
	}
	acc, err := metrics.KNNAccuracy(ctx, y, d.Labels[:1500], metrics.KNNAccuracyOptions{K: 10})
	if err != nil {
		panic(err)
	}
	fmt.Printf("embedding %d×%d, 10-NN accuracy above 0.65: %v\n", y.Rows, y.Cols, acc.Mean > 0.65)

	dir, _ := os.MkdirTemp("", "umap")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "fashion.safetensors")
	if err := u.Save(path); err != nil {
		panic(err)
	}
	m, err := umap.Load(path)
	if err != nil {
		panic(err)
	}
	z, err := m.Transform(ctx, nil, test, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("new rows %d×%d\n", z.Rows, z.Cols)
	// Output:
	// embedding 1500×2, 10-NN accuracy above 0.65: true
	// new rows 500×2
}
