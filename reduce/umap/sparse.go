package umap

import (
	"github.com/latentlab/latent/mat32"
)

// csr is a sparse n×m matrix in compressed sparse row form: row i holds
// the columns idx[ptr[i]:ptr[i+1]] (ascending) with values val[...]. It is
// the fuzzy graph's storage; all its builders are deterministic at any
// thread count (rows are computed independently and written in place).
type csr struct {
	rows, cols int
	ptr        []int
	idx        []int32
	val        []float32
}

// nnz returns the number of stored entries.
func (g *csr) nnz() int { return g.ptr[g.rows] }

// row returns the columns and values of row i.
func (g *csr) row(i int) ([]int32, []float32) {
	lo, hi := g.ptr[i], g.ptr[i+1]
	return g.idx[lo:hi:hi], g.val[lo:hi:hi]
}

// rowGrain is the fixed chunk length of row-parallel loops over graphs;
// chunk boundaries never depend on the thread count.
const rowGrain = 2048

// transpose returns gᵀ. Each row of the result lists its columns in
// ascending order because the rows of g are visited in order.
func (g *csr) transpose() *csr {
	t := &csr{rows: g.cols, cols: g.rows, ptr: make([]int, g.cols+1), idx: make([]int32, g.nnz()), val: make([]float32, g.nnz())}
	for _, j := range g.idx {
		t.ptr[j+1]++
	}
	for j := 0; j < g.cols; j++ {
		t.ptr[j+1] += t.ptr[j]
	}
	fill := make([]int, g.cols)
	copy(fill, t.ptr[:g.cols])
	for i := 0; i < g.rows; i++ {
		idx, val := g.row(i)
		for p, j := range idx {
			q := fill[j]
			t.idx[q] = int32(i)
			t.val[q] = val[p]
			fill[j]++
		}
	}
	return t
}

// combine returns the matrix whose entry (i, j) is f(a, b) where a = g(i, j)
// and b = h(i, j) (0 where absent), keeping only non-zero results. g and h
// must have the same shape and ascending columns in every row.
func combine(g, h *csr, f func(a, b float32) float32) *csr {
	n := g.rows
	counts := make([]int, n+1)
	mat32.Parallel(n, rowGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			counts[i+1] = combineRow(g, h, i, f, nil, nil)
		}
	})
	for i := 0; i < n; i++ {
		counts[i+1] += counts[i]
	}
	out := &csr{rows: n, cols: g.cols, ptr: counts, idx: make([]int32, counts[n]), val: make([]float32, counts[n])}
	mat32.Parallel(n, rowGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s, e := out.ptr[i], out.ptr[i+1]
			combineRow(g, h, i, f, out.idx[s:e], out.val[s:e])
		}
	})
	return out
}

// combineRow merges row i of g and h through f. With nil idx and val it
// only counts the non-zero results; otherwise it writes them there.
func combineRow(g, h *csr, i int, f func(a, b float32) float32, idx []int32, val []float32) int {
	gi, gv := g.row(i)
	hi, hv := h.row(i)
	p, q, k := 0, 0, 0
	for p < len(gi) || q < len(hi) {
		var j int32
		var a, b float32
		switch {
		case q >= len(hi) || (p < len(gi) && gi[p] < hi[q]):
			j, a = gi[p], gv[p]
			p++
		case p >= len(gi) || hi[q] < gi[p]:
			j, b = hi[q], hv[q]
			q++
		default:
			j, a, b = gi[p], gv[p], hv[q]
			p++
			q++
		}
		v := f(a, b)
		if v == 0 {
			continue
		}
		if idx != nil {
			idx[k] = j
			val[k] = v
		}
		k++
	}
	return k
}
