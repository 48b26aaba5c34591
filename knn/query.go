package knn

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Defaults of SearchOptions.
const (
	// DefaultSearchEf is the default length of the result list a graph
	// search keeps while it walks.
	DefaultSearchEf = 24
	// DefaultSearchEntries is the default number of base rows every graph
	// search measures first.
	DefaultSearchEntries = 128
	// DefaultSearchSlack is the default slack of the walk's stopping rule
	// (pynndescent's epsilon).
	DefaultSearchSlack = 0.1
)

// searchBlock is the number of queries between progress reports and
// cancellation checks of GraphIndex.Search.
const searchBlock = 1024

// SearchOptions tune GraphIndex.Search. Zero fields take the defaults.
type SearchOptions struct {
	// Ef is the length of the result list kept during the walk; at least k
	// is used. Longer lists find more of the true neighbours and cost more
	// distances. Default 24.
	Ef int
	// Entries is the number of base rows, evenly spread over the row
	// numbers, that every query measures first; they join the result list
	// and the walk starts from the nearest of them. They must land in
	// every well-separated group of the base rows that a query can belong
	// to, since the neighbour graph links such groups by one edge at most:
	// with 20 equal groups and 64 entries, 4% of the groups hold none
	// (cosine recall@10 0.92 on such data), with 128 entries 0.2% (0.998).
	// Default 128 (at most the number of base rows).
	Entries int
	// Slack lets the walk go on while the nearest unexpanded candidate is
	// within (1 + Slack) times the worst kept distance (in the search's
	// internal units: squared euclidean, 1 − cos, −x·y or Σ|x−y|; under
	// the inner product, whose distances can be negative, the bound is the
	// worst distance plus Slack times its magnitude). Default 0.1; a
	// negative value means no slack.
	Slack float64
	// Progress, when not nil, receives a report after each block of 1,024
	// queries.
	Progress progress.Func
}

func (o SearchOptions) withDefaults(n, k int) SearchOptions {
	if o.Ef <= 0 {
		o.Ef = DefaultSearchEf
	}
	o.Ef = max(o.Ef, k)
	if o.Entries <= 0 {
		o.Entries = DefaultSearchEntries
	}
	o.Entries = min(o.Entries, n)
	if o.Slack == 0 {
		o.Slack = DefaultSearchSlack
	}
	o.Slack = max(o.Slack, 0)
	return o
}

// GraphIndex answers nearest-neighbour queries for new points from the
// k-nearest-neighbour graph of a base set (BuildGraph's result), as
// pynndescent's query does: no index beyond the graph is built, only its
// reverse links are added. It suits a base set whose neighbour graph is
// already at hand — UMAP's transform of new points is the case it was made
// for; for a base set without one, an HNSW index (package knn/hnsw) is the
// faster structure to build.
//
// Each query first measures Entries fixed rows, spread evenly over the row
// numbers, then walks best-first from the nearest of them: it
// expands the nearest unexpanded candidate, measuring its unvisited
// neighbours in the search graph and keeping the best Ef rows seen, until
// the nearest candidate lies beyond (1 + Slack) times the worst kept
// distance. The search graph links each row to its neighbours in the graph
// and to the rows that list it as a neighbour (the nearest k of them).
//
// A query's answer is a function of the query, the base rows, the graph and
// the options only: it does not depend on the thread count, on the order of
// the queries or on the other queries of a batch, and no random numbers are
// drawn. Searches may run concurrently. The index keeps a reference to the
// base rows, which must not change while it is in use.
type GraphIndex struct {
	data    *mat32.Dense
	metric  Metric
	ptr     []int64   // row i's links are adj[ptr[i]:ptr[i+1]]
	adj     []int32   // forward links, then reverse ones, per row
	norms   []float32 // row norms, under Cosine
	scratch sync.Pool // *graphSearcher
}

// NewGraphIndex returns an index that searches the rows of data by walking
// g, their neighbour graph (each row's own index left out, as BuildGraph
// returns it), in g's metric. It keeps a reference to data.
//
// Bad input is an error: g with a number of rows other than data's, indices
// out of range or rows out of order (Graph.Validate), an empty data set,
// NaN/Inf values, zero vectors under Cosine. It panics if g's metric is
// invalid.
func NewGraphIndex(data *mat32.Dense, g *Graph) (*GraphIndex, error) {
	if g == nil {
		panic("knn: NewGraphIndex: nil graph")
	}
	g.Metric.check("NewGraphIndex")
	if err := checkInput(data, "data", 1); err != nil {
		return nil, err
	}
	n := data.Rows
	if g.Len() != n {
		return nil, fmt.Errorf("knn: graph has %d rows, data has %d", g.Len(), n)
	}
	if err := g.Validate(n); err != nil {
		return nil, err
	}
	ix := &GraphIndex{data: data, metric: g.Metric}
	if g.Metric == Cosine {
		ix.norms = make([]float32, n)
		zeros, first := 0, -1
		for i := range ix.norms {
			ix.norms[i] = mat32.Norm(data.Row(i))
			if ix.norms[i] == 0 {
				if first < 0 {
					first = i
				}
				zeros++
			}
		}
		if zeros > 0 {
			return nil, fmt.Errorf("knn: data: cosine metric: %d zero vectors have no direction (first is row %d)", zeros, first)
		}
	}
	ix.link(g)
	return ix, nil
}

// link builds the search graph: each row's forward neighbours, then the
// nearest k of the rows that list it (by distance, then index), without
// repeats.
func (ix *GraphIndex) link(g *Graph) {
	n, k := g.Len(), g.K
	// Reverse links by counting sort: row j's are the (row, slot) pairs
	// that list j, in row order.
	revPtr := make([]int64, n+1)
	for _, j := range g.Indices {
		if j >= 0 {
			revPtr[j+1]++
		}
	}
	for i := 0; i < n; i++ {
		revPtr[i+1] += revPtr[i]
	}
	rev := make([]int32, revPtr[n]) // positions in g.Indices
	fill := slices.Clone(revPtr[:n])
	for p, j := range g.Indices {
		if j >= 0 {
			rev[fill[j]] = int32(p)
			fill[j]++
		}
	}
	fill = nil
	// Each row keeps its k nearest reverse links; rows are independent.
	deg := make([]int64, n+1)
	rows := make([][]int32, n)
	mat32.Parallel(n, mat32.Grain(n, 256), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := make([]int32, 0, 2*k)
			idx, _ := g.Row(i)
			for _, j := range idx {
				if j >= 0 {
					r = append(r, j)
				}
			}
			rv := rev[revPtr[i]:revPtr[i+1]]
			slices.SortFunc(rv, func(a, b int32) int {
				// a and b are positions in g: the distance g holds there,
				// then the listing row.
				da, db := g.Dists[a], g.Dists[b]
				switch {
				case da < db:
					return -1
				case da > db:
					return 1
				}
				return int(a/int32(k)) - int(b/int32(k))
			})
			for _, p := range rv[:min(len(rv), k)] {
				if from := p / int32(k); !slices.Contains(r, from) {
					r = append(r, from)
				}
			}
			rows[i] = r
		}
	})
	ix.connect(g, rows)
	for i, r := range rows {
		deg[i+1] = int64(len(r))
	}
	for i := 0; i < n; i++ {
		deg[i+1] += deg[i]
	}
	ix.ptr = deg
	ix.adj = make([]int32, deg[n])
	for i, r := range rows {
		copy(ix.adj[deg[i]:], r)
		rows[i] = nil
	}
}

// connect adds links to the search graph rows until every row can be
// reached from row 0 (always an entry). A row missing from every list
// reachable so far is linked from the first of its neighbours in g that is
// reachable (every such neighbour keeps k nearer reverse links); a group of
// rows that list only each other (a component of the neighbour graph, such
// as more than k duplicates of one point) is joined through its first row
// to the nearest reachable row a greedy descent finds, in both directions.
// Rows are taken in order, so the result is a function of g and the data.
func (ix *GraphIndex) connect(g *Graph, rows [][]int32) {
	n := g.Len()
	reached := make([]bool, n)
	var stack []int32
	mark := func(s int32) {
		reached[s] = true
		stack = append(stack[:0], s)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, j := range rows[i] {
				if !reached[j] {
					reached[j] = true
					stack = append(stack, j)
				}
			}
		}
	}
	mark(0)
	var pending []int32
	for j, ok := range reached {
		if !ok {
			pending = append(pending, int32(j))
		}
	}
	for len(pending) > 0 {
		progress := false
		next := pending[:0]
		for _, j := range pending {
			if reached[j] {
				continue
			}
			via := int32(-1)
			idx, _ := g.Row(int(j))
			for _, nb := range idx {
				if nb >= 0 && reached[nb] {
					via = nb
					break
				}
			}
			if via < 0 {
				next = append(next, j)
				continue
			}
			rows[via] = append(rows[via], j)
			mark(j)
			progress = true
		}
		pending = next
		if !progress && len(pending) > 0 {
			r := pending[0]
			m := ix.descend(rows, reached, r)
			rows[m] = append(rows[m], r)
			rows[r] = append(rows[r], m)
			mark(r)
		}
	}
}

// descend returns a reached row near base row r: the nearest of the
// reached entries, then greedy steps to nearer reached rows of the search
// graph until none is nearer.
func (ix *GraphIndex) descend(rows [][]int32, reached []bool, r int32) int32 {
	n := ix.data.Rows
	q := ix.data.Row(int(r))
	var qn float32
	if ix.norms != nil {
		qn = ix.norms[r]
	}
	ne := min(DefaultSearchEntries, n)
	best := cand{float32(math.Inf(1)), -1}
	for e := 0; e < ne; e++ {
		j := int32(int64(e) * int64(n) / int64(ne))
		if c := (cand{ix.dist(q, qn, j), j}); reached[j] && (best.j < 0 || candLess(c, best)) {
			best = c
		}
	}
	for moved := true; moved; {
		moved = false
		for _, j := range rows[best.j] {
			if c := (cand{ix.dist(q, qn, j), j}); reached[j] && candLess(c, best) {
				best, moved = c, true
			}
		}
	}
	return best.j
}

// Len returns the number of base rows.
func (ix *GraphIndex) Len() int { return ix.data.Rows }

// Metric returns the metric the index searches by.
func (ix *GraphIndex) Metric() Metric { return ix.metric }

// Search returns the k nearest base rows of every row of queries, nearest
// first, with distances in the metric's units (see the package
// invariants), found by walking the neighbour graph (see GraphIndex). A
// row that the walk could not fill (only possible when k exceeds the rows
// it reached) is padded with index -1 and distance +Inf.
//
// The queries run in parallel and the result is bit-identical at any
// number of threads. Bad input is an error: k <= 0 or k > Len(), an empty
// query set, a column mismatch, NaN/Inf values, zero vectors under Cosine.
// Cancelling ctx stops the search between blocks of 1,024 queries and
// returns ctx.Err().
func (ix *GraphIndex) Search(ctx context.Context, queries *mat32.Dense, k int, opt SearchOptions) (*Graph, error) {
	if err := checkInput(queries, "queries", 1); err != nil {
		return nil, err
	}
	if queries.Cols != ix.data.Cols {
		return nil, fmt.Errorf("knn: queries have %d columns, base has %d", queries.Cols, ix.data.Cols)
	}
	if k <= 0 || k > ix.data.Rows {
		return nil, fmt.Errorf("knn: k=%d: want 1 <= k <= %d (the base rows)", k, ix.data.Rows)
	}
	if ix.metric == Cosine {
		for i := 0; i < queries.Rows; i++ {
			if mat32.Norm(queries.Row(i)) == 0 {
				return nil, fmt.Errorf("knn: queries: cosine metric: row %d is a zero vector, which has no direction", i)
			}
		}
	}
	opt = opt.withDefaults(ix.data.Rows, k)
	g := NewGraph(queries.Rows, k, ix.metric)
	for b0 := 0; b0 < queries.Rows; b0 += searchBlock {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b1 := min(b0+searchBlock, queries.Rows)
		mat32.Parallel(b1-b0, 32, func(lo, hi int) {
			s := ix.searcher()
			for i := b0 + lo; i < b0+hi; i++ {
				idx, dist := g.Row(i)
				ix.query(s, queries.Row(i), k, &opt, idx, dist)
			}
			ix.scratch.Put(s)
		})
		opt.Progress.Report(progress.Update{Stage: "knn graph search", Done: int64(b1), Total: int64(queries.Rows)})
	}
	return g, nil
}

// cand is a (distance, row) pair of a graph search.
type cand struct {
	d float32
	j int32
}

func candLess(a, b cand) bool { return a.d < b.d || (a.d == b.d && a.j < b.j) }

func candCmp(a, b cand) int {
	switch {
	case candLess(a, b):
		return -1
	case candLess(b, a):
		return 1
	}
	return 0
}

// graphSearcher is one worker's scratch space.
type graphSearcher struct {
	seen    []uint32 // visit stamps per base row
	stamp   uint32
	result  []cand // max-heap on (d, j), worst first
	pending []cand // min-heap on (d, j), nearest first
	starts  []cand
}

func (ix *GraphIndex) searcher() *graphSearcher {
	s, _ := ix.scratch.Get().(*graphSearcher)
	if s == nil {
		s = &graphSearcher{seen: make([]uint32, ix.data.Rows)}
	}
	return s
}

// dist is the search's internal distance between q (of norm qn under
// Cosine) and base row j: squared euclidean, 1 − cos, −x·y or Σ|x−y|.
func (ix *GraphIndex) dist(q []float32, qn float32, j int32) float32 {
	y := ix.data.Row(int(j))
	switch ix.metric {
	case Euclidean:
		return mat32.SqDist(q, y)
	case Cosine:
		return 1 - mat32.Dot(q, y)/(qn*ix.norms[j])
	case Manhattan:
		return mat32.L1Dist(q, y)
	default:
		return -mat32.Dot(q, y)
	}
}

// query writes the k nearest base rows of q into idx and dist.
func (ix *GraphIndex) query(s *graphSearcher, q []float32, k int, opt *SearchOptions, idx []int32, dist []float32) {
	s.stamp++
	if s.stamp == 0 {
		clear(s.seen)
		s.stamp = 1
	}
	var qn float32
	if ix.metric == Cosine {
		qn = mat32.Norm(q)
	}
	n, ef := ix.data.Rows, opt.Ef
	s.result, s.pending, s.starts = s.result[:0], s.pending[:0], s.starts[:0]
	for e := 0; e < opt.Entries; e++ {
		j := int32(int64(e) * int64(n) / int64(opt.Entries))
		s.seen[j] = s.stamp
		s.starts = append(s.starts, cand{ix.dist(q, qn, j), j})
	}
	slices.SortFunc(s.starts, candCmp)
	for _, c := range s.starts {
		pushResult(&s.result, c, ef)
	}
	for _, c := range s.starts {
		pushMin(&s.pending, c)
	}
	// The bound is w·(1 + Slack) for a worst kept distance w >= 0, and
	// w·(1 − Slack) for a negative one (inner product).
	up, down := float32(1+opt.Slack), float32(1-opt.Slack)
	for len(s.pending) > 0 {
		c := popMin(&s.pending)
		if len(s.result) == ef {
			w := s.result[0].d
			if w >= 0 && c.d > w*up || w < 0 && c.d > w*down {
				break
			}
		}
		for _, j := range ix.adj[ix.ptr[c.j]:ix.ptr[c.j+1]] {
			if s.seen[j] == s.stamp {
				continue
			}
			s.seen[j] = s.stamp
			nc := cand{ix.dist(q, qn, j), j}
			if len(s.result) < ef || candLess(nc, s.result[0]) {
				pushResult(&s.result, nc, ef)
				pushMin(&s.pending, nc)
			}
		}
	}
	// The kept rows, in the metric's units, sorted by (distance, index).
	res := s.result
	for p := range res {
		switch ix.metric {
		case Euclidean:
			res[p].d = float32(math.Sqrt(float64(res[p].d)))
		case Cosine:
			res[p].d = max(res[p].d, 0)
		}
	}
	slices.SortFunc(res, candCmp)
	inf := float32(math.Inf(1))
	for p := range idx {
		idx[p], dist[p] = -1, inf
		if p < len(res) {
			idx[p], dist[p] = res[p].j, res[p].d
		}
	}
}

// pushResult adds c to the max-heap h, dropping the worst when it would
// hold more than ef.
func pushResult(h *[]cand, c cand, ef int) {
	a := *h
	if len(a) == ef {
		if !candLess(c, a[0]) {
			return
		}
		a[0] = c
		for i := 0; ; {
			l := 2*i + 1
			if l >= len(a) {
				break
			}
			m := l
			if r := l + 1; r < len(a) && candLess(a[l], a[r]) {
				m = r
			}
			if !candLess(a[i], a[m]) {
				break
			}
			a[i], a[m] = a[m], a[i]
			i = m
		}
		return
	}
	a = append(a, c)
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !candLess(a[p], a[i]) {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
	*h = a
}

// pushMin adds c to the min-heap h.
func pushMin(h *[]cand, c cand) {
	a := append(*h, c)
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !candLess(a[i], a[p]) {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
	*h = a
}

// popMin removes and returns the nearest candidate of the min-heap h.
func popMin(h *[]cand) cand {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(a) {
			break
		}
		m := l
		if r := l + 1; r < len(a) && candLess(a[r], a[l]) {
			m = r
		}
		if !candLess(a[m], a[i]) {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}
