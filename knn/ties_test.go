package knn

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/latentlab/latent/mat32"
)

// sqrtTie returns rows whose squared euclidean distances to the origin
// (row 2) differ — 1 + 2⁻²³ for row 0, exactly 1 for row 1 — but whose
// distances round to the same float32, 1: the neighbours of the origin
// must then come out as row 0 before row 1, as ties go to the lower index.
func sqrtTie() *mat32.Dense {
	e := float32(math.Pow(2, -11.5))
	return mat32.FromRows([][]float32{{1, e}, {1, 0}, {0, 0}, {9, 9}})
}

func TestSqrtTiesGoToLowerIndex(t *testing.T) {
	x := sqrtTie()
	if a, b := mat32.SqDist(x.Row(0), x.Row(2)), mat32.SqDist(x.Row(1), x.Row(2)); a == b {
		t.Fatalf("the fixture's squared distances are both %v; it needs two values", a)
	}
	ctx := context.Background()
	check := func(name string, g *Graph, row int) {
		t.Helper()
		if err := g.Validate(x.Rows); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		idx, d := g.Row(row)
		if !slices.Equal(idx[:2], []int32{0, 1}) || d[0] != 1 || d[1] != 1 {
			t.Errorf("%s: neighbours %v at %v, want [0 1] at [1 1]", name, idx[:2], d[:2])
		}
	}
	base := mat32.Gather(nil, x, []int{0, 1, 3})
	g, err := Exact(ctx, base, x.Slice(2, 3), 2, ExactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("Exact", g, 0)
	for _, m := range []Method{ExactMethod, NNDescent} {
		g, err := BuildGraph(ctx, x, 2, GraphOptions{Method: m})
		if err != nil {
			t.Fatal(err)
		}
		check(m.String(), g, 2)
	}
}
