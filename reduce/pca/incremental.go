package pca

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// RowReader yields the rows of a matrix in order, a batch at a time, so that
// data larger than memory can be fitted (see mat32.RowReader). The row
// reader of package formats/npy satisfies it.
type RowReader = mat32.RowReader

// Incremental fits a PCA one batch of rows at a time (Ross, Lim, Lin & Yang
// 2008, as scikit-learn's IncrementalPCA): after each batch it keeps the
// column means and variances exactly and the top Components singular
// values and axes of the rows seen so far, from the SVD of those axes
// scaled by their singular values stacked over the centred batch and a
// mean-correction row. The result equals exact PCA when Components covers
// the rank of the data and approximates it otherwise.
//
// Set Components (and Whiten) before the first PartialFit; the zero value
// with those set is ready to use. Memory is O((Components + batch)·d).
type Incremental struct {
	// Components is the number k of components to keep.
	Components int
	// Whiten makes the resulting PCA whiten in Transform.
	Whiten bool

	d     int
	mom   colMoments
	comps []float64 // kk×d, kk ≤ Components
	sv    []float64
}

// Seen returns the number of rows fitted so far.
func (inc *Incremental) Seen() int { return inc.mom.n }

// Reset forgets all batches, keeping Components and Whiten.
func (inc *Incremental) Reset() { *inc = Incremental{Components: inc.Components, Whiten: inc.Whiten} }

// PartialFit folds the rows of batch into the fit. It returns an error if
// Components is not positive or exceeds the number of columns, if the batch
// has a different number of columns than earlier ones, if it holds NaN or
// ±Inf values (naming the row, counted over all batches), or if the
// factorization fails; the fit is then left as it was before the call.
func (inc *Incremental) PartialFit(batch *mat32.Dense) error {
	if batch == nil || batch.Rows == 0 {
		return nil
	}
	k := inc.Components
	if inc.mom.n == 0 {
		if batch.Cols < 1 {
			return errors.New("pca: the data has no columns")
		}
		if k < 1 || k > batch.Cols {
			return fmt.Errorf("pca: %d components requested; want 1 ≤ k ≤ %d columns", k, batch.Cols)
		}
		inc.d = batch.Cols
	} else if batch.Cols != inc.d {
		return fmt.Errorf("pca: batch has %d columns, earlier batches %d", batch.Cols, inc.d)
	}
	if c, r := mat32.CountNonFinite(batch); c > 0 {
		return fmt.Errorf("pca: %d NaN/Inf values (first in row %d)", c, inc.mom.n+r)
	}
	d, b := inc.d, batch.Rows
	var bm colMoments
	blockMoments(batch, &bm)
	kk := len(inc.sv)
	rows := kk + b
	if inc.mom.n > 0 {
		rows++
	}
	m := make([]float64, rows*d)
	for j := 0; j < kk; j++ {
		for i := 0; i < d; i++ {
			m[j*d+i] = inc.sv[j] * inc.comps[j*d+i]
		}
	}
	for r := 0; r < b; r++ {
		out := m[(kk+r)*d : (kk+r+1)*d]
		for i, v := range batch.Row(r) {
			out[i] = float64(v) - bm.mean[i]
		}
	}
	if inc.mom.n > 0 {
		n0, nb := float64(inc.mom.n), float64(b)
		f := math.Sqrt(n0 * nb / (n0 + nb))
		out := m[(rows-1)*d:]
		for i := range out {
			out[i] = f * (inc.mom.mean[i] - bm.mean[i])
		}
	}
	keep := min(k, rows, d)
	s, vt, ok := topSVD(m, rows, d, keep)
	if !ok {
		return fmt.Errorf("pca: incremental update after %d rows: the eigendecomposition did not converge", inc.mom.n)
	}
	inc.sv, inc.comps = s, vt
	inc.mom.merge(&bm)
	return nil
}

// PCA returns the PCA of the rows seen so far. It returns an error when
// fewer rows than max(2, Components) have been seen or the rows have no
// variance.
func (inc *Incremental) PCA() (*PCA, error) {
	n, d, k := inc.mom.n, inc.d, inc.Components
	if n < 2 {
		return nil, fmt.Errorf("pca: need at least 2 rows, have %d", n)
	}
	if k > min(n, d) {
		return nil, fmt.Errorf("pca: %d components requested; want 1 ≤ k ≤ min(rows, columns) = min(%d, %d) = %d", k, n, d, min(n, d))
	}
	tv := inc.mom.totalVariance()
	if !(tv > 0) {
		return nil, errors.New("pca: the data has no variance (all rows are equal)")
	}
	r := &result{k: k, d: d, n: n, totalVar: tv, whiten: inc.Whiten, solver: SolverIncremental,
		sv: make([]float64, k), comps: make([]float64, k*d)}
	kk := min(k, len(inc.sv))
	copy(r.sv, inc.sv[:kk])
	copy(r.comps, inc.comps[:kk*d])
	completeBasis(r.comps, kk, k, d)
	flipSigns(r.comps, k, d, nil, 0)
	p := new(PCA)
	if err := p.set(r, inc.mom.mean); err != nil {
		return nil, err
	}
	return p, nil
}

// FitStream fits p with the incremental solver to the rows src yields,
// reading o.BatchSize rows at a time, so the data never has to fit in
// memory. o.Solver must be "", SolverAuto or SolverIncremental. Read errors
// are returned wrapped; ctx is checked between batches.
func (p *PCA) FitStream(ctx context.Context, src RowReader, o Options) error {
	*p = PCA{}
	if o.Solver != "" && o.Solver != SolverAuto && o.Solver != SolverIncremental {
		return fmt.Errorf("pca: a stream is fitted with the incremental solver, not %q", o.Solver)
	}
	n, d := src.Rows(), src.Cols()
	if err := checkOptions(&o, n, d); err != nil {
		return err
	}
	inc := Incremental{Components: o.Components, Whiten: o.Whiten}
	buf := mat32.New(min(o.BatchSize, n), d)
	for eof := false; !eof; {
		if err := ctx.Err(); err != nil {
			return err
		}
		filled := 0
		for filled < buf.Rows {
			m, err := src.Next(buf.Slice(filled, buf.Rows))
			if m < 0 || m > buf.Rows-filled {
				return fmt.Errorf("pca: the row reader returned %d rows for a batch of %d", m, buf.Rows-filled)
			}
			filled += m
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				return fmt.Errorf("pca: reading rows after row %d: %w", inc.Seen()+filled, err)
			}
			if m == 0 {
				return fmt.Errorf("pca: the row reader returned no rows and no error after row %d", inc.Seen()+filled)
			}
		}
		if err := inc.PartialFit(buf.Slice(0, filled)); err != nil {
			return err
		}
		o.Progress.Report(progress.Update{Stage: "pca: incremental", Done: int64(inc.Seen()), Total: int64(n)})
	}
	if inc.Seen() != n {
		return fmt.Errorf("pca: the row reader announced %d rows and gave %d", n, inc.Seen())
	}
	q, err := inc.PCA()
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

// topSVD returns the first keep singular values and right singular vectors
// (rows of vt, keep×d) of the m×d matrix a, from the eigendecomposition of
// the smaller of aᵀa and aaᵀ. Axes whose singular value is zero to working
// precision are completed to an orthonormal set.
func topSVD(a []float64, m, d, keep int) (s, vt []float64, ok bool) {
	ag := blas64.General{Rows: m, Cols: d, Stride: d, Data: a}
	s = make([]float64, keep)
	if m >= d {
		g := gramRows(a, m, d)
		vals, vecs, ok := topSymEig(g, d, keep)
		if !ok {
			return nil, nil, false
		}
		for j := range s {
			s[j] = math.Sqrt(max(vals[j], 0))
		}
		return s, vecs, true
	}
	g := make([]float64, m*m)
	blas64.Syrk(blas.NoTrans, 1, ag, 0, blas64.Symmetric{N: m, Stride: m, Uplo: blas.Upper, Data: g})
	vals, vecs, ok := topSymEig(g, m, keep)
	if !ok {
		return nil, nil, false
	}
	vt = make([]float64, keep*d)
	r := 0
	for ; r < keep && vals[r] > 1e-24*vals[0] && vals[r] > 0; r++ {
		s[r] = math.Sqrt(vals[r])
		// v_r = aᵀ u_r / s_r
		blas64.Gemv(blas.Trans, 1/s[r], ag, blas64.Vector{N: m, Inc: 1, Data: vecs[r*m : (r+1)*m]},
			0, blas64.Vector{N: d, Inc: 1, Data: vt[r*d : (r+1)*d]})
	}
	// Rounding in the small eigenvectors leaves the rows slightly
	// non-orthogonal; two Gram–Schmidt sweeps restore them.
	for pass := 0; pass < 2; pass++ {
		for j := 0; j < r; j++ {
			row := vt[j*d : (j+1)*d]
			for i := 0; i < j; i++ {
				prev := vt[i*d : (i+1)*d]
				dot := blas64.Dot(blas64.Vector{N: d, Inc: 1, Data: row}, blas64.Vector{N: d, Inc: 1, Data: prev})
				blas64.Axpy(-dot, blas64.Vector{N: d, Inc: 1, Data: prev}, blas64.Vector{N: d, Inc: 1, Data: row})
			}
			nrm := blas64.Nrm2(blas64.Vector{N: d, Inc: 1, Data: row})
			blas64.Scal(1/nrm, blas64.Vector{N: d, Inc: 1, Data: row})
		}
	}
	completeBasis(vt, r, keep, d)
	return s, vt, true
}

// gramRows returns aᵀa (upper triangle) for the m×d matrix a, summing
// fixed blocks of rows into at most covMaxParts partial sums that run in
// parallel and are added in order (so the result does not depend on the
// thread count).
func gramRows(a []float64, m, d int) []float64 {
	blocks := (m + covBlock - 1) / covBlock
	parts := max(min(covMaxParts, blocks, covMaxBytes/(8*d*d)), 1)
	perPart := (blocks + parts - 1) / parts
	sums := make([][]float64, parts)
	mat32.Parallel(parts, 1, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			r0, r1 := min(p*perPart*covBlock, m), min((p+1)*perPart*covBlock, m)
			g := make([]float64, d*d)
			if r1 > r0 {
				blas64.Syrk(blas.Trans, 1, blas64.General{Rows: r1 - r0, Cols: d, Stride: d, Data: a[r0*d : r1*d]}, 0,
					blas64.Symmetric{N: d, Stride: d, Uplo: blas.Upper, Data: g})
			}
			sums[p] = g
		}
	})
	g := sums[0]
	for _, s := range sums[1:] {
		for i := 0; i < d; i++ {
			for j := i; j < d; j++ {
				g[i*d+j] += s[i*d+j]
			}
		}
	}
	return g
}
