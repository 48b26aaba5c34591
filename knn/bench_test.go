package knn

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkExact measures brute-force queries against a 60k×784 base, the
// shape of the Fashion-MNIST benchmark (random data; bench/knn uses the
// real images), reported as queries per second. Manhattan has no GEMM
// form and runs the direct L1 kernel on every pair.
func BenchmarkExact(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	nb := 60000
	if testing.Short() {
		nb = 6000
	}
	base := randMatrix(rng, nb, 784)
	q := randMatrix(rng, 2048, 784)
	for _, m := range []Metric{Euclidean, Cosine, Manhattan} {
		b.Run(fmt.Sprint(m), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Exact(context.Background(), base, q, 10, ExactOptions{Metric: m}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(q.Rows)*float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}

// BenchmarkBuildGraph times NN-descent (k=15) on clustered 50-d points;
// bench/knn times 70k×784 images and 1M×50 points with recall.
func BenchmarkBuildGraph(b *testing.B) {
	n := 50000
	if testing.Short() {
		n = 5000
	}
	x := blobs(rand.New(rand.NewPCG(3, 3)), n, 50, 30)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildGraph(context.Background(), x, 15, GraphOptions{Method: NNDescent}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkGraphIndexSearch times graph-walk queries (k=15) of 2,048 new
// points against 50k clustered 50-d base rows whose NN-descent graph is
// at hand, the situation of UMAP's transform.
func BenchmarkGraphIndexSearch(b *testing.B) {
	n := 50000
	if testing.Short() {
		n = 5000
	}
	all := blobs(rand.New(rand.NewPCG(5, 5)), n+2048, 50, 30)
	base, q := all.Slice(0, n), all.Slice(n, n+2048)
	g, err := BuildGraph(context.Background(), base, 15, GraphOptions{Method: NNDescent, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ix, err := NewGraphIndex(base, g)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ix.Search(context.Background(), q, 15, SearchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(q.Rows)*float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkExactManhattan measures the direct L1 search across shapes:
// 2,048 queries against 20,000 base rows of 16, 50 and 784 values, one
// thread and all of them.
func BenchmarkExactManhattan(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	nb := 20000
	if testing.Short() {
		nb = 4000
	}
	for _, d := range []int{16, 50, 784} {
		base := randMatrix(rng, nb, d)
		q := randMatrix(rng, 2048, d)
		for _, procs := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("d=%d/procs=%d", d, procs), func(b *testing.B) {
				old := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(old)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Exact(context.Background(), base, q, 10, ExactOptions{Metric: Manhattan}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(q.Rows)*float64(b.N)/b.Elapsed().Seconds(), "queries/s")
				b.ReportMetric(float64(q.Rows)*float64(nb)*float64(d)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gpairs·dims/s")
			})
		}
	}
}
