package knn

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/latentlab/latent/mat32"
)

// graphIndexFixture returns clustered base rows, their NN-descent graph
// under m, and queries drawn like the base rows.
func graphIndexFixture(t testing.TB, m Metric, n, nq int) (*GraphIndex, *mat32.Dense, *mat32.Dense) {
	t.Helper()
	rng := rand.New(rand.NewPCG(31, uint64(m)))
	all := blobs(rng, n+nq, 24, 20)
	base, q := all.Slice(0, n), all.Slice(n, n+nq)
	g, err := BuildGraph(context.Background(), base, 15, GraphOptions{Metric: m, Method: NNDescent, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewGraphIndex(base, g)
	if err != nil {
		t.Fatal(err)
	}
	return ix, base, q
}

// TestGraphIndexRecall compares the graph search with the exact search,
// under every metric, and checks the reported distances.
func TestGraphIndexRecall(t *testing.T) {
	n, nq := 8000, 500
	if testing.Short() {
		n = 3000
	}
	ctx := context.Background()
	for _, c := range []struct {
		m    Metric
		want float64
	}{{Euclidean, 0.97}, {Cosine, 0.97}, {InnerProduct, 0.7}, {Manhattan, 0.97}} {
		ix, base, q := graphIndexFixture(t, c.m, n, nq)
		truth, err := Exact(ctx, base, q, 10, ExactOptions{Metric: c.m})
		if err != nil {
			t.Fatal(err)
		}
		g, err := ix.Search(ctx, q, 10, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Validate(n); err != nil {
			t.Fatal(err)
		}
		r := g.Recall(truth)
		t.Logf("%v: recall@10 %.4f", c.m, r)
		if r < c.want {
			t.Errorf("%v: recall@10 %.4f, want >= %v", c.m, r, c.want)
		}
		// A longer result list finds more.
		g2, err := ix.Search(ctx, q, 10, SearchOptions{Ef: 64})
		if err != nil {
			t.Fatal(err)
		}
		if r2 := g2.Recall(truth); r2 < r {
			t.Errorf("%v: recall@10 %.4f with Ef 64, below %.4f with the default", c.m, r2, r)
		}
		for i := 0; i < nq; i += 37 {
			idx, d := g.Row(i)
			for p, j := range idx {
				want := c.m.Distance(q.Row(i), base.Row(int(j)))
				if math.Abs(float64(d[p]-want)) > 1e-4*math.Max(1, math.Abs(float64(want))) {
					t.Fatalf("%v query %d: distance %v to %d, want %v", c.m, i, d[p], j, want)
				}
			}
		}
	}
}

// TestGraphIndexWholeBase: when the result list can hold every row of a
// connected graph, the walk measures them all and the answer is exact.
func TestGraphIndexWholeBase(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	base := randMatrix(rng, 150, 6)
	q := randMatrix(rng, 20, 6)
	ctx := context.Background()
	g, err := ExactGraph(ctx, base, 8, ExactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewGraphIndex(base, g)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ix.Search(ctx, q, 150, SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Exact(ctx, base, q, 150, ExactOptions{})
	if !bytes.Equal(graphBytes(got), graphBytes(want)) {
		t.Error("a search that reaches every row differs from the exact search")
	}
}

// TestGraphIndexDeterministic: bit-identical at GOMAXPROCS 1, 2 and 4, and
// a query's answer does not depend on the rest of its batch.
func TestGraphIndexDeterministic(t *testing.T) {
	for _, m := range []Metric{Euclidean, Manhattan} {
		t.Run(m.String(), func(t *testing.T) { testGraphIndexDeterministic(t, m) })
	}
}

func testGraphIndexDeterministic(t *testing.T, m Metric) {
	ix, _, q := graphIndexFixture(t, m, 3000, 2100)
	ctx := context.Background()
	search := func(procs int, q *mat32.Dense) *Graph {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		g, err := ix.Search(ctx, q, 12, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	ref := search(1, q)
	for _, p := range []int{2, 4} {
		if !bytes.Equal(graphBytes(ref), graphBytes(search(p, q))) {
			t.Errorf("GOMAXPROCS %d: results differ from GOMAXPROCS 1", p)
		}
	}
	part := search(2, q.Slice(1500, 1600))
	want := &Graph{K: ref.K, Indices: ref.Indices[1500*12 : 1600*12], Dists: ref.Dists[1500*12 : 1600*12]}
	if !bytes.Equal(graphBytes(part), graphBytes(want)) {
		t.Error("rows searched in a smaller batch differ")
	}
}

func TestGraphIndexBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	x := randMatrix(rng, 40, 3)
	ctx := context.Background()
	g, err := ExactGraph(ctx, x, 4, ExactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cg, _ := ExactGraph(ctx, x, 4, ExactOptions{Metric: Cosine})
	zero := x.Clone()
	clear(zero.Row(5))
	nan := x.Clone()
	nan.Data[20] = float32(math.NaN())
	outOfRange := &Graph{K: g.K, Indices: append([]int32(nil), g.Indices...), Dists: g.Dists}
	outOfRange.Indices[7] = 40
	for _, c := range []struct {
		name string
		x    *mat32.Dense
		g    *Graph
		want string
	}{
		{"rows", x.Slice(0, 30), g, "graph has 40 rows, data has 30"},
		{"empty", mat32.New(0, 3), &Graph{K: 4}, "data: empty set"},
		{"index", x, outOfRange, "row 1: neighbour 40 out of range [0,40)"},
		{"NaN", nan, g, "NaN/Inf values (first in row 6)"},
		{"zero", zero, cg, "1 zero vectors have no direction (first is row 5)"},
	} {
		_, err := NewGraphIndex(c.x, c.g)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	ix, err := NewGraphIndex(x, g)
	if err != nil {
		t.Fatal(err)
	}
	cix, err := NewGraphIndex(x, cg)
	if err != nil {
		t.Fatal(err)
	}
	q := randMatrix(rng, 3, 3)
	qnan := q.Clone()
	qnan.Data[4] = float32(math.Inf(1))
	qzero := q.Clone()
	clear(qzero.Row(2))
	for _, c := range []struct {
		name string
		ix   *GraphIndex
		q    *mat32.Dense
		k    int
		want string
	}{
		{"k=0", ix, q, 0, "k=0: want 1 <= k <= 40"},
		{"k>n", ix, q, 41, "k=41"},
		{"columns", ix, randMatrix(rng, 2, 4), 3, "queries have 4 columns, base has 3"},
		{"empty", ix, mat32.New(0, 3), 3, "queries: empty set"},
		{"Inf", ix, qnan, 3, "NaN/Inf values (first in row 1)"},
		{"zero", cix, qzero, 3, "row 2 is a zero vector"},
	} {
		_, err := c.ix.Search(ctx, c.q, c.k, SearchOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.HasPrefix(r.(string), "knn:") {
				t.Errorf("nil graph: recovered %v, want a knn: panic", r)
			}
		}()
		NewGraphIndex(x, nil)
	}()
}

func TestGraphIndexCancel(t *testing.T) {
	ix, _, q := graphIndexFixture(t, Euclidean, 2000, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, q, 5, SearchOptions{}); err != context.Canceled {
		t.Errorf("got %v, want context.Canceled", err)
	}
}
