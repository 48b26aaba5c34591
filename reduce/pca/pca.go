package pca

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Solver names accepted in Options.Solver.
const (
	// SolverAuto picks SolverFull for small data (at most 500 rows and
	// columns) or when Components ≥ 0.8·min(n, d), else SolverRandomized:
	// scikit-learn's rule.
	SolverAuto = "auto"
	// SolverFull is exact PCA: the eigendecomposition of the d×d covariance
	// when d ≤ n, the SVD of the centred data otherwise, both in float64.
	SolverFull = "full"
	// SolverRandomized is Halko, Martinsson & Tropp's randomized SVD with
	// float32 products over the data and float64 factorizations.
	SolverRandomized = "randomized"
	// SolverIncremental is incremental PCA over batches of rows (Ross et
	// al.), the method of FitStream for data larger than memory.
	SolverIncremental = "incremental"
)

// Defaults of Options fields left at zero.
const (
	DefaultOversamples = 10
	// DefaultBatchFactor: the incremental solver's batch is
	// DefaultBatchFactor·d rows (scikit-learn's choice), at least Components.
	DefaultBatchFactor = 5
)

// Options configures a fit. The zero value is not valid: Components is
// required.
type Options struct {
	// Components is the number k of principal components to keep,
	// 1 ≤ k ≤ min(n, d).
	Components int
	// Solver is one of SolverAuto (also ""), SolverFull, SolverRandomized
	// or SolverIncremental.
	Solver string
	// Whiten scales each projected component to unit variance in
	// Transform (and back in InverseTransform).
	Whiten bool
	// Seed seeds the randomized solver's Gaussian test matrix; the same
	// seed, data and thread count give the same result.
	Seed uint64
	// Oversamples is the number of extra columns of the randomized sketch;
	// 0 means DefaultOversamples.
	Oversamples int
	// PowerIters is the number of power iterations of the randomized
	// solver: 0 means automatic (7 when k < 0.1·min(n, d), else 4, as
	// scikit-learn), a negative value means none.
	PowerIters int
	// BatchSize is the number of rows per batch of the incremental solver;
	// 0 means DefaultBatchFactor·d, and it is raised to Components if
	// smaller. Each batch costs one d×d (or batch×batch) eigenproblem, so
	// larger batches are faster; memory grows as 12·(batch + k)·d bytes.
	BatchSize int
	// Progress receives progress reports; nil for none.
	Progress progress.Func

	// route forces how the randomized solver applies AᵀA (for tests).
	route int
}

// PCA is a fitted principal component analysis. The zero value is an
// unfitted PCA, ready for Fit; a PCA can be fitted again, which replaces the
// previous fit.
//
// A fitted PCA is safe for concurrent use by Transform, InverseTransform and
// the accessors.
type PCA struct {
	d, k     int
	n        int // rows the model was fitted on
	mean     []float32
	comps    *mat32.Dense // k×d, rows orthonormal
	ev       []float64    // explained variance per component (ddof 1)
	evr      []float64
	sv       []float64
	noise    float64
	totalVar float64
	whiten   bool
	solver   string

	// fitTransform: the randomized solver leaves the projection of the
	// training rows here for FitTransform, as U·(W·S) (n×r times r×k).
	fitU *mat32.Dense
	fitW *mat32.Dense
}

// Fit fits p to the rows of x. It is FitContext without cancellation.
func (p *PCA) Fit(x *mat32.Dense, o Options) error {
	return p.FitContext(context.Background(), x, o)
}

// FitContext fits p to the rows of x, which it does not modify. It returns
// an error for options that do not fit the data (k ≤ 0 or k > min(n, d),
// fewer than two rows, an unknown solver), for NaN or ±Inf values, for data
// without variance, for a numerical failure, and ctx.Err() when ctx is
// cancelled; p is then left unfitted.
func (p *PCA) FitContext(ctx context.Context, x *mat32.Dense, o Options) error {
	err := p.fit(ctx, x, o, false)
	p.fitU, p.fitW = nil, nil
	return err
}

// FitTransform fits p to x like FitContext and writes the projection of x
// into dst (x.Rows×k; allocated if nil or empty), which it returns. When
// the randomized solver works through the data (see the package doc), the
// projection comes from the factorization itself (as scikit-learn's
// fit_transform) instead of another pass over x.
func (p *PCA) FitTransform(ctx context.Context, dst, x *mat32.Dense, o Options) (*mat32.Dense, error) {
	defer func() { p.fitU, p.fitW = nil, nil }()
	if err := p.fit(ctx, x, o, true); err != nil {
		return nil, err
	}
	if p.fitU == nil {
		return p.Transform(dst, x), nil
	}
	dst = mat32.Reuse(dst, x.Rows, p.k, "pca: FitTransform")
	mat32.Mul(dst, p.fitU, p.fitW)
	return dst, nil
}

// checkOptions validates o against data of n rows (n < 0: unknown yet) and
// d columns and fills in defaults.
func checkOptions(o *Options, n, d int) error {
	switch o.Solver {
	case "":
		o.Solver = SolverAuto
	case SolverAuto, SolverFull, SolverRandomized, SolverIncremental:
	default:
		return fmt.Errorf("pca: unknown solver %q (want auto, full, randomized or incremental)", o.Solver)
	}
	if d < 1 {
		return errors.New("pca: the data has no columns")
	}
	if n >= 0 && n < 2 {
		return fmt.Errorf("pca: need at least 2 rows, have %d", n)
	}
	lim := d
	if n >= 0 {
		lim = min(n, d)
	}
	if o.Components < 1 || o.Components > lim {
		if n >= 0 {
			return fmt.Errorf("pca: %d components requested; want 1 ≤ k ≤ min(rows, columns) = min(%d, %d) = %d", o.Components, n, d, lim)
		}
		return fmt.Errorf("pca: %d components requested; want 1 ≤ k ≤ %d columns", o.Components, d)
	}
	if o.Oversamples < 0 {
		return fmt.Errorf("pca: negative oversampling %d", o.Oversamples)
	}
	if o.Oversamples == 0 {
		o.Oversamples = DefaultOversamples
	}
	if o.BatchSize < 0 {
		return fmt.Errorf("pca: negative batch size %d", o.BatchSize)
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchFactor * d
	}
	o.BatchSize = max(o.BatchSize, o.Components)
	return nil
}

// chooseSolver resolves SolverAuto for an n×d input with k components.
func chooseSolver(solver string, n, d, k int) string {
	if solver != SolverAuto {
		return solver
	}
	if max(n, d) <= 500 || float64(k) >= 0.8*float64(min(n, d)) {
		return SolverFull
	}
	return SolverRandomized
}

func (p *PCA) fit(ctx context.Context, x *mat32.Dense, o Options, keepU bool) error {
	*p = PCA{}
	if x == nil {
		return errors.New("pca: no data")
	}
	n, d := x.Dims()
	if err := checkOptions(&o, n, d); err != nil {
		return err
	}
	if o.Solver == SolverIncremental {
		return p.FitStream(ctx, mat32.MatrixRows(x), o)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	o.Progress.Report(progress.Update{Stage: "pca: moments", Total: 1})
	mom := columnMoments(x)
	// Sums of float32 values and squares cannot overflow float64, so the
	// moments are finite exactly when x is: one pass checks both.
	if !allFinite(mom.mean) || !allFinite(mom.m2) {
		if err := dataset.CheckFinite("pca", x); err != nil {
			return err
		}
	}
	tv := mom.totalVariance()
	if !(tv > 0) {
		return errors.New("pca: the data has no variance (all rows are equal)")
	}
	o.Progress.Report(progress.Update{Stage: "pca: moments", Done: 1, Total: 1})
	var r *result
	var err error
	switch s := chooseSolver(o.Solver, n, d, o.Components); s {
	case SolverFull:
		r, err = fitExact(ctx, x, mom, o)
	case SolverRandomized:
		r, err = fitRandomized(ctx, x, mom, o, keepU)
	}
	if err != nil {
		*p = PCA{}
		return err
	}
	r.n, r.totalVar, r.whiten = n, tv, o.Whiten
	r.solver = chooseSolver(o.Solver, n, d, o.Components)
	return p.set(r, mom.mean)
}

// result is what a solver hands back: k components (k×d, float64, rows
// orthonormal), their singular values, and the bookkeeping to finish.
type result struct {
	k, d     int
	comps    []float64
	sv       []float64
	n        int
	totalVar float64
	whiten   bool
	solver   string
	// optional projection of the training rows (randomized solver)
	fitU *mat32.Dense
	fitW []float64 // r×k
}

// set fills p from a solver's result: explained variances, ratios, noise
// variance, the float32 components and mean.
func (p *PCA) set(r *result, mean []float64) error {
	n, k, d := r.n, r.k, r.d
	ev := make([]float64, k)
	evr := make([]float64, k)
	var kept float64
	for j, s := range r.sv {
		ev[j] = s * s / float64(n-1)
		evr[j] = ev[j] / r.totalVar
		kept += ev[j]
	}
	noise := 0.0
	if m := min(n, d); k < m {
		noise = max((r.totalVar-kept)/float64(m-k), 0)
	}
	if r.whiten {
		for j, v := range ev {
			if !(v > 1e-12*ev[0]) {
				return fmt.Errorf("pca: cannot whiten: component %d has no variance (the data has rank %d < %d components)", j+1, j, k)
			}
		}
	}
	comps := mat32.New(k, d)
	toFloat32(comps.Data, r.comps)
	mean32 := make([]float32, d)
	toFloat32(mean32, mean)
	*p = PCA{
		d: d, k: k, n: n,
		mean: mean32, comps: comps,
		ev: ev, evr: evr, sv: r.sv,
		noise: noise, totalVar: r.totalVar,
		whiten: r.whiten, solver: r.solver,
	}
	if r.fitU != nil {
		w := make([]float64, len(r.fitW))
		copy(w, r.fitW)
		if r.whiten {
			rr := r.fitU.Cols
			for i := 0; i < rr; i++ {
				for j := 0; j < k; j++ {
					w[i*k+j] /= math.Sqrt(ev[j])
				}
			}
		}
		p.fitU = r.fitU
		p.fitW = mat32.New(r.fitU.Cols, k)
		toFloat32(p.fitW.Data, w)
	}
	return nil
}

// Fitted reports whether p holds a fit.
func (p *PCA) Fitted() bool { return p.comps != nil }

func (p *PCA) mustFit(op string) {
	if p.comps == nil {
		panic("pca: " + op + " on an unfitted PCA")
	}
}

// Dims returns the number of input features d and of components k.
func (p *PCA) Dims() (features, components int) { return p.d, p.k }

// Samples returns the number of rows the model was fitted on.
func (p *PCA) Samples() int { return p.n }

// Solver returns the solver that produced the fit ("full", "randomized" or
// "incremental"; never "auto").
func (p *PCA) Solver() string { return p.solver }

// Whitened reports whether Transform whitens.
func (p *PCA) Whitened() bool { return p.whiten }

// Components writes the k×d matrix of principal axes into dst (allocated if
// nil or empty) and returns it. Rows are orthonormal and sorted by
// decreasing variance; each row's entry of largest magnitude is positive.
func (p *PCA) Components(dst *mat32.Dense) *mat32.Dense {
	p.mustFit("Components")
	dst = mat32.Reuse(dst, p.k, p.d, "pca: Components")
	copy(dst.Data, p.comps.Data)
	return dst
}

// Mean appends the per-feature mean of the training data (d values) to
// dst[:0] and returns the result, so a dst with room for d values is reused.
func (p *PCA) Mean(dst []float32) []float32 {
	p.mustFit("Mean")
	return append(dst[:0], p.mean...)
}

// ExplainedVariance appends the variance (ddof 1) of the training data
// along each of the k components to dst[:0] and returns the result.
func (p *PCA) ExplainedVariance(dst []float64) []float64 {
	p.mustFit("ExplainedVariance")
	return append(dst[:0], p.ev...)
}

// ExplainedVarianceRatio appends each component's share of the total
// variance to dst[:0] and returns the result.
func (p *PCA) ExplainedVarianceRatio(dst []float64) []float64 {
	p.mustFit("ExplainedVarianceRatio")
	return append(dst[:0], p.evr...)
}

// SingularValues appends the singular values of the centred training data
// for the k components to dst[:0] and returns the result.
func (p *PCA) SingularValues(dst []float64) []float64 {
	p.mustFit("SingularValues")
	return append(dst[:0], p.sv...)
}

// NoiseVariance returns the probabilistic-PCA noise variance (Tipping &
// Bishop): the variance not explained by the k components, averaged over
// the remaining min(n, d) − k directions; 0 when k = min(n, d).
func (p *PCA) NoiseVariance() float64 { return p.noise }

// TotalVariance returns the sum of the feature variances (ddof 1) of the
// training data.
func (p *PCA) TotalVariance() float64 { return p.totalVar }

// transformBlock is the number of rows Transform centres at a time.
const transformBlock = 1024

// Transform projects the rows of x (n×d) onto the components, writing
// (x − mean)·Vᵀ, divided by the square root of each component's variance
// when whitening, into dst (n×k; allocated if nil or empty), and returns
// dst. It panics if p is not fitted or x does not have d columns; NaN in x
// gives NaN in the matching rows.
func (p *PCA) Transform(dst, x *mat32.Dense) *mat32.Dense {
	p.mustFit("Transform")
	if x.Cols != p.d {
		panic(fmt.Sprintf("pca: Transform: x has %d columns, the model %d", x.Cols, p.d))
	}
	dst = mat32.Reuse(dst, x.Rows, p.k, "pca: Transform")
	if x.Rows == 0 {
		return dst
	}
	buf := mat32.New(min(transformBlock, x.Rows), p.d)
	for lo := 0; lo < x.Rows; lo += transformBlock {
		hi := min(lo+transformBlock, x.Rows)
		c := buf.Slice(0, hi-lo)
		mat32.Parallel(hi-lo, mat32.Grain(hi-lo, 64), func(a, b int) {
			for i := a; i < b; i++ {
				src, out := x.Row(lo+i), c.Row(i)
				for j, v := range src {
					out[j] = v - p.mean[j]
				}
			}
		})
		mat32.Gemm(false, true, 1, c, p.comps, 0, dst.Slice(lo, hi))
	}
	if p.whiten {
		scale := make([]float32, p.k)
		for j, v := range p.ev {
			scale[j] = float32(1 / math.Sqrt(v))
		}
		for i := 0; i < dst.Rows; i++ {
			row := dst.Row(i)
			for j := range row {
				row[j] *= scale[j]
			}
		}
	}
	return dst
}

// InverseTransform maps projected rows z (n×k) back to the input space,
// writing z·V + mean (z scaled back first when whitening) into dst (n×d;
// allocated if nil or empty), and returns dst. It panics if p is not fitted
// or z does not have k columns. At k = min(n, d) it inverts Transform up to
// rounding.
func (p *PCA) InverseTransform(dst, z *mat32.Dense) *mat32.Dense {
	p.mustFit("InverseTransform")
	if z.Cols != p.k {
		panic(fmt.Sprintf("pca: InverseTransform: z has %d columns, the model %d components", z.Cols, p.k))
	}
	dst = mat32.Reuse(dst, z.Rows, p.d, "pca: InverseTransform")
	v := p.comps
	if p.whiten {
		v = p.comps.Clone()
		for j := 0; j < p.k; j++ {
			s := float32(math.Sqrt(p.ev[j]))
			row := v.Row(j)
			for i := range row {
				row[i] *= s
			}
		}
	}
	mat32.Gemm(false, false, 1, z, v, 0, dst)
	mat32.AddRowVec(dst, p.mean)
	return dst
}
