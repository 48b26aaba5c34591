package hnsw_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/latentlab/latent/knn/hnsw"
	"github.com/latentlab/latent/mat32"
)

// Build an index, save it, load it back and query it.
func Example() {
	x := mat32.FromRows([][]float32{{0, 0}, {0, 1}, {1, 0}, {5, 5}, {5, 6}, {9, 9}})
	ix := hnsw.New(2, hnsw.Config{M: 4, EfConstruction: 16, Seed: 1})
	if err := ix.Add(context.Background(), x, nil); err != nil {
		fmt.Println(err)
		return
	}
	path := filepath.Join(os.TempDir(), "example.hnsw")
	defer os.Remove(path)
	if err := ix.Save(path); err != nil {
		fmt.Println(err)
		return
	}
	back, err := hnsw.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	ids, dists, _ := back.Search([]float32{5, 5.4}, 2, 0)
	fmt.Printf("%d %v %.2f\n", back.Len(), ids, dists)
	// Output:
	// 6 [3 4] [0.40 0.60]
}
