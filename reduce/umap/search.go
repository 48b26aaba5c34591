package umap

import (
	"context"
	"math"
	"slices"
	"sync"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Settings of the neighbour search of new points against the training rows.
const (
	// exactQueryBudget is the largest training rows × query rows ×
	// features for which Transform searches exactly (about a second of
	// GEMM); above it, it walks the training neighbour graph.
	exactQueryBudget = 2e10
	// searchEntries is the number of training rows every graph search
	// measures first; the nearest of them start the walk.
	searchEntries = 64
	// searchStarts is how many of the entries start the walk.
	searchStarts = 4
	// searchEf is the length of the result list kept during the walk (at
	// least k); longer lists find more of the true neighbours.
	searchEf = 24
	// searchSlack lets the walk go on while a candidate is within
	// (1 + searchSlack) of the worst kept distance (pynndescent's epsilon).
	searchSlack = 0.1
	// searchBlock is the number of queries per progress report and
	// cancellation check.
	searchBlock = 1024
)

// searchGraph is the graph the transform's neighbour search walks: each
// training row linked to its neighbours and to the rows that have it as a
// neighbour (up to as many, nearest first).
type searchGraph struct {
	adj     *csr      // values unused
	norms   []float32 // row norms, for Cosine and Correlation
	entries []int32   // fixed starting candidates
	metric  string
}

// buildSearchGraph builds the search graph of the training rows data from
// their neighbour graph g.
func buildSearchGraph(data *mat32.Dense, g *knn.Graph, metric string) *searchGraph {
	n, k := g.Len(), g.K
	// Reverse links, nearest first, at most k per row.
	type link struct {
		from int32
		d    float32
	}
	rev := make([][]link, n)
	for i := 0; i < n; i++ {
		idx, dist := g.Row(i)
		for p, j := range idx {
			if j >= 0 {
				rev[j] = append(rev[j], link{int32(i), dist[p]})
			}
		}
	}
	adj := &csr{rows: n, cols: n, ptr: make([]int, n+1)}
	rows := make([][]int32, n)
	mat32.Parallel(n, rowGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			idx, _ := g.Row(i)
			r := make([]int32, 0, 2*k)
			for _, j := range idx {
				if j >= 0 {
					r = append(r, j)
				}
			}
			rv := rev[i]
			slices.SortFunc(rv, func(a, b link) int {
				if a.d != b.d {
					if a.d < b.d {
						return -1
					}
					return 1
				}
				return int(a.from - b.from)
			})
			for _, l := range rv[:min(len(rv), k)] {
				if !slices.Contains(r, l.from) {
					r = append(r, l.from)
				}
			}
			rows[i] = r
		}
	})
	for i, r := range rows {
		adj.ptr[i+1] = adj.ptr[i] + len(r)
		adj.idx = append(adj.idx, r...)
	}
	s := &searchGraph{adj: adj, metric: metric}
	if metric != Euclidean {
		s.norms = make([]float32, n)
		for i := range s.norms {
			s.norms[i] = mat32.Norm(data.Row(i))
		}
	}
	ne := min(searchEntries, n)
	s.entries = make([]int32, ne)
	for e := range s.entries {
		// Evenly spread over the rows; their order carries no meaning.
		s.entries[e] = int32(int64(e) * int64(n) / int64(ne))
	}
	return s
}

// dist returns the search distance between query q (with norm qn) and
// training row j: squared euclidean, or 1 − cos.
func (s *searchGraph) dist(data *mat32.Dense, q []float32, qn float32, j int32) float32 {
	if s.metric == Euclidean {
		return mat32.SqDist(q, data.Row(int(j)))
	}
	return 1 - mat32.Dot(q, data.Row(int(j)))/(qn*s.norms[j])
}

// cand is a (distance, row) pair of the search.
type cand struct {
	d float32
	j int32
}

func candLess(a, b cand) bool { return a.d < b.d || (a.d == b.d && a.j < b.j) }

// searcher holds one worker's scratch space.
type searcher struct {
	seen    []uint32 // visit stamps per training row
	stamp   uint32
	result  []cand // max-heap on (d, j), worst first
	pending []cand // min-heap on (d, j), nearest first
}

// query returns the k nearest training rows of q (nearest first) by a
// best-first walk of the search graph from the nearest entries. The walk
// is a function of q and the graph only.
func (s *searchGraph) query(data *mat32.Dense, q []float32, k int, sc *searcher, idx []int32, dist []float32) {
	sc.stamp++
	if sc.stamp == 0 {
		clear(sc.seen)
		sc.stamp = 1
	}
	var qn float32
	if s.metric != Euclidean {
		qn = mat32.Norm(q)
	}
	ef := max(k, searchEf)
	sc.result = sc.result[:0]
	sc.pending = sc.pending[:0]
	starts := make([]cand, 0, len(s.entries))
	for _, j := range s.entries {
		sc.seen[j] = sc.stamp
		starts = append(starts, cand{s.dist(data, q, qn, j), j})
	}
	slices.SortFunc(starts, func(a, b cand) int {
		if candLess(a, b) {
			return -1
		}
		if candLess(b, a) {
			return 1
		}
		return 0
	})
	for _, c := range starts {
		pushResult(&sc.result, c, ef)
	}
	for _, c := range starts[:min(searchStarts, len(starts))] {
		pushMin(&sc.pending, c)
	}
	for len(sc.pending) > 0 {
		c := popMin(&sc.pending)
		if len(sc.result) == ef && c.d > sc.result[0].d*(1+searchSlack) {
			break
		}
		nb := s.adj.rowCols(int(c.j))
		for _, j := range nb {
			if sc.seen[j] == sc.stamp {
				continue
			}
			sc.seen[j] = sc.stamp
			d := s.dist(data, q, qn, j)
			if len(sc.result) < ef || candLess(cand{d, j}, sc.result[0]) {
				pushResult(&sc.result, cand{d, j}, ef)
				pushMin(&sc.pending, cand{d, j})
			}
		}
	}
	res := sc.result
	slices.SortFunc(res, func(a, b cand) int {
		if candLess(a, b) {
			return -1
		}
		if candLess(b, a) {
			return 1
		}
		return 0
	})
	for p := range idx {
		idx[p], dist[p] = -1, float32(math.Inf(1))
		if p < len(res) {
			idx[p] = res[p].j
			d := res[p].d
			if s.metric == Euclidean {
				d = float32(math.Sqrt(float64(d)))
			}
			dist[p] = max(d, 0)
		}
	}
}

// pushResult adds c to the max-heap h, dropping the worst when it holds
// more than ef.
func pushResult(h *[]cand, c cand, ef int) {
	a := *h
	if len(a) == ef {
		if !candLess(c, a[0]) {
			return
		}
		a[0] = c
		// sift down
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

// neighbours returns the k nearest training rows of every row of q
// (prepared like the training data): exactly for small problems, else by
// walking the search graph (built once and kept).
func (u *UMAP) neighbours(ctx context.Context, q *mat32.Dense, k int, prog progress.Func) (*knn.Graph, error) {
	n := u.data.Rows
	if float64(n)*float64(q.Rows)*float64(q.Cols) <= exactQueryBudget {
		metric, _ := knnMetric(u.opt.Metric)
		return knn.Exact(ctx, u.data, q, k, knn.ExactOptions{Metric: metric, Progress: prog})
	}
	return u.searchNeighbours(ctx, q, k, prog), ctx.Err()
}

// searchNeighbours finds the k nearest training rows of every row of q by
// walking the search graph (built on first use and kept). Cancelling ctx
// stops it between blocks of queries, leaving the rest of the graph empty.
func (u *UMAP) searchNeighbours(ctx context.Context, q *mat32.Dense, k int, prog progress.Func) *knn.Graph {
	n := u.data.Rows
	u.indexOnce.Do(func() { u.index = buildSearchGraph(u.data, u.graph, u.opt.Metric) })
	s := u.index
	metric, _ := knnMetric(u.opt.Metric)
	g := knn.NewGraph(q.Rows, k, metric)
	pool := sync.Pool{New: func() any { return &searcher{seen: make([]uint32, n)} }}
	for b0 := 0; b0 < q.Rows; b0 += searchBlock {
		if ctx.Err() != nil {
			break
		}
		b1 := min(b0+searchBlock, q.Rows)
		mat32.Parallel(b1-b0, 32, func(lo, hi int) {
			sc := pool.Get().(*searcher)
			for i := b0 + lo; i < b0+hi; i++ {
				idx, dist := g.Row(i)
				s.query(u.data, q.Row(i), k, sc, idx, dist)
			}
			pool.Put(sc)
		})
		prog.Report(progress.Update{Stage: "umap transform: neighbours", Done: int64(b1), Total: int64(q.Rows)})
	}
	return g
}
