package knn

import (
	"context"
	"fmt"
	"math"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// ExactOptions tune the exact searches. The zero value searches by
// euclidean distance without progress reports.
type ExactOptions struct {
	// Metric is the metric to rank by.
	Metric Metric
	// Progress, when not nil, receives a report after each block of queries.
	Progress progress.Func
}

// Block sizes of the exact search: queries × base rows per GEMM. A 512×4096
// float32 block is 8 MiB, large enough for OpenBLAS to run near its peak
// and small enough to stay cheap to scan.
const (
	exactQueryBlock = 512
	exactBaseBlock  = 4096
)

// Exact returns the k nearest rows of base for every row of queries, by
// brute force: distances come from blocked GEMM (‖y‖² − 2x·y for euclidean,
// x·y for cosine and inner product), each query keeps its best candidates
// in a bounded heap, and the survivors are re-ranked with directly computed
// distances so that exact duplicates and ties come out exact (ties go to
// the lower index). Manhattan distances have no GEMM form: they are all
// computed directly, over tiles of base rows that stay in cache, and rank
// by the same (distance, index) order.
//
// Bad input is an error: k <= 0 or k > base.Rows, an empty base or query
// set, a column mismatch, NaN/Inf values, or zero vectors under Cosine.
// Cancelling ctx stops the search between blocks and returns ctx.Err().
func Exact(ctx context.Context, base, queries *mat32.Dense, k int, opt ExactOptions) (*Graph, error) {
	opt.Metric.check("Exact")
	if err := checkInput(base, "base", 1); err != nil {
		return nil, err
	}
	if err := checkInput(queries, "queries", 1); err != nil {
		return nil, err
	}
	if base.Cols != queries.Cols {
		return nil, fmt.Errorf("knn: queries have %d columns, base has %d", queries.Cols, base.Cols)
	}
	if k <= 0 || k > base.Rows {
		return nil, fmt.Errorf("knn: k=%d: want 1 <= k <= %d (the base rows)", k, base.Rows)
	}
	return exact(ctx, base, queries, k, false, opt)
}

// ExactGraph returns the exact k-nearest-neighbour graph of the rows of x:
// row i lists the k nearest other rows. Only row i itself is left out, so an
// exact duplicate of row i is its nearest neighbour at distance 0.
//
// Bad input is an error: k <= 0 or k >= x.Rows, NaN/Inf values, zero
// vectors under Cosine. Cancelling ctx returns ctx.Err().
func ExactGraph(ctx context.Context, x *mat32.Dense, k int, opt ExactOptions) (*Graph, error) {
	opt.Metric.check("ExactGraph")
	if err := checkInput(x, "data", 2); err != nil {
		return nil, err
	}
	if k <= 0 || k >= x.Rows {
		return nil, fmt.Errorf("knn: k=%d: want 1 <= k < %d (the number of rows)", k, x.Rows)
	}
	return exact(ctx, x, x, k, true, opt)
}

// checkInput refuses nil, short or non-finite matrices.
func checkInput(m *mat32.Dense, name string, minRows int) error {
	if m == nil || m.Rows == 0 {
		return fmt.Errorf("knn: %s: empty set", name)
	}
	if m.Rows < minRows {
		return fmt.Errorf("knn: %s: %d rows, need at least %d", name, m.Rows, minRows)
	}
	if m.Cols == 0 {
		return fmt.Errorf("knn: %s: rows have no columns", name)
	}
	if len(m.Data) != m.Rows*m.Cols {
		panic(fmt.Sprintf("knn: %s: %d values for %d×%d", name, len(m.Data), m.Rows, m.Cols))
	}
	return dataset.CheckFinite("knn: "+name, m)
}

// rerankExtra is how many candidates beyond k each query keeps from the
// GEMM pass for re-ranking with direct distances; it absorbs the rounding
// of the ‖y‖² − 2x·y expansion.
func rerankExtra(k int) int { return max(k, 8) }

func exact(ctx context.Context, base, queries *mat32.Dense, k int, self bool, opt ExactOptions) (*Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opt.Metric == Manhattan {
		return exactDirect(ctx, base, queries, k, self, opt)
	}
	metric := opt.Metric
	avail := base.Rows
	if self {
		avail--
	}
	kc := min(k+rerankExtra(k), avail)
	b, q := base, queries
	var yn []float32
	switch metric {
	case Cosine:
		name := "knn: base"
		if self {
			name = "knn: data"
		}
		var err error
		if b, err = NormalizeRows(nil, base, name); err != nil {
			return nil, err
		}
		if self {
			q = b
		} else if q, err = NormalizeRows(nil, queries, "knn: queries"); err != nil {
			return nil, err
		}
	case Euclidean:
		yn = mat32.RowSqNorms(nil, base)
	}
	// alpha scales x·y so that the block holds a quantity to minimise:
	// ‖y‖² − 2x·y (after adding yn) or −x·y.
	alpha := float32(-1)
	if metric == Euclidean {
		alpha = -2
	}
	nq, d := q.Rows, q.Cols
	qb := min(exactQueryBlock, nq)
	bb := min(exactBaseBlock, b.Rows)
	buf := make([]float32, qb*bb)
	heaps := make([]*topK, qb)
	for i := range heaps {
		heaps[i] = newTopK(kc)
	}
	g := &Graph{K: k, Metric: metric, Indices: make([]int32, nq*k), Dists: make([]float32, nq*k)}
	for q0 := 0; q0 < nq; q0 += qb {
		q1 := min(q0+qb, nq)
		m := q1 - q0
		for i := 0; i < m; i++ {
			heaps[i].reset()
		}
		for b0 := 0; b0 < b.Rows; b0 += bb {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b1 := min(b0+bb, b.Rows)
			nb := b1 - b0
			mat32.Sgemm(false, true, m, nb, d, alpha, q.Data[q0*d:q1*d], d, b.Data[b0*d:b1*d], d, 0, buf[:m*nb], nb)
			mat32.Parallel(m, mat32.Grain(m, 16), func(lo, hi int) {
				for i := lo; i < hi; i++ {
					h := heaps[i]
					row := buf[i*nb : (i+1)*nb]
					skip := -1
					if self && q0+i >= b0 && q0+i < b1 {
						skip = q0 + i - b0
					}
					worst := h.worst()
					if yn != nil {
						norms := yn[b0:b1]
						for j, v := range row {
							v += norms[j]
							if v <= worst && j != skip {
								h.push(v, int32(b0+j))
								worst = h.worst()
							}
						}
					} else {
						for j, v := range row {
							if v <= worst && j != skip {
								h.push(v, int32(b0+j))
								worst = h.worst()
							}
						}
					}
				}
			})
		}
		mat32.Parallel(m, mat32.Grain(m, 16), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				h := heaps[i]
				x := q.Row(q0 + i)
				// Re-rank the candidates by direct distances, in the
				// metric's units: two squared distances can share one
				// square root, and the tie must go to the lower index.
				for j := range h.d {
					h.d[j] = directDist(metric, x, b.Row(int(h.i[j])))
					if metric == Euclidean {
						h.d[j] = float32(math.Sqrt(float64(h.d[j])))
					}
				}
				cands := h.i
				cd := h.d
				final := topK{d: make([]float32, 0, k), i: make([]int32, 0, k)}
				for j := range cands {
					final.push(cd[j], cands[j])
				}
				idx, dist := g.Row(q0 + i)
				final.sortInto(idx, dist)
			}
		})
		opt.Progress.Report(progress.Update{Stage: "exact knn", Done: int64(q1), Total: int64(nq)})
	}
	return g, nil
}

// directDist is the distance used for final ranking: squared euclidean,
// 1−x·y on unit vectors, or −x·y. (Manhattan searches never re-rank.)
func directDist(m Metric, x, y []float32) float32 {
	switch m {
	case Euclidean:
		return mat32.SqDist(x, y)
	case Cosine:
		return 1 - mat32.Dot(x, y)
	default:
		return -mat32.Dot(x, y)
	}
}

// l1TileBytes bounds the base rows one pass of the direct search holds:
// a tile of that size stays in the core's cache while a run of queries
// is measured against it.
const l1TileBytes = 64 << 10

// exactDirect is the exact search for metrics without a GEMM identity
// (Manhattan): every distance is computed directly with the metric's
// kernel, over the same blocks of queries × base rows as the GEMM search.
// Within a block the queries are split among the threads by
// mat32.Parallel, and each thread passes its queries over tiles of base
// rows small enough to stay in cache. A query's heap receives the same
// (distance, index) pairs whatever the split, and keeps the k least of
// them under that total order, so the result does not depend on the
// thread count; the distances are those Metric.Distance returns, so no
// re-ranking is needed.
func exactDirect(ctx context.Context, base, queries *mat32.Dense, k int, self bool, opt ExactOptions) (*Graph, error) {
	nq, d := queries.Rows, queries.Cols
	qb := min(exactQueryBlock, nq)
	tile := max(8, l1TileBytes/(4*d))
	heaps := make([]*topK, qb)
	for i := range heaps {
		heaps[i] = newTopK(k)
	}
	g := &Graph{K: k, Metric: opt.Metric, Indices: make([]int32, nq*k), Dists: make([]float32, nq*k)}
	for q0 := 0; q0 < nq; q0 += qb {
		q1 := min(q0+qb, nq)
		m := q1 - q0
		for i := 0; i < m; i++ {
			heaps[i].reset()
		}
		for b0 := 0; b0 < base.Rows; b0 += exactBaseBlock {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b1 := min(b0+exactBaseBlock, base.Rows)
			mat32.Parallel(m, mat32.Grain(m, 16), func(lo, hi int) {
				buf := make([]float32, tile)
				for t0 := b0; t0 < b1; t0 += tile {
					t1 := min(t0+tile, b1)
					rows := base.Data[t0*d : t1*d]
					for i := lo; i < hi; i++ {
						h := heaps[i]
						row := mat32.L1DistRows(buf[:t1-t0], queries.Row(q0+i), rows)
						skip := -1
						if self {
							skip = q0 + i - t0
						}
						worst := h.worst()
						for j, v := range row {
							if v <= worst && j != skip {
								h.push(v, int32(t0+j))
								worst = h.worst()
							}
						}
					}
				}
			})
		}
		mat32.Parallel(m, mat32.Grain(m, 16), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				idx, dist := g.Row(q0 + i)
				heaps[i].sortInto(idx, dist)
			}
		})
		opt.Progress.Report(progress.Update{Stage: "exact knn", Done: int64(q1), Total: int64(nq)})
	}
	return g, nil
}
