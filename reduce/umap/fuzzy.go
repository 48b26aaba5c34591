package umap

import (
	"math"
	"slices"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
)

// Constants of the ρ/σ search, as umap-learn's.
const (
	smoothIters     = 64
	smoothTolerance = 1e-5
	minKDistScale   = 1e-3
)

// smoothKNN returns ρ (the distance to the nearest neighbour at positive
// distance, interpolated by localConn) and σ (the scale for which the
// memberships exp(−(d − ρ)/σ) of the neighbours add up to
// log2(k)·bandwidth) of one point, whose neighbour distances, ascending,
// are dists. As in umap-learn's smooth_knn_dist, dists[0] takes part in ρ
// but not in the sum: in a fit it is the point itself at distance 0 and in
// a transform it is the nearest training point. meanAll is the mean of all
// distances of all points, the floor of σ for points with ρ = 0.
func smoothKNN(dists []float32, k int, localConn, bandwidth, meanAll float64) (rho, sigma float32) {
	target := math.Log2(float64(k)) * bandwidth
	// ρ: the localConn-th smallest positive distance, interpolated.
	var nz []float32
	first := -1
	for j, d := range dists {
		if d > 0 {
			first = j
			break
		}
	}
	if first >= 0 {
		nz = dists[first:]
	}
	var r float64
	if float64(len(nz)) >= localConn {
		index := int(math.Floor(localConn))
		interp := localConn - float64(index)
		if index > 0 {
			r = float64(nz[index-1])
			if interp > smoothTolerance {
				r += interp * float64(nz[index]-nz[index-1])
			}
		} else {
			r = interp * float64(nz[0])
		}
	} else if len(nz) > 0 {
		r = float64(nz[len(nz)-1])
	}
	rho = float32(r)
	// Binary search for σ on the float32 ρ, as umap-learn stores it.
	r = float64(rho)
	lo, hi, mid := 0.0, math.Inf(1), 1.0
	for it := 0; it < smoothIters; it++ {
		var psum float64
		for _, d := range dists[1:] {
			if e := float64(d) - r; e > 0 {
				psum += math.Exp(-e / mid)
			} else {
				psum++
			}
		}
		if math.Abs(psum-target) < smoothTolerance {
			break
		}
		if psum > target {
			hi = mid
			mid = (lo + hi) / 2
		} else {
			lo = mid
			if math.IsInf(hi, 1) {
				mid *= 2
			} else {
				mid = (lo + hi) / 2
			}
		}
	}
	s := mid
	if rho > 0 {
		var mean float64
		for _, d := range dists {
			mean += float64(d)
		}
		mean /= float64(len(dists))
		s = max(s, minKDistScale*mean)
	} else {
		s = max(s, minKDistScale*meanAll)
	}
	return rho, float32(s)
}

// membership returns exp(−(d − ρ)/σ), or 1 when d ≤ ρ or σ = 0.
func membership(d, rho, sigma float32) float32 {
	if d-rho <= 0 || sigma == 0 {
		return 1
	}
	return float32(math.Exp(-float64(d-rho) / float64(sigma)))
}

// meanDistance returns the mean of the distances of g with one zero per
// row added for the point itself (umap-learn's neighbour lists include
// it), in float64 and a fixed order.
func meanDistance(g *knn.Graph) float64 {
	var s float64
	for _, d := range g.Dists {
		if !math.IsInf(float64(d), 1) {
			s += float64(d)
		}
	}
	return s / float64(g.Len()*(g.K+1))
}

// fuzzyMemberships computes ρ and σ for every point of the neighbour graph
// g (the point itself excluded, so g.K = Neighbors − 1) and returns the
// directed membership matrix: row i holds exp(−(d_ij − ρ_i)/σ_i) for each
// neighbour j. Empty slots (index −1) are skipped.
func fuzzyMemberships(g *knn.Graph, o *Options) (w *csr, rho, sigma []float32) {
	n, k := g.Len(), g.K
	rho = make([]float32, n)
	sigma = make([]float32, n)
	meanAll := meanDistance(g)
	w = &csr{rows: n, cols: n, ptr: make([]int, n+1), idx: make([]int32, n*k), val: make([]float32, n*k)}
	counts := make([]int, n)
	mat32.Parallel(n, rowGrain, func(lo, hi int) {
		buf := make([]float32, k+1)
		type pair struct {
			j int32
			v float32
		}
		row := make([]pair, 0, k)
		for i := lo; i < hi; i++ {
			idx, dist := g.Row(i)
			buf[0] = 0
			m := 0
			for p, j := range idx {
				if j >= 0 {
					buf[1+m] = dist[p]
					m++
				}
			}
			rho[i], sigma[i] = smoothKNN(buf[:1+m], o.Neighbors, o.LocalConnectivity, o.Bandwidth, meanAll)
			row = row[:0]
			for p, j := range idx {
				if j < 0 || int(j) == i {
					continue
				}
				row = append(row, pair{j, membership(dist[p], rho[i], sigma[i])})
			}
			slices.SortFunc(row, func(a, b pair) int { return int(a.j) - int(b.j) })
			out := i * k
			for p, e := range row {
				w.idx[out+p] = e.j
				w.val[out+p] = e.v
			}
			counts[i] = len(row)
		}
	})
	// Compact the rows (a no-op unless the graph had empty slots).
	at := 0
	for i := 0; i < n; i++ {
		c := counts[i]
		copy(w.idx[at:at+c], w.idx[i*k:i*k+c])
		copy(w.val[at:at+c], w.val[i*k:i*k+c])
		at += c
		w.ptr[i+1] = at
	}
	w.idx, w.val = w.idx[:at], w.val[:at]
	return w, rho, sigma
}

// fuzzyUnion returns mix·(W + Wᵀ − W∘Wᵀ) + (1 − mix)·(W∘Wᵀ), the fuzzy
// set union (mix = 1) or intersection (mix = 0) of the directed
// memberships and their transpose, without zero entries.
func fuzzyUnion(w *csr, mix float32) *csr {
	t := w.transpose()
	return combine(w, t, func(a, b float32) float32 {
		p := a * b
		return mix*(a+b-p) + (1-mix)*p
	})
}

// Distances in the label space of a supervised fit (umap-learn's
// categorical intersection): rows of different classes are farDist apart,
// rows of unknown class unknownDist from everything.
const unknownDist = 1.0

// farDist returns the label-space distance between classes for a target
// weight: 2.5/(1 − weight), or 1e12 at weight 1.
func farDist(weight float64) float64 {
	if weight < 1 {
		return 2.5 / (1 - weight)
	}
	return 1e12
}

// intersectLabels scales the edges of g between rows of different classes
// by exp(−far) and those touching rows of unknown class by exp(−1), then
// resets the local connectivity: each row is divided by its largest value
// and the result is made symmetric again by fuzzy union. It is umap-learn's
// categorical_simplicial_set_intersection followed by
// reset_local_connectivity.
func intersectLabels(g *csr, labels []int, weight float64) *csr {
	far := float32(math.Exp(-farDist(weight)))
	unknown := float32(math.Exp(-unknownDist))
	out := &csr{rows: g.rows, cols: g.cols, ptr: g.ptr, idx: g.idx, val: make([]float32, len(g.val))}
	mat32.Parallel(g.rows, rowGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			idx, val := g.row(i)
			dst := out.val[g.ptr[i]:g.ptr[i+1]]
			var top float32
			for p, j := range idx {
				v := val[p]
				switch li, lj := labels[i], labels[j]; {
				case li < 0 || lj < 0:
					v *= unknown
				case li != lj:
					v *= far
				}
				dst[p] = v
				top = max(top, v)
			}
			if top > 0 {
				for p := range dst {
					dst[p] /= top
				}
			}
		}
	})
	// Drop entries that underflowed to zero, then union (mix 1).
	out = combine(out, &csr{rows: g.rows, cols: g.cols, ptr: make([]int, g.rows+1)}, func(a, _ float32) float32 { return a })
	return fuzzyUnion(out, 1)
}

// prune removes the edges of g whose weight is below max/epochs: they
// would be sampled less than once in the whole optimisation.
func prune(g *csr, epochs int) *csr {
	var top float32
	for _, v := range g.val {
		top = max(top, v)
	}
	limit := top / float32(epochs)
	empty := &csr{rows: g.rows, cols: g.cols, ptr: make([]int, g.rows+1)}
	return combine(g, empty, func(a, _ float32) float32 {
		if a < limit {
			return 0
		}
		return a
	})
}
