package hnsw

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkAdd builds an index of 784-d clustered points (the Fashion-MNIST
// width); bench/knn times the real images against hnswlib.
func BenchmarkAdd(b *testing.B) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	x := clustered(40, n, 784, 30)
	b.ReportAllocs()
	for b.Loop() {
		ix := New(784, Config{})
		if err := ix.Add(context.Background(), x, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}

func BenchmarkSearch(b *testing.B) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	all := clustered(41, n+1000, 784, 30)
	x, q := all.Slice(0, n), all.Slice(n, n+1000)
	ix := New(784, Config{})
	if err := ix.Add(context.Background(), x, nil); err != nil {
		b.Fatal(err)
	}
	for _, ef := range []int{20, 50} {
		b.Run(fmt.Sprintf("ef=%d", ef), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ix.SearchBatch(context.Background(), q, 10, ef, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(q.Rows)*float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}
