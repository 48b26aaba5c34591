package umap

import (
	"context"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/reduce/umap/internal/lobpcg"
)

// Settings of the spectral initialisation's eigensolver.
const (
	// spectralTol is the residual norm at which an eigenvector counts as
	// converged: like umap-learn's eigsh tolerance 1e-4, it is far below
	// the noise the optimisation starts from.
	spectralTol = 1e-4
	// spectralMaxIter bounds the LOBPCG iterations; the vectors reached by
	// then are still smooth on the graph and serve as a start.
	spectralMaxIter = 300
	// spectralGuard is the number of extra vectors in the LOBPCG block,
	// which speeds up convergence of the wanted ones.
	spectralGuard = 1
	// maxMetaComponents bounds the number of components whose centroids
	// are laid out by a dense spectral embedding; beyond it the components
	// are placed at random.
	maxMetaComponents = 2000
)

// components labels the connected components of the symmetric graph g in
// order of their smallest vertex, and returns the labels and the count.
func components(g *csr) ([]int32, int) {
	n := g.rows
	label := make([]int32, n)
	for i := range label {
		label[i] = -1
	}
	var stack []int32
	nc := 0
	for s := 0; s < n; s++ {
		if label[s] >= 0 {
			continue
		}
		label[s] = int32(nc)
		stack = append(stack[:0], int32(s))
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			idx, _ := g.row(int(v))
			for _, u := range idx {
				if label[u] < 0 {
					label[u] = int32(nc)
					stack = append(stack, u)
				}
			}
		}
		nc++
	}
	return label, nc
}

// subgraph returns the graph induced by the vertices members (ascending),
// renumbered 0, 1, … in that order.
func subgraph(g *csr, members []int32) *csr {
	pos := make(map[int32]int32, len(members))
	for p, v := range members {
		pos[v] = int32(p)
	}
	out := &csr{rows: len(members), cols: len(members), ptr: make([]int, len(members)+1)}
	for p, v := range members {
		idx, val := g.row(int(v))
		for q, u := range idx {
			if w, ok := pos[u]; ok {
				out.idx = append(out.idx, w)
				out.val = append(out.val, val[q])
			}
		}
		out.ptr[p+1] = len(out.idx)
	}
	return out
}

// spectralEmbed returns the dim eigenvectors of the normalised Laplacian
// I − D^(−1/2)·W·D^(−1/2) of the connected graph g with the smallest
// eigenvalues after the trivial one, as an n×dim row-major block, and
// whether the eigensolver converged.
func spectralEmbed(ctx context.Context, g *csr, dim int, rng *rand.Rand) ([]float64, bool, error) {
	n := g.rows
	deg := make([]float64, n)
	for i := 0; i < n; i++ {
		_, val := g.row(i)
		var s float64
		for _, v := range val {
			s += float64(v)
		}
		deg[i] = s
	}
	dinv := make([]float64, n)
	triv := make([]float64, n)
	var norm float64
	for i, d := range deg {
		dinv[i] = 1 / math.Sqrt(d)
		triv[i] = math.Sqrt(d)
		norm += d
	}
	norm = math.Sqrt(norm)
	for i := range triv {
		triv[i] /= norm
	}
	op := func(dst, src []float64, m int) {
		mat32.Parallel(n, lobpcg.ChunkRows, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out := dst[i*m : (i+1)*m]
				copy(out, src[i*m:(i+1)*m])
				idx, val := g.row(i)
				for p, j := range idx {
					w := float64(val[p]) * dinv[i] * dinv[j]
					s := src[int(j)*m : int(j)*m+m]
					for q := range out {
						out[q] -= w * s[q]
					}
				}
			}
		})
	}
	m := min(dim+spectralGuard, n-1)
	x := make([]float64, n*m)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	res, err := lobpcg.Smallest(ctx, op, n, m, x, lobpcg.Options{
		Tol: spectralTol, MaxIter: spectralMaxIter, Constraints: triv, NumConstraints: 1, Want: dim,
	})
	if err != nil {
		return nil, false, err
	}
	out := make([]float64, n*dim)
	for i := 0; i < n; i++ {
		copy(out[i*dim:(i+1)*dim], x[i*m:i*m+dim])
	}
	ok := true
	for _, r := range res.Residuals[:dim] {
		if !(r <= spectralTol) {
			ok = false
		}
	}
	return out, ok, nil
}

// spectralInit returns the spectral initialisation of the graph g: the
// spectral embedding of each connected component, placed on a layout of
// the components (umap-learn's spectral_layout and multi_component_layout).
// data are the prepared input rows, used for the component centroids; dist
// measures the distance between two centroids. Components too small for
// a spectral embedding are placed at random around their spot.
func spectralInit(ctx context.Context, g *csr, data *mat32.Dense, dist func(a, b []float64) float64, dim int, rng *rand.Rand) ([]float64, error) {
	labels, nc := components(g)
	if nc == 1 {
		emb, _, err := spectralEmbed(ctx, g, dim, rng)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return randomInit(g.rows, dim, rng), nil
		}
		return emb, nil
	}
	meta := componentLayout(labels, nc, data, dist, dim, rng)
	members := make([][]int32, nc)
	for v, c := range labels {
		members[c] = append(members[c], int32(v))
	}
	out := make([]float64, g.rows*dim)
	for c := 0; c < nc; c++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		center := meta[c*dim : (c+1)*dim]
		// Half the distance to the nearest other component's spot.
		rangeC := math.Inf(1)
		for o := 0; o < nc; o++ {
			var d float64
			for k := 0; k < dim; k++ {
				x := center[k] - meta[o*dim+k]
				d += x * x
			}
			if d > 0 {
				rangeC = min(rangeC, math.Sqrt(d)/2)
			}
		}
		if math.IsInf(rangeC, 1) {
			rangeC = 1
		}
		mem := members[c]
		var emb []float64
		if len(mem) >= 2*dim && len(mem) > dim+1 {
			e, _, err := spectralEmbed(ctx, subgraph(g, mem), dim, rng)
			if err == nil {
				var top float64
				for _, v := range e {
					top = max(top, math.Abs(v))
				}
				if top > 0 {
					emb = e
					for i := range emb {
						emb[i] *= rangeC / top
					}
				}
			} else if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
		if emb == nil {
			emb = make([]float64, len(mem)*dim)
			for i := range emb {
				emb[i] = (2*rng.Float64() - 1) * rangeC
			}
		}
		for p, v := range mem {
			for k := 0; k < dim; k++ {
				out[int(v)*dim+k] = emb[p*dim+k] + center[k]
			}
		}
	}
	return out, nil
}

// componentLayout returns a spot (nc×dim) for each component. Up to 2·dim
// components go to ±unit vectors, as in umap-learn. More components are
// laid out by a spectral embedding of their centroids with affinities
// exp(−(d/s)²), s the largest distance from a centroid to its nearest
// other one (umap-learn uses exp(−d²) in the data's units, which underflows
// to a disconnected graph when centroids are more than about 27 apart),
// scaled to a largest coordinate of 1. Beyond maxMetaComponents the spots
// are random.
func componentLayout(labels []int32, nc int, data *mat32.Dense, dist func(a, b []float64) float64, dim int, rng *rand.Rand) []float64 {
	meta := make([]float64, nc*dim)
	if nc <= 2*dim {
		k := (nc + 1) / 2
		for c := 0; c < nc; c++ {
			axis, sign := c, 1.0
			if c >= k {
				axis, sign = c-k, -1
			}
			meta[c*dim+axis] = sign
		}
		return meta
	}
	if nc > maxMetaComponents || data == nil {
		for i := range meta {
			meta[i] = rng.Float64()
		}
		return meta
	}
	d := data.Cols
	cent := make([]float64, nc*d)
	count := make([]float64, nc)
	for i, c := range labels {
		row := data.Row(i)
		dst := cent[int(c)*d : int(c+1)*d]
		for k, v := range row {
			dst[k] += float64(v)
		}
		count[c]++
	}
	for c := 0; c < nc; c++ {
		for k := 0; k < d; k++ {
			cent[c*d+k] /= count[c]
		}
	}
	// Log-affinities −(d/s)², with s the largest distance from a centroid
	// to its nearest other centroid, so that every centroid keeps a
	// neighbour of affinity ≥ e⁻¹ whatever the data's units. The diagonal
	// is ignored (as a graph Laplacian ignores self-loops).
	dm := make([]float64, nc*nc)
	for i := 0; i < nc; i++ {
		for j := i + 1; j < nc; j++ {
			x := dist(cent[i*d:(i+1)*d], cent[j*d:(j+1)*d])
			dm[i*nc+j], dm[j*nc+i] = x, x
		}
	}
	var s float64
	for i := 0; i < nc; i++ {
		near := math.Inf(1)
		for j := 0; j < nc; j++ {
			if j != i {
				near = min(near, dm[i*nc+j])
			}
		}
		s = max(s, near)
	}
	if !(s > 0) {
		s = 1
	}
	logw := make([]float64, nc*nc)
	for i := range dm {
		logw[i] = -(dm[i] / s) * (dm[i] / s)
	}
	logdeg := make([]float64, nc)
	for i := 0; i < nc; i++ {
		top := math.Inf(-1)
		for j := 0; j < nc; j++ {
			if j != i {
				top = max(top, logw[i*nc+j])
			}
		}
		var s float64
		for j := 0; j < nc; j++ {
			if j != i {
				s += math.Exp(logw[i*nc+j] - top)
			}
		}
		logdeg[i] = top + math.Log(s)
	}
	// M = D^(−1/2)·W·D^(−1/2); its largest eigenvectors are the Laplacian's
	// smallest.
	sym := mat.NewSymDense(nc, nil)
	for i := 0; i < nc; i++ {
		for j := i + 1; j < nc; j++ {
			sym.SetSym(i, j, math.Exp(logw[i*nc+j]-(logdeg[i]+logdeg[j])/2))
		}
	}
	var e mat.EigenSym
	if !e.Factorize(sym, true) {
		for i := range meta {
			meta[i] = rng.Float64()
		}
		return meta
	}
	var v mat.Dense
	e.VectorsTo(&v)
	// Eigenvalues ascend: the trivial vector is the last column; take the
	// dim before it, divided by √degree (the random-walk Laplacian's
	// eigenvectors, as scikit-learn's SpectralEmbedding returns them), each
	// signed so that its largest entry in magnitude is positive.
	var top float64
	for k := 0; k < dim; k++ {
		col := nc - 2 - k
		big, sign := 0.0, 1.0
		for i := 0; i < nc; i++ {
			x := v.At(i, col) / math.Exp(logdeg[i]/2-logdeg[0]/2)
			meta[i*dim+k] = x
			if math.Abs(x) > big {
				big = math.Abs(x)
				sign = math.Copysign(1, x)
			}
		}
		for i := 0; i < nc; i++ {
			meta[i*dim+k] *= sign
			top = max(top, math.Abs(meta[i*dim+k]))
		}
	}
	if top > 0 {
		for i := range meta {
			meta[i] /= top
		}
	}
	return meta
}

// randomInit returns n×dim points drawn uniformly in [−10, 10].
func randomInit(n, dim int, rng *rand.Rand) []float64 {
	out := make([]float64, n*dim)
	for i := range out {
		out[i] = 20*rng.Float64() - 10
	}
	return out
}
