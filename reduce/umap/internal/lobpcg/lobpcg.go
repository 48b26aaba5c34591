// Package lobpcg finds a few of the smallest eigenvalues and eigenvectors
// of a large sparse symmetric matrix by the locally optimal block
// preconditioned conjugate gradient method (Knyazev 2001), without a
// preconditioner and with optional orthogonality constraints. UMAP uses it
// for the spectral initialisation: the smallest eigenvectors of a
// normalised graph Laplacian, constrained to be orthogonal to the known
// trivial one.
//
// Blocks of vectors are stored row-major: a block of m vectors of length n
// is an n×m slice whose row i holds the i-th entries of the m vectors, so
// a sparse matrix–block product reads each neighbour's m values together.
// Everything is float64. All reductions over the n rows are summed in
// fixed chunks of ChunkRows rows, in chunk order, so the result is
// bit-identical at any GOMAXPROCS. The small dense problems (at most 3m×3m)
// go to gonum.
package lobpcg

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/latentlab/latent/mat32"
)

// ChunkRows is the number of rows of each partial sum of the reductions.
const ChunkRows = 4096

// Operator writes A·src into dst; both are n×m row-major blocks with the
// given m. It must be deterministic and may run in parallel.
type Operator func(dst, src []float64, m int)

// Options tune Smallest.
type Options struct {
	// Tol is the residual norm ‖A·x − θ·x‖ (x of unit length) below which
	// an eigenpair counts as converged. Default 1e-5.
	Tol float64
	// MaxIter bounds the iterations. Default 500.
	MaxIter int
	// Constraints, when not nil, is an n×c block of orthonormal vectors
	// the eigenvectors must be orthogonal to.
	Constraints []float64
	// NumConstraints is c.
	NumConstraints int
	// Want, when in [1, m), is the number of leading eigenpairs that must
	// converge; the others (guard vectors) only speed up their
	// convergence. Default m.
	Want int
}

// Result is the outcome of Smallest.
type Result struct {
	// Values are the eigenvalue estimates, ascending.
	Values []float64
	// Residuals are the residual norms of the eigenvector estimates.
	Residuals []float64
	// Iterations is the number of iterations run.
	Iterations int
	// Converged reports whether the residuals of the Want leading pairs
	// fell below Tol.
	Converged bool
}

// Smallest improves the n×m block x in place towards the eigenvectors of
// the m smallest eigenvalues of the symmetric operator a (restricted to
// the orthogonal complement of the constraints), and returns the
// eigenvalue estimates. x is the starting guess (for instance random); on
// return its columns are orthonormal eigenvector estimates in ascending
// order of eigenvalue. It panics if x does not have n·m entries or m < 1;
// it returns ctx.Err() when cancelled, and an error when the starting
// block has rank below m.
func Smallest(ctx context.Context, a Operator, n, m int, x []float64, opt Options) (Result, error) {
	if m < 1 || len(x) != n*m {
		panic(fmt.Sprintf("lobpcg: Smallest: block of %d values for %d×%d", len(x), n, m))
	}
	if opt.Tol <= 0 {
		opt.Tol = 1e-5
	}
	if opt.MaxIter <= 0 {
		opt.MaxIter = 500
	}
	if opt.Want <= 0 || opt.Want > m {
		opt.Want = m
	}
	c := opt.NumConstraints
	if c > 0 && len(opt.Constraints) != n*c {
		panic(fmt.Sprintf("lobpcg: Smallest: %d constraint values for %d×%d", len(opt.Constraints), n, c))
	}
	project := func(b []float64, k int) {
		if c > 0 {
			// b −= Y·(Yᵀb)
			yb := gram(opt.Constraints, c, b, k, n)
			mulSub(b, k, opt.Constraints, c, yb, n)
		}
	}
	project(x, m)
	t, r := orthoBasis(x, m, n)
	if r < m {
		return Result{}, fmt.Errorf("lobpcg: starting block has rank %d < %d", r, m)
	}
	x = applyInPlace(x, m, t, n)
	ax := make([]float64, n*m)
	a(ax, x, m)
	// Rayleigh–Ritz on X alone.
	h := gram(x, m, ax, m, n)
	theta, v := symEig(h, m)
	x = applyInPlace(x, m, v, n)
	ax = applyInPlace(ax, m, v, n)

	res := Result{Values: theta[:m], Residuals: make([]float64, m)}
	rb := make([]float64, n*m)
	var p, ap []float64 // n×m or nil
	s := make([]float64, 0, n*3*m)
	as := make([]float64, 0, n*3*m)
	for it := 1; it <= opt.MaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Iterations = it
		// Residuals R = AX − XΘ.
		parallelRows(n, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				for j := 0; j < m; j++ {
					rb[i*m+j] = ax[i*m+j] - x[i*m+j]*res.Values[j]
				}
			}
		})
		norms := colNorms(rb, m, n)
		copy(res.Residuals, norms)
		done := true
		for _, v := range norms[:opt.Want] {
			if !(v <= opt.Tol) {
				done = false
			}
		}
		if done {
			res.Converged = true
			return res, nil
		}
		// R ⟂ constraints and X, then orthonormal.
		project(rb, m)
		xr := gram(x, m, rb, m, n)
		mulSub(rb, m, x, m, xr, n)
		tr, rr := orthoBasis(rb, m, n)
		if rr == 0 {
			// The residuals vanished to rounding: as good as it gets.
			res.Converged = true
			return res, nil
		}
		r := applyTo(rb, m, tr, rr, n)
		ar := make([]float64, n*rr)
		a(ar, r, rr)
		// Basis S = [X R P] and AS.
		k := m + rr
		np := 0
		if p != nil {
			np = m
			k += m
		}
		s = s[:n*k]
		as = as[:n*k]
		parallelRows(n, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				copy(s[i*k:], x[i*m:(i+1)*m])
				copy(s[i*k+m:], r[i*rr:(i+1)*rr])
				copy(as[i*k:], ax[i*m:(i+1)*m])
				copy(as[i*k+m:], ar[i*rr:(i+1)*rr])
				if np > 0 {
					copy(s[i*k+m+rr:], p[i*m:(i+1)*m])
					copy(as[i*k+m+rr:], ap[i*m:(i+1)*m])
				}
			}
		})
		gs := gram(s, k, s, k, n)
		ga := gram(s, k, as, k, n)
		cmat, vals, ok := ritz(gs, ga, k, m)
		if !ok && np > 0 {
			// P made the basis ill-conditioned: restart without it.
			k = m + rr
			compact(s, k+np, k, n)
			compact(as, k+np, k, n)
			s, as = s[:n*k], as[:n*k]
			gs = gram(s, k, s, k, n)
			ga = gram(s, k, as, k, n)
			np = 0
			cmat, vals, ok = ritz(gs, ga, k, m)
		}
		if !ok {
			return res, nil
		}
		copy(res.Values, vals)
		// X = S·C, AX = AS·C; P = [R P]·C[m:], AP likewise.
		x = mulSmall(x, s, k, cmat, m, n, 0)
		ax = mulSmall(ax, as, k, cmat, m, n, 0)
		if p == nil {
			p = make([]float64, n*m)
			ap = make([]float64, n*m)
		}
		p = mulSmall(p, s, k, cmat, m, n, m)
		ap = mulSmall(ap, as, k, cmat, m, n, m)
	}
	return res, nil
}

// parallelRows runs fn over fixed chunks of [0, n).
func parallelRows(n int, fn func(lo, hi int)) {
	mat32.Parallel(n, ChunkRows, fn)
}

// gram returns aᵀb (ka×kb, row-major) for n×ka and n×kb blocks, summed in
// fixed chunks of rows in chunk order.
func gram(a []float64, ka int, b []float64, kb int, n int) []float64 {
	chunks := (n + ChunkRows - 1) / ChunkRows
	part := make([]float64, chunks*ka*kb)
	mat32.Parallel(chunks, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			out := part[c*ka*kb : (c+1)*ka*kb]
			for i := c * ChunkRows; i < min((c+1)*ChunkRows, n); i++ {
				ra := a[i*ka : (i+1)*ka]
				rb := b[i*kb : (i+1)*kb]
				for p, va := range ra {
					o := out[p*kb : (p+1)*kb]
					for q, vb := range rb {
						o[q] += va * vb
					}
				}
			}
		}
	})
	g := make([]float64, ka*kb)
	for c := 0; c < chunks; c++ {
		for j, v := range part[c*ka*kb : (c+1)*ka*kb] {
			g[j] += v
		}
	}
	return g
}

// colNorms returns the euclidean norms of the columns of an n×m block.
func colNorms(b []float64, m, n int) []float64 {
	g := gram(b, m, b, m, n)
	out := make([]float64, m)
	for j := range out {
		out[j] = math.Sqrt(g[j*m+j])
	}
	return out
}

// mulSub computes b −= y·c for the n×kb block b, the n×ky block y and the
// ky×kb matrix c.
func mulSub(b []float64, kb int, y []float64, ky int, c []float64, n int) {
	parallelRows(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rb := b[i*kb : (i+1)*kb]
			for p, vy := range y[i*ky : (i+1)*ky] {
				cp := c[p*kb : (p+1)*kb]
				for q := range rb {
					rb[q] -= vy * cp[q]
				}
			}
		}
	})
}

// applyTo returns the new n×kc block b·t for the n×kb block b and the kb×kc
// matrix t.
func applyTo(b []float64, kb int, t []float64, kc int, n int) []float64 {
	return mulSmall(make([]float64, n*kc), b, kb, t, kc, n, 0)
}

// applyInPlace replaces the n×k block b by b·t (t is k×k) and returns it.
func applyInPlace(b []float64, k int, t []float64, n int) []float64 {
	parallelRows(n, func(lo, hi int) {
		tmp := make([]float64, k)
		for i := lo; i < hi; i++ {
			clear(tmp)
			for p, v := range b[i*k : (i+1)*k] {
				tp := t[p*k : (p+1)*k]
				for q := range tmp {
					tmp[q] += v * tp[q]
				}
			}
			copy(b[i*k:(i+1)*k], tmp)
		}
	})
	return b
}

// mulSmall writes s·c[off:off+… rows] into dst: dst (n×m) = Σ_p s[:, p]·c[p, :]
// over the rows p ≥ off of the k×m matrix c, where s is n×k.
func mulSmall(dst, s []float64, k int, c []float64, m, n, off int) []float64 {
	parallelRows(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			o := dst[i*m : (i+1)*m]
			clear(o)
			for p := off; p < k; p++ {
				v := s[i*k+p]
				cp := c[p*m : (p+1)*m]
				for q := range o {
					o[q] += v * cp[q]
				}
			}
		}
	})
	return dst
}

// compact reshapes an n×from block to n×to (to < from) by dropping the
// trailing columns of every row, in place.
func compact(b []float64, from, to, n int) {
	for i := 0; i < n; i++ {
		copy(b[i*to:(i+1)*to], b[i*from:i*from+to])
	}
}

// symEig returns the eigenvalues (ascending) and eigenvectors (columns of a
// k×k row-major matrix) of the symmetric k×k matrix h.
func symEig(h []float64, k int) ([]float64, []float64) {
	sym := mat.NewSymDense(k, nil)
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			sym.SetSym(i, j, (h[i*k+j]+h[j*k+i])/2)
		}
	}
	var e mat.EigenSym
	if !e.Factorize(sym, true) {
		// Dsyev fails only on NaN input; return the identity.
		vals := make([]float64, k)
		vecs := make([]float64, k*k)
		for i := 0; i < k; i++ {
			vals[i] = h[i*k+i]
			vecs[i*k+i] = 1
		}
		return vals, vecs
	}
	vals := e.Values(nil)
	var v mat.Dense
	e.VectorsTo(&v)
	vecs := make([]float64, k*k)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			vecs[i*k+j] = v.At(i, j)
		}
	}
	return vals, vecs
}

// orthoBasis returns a kb×r matrix t such that b·t has orthonormal columns
// spanning the well-conditioned part of b's column space (r ≤ kb columns;
// directions whose singular value is below 1e-10 of the largest are
// dropped).
func orthoBasis(b []float64, kb, n int) ([]float64, int) {
	g := gram(b, kb, b, kb, n)
	vals, vecs := symEig(g, kb)
	top := vals[kb-1]
	if !(top > 0) {
		return nil, 0
	}
	return scaledVectors(vals, vecs, kb, 1e-20*top)
}

// scaledVectors returns the k×r matrix whose columns are the eigenvectors
// (columns of the k×k matrix vecs, eigenvalues vals ascending) with an
// eigenvalue above floor, largest first, each divided by the square root
// of its eigenvalue, and r.
func scaledVectors(vals, vecs []float64, k int, floor float64) ([]float64, int) {
	var keep []int
	for j := k - 1; j >= 0; j-- {
		if vals[j] > floor {
			keep = append(keep, j)
		}
	}
	r := len(keep)
	t := make([]float64, k*r)
	for q, j := range keep {
		s := 1 / math.Sqrt(vals[j])
		for p := 0; p < k; p++ {
			t[p*r+q] = vecs[p*k+j] * s
		}
	}
	return t, r
}

// ritz solves the Rayleigh–Ritz problem ga·c = θ·gs·c in the basis whose
// Gram matrix is gs and returns the k×m coefficients of the m smallest
// Ritz vectors (gs-orthonormal) and their values; ok is false when gs is
// too ill-conditioned to give m of them.
func ritz(gs, ga []float64, k, m int) (c []float64, vals []float64, ok bool) {
	sv, su := symEig(gs, k)
	// T = U_r·diag(1/√s) (k×r); H = Tᵀ·ga·T (r×r).
	t, r := scaledVectors(sv, su, k, 1e-12*sv[k-1])
	if r < m {
		return nil, nil, false
	}
	gt := make([]float64, k*r) // ga·T
	for i := 0; i < k; i++ {
		for q := 0; q < r; q++ {
			var v float64
			for p := 0; p < k; p++ {
				v += ga[i*k+p] * t[p*r+q]
			}
			gt[i*r+q] = v
		}
	}
	h := make([]float64, r*r)
	for a := 0; a < r; a++ {
		for b := 0; b < r; b++ {
			var v float64
			for p := 0; p < k; p++ {
				v += t[p*r+a] * gt[p*r+b]
			}
			h[a*r+b] = v
		}
	}
	hv, hw := symEig(h, r)
	c = make([]float64, k*m)
	for p := 0; p < k; p++ {
		for j := 0; j < m; j++ {
			var v float64
			for q := 0; q < r; q++ {
				v += t[p*r+q] * hw[q*r+j]
			}
			c[p*m+j] = v
		}
	}
	return c, hv[:m], true
}
