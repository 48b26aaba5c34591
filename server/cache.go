package server

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/knn/hnsw"
	"github.com/latentlab/latent/store"
)

// loaded is a dataset held in memory with what the server derived from it:
// colour codes per column and neighbour indexes per metric.
type loaded struct {
	info store.Dataset
	d    *dataset.Dataset

	mu      sync.Mutex
	used    time.Time
	codes   map[string]*codes
	indexes map[knn.Metric]*indexEntry
}

// indexEntry is an HNSW index being built or ready.
type indexEntry struct {
	ready chan struct{} // closed when ix or err is set
	ix    *hnsw.Index
	err   error
}

// cache keeps up to CacheSize datasets (CacheBytes of matrices) loaded,
// evicting the least recently used. Loading happens once per dataset even under concurrent requests.
type cache struct {
	s       *Server
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	done chan struct{}
	l    *loaded
	err  error
}

func newCache(s *Server) *cache { return &cache{s: s, entries: map[string]*cacheEntry{}} }

// get returns the loaded dataset with the given ID or name.
func (c *cache) get(ctx context.Context, ref string) (*loaded, error) {
	// Fast path: a loaded dataset asked for by ID needs no catalogue query
	// (deleting it goes through drop).
	c.mu.Lock()
	e, ok := c.entries[ref]
	c.mu.Unlock()
	if ok {
		select {
		case <-e.done:
			if e.l != nil {
				e.l.mu.Lock()
				e.l.used = time.Now()
				e.l.mu.Unlock()
				return e.l, nil
			}
		default:
		}
	}
	info, err := c.s.dataset(ctx, ref)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e, ok = c.entries[info.ID]
	if !ok {
		e = &cacheEntry{done: make(chan struct{})}
		c.entries[info.ID] = e
		c.mu.Unlock()
		var d *dataset.Dataset
		if info.Linked() {
			d, err = c.s.loadRemote(context.WithoutCancel(ctx), info)
			if d != nil {
				info.Rows, info.Dim = d.Len(), d.Dim()
			}
		} else {
			d, err = c.s.st.LoadDataset(context.WithoutCancel(ctx), info.ID)
		}
		if err != nil {
			e.err = err
		} else {
			e.l = &loaded{info: info, d: d, used: time.Now(), codes: map[string]*codes{}, indexes: map[knn.Metric]*indexEntry{}}
		}
		close(e.done)
		c.mu.Lock()
		if e.err != nil {
			delete(c.entries, info.ID)
		}
		c.evict()
		c.mu.Unlock()
	} else {
		c.mu.Unlock()
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, e.err
	}
	e.l.mu.Lock()
	e.l.used = time.Now()
	e.l.mu.Unlock()
	return e.l, nil
}

// evict drops the least recently used loaded datasets beyond the cache
// size or byte budget, but never the most recent one. c.mu is held.
func (c *cache) evict() {
	for {
		var oldest string
		var t time.Time
		var bytes int64
		loaded := 0
		for id, e := range c.entries {
			select {
			case <-e.done:
			default:
				continue // still loading
			}
			if e.l == nil {
				continue
			}
			loaded++
			bytes += 4 * int64(len(e.l.d.X.Data))
			e.l.mu.Lock()
			u := e.l.used
			e.l.mu.Unlock()
			if oldest == "" || u.Before(t) {
				oldest, t = id, u
			}
		}
		if loaded <= 1 || (len(c.entries) <= c.s.cfg.CacheSize && bytes <= c.s.cfg.CacheBytes) {
			return
		}
		delete(c.entries, oldest)
	}
}

// peek returns the dataset with the given ID when it is loaded, else nil;
// it loads nothing.
func (c *cache) peek(id string) *loaded {
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	select {
	case <-e.done:
		return e.l
	default:
		return nil
	}
}

// drop forgets a dataset (after it was deleted, or when its collection
// changed).
func (c *cache) drop(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

// index returns the dataset's HNSW index for metric, or nil while it is
// being built; the first call starts the build. With wait it blocks until
// the index is ready (or ctx ends).
func (c *cache) index(ctx context.Context, l *loaded, m knn.Metric, wait bool) (*hnsw.Index, error) {
	l.mu.Lock()
	e, ok := l.indexes[m]
	if !ok {
		e = &indexEntry{ready: make(chan struct{})}
		l.indexes[m] = e
		c.s.wg.Add(1)
		go func() {
			defer c.s.wg.Done()
			e.ix, e.err = c.buildIndex(l, m)
			if e.err != nil {
				c.s.log.Error("neighbour index", "dataset", l.info.ID, "metric", m.String(), "err", e.err)
			}
			close(e.ready)
		}()
	}
	l.mu.Unlock()
	if wait {
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	select {
	case <-e.ready:
		return e.ix, e.err
	default:
		return nil, nil
	}
}

// indexFile is where a dataset's index is kept between runs: a cache file
// in the dataset's folder (not part of its catalogued files).
func (c *cache) indexFile(l *loaded, m knn.Metric) string {
	return c.s.st.CacheFile(l.info, "index-"+m.String()+".hnsw")
}

func (c *cache) buildIndex(l *loaded, m knn.Metric) (*hnsw.Index, error) {
	path := c.indexFile(l, m)
	if ix, err := hnsw.Load(path); err == nil {
		if ix.Len() == l.d.Len() && ix.Dim() == l.d.Dim() && ix.Metric() == m {
			return ix, nil
		}
	} else if !os.IsNotExist(err) {
		c.s.log.Warn("rebuilding neighbour index", "file", path, "err", err)
	}
	ix := hnsw.New(l.d.Dim(), hnsw.Config{Metric: m, EfConstruction: 100, Ef: 64})
	if err := ix.Add(c.s.ctx, l.d.X, nil); err != nil {
		return nil, err
	}
	if err := ix.Save(path); err != nil {
		c.s.log.Warn("cannot keep neighbour index", "file", path, "err", err)
	}
	return ix, nil
}

// neighbors answers a neighbour query on a loaded dataset: q is the query
// vector; exclude lists rows to leave out. method is "auto", "exact" or
// "hnsw"; the method used is returned.
func (c *cache) neighbors(ctx context.Context, l *loaded, q []float32, k int, m knn.Metric, method string, exclude []int) (*knn.Graph, string, error) {
	n := l.d.Len()
	if k > n-len(exclude) {
		return nil, "", unprocessable(fmt.Errorf("k = %d, but the dataset has only %d other rows", k, n-len(exclude)))
	}
	useIndex := method == "hnsw" || (method == "auto" && n > c.s.cfg.ExactMaxRows)
	if useIndex {
		ix, err := c.index(ctx, l, m, method == "hnsw")
		if err != nil {
			return nil, "", err
		}
		if ix != nil {
			ef := max(2*k, ix.Ef())
			g, err := ix.SearchExcluding(q, k, ef, exclude)
			if err != nil {
				return nil, "", unprocessable(err)
			}
			return g, "hnsw", nil
		}
	}
	g, err := knn.SearchExcluding(ctx, l.d.X, q, k, m, exclude)
	if err != nil {
		return nil, "", unprocessable(err)
	}
	return g, "exact", nil
}

// codes are the colour codes of one column of a dataset: a category index
// per row (none = -1) and the category names.
type codes struct {
	categories []string
	counts     []int
	code       []int32
}

const maxCategories = 1 << 16 // more distinct values than this cannot be coloured by

// codesOf returns the codes of column by: "label" or "meta:NAME".
func (l *loaded) codesOf(by string) (*codes, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.codes[by]; ok {
		return c, nil
	}
	d := l.d
	var c *codes
	switch {
	case by == "label" || by == "":
		if d.Labels == nil {
			return nil, unprocessable(fmt.Errorf("dataset %s has no labels", l.info.ID))
		}
		c = &codes{categories: d.Classes, counts: make([]int, len(d.Classes)), code: make([]int32, d.Len())}
		for i, v := range d.Labels {
			c.code[i] = int32(v)
			if v >= 0 {
				c.counts[v]++
			}
		}
	case len(by) > 5 && by[:5] == "meta:":
		col := d.MetaColumn(by[5:])
		if col == nil {
			return nil, errorf(404, CodeNotFound, "dataset %s has no metadata column %q", l.info.ID, clip(by[5:]))
		}
		distinct := map[string]int32{}
		for _, v := range col.Values {
			if v != "" {
				if _, ok := distinct[v]; !ok {
					distinct[v] = 0
					if len(distinct) > maxCategories {
						return nil, unprocessable(fmt.Errorf("column %q has more than %d distinct values: too many to colour by", clip(by[5:]), maxCategories))
					}
				}
			}
		}
		c = &codes{code: make([]int32, d.Len())}
		for v := range distinct {
			c.categories = append(c.categories, v)
		}
		slices.Sort(c.categories)
		for i, v := range c.categories {
			distinct[v] = int32(i)
		}
		c.counts = make([]int, len(c.categories))
		for i, v := range col.Values {
			if v == "" {
				c.code[i] = -1
				continue
			}
			c.code[i] = distinct[v]
			c.counts[c.code[i]]++
		}
	default:
		return nil, badRequest("by=%q: want \"label\" or \"meta:COLUMN\"", clip(by))
	}
	l.codes[by] = c
	return c, nil
}
