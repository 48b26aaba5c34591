package metrics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/mat32"
)

// benchData returns n points in d dimensions drawn around 10 centres, so
// that neighbourhoods have structure, and a noisy 2-D projection of them.
func benchData(n, d int) (x, y *mat32.Dense, labels []int) {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	centres := randMatrix(rng, 10, d, 0)
	x = mat32.New(n, d)
	labels = make([]int, n)
	for i := 0; i < n; i++ {
		c := rng.IntN(10)
		labels[i] = c
		for j, v := range centres.Row(c) {
			x.Set(i, j, v+float32(0.7*rng.NormFloat64()))
		}
	}
	return x, project(rng, x, 2, 0.5), labels
}

func BenchmarkNeighborhood(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		if testing.Short() && n > 2000 {
			continue
		}
		x, y, _ := benchData(n, 784)
		b.Run(fmt.Sprintf("n=%d/d=784", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: 10}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKNNAccuracy(b *testing.B) {
	for _, d := range []int{2, 50} {
		n := 20000
		if d > 2 {
			n = 5000
		}
		x, _, labels := benchData(n, d)
		b.Run(fmt.Sprintf("n=%d/d=%d", n, d), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := KNNAccuracy(context.Background(), x, labels, KNNAccuracyOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSilhouette(b *testing.B) {
	for _, d := range []int{2, 50} {
		n := 10000
		if d > 2 {
			n = 5000
		}
		x, _, labels := benchData(n, d)
		b.Run(fmt.Sprintf("n=%d/d=%d", n, d), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Silhouette(context.Background(), x, labels, SilhouetteOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNeighborhoodFashionMNIST runs on the first n Fashion-MNIST
// training images against a random 2-D projection; it is skipped when the
// dataset is not installed.
func BenchmarkNeighborhoodFashionMNIST(b *testing.B) {
	const path = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
	for _, n := range []int{5000, 20000} {
		if testing.Short() && n > 5000 {
			continue
		}
		d, err := idx.Load(path, formats.Options{MaxRows: n})
		if err != nil {
			b.Skip(err)
		}
		y := project(rand.New(rand.NewPCG(1, 1)), d.X, 2, 0)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Neighborhood(context.Background(), d.X, y, NeighborOptions{K: 10}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
