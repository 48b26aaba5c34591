package tsne_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/reduce/tsne"
)

// Three groups of 50 points in 10 dimensions come out as three separate
// clusters of the 2-D map: every point's nearest neighbour in the map is
// from its own group.
func ExampleFit() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat32.New(150, 10)
	for i := 0; i < 150; i++ {
		for j := 0; j < 10; j++ {
			x.Set(i, j, float32(rng.NormFloat64()))
		}
		x.Set(i, i%3, x.At(i, i%3)+10) // group i%3 is shifted along axis i%3
	}
	m, err := tsne.Fit(context.Background(), x, tsne.Options{Perplexity: 15, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	y := m.Embedding(nil)
	same := 0
	for i := 0; i < y.Rows; i++ {
		best, nn := float32(-1), -1
		for j := 0; j < y.Rows; j++ {
			if d := mat32.SqDist(y.Row(i), y.Row(j)); j != i && (nn < 0 || d < best) {
				best, nn = d, j
			}
		}
		if nn%3 == i%3 {
			same++
		}
	}
	fmt.Printf("%d×%d embedding by %v after %d iterations\n", y.Rows, y.Cols, m.Method(), m.Iterations())
	fmt.Printf("nearest neighbour in the same group: %d of %d\n", same, y.Rows)
	// Output:
	// 150×2 embedding by exact after 1000 iterations
	// nearest neighbour in the same group: 150 of 150
}

// Transform places new rows into a fitted map without moving it.
func ExampleModel_Transform() {
	rng := rand.New(rand.NewPCG(3, 4))
	row := func(group int) []float32 {
		r := make([]float32, 5)
		for j := range r {
			r[j] = float32(rng.NormFloat64())
		}
		r[group] += 12
		return r
	}
	var train [][]float32
	for i := 0; i < 120; i++ {
		train = append(train, row(i%2))
	}
	m, err := tsne.Fit(context.Background(), mat32.FromRows(train), tsne.Options{Perplexity: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	y, err := m.Transform(context.Background(), nil, mat32.FromRows([][]float32{row(0), row(1)}), tsne.TransformOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ref := m.Embedding(nil)
	for i := 0; i < y.Rows; i++ {
		best, nn := float32(-1), -1
		for j := 0; j < ref.Rows; j++ {
			if d := mat32.SqDist(y.Row(i), ref.Row(j)); nn < 0 || d < best {
				best, nn = d, j
			}
		}
		fmt.Printf("new point of group %d lands by a training point of group %d\n", i, nn%2)
	}
	// Output:
	// new point of group 0 lands by a training point of group 0
	// new point of group 1 lands by a training point of group 1
}
