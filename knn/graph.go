package knn

import (
	"fmt"
	"math"
)

// Graph is a table of k nearest neighbours: row i lists the neighbours of
// query (or point) i, nearest first. It is the result of every search in
// this package and the input of t-SNE, UMAP and the quality metrics.
//
// Indices and Dists are Len()×K, row-major. Within a row, neighbours are
// sorted by distance and ties by index, so results are reproducible. A row
// that found fewer than K neighbours (only possible for approximate
// searches on tiny or disconnected indexes) is padded with index -1 and
// distance +Inf.
type Graph struct {
	// K is the number of neighbours per row.
	K int
	// Metric is the metric the distances are in.
	Metric Metric
	// Indices holds the neighbours' row numbers in the base set.
	Indices []int32
	// Dists holds the distances in Metric's units: true euclidean
	// distances, 1−cos, −x·y, or Σ|x−y|.
	Dists []float32
}

// NewGraph returns a graph of n rows of k neighbours, with every slot empty
// (index -1, distance +Inf).
func NewGraph(n, k int, m Metric) *Graph {
	if n < 0 || k <= 0 {
		panic(fmt.Sprintf("knn: NewGraph: %d rows of %d neighbours", n, k))
	}
	g := &Graph{K: k, Metric: m, Indices: make([]int32, n*k), Dists: make([]float32, n*k)}
	inf := float32(math.Inf(1))
	for i := range g.Indices {
		g.Indices[i] = -1
		g.Dists[i] = inf
	}
	return g
}

// Len returns the number of rows.
func (g *Graph) Len() int {
	if g.K == 0 {
		return 0
	}
	return len(g.Indices) / g.K
}

// Row returns the neighbours of row i and their distances, as views into
// the graph.
func (g *Graph) Row(i int) (idx []int32, dist []float32) {
	if i < 0 || i >= g.Len() {
		panic(fmt.Sprintf("knn: Graph.Row: %d out of range [0,%d)", i, g.Len()))
	}
	lo, hi := i*g.K, (i+1)*g.K
	return g.Indices[lo:hi:hi], g.Dists[lo:hi:hi]
}

// Recall returns the mean over rows of |g's row ∩ truth's row| / truth.K:
// the fraction of the true neighbours that g found. Both graphs must have
// the same number of rows and g.K >= truth.K; only the first truth.K
// neighbours of g count. It panics otherwise.
func (g *Graph) Recall(truth *Graph) float64 {
	if g.Len() != truth.Len() || g.K < truth.K {
		panic(fmt.Sprintf("knn: Recall: %d rows of %d against %d rows of %d", g.Len(), g.K, truth.Len(), truth.K))
	}
	n := g.Len()
	if n == 0 {
		return 1
	}
	k := truth.K
	hits := 0
	for i := 0; i < n; i++ {
		a, _ := g.Row(i)
		b, _ := truth.Row(i)
		for _, x := range a[:k] {
			if x < 0 {
				continue
			}
			for _, y := range b {
				if x == y {
					hits++
					break
				}
			}
		}
	}
	return float64(hits) / float64(n*k)
}

// Validate checks that every index is -1 or within [0, n) and that rows are
// sorted by (distance, index); it is for graphs that came from outside.
func (g *Graph) Validate(n int) error {
	if g.K <= 0 {
		return fmt.Errorf("knn: graph with k=%d", g.K)
	}
	if len(g.Indices) != len(g.Dists) || len(g.Indices)%g.K != 0 {
		return fmt.Errorf("knn: graph has %d indices and %d distances for k=%d", len(g.Indices), len(g.Dists), g.K)
	}
	for r := 0; r < g.Len(); r++ {
		idx, d := g.Row(r)
		for j, x := range idx {
			if x < -1 || int(x) >= n {
				return fmt.Errorf("knn: graph row %d: neighbour %d out of range [0,%d)", r, x, n)
			}
			if j > 0 && less(d[j], x, d[j-1], idx[j-1]) {
				return fmt.Errorf("knn: graph row %d: neighbours not sorted at %d", r, j)
			}
		}
	}
	return nil
}

// less orders neighbours by distance, then index; -1 (empty) sorts last.
func less(d1 float32, i1 int32, d2 float32, i2 int32) bool {
	if d1 != d2 {
		return d1 < d2
	}
	if i1 < 0 || i2 < 0 {
		return i1 > i2
	}
	return i1 < i2
}
