package tsne

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Method chooses how the repulsive forces (the normalisation of the
// embedding's similarities) are computed.
type Method int

const (
	// Auto picks Exact for tiny data, FFT for one-dimensional embeddings
	// and two-dimensional ones of at least AutoFFTMin points, BarnesHut
	// otherwise (see AutoExactMax).
	Auto Method = iota
	// Exact sums over all pairs: O(n²) per iteration, for small data and as
	// the oracle of the others.
	Exact
	// BarnesHut approximates far cells of a space-partitioning tree by
	// their centre of mass (van der Maaten 2014), with Options.Theta.
	BarnesHut
	// FFT interpolates the kernel on a regular grid and convolves with
	// fast Fourier transforms (FIt-SNE, Linderman et al. 2019); 1 or 2
	// dimensions only.
	FFT
)

// Methods lists the method names ParseMethod accepts, in order.
var Methods = []string{"auto", "exact", "bh", "fft"}

// String returns the method's name.
func (m Method) String() string {
	if m >= 0 && int(m) < len(Methods) {
		return Methods[m]
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod returns the method called s: "auto", "exact", "bh" (or
// "barnes-hut") or "fft" (or "interpolation").
func ParseMethod(s string) (Method, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return Auto, nil
	case "exact":
		return Exact, nil
	case "bh", "barnes-hut", "barneshut":
		return BarnesHut, nil
	case "fft", "interpolation", "fit-sne":
		return FFT, nil
	}
	return 0, fmt.Errorf("tsne: unknown method %q (known: %s)", s, strings.Join(Methods, ", "))
}

// Init chooses the initial embedding.
type Init int

const (
	// InitPCA starts from the first principal components of the input,
	// rescaled so that the first has standard deviation 1e-4 (openTSNE's
	// choice): deterministic and global structure preserving.
	InitPCA Init = iota
	// InitRandom starts from independent normal values of standard
	// deviation 1e-4.
	InitRandom
	// InitGiven starts from Options.InitY, used as given.
	InitGiven
)

// Inits lists the initialisation names ParseInit accepts, in order.
var Inits = []string{"pca", "random", "given"}

// String returns the initialisation's name.
func (i Init) String() string {
	if i >= 0 && int(i) < len(Inits) {
		return Inits[i]
	}
	return fmt.Sprintf("Init(%d)", int(i))
}

// ParseInit returns the initialisation called s.
func ParseInit(s string) (Init, error) {
	for i, name := range Inits {
		if strings.EqualFold(strings.TrimSpace(s), name) {
			return Init(i), nil
		}
	}
	return 0, fmt.Errorf("tsne: unknown initialisation %q (known: %s)", s, strings.Join(Inits, ", "))
}

// Defaults of the Options fields left at zero.
const (
	DefaultDims              = 2
	DefaultPerplexity        = 30
	DefaultEarlyExaggeration = 12
	DefaultEarlyIter         = 250
	DefaultIter              = 750
	DefaultMomentum          = 0.5
	DefaultFinalMomentum     = 0.8
	DefaultTheta             = 0.5
	DefaultDoF               = 1
	DefaultMaxStepNorm       = 5
	// DefaultGridSpacing is the FFT method's grid spacing in embedding
	// units, and DefaultInterpPoints its interpolation order (points per
	// dimension of each point's stencil). At 0.5 and 4, the repulsive
	// forces of 2,000 clustered points spread over ±40 units are within
	// 1.2-1.3 % (total relative error) of the exact ones
	// (TestFFTWideEmbedding); FIt-SNE's node spacing, 1/3 with 3 points,
	// gets 0.7 % there from a grid with 2.25 times the nodes.
	DefaultGridSpacing  = 0.5
	DefaultInterpPoints = 4
	// minLearningRate is the floor of the automatic learning rate.
	minLearningRate = 50
)

// AutoExactMax is the largest n for which Auto computes the gradient
// exactly.
const AutoExactMax = 300

// AutoFFTMin is the smallest n for which Auto uses the FFT method for a
// two-dimensional map. Below it Barnes-Hut is as fast or faster on the
// project machine (Fashion-MNIST, PCA-50, 1000 iterations: 1.6 s against
// 2.1 s of CPU time at 2,000 points, equal at 5,000; the FFT method is
// 1.6 times faster at 10,000) and more accurate.
const AutoFFTMin = 5000

// Options configures Fit. The zero value gives the documented defaults,
// which are openTSNE's: a two-dimensional embedding at perplexity 30,
// early exaggeration 12 for 250 iterations with momentum 0.5, then 750
// iterations with momentum 0.8, learning rate max(n/exaggeration, 50) in
// each phase, PCA initialisation, Cauchy kernel (one degree of freedom).
type Options struct {
	// Dims is the embedding's dimension, 1, 2 or 3 (FFT: 1 or 2); 0 means
	// DefaultDims.
	Dims int
	// Perplexity is the effective number of neighbours each point's
	// affinities spread over; 0 means DefaultPerplexity. It must be below
	// n/3 (n the number of rows).
	Perplexity float64
	// Perplexities, when not empty, replaces Perplexity by a multiscale
	// mixture: each point's affinities are the mean of the Gaussian
	// affinities fitted to each perplexity (openTSNE's MultiscaleMixture).
	Perplexities []float64
	// Neighbors is the number of nearest neighbours affinities are
	// computed over; 0 means min(n−1, ⌊3·max perplexity⌋).
	Neighbors int
	// KNN picks the neighbour search; knn.Auto means exact up to
	// n²·d = 1e12 (140,000 rows of 50 values), NN-descent beyond. Either
	// is deterministic for a seed.
	KNN knn.Method
	// PCAComponents, when positive and below the number of columns,
	// reduces the input to that many principal components before the
	// neighbour search (a saved model keeps the projection for Transform).
	PCAComponents int

	// EarlyExaggeration multiplies the attractive forces during the first
	// EarlyIter iterations; 0 means DefaultEarlyExaggeration.
	EarlyExaggeration float64
	// EarlyIter is the length of the early-exaggeration phase; 0 means
	// DefaultEarlyIter, a negative value none.
	EarlyIter int
	// Iter is the number of iterations after the early phase; 0 means
	// DefaultIter, a negative value none.
	Iter int
	// LateExaggeration, when above 1, multiplies the attractive forces in
	// the last LateIter iterations (all Iter iterations when LateIter is
	// 0): the "exaggeration" of openTSNE, the late exaggeration of FIt-SNE.
	LateExaggeration float64
	// LateIter is the number of final iterations LateExaggeration applies
	// to; 0 means all of Iter.
	LateIter int
	// LearningRate is the step size in openTSNE's units (the gradient of
	// KL divided by 4, so scikit-learn's learning rate is a quarter of
	// this one); 0 means automatic: max(n/exaggeration, 50) in each phase.
	LearningRate float64
	// Momentum is the momentum of the early phase and FinalMomentum that
	// of the rest; 0 means DefaultMomentum and DefaultFinalMomentum.
	Momentum, FinalMomentum float64
	// MaxStepNorm caps the length of one point's step (openTSNE's
	// max_step_norm), which stops a point from shooting off and blowing up
	// the FFT grid; 0 means DefaultMaxStepNorm, a negative value no cap.
	MaxStepNorm float64

	// Method picks the gradient computation; Auto decides by size and Dims.
	Method Method
	// Theta is the Barnes-Hut accuracy: a cell of width w at distance d is
	// summarised when w < Theta·d. 0 means DefaultTheta; a tiny positive
	// value opens every cell (exact).
	Theta float64
	// GridSpacing and InterpPoints tune the FFT method; 0 means
	// DefaultGridSpacing and DefaultInterpPoints (2 to 8 points).
	GridSpacing  float64
	InterpPoints int
	// DoF is the degrees of freedom α of the heavy-tailed kernel
	// (1 + d²/α)^−α (Kobak et al. 2019): 1, the default when 0, is the
	// Cauchy kernel of standard t-SNE; smaller values give heavier tails
	// and finer clusters.
	DoF float64

	// Init picks the initial embedding; InitY holds it for InitGiven
	// (n×Dims, finite, used as given).
	Init  Init
	InitY *mat32.Dense
	// Seed fixes every random choice (random initialisation, randomized
	// PCA, approximate neighbours): the same data, options and seed give a
	// bit-identical embedding at any GOMAXPROCS.
	Seed uint64
	// Progress, when not nil, receives reports: the neighbour search
	// (stage "knn"), the affinities ("affinities") and each iteration
	// ("optimize", with the KL divergence every 50 iterations).
	Progress progress.Func
}

// config is Options with defaults filled in and checked against the data.
type config struct {
	Options
	n, d         int
	perplexities []float64
	k            int
}

// resolve fills in defaults and validates o for n rows of d columns.
func (o Options) resolve(n, d int) (*config, error) {
	c := &config{Options: o, n: n, d: d}
	if c.Dims == 0 {
		c.Dims = DefaultDims
	}
	if c.Dims < 1 || c.Dims > 3 {
		return nil, fmt.Errorf("tsne: %d embedding dimensions: want 1, 2 or 3", c.Dims)
	}
	if n < 4 {
		return nil, fmt.Errorf("tsne: %d rows: need at least 4 points", n)
	}
	c.perplexities = o.Perplexities
	if len(c.perplexities) == 0 {
		p := o.Perplexity
		if p == 0 {
			p = DefaultPerplexity
		}
		c.perplexities = []float64{p}
	}
	maxP := 0.0
	for _, p := range c.perplexities {
		if err := positive("perplexity", p); err != nil {
			return nil, err
		}
		if 3*p >= float64(n) {
			return nil, fmt.Errorf("tsne: perplexity %g is too large for %d points: it must be below n/3 = %.4g", p, n, float64(n)/3)
		}
		maxP = max(maxP, p)
	}
	c.k = o.Neighbors
	if c.k == 0 {
		c.k = min(n-1, max(1, int(3*maxP)))
	}
	if c.k < 1 || c.k >= n {
		return nil, fmt.Errorf("tsne: %d neighbours: want 1 ≤ k < %d (the number of rows)", c.k, n)
	}
	if c.EarlyExaggeration == 0 {
		c.EarlyExaggeration = DefaultEarlyExaggeration
	}
	switch {
	case c.EarlyIter == 0:
		c.EarlyIter = DefaultEarlyIter
	case c.EarlyIter < 0:
		c.EarlyIter = 0
	}
	switch {
	case c.Iter == 0:
		c.Iter = DefaultIter
	case c.Iter < 0:
		c.Iter = 0
	}
	if c.LateExaggeration == 0 {
		c.LateExaggeration = 1
	}
	if c.LateIter <= 0 || c.LateIter > c.Iter {
		c.LateIter = c.Iter
	}
	if c.Momentum == 0 {
		c.Momentum = DefaultMomentum
	}
	if c.FinalMomentum == 0 {
		c.FinalMomentum = DefaultFinalMomentum
	}
	switch {
	case c.MaxStepNorm == 0:
		c.MaxStepNorm = DefaultMaxStepNorm
	case c.MaxStepNorm < 0:
		c.MaxStepNorm = math.Inf(1)
	}
	if c.Theta == 0 {
		c.Theta = DefaultTheta
	}
	if c.GridSpacing == 0 {
		c.GridSpacing = DefaultGridSpacing
	}
	if c.InterpPoints == 0 {
		c.InterpPoints = DefaultInterpPoints
	}
	if c.DoF == 0 {
		c.DoF = DefaultDoF
	}
	if err := cmp.Or(
		positive("early exaggeration", c.EarlyExaggeration),
		positive("late exaggeration", c.LateExaggeration),
		positive("theta", c.Theta),
		positive("grid spacing", c.GridSpacing),
		positive("degrees of freedom", c.DoF),
	); err != nil {
		return nil, err
	}
	if !(c.LearningRate >= 0) || math.IsInf(c.LearningRate, 0) {
		return nil, fmt.Errorf("tsne: learning rate %g: want > 0 (or 0 for automatic)", c.LearningRate)
	}
	if !(c.Momentum >= 0 && c.Momentum < 1) || !(c.FinalMomentum >= 0 && c.FinalMomentum < 1) {
		return nil, fmt.Errorf("tsne: momentum %g, final momentum %g: want each in [0, 1)", c.Momentum, c.FinalMomentum)
	}
	if math.IsNaN(c.MaxStepNorm) {
		return nil, fmt.Errorf("tsne: maximum step norm is NaN")
	}
	if c.InterpPoints < 2 || c.InterpPoints > 8 {
		return nil, fmt.Errorf("tsne: %d interpolation points: want 2 to 8", c.InterpPoints)
	}
	if c.PCAComponents < 0 {
		return nil, fmt.Errorf("tsne: %d PCA components", c.PCAComponents)
	}
	switch c.Method {
	case Auto:
		switch {
		case n <= AutoExactMax:
			c.Method = Exact
		case c.Dims == 1 || (c.Dims == 2 && n >= AutoFFTMin):
			c.Method = FFT
		default:
			c.Method = BarnesHut
		}
	case Exact, BarnesHut:
	case FFT:
		if c.Dims > 2 {
			return nil, fmt.Errorf("tsne: the fft method embeds in 1 or 2 dimensions, not %d (use bh)", c.Dims)
		}
	default:
		return nil, fmt.Errorf("tsne: invalid method %d", int(c.Method))
	}
	switch c.Init {
	case InitPCA, InitRandom:
	case InitGiven:
		if c.InitY == nil {
			return nil, fmt.Errorf("tsne: initialisation %q without an initial embedding", "given")
		}
		if c.InitY.Rows != n || c.InitY.Cols != c.Dims {
			return nil, fmt.Errorf("tsne: the initial embedding is %d×%d, want %d×%d", c.InitY.Rows, c.InitY.Cols, n, c.Dims)
		}
		if cnt, row := mat32.CountNonFinite(c.InitY); cnt > 0 {
			return nil, fmt.Errorf("tsne: the initial embedding has %d NaN/Inf values (first in row %d)", cnt, row)
		}
	default:
		return nil, fmt.Errorf("tsne: invalid initialisation %d", int(c.Init))
	}
	return c, nil
}

// positive returns an error, "tsne: NAME V: want a positive number",
// unless v is a finite positive number.
func positive(name string, v float64) error {
	if v > 0 && !math.IsInf(v, 1) {
		return nil
	}
	return fmt.Errorf("tsne: %s %g: want a positive number", name, v)
}

// learningRate returns the step size of a phase with exaggeration ex.
func (c *config) learningRate(ex float64) float64 {
	if c.LearningRate > 0 {
		return c.LearningRate
	}
	return max(float64(c.n)/ex, minLearningRate)
}
