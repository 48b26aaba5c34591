package metrics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	lspace "github.com/latentlab/latent/space"
)

// Defaults of SmoothnessOptions; the first two are those of the anchor
// benchmark (anchors/bench_interp.py).
const (
	// DefaultSmoothPairs is the number of random pairs of codes.
	DefaultSmoothPairs = 100
	// DefaultSmoothSteps is the number of decoded points per pair, both
	// ends included (15 steps).
	DefaultSmoothSteps = 16
	// DefaultReferenceSample is the number of reference rows whose
	// nearest-neighbour distances give the typical spacing of the data.
	DefaultReferenceSample = 2000
)

// smoothStream is the dataset.NewRand stream that draws the pairs.
const smoothStream = 32

// smoothChunkRows bounds the rows handed to the decoder in one call.
const smoothChunkRows = 4096

// Decoder maps codes to data rows: row i of the result is what row i of z
// decodes to, in the units of the data (a model's Decode, with its labels
// bound). It must return z.Rows rows of the same width every call and must
// not keep or modify z.
type Decoder func(z *mat32.Dense) (*mat32.Dense, error)

// SmoothnessOptions tune Smoothness. The zero value draws
// DefaultSmoothPairs pairs with seed 0, decodes DefaultSmoothSteps points
// along straight lines (lerp) and skips the midpoint distances.
type SmoothnessOptions struct {
	// Pairs is the number N of random pairs; 0 means DefaultSmoothPairs.
	Pairs int
	// Steps is the number T of evenly spaced points decoded per pair, both
	// ends included (T − 1 steps); 0 means DefaultSmoothSteps. T ≥ 3.
	Steps int
	// Method is the path between the two codes: space.Linear (lerp, the
	// zero value) or space.Spherical (slerp).
	Method lspace.Method
	// Seed draws the pairs. The same seed and number of codes give the
	// same pairs whatever the Method, so lerp and slerp are compared on
	// the same pairs.
	Seed uint64
	// PairIndex, when not nil, gives the pairs of rows of the codes
	// (each a ≠ b) and overrides Pairs and Seed: use it to score the
	// pairs another tool drew.
	PairIndex [][2]int
	// Reference, when not nil, holds the real data rows (same width as
	// the decoded rows) that decoded midpoints are measured against; nil
	// leaves the midpoint figures zero.
	Reference *mat32.Dense
	// ReferenceSample is the number m of reference rows, drawn without
	// replacement with Seed, whose nearest-neighbour distances give the
	// typical spacing δ of the data; 0 means DefaultReferenceSample, a
	// negative value every row. All rows are used when m ≥ their number.
	ReferenceSample int
	// Progress, if not nil, receives the number of pairs done (stage
	// "smoothness").
	Progress progress.Func
}

// SmoothnessResult holds the interpolation-smoothness figures of one set
// of pairs and one path method; Smoothness gives the definitions. Means
// and extremes are over the pairs whose decoded path moves (N − Static).
type SmoothnessResult struct {
	// Method is the path between the codes; Pairs (N) and Steps (T) are
	// as run.
	Method lspace.Method `json:"-"`
	Pairs  int           `json:"pairs"`
	Steps  int           `json:"steps"`
	// Static counts the pairs whose decoded path does not move at all
	// (every step d_j = 0, e.g. equal codes): no ratio is defined for
	// them and they take no part in the figures below.
	Static int `json:"static"`

	// RatioMean and RatioMax are the mean and largest over the pairs of
	// max_j d_j / mean_j d_j: 1 when the decoded path moves by equal
	// steps, T − 1 when all the change happens in one step.
	RatioMean float64 `json:"ratio_mean"`
	RatioMax  float64 `json:"ratio_max"`

	// StepRatioMean and StepRatioMax are the anchor's step_ratio,
	// max_j d_j / Σ_j d_j = Ratio / (T − 1): 1/(T − 1) is perfectly even.
	StepRatioMean float64 `json:"step_ratio_mean"`
	StepRatioMax  float64 `json:"step_ratio_max"`
	// StraightnessMean and StraightnessMin are the anchor's
	// straightness, ‖x_{T−1} − x_0‖₂ / Σ_j d_j: 1 when the decoded path
	// is a straight line in data space.
	StraightnessMean float64 `json:"straightness_mean"`
	StraightnessMin  float64 `json:"straightness_min"`
	// StepCVMean and StepCVMax are the anchor's step_cv, the population
	// standard deviation of the steps over their mean.
	StepCVMean float64 `json:"step_cv_mean"`
	StepCVMax  float64 `json:"step_cv_max"`
	// LatentDistMean is the mean distance ‖z_b − z_a‖₂ between the codes
	// of a pair (over all N pairs).
	LatentDistMean float64 `json:"latent_dist_mean"`

	// The midpoint figures, when a Reference is given. RefRows is the
	// number of reference rows and RefSample the m rows of them whose
	// nearest-neighbour distances were taken; RefNNMedian is δ, the
	// median of those distances.
	RefRows     int     `json:"ref_rows,omitempty"`
	RefSample   int     `json:"ref_sample,omitempty"`
	RefNNMedian float64 `json:"ref_nn_median,omitempty"`
	// MidpointMean, MidpointMedian and MidpointMax sum up, over the pairs,
	// the distance from the decoded midpoint to its nearest reference row
	// divided by δ: about 1 or less means the midpoint is as close to some
	// real row as real rows are to each other.
	MidpointMean   float64 `json:"midpoint_mean,omitempty"`
	MidpointMedian float64 `json:"midpoint_median,omitempty"`
	MidpointMax    float64 `json:"midpoint_max,omitempty"`
	// EndpointMean is the same ratio for the decoded ends of the pairs
	// (x_0 and x_{T−1}, the reconstructions when the codes encode
	// reference rows), the floor midpoints can be judged against: a
	// blurry decoder is far from the data everywhere.
	EndpointMean float64 `json:"endpoint_mean,omitempty"`

	// PerPair holds the figures of each pair, in order (not in JSON: a
	// static pair's ratios are NaN).
	PerPair []PairSmoothness `json:"-"`
}

// PairSmoothness holds the figures of one pair of codes.
type PairSmoothness struct {
	// A and B are the rows of the codes the path joins.
	A, B int
	// Static says the decoded path does not move; the ratios are then NaN.
	Static bool
	// Ratio is max_j d_j / mean_j d_j, StepRatio max_j d_j / Σ_j d_j,
	// Straightness ‖x_{T−1} − x_0‖₂ / Σ_j d_j and StepCV std_j d_j /
	// mean_j d_j.
	Ratio, StepRatio, Straightness, StepCV float64
	// LatentDist is ‖z_b − z_a‖₂.
	LatentDist float64
	// Midpoint is the distance from the decoded midpoint to its nearest
	// reference row over δ (0 without a Reference).
	Midpoint float64
}

// Smoothness measures how evenly and how plausibly a decoder moves between
// codes: it draws N pairs of rows (a, b), a ≠ b, of the codes z, decodes T
// evenly spaced points on the path between z_a and z_b, and looks at the
// steps the decoded rows take.
//
// Exactly: the pairs are drawn independently and uniformly, a and b each
// uniform over the n rows of z and redrawn together while a = b (a PCG
// stream of the seed, dataset.NewRand(Seed, 32)), or taken from PairIndex.
// For each pair, t_j = j/(T − 1), j = 0 … T − 1; z_j is the point at t_j
// between z_a and z_b by Method (space.Interpolate: lerp (1 − t)·z_a +
// t·z_b, or slerp); x_j = decode(z_j); d_j = ‖x_{j+1} − x_j‖₂ (euclidean,
// in data units, accumulated in float64) for j = 0 … T − 2. Per pair:
//
//	ratio        = max_j d_j / mean_j d_j                     (1 = even, T − 1 = one jump)
//	step_ratio   = max_j d_j / Σ_j d_j = ratio / (T − 1)     (the anchor's definition)
//	straightness = ‖x_{T−1} − x_0‖₂ / Σ_j d_j                 (1 = a straight line)
//	step_cv      = std_j d_j / mean_j d_j                     (population std)
//
// and the result reports the mean and the maximum of ratio (and of
// step_ratio and step_cv; the minimum of straightness) over the pairs.
// These are the figures of anchors/bench_interp.py, which decodes T = 16
// points of 100 lerp paths between encoder means: its step_ratio times
// T − 1 = 15 is this ratio.
//
// With a Reference R (n_R rows, the real data), the midpoint of each pair,
// decode(z at t = ½) (decoded on its own, whatever T), is measured by
// ρ = dist(midpoint, R) / δ, where dist(x, R) = min over rows r of R of
// ‖x − r‖₂ and δ is the median over m sampled rows r of R of dist(r, R ∖
// {r}), the distance to the nearest other reference row (a duplicate counts,
// at 0). The m rows are drawn with dataset.SampleIndices(n_R, m, Seed); m =
// min(n_R, ReferenceSample). A good generative model's midpoints land among
// the data (ρ near the endpoints' ρ); a space with holes decodes midpoints
// that are far from any real row. The nearest rows are found exactly
// (knn.Exact).
//
// The decoder is called with at most 4096 rows at a time. Errors: codes
// with fewer than 2 rows or non-finite values, T < 3, N < 1, a pair out
// of range or with a = b, a Reference of another width than the decoded
// rows or with fewer than 2 rows or δ = 0, a decoder error or a decoded
// row count, width or value (NaN, ±Inf) that is wrong, every path static,
// and ctx.Err() when ctx is cancelled (checked between decoder calls).
func Smoothness(ctx context.Context, z *mat32.Dense, decode Decoder, opt SmoothnessOptions) (SmoothnessResult, error) {
	if decode == nil {
		panic("metrics: Smoothness: nil decoder")
	}
	var res SmoothnessResult
	if err := checkMatrix("codes", z); err != nil {
		return res, err
	}
	if z.Rows < 2 {
		return res, fmt.Errorf("metrics: smoothness needs at least 2 codes to pair, got %d", z.Rows)
	}
	steps := opt.Steps
	if steps == 0 {
		steps = DefaultSmoothSteps
	}
	if steps < 3 {
		return res, fmt.Errorf("metrics: %d points per path: need at least 3", steps)
	}
	if opt.Method != lspace.Linear && opt.Method != lspace.Spherical {
		return res, fmt.Errorf("metrics: unknown interpolation method %d", opt.Method)
	}
	pairs, err := smoothPairs(z.Rows, opt)
	if err != nil {
		return res, err
	}
	if opt.Reference != nil {
		if err := checkMatrix("reference", opt.Reference); err != nil {
			return res, err
		}
		if opt.Reference.Rows < 2 {
			return res, fmt.Errorf("metrics: the reference set needs at least 2 rows for a nearest-neighbour spacing, has %d", opt.Reference.Rows)
		}
	}
	res = SmoothnessResult{Method: opt.Method, Pairs: len(pairs), Steps: steps, PerPair: make([]PairSmoothness, len(pairs))}

	// Decode the paths in chunks of whole pairs: T path points and the
	// midpoint per pair.
	per := steps + 1
	chunk := max(1, smoothChunkRows/per)
	width := -1
	var mids, ends *mat32.Dense // midpoints and decoded ends, for the reference
	if opt.Reference != nil {
		mids = mat32.New(len(pairs), opt.Reference.Cols)
		ends = mat32.New(2*len(pairs), opt.Reference.Cols)
	}
	ts := lspace.Linspace(0, 1, steps)
	for lo := 0; lo < len(pairs); lo += chunk {
		if err := ctx.Err(); err != nil {
			return SmoothnessResult{}, err
		}
		hi := min(lo+chunk, len(pairs))
		codes := mat32.New((hi-lo)*per, z.Cols)
		for p := lo; p < hi; p++ {
			a, b := z.Row(pairs[p][0]), z.Row(pairs[p][1])
			base := (p - lo) * per
			for j, t := range ts {
				lspace.Interpolate(codes.Row(base+j), a, b, t, opt.Method)
			}
			lspace.Interpolate(codes.Row(base+steps), a, b, 0.5, opt.Method)
		}
		x, err := decode(codes)
		if err != nil {
			return SmoothnessResult{}, fmt.Errorf("metrics: decoding the paths of pairs %d–%d: %w", lo, hi-1, err)
		}
		if x == nil || x.Rows != codes.Rows || x.Cols <= 0 || len(x.Data) != x.Rows*x.Cols {
			got := "nothing"
			if x != nil {
				got = fmt.Sprintf("%d×%d", x.Rows, x.Cols)
			}
			return SmoothnessResult{}, fmt.Errorf("metrics: the decoder returned %s for %d codes", got, codes.Rows)
		}
		if width < 0 {
			width = x.Cols
			if opt.Reference != nil && opt.Reference.Cols != width {
				return SmoothnessResult{}, fmt.Errorf("metrics: decoded rows have %d values but the reference rows have %d", width, opt.Reference.Cols)
			}
		} else if x.Cols != width {
			return SmoothnessResult{}, fmt.Errorf("metrics: the decoder returned rows of %d values, then of %d", width, x.Cols)
		}
		if err := dataset.CheckFinite("metrics: decoded paths", x); err != nil {
			return SmoothnessResult{}, err
		}
		for p := lo; p < hi; p++ {
			base := (p - lo) * per
			ps := pathFigures(x, base, steps)
			ps.A, ps.B = pairs[p][0], pairs[p][1]
			ps.LatentDist = dist64(z.Row(ps.A), z.Row(ps.B))
			res.PerPair[p] = ps
			if mids != nil {
				copy(mids.Row(p), x.Row(base+steps))
				copy(ends.Row(2*p), x.Row(base))
				copy(ends.Row(2*p+1), x.Row(base+steps-1))
			}
		}
		opt.Progress.Report(progress.Update{Stage: "smoothness", Done: int64(hi), Total: int64(len(pairs))})
	}
	if mids != nil {
		if err := midpointFigures(ctx, &res, mids, ends, opt); err != nil {
			return SmoothnessResult{}, err
		}
	}
	if err := res.summarise(); err != nil {
		return SmoothnessResult{}, err
	}
	return res, nil
}

// smoothPairs returns the pairs of rows to join: opt.PairIndex checked, or
// opt.Pairs drawn.
func smoothPairs(n int, opt SmoothnessOptions) ([][2]int, error) {
	if opt.PairIndex != nil {
		if len(opt.PairIndex) == 0 {
			return nil, errors.New("metrics: an empty list of pairs")
		}
		for i, p := range opt.PairIndex {
			if p[0] < 0 || p[0] >= n || p[1] < 0 || p[1] >= n {
				return nil, fmt.Errorf("metrics: pair %d (%d, %d) is out of range for %d codes", i, p[0], p[1], n)
			}
			if p[0] == p[1] {
				return nil, fmt.Errorf("metrics: pair %d joins row %d to itself", i, p[0])
			}
		}
		return opt.PairIndex, nil
	}
	np := opt.Pairs
	if np == 0 {
		np = DefaultSmoothPairs
	}
	if np < 1 {
		return nil, fmt.Errorf("metrics: %d pairs: need at least 1", np)
	}
	rng := dataset.NewRand(opt.Seed, smoothStream)
	pairs := make([][2]int, np)
	for i := range pairs {
		for {
			a, b := rng.IntN(n), rng.IntN(n)
			if a != b {
				pairs[i] = [2]int{a, b}
				break
			}
		}
	}
	return pairs, nil
}

// pathFigures returns the step figures of the path in rows base …
// base+steps−1 of x.
func pathFigures(x *mat32.Dense, base, steps int) PairSmoothness {
	var sum, sum2, big float64
	for j := 0; j < steps-1; j++ {
		d := dist64(x.Row(base+j), x.Row(base+j+1))
		sum += d
		sum2 += d * d
		big = max(big, d)
	}
	if sum == 0 {
		nan := math.NaN()
		return PairSmoothness{Static: true, Ratio: nan, StepRatio: nan, Straightness: nan, StepCV: nan}
	}
	k := float64(steps - 1)
	mean := sum / k
	variance := max(0, sum2/k-mean*mean)
	return PairSmoothness{
		Ratio:        big / mean,
		StepRatio:    big / sum,
		Straightness: dist64(x.Row(base), x.Row(base+steps-1)) / sum,
		StepCV:       math.Sqrt(variance) / mean,
	}
}

// dist64 is the euclidean distance of two float32 rows in float64.
func dist64(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// midpointFigures fills in the reference spacing δ and the midpoint and
// endpoint ratios.
func midpointFigures(ctx context.Context, res *SmoothnessResult, mids, ends *mat32.Dense, opt SmoothnessOptions) error {
	ref := opt.Reference
	m := opt.ReferenceSample
	switch {
	case m == 0:
		m = DefaultReferenceSample
	case m < 0:
		m = ref.Rows
	}
	m = min(m, ref.Rows)
	sample := dataset.SampleIndices(ref.Rows, m, opt.Seed)
	g, err := knn.Exact(ctx, ref, mat32.Gather(nil, ref, sample), 2, knn.ExactOptions{})
	if err != nil {
		return fmt.Errorf("metrics: reference spacing: %w", err)
	}
	nn := make([]float64, m)
	for q, r := range sample {
		idx, d := g.Row(q)
		// The row itself is one of its two nearest (at 0); the other is
		// its nearest other row. With a duplicate both are at 0.
		if int(idx[0]) == r {
			nn[q] = float64(d[1])
		} else {
			nn[q] = float64(d[0])
		}
	}
	delta := median(nn)
	if !(delta > 0) {
		return errors.New("metrics: the reference rows have a median nearest-neighbour distance of 0 (mostly duplicates): no scale to measure midpoints by")
	}
	res.RefRows, res.RefSample, res.RefNNMedian = ref.Rows, m, delta
	gm, err := knn.Exact(ctx, ref, mids, 1, knn.ExactOptions{})
	if err != nil {
		return fmt.Errorf("metrics: midpoints: %w", err)
	}
	for p := range res.PerPair {
		_, d := gm.Row(p)
		res.PerPair[p].Midpoint = float64(d[0]) / delta
	}
	ge, err := knn.Exact(ctx, ref, ends, 1, knn.ExactOptions{})
	if err != nil {
		return fmt.Errorf("metrics: decoded ends: %w", err)
	}
	var s float64
	for i := range ends.Rows {
		_, d := ge.Row(i)
		s += float64(d[0])
	}
	res.EndpointMean = s / float64(ends.Rows) / delta
	return nil
}

// summarise fills in the means and extremes from PerPair.
func (r *SmoothnessResult) summarise() error {
	var n int
	r.StraightnessMin = math.Inf(1)
	var lat float64
	for _, p := range r.PerPair {
		lat += p.LatentDist
		if p.Static {
			r.Static++
			continue
		}
		n++
		r.RatioMean += p.Ratio
		r.RatioMax = max(r.RatioMax, p.Ratio)
		r.StepRatioMean += p.StepRatio
		r.StepRatioMax = max(r.StepRatioMax, p.StepRatio)
		r.StraightnessMean += p.Straightness
		r.StraightnessMin = min(r.StraightnessMin, p.Straightness)
		r.StepCVMean += p.StepCV
		r.StepCVMax = max(r.StepCVMax, p.StepCV)
	}
	r.LatentDistMean = lat / float64(len(r.PerPair))
	if n == 0 {
		return fmt.Errorf("metrics: none of the %d decoded paths moves (every step is 0): the decoder ignores its codes", len(r.PerPair))
	}
	f := 1 / float64(n)
	r.RatioMean *= f
	r.StepRatioMean *= f
	r.StraightnessMean *= f
	r.StepCVMean *= f
	if r.RefNNMedian > 0 {
		mid := make([]float64, len(r.PerPair))
		for i, p := range r.PerPair {
			mid[i] = p.Midpoint
			r.MidpointMean += p.Midpoint
			r.MidpointMax = max(r.MidpointMax, p.Midpoint)
		}
		r.MidpointMean /= float64(len(mid))
		r.MidpointMedian = median(mid)
	}
	return nil
}

// median returns the median of v (the mean of the two middle values for
// an even count), reordering v.
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
