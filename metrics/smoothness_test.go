package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/space"
)

// tanhDecoder decodes 2-D codes to 3 values: tanh(W z + c).
func tanhDecoder(z *mat32.Dense) (*mat32.Dense, error) {
	w := [3][2]float64{{1.5, -0.5}, {0.3, 2.0}, {-1.0, 0.8}}
	c := [3]float64{0.1, -0.2, 0.3}
	x := mat32.New(z.Rows, 3)
	for i := range z.Rows {
		r := z.Row(i)
		for k := range 3 {
			x.Data[3*i+k] = float32(math.Tanh(w[k][0]*float64(r[0]) + w[k][1]*float64(r[1]) + c[k]))
		}
	}
	return x, nil
}

func identity(z *mat32.Dense) (*mat32.Dense, error) { return z.Clone(), nil }

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.7g, want %.7g (±%g)", name, got, want, tol)
	}
}

// The anchor's figures of five lerp paths through a tanh decoder, computed
// with numpy 1.24 the way anchors/bench_interp.py computes them (float32
// decoding, float64 norms):
//
//	d = np.linalg.norm(xs[1:] - xs[:-1], axis=1); L = d.sum()
//	step_ratio = d.max()/L; straightness = norm(xs[-1]-xs[0])/L; cv = d.std()/d.mean()
func TestSmoothnessAgainstNumpy(t *testing.T) {
	z := mat32.FromRows([][]float32{{0, 0}, {1, 2}, {-2, 1}, {0.5, -1.5}})
	r, err := metrics.Smoothness(context.Background(), z, tanhDecoder, metrics.SmoothnessOptions{
		PairIndex: [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 0}, {1, 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Pairs != 5 || r.Steps != 16 || r.Static != 0 {
		t.Fatalf("pairs %d, steps %d, static %d", r.Pairs, r.Steps, r.Static)
	}
	const tol = 2e-5
	near(t, "RatioMean", r.RatioMean, 2.282379, tol)
	near(t, "RatioMax", r.RatioMax, 2.871558, tol)
	near(t, "StepRatioMean", r.StepRatioMean, 0.152159, tol)
	near(t, "StepRatioMax", r.StepRatioMax, 0.191437, tol)
	near(t, "StraightnessMean", r.StraightnessMean, 0.898726, tol)
	near(t, "StraightnessMin", r.StraightnessMin, 0.816775, tol)
	near(t, "StepCVMean", r.StepCVMean, 0.666418, tol)
	near(t, "StepCVMax", r.StepCVMax, 0.892965, tol)
	// The relation between the two definitions holds pair by pair.
	for i, p := range r.PerPair {
		near(t, fmt.Sprintf("pair %d ratio/(T-1)", i), p.Ratio/15, p.StepRatio, 1e-12)
	}
	if r.RefNNMedian != 0 || r.MidpointMean != 0 {
		t.Errorf("midpoint figures without a reference: δ %g, mean %g", r.RefNNMedian, r.MidpointMean)
	}
}

// A linear decoder maps a straight path to equal steps on a straight line;
// a step function puts the whole change in one step.
func TestSmoothnessExtremes(t *testing.T) {
	ctx := context.Background()
	z := mat32.FromRows([][]float32{{0}, {1}, {3}, {-2}})
	lin := func(z *mat32.Dense) (*mat32.Dense, error) {
		x := mat32.New(z.Rows, 2)
		for i := range z.Rows {
			x.Data[2*i], x.Data[2*i+1] = 2*z.Data[i]+1, -z.Data[i]
		}
		return x, nil
	}
	r, err := metrics.Smoothness(ctx, z, lin, metrics.SmoothnessOptions{Pairs: 20, Steps: 9, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "RatioMax", r.RatioMax, 1, 1e-5)
	near(t, "StepRatioMax", r.StepRatioMax, 1.0/8, 1e-6)
	near(t, "StraightnessMin", r.StraightnessMin, 1, 1e-5)
	near(t, "StepCVMax", r.StepCVMax, 0, 1e-3)

	step := func(z *mat32.Dense) (*mat32.Dense, error) {
		x := mat32.New(z.Rows, 1)
		for i, v := range z.Data {
			if v > 0.37 {
				x.Data[i] = 5
			}
		}
		return x, nil
	}
	r, err = metrics.Smoothness(ctx, z, step, metrics.SmoothnessOptions{PairIndex: [][2]int{{0, 1}, {3, 2}}, Steps: 11})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "RatioMean", r.RatioMean, 10, 1e-9)
	near(t, "StepRatioMean", r.StepRatioMean, 1, 1e-9)
	near(t, "StraightnessMean", r.StraightnessMean, 1, 1e-9)
	near(t, "LatentDistMean", r.LatentDistMean, 3, 1e-6) // (1 + 5) / 2
}

// Slerp between orthogonal unit codes moves at a constant angular speed:
// equal chords (ratio 1), and the chords add up to more than the straight
// line: straightness = 2 sin(Ω/2) / ((T−1)·2 sin(Ω/(2(T−1)))), Ω = π/2.
func TestSmoothnessSlerpArc(t *testing.T) {
	z := mat32.FromRows([][]float32{{1, 0}, {0, 1}})
	const T = 7
	r, err := metrics.Smoothness(context.Background(), z, identity, metrics.SmoothnessOptions{
		PairIndex: [][2]int{{0, 1}}, Steps: T, Method: space.Spherical,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != space.Spherical {
		t.Errorf("method %v", r.Method)
	}
	want := 2 * math.Sin(math.Pi/4) / ((T - 1) * 2 * math.Sin(math.Pi/4/(T-1)))
	near(t, "RatioMax", r.RatioMax, 1, 1e-5)
	near(t, "StraightnessMean", r.StraightnessMean, want, 1e-6)
	lin, err := metrics.Smoothness(context.Background(), z, identity, metrics.SmoothnessOptions{PairIndex: [][2]int{{0, 1}}, Steps: T})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "lerp StraightnessMean", lin.StraightnessMean, 1, 1e-6)
}

// Midpoints against a reference grid of spacing 1 (δ = 1): the midpoint of
// (0,0)–(2,0) is a grid point, that of (0,0)–(1,1) is √½ from the nearest.
func TestSmoothnessMidpoints(t *testing.T) {
	var grid [][]float32
	for i := range 5 {
		for j := range 5 {
			grid = append(grid, []float32{float32(i), float32(j)})
		}
	}
	ref := mat32.FromRows(grid)
	z := mat32.FromRows([][]float32{{0, 0}, {2, 0}, {1, 1}, {10, 0}})
	r, err := metrics.Smoothness(context.Background(), z, identity, metrics.SmoothnessOptions{
		PairIndex: [][2]int{{0, 1}, {0, 2}, {3, 0}}, Reference: ref, ReferenceSample: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.RefRows != 25 || r.RefSample != 25 {
		t.Errorf("reference rows %d, sample %d", r.RefRows, r.RefSample)
	}
	near(t, "RefNNMedian", r.RefNNMedian, 1, 1e-6)
	near(t, "pair 0 midpoint", r.PerPair[0].Midpoint, 0, 1e-6)
	near(t, "pair 1 midpoint", r.PerPair[1].Midpoint, math.Sqrt(0.5), 1e-6)
	near(t, "pair 2 midpoint", r.PerPair[2].Midpoint, 1, 1e-6) // (5, 0) is 1 from (4, 0)
	near(t, "MidpointMedian", r.MidpointMedian, math.Sqrt(0.5), 1e-6)
	near(t, "MidpointMax", r.MidpointMax, 1, 1e-6)
	near(t, "MidpointMean", r.MidpointMean, (math.Sqrt(0.5)+1)/3, 1e-6)
	// Ends: (0,0), (2,0), (0,0), (1,1) on the grid; (10,0) is 6 from (4,0).
	near(t, "EndpointMean", r.EndpointMean, 1, 1e-6)

	// A sampled reference spacing (duplicates count at 0).
	dup := mat32.FromRows([][]float32{{0, 0}, {0, 0}, {3, 0}, {3, 4}})
	r, err = metrics.Smoothness(context.Background(), z, identity, metrics.SmoothnessOptions{
		PairIndex: [][2]int{{0, 1}}, Reference: dup,
	})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "duplicate RefNNMedian", r.RefNNMedian, 1.5, 1e-6) // median of 0, 0, 3, 4
}

func TestSmoothnessSeeds(t *testing.T) {
	z := mat32.New(50, 2)
	for i := range z.Data {
		z.Data[i] = float32(i%7) - float32(i%5)*0.5
	}
	run := func(seed uint64, m space.Method) metrics.SmoothnessResult {
		r, err := metrics.Smoothness(context.Background(), z, tanhDecoder, metrics.SmoothnessOptions{Pairs: 30, Seed: seed, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c, s := run(7, space.Linear), run(7, space.Linear), run(8, space.Linear), run(7, space.Spherical)
	same := true
	for i := range a.PerPair {
		p := a.PerPair[i]
		if p.A == p.B {
			t.Fatalf("pair %d joins %d to itself", i, p.A)
		}
		if p != b.PerPair[i] {
			t.Fatalf("pair %d differs between runs: %+v, %+v", i, p, b.PerPair[i])
		}
		if s.PerPair[i].A != p.A || s.PerPair[i].B != p.B {
			t.Fatalf("slerp pair %d is (%d, %d), lerp (%d, %d): the methods must share pairs", i, s.PerPair[i].A, s.PerPair[i].B, p.A, p.B)
		}
		same = same && c.PerPair[i].A == p.A && c.PerPair[i].B == p.B
	}
	if same {
		t.Error("seeds 7 and 8 drew the same pairs")
	}
}

// More pairs than one decoder call holds: the figures do not depend on the
// chunking, and no call exceeds 4096 rows.
func TestSmoothnessChunks(t *testing.T) {
	z := mat32.New(40, 2)
	for i := range z.Data {
		z.Data[i] = float32(math.Sin(float64(i)))
	}
	var calls, most int
	dec := func(c *mat32.Dense) (*mat32.Dense, error) {
		calls++
		most = max(most, c.Rows)
		return tanhDecoder(c)
	}
	ref, _ := tanhDecoder(z)
	big, err := metrics.Smoothness(context.Background(), z, dec, metrics.SmoothnessOptions{Pairs: 300, Reference: ref})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 2 || most > 4096 {
		t.Errorf("%d decoder calls, largest %d rows", calls, most)
	}
	for _, i := range []int{0, 150, 299} {
		p := big.PerPair[i]
		one, err := metrics.Smoothness(context.Background(), z, tanhDecoder, metrics.SmoothnessOptions{PairIndex: [][2]int{{p.A, p.B}}})
		if err != nil {
			t.Fatal(err)
		}
		if q := one.PerPair[0]; q.Ratio != p.Ratio || q.Straightness != p.Straightness {
			t.Errorf("pair %d: ratio %g alone, %g among 300", i, q.Ratio, p.Ratio)
		}
	}
}

func TestSmoothnessStatic(t *testing.T) {
	z := mat32.FromRows([][]float32{{0}, {0}, {1}})
	r, err := metrics.Smoothness(context.Background(), z, identity, metrics.SmoothnessOptions{PairIndex: [][2]int{{0, 1}, {0, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Static != 1 || !r.PerPair[0].Static || !math.IsNaN(r.PerPair[0].Ratio) {
		t.Errorf("static %d, pair 0 %+v", r.Static, r.PerPair[0])
	}
	near(t, "RatioMean", r.RatioMean, 1, 1e-6)
	near(t, "LatentDistMean", r.LatentDistMean, 0.5, 1e-9)
}

func TestSmoothnessBadInput(t *testing.T) {
	z := mat32.FromRows([][]float32{{0, 0}, {1, 2}, {-2, 1}})
	nan := z.Clone()
	nan.Data[3] = float32(math.NaN())
	constant := func(c *mat32.Dense) (*mat32.Dense, error) { return mat32.New(c.Rows, 2), nil }
	short := func(c *mat32.Dense) (*mat32.Dense, error) { return mat32.New(c.Rows-1, 2), nil }
	nanDec := func(c *mat32.Dense) (*mat32.Dense, error) {
		x := c.Clone()
		x.Data[len(x.Data)-1] = float32(math.Inf(1))
		return x, nil
	}
	failing := func(c *mat32.Dense) (*mat32.Dense, error) { return nil, errors.New("out of memory") }
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		z    *mat32.Dense
		dec  metrics.Decoder
		opt  metrics.SmoothnessOptions
		want string
	}{
		{"one code", ctx, mat32.FromRows([][]float32{{1}}), identity, metrics.SmoothnessOptions{}, "at least 2 codes"},
		{"no codes", ctx, mat32.New(0, 2), identity, metrics.SmoothnessOptions{}, "codes has no rows"},
		{"nan codes", ctx, nan, identity, metrics.SmoothnessOptions{}, "NaN"},
		{"two steps", ctx, z, identity, metrics.SmoothnessOptions{Steps: 2}, "at least 3"},
		{"negative pairs", ctx, z, identity, metrics.SmoothnessOptions{Pairs: -1}, "need at least 1"},
		{"bad method", ctx, z, identity, metrics.SmoothnessOptions{Method: 9}, "unknown interpolation method"},
		{"pair out of range", ctx, z, identity, metrics.SmoothnessOptions{PairIndex: [][2]int{{0, 3}}}, "out of range"},
		{"self pair", ctx, z, identity, metrics.SmoothnessOptions{PairIndex: [][2]int{{1, 1}}}, "to itself"},
		{"empty pairs", ctx, z, identity, metrics.SmoothnessOptions{PairIndex: [][2]int{}}, "empty list"},
		{"reference width", ctx, z, identity, metrics.SmoothnessOptions{Reference: mat32.New(5, 3)}, "reference rows have 3"},
		{"reference one row", ctx, z, identity, metrics.SmoothnessOptions{Reference: mat32.New(1, 2)}, "at least 2 rows"},
		{"reference duplicates", ctx, z, identity, metrics.SmoothnessOptions{Reference: mat32.New(4, 2)}, "median nearest-neighbour distance of 0"},
		{"static decoder", ctx, z, constant, metrics.SmoothnessOptions{}, "none of the 100"},
		{"short decoder", ctx, z, short, metrics.SmoothnessOptions{}, "returned 1699×2 for 1700 codes"},
		{"inf decoder", ctx, z, nanDec, metrics.SmoothnessOptions{}, "Inf"},
		{"failing decoder", ctx, z, failing, metrics.SmoothnessOptions{}, "out of memory"},
		{"cancelled", cancelled, z, identity, metrics.SmoothnessOptions{}, "context canceled"},
	} {
		_, err := metrics.Smoothness(c.ctx, c.z, c.dec, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// Four codes on a line decoded by a cube: the steps grow away from zero,
// so the straight paths are uneven in data space. Pairs are given
// explicitly here; by default they are drawn with the seed.
func ExampleSmoothness() {
	z := mat32.FromRows([][]float32{{-1}, {0}, {1}, {2}})
	cube := func(z *mat32.Dense) (*mat32.Dense, error) {
		x := mat32.New(z.Rows, 1)
		for i, v := range z.Data {
			x.Data[i] = v * v * v
		}
		return x, nil
	}
	r, err := metrics.Smoothness(context.Background(), z, cube, metrics.SmoothnessOptions{
		PairIndex: [][2]int{{0, 2}, {1, 3}}, Steps: 5,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range r.PerPair {
		fmt.Printf("z%d→z%d: largest step / mean step %.3f, anchor step_ratio %.3f\n", p.A, p.B, p.Ratio, p.StepRatio)
	}
	fmt.Printf("mean %.3f, max %.3f\n", r.RatioMean, r.RatioMax)
	// Output:
	// z0→z2: largest step / mean step 1.750, anchor step_ratio 0.438
	// z1→z3: largest step / mean step 2.312, anchor step_ratio 0.578
	// mean 2.031, max 2.312
}

// BenchmarkSmoothness times the default 100 pairs of 16 points through a
// small decoder, with midpoints measured against 2,000 rows of 64 values.
func BenchmarkSmoothness(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	z := mat32.New(2000, 8)
	w := mat32.New(64, 8)
	for _, m := range []*mat32.Dense{z, w} {
		for i := range m.Data {
			m.Data[i] = float32(rng.NormFloat64())
		}
	}
	dec := func(c *mat32.Dense) (*mat32.Dense, error) {
		x := mat32.MulT(nil, c, w)
		for i, v := range x.Data {
			x.Data[i] = float32(math.Tanh(float64(v)))
		}
		return x, nil
	}
	ref, _ := dec(z)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := metrics.Smoothness(context.Background(), z, dec, metrics.SmoothnessOptions{Reference: ref}); err != nil {
			b.Fatal(err)
		}
	}
}
