package umap

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/pca"
)

// Streams of dataset.NewRand for the fit's random choices.
const (
	streamInit  = 0x756d6170 // spectral start vectors, random and small-component placement
	streamNoise = 0x756d6171 // the noise added to a spectral or PCA start
)

// initNoise is the standard deviation of the noise added to a spectral or
// PCA start after scaling it to a largest coordinate of initScale.
const (
	initNoise = 1e-4
	initScale = 10
)

// UMAP is a fitted uniform manifold approximation and projection. The zero
// value is an unfitted model, ready for Fit; fitting again replaces the
// previous fit. A fitted UMAP is safe for concurrent use by Transform and
// the accessors.
type UMAP struct {
	opt  Options // resolved options (Labels and Progress dropped)
	a, b float64

	// data are the training rows as the neighbour search sees them (row
	// centred for Correlation); a reference to the caller's matrix unless
	// they had to be changed.
	data  *mat32.Dense
	graph *knn.Graph   // the training rows' neighbours, self excluded
	emb   *mat32.Dense // n×Components
	// epochsGiven records whether Options.Epochs was set (it decides the
	// transform's epochs).
	epochsGiven bool
	// supervised records whether the fit used labels.
	supervised bool

	indexOnce sync.Once
	index     *knn.GraphIndex // built by the first large Transform
	indexErr  error
}

// Fitted reports whether u holds a fit.
func (u *UMAP) Fitted() bool { return u.emb != nil }

func (u *UMAP) mustFit(op string) {
	if !u.Fitted() {
		panic("umap: " + op + " on an unfitted UMAP")
	}
}

// Options returns the options of the fit, with defaults resolved (Epochs
// set, Metric and Init canonical); Labels and Progress are nil.
func (u *UMAP) Options() Options { u.mustFit("Options"); return u.opt }

// AB returns the parameters of the embedded similarity curve
// 1/(1 + a·d^(2b)).
func (u *UMAP) AB() (a, b float64) { u.mustFit("AB"); return u.a, u.b }

// Embedding writes the training rows' embedding into dst (n×Components;
// allocated if nil or empty) and returns it.
func (u *UMAP) Embedding(dst *mat32.Dense) *mat32.Dense {
	u.mustFit("Embedding")
	dst = mat32.Reuse(dst, u.emb.Rows, u.emb.Cols, "umap: Embedding")
	copy(dst.Data, u.emb.Data)
	return dst
}

// Dims returns the number of input features and of embedding components.
func (u *UMAP) Dims() (features, components int) {
	u.mustFit("Dims")
	return u.data.Cols, u.emb.Cols
}

// Samples returns the number of training rows.
func (u *UMAP) Samples() int { u.mustFit("Samples"); return u.emb.Rows }

// FitTransform fits u to x like Fit and writes the embedding of x into dst
// (x.Rows×Components; allocated if nil or empty), which it returns.
func (u *UMAP) FitTransform(ctx context.Context, dst, x *mat32.Dense, o Options) (*mat32.Dense, error) {
	if err := u.Fit(ctx, x, o); err != nil {
		return nil, err
	}
	return u.Embedding(dst), nil
}

// Fit embeds the rows of x. It keeps a reference to x for Transform and
// Save (copying it only for the Correlation metric), so x must not be
// changed while u is in use; x itself is never modified.
//
// Bad input is an error and leaves u unfitted: options out of range (see
// Options), Neighbors ≥ rows, NaN or ±Inf values, zero rows under Cosine
// or constant rows under Correlation, labels of the wrong length. Cancelling ctx returns ctx.Err()
// within one epoch of the layout or one block of the neighbour search.
func (u *UMAP) Fit(ctx context.Context, x *mat32.Dense, o Options) error {
	*u = UMAP{}
	if x == nil || x.Rows == 0 || x.Cols == 0 {
		return errors.New("umap: empty data")
	}
	if len(x.Data) != x.Rows*x.Cols {
		panic(fmt.Sprintf("umap: Fit: %d values for %d×%d", len(x.Data), x.Rows, x.Cols))
	}
	n := x.Rows
	given := o.Epochs > 0
	o, err := o.check(n)
	if err != nil {
		return err
	}
	if err := dataset.CheckFinite("umap: data", x); err != nil {
		return err
	}
	a, b := o.A, o.B
	if a <= 0 {
		if a, b, err = FindAB(o.Spread, o.MinDist); err != nil {
			return err
		}
	}
	g, data, err := fitGraph(ctx, x, &o)
	if err != nil {
		return err
	}
	report(o.Progress, "umap init "+o.Init)
	emb, err := initialLayout(ctx, g.csr, data, &o)
	if err != nil {
		return err
	}
	p := layoutParams{
		a: float32(a), b: float32(b),
		gamma: float32(o.RepulsionStrength), alpha: float32(o.LearningRate),
		negRate: o.NegativeSampleRate, epochs: o.Epochs, seed: o.Seed,
		progress: o.Progress,
	}
	if err := optimizeFit(ctx, emb.Data, emb.Cols, g.csr, p); err != nil {
		return err
	}
	supervised := o.Labels != nil
	o.Labels, o.Progress = nil, nil
	*u = UMAP{opt: o, a: a, b: b, data: data, graph: g.knn, emb: emb, epochsGiven: given, supervised: supervised}
	return nil
}

// fitGraph prepares the rows for the metric, finds their neighbours and
// returns the fuzzy graph the layout runs on (union, labels, pruning) and
// the prepared rows. o must be checked.
func fitGraph(ctx context.Context, x *mat32.Dense, o *Options) (*fuzzyGraph, *mat32.Dense, error) {
	metric, err := knnMetric(o.Metric)
	if err != nil {
		return nil, nil, err
	}
	data, err := prepare(x, o.Metric, "umap: data")
	if err != nil {
		return nil, nil, err
	}
	graph, err := knn.BuildGraph(ctx, data, o.Neighbors-1, knn.GraphOptions{Metric: metric, Seed: o.Seed, Progress: o.Progress})
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, fmt.Errorf("umap: %w", err)
	}
	report(o.Progress, "umap fuzzy graph")
	w, _, _ := fuzzyMemberships(graph, o)
	g := fuzzyUnion(w, float32(o.SetOpMixRatio))
	if o.Labels != nil {
		g = intersectLabels(g, o.Labels, o.TargetWeight)
	}
	return &fuzzyGraph{csr: prune(g, o.Epochs), knn: graph}, data, nil
}

// fuzzyGraph is the weighted graph of a fit together with the neighbour
// graph it came from.
type fuzzyGraph struct {
	*csr
	knn *knn.Graph
}

// knnMetric maps a metric name to the neighbour search's metric.
func knnMetric(m string) (knn.Metric, error) {
	switch m {
	case Euclidean:
		return knn.Euclidean, nil
	case Cosine, Correlation:
		return knn.Cosine, nil
	case Manhattan:
		return knn.Manhattan, nil
	}
	return 0, fmt.Errorf("umap: unknown metric %q (known: %s)", m, strings.Join(Metrics, ", "))
}

// prepare returns the rows as the neighbour search must see them: x itself,
// or for Correlation a copy with each row's mean subtracted. Rows without
// direction under Cosine or Correlation are an error naming the first.
func prepare(x *mat32.Dense, metric, name string) (*mat32.Dense, error) {
	switch metric {
	case Cosine:
		for i := 0; i < x.Rows; i++ {
			if mat32.Norm(x.Row(i)) == 0 {
				return nil, fmt.Errorf("%s: row %d is all zeros, which has no direction under the cosine metric", name, i)
			}
		}
		return x, nil
	case Correlation:
		c := x.Clone()
		bad := -1
		mat32.Parallel(c.Rows, rowGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				row := c.Row(i)
				mean := float32(mat32.Sum(row) / float64(len(row)))
				for j := range row {
					row[j] -= mean
				}
			}
		})
		for i := 0; i < c.Rows && bad < 0; i++ {
			if mat32.Norm(c.Row(i)) == 0 {
				bad = i
			}
		}
		if bad >= 0 {
			return nil, fmt.Errorf("%s: row %d is constant, which has no correlation with anything", name, bad)
		}
		return c, nil
	}
	return x, nil
}

// centroidDist returns the distance the component layout measures between
// two centroids, in the metric of the fit.
func centroidDist(metric string) func(a, b []float64) float64 {
	if metric == Manhattan {
		return func(a, b []float64) float64 {
			var s float64
			for i, v := range a {
				s += math.Abs(v - b[i])
			}
			return s
		}
	}
	if metric == Euclidean {
		return func(a, b []float64) float64 {
			var s float64
			for i, v := range a {
				d := v - b[i]
				s += d * d
			}
			return math.Sqrt(s)
		}
	}
	return func(a, b []float64) float64 {
		var ab, aa, bb float64
		for i, v := range a {
			ab += v * b[i]
			aa += v * v
			bb += b[i] * b[i]
		}
		if aa == 0 || bb == 0 {
			return 1
		}
		return 1 - ab/math.Sqrt(aa*bb)
	}
}

// initialLayout returns the starting embedding, scaled like umap-learn's:
// spectral and PCA starts are scaled to a largest coordinate of 10 and get
// Gaussian noise of deviation 1e-4; every start is then mapped linearly
// onto [0, 10] in each dimension.
func initialLayout(ctx context.Context, g *csr, data *mat32.Dense, o *Options) (*mat32.Dense, error) {
	n, dim := g.rows, o.Components
	rng := dataset.NewRand(o.Seed, streamInit)
	var init []float64
	noisy := true
	switch o.Init {
	case InitRandom:
		init = randomInit(n, dim, rng)
		noisy = false
	case InitPCA:
		var p pca.PCA
		if err := p.FitContext(ctx, data, pca.Options{Components: dim, Seed: o.Seed}); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("umap: pca init: %w", err)
		}
		z := p.Transform(nil, data)
		init = make([]float64, len(z.Data))
		for i, v := range z.Data {
			init[i] = float64(v)
		}
	default:
		var err error
		init, err = spectralInit(ctx, g, data, centroidDist(o.Metric), dim, rng)
		if err != nil {
			return nil, err
		}
	}
	emb := mat32.New(n, dim)
	if noisy {
		var top float64
		for _, v := range init {
			top = max(top, math.Abs(v))
		}
		scale := 1.0
		if top > 0 {
			scale = initScale / top
		}
		nr := dataset.NewRand(o.Seed, streamNoise)
		for i, v := range init {
			emb.Data[i] = float32(v*scale) + float32(nr.NormFloat64()*initNoise)
		}
	} else {
		for i, v := range init {
			emb.Data[i] = float32(v)
		}
	}
	rescale(emb)
	return emb, nil
}

// rescale maps each column of m linearly onto [0, 10]; a constant column
// becomes 5.
func rescale(m *mat32.Dense) {
	for k := 0; k < m.Cols; k++ {
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for i := 0; i < m.Rows; i++ {
			v := m.Data[i*m.Cols+k]
			lo, hi = min(lo, v), max(hi, v)
		}
		for i := 0; i < m.Rows; i++ {
			p := &m.Data[i*m.Cols+k]
			if hi > lo {
				*p = initScale * (*p - lo) / (hi - lo)
			} else {
				*p = initScale / 2
			}
		}
	}
}

// report tells f that stage has begun.
func report(f progress.Func, stage string) {
	f.Report(progress.Update{Stage: stage})
}
