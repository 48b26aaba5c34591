package pca

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Limits of the exact solver: beyond them it refuses, naming the randomized
// solver, rather than run for hours or exhaust memory.
const (
	// MaxCovarianceDim is the largest d for the covariance route (a d×d
	// float64 eigendecomposition, about a minute at 4096).
	MaxCovarianceDim = 4096
	// MaxSVDValues is the largest n·d for the SVD route (the centred data
	// in float64, 64 MiB).
	MaxSVDValues = 1 << 23
)

// covBlock is the number of rows centred into float64 at a time when the
// covariance is accumulated; covMaxBytes bounds the partial sums.
const (
	covBlock    = 256
	covMaxParts = 4
	covMaxBytes = 256 << 20
)

// fitExact computes the top k principal axes exactly in float64: from the
// d×d scatter matrix when d ≤ n, from the SVD of the centred data otherwise.
func fitExact(ctx context.Context, x *mat32.Dense, mom *colMoments, o Options) (*result, error) {
	n, d := x.Dims()
	k := o.Components
	r := &result{k: k, d: d, sv: make([]float64, k)}
	if d <= n {
		if d > MaxCovarianceDim {
			return nil, fmt.Errorf("pca: the full solver handles at most %d features (this data has %d); use the randomized solver", MaxCovarianceDim, d)
		}
		c, err := scatter(ctx, x, mom.mean, o.Progress)
		if err != nil {
			return nil, err
		}
		o.Progress.Report(progress.Update{Stage: "pca: eigendecomposition", Total: 1})
		vals, vecs, ok := topSymEig(c, d, k)
		if !ok {
			return nil, fmt.Errorf("pca: the eigendecomposition of the %d×%d covariance did not converge", d, d)
		}
		o.Progress.Report(progress.Update{Stage: "pca: eigendecomposition", Done: 1, Total: 1})
		for j := range r.sv {
			r.sv[j] = math.Sqrt(max(vals[j], 0))
		}
		r.comps = vecs[:k*d]
	} else {
		if n*d > MaxSVDValues {
			return nil, fmt.Errorf("pca: the full solver handles at most %d values when there are more features than rows (this data has %d×%d); use the randomized solver", MaxSVDValues, n, d)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o.Progress.Report(progress.Update{Stage: "pca: svd", Total: 1})
		a := make([]float64, n*d)
		for i := 0; i < n; i++ {
			row := x.Row(i)
			for j, v := range row {
				a[i*d+j] = float64(v) - mom.mean[j]
			}
		}
		s, _, vt, ok := svd(a, n, d, false)
		if !ok {
			return nil, fmt.Errorf("pca: the SVD of the %d×%d centred data did not converge", n, d)
		}
		o.Progress.Report(progress.Update{Stage: "pca: svd", Done: 1, Total: 1})
		copy(r.sv, s)
		r.comps = vt[:k*d]
	}
	flipSigns(r.comps, k, d, nil, 0)
	return r, nil
}

// scatter returns the d×d matrix Σ (xᵢ − μ)(xᵢ − μ)ᵀ (upper triangle) in
// float64. Rows are centred into float64 in blocks and added with a
// symmetric rank-k update into a fixed number of partial sums that run in
// parallel and are added in order, so the result does not depend on the
// thread count.
func scatter(ctx context.Context, x *mat32.Dense, mean []float64, pf progress.Func) ([]float64, error) {
	n, d := x.Dims()
	blocks := (n + covBlock - 1) / covBlock
	parts := max(min(covMaxParts, blocks, covMaxBytes/(8*d*d)), 1)
	perPart := (blocks + parts - 1) / parts
	sums := make([][]float64, parts)
	var done atomic.Int64
	var mu sync.Mutex
	var stop atomic.Bool
	mat32.Parallel(parts, 1, func(lo, hi int) {
		buf := make([]float64, covBlock*d)
		for p := lo; p < hi; p++ {
			c := make([]float64, d*d)
			sums[p] = c
			for b := p * perPart; b < min((p+1)*perPart, blocks); b++ {
				if stop.Load() {
					return
				}
				if ctx.Err() != nil {
					stop.Store(true)
					return
				}
				r0, r1 := b*covBlock, min((b+1)*covBlock, n)
				for i := r0; i < r1; i++ {
					out := buf[(i-r0)*d : (i-r0+1)*d]
					for j, v := range x.Row(i) {
						out[j] = float64(v) - mean[j]
					}
				}
				// The full d×d product through mat32.Dgemm (OpenBLAS) is about
				// 5× faster than gonum's triangular Dsyrk despite twice the flops.
				mat32.Dgemm(true, false, d, d, r1-r0, 1, buf, d, buf, d, 1, c, d)
				if pf != nil {
					rows := done.Add(int64(r1 - r0))
					mu.Lock()
					pf(progress.Update{Stage: "pca: covariance", Done: rows, Total: int64(n)})
					mu.Unlock()
				}
			}
		}
	})
	if err := ctx.Err(); err != nil || stop.Load() {
		if err == nil {
			err = context.Canceled
		}
		return nil, err
	}
	c := sums[0]
	for _, s := range sums[1:] {
		for i := 0; i < d; i++ {
			for j := i; j < d; j++ {
				c[i*d+j] += s[i*d+j]
			}
		}
	}
	return c, nil
}
