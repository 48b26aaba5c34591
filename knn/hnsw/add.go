package hnsw

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Add inserts the rows of x; they get the ids Len(), Len()+1, … in row
// order. Insertion runs on Config.Workers goroutines (GOMAXPROCS when 0),
// each node under its own lock, as in hnswlib. Levels are drawn from the
// index's generator in row order before any insertion, so they never
// depend on scheduling; with one worker the whole graph is a function of
// the data and the seed, while with several the order in which nodes see
// each other varies from run to run and so do the links (not the recall).
//
// Bad input — a column mismatch, NaN/Inf values, zero vectors under
// Cosine — is an error and leaves the index unchanged. Cancelling ctx
// stops the insertion: the rows inserted so far (a prefix of x) stay in
// the index, and Add returns ctx.Err().
func (ix *Index) Add(ctx context.Context, x *mat32.Dense, prog progress.Func) error {
	if x == nil || x.Rows == 0 {
		return nil
	}
	if x.Cols != ix.dim {
		return fmt.Errorf("hnsw: data have %d columns, index has %d", x.Cols, ix.dim)
	}
	if err := dataset.CheckFinite("hnsw: data", x); err != nil {
		return err
	}
	src := x
	if ix.metric == knn.Cosine {
		var err error
		if src, err = knn.NormalizeRows(nil, x, "hnsw: data"); err != nil {
			return err
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if int64(ix.n)+int64(x.Rows) > math.MaxInt32 {
		return fmt.Errorf("hnsw: index would hold %d vectors, at most %d", int64(ix.n)+int64(x.Rows), math.MaxInt32)
	}
	first, total := ix.n, ix.n+x.Rows
	ix.vecs = append(ix.vecs, src.Data...)
	ix.links0 = append(ix.links0, make([]uint32, x.Rows*(ix.m0+1))...)
	ix.locks = append(ix.locks, make([]uint32, x.Rows)...)
	for i := 0; i < x.Rows; i++ {
		l := ix.drawLevel()
		ix.levels = append(ix.levels, uint8(l))
		var up []uint32
		if l > 0 {
			up = make([]uint32, l*(ix.m+1))
		}
		ix.upper = append(ix.upper, up)
	}
	ix.n = total
	next := first
	if ix.entry < 0 {
		ix.entry, ix.maxLevel = int32(first), int(ix.levels[first])
		next++
	}
	workers := ix.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, total-next)
	var (
		counter atomic.Int64
		repMu   sync.Mutex
		wg      sync.WaitGroup
	)
	counter.Store(int64(next))
	ix.building = true
	report := func(c int64) {
		if prog == nil || (c-int64(first))%1024 != 0 && c != int64(total) {
			return
		}
		repMu.Lock()
		prog.Report(progress.Update{Stage: "hnsw build", Done: c - int64(first), Total: int64(total - first)})
		repMu.Unlock()
	}
	work := func() {
		defer wg.Done()
		s := &searcher{visited: make([]uint32, total)}
		for {
			if ctx.Err() != nil {
				return
			}
			i := counter.Add(1) - 1
			if i >= int64(total) {
				return
			}
			ix.insert(s, uint32(i))
			report(i + 1)
		}
	}
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go work()
	}
	wg.Wait()
	ix.building = false
	if err := ctx.Err(); err != nil {
		// Every id below the counter was taken and finished; drop the rest.
		ix.truncate(int(min(counter.Load(), int64(total))))
		return err
	}
	return nil
}

// drawLevel draws a node's top layer from the exponential distribution of
// the HNSW paper, floor(−ln U · 1/ln M).
func (ix *Index) drawLevel() int {
	u := 1 - ix.rng.Float64() // (0, 1]
	return min(int(-math.Log(u)*ix.mult), maxLevelCap)
}

// truncate drops the nodes from n on, which must not be linked from the
// rest (they were never inserted).
func (ix *Index) truncate(n int) {
	ix.vecs = ix.vecs[:n*ix.dim]
	ix.links0 = ix.links0[:n*(ix.m0+1)]
	ix.locks = ix.locks[:n]
	ix.levels = ix.levels[:n]
	ix.upper = ix.upper[:n]
	ix.n = n
}

// insert links node id into the graph (hnswlib's addPoint).
func (ix *Index) insert(s *searcher, id uint32) {
	q := ix.vec(id)
	level := int(ix.levels[id])
	ix.global.Lock()
	top, entry := ix.maxLevel, uint32(ix.entry)
	raise := level > top
	if !raise {
		ix.global.Unlock()
	}
	ep := item{ix.dist(q, entry), entry}
	for lev := top; lev > level; lev-- {
		ep = ix.greedy(s, q, ep, lev)
	}
	for lev := min(level, top); lev >= 0; lev-- {
		ix.searchLayer(s, q, ep, ix.efC, lev)
		// Candidates nearest first.
		s.sel = s.sel[:0]
		for len(s.res) > 0 {
			s.sel = append(s.sel, s.res.pop())
		}
		for a, b := 0, len(s.sel)-1; a < b; a, b = a+1, b-1 {
			s.sel[a], s.sel[b] = s.sel[b], s.sel[a]
		}
		ep = s.sel[0]
		chosen := ix.heuristic(s.sel, ix.m)
		ix.lock(id)
		l := ix.links(id, lev)
		l[0] = uint32(len(chosen))
		for j, c := range chosen {
			l[1+j] = c.id
		}
		ix.unlock(id)
		for _, c := range chosen {
			ix.link(s, c.id, id, c.d, lev)
		}
	}
	if raise {
		ix.entry, ix.maxLevel = int32(id), level
		ix.global.Unlock()
	}
}

// heuristic keeps, from cands sorted nearest first, up to m that are each
// nearer to the new node than to any already kept (the HNSW paper's
// neighbour selection heuristic, which keeps links pointing in diverse
// directions). It reuses cands' storage.
func (ix *Index) heuristic(cands []item, m int) []item {
	if len(cands) <= m {
		return cands
	}
	kept := cands[:0]
	for _, c := range cands {
		if len(kept) >= m {
			break
		}
		good := true
		cv := ix.vec(c.id)
		for _, k := range kept {
			if ix.dist(cv, k.id) < c.d {
				good = false
				break
			}
		}
		if good {
			kept = append(kept, c)
		}
	}
	return kept
}

// link adds id (at distance d) to node c's list on layer lev, shrinking the
// list with the heuristic when it is full.
func (ix *Index) link(s *searcher, c, id uint32, d float32, lev int) {
	maxN := ix.m
	if lev == 0 {
		maxN = ix.m0
	}
	ix.lock(c)
	defer ix.unlock(c)
	l := ix.links(c, lev)
	n := int(l[0])
	for _, x := range l[1 : 1+n] {
		if x == id {
			return
		}
	}
	if n < maxN {
		l[1+n] = id
		l[0]++
		return
	}
	cv := ix.vec(c)
	cands := append(s.prune[:0], item{d, id})
	for _, x := range l[1 : 1+n] {
		cands = append(cands, item{ix.dist(cv, x), x})
	}
	sortItems(cands)
	kept := ix.heuristic(cands, maxN)
	l[0] = uint32(len(kept))
	for j, k := range kept {
		l[1+j] = k.id
	}
	s.prune = cands
}

// sortItems sorts by distance, then id (insertion sort: lists are short).
func sortItems(a []item) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && worse(a[j-1], a[j]); j-- {
			a[j-1], a[j] = a[j], a[j-1]
		}
	}
}
