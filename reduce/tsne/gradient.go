package tsne

import (
	"math"

	"github.com/latentlab/latent/mat32"
)

// The objective and its gradient. With the kernel k(d) = (1 + d²/α)^−α,
// q_ij = k_ij / Z and Z = Σ_{i≠j} k_ij,
//
//	KL(P‖Q) = Σ p_ij ln p_ij − Σ p_ij ln k_ij + ln Z      (Σ p_ij = 1)
//	∂KL/∂y_i = 4 Σ_j (p_ij − q_ij) k_ij^{1/α} (y_i − y_j)
//	         = 4 (A_i − R_i / Z),
//
// A_i = Σ_j p_ij k_ij^{1/α} (y_i − y_j) the attractive term over the sparse
// P, R_i = Σ_j k_ij^{1+1/α} (y_i − y_j) the repulsive term over all pairs.
// The optimiser follows openTSNE and steps along A_i·exaggeration − R_i/Z,
// a quarter of the gradient.

// rowChunk is the fixed number of rows per parallel task of the per-point
// loops; fixed so that results do not depend on the thread count.
const rowChunk = 256

// repeller computes the repulsive term.
type repeller interface {
	// repel writes R (n×dims) into dst for the embedding y and returns Z.
	repel(dst, y []float64) float64
}

// attract writes A (n×dims) into dst and, when wantLog, returns
// Σ p_ij ln k_ij (for the KL divergence); otherwise it returns 0.
func attract(dst, y []float64, p *csr, dims int, dof float64, wantLog bool) float64 {
	n := p.n
	chunks := (n + rowChunk - 1) / rowChunk
	var logs []float64
	if wantLog {
		logs = make([]float64, chunks)
	}
	mat32.Parallel(chunks, 1, func(c0, c1 int) {
		for c := c0; c < c1; c++ {
			lo, hi := c*rowChunk, min((c+1)*rowChunk, n)
			var ls float64
			if dims == 2 && dof == 1 {
				ls = attract2(dst, y, p, lo, hi, wantLog)
			} else {
				ls = attractAny(dst, y, p, dims, dof, lo, hi, wantLog)
			}
			if wantLog {
				logs[c] = ls
			}
		}
	})
	s := 0.0
	for _, v := range logs {
		s += v
	}
	return s
}

// attract2 is attract for two dimensions and the Cauchy kernel, rows
// [lo, hi).
func attract2(dst, y []float64, p *csr, lo, hi int, wantLog bool) float64 {
	ls := 0.0
	var yi, out [2]float64
	for i := lo; i < hi; i++ {
		yi0, yi1 := y[2*i], y[2*i+1]
		var f0, f1 float64
		cols := p.col[p.rowPtr[i]:p.rowPtr[i+1]]
		vals := p.val[p.rowPtr[i]:p.rowPtr[i+1]]
		vals = vals[:len(cols)]
		if useAVX2 && !wantLog && len(cols) >= 4 {
			// Four entries at a time in assembly, the rest below.
			ne := len(cols) &^ 3
			yi[0], yi[1] = yi0, yi1
			attract2AVX(&y[0], &cols[0], &vals[0], ne, &yi[0], &out[0])
			f0, f1 = out[0], out[1]
			cols, vals = cols[ne:], vals[ne:]
		}
		for e, j := range cols {
			d0, d1 := yi0-y[2*j], yi1-y[2*j+1]
			w := 1 / (1 + d0*d0 + d1*d1)
			pw := float64(vals[e]) * w
			f0 += pw * d0
			f1 += pw * d1
			if wantLog {
				ls += float64(vals[e]) * math.Log(w)
			}
		}
		dst[2*i], dst[2*i+1] = f0, f1
	}
	return ls
}

// attractAny is attract for any dimension and degrees of freedom.
func attractAny(dst, y []float64, p *csr, dims int, dof float64, lo, hi int, wantLog bool) float64 {
	ls := 0.0
	var d [3]float64
	for i := lo; i < hi; i++ {
		yi := y[i*dims : (i+1)*dims]
		var f [3]float64
		for e := p.rowPtr[i]; e < p.rowPtr[i+1]; e++ {
			yj := y[int(p.col[e])*dims:]
			d2 := 0.0
			for a := range yi {
				d[a] = yi[a] - yj[a]
				d2 += d[a] * d[a]
			}
			base := 1 / (1 + d2/dof) // k^{1/α}
			pw := float64(p.val[e]) * base
			for a := range yi {
				f[a] += pw * d[a]
			}
			if wantLog {
				ls += float64(p.val[e]) * dof * math.Log(base)
			}
		}
		copy(dst[i*dims:(i+1)*dims], f[:dims])
	}
	return ls
}

// kernelPow returns k^{1/α} = 1/(1 + d²/α), k and k^{1+1/α} at squared
// distance d2.
func kernelPow(d2, dof float64) (base, k, k1 float64) {
	base = 1 / (1 + d2/dof)
	if dof == 1 {
		return base, base, base * base
	}
	k = math.Pow(base, dof)
	return base, k, k * base
}

// exactRepeller sums over all pairs.
type exactRepeller struct {
	n, dims int
	dof     float64
	z       []float64 // per-row partial sums of Z
}

func newExactRepeller(n, dims int, dof float64) *exactRepeller {
	return &exactRepeller{n: n, dims: dims, dof: dof, z: make([]float64, n)}
}

func (r *exactRepeller) repel(dst, y []float64) float64 {
	n, dims, dof := r.n, r.dims, r.dof
	mat32.Parallel(n, 64, func(lo, hi int) {
		var d [3]float64
		for i := lo; i < hi; i++ {
			yi := y[i*dims : (i+1)*dims]
			var f [3]float64
			zi := 0.0
			for j := 0; j < n; j++ {
				if j == i {
					continue
				}
				yj := y[j*dims : (j+1)*dims]
				d2 := 0.0
				for a := range yi {
					d[a] = yi[a] - yj[a]
					d2 += d[a] * d[a]
				}
				_, k, k1 := kernelPow(d2, dof)
				zi += k
				for a := range yi {
					f[a] += k1 * d[a]
				}
			}
			copy(dst[i*dims:(i+1)*dims], f[:dims])
			r.z[i] = zi
		}
	})
	z := 0.0
	for _, v := range r.z {
		z += v
	}
	return z
}

// entropyTerm returns Σ p ln p over the stored entries of P.
func entropyTerm(p *csr) float64 {
	s := 0.0
	for _, v := range p.val {
		if v > 0 {
			s += float64(v) * math.Log(float64(v))
		}
	}
	return s
}

// pSum returns Σ p over the stored entries.
func pSum(p *csr) float64 {
	s := 0.0
	for _, v := range p.val {
		s += float64(v)
	}
	return s
}
