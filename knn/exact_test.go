package knn

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/latentlab/latent/mat32"
)

// brute64 is the float64 oracle: the k nearest rows of base for each query,
// sorted by (distance, index), skipping the query's own row when self.
func brute64(base, queries *mat32.Dense, k int, m Metric, self bool) (idx [][]int32, dist [][]float64) {
	for i := 0; i < queries.Rows; i++ {
		x := queries.Row(i)
		type pair struct {
			d float64
			j int32
		}
		var ps []pair
		for j := 0; j < base.Rows; j++ {
			if self && j == i {
				continue
			}
			y := base.Row(j)
			var d, dot, nx, ny, l1 float64
			for t := range x {
				a, b := float64(x[t]), float64(y[t])
				d += (a - b) * (a - b)
				dot += a * b
				nx += a * a
				ny += b * b
				l1 += math.Abs(a - b)
			}
			switch m {
			case Manhattan:
				d = l1
			case Euclidean:
				d = math.Sqrt(d)
			case Cosine:
				d = 1 - dot/math.Sqrt(nx*ny)
			case InnerProduct:
				d = -dot
			}
			ps = append(ps, pair{d, int32(j)})
		}
		sort.Slice(ps, func(a, b int) bool {
			if ps[a].d != ps[b].d {
				return ps[a].d < ps[b].d
			}
			return ps[a].j < ps[b].j
		})
		var ri []int32
		var rd []float64
		for _, p := range ps[:k] {
			ri = append(ri, p.j)
			rd = append(rd, p.d)
		}
		idx = append(idx, ri)
		dist = append(dist, rd)
	}
	return idx, dist
}

func randMatrix(rng *rand.Rand, r, c int) *mat32.Dense {
	m := mat32.New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

// intMatrix holds small integers, so that many distances tie exactly and
// float32 arithmetic on them is exact; rows dup[i] copy row i.
func intMatrix(rng *rand.Rand, r, c, levels int) *mat32.Dense {
	m := mat32.New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.IntN(levels) - levels/2)
	}
	return m
}

// checkAgainst compares g with the float64 oracle: distances rank by rank
// within tol; indices equal wherever the oracle's distance is not within tol
// of a neighbour's (a near-tie may legitimately swap); exact=true demands
// identical indices everywhere (for data where ties are exact).
func checkAgainst(t *testing.T, g *Graph, idx [][]int32, dist [][]float64, tol float64, exact bool) {
	t.Helper()
	if g.Len() != len(idx) {
		t.Fatalf("graph has %d rows, want %d", g.Len(), len(idx))
	}
	bad := 0
	for i := range idx {
		gi, gd := g.Row(i)
		for j := range gi {
			if math.Abs(float64(gd[j])-dist[i][j]) > tol*(1+math.Abs(dist[i][j])) {
				t.Errorf("row %d rank %d: distance %v, want %v", i, j, gd[j], dist[i][j])
				bad++
			}
			if gi[j] != idx[i][j] {
				if exact {
					t.Errorf("row %d rank %d: index %d, want %d (dist %v, want %v)", i, j, gi[j], idx[i][j], gd[j], dist[i][j])
					bad++
					continue
				}
				// Allowed only within a near-tie: the oracle's distance for
				// our index must be within tol of the expected distance.
				want := dist[i][j]
				ok := false
				for jj := range idx[i] {
					if idx[i][jj] == gi[j] && math.Abs(dist[i][jj]-want) <= tol*(1+math.Abs(want)) {
						ok = true
					}
				}
				if !ok && (j == len(gi)-1 || math.Abs(dist[i][j]-dist[i][min(j+1, len(gi)-1)]) > tol) {
					t.Errorf("row %d rank %d: index %d, want %d", i, j, gi[j], idx[i][j])
					bad++
				}
			}
			if bad > 10 {
				t.FailNow()
			}
		}
	}
}

func TestExactAgainstFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	nb := 700
	if testing.Short() {
		nb = 250
	}
	for _, m := range []Metric{Euclidean, Cosine, InnerProduct, Manhattan} {
		for _, dim := range []int{3, 37} {
			base := randMatrix(rng, nb, dim)
			queries := randMatrix(rng, 90, dim)
			k := 13
			g, err := Exact(ctx, base, queries, k, ExactOptions{Metric: m})
			if err != nil {
				t.Fatal(err)
			}
			idx, dist := brute64(base, queries, k, m, false)
			t.Run(m.String(), func(t *testing.T) { checkAgainst(t, g, idx, dist, 2e-5, false) })
			gg, err := ExactGraph(ctx, base, k, ExactOptions{Metric: m})
			if err != nil {
				t.Fatal(err)
			}
			idx, dist = brute64(base, base, k, m, true)
			t.Run(m.String()+"/graph", func(t *testing.T) { checkAgainst(t, gg, idx, dist, 2e-5, false) })
		}
	}
}

// TestExactDuplicatesAndTies: integer data with duplicate rows; the graph
// must keep a row's duplicates (distance 0) and leave out only the row
// itself, and ties must go to the lower index.
func TestExactDuplicatesAndTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := intMatrix(rng, 600, 10, 3)
	// Make rows 10..19 copies of row 5, and rows 598, 599 copies of row 0.
	for i := 10; i < 20; i++ {
		copy(x.Row(i), x.Row(5))
	}
	copy(x.Row(598), x.Row(0))
	copy(x.Row(599), x.Row(0))
	ctx := context.Background()
	for _, m := range []Metric{Euclidean, InnerProduct, Manhattan} {
		idx, dist := brute64(x, x, 30, m, true)
		for _, k := range []int{1, 7, 30} {
			g, err := ExactGraph(ctx, x, k, ExactOptions{Metric: m})
			if err != nil {
				t.Fatal(err)
			}
			ik, dk := make([][]int32, len(idx)), make([][]float64, len(dist))
			for i := range idx {
				ik[i], dk[i] = idx[i][:k], dist[i][:k]
			}
			checkAgainst(t, g, ik, dk, 1e-6, true)
		}
	}
	g, _ := ExactGraph(ctx, x, 5, ExactOptions{})
	if ids, d := g.Row(5); ids[0] != 10 || d[0] != 0 {
		t.Errorf("row 5: nearest %d at %v, want its duplicate 10 at 0", ids[0], d[0])
	}
	if ids, d := g.Row(0); ids[0] != 598 || ids[1] != 599 || d[1] != 0 {
		t.Errorf("row 0: nearest %v at %v, want its duplicates 598, 599", ids[:2], d[:2])
	}
	if ids, _ := g.Row(12); ids[0] != 5 || ids[1] != 10 || ids[2] != 11 || ids[3] != 13 {
		t.Errorf("row 12: nearest %v, want 5 10 11 13 (duplicates by index, itself left out)", ids[:4])
	}
	g, _ = ExactGraph(ctx, x, 5, ExactOptions{Metric: Manhattan})
	if ids, d := g.Row(12); !slices.Equal(ids[:4], []int32{5, 10, 11, 13}) || d[3] != 0 {
		t.Errorf("manhattan row 12: nearest %v at %v, want 5 10 11 13 at 0", ids[:4], d[:4])
	}
}

// TestExactManhattanTies: under L1 many rows of small integers lie at the
// same distance; queries that tie across tiles, base blocks and query
// blocks must list the tied rows by index, as the float64 oracle does.
func TestExactManhattanTies(t *testing.T) {
	if testing.Short() {
		t.Skip("large blocks")
	}
	rng := rand.New(rand.NewPCG(23, 24))
	base := intMatrix(rng, exactBaseBlock+700, 6, 3)
	queries := intMatrix(rng, exactQueryBlock+40, 6, 3)
	// The same point far from the rest at both ends of the base set and
	// on both sides of the block boundary.
	far := []float32{40, 40, 40, 40, 40, 40}
	for _, r := range []int{0, exactBaseBlock - 1, exactBaseBlock, exactBaseBlock + 699} {
		copy(base.Row(r), far)
	}
	copy(queries.Row(exactQueryBlock+3), far)
	ctx := context.Background()
	g, err := Exact(ctx, base, queries, 9, ExactOptions{Metric: Manhattan})
	if err != nil {
		t.Fatal(err)
	}
	idx, dist := brute64(base, queries, 9, Manhattan, false)
	checkAgainst(t, g, idx, dist, 0, true)
	ids, d := g.Row(exactQueryBlock + 3)
	if !slices.Equal(ids[:4], []int32{0, exactBaseBlock - 1, exactBaseBlock, exactBaseBlock + 699}) || d[3] != 0 {
		t.Errorf("far query: nearest %v at %v, want the four copies at 0", ids[:4], d[:4])
	}
	// The graph of a set crosses query blocks with its own row left out.
	gg, err := ExactGraph(ctx, queries, 9, ExactOptions{Metric: Manhattan})
	if err != nil {
		t.Fatal(err)
	}
	idx, dist = brute64(queries, queries, 9, Manhattan, true)
	checkAgainst(t, gg, idx, dist, 0, true)
}

// TestExactManhattanThreads: the direct search splits queries among
// threads; the graph must be bit-identical at any GOMAXPROCS.
func TestExactManhattanThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	x := randMatrix(rng, 1500, 40)
	run := func(procs int) []byte {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		g, err := ExactGraph(context.Background(), x, 12, ExactOptions{Metric: Manhattan})
		if err != nil {
			t.Fatal(err)
		}
		return graphBytes(g)
	}
	ref := run(1)
	for _, p := range []int{2, 3, 4} {
		if !bytes.Equal(ref, run(p)) {
			t.Errorf("GOMAXPROCS %d: graph differs from GOMAXPROCS 1", p)
		}
	}
}

// TestExactBlocks crosses the GEMM block boundaries in both directions.
func TestExactBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("large blocks")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	base := randMatrix(rng, exactBaseBlock+300, 8)
	queries := mat32.Gather(nil, base, []int{0, 1, exactBaseBlock - 1, exactBaseBlock, exactBaseBlock + 299})
	g, err := Exact(context.Background(), base, queries, 4, ExactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	idx, dist := brute64(base, queries, 4, Euclidean, false)
	checkAgainst(t, g, idx, dist, 2e-5, false)
	self := randMatrix(rng, exactQueryBlock+exactQueryBlock/2+3, 5)
	gg, err := ExactGraph(context.Background(), self, 6, ExactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	idx, dist = brute64(self, self, 6, Euclidean, true)
	checkAgainst(t, gg, idx, dist, 2e-5, false)
}

func TestExactBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ctx := context.Background()
	base := randMatrix(rng, 20, 4)
	q := randMatrix(rng, 3, 4)
	nan := base.Clone()
	nan.Set(7, 2, float32(math.NaN()))
	nan.Set(9, 0, float32(math.Inf(1)))
	zero := base.Clone()
	clear(zero.Row(4))
	clear(zero.Row(11))
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"k zero", func() error { _, err := Exact(ctx, base, q, 0, ExactOptions{}); return err }, "k=0"},
		{"k negative", func() error { _, err := ExactGraph(ctx, base, -1, ExactOptions{}); return err }, "k=-1"},
		{"k above base", func() error { _, err := Exact(ctx, base, q, 21, ExactOptions{}); return err }, "k=21: want 1 <= k <= 20"},
		{"k equals n in graph", func() error { _, err := ExactGraph(ctx, base, 20, ExactOptions{}); return err }, "k=20: want 1 <= k < 20"},
		{"empty base", func() error { _, err := Exact(ctx, mat32.New(0, 4), q, 1, ExactOptions{}); return err }, "base: empty set"},
		{"empty queries", func() error { _, err := Exact(ctx, base, mat32.New(0, 4), 1, ExactOptions{}); return err }, "queries: empty set"},
		{"single row graph", func() error { _, err := ExactGraph(ctx, base.Slice(0, 1), 1, ExactOptions{}); return err }, "1 rows, need at least 2"},
		{"dimension mismatch", func() error { _, err := Exact(ctx, base, randMatrix(rng, 2, 5), 1, ExactOptions{}); return err }, "queries have 5 columns, base has 4"},
		{"nan base", func() error { _, err := Exact(ctx, nan, q, 1, ExactOptions{}); return err }, "base: 2 NaN/Inf values (first in row 7)"},
		{"nan queries", func() error { _, err := Exact(ctx, q, nan, 1, ExactOptions{}); return err }, "queries: 2 NaN/Inf values (first in row 7)"},
		{"zero cosine", func() error { _, err := ExactGraph(ctx, zero, 3, ExactOptions{Metric: Cosine}); return err }, "data: cosine metric: 2 zero vectors have no direction (first is row 4)"},
		{"zero cosine query", func() error {
			_, err := Exact(ctx, base, zero, 3, ExactOptions{Metric: Cosine})
			return err
		}, "queries: cosine metric: 2 zero vectors"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	zq := base.Clone()
	clear(zq.Row(0))
	if _, err := Exact(ctx, zq, q, 3, ExactOptions{Metric: Euclidean}); err != nil {
		t.Errorf("zero vectors are fine under euclidean: %v", err)
	}
	if _, err := Exact(ctx, zq, zero, 3, ExactOptions{Metric: Manhattan}); err != nil {
		t.Errorf("zero vectors are fine under manhattan: %v", err)
	}
	for _, c := range []struct {
		run  func() error
		want string
	}{
		{func() error { _, err := Exact(ctx, nan, q, 1, ExactOptions{Metric: Manhattan}); return err }, "base: 2 NaN/Inf values (first in row 7)"},
		{func() error { _, err := Exact(ctx, base, nan, 1, ExactOptions{Metric: Manhattan}); return err }, "queries: 2 NaN/Inf values"},
		{func() error { _, err := ExactGraph(ctx, base, 20, ExactOptions{Metric: Manhattan}); return err }, "k=20: want 1 <= k < 20"},
		{func() error {
			_, err := Exact(ctx, base, randMatrix(rng, 2, 5), 1, ExactOptions{Metric: Manhattan})
			return err
		}, "queries have 5 columns, base has 4"},
	} {
		if err := c.run(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("manhattan: error %v, want it to contain %q", err, c.want)
		}
	}
}

func TestExactCancel(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := randMatrix(rng, 100, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ExactGraph(ctx, x, 3, ExactOptions{}); err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestMetricPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "knn:") {
			t.Fatalf("recover() = %v, want a knn: panic", r)
		}
	}()
	ExactGraph(context.Background(), mat32.New(3, 2), 1, ExactOptions{Metric: Metric(9)})
}
