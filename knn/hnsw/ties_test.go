package hnsw

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/latentlab/latent/mat32"
)

// TestSqrtTiesGoToLowerID: rows 0 and 1 are at squared distances 1 + 2⁻²³
// and 1 from the query, which both round to distance 1; the tie must go to
// the lower id, as in a knn.Graph.
func TestSqrtTiesGoToLowerID(t *testing.T) {
	e := float32(math.Pow(2, -11.5))
	x := mat32.FromRows([][]float32{{1, e}, {1, 0}, {9, 9}})
	ix := build(t, x, Config{Workers: 1})
	q := []float32{0, 0}
	ids, d, err := ix.Search(q, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []int32{0, 1}) || d[0] != 1 || d[1] != 1 {
		t.Errorf("Search: %v at %v, want [0 1] at [1 1]", ids, d)
	}
	g, err := ix.SearchBatch(context.Background(), mat32.FromSlice(1, 2, q), 2, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(x.Rows); err != nil {
		t.Error(err)
	}
}
