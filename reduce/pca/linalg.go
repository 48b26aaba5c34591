package pca

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/latentlab/latent/mat32"
)

// This file holds the small float64 factorizations (through gonum's LAPACK)
// and the helpers shared by the solvers. Matrices are row-major []float64
// with their shape passed beside them.

// orthonormalize replaces the r×c matrix a (r ≥ c) by an orthonormal basis of
// its column space (thin Householder QR, Q kept).
func orthonormalize(a []float64, r, c int) {
	g := blas64.General{Rows: r, Cols: c, Stride: c, Data: a}
	tau := make([]float64, c)
	work := []float64{0}
	lapack64.Geqrf(g, tau, work, -1)
	lw := int(work[0])
	lapack64.Orgqr(g, tau, work, -1)
	lw = max(lw, int(work[0]), c, 1)
	work = make([]float64, lw)
	lapack64.Geqrf(g, tau, work, lw)
	lapack64.Orgqr(g, tau, work, lw)
}

// symEig returns the eigenvalues of the n×n symmetric matrix a (upper
// triangle used; a is overwritten) in descending order, and, when vectors is
// true, the matching eigenvectors as the rows of a new n×n matrix.
func symEig(a []float64, n int, vectors bool) (vals, vecs []float64, ok bool) {
	job := lapack.EVNone
	if vectors {
		job = lapack.EVCompute
	}
	s := blas64.Symmetric{N: n, Stride: n, Uplo: blas.Upper, Data: a}
	w := make([]float64, n)
	work := []float64{0}
	lapack64.Syev(job, s, w, work, -1)
	work = make([]float64, max(int(work[0]), 3*n-1, 1))
	if !lapack64.Syev(job, s, w, work, len(work)) {
		return nil, nil, false
	}
	vals = make([]float64, n)
	for i := range vals {
		vals[i] = w[n-1-i]
	}
	if vectors {
		// Syev leaves eigenvector m in column m of a, in ascending order.
		vecs = make([]float64, n*n)
		for i := 0; i < n; i++ {
			src := n - 1 - i
			for j := 0; j < n; j++ {
				vecs[i*n+j] = a[j*n+src]
			}
		}
	}
	return vals, vecs, true
}

// flipSigns makes the entry of largest magnitude of each of the k rows of v
// (k×d) positive; the first such entry wins a tie. When w is not nil it is
// an m×k matrix whose column j is negated with row j of v, so that products
// w·v stay the same.
func flipSigns(v []float64, k, d int, w []float64, m int) {
	for j := 0; j < k; j++ {
		row := v[j*d : (j+1)*d]
		best, arg := -1.0, 0
		for i, x := range row {
			if a := math.Abs(x); a > best {
				best, arg = a, i
			}
		}
		if row[arg] >= 0 {
			continue
		}
		for i := range row {
			row[i] = -row[i]
		}
		for i := 0; w != nil && i < m; i++ {
			w[i*k+j] = -w[i*k+j]
		}
	}
}

// completeBasis fills rows r..k-1 of the k×d matrix v, whose first r rows are
// orthonormal, with unit vectors orthogonal to all earlier rows: the
// coordinate axes in order, orthogonalised twice (Gram–Schmidt), skipping
// axes that lie too close to the span so far. It is used for components of
// zero variance, whose direction the data does not determine.
func completeBasis(v []float64, r, k, d int) {
	cand := make([]float64, d)
	for axis := 0; r < k && axis < d; axis++ {
		clear(cand)
		cand[axis] = 1
		for pass := 0; pass < 2; pass++ {
			for j := 0; j < r; j++ {
				row := v[j*d : (j+1)*d]
				var dot float64
				for i := range cand {
					dot += cand[i] * row[i]
				}
				for i := range cand {
					cand[i] -= dot * row[i]
				}
			}
		}
		var nrm float64
		for _, x := range cand {
			nrm += x * x
		}
		nrm = math.Sqrt(nrm)
		if nrm < 0.5 {
			continue
		}
		row := v[r*d : (r+1)*d]
		for i := range cand {
			row[i] = cand[i] / nrm
		}
		r++
	}
}

// toFloat32 converts src into dst (same length).
func toFloat32(dst []float32, src []float64) {
	for i, x := range src {
		dst[i] = float32(x)
	}
}

// gramChunk is the number of rows of each fixed partial sum in gram64.
const gramChunk = 4096

// gram64 returns yᵀy (c×c, both triangles filled) in float64 for the float32
// matrix y. Each float32 product is exact in float64, so the result carries
// only float64 rounding. Rows are summed in fixed chunks that are added in
// order, so the result does not depend on the thread count.
func gram64(y *mat32.Dense) []float64 {
	n, c := y.Rows, y.Cols
	chunks := max((n+gramChunk-1)/gramChunk, 1)
	parts := make([][]float64, chunks)
	mat32.Parallel(chunks, 1, func(lo, hi int) {
		buf := make([]float64, min(gramChunk, n)*c)
		for ch := lo; ch < hi; ch++ {
			r0, r1 := ch*gramChunk, min((ch+1)*gramChunk, n)
			b := buf[:(r1-r0)*c]
			for i, v := range y.Data[r0*c : r1*c] {
				b[i] = float64(v)
			}
			g := make([]float64, c*c)
			if r1 > r0 {
				blas64.Syrk(blas.Trans, 1, blas64.General{Rows: r1 - r0, Cols: c, Stride: c, Data: b}, 0,
					blas64.Symmetric{N: c, Stride: c, Uplo: blas.Upper, Data: g})
			}
			parts[ch] = g
		}
	})
	g := parts[0]
	for _, p := range parts[1:] {
		for i := range g {
			g[i] += p[i]
		}
	}
	for i := 0; i < c; i++ {
		for j := 0; j < i; j++ {
			g[i*c+j] = g[j*c+i]
		}
	}
	return g
}

// svd returns the singular values (descending), the left singular vectors
// (m×min(m,n), when wantU) and the right singular vectors (rows of vt,
// min(m,n)×n) of the m×n matrix a, which it overwrites.
func svd(a []float64, m, n int, wantU bool) (s, u, vt []float64, ok bool) {
	mn := min(m, n)
	g := blas64.General{Rows: m, Cols: n, Stride: n, Data: a}
	ug := blas64.General{Rows: 1, Cols: 1, Stride: 1, Data: []float64{0}}
	jobU := lapack.SVDNone
	if wantU {
		jobU = lapack.SVDStore
		ug = blas64.General{Rows: m, Cols: mn, Stride: mn, Data: make([]float64, m*mn)}
	}
	v := blas64.General{Rows: mn, Cols: n, Stride: n, Data: make([]float64, mn*n)}
	s = make([]float64, mn)
	work := []float64{0}
	lapack64.Gesvd(jobU, lapack.SVDStore, g, ug, v, s, work, -1)
	work = make([]float64, max(int(work[0]), 5*mn, 3*mn+max(m, n), 1))
	ok = lapack64.Gesvd(jobU, lapack.SVDStore, g, ug, v, s, work, len(work))
	if wantU {
		u = ug.Data
	}
	return s, u, v.Data, ok
}

// topEigMin is the order from which topSymEig computes only the wanted
// eigenvectors instead of all of them.
const topEigMin = 64

// topSymEig returns the k largest eigenvalues of the n×n symmetric matrix a
// (upper triangle used; a is overwritten) in descending order, and their
// eigenvectors as the rows of a k×n matrix.
//
// gonum's Dsyev spends more than half its time applying the QL rotations to
// all n eigenvectors; PCA wants k of them. So, as LAPACK's Dsytrd + Dsterf +
// Dstein + Dormtr: reduce a to tridiagonal form T = Qᵀ a Q, take all
// eigenvalues of T (root-free QL, O(n²)), find the k wanted eigenvectors of
// T by inverse iteration with tridiagonal solves, re-orthogonalising within
// clusters of close eigenvalues, and map them back with Q. For k > n/4 or
// small n it calls symEig.
func topSymEig(a []float64, n, k int) (vals, vecs []float64, ok bool) {
	if n < topEigMin || 4*k > n {
		vals, vecs, ok = symEig(a, n, true)
		if !ok {
			return nil, nil, false
		}
		return vals[:k], vecs[:k*n], true
	}
	var impl gonum.Implementation
	// Dsytrd with the lower triangle: copy the upper triangle down.
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			a[i*n+j] = a[j*n+i]
		}
	}
	d := make([]float64, n)
	e := make([]float64, n-1)
	tau := make([]float64, n-1)
	work := []float64{0}
	impl.Dsytrd(blas.Lower, n, a, n, d, e, tau, work, -1)
	work = make([]float64, max(int(work[0]), 1))
	impl.Dsytrd(blas.Lower, n, a, n, d, e, tau, work, len(work))

	w := append([]float64(nil), d...)
	ew := append([]float64(nil), e...)
	if !impl.Dsterf(n, w, ew) {
		return nil, nil, false
	}
	vals = make([]float64, k)
	for j := range vals {
		vals[j] = w[n-1-j]
	}

	// ‖T‖₁, the tolerances of LAPACK's Dstein.
	var tnorm float64
	for i := 0; i < n; i++ {
		s := math.Abs(d[i])
		if i > 0 {
			s += math.Abs(e[i-1])
		}
		if i < n-1 {
			s += math.Abs(e[i])
		}
		tnorm = max(tnorm, s)
	}
	const eps = 0x1p-52
	pertol := 10 * eps * max(tnorm, math.SmallestNonzeroFloat64)
	ortol := 1e-3 * tnorm

	// Eigenvectors of T as the columns of x (n×k), by inverse iteration.
	x := make([]float64, n*k)
	y := make([]float64, n)
	dl, dd, du := make([]float64, n-1), make([]float64, n), make([]float64, n-1)
	var seed uint64 = 0x9e3779b97f4a7c15
	start := 0 // first index of the current cluster
	prev := 0.0
	for j := 0; j < k; j++ {
		lam := vals[j]
		if j > 0 {
			if vals[j-1]-vals[j] > ortol {
				start = j
			}
			// Keep shifts of (nearly) equal eigenvalues apart, as Dstein.
			lam = min(lam, prev-pertol)
		}
		prev = lam
		// A fixed pseudo-random start (xorshift), the same on every run.
		for i := range y {
			seed ^= seed << 13
			seed ^= seed >> 7
			seed ^= seed << 17
			y[i] = float64(seed>>11)/(1<<53) - 0.5
		}
		for it := 0; it < 5; it++ {
			nrm := 0.0
			for _, v := range y {
				nrm = max(nrm, math.Abs(v))
			}
			for i := range y {
				y[i] /= nrm
			}
			for tries := 0; ; tries++ {
				copy(dl, e)
				copy(du, e)
				for i := range dd {
					dd[i] = d[i] - lam
				}
				b := append([]float64(nil), y...)
				if impl.Dgtsv(n, 1, dl, dd, du, b, 1) {
					copy(y, b)
					break
				}
				if tries == 3 {
					return nil, nil, false
				}
				lam -= pertol
			}
			// Orthogonalise against the earlier vectors of the cluster.
			for c := start; c < j; c++ {
				var dot float64
				for i := 0; i < n; i++ {
					dot += x[i*k+c] * y[i]
				}
				for i := 0; i < n; i++ {
					y[i] -= dot * x[i*k+c]
				}
			}
			var s float64
			for _, v := range y {
				s += v * v
			}
			s = math.Sqrt(s)
			if !(s > 0) || math.IsInf(s, 0) {
				return nil, nil, false
			}
			for i := range y {
				y[i] /= s
			}
		}
		for i := 0; i < n; i++ {
			x[i*k+j] = y[i]
		}
	}

	// Back to the eigenvectors of a: apply Q = H_0 … H_{n-2}, whose
	// reflectors Dsytrd left below the subdiagonal, to rows 1..n-1 of x
	// (Dormtr for the lower triangle).
	work = []float64{0}
	impl.Dormqr(blas.Left, blas.NoTrans, n-1, k, n-1, a[n:], n, tau, x[k:], k, work, -1)
	work = make([]float64, max(int(work[0]), k, 1))
	impl.Dormqr(blas.Left, blas.NoTrans, n-1, k, n-1, a[n:], n, tau, x[k:], k, work, len(work))
	vecs = make([]float64, k*n)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			vecs[j*n+i] = x[i*k+j]
		}
	}
	return vals, vecs, true
}
