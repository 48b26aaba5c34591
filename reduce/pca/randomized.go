package pca

import (
	"context"
	"fmt"
	"math"

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

// fitRandomized is the randomized SVD of the centred data A = x − 1μᵀ
// (Halko, Martinsson & Tropp 2011, algorithm 4.4 with the normalisation of
// 4.4's remark), never forming A: products with A are products with x
// corrected by a rank-one term.
//
//	Q ← orth(Ω), Ω d×l Gaussian, l = k + oversamples
//	repeat q times: Q ← orth(Aᵀ(A Q))      one pass over x per iteration
//	Y ← A Q;  U ← orth(Y);  Bᵀ ← Aᵀ U;  Bᵀ = V Σ Wᵀ
//
// The components are the first k columns of V and the singular values Σ.
func fitRandomized(ctx context.Context, x *mat32.Dense, mom *colMoments, o Options, keepU bool) (*result, error) {
	n, d := x.Dims()
	k := o.Components
	l := min(k+o.Oversamples, n, d)
	iters := powerIters(o, n, d)
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

	mu32 := make([]float32, d)
	toFloat32(mu32, mom.mean)
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
	// eigendecomposition of the exact Gram matrix YᵀY = G Λ Gᵀ:
	// U = Y G Λ^(-1/2), dropping directions with Λ below eigFloor·Λmax.
	setQ()
	y := mat32.New(n, l)
	mat32.Mul(y, x, q32)
	clear(colSum)
	shiftRows(y, rowShift, colSum)
	g := gram64(y)
	lam, gv, ok := symEig(g, l, true)
	if !ok {
		return nil, fmt.Errorf("pca: randomized solver: the eigendecomposition of the %d×%d sample Gram matrix did not converge", l, l)
	}
	if !(lam[0] > 0) || math.IsInf(lam[0], 0) {
		return nil, fmt.Errorf("pca: randomized solver: the sample has no variance (values too large or too small for float32?)")
	}
	r := 0
	for r < l && lam[r] > eigFloor*lam[0] {
		r++
	}
	t := mat32.New(l, r) // T = G[:, :r] Λ^(-1/2); gv holds eigenvectors as rows
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

	// Bᵀ = Aᵀ U = xᵀU − μ(1ᵀU), then its SVD in float64.
	bt32 := mat32.TMul(nil, x, u)
	uSum := make([]float64, r)
	for i := 0; i < n; i++ {
		for j, v := range u.Row(i) {
			uSum[j] += float64(v)
		}
	}
	bt := make([]float64, d*r)
	for i := 0; i < d; i++ {
		for j := 0; j < r; j++ {
			bt[i*r+j] = float64(bt32.Data[i*r+j]) - mom.mean[i]*uSum[j]
		}
	}
	// The SVD of Bᵀ (d×r) comes from that of B (r×d): B = W Σ Vᵀ.
	b := make([]float64, r*d)
	for i := 0; i < d; i++ {
		for j := 0; j < r; j++ {
			b[j*d+i] = bt[i*r+j]
		}
	}
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
	// The projection of the training rows is A V = U W Σ (first k columns).
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
