package tsne

import (
	"context"
	"math"
	"slices"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// csr is a sparse n×n matrix in compressed-row form; rows list their
// columns in increasing order.
type csr struct {
	n      int
	rowPtr []int
	col    []int32
	val    []float32
}

// nnz returns the number of stored entries.
func (m *csr) nnz() int { return len(m.col) }

// Search limits of the bandwidth fit: the entropy is matched to within
// entropyTol nats, giving up after maxBetaSteps halvings or doublings.
const (
	entropyTol   = 1e-5
	maxBetaSteps = 200
)

// fitRow writes into p (len(d2)) the affinities exp(−β·(d2 − min d2))/Σ of
// one point to its neighbours at squared distances d2 (finite, ≥ 0), with
// the precision β found by bisection so that the entropy −Σ p·ln p is
// ln(perplexity). Shifting by the smallest distance keeps the normaliser
// at least 1, so there is no underflow to 0/0 however far the neighbours
// are; if every neighbour is at the same distance (duplicates, lattices)
// the affinities are uniform whatever β is. The result always sums to 1.
func fitRow(p, d2 []float64, perplexity float64) {
	k := len(d2)
	if k == 0 {
		return
	}
	lo := math.Inf(1)
	mean := 0.0
	for _, v := range d2 {
		lo = min(lo, v)
	}
	for _, v := range d2 {
		mean += v - lo
	}
	mean /= float64(k)
	target := math.Log(perplexity)
	beta := 1.0
	if mean > 0 {
		beta = 1 / mean
	}
	bmin, bmax := 0.0, math.Inf(1)
	for step := 0; step < maxBetaSteps; step++ {
		sum, wsum := 0.0, 0.0
		for i, v := range d2 {
			e := math.Exp(-beta * (v - lo))
			p[i] = e
			sum += e
			wsum += e * (v - lo)
		}
		h := math.Log(sum) + beta*wsum/sum
		if math.Abs(h-target) < entropyTol {
			break
		}
		if h > target {
			// Too flat: sharpen.
			bmin = beta
			if math.IsInf(bmax, 1) {
				beta *= 2
			} else {
				beta = (beta + bmax) / 2
			}
		} else {
			bmax = beta
			beta = (beta + bmin) / 2
		}
		if beta == bmin || beta == bmax || math.IsInf(beta, 0) {
			break // no representable progress left
		}
	}
	sum := 0.0
	for _, v := range p[:k] {
		sum += v
	}
	for i := range p[:k] {
		p[i] /= sum
	}
}

// conditional fills cond (n×K, the graph's shape) with p_{j|i} for each
// neighbour j of row i: the mean over perplexities of the fitted Gaussian
// affinities (one perplexity: the plain t-SNE affinities). Padding slots of
// the graph (index −1) get 0. Rows are independent, computed in fixed
// chunks in parallel.
func conditional(ctx context.Context, g *knn.Graph, perplexities []float64, pf progress.Func) ([]float64, error) {
	n, k := g.Len(), g.K
	cond := make([]float64, n*k)
	const chunk = 512
	chunks := (n + chunk - 1) / chunk
	var done int64
	var err error
	for c0 := 0; c0 < chunks; c0 += 8 {
		if err = ctx.Err(); err != nil {
			return nil, err
		}
		c1 := min(c0+8, chunks)
		mat32.Parallel(c1-c0, 1, func(lo, hi int) {
			d2 := make([]float64, k)
			tmp := make([]float64, k)
			for c := c0 + lo; c < c0+hi; c++ {
				for i := c * chunk; i < min((c+1)*chunk, n); i++ {
					idx, dist := g.Row(i)
					m := 0
					for j, x := range idx {
						if x >= 0 && !math.IsInf(float64(dist[j]), 0) {
							v := float64(dist[j])
							d2[m] = v * v
							m++
						}
					}
					out := cond[i*k : i*k+m]
					if len(perplexities) == 1 {
						fitRow(out, d2[:m], perplexities[0])
					} else {
						for _, perp := range perplexities {
							fitRow(tmp[:m], d2[:m], perp)
							for j, v := range tmp[:m] {
								out[j] += v / float64(len(perplexities))
							}
						}
					}
					// Spread the m values back over the valid slots.
					if m < k {
						vals := append([]float64(nil), out...)
						row := cond[i*k : (i+1)*k]
						clear(row)
						t := 0
						for j, x := range idx {
							if x >= 0 && !math.IsInf(float64(dist[j]), 0) {
								row[j] = vals[t]
								t++
							}
						}
					}
				}
			}
		})
		done = int64(min(c1*chunk, n))
		pf.Report(progress.Update{Stage: "affinities", Done: done, Total: int64(n)})
	}
	return cond, nil
}

// symmetrize returns P = (C + Cᵀ)/Σ(C + Cᵀ) for the conditional affinities
// C of graph g: the joint affinities of t-SNE, symmetric, summing to 1,
// with each row's columns sorted. The result depends only on g and cond.
func symmetrize(g *knn.Graph, cond []float64) *csr {
	n, k := g.Len(), g.K
	// Transposed lists: for each j, the rows i that have j as a neighbour,
	// in increasing i.
	tcount := make([]int, n+1)
	for i := 0; i < n; i++ {
		idx, _ := g.Row(i)
		for j, x := range idx {
			if x >= 0 && cond[i*k+j] > 0 {
				tcount[x+1]++
			}
		}
	}
	for j := 0; j < n; j++ {
		tcount[j+1] += tcount[j]
	}
	tptr := slices.Clone(tcount)
	trow := make([]int32, tcount[n])
	tval := make([]float64, tcount[n])
	for i := 0; i < n; i++ {
		idx, _ := g.Row(i)
		for j, x := range idx {
			if x >= 0 && cond[i*k+j] > 0 {
				trow[tptr[x]] = int32(i)
				tval[tptr[x]] = cond[i*k+j]
				tptr[x]++
			}
		}
	}
	// Row i of C + Cᵀ merges i's own list with its transposed list; both
	// hold distinct columns, so a column appears at most twice.
	type entry struct {
		col int32
		val float64
	}
	rows := make([][]entry, n)
	mat32.Parallel(n, 1024, func(lo, hi int) {
		var buf []entry
		for i := lo; i < hi; i++ {
			buf = buf[:0]
			idx, _ := g.Row(i)
			for j, x := range idx {
				if x >= 0 && int(x) != i && cond[i*k+j] > 0 {
					buf = append(buf, entry{x, cond[i*k+j]})
				}
			}
			for t := tcount[i]; t < tcount[i+1]; t++ {
				if int(trow[t]) != i {
					buf = append(buf, entry{trow[t], tval[t]})
				}
			}
			slices.SortStableFunc(buf, func(a, b entry) int { return int(a.col) - int(b.col) })
			out := make([]entry, 0, len(buf))
			for _, e := range buf {
				if l := len(out); l > 0 && out[l-1].col == e.col {
					out[l-1].val += e.val
					continue
				}
				out = append(out, e)
			}
			rows[i] = out
		}
	})
	m := &csr{n: n, rowPtr: make([]int, n+1)}
	total := 0.0
	for i, r := range rows {
		m.rowPtr[i+1] = m.rowPtr[i] + len(r)
		for _, e := range r {
			total += e.val
		}
	}
	m.col = make([]int32, m.rowPtr[n])
	m.val = make([]float32, m.rowPtr[n])
	if total <= 0 {
		total = 1
	}
	for i, r := range rows {
		base := m.rowPtr[i]
		for t, e := range r {
			m.col[base+t] = e.col
			m.val[base+t] = float32(e.val / total)
		}
	}
	return m
}
