package knn

import (
	"context"
	"math"
	"math/bits"
	"slices"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// NNDescentOptions tune the approximate graph builder. Zero fields take the
// documented defaults. Whatever k is asked for, the builder keeps at least
// 10 neighbours per point while it refines (small lists converge poorly)
// and returns the best k.
type NNDescentOptions struct {
	// Trees is the number of random-projection trees whose leaves seed the
	// graph. Default: 4 + round(n^0.25)/2, at most 16.
	Trees int
	// LeafSize is the largest leaf of those trees. Default max(k, 16),
	// at most 64.
	LeafSize int
	// MaxCandidates bounds the new and the old candidates sampled per point
	// and iteration. Default 60 (as umap-learn asks of pynndescent); it costs
	// 480 bytes per point while building.
	MaxCandidates int
	// MaxIters bounds the refinement rounds. Default max(5, round(log2 n)).
	MaxIters int
	// Delta stops the refinement when a round changes fewer than
	// Delta·n·k graph entries. Default 0.001.
	Delta float64
}

func (o NNDescentOptions) withDefaults(n, k int) NNDescentOptions {
	if o.Trees <= 0 {
		o.Trees = min(16, 4+int(math.Round(math.Pow(float64(n), 0.25)))/2)
	}
	if o.LeafSize <= 0 {
		o.LeafSize = min(64, max(k, 16))
	}
	o.LeafSize = max(o.LeafSize, 2)
	if o.MaxCandidates <= 0 {
		o.MaxCandidates = 60
	}
	if o.MaxIters <= 0 {
		o.MaxIters = max(5, int(math.Round(math.Log2(float64(n)))))
	}
	if o.Delta <= 0 {
		o.Delta = 0.001
	}
	return o
}

// Streams of dataset.NewRand used by the graph builder; each tree has its
// own stream so trees can be built in any order on any thread.
const (
	streamTree = 1 << 32
)

// nnHeap is the working graph of NN-descent: row i holds k slots as a
// max-heap on (distance, index), worst first. Empty slots hold index -1
// and distance +Inf. isNew marks entries not yet used in a local join.
type nnHeap struct {
	k     int
	idx   []int32
	dist  []float32
	isNew []bool
}

func newNNHeap(n, k int) *nnHeap {
	h := &nnHeap{k: k, idx: make([]int32, n*k), dist: make([]float32, n*k), isNew: make([]bool, n*k)}
	inf := float32(math.Inf(1))
	for i := range h.idx {
		h.idx[i] = -1
		h.dist[i] = inf
	}
	return h
}

// worse reports whether slot (d1, i1) ranks after (d2, i2); empty slots
// rank last.
func worse(d1 float32, i1 int32, d2 float32, i2 int32) bool {
	if d1 != d2 {
		return d1 > d2
	}
	return i1 > i2 || (i1 < 0 && i2 >= 0)
}

// push offers j at distance d to row i's neighbours. It keeps the k best
// distinct entries, so the final contents do not depend on the order of the
// pushes. It returns whether j entered.
func (h *nnHeap) push(i int, j int32, d float32) bool {
	k := h.k
	ri := h.idx[i*k : (i+1)*k]
	rd := h.dist[i*k : (i+1)*k]
	if !worse(rd[0], ri[0], d, j) {
		return false
	}
	for _, x := range ri {
		if x == j {
			return false
		}
	}
	rn := h.isNew[i*k : (i+1)*k]
	// Replace the root and sift down.
	p := 0
	for {
		l := 2*p + 1
		if l >= k {
			break
		}
		c := l
		if r := l + 1; r < k && worse(rd[r], ri[r], rd[l], ri[l]) {
			c = r
		}
		if !worse(rd[c], ri[c], d, j) {
			break
		}
		rd[p], ri[p], rn[p] = rd[c], ri[c], rn[c]
		p = c
	}
	rd[p], ri[p], rn[p] = d, j, true
	return true
}

// minInternalK is the smallest neighbour list NN-descent works with.
const minInternalK = 10

// nnUpdate is a candidate neighbour found by a local join.
type nnUpdate struct {
	to, from int32
	d        float32
}

// nnDescent builds an approximate k-NN graph of x (self excluded).
// Distances inside are squared euclidean (on unit vectors for Cosine),
// −x·y or Σ|x−y|; the returned graph holds them in the metric's units.
func nnDescent(ctx context.Context, x *mat32.Dense, k int, metric Metric, seed uint64, opt NNDescentOptions, prog progress.Func) (*Graph, error) {
	n := x.Rows
	opt = opt.withDefaults(n, k)
	// Small k converge poorly (few new candidates per round): search for at
	// least minInternalK neighbours and keep the best k.
	kOut := k
	k = min(max(k, minInternalK), n-1)
	data := x
	if metric == Cosine {
		var err error
		if data, err = NormalizeRows(nil, x, "knn: data"); err != nil {
			return nil, err
		}
	}
	dist := func(a, b int32) float32 {
		switch metric {
		case InnerProduct:
			return -mat32.Dot(data.Row(int(a)), data.Row(int(b)))
		case Manhattan:
			return mat32.L1Dist(data.Row(int(a)), data.Row(int(b)))
		}
		return mat32.SqDist(data.Row(int(a)), data.Row(int(b)))
	}
	h := newNNHeap(n, k)

	// Initialisation: pairs within the leaves of random-projection trees.
	// The first tree also fixes a new order of the rows, leaf after leaf,
	// so that rows near in space are near in memory: all the work below
	// runs on that copy and maps indices back at the end.
	const treeBatch = 4
	trees := make([]rpTree, min(treeBatch, opt.Trees))
	buildRPTree(data, opt.LeafSize, dataset.NewRand(seed, streamTree), &trees[0])
	order := slices.Clone(trees[0].perm)
	data = mat32.Gather(nil, data, int32sToInts(order))
	// The first tree's leaves are now contiguous runs of the new order.
	for i := range trees[0].perm {
		trees[0].perm[i] = int32(i)
	}
	for t0 := 0; t0 < opt.Trees; t0 += treeBatch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		nt := min(treeBatch, opt.Trees-t0)
		mat32.Parallel(nt, 1, func(lo, hi int) {
			for t := lo; t < hi; t++ {
				if t0+t > 0 {
					buildRPTree(data, opt.LeafSize, dataset.NewRand(seed, streamTree+uint64(t0+t)), &trees[t])
				}
			}
		})
		for t := 0; t < nt; t++ {
			tr := &trees[t]
			nl := len(tr.bounds) - 1
			mat32.Parallel(nl, mat32.Grain(nl, 64), func(lo, hi int) {
				for l := lo; l < hi; l++ {
					leaf := tr.perm[tr.bounds[l]:tr.bounds[l+1]]
					for a, p := range leaf {
						for _, q := range leaf[a+1:] {
							d := dist(p, q)
							h.push(int(p), q, d)
							h.push(int(q), p, d)
						}
					}
				}
			})
		}
		prog.Report(progress.Update{Stage: "knn graph: trees", Done: int64(t0 + nt), Total: int64(opt.Trees)})
	}
	trees = nil
	// Rows that the leaves left short get random neighbours.
	mat32.Parallel(n, mat32.Grain(n, 1024), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := h.idx[i*k : (i+1)*k]
			for t := uint64(0); t < 1<<16 && slices.Contains(row, -1); t++ {
				j := int32(hash3(seed, uint64(i), t) % uint64(n))
				if int(j) != i {
					h.push(i, j, dist(int32(i), j))
				}
			}
		}
	})

	// Refinement rounds.
	maxC := opt.MaxCandidates
	newC := make([]int32, n*maxC)
	oldC := make([]int32, n*maxC)
	newN := make([]int32, n)
	oldN := make([]int32, n)
	revStart := make([]int32, n+1)
	revPos := make([]int32, n*k)
	const (
		chunk = 128 // nodes per local-join task
		parts = 32  // target partitions for applying updates
	)
	blockSize := max(chunk, min(n, 16384))
	nChunks := (blockSize + chunk - 1) / chunk
	buckets := make([][parts][]nnUpdate, nChunks)
	partOf := func(i int32) int { return int(int64(i) * parts / int64(n)) }
	var changed [parts]int
	for iter := 0; iter < opt.MaxIters; iter++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Reverse edges, as positions of the forward entries, in row order.
		clear(revStart)
		for _, j := range h.idx {
			if j >= 0 {
				revStart[j+1]++
			}
		}
		for i := 0; i < n; i++ {
			revStart[i+1] += revStart[i]
		}
		fill := slices.Clone(revStart[:n])
		for p, j := range h.idx {
			if j >= 0 {
				revPos[fill[j]] = int32(p)
				fill[j]++
			}
		}
		// Sample candidates: forward and reverse neighbours, new and old,
		// keeping the maxC of lowest hashed priority of each kind.
		mat32.Parallel(n, mat32.Grain(n, 512), func(lo, hi int) {
			var cn, co candHeap
			cn.init(maxC)
			co.init(maxC)
			for i := lo; i < hi; i++ {
				cn.reset()
				co.reset()
				for s := i * k; s < (i+1)*k; s++ {
					j := h.idx[s]
					if j < 0 {
						continue
					}
					pr := hash3(seed, uint64(iter), uint64(s))
					if h.isNew[s] {
						cn.push(j, pr)
					} else {
						co.push(j, pr)
					}
				}
				for _, s := range revPos[revStart[i]:revStart[i+1]] {
					j := s / int32(k)
					pr := hash3(seed, uint64(iter), uint64(s))
					if h.isNew[s] {
						cn.push(j, pr)
					} else {
						co.push(j, pr)
					}
				}
				newN[i] = int32(copy(newC[i*maxC:], cn.ids))
				oldN[i] = int32(copy(oldC[i*maxC:], co.ids))
			}
		})
		// Entries sampled as new candidates of their own row are now old.
		mat32.Parallel(n, mat32.Grain(n, 1024), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				nc := newC[i*maxC : i*maxC+int(newN[i])]
				for s := i * k; s < (i+1)*k; s++ {
					if h.isNew[s] && slices.Contains(nc, h.idx[s]) {
						h.isNew[s] = false
					}
				}
			}
		})
		// Local joins, block by block: generate updates against the block's
		// starting graph (read-only), then apply them partition by partition
		// in chunk order. Both phases are deterministic at any thread count.
		total := 0
		for b0 := 0; b0 < n; b0 += blockSize {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b1 := min(b0+blockSize, n)
			nc := (b1 - b0 + chunk - 1) / chunk
			mat32.Parallel(nc, 1, func(clo, chi int) {
				for c := clo; c < chi; c++ {
					bk := &buckets[c]
					for p := range bk {
						bk[p] = bk[p][:0]
					}
					if ctx.Err() != nil {
						continue // the block's check below returns
					}
					emit := func(p, q int32, d float32) {
						if d < h.dist[int(p)*k] {
							pp := partOf(p)
							bk[pp] = append(bk[pp], nnUpdate{p, q, d})
						}
						if d < h.dist[int(q)*k] {
							pq := partOf(q)
							bk[pq] = append(bk[pq], nnUpdate{q, p, d})
						}
					}
					for i := b0 + c*chunk; i < min(b0+(c+1)*chunk, b1); i++ {
						nw := newC[i*maxC : i*maxC+int(newN[i])]
						ol := oldC[i*maxC : i*maxC+int(oldN[i])]
						for a, p := range nw {
							for _, q := range nw[a+1:] {
								emit(p, q, dist(p, q))
							}
							for _, q := range ol {
								if p != q {
									emit(p, q, dist(p, q))
								}
							}
						}
					}
				}
			})
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			mat32.Parallel(parts, 1, func(plo, phi int) {
				for p := plo; p < phi; p++ {
					cnt := 0
					for c := 0; c < nc; c++ {
						for _, u := range buckets[c][p] {
							if h.push(int(u.to), u.from, u.d) {
								cnt++
							}
						}
					}
					changed[p] = cnt
				}
			})
			for _, c := range changed {
				total += c
			}
		}
		prog.Report(progress.Update{Stage: "knn graph: nn-descent", Done: int64(iter + 1), Total: int64(opt.MaxIters)})
		if float64(total) <= opt.Delta*float64(n)*float64(k) {
			break
		}
	}

	// Map rows and indices back to the input order, sort each row and
	// convert the distances.
	g := &Graph{K: kOut, Metric: metric, Indices: make([]int32, n*kOut), Dists: make([]float32, n*kOut)}
	mat32.Parallel(n, mat32.Grain(n, 1024), func(lo, hi int) {
		ti, td := make([]int32, k), make([]float32, k)
		for r := lo; r < hi; r++ {
			copy(td, h.dist[r*k:(r+1)*k])
			for j, p := range h.idx[r*k : (r+1)*k] {
				ti[j] = -1
				if p >= 0 {
					ti[j] = order[p]
				}
			}
			// Convert first, then sort: two squared distances can share
			// one square root, and the tie goes to the lower index.
			for j := range td {
				switch metric {
				case Euclidean:
					td[j] = float32(math.Sqrt(float64(td[j])))
				case Cosine:
					td[j] /= 2
				}
			}
			sortRow(ti, td)
			idx, d := g.Row(int(order[r]))
			copy(idx, ti[:kOut])
			copy(d, td[:kOut])
		}
	})
	return g, nil
}

func int32sToInts(a []int32) []int {
	b := make([]int, len(a))
	for i, v := range a {
		b[i] = int(v)
	}
	return b
}

// sortRow sorts a short row by (distance, index) with insertion sort.
func sortRow(idx []int32, d []float32) {
	for a := 1; a < len(idx); a++ {
		for b := a; b > 0 && worse(d[b-1], idx[b-1], d[b], idx[b]); b-- {
			d[b-1], d[b] = d[b], d[b-1]
			idx[b-1], idx[b] = idx[b], idx[b-1]
		}
	}
}

// candHeap keeps up to cap distinct ids of lowest priority.
type candHeap struct {
	ids []int32
	pri []uint64
}

func (c *candHeap) init(n int) {
	c.ids = make([]int32, 0, n)
	c.pri = make([]uint64, 0, n)
}

func (c *candHeap) reset() { c.ids, c.pri = c.ids[:0], c.pri[:0] }

func (c *candHeap) push(id int32, pr uint64) {
	n := len(c.ids)
	if n == cap(c.ids) && pr >= c.pri[0] {
		return
	}
	if slices.Contains(c.ids, id) {
		return
	}
	if n < cap(c.ids) {
		c.ids, c.pri = append(c.ids, id), append(c.pri, pr)
		for j := n; j > 0; {
			p := (j - 1) / 2
			if c.pri[p] >= c.pri[j] {
				break
			}
			c.ids[p], c.ids[j] = c.ids[j], c.ids[p]
			c.pri[p], c.pri[j] = c.pri[j], c.pri[p]
			j = p
		}
		return
	}
	c.ids[0], c.pri[0] = id, pr
	for j := 0; ; {
		l := 2*j + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && c.pri[r] > c.pri[l] {
			m = r
		}
		if c.pri[j] >= c.pri[m] {
			return
		}
		c.ids[j], c.ids[m] = c.ids[m], c.ids[j]
		c.pri[j], c.pri[m] = c.pri[m], c.pri[j]
		j = m
	}
}

// hash3 mixes a seed and two values into 64 well-spread bits
// (splitmix64 finaliser).
func hash3(seed, a, b uint64) uint64 {
	z := seed ^ bits.RotateLeft64(a*0x9E3779B97F4A7C15, 23) ^ b*0xD1B54A32D192ED03
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}
