package hnsw

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Defaults of Config's tuning fields.
const (
	DefaultM              = 16
	DefaultEfConstruction = 200
	DefaultEf             = 50
)

// maxLevel bounds the layer of a node; with M >= 2 the chance of reaching
// it is below 2^-40.
const maxLevelCap = 40

// Config tunes an Index. The zero value means M=16, EfConstruction=200,
// Ef=50, euclidean distance, seed 0, one worker per CPU.
type Config struct {
	// M is the number of neighbours a node keeps on the upper layers; layer 0
	// keeps 2·M. Larger M raises recall and memory. Default 16.
	M int
	// EfConstruction is the candidate list length while inserting. Larger
	// values build slower and better graphs. Default 200.
	EfConstruction int
	// Ef is the default candidate list length of searches (at least k is
	// used). Default 50.
	Ef int
	// Metric is the distance. Cosine vectors are normalised on insert.
	Metric knn.Metric
	// Seed seeds the level generator when Rand is nil.
	Seed uint64
	// Rand, when not nil, draws the levels of new nodes instead of a
	// generator seeded with Seed.
	Rand *rand.Rand
	// Workers is the number of goroutines Add inserts with; 0 means
	// GOMAXPROCS. Only Workers=1 gives a bit-reproducible graph.
	Workers int
}

func (c Config) withDefaults() Config {
	if c.M <= 0 {
		c.M = DefaultM
	}
	if c.EfConstruction <= 0 {
		c.EfConstruction = DefaultEfConstruction
	}
	if c.Ef <= 0 {
		c.Ef = DefaultEf
	}
	return c
}

// Index is an HNSW graph over float32 vectors. Searches may run
// concurrently with each other; Add excludes searches while it runs.
type Index struct {
	mu sync.RWMutex // Add holds it for writing, searches for reading

	dim      int
	metric   knn.Metric
	m, m0    int
	efC, ef  int
	mult     float64
	rng      *rand.Rand
	workers  int
	ipBias   float32 // 1 for cosine (1 − x·y), 0 for inner product
	n        int
	vecs     []float32 // n·dim, contiguous
	levels   []uint8
	links0   []uint32   // n·(m0+1): count, then ids
	upper    [][]uint32 // per node: level·(m+1) for layers 1..level
	locks    []uint32   // per-node spin locks, used only while building
	entry    int32      // -1 when empty
	maxLevel int

	global   sync.Mutex // entry and maxLevel while building
	building bool
	pool     sync.Pool
}

// New returns an empty index for vectors of dim values. It panics if dim
// <= 0, M < 2 or the metric is invalid (caller bugs).
func New(dim int, cfg Config) *Index {
	cfg = cfg.withDefaults()
	if dim <= 0 {
		panic(fmt.Sprintf("hnsw: New: dimension %d", dim))
	}
	if cfg.M < 2 || cfg.M > 1024 {
		panic(fmt.Sprintf("hnsw: New: M=%d outside [2,1024]", cfg.M))
	}
	if !cfg.Metric.Valid() {
		panic(fmt.Sprintf("hnsw: New: invalid metric %d", int(cfg.Metric)))
	}
	rng := cfg.Rand
	if rng == nil {
		rng = dataset.NewRand(cfg.Seed, 0)
	}
	ix := &Index{
		dim: dim, metric: cfg.Metric, m: cfg.M, m0: 2 * cfg.M,
		efC: cfg.EfConstruction, ef: cfg.Ef, mult: 1 / math.Log(float64(cfg.M)),
		rng: rng, workers: cfg.Workers, entry: -1,
	}
	ix.setBias()
	return ix
}

func (ix *Index) setBias() {
	if ix.metric == knn.Cosine {
		ix.ipBias = 1
	}
}

// Len returns the number of vectors in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.n
}

// Dim returns the vectors' length.
func (ix *Index) Dim() int { return ix.dim }

// Metric returns the index's distance.
func (ix *Index) Metric() knn.Metric { return ix.metric }

// M returns the upper-layer neighbour count (layer 0 keeps 2·M).
func (ix *Index) M() int { return ix.m }

// EfConstruction returns the candidate list length used by Add.
func (ix *Index) EfConstruction() int { return ix.efC }

// Ef returns the default search candidate list length.
func (ix *Index) Ef() int { return ix.ef }

// SetEf sets the default search candidate list length (at least 1).
func (ix *Index) SetEf(ef int) {
	ix.mu.Lock()
	ix.ef = max(ef, 1)
	ix.mu.Unlock()
}

// Vector returns a copy of stored vector i (unit length under Cosine).
func (ix *Index) Vector(i int) []float32 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if i < 0 || i >= ix.n {
		panic(fmt.Sprintf("hnsw: Vector: %d out of range [0,%d)", i, ix.n))
	}
	return slices.Clone(ix.vec(uint32(i)))
}

func (ix *Index) vec(i uint32) []float32 {
	o := int(i) * ix.dim
	return ix.vecs[o : o+ix.dim : o+ix.dim]
}

// dist is the internal distance: squared euclidean, 1 − x·y, −x·y or
// Σ|x−y|.
func (ix *Index) dist(q []float32, i uint32) float32 {
	v := ix.vec(i)
	switch ix.metric {
	case knn.Euclidean:
		return mat32.SqDist(q, v)
	case knn.Manhattan:
		return mat32.L1Dist(q, v)
	}
	return ix.ipBias - mat32.Dot(q, v)
}

// sortResult puts a search result, sorted by internal distance, in the
// order of a knn.Graph row: by distance in the metric's units, ties to the
// lower id. Two internal distances can share one square root, and the
// heaps order equal distances arbitrarily; insertion sort makes this O(k)
// on a nearly sorted row.
func sortResult(ids []int32, d []float32) {
	for a := 1; a < len(ids); a++ {
		for b := a; b > 0 && (d[b] < d[b-1] || d[b] == d[b-1] && ids[b] < ids[b-1]); b-- {
			d[b-1], d[b] = d[b], d[b-1]
			ids[b-1], ids[b] = ids[b], ids[b-1]
		}
	}
}

// external converts an internal distance to the metric's units.
func (ix *Index) external(d float32) float32 {
	if ix.metric == knn.Euclidean {
		return float32(math.Sqrt(float64(d)))
	}
	return d
}

func (ix *Index) lock(i uint32) {
	for !atomic.CompareAndSwapUint32(&ix.locks[i], 0, 1) {
		runtime.Gosched()
	}
}

func (ix *Index) unlock(i uint32) { atomic.StoreUint32(&ix.locks[i], 0) }

// links returns node i's neighbour list on layer lev (count first).
func (ix *Index) links(i uint32, lev int) []uint32 {
	if lev == 0 {
		o := int(i) * (ix.m0 + 1)
		return ix.links0[o : o+ix.m0+1 : o+ix.m0+1]
	}
	o := (lev - 1) * (ix.m + 1)
	return ix.upper[i][o : o+ix.m+1 : o+ix.m+1]
}

// neighbours returns the ids in node i's list on layer lev. While building,
// it copies them under the node's lock into s.buf.
func (ix *Index) neighbours(i uint32, lev int, s *searcher) []uint32 {
	l := ix.links(i, lev)
	if !ix.building {
		return l[1 : 1+l[0]]
	}
	ix.lock(i)
	s.buf = append(s.buf[:0], l[1:1+l[0]]...)
	ix.unlock(i)
	return s.buf
}

// searcher holds one search's scratch space.
type searcher struct {
	visited []uint32
	gen     uint32
	cand    minHeap
	res     maxHeap
	buf     []uint32
	sel     []item
	prune   []item   // scratch for pruning a full neighbour list
	todo    []uint32 // unvisited neighbours of the current node
	q       []float32
}

func (ix *Index) getSearcher() *searcher {
	s, _ := ix.pool.Get().(*searcher)
	if s == nil {
		s = &searcher{}
	}
	if len(s.visited) < ix.n {
		s.visited = make([]uint32, ix.n+ix.n/4)
		s.gen = 0
	}
	return s
}

// unvisit empties the visited set by moving to a new generation.
func (s *searcher) unvisit() {
	s.gen++
	if s.gen == 0 {
		clear(s.visited)
		s.gen = 1
	}
}

// greedy walks layer lev from ep to a local minimum of the distance to q.
func (ix *Index) greedy(s *searcher, q []float32, ep item, lev int) item {
	for changed := true; changed; {
		changed = false
		for _, nb := range ix.neighbours(ep.id, lev, s) {
			if d := ix.dist(q, nb); d < ep.d {
				ep = item{d, nb}
				changed = true
			}
		}
	}
	return ep
}

// searchLayer leaves in s.res (a max-heap) the ef nearest nodes to q found
// on layer lev from the entry ep.
func (ix *Index) searchLayer(s *searcher, q []float32, ep item, ef, lev int) {
	s.unvisit()
	gen := s.gen
	vis := s.visited
	cand := s.cand[:0]
	res := s.res[:0]
	vis[ep.id] = gen
	cand.push(ep)
	res.push(ep)
	for len(cand) > 0 {
		c := cand.pop()
		if c.d > res[0].d && len(res) >= ef {
			break
		}
		// Mark the unvisited neighbours and start loading their vectors,
		// then compute the distances: the loads overlap.
		todo := s.todo[:0]
		for _, nb := range ix.neighbours(c.id, lev, s) {
			if vis[nb] == gen {
				continue
			}
			vis[nb] = gen
			todo = append(todo, nb)
			prefetch(&ix.vecs[int(nb)*ix.dim])
		}
		for _, nb := range todo {
			d := ix.dist(q, nb)
			if len(res) < ef || d < res[0].d {
				cand.push(item{d, nb})
				res.push(item{d, nb})
				if len(res) > ef {
					res.pop()
				}
			}
		}
		s.todo = todo
	}
	s.cand, s.res = cand, res
}

// Search returns the k nearest stored vectors to q, nearest first, with
// distances in the metric's units, using a candidate list of
// max(ef, k) (ef <= 0 means the index's Ef). Fewer than k come back only
// if the graph is disconnected, which the construction makes very rare.
// Bad input — a query of the wrong length, NaN/Inf values, a zero query
// under Cosine, k <= 0 or k > Len() — is an error.
func (ix *Index) Search(q []float32, k, ef int) (ids []int32, dists []float32, err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if err := ix.checkQuery(q, k); err != nil {
		return nil, nil, err
	}
	s := ix.getSearcher()
	defer ix.pool.Put(s)
	if ix.metric == knn.Cosine {
		s.q = normalize(append(s.q[:0], q...))
		q = s.q
	}
	res := ix.search(s, q, k, ef)
	ids = make([]int32, len(res))
	dists = make([]float32, len(res))
	for i, r := range res {
		ids[i], dists[i] = int32(r.id), ix.external(r.d)
	}
	sortResult(ids, dists)
	return ids, dists, nil
}

func (ix *Index) checkQuery(q []float32, k int) error {
	if len(q) != ix.dim {
		return fmt.Errorf("hnsw: query has %d values, index has %d", len(q), ix.dim)
	}
	if err := ix.checkK(k); err != nil {
		return err
	}
	for _, v := range q {
		if v != v || math.IsInf(float64(v), 0) {
			return fmt.Errorf("hnsw: query holds NaN/Inf values")
		}
	}
	if ix.metric == knn.Cosine && mat32.Norm(q) == 0 {
		return fmt.Errorf("hnsw: cosine metric: the query is a zero vector")
	}
	return nil
}

func (ix *Index) checkK(k int) error {
	if k <= 0 || k > ix.n {
		return fmt.Errorf("hnsw: k=%d: want 1 <= k <= %d (the indexed vectors)", k, ix.n)
	}
	return nil
}

func normalize(v []float32) []float32 {
	if n := mat32.Norm(v); n > 0 {
		mat32.Scale(1/n, v)
	}
	return v
}

// search returns the k nearest, sorted, in s.sel (internal distances).
func (ix *Index) search(s *searcher, q []float32, k, ef int) []item {
	s.sel = s.sel[:0]
	if ix.entry < 0 {
		return s.sel
	}
	if ef <= 0 {
		ef = ix.ef
	}
	ef = max(ef, k)
	ep := item{ix.dist(q, uint32(ix.entry)), uint32(ix.entry)}
	for lev := ix.maxLevel; lev > 0; lev-- {
		ep = ix.greedy(s, q, ep, lev)
	}
	ix.searchLayer(s, q, ep, ef, 0)
	for len(s.res) > k {
		s.res.pop()
	}
	s.sel = slices.Grow(s.sel[:0], len(s.res))[:len(s.res)]
	for i := len(s.sel) - 1; i >= 0; i-- {
		s.sel[i] = s.res.pop()
	}
	return s.sel
}

// SearchBatch searches every row of queries in parallel and returns the
// results as a graph (rows padded with -1/+Inf in the rare case that a
// search finds fewer than k). ef <= 0 means the index's Ef. The result does not depend
// on the number of threads. Cancelling ctx returns ctx.Err().
func (ix *Index) SearchBatch(ctx context.Context, queries *mat32.Dense, k, ef int, prog progress.Func) (*knn.Graph, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if queries == nil || queries.Rows == 0 {
		return nil, fmt.Errorf("hnsw: queries: empty set")
	}
	if queries.Cols != ix.dim {
		return nil, fmt.Errorf("hnsw: queries have %d columns, index has %d", queries.Cols, ix.dim)
	}
	if err := ix.checkK(k); err != nil {
		return nil, err
	}
	if err := dataset.CheckFinite("hnsw: queries", queries); err != nil {
		return nil, err
	}
	if ix.metric == knn.Cosine {
		var err error
		if queries, err = knn.NormalizeRows(nil, queries, "hnsw: queries"); err != nil {
			return nil, err
		}
	}
	g := knn.NewGraph(queries.Rows, k, ix.metric)
	var done atomic.Int64
	var repMu sync.Mutex
	n := queries.Rows
	mat32.Parallel(n, mat32.Grain(n, 64), func(lo, hi int) {
		if ctx.Err() != nil {
			return
		}
		s := ix.getSearcher()
		defer ix.pool.Put(s)
		for i := lo; i < hi; i++ {
			if i%64 == 0 && ctx.Err() != nil {
				return
			}
			res := ix.search(s, queries.Row(i), k, ef)
			idx, d := g.Row(i)
			for j, r := range res {
				idx[j], d[j] = int32(r.id), ix.external(r.d)
			}
			sortResult(idx[:len(res)], d[:len(res)])
		}
		if prog != nil {
			repMu.Lock()
			c := done.Add(int64(hi - lo))
			prog.Report(progress.Update{Stage: "hnsw search", Done: c, Total: int64(n)})
			repMu.Unlock()
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return g, nil
}

// SearchExcluding returns the k nearest stored vectors to q other than the
// ids in exclude, as a one-row graph padded with -1/+Inf when too few
// remain. It is "neighbours of row i" (exclude i) on an index. exclude must
// not repeat ids.
func (ix *Index) SearchExcluding(q []float32, k, ef int, exclude []int) (*knn.Graph, error) {
	if n := ix.Len(); k <= 0 || k > n-len(exclude) {
		return nil, fmt.Errorf("hnsw: k=%d: want 1 <= k <= %d (%d indexed vectors, %d left out)", k, n-len(exclude), n, len(exclude))
	}
	kk := k + len(exclude)
	if ef > 0 {
		ef += len(exclude)
	}
	ids, dists, err := ix.Search(q, kk, ef)
	if err != nil {
		return nil, err
	}
	g := knn.NewGraph(1, k, ix.metric)
	gi, gd := g.Row(0)
	j := 0
	for t, id := range ids {
		if j == k {
			break
		}
		if slices.Contains(exclude, int(id)) {
			continue
		}
		gi[j], gd[j] = id, dists[t]
		j++
	}
	return g, nil
}
