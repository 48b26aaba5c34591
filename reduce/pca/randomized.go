package pca

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// randStream is the dataset.NewRand stream of the randomized solver's test
// matrix.
const randStream = 0x9ca

// fusedBlockBytes is the size of the row blocks of x that one fused pass
// multiplies twice while they are in cache.
const fusedBlockBytes = 16 << 20

// eigFloor: directions of the final sample whose squared singular value is
// below eigFloor times the largest are dropped as numerically zero.
const eigFloor = 1e-10

// The two ways the randomized solver applies AᵀA (see fitRandomized).
const (
	routeAuto = iota
	routeData
	routeScatter
)

// powerIters returns the number of power iterations for o.
func powerIters(o Options, n, d int) int {
	switch {
	case o.PowerIters < 0:
		return 0
	case o.PowerIters > 0:
		return o.PowerIters
	case float64(o.Components) < 0.1*float64(min(n, d)):
		return 7
	default:
		return 4
	}
}

// scatterCheaper reports whether forming the d×d scatter matrix once (about
// 1.25·n·d² flops with the symmetric blocking of scatter32) costs less than
// the 4·n·d·l·(q+1) flops of the products with the data.
func scatterCheaper(d, l, iters int) bool {
	return d <= MaxCovarianceDim && 1.25*float64(d) < 4*float64(l)*float64(iters+1)
}

// fitRandomized is the randomized SVD of the centred data A = x − 1μᵀ
// (Halko, Martinsson & Tropp 2011, algorithm 4.4 with the normalisation of
// its remark 4.6, as scikit-learn's randomized_svd):
//
//	Q ← orth(Ω), Ω d×l Gaussian, l = k + oversamples
//	repeat q times: Q ← orth(Aᵀ(A Q))
//	U ← orth(A Q);  Bᵀ ← Aᵀ U = V Σ Wᵀ
//
// The components are the first k columns of V, with singular values Σ.
//
// AᵀA is applied in one of two ways, whichever takes fewer flops. Through
// the data: each iteration is one pass over x, products with A being
// products with x corrected by a rank-one term, so the centred data is
// never formed. Through the scatter matrix C = AᵀA, formed once from
// centred row blocks (float32 products summed in float64), when d is small
// beside 4·l·(q+1): the iteration then runs on C in float64, and the last
// step needs no more than C·Q (Bᵀ = AᵀU = C·Q·W·Λ^(-1/2), where
// QᵀCQ = W Λ Wᵀ), so the iterates are those of the first way up to
// rounding.
func fitRandomized(ctx context.Context, x *mat32.Dense, mom *colMoments, o Options, keepU bool) (*result, error) {
	n, d := x.Dims()
	k := o.Components
	l := min(k+o.Oversamples, n, d)
	iters := powerIters(o, n, d)
	route := o.route
	if route == routeAuto {
		route = routeData
		if scatterCheaper(d, l, iters) {
			route = routeScatter
		}
	}
	total := int64(iters + 2)
	report := func(done int64) {
		o.Progress.Report(progress.Update{Stage: "pca: randomized", Done: done, Total: total})
	}
	report(0)

	rng := dataset.NewRand(o.Seed, randStream)
	q := make([]float64, d*l)
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	orthonormalize(q, d, l)

	if route == routeScatter {
		c, err := scatter32(ctx, x, mom.mean, o.Progress)
		if err != nil {
			return nil, err
		}
		cg := blas64.General{Rows: d, Cols: d, Stride: d, Data: c}
		z := make([]float64, d*l)
		zg := blas64.General{Rows: d, Cols: l, Stride: l, Data: z}
		qg := blas64.General{Rows: d, Cols: l, Stride: l, Data: q}
		for it := 0; it < iters; it++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, cg, qg, 0, zg)
			copy(q, z)
			orthonormalize(q, d, l)
			report(int64(it + 1))
		}
		// Z = C Q; G = QᵀZ = (AQ)ᵀ(AQ) = W Λ Wᵀ; Bᵀ = AᵀU with
		// U = A Q W Λ^(-1/2), that is Bᵀ = Z W Λ^(-1/2).
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, cg, qg, 0, zg)
		g := make([]float64, l*l)
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, qg, zg, 0, blas64.General{Rows: l, Cols: l, Stride: l, Data: g})
		lam, gv, r, err := sampleBasis(g, l)
		if err != nil {
			return nil, err
		}
		b := make([]float64, r*d) // B = Λ^(-1/2) Wᵀ Zᵀ, r×d
		for j := 0; j < r; j++ {
			s := 1 / math.Sqrt(lam[j])
			for i := 0; i < d; i++ {
				var acc float64
				for m := 0; m < l; m++ {
					acc += z[i*l+m] * gv[j*l+m]
				}
				b[j*d+i] = acc * s
			}
		}
		report(int64(iters + 1))
		return finishRandomized(b, r, k, d, nil, false, report, total)
	}

	q32 := mat32.New(d, l)
	rowShift := make([]float32, l) // μᵀQ, subtracted from every row of x·Q
	setQ := func() {
		toFloat32(q32.Data, q)
		for j := 0; j < l; j++ {
			var s float64
			for i := 0; i < d; i++ {
				s += mom.mean[i] * q[i*l+j]
			}
			rowShift[j] = float32(s)
		}
	}

	blk := max(64, min(n, fusedBlockBytes/(4*d)))
	yb := mat32.New(blk, l)
	zb := mat32.New(d, l)
	colSum := make([]float64, l)
	for it := 0; it < iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		setQ()
		clear(q)
		clear(colSum)
		// q ← Aᵀ(A Q) block by block: Y_b = x_b Q − 1(μᵀQ); q += x_bᵀ Y_b;
		// at the end subtract μ (1ᵀY).
		for lo := 0; lo < n; lo += blk {
			hi := min(lo+blk, n)
			xb, y := x.Slice(lo, hi), yb.Slice(0, hi-lo)
			mat32.Gemm(false, false, 1, xb, q32, 0, y)
			shiftRows(y, rowShift, colSum)
			mat32.Gemm(true, false, 1, xb, y, 0, zb)
			for i, v := range zb.Data {
				q[i] += float64(v)
			}
		}
		for i := 0; i < d; i++ {
			for j := 0; j < l; j++ {
				q[i*l+j] -= mom.mean[i] * colSum[j]
			}
		}
		if !allFinite(q) {
			return nil, fmt.Errorf("pca: randomized solver: non-finite values in power iteration %d (values too large for float32?)", it+1)
		}
		orthonormalize(q, d, l)
		report(int64(it + 1))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Y = A Q (n×l) and an orthonormal basis U of its span from the
	// eigendecomposition of the exact Gram matrix YᵀY = W Λ Wᵀ:
	// U = Y W Λ^(-1/2).
	setQ()
	y := mat32.New(n, l)
	mat32.Mul(y, x, q32)
	clear(colSum)
	shiftRows(y, rowShift, colSum)
	lam, gv, r, err := sampleBasis(gram64(y), l)
	if err != nil {
		return nil, err
	}
	t := mat32.New(l, r) // T = W[:, :r] Λ^(-1/2); gv holds eigenvectors as rows
	for j := 0; j < r; j++ {
		s := 1 / math.Sqrt(lam[j])
		for i := 0; i < l; i++ {
			t.Data[i*r+j] = float32(gv[j*l+i] * s)
		}
	}
	u := mat32.New(n, r)
	mat32.Mul(u, y, t)
	y = nil
	report(int64(iters + 1))
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// B = (Aᵀ U)ᵀ = (xᵀU − μ(1ᵀU))ᵀ, r×d.
	bt32 := mat32.TMul(nil, x, u)
	uSum := make([]float64, r)
	for i := 0; i < n; i++ {
		for j, v := range u.Row(i) {
			uSum[j] += float64(v)
		}
	}
	b := make([]float64, r*d)
	for i := 0; i < d; i++ {
		for j := 0; j < r; j++ {
			b[j*d+i] = float64(bt32.Data[i*r+j]) - mom.mean[i]*uSum[j]
		}
	}
	return finishRandomized(b, r, k, d, u, keepU, report, total)
}

// sampleBasis eigendecomposes the l×l Gram matrix g of the sample A·Q and
// returns its eigenvalues and eigenvectors (rows) in descending order and
// the number r of directions above eigFloor of the largest.
func sampleBasis(g []float64, l int) (lam, vecs []float64, r int, err error) {
	lam, vecs, ok := symEig(g, l, true)
	if !ok {
		return nil, nil, 0, fmt.Errorf("pca: randomized solver: the eigendecomposition of the %d×%d sample Gram matrix did not converge", l, l)
	}
	if !(lam[0] > 0) || math.IsInf(lam[0], 0) {
		return nil, nil, 0, fmt.Errorf("pca: randomized solver: the sample has no variance (values too large or too small for float32?)")
	}
	for r < l && lam[r] > eigFloor*lam[0] {
		r++
	}
	return lam, vecs, r, nil
}

// finishRandomized takes the SVD of B (r×d) = W Σ Vᵀ and returns the
// first k axes and singular values, completed to k orthonormal axes when B
// has fewer, and, when keepU, the projection of the training rows
// A V = U W Σ as u times an r×k matrix.
func finishRandomized(b []float64, r, k, d int, u *mat32.Dense, keepU bool, report func(int64), total int64) (*result, error) {
	sv, w, vt, ok := svd(b, r, d, true)
	if !ok {
		return nil, fmt.Errorf("pca: randomized solver: the SVD of the %d×%d projected matrix did not converge", r, d)
	}
	res := &result{k: k, d: d, sv: make([]float64, k), comps: make([]float64, k*d)}
	kk := min(k, len(sv))
	copy(res.sv, sv[:kk])
	copy(res.comps, vt[:kk*d])
	if kk < k {
		completeBasis(res.comps, kk, k, d)
	}
	var fw []float64
	if keepU {
		fw = make([]float64, r*k)
		for i := 0; i < r; i++ {
			for j := 0; j < kk; j++ {
				fw[i*k+j] = w[i*len(sv)+j] * sv[j]
			}
		}
	}
	flipSigns(res.comps, k, d, fw, r)
	if keepU {
		res.fitU, res.fitW = u, fw
	}
	report(total)
	return res, nil
}

// scatterBlockBytes is the size of the centred row blocks scatter32
// multiplies; scatterColBlocks the number of column blocks it splits the
// d×d result into, of which it computes the lower triangle.
const (
	scatterBlockBytes = 8 << 20
	scatterColBlocks  = 4
)

// scatter32 returns C = Σ (xᵢ − μ)(xᵢ − μ)ᵀ (d×d, both triangles) from
// float32 products of centred blocks of rows, added in float64. Each block
// product is a float32 GEMM of the block's column blocks I, J ≤ I, about
// 5/8 of the flops of the whole product.
func scatter32(ctx context.Context, x *mat32.Dense, mean []float64, pf progress.Func) ([]float64, error) {
	n, d := x.Dims()
	mu := make([]float32, d)
	toFloat32(mu, mean)
	blk := max(64, min(n, scatterBlockBytes/(4*d)))
	cb := (d + scatterColBlocks - 1) / scatterColBlocks
	s := mat32.New(blk, d)
	tmp := make([]float32, cb*cb)
	c := make([]float64, d*d)
	for lo := 0; lo < n; lo += blk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+blk, n)
		rows := hi - lo
		mat32.Parallel(rows, mat32.Grain(rows, 64), func(a, b int) {
			for i := a; i < b; i++ {
				src, dst := x.Row(lo+i), s.Row(i)
				for j, v := range src {
					dst[j] = v - mu[j]
				}
			}
		})
		for i0 := 0; i0 < d; i0 += cb {
			mi := min(cb, d-i0)
			for j0 := 0; j0 <= i0; j0 += cb {
				nj := min(cb, d-j0)
				mat32.Sgemm(true, false, mi, nj, rows, 1, s.Data[i0:], d, s.Data[j0:], d, 0, tmp, nj)
				for i := 0; i < mi; i++ {
					row := c[(i0+i)*d+j0 : (i0+i)*d+j0+nj]
					for j, v := range tmp[i*nj : (i+1)*nj] {
						row[j] += float64(v)
					}
				}
			}
		}
		pf.Report(progress.Update{Stage: "pca: covariance", Done: int64(hi), Total: int64(n)})
	}
	// Fill the upper triangle from the lower (the diagonal blocks are full).
	for i := 0; i < d; i++ {
		for j := i + 1; j < d; j++ {
			if j/cb > i/cb {
				c[i*d+j] = c[j*d+i]
			}
		}
	}
	if !allFinite(c) {
		return nil, fmt.Errorf("pca: randomized solver: the covariance overflows float32 (values too large?)")
	}
	return c, nil
}

// shiftRows subtracts shift from every row of y and adds the shifted rows'
// column sums to sum.
func shiftRows(y *mat32.Dense, shift []float32, sum []float64) {
	for i := 0; i < y.Rows; i++ {
		row := y.Row(i)
		for j := range row {
			row[j] -= shift[j]
			sum[j] += float64(row[j])
		}
	}
}

func allFinite(a []float64) bool {
	for _, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
