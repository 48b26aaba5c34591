package knn_test

import (
	"context"
	"fmt"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
)

// The 2-nearest-neighbour graph of six points on a line, two of them
// duplicates: each row lists the others nearest first, ties by index, and a
// duplicate is a neighbour at distance 0 while the row itself is not.
func ExampleExactGraph() {
	x := mat32.FromRows([][]float32{{0}, {1}, {1}, {3}, {6}, {10}})
	g, _ := knn.ExactGraph(context.Background(), x, 2, knn.ExactOptions{})
	for i := 0; i < g.Len(); i++ {
		idx, dist := g.Row(i)
		fmt.Println(i, idx, dist)
	}
	// Output:
	// 0 [1 2] [1 1]
	// 1 [2 0] [0 1]
	// 2 [1 0] [0 1]
	// 3 [1 2] [2 2]
	// 4 [3 5] [3 4]
	// 5 [4 3] [4 7]
}

// Queries against a base set, under each metric; the inner-product
// "distance" is −x·y, so the largest inner product comes first.
func ExampleExact() {
	base := mat32.FromRows([][]float32{{1, 0}, {0, 2}, {3, 3}, {-1, -1}})
	q := mat32.FromRows([][]float32{{1, 1}})
	for _, m := range []knn.Metric{knn.Euclidean, knn.Cosine, knn.InnerProduct} {
		g, _ := knn.Exact(context.Background(), base, q, 2, knn.ExactOptions{Metric: m})
		idx, dist := g.Row(0)
		fmt.Printf("%-9s %v %.4f\n", m, idx, dist)
	}
	// Output:
	// euclidean [0 1] [1.0000 1.4142]
	// cosine    [2 0] [0.0000 0.2929]
	// ip        [2 1] [-6.0000 -2.0000]
}

// BuildGraph picks the exact search for small sets and NN-descent for large
// ones; the result is the same for a seed at any thread count.
func ExampleBuildGraph() {
	x := mat32.FromRows([][]float32{{0, 0}, {0, 1}, {5, 5}, {5, 6}, {9, 9}})
	g, err := knn.BuildGraph(context.Background(), x, 1, knn.GraphOptions{Seed: 42})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g.Indices, g.Dists)
	_, err = knn.BuildGraph(context.Background(), x, 5, knn.GraphOptions{})
	fmt.Println(err)
	// Output:
	// [1 0 3 2 3] [1 1 1 1 5]
	// knn: k=5: want 1 <= k < 5 (the number of rows)
}
