package tsne

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/reduce/pca"
)

// Random streams of dataset.NewRand, one per purpose.
const (
	streamInit    = 1
	streamPadding = 2
)

// exactKNNBudget is the knn.GraphOptions.ExactBudget of Fit: with
// Options.KNN left at knn.Auto, it finds neighbours exactly rather than by
// NN-descent up to this n²·d:
// 140,000 rows of 50 values. At t-SNE's k = 90 the exact search is both
// faster and far smaller than NN-descent on the project machine
// (Fashion-MNIST, 70,000 × 50: 15 s and 0.6 GB peak against 27 s and
// 3.7 GB of CPU time and memory), and exact.
const exactKNNBudget = 1e12

// initStd is the standard deviation of the initial embedding (openTSNE's).
const initStd = 1e-4

// Model is a fitted t-SNE: the embedding of the training rows and what
// Transform needs to place new rows into it (the training rows, reduced by
// the PCA projection when one was fitted, and the kernel). A Model is
// read-only after Fit or Load and safe for concurrent use.
type Model struct {
	emb        *mat32.Dense // n×dims
	ref        *mat32.Dense // n×d' reference rows, in the space neighbours are found in
	scale      float32      // power of two applied to the input first
	proj       *projection  // nil, or the PCA map from the input space to ref's
	features   int          // columns of the input
	perplexity []float64
	neighbors  int
	dof        float64
	method     Method
	kl         float64
	iters      int
}

// Fit embeds the rows of x (n×d, at least 4 rows, finite) in opt.Dims
// dimensions and returns the model. x is not modified and not retained
// (the model keeps a copy of the rows, or of their PCA projection).
//
// Errors: empty or non-finite data, all rows identical (nothing to
// embed), options out of range (perplexity ≤ 0 or ≥ n/3, Dims not 1–3,
// FFT with 3 dimensions...), a numerical failure, or ctx.Err() within one
// iteration of ctx being cancelled. The embedding is never NaN: a run that
// diverges returns an error instead.
func Fit(ctx context.Context, x *mat32.Dense, opt Options) (*Model, error) {
	if x == nil || x.Rows == 0 || x.Cols == 0 {
		return nil, errors.New("tsne: no data")
	}
	n, d := x.Rows, x.Cols
	c, err := opt.resolve(n, d)
	if err != nil {
		return nil, err
	}
	if err := dataset.CheckFinite("tsne: data", x); err != nil {
		return nil, err
	}
	if allEqual(x) {
		return nil, fmt.Errorf("tsne: all %d rows are identical: there is no structure to embed", n)
	}
	m := &Model{features: d, perplexity: c.perplexities, neighbors: c.k, dof: c.DoF, method: c.Method}

	// t-SNE does not depend on the scale of the input; bring values far
	// from 1 to it by a power of two (exact), so that float32 distances
	// neither overflow nor underflow.
	m.scale = inputScale(x)
	src := x
	if m.scale != 1 {
		src = x.Clone()
		mat32.Scale(m.scale, src.Data)
	}
	var ref *mat32.Dense
	if c.PCAComponents > 0 && c.PCAComponents < d {
		var p pca.PCA
		if err := p.FitContext(ctx, src, pca.Options{Components: min(c.PCAComponents, n), Seed: c.Seed}); err != nil {
			return nil, fmt.Errorf("tsne: PCA reduction: %w", err)
		}
		m.proj = &projection{mean: p.Mean(nil), comps: p.Components(nil)}
		ref = m.proj.apply(src)
	} else if src == x {
		ref = x.Clone()
	} else {
		ref = src
	}
	m.ref = ref

	g, err := knn.BuildGraph(ctx, ref, c.k, knn.GraphOptions{Method: c.KNN, ExactBudget: exactKNNBudget, Seed: c.Seed, Progress: c.Progress})
	if err != nil {
		return nil, fmt.Errorf("tsne: neighbours: %w", err)
	}
	cond, err := conditional(ctx, g, c.perplexities, c.Progress)
	if err != nil {
		return nil, err
	}
	p := symmetrize(g, cond)
	g, cond = nil, nil
	if p.nnz() == 0 {
		return nil, errors.New("tsne: no pair of rows has a positive affinity")
	}

	y, err := initialEmbedding(ctx, ref, c)
	if err != nil {
		return nil, err
	}
	var rep repeller
	switch c.Method {
	case Exact:
		rep = newExactRepeller(n, c.Dims, c.DoF)
	case BarnesHut:
		rep = newBHRepeller(n, c.Dims, c.Theta, c.DoF)
	case FFT:
		rep = newFFTRepeller(n, c.Dims, c.DoF, c.GridSpacing, c.InterpPoints)
	}
	// Optimise in the cache-friendly order (see order.go).
	perm := cuthillMcKee(p)
	p = permuted(p, perm)
	yp := make([]float64, len(y))
	for nw, old := range perm {
		copy(yp[nw*c.Dims:(nw+1)*c.Dims], y[int(old)*c.Dims:])
	}
	o := newOptimizer(p, yp, c.Dims, c.DoF, c.MaxStepNorm, rep)
	phases := c.phases()
	m.kl, err = o.run(ctx, phases, c.Progress)
	if err != nil {
		return nil, err
	}
	for _, ph := range phases {
		m.iters += ph.iters
	}
	m.emb = mat32.New(n, c.Dims)
	for nw, old := range perm {
		for a := 0; a < c.Dims; a++ {
			m.emb.Data[int(old)*c.Dims+a] = float32(yp[nw*c.Dims+a])
		}
	}
	return m, nil
}

// Input scaling: values whose largest magnitude lies outside
// [2^−scaleLimit, 2^scaleLimit] are rescaled by a power of two.
const scaleLimit = 40

// inputScale returns the power of two that brings the largest magnitude of
// x into [0.5, 1) when it is outside [2^−40, 2^40], and 1 otherwise.
func inputScale(x *mat32.Dense) float32 {
	lo, hi, ok := mat32.MinMax(x.Data)
	if !ok {
		return 1
	}
	m := math.Max(math.Abs(float64(lo)), math.Abs(float64(hi)))
	if m == 0 || (m <= math.Ldexp(1, scaleLimit) && m >= math.Ldexp(1, -scaleLimit)) {
		return 1
	}
	_, e := math.Frexp(m)
	return float32(math.Ldexp(1, -e))
}

// allEqual reports whether every row of x equals the first.
func allEqual(x *mat32.Dense) bool {
	first := x.Row(0)
	for i := 1; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			if v != first[j] {
				return false
			}
		}
	}
	return true
}

// initialEmbedding returns the starting point of the optimisation, n×dims
// in float64, centred.
func initialEmbedding(ctx context.Context, x *mat32.Dense, c *config) ([]float64, error) {
	n, dims := x.Rows, c.Dims
	y := make([]float64, n*dims)
	switch c.Init {
	case InitGiven:
		for i, v := range c.InitY.Data[:n*dims] {
			y[i] = float64(v)
		}
	case InitRandom:
		rng := dataset.NewRand(c.Seed, streamInit)
		for i := range y {
			y[i] = initStd * rng.NormFloat64()
		}
	case InitPCA:
		k := min(dims, x.Cols, n-1)
		var p pca.PCA
		z, err := p.FitTransform(ctx, nil, x, pca.Options{Components: k, Seed: c.Seed})
		if err != nil {
			return nil, fmt.Errorf("tsne: PCA initialisation: %w", err)
		}
		for i := 0; i < n; i++ {
			for a := 0; a < k; a++ {
				y[i*dims+a] = float64(z.At(i, a))
			}
		}
		// Scale so that the first component has standard deviation 1e-4.
		mean, sq := 0.0, 0.0
		for i := 0; i < n; i++ {
			mean += y[i*dims]
		}
		mean /= float64(n)
		for i := 0; i < n; i++ {
			sq += (y[i*dims] - mean) * (y[i*dims] - mean)
		}
		std := math.Sqrt(sq / float64(n))
		if !(std > 0) || math.IsInf(std, 0) {
			return nil, errors.New("tsne: PCA initialisation: the first component has no variance")
		}
		for i := 0; i < n; i++ {
			for a := 0; a < k; a++ {
				y[i*dims+a] *= initStd / std
			}
		}
		// Dimensions the data cannot fill (fewer columns than Dims) start
		// as small noise.
		if k < dims {
			rng := dataset.NewRand(c.Seed, streamPadding)
			for i := 0; i < n; i++ {
				for a := k; a < dims; a++ {
					y[i*dims+a] = initStd * rng.NormFloat64()
				}
			}
		}
	}
	centre(y, n, dims)
	return y, nil
}

// Embedding writes the n×Dims embedding of the training rows into dst
// (allocated when nil or empty) and returns it.
func (m *Model) Embedding(dst *mat32.Dense) *mat32.Dense {
	dst = mat32.Reuse(dst, m.emb.Rows, m.emb.Cols, "tsne: Embedding")
	copy(dst.Data, m.emb.Data)
	return dst
}

// Len returns the number of training rows.
func (m *Model) Len() int { return m.emb.Rows }

// Dims returns the embedding's dimension.
func (m *Model) Dims() int { return m.emb.Cols }

// Features returns the number of columns Transform expects.
func (m *Model) Features() int { return m.features }

// KL returns the KL divergence KL(P‖Q) of the final embedding.
func (m *Model) KL() float64 { return m.kl }

// Iterations returns the number of optimisation iterations run.
func (m *Model) Iterations() int { return m.iters }

// Method returns the gradient method the fit used.
func (m *Model) Method() Method { return m.method }
