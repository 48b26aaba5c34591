package umap

import (
	"fmt"
	"math"
	"strings"

	"github.com/latentlab/latent/progress"
)

// Metric names accepted in Options.Metric.
const (
	// Euclidean is the straight-line distance ‖x − y‖.
	Euclidean = "euclidean"
	// Cosine is 1 − cos(x, y); zero rows have no direction and are refused.
	Cosine = "cosine"
	// Correlation is 1 − corr(x, y), the cosine distance of the rows after
	// subtracting each row's own mean; constant rows are refused.
	Correlation = "correlation"
	// Manhattan is the L1 (city-block) distance Σ|x − y|.
	Manhattan = "manhattan"
)

// Metrics lists the metric names Options.Metric accepts.
var Metrics = []string{Euclidean, Cosine, Correlation, Manhattan}

// Init names accepted in Options.Init.
const (
	// InitSpectral starts from the eigenvectors of the normalised graph
	// Laplacian (one connected component at a time); the default.
	InitSpectral = "spectral"
	// InitRandom starts from points drawn uniformly in [−10, 10]^dims.
	InitRandom = "random"
	// InitPCA starts from the first principal components of the data.
	InitPCA = "pca"
)

// Defaults, as umap-learn 0.5.3's.
const (
	DefaultNeighbors          = 15
	DefaultComponents         = 2
	DefaultMinDist            = 0.1
	DefaultSpread             = 1.0
	DefaultLearningRate       = 1.0
	DefaultNegativeSampleRate = 5
	DefaultRepulsionStrength  = 1.0
	DefaultSetOpMixRatio      = 1.0
	DefaultLocalConnectivity  = 1.0
	DefaultBandwidth          = 1.0
	DefaultTargetWeight       = 0.5
	// SmallData is the largest row count that gets DefaultEpochsSmall
	// epochs; larger data gets DefaultEpochsLarge.
	SmallData          = 10000
	DefaultEpochsSmall = 500
	DefaultEpochsLarge = 200
)

// Options configure a fit. Start from DefaultOptions and change what you
// need: every field is taken as it is (a zero MinDist is a valid choice),
// except Epochs, Metric and Init, whose zero values mean "the default".
type Options struct {
	// Neighbors is the size of the local neighbourhood, counting the
	// point itself as umap-learn's n_neighbors does: each point is joined
	// to its Neighbors−1 nearest other points. 2 ≤ Neighbors < rows.
	Neighbors int
	// Components is the dimension of the embedding, ≥ 1.
	Components int
	// MinDist is the smallest distance apart that embedded points are
	// drawn together to, 0 ≤ MinDist ≤ Spread.
	MinDist float64
	// Spread is the scale of the embedded points, > 0.
	Spread float64
	// A and B, when both are > 0, set the curve 1/(1 + a·d^(2b)) of
	// embedded similarity directly, instead of fitting it to MinDist and
	// Spread.
	A, B float64
	// Metric is the input-space distance: Euclidean (also ""), Cosine,
	// Correlation or Manhattan.
	Metric string
	// Epochs is the number of optimisation epochs; 0 means
	// DefaultEpochsSmall for at most SmallData rows, else DefaultEpochsLarge.
	Epochs int
	// LearningRate is the initial step of the layout optimisation, > 0;
	// it decays linearly to 0.
	LearningRate float64
	// NegativeSampleRate is the number of repulsive samples drawn per
	// attractive sample, ≥ 1.
	NegativeSampleRate int
	// RepulsionStrength weighs the repulsive samples, ≥ 0.
	RepulsionStrength float64
	// SetOpMixRatio mixes the fuzzy union (1) and intersection (0) of the
	// directed neighbour memberships, in [0, 1].
	SetOpMixRatio float64
	// LocalConnectivity is the number of nearest neighbours each point is
	// assumed connected to with full membership, ≥ 0.
	LocalConnectivity float64
	// Bandwidth scales the target sum of memberships (log2(Neighbors)·
	// Bandwidth), > 0.
	Bandwidth float64
	// Init is InitSpectral (also ""), InitRandom or InitPCA.
	Init string
	// Labels, when not nil, makes the fit supervised: one class per row,
	// dataset.NoLabel (−1) for rows of unknown class.
	Labels []int
	// TargetWeight weighs the labels against the data in a supervised fit,
	// in [0, 1]: 0 lets the data decide, 1 separates the classes fully.
	TargetWeight float64
	// Seed fixes every random choice. The same data, options and seed give
	// a bit-identical embedding at any thread count.
	Seed uint64
	// Progress, when not nil, receives reports: the neighbour search, then
	// one report per epoch (stage "umap layout", Done = epochs finished).
	Progress progress.Func
}

// DefaultOptions returns the options of umap-learn 0.5.3's UMAP():
// 15 neighbours, 2 components, min_dist 0.1, spread 1, euclidean, spectral
// initialisation, learning rate 1, 5 negative samples per edge sample.
func DefaultOptions() Options {
	return Options{
		Neighbors:          DefaultNeighbors,
		Components:         DefaultComponents,
		MinDist:            DefaultMinDist,
		Spread:             DefaultSpread,
		Metric:             Euclidean,
		LearningRate:       DefaultLearningRate,
		NegativeSampleRate: DefaultNegativeSampleRate,
		RepulsionStrength:  DefaultRepulsionStrength,
		SetOpMixRatio:      DefaultSetOpMixRatio,
		LocalConnectivity:  DefaultLocalConnectivity,
		Bandwidth:          DefaultBandwidth,
		Init:               InitSpectral,
		TargetWeight:       DefaultTargetWeight,
	}
}

// ParseMetric returns the canonical name of metric s (case-insensitive;
// "l2" means euclidean, "l1", "cityblock" and "taxicab" mean manhattan), or
// an error naming the metrics there are.
func ParseMetric(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "euclidean", "l2":
		return Euclidean, nil
	case "cosine":
		return Cosine, nil
	case "correlation":
		return Correlation, nil
	case "manhattan", "l1", "cityblock", "taxicab":
		return Manhattan, nil
	}
	return "", fmt.Errorf("umap: unknown metric %q (known: %s)", s, strings.Join(Metrics, ", "))
}

// DefaultEpochs returns the number of epochs a fit of n rows runs when
// Options.Epochs is 0: 500 up to SmallData rows, 200 above.
func DefaultEpochs(n int) int {
	if n <= SmallData {
		return DefaultEpochsSmall
	}
	return DefaultEpochsLarge
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// check validates o for n rows and returns it with the defaults filled in.
func (o Options) check(n int) (Options, error) {
	bad := func(format string, a ...any) (Options, error) {
		return o, fmt.Errorf("umap: "+format, a...)
	}
	m, err := ParseMetric(o.Metric)
	if err != nil {
		return o, err
	}
	o.Metric = m
	switch strings.ToLower(o.Init) {
	case "", InitSpectral:
		o.Init = InitSpectral
	case InitRandom, InitPCA:
		o.Init = strings.ToLower(o.Init)
	default:
		return bad("unknown init %q (known: spectral, random, pca)", o.Init)
	}
	switch {
	case o.Neighbors < 2:
		return bad("neighbors=%d: want at least 2 (start from DefaultOptions)", o.Neighbors)
	case o.Neighbors >= n:
		return bad("neighbors=%d: want fewer than the %d rows", o.Neighbors, n)
	case o.Components < 1:
		return bad("components=%d: want at least 1", o.Components)
	case o.Components >= n:
		return bad("components=%d: want fewer than the %d rows", o.Components, n)
	case !(o.Spread > 0) || !finite(o.Spread):
		return bad("spread=%g: want a positive number (start from DefaultOptions)", o.Spread)
	case !(o.MinDist >= 0) || !finite(o.MinDist):
		return bad("min-dist=%g: want ≥ 0", o.MinDist)
	case o.MinDist > o.Spread:
		return bad("min-dist=%g is larger than spread=%g", o.MinDist, o.Spread)
	case (o.A > 0) != (o.B > 0) || o.A < 0 || o.B < 0 || !finite(o.A) || !finite(o.B):
		return bad("a=%g, b=%g: give both as positive numbers, or neither", o.A, o.B)
	case o.Epochs < 0:
		return bad("epochs=%d: want ≥ 0 (0 picks the default)", o.Epochs)
	case !(o.LearningRate > 0) || !finite(o.LearningRate):
		return bad("learning rate %g: want a positive number", o.LearningRate)
	case o.NegativeSampleRate < 1:
		return bad("negative sample rate %d: want at least 1", o.NegativeSampleRate)
	case !(o.RepulsionStrength >= 0) || !finite(o.RepulsionStrength):
		return bad("repulsion strength %g: want ≥ 0", o.RepulsionStrength)
	case !(o.SetOpMixRatio >= 0 && o.SetOpMixRatio <= 1):
		return bad("set-op mix ratio %g: want a number in [0, 1]", o.SetOpMixRatio)
	case !(o.LocalConnectivity >= 0) || !finite(o.LocalConnectivity):
		return bad("local connectivity %g: want ≥ 0", o.LocalConnectivity)
	case !(o.Bandwidth > 0) || !finite(o.Bandwidth):
		return bad("bandwidth %g: want a positive number", o.Bandwidth)
	case !(o.TargetWeight >= 0 && o.TargetWeight <= 1):
		return bad("target weight %g: want a number in [0, 1]", o.TargetWeight)
	}
	if o.Labels != nil {
		if len(o.Labels) != n {
			return bad("%d labels for %d rows", len(o.Labels), n)
		}
		for i, l := range o.Labels {
			if l < -1 {
				return bad("label %d of row %d: want a class ≥ 0 or -1 for unknown", l, i)
			}
		}
	}
	if o.Epochs == 0 {
		o.Epochs = DefaultEpochs(n)
	}
	return o, nil
}
