package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// Finite-difference checks. Every analytic gradient is compared with the
// central difference (f(v+h) − f(v−h)) / (v⁺ − v⁻), where v± are the
// float32 values actually stored and f is accumulated in float64. A value
// passes when
//
//	|numeric − analytic| ≤ gradRTol·max(|numeric|, |analytic|) + gradATol·max|analytic over the tensor|
//
// with gradRTol = 1e-2 and gradATol = 1e-3 (float32 forward passes limit
// the central difference to about three significant digits).
const (
	gradRTol = 1e-2
	gradATol = 1e-3
)

// checkGrad perturbs each value of vals in turn (all of them, or maxChecks
// spread over the tensor) and compares f's central difference with
// analytic.
func checkGrad(t *testing.T, name string, vals, analytic []float32, f func() float64, h float64) {
	t.Helper()
	if len(vals) != len(analytic) {
		t.Fatalf("%s: %d values, %d gradients", name, len(vals), len(analytic))
	}
	var gmax float64
	for _, g := range analytic {
		gmax = max(gmax, math.Abs(float64(g)))
	}
	const maxChecks = 60
	step := max(1, len(vals)/maxChecks)
	bad := 0
	for i := 0; i < len(vals); i += step {
		v0 := vals[i]
		vp := float32(float64(v0) + h)
		vm := float32(float64(v0) - h)
		vals[i] = vp
		fp := f()
		vals[i] = vm
		fm := f()
		vals[i] = v0
		num := (fp - fm) / (float64(vp) - float64(vm))
		ana := float64(analytic[i])
		if d := math.Abs(num - ana); d > gradRTol*max(math.Abs(num), math.Abs(ana))+gradATol*gmax || math.IsNaN(num) || math.IsNaN(ana) {
			if bad < 5 {
				t.Errorf("%s[%d]: analytic %.6g, numeric %.6g", name, i, ana, num)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d checked values differ", name, bad, (len(vals)+step-1)/step)
	}
}

// randMat returns an r×c matrix of N(0, s²) values.
func randMat(rng *rand.Rand, r, c int, s float64) *mat32.Dense {
	m := mat32.New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64() * s)
	}
	return m
}

// dotLoss returns Σ y·w in float64: a loss whose gradient w.r.t. y is w.
func dotLoss(y, w *mat32.Dense) float64 {
	var s float64
	for i, v := range y.Data {
		s += float64(v) * float64(w.Data[i])
	}
	return s
}

// checkLayer checks a layer's input and parameter gradients under the loss
// Σ y·w for random w. reset, if not nil, runs before every Forward (to
// replay a random mask or sample).
func checkLayer(t *testing.T, name string, l Layer, x *mat32.Dense, mode Mode, h float64, reset func()) {
	t.Helper()
	rng := dataset.NewRand(99, 0)
	if reset != nil {
		reset()
	}
	y := l.Forward(x, mode)
	w := randMat(rng, y.Rows, y.Cols, 1)
	ps := l.Params()
	ZeroGrads(ps)
	dx := l.Backward(w)
	f := func() float64 {
		if reset != nil {
			reset()
		}
		return dotLoss(l.Forward(x, mode), w)
	}
	if dx != nil {
		checkGrad(t, name+" dx", x.Data, append([]float32(nil), dx.Data...), f, h)
	}
	for _, p := range ps {
		checkGrad(t, fmt.Sprintf("%s %s", name, p.Name), p.Data, append([]float32(nil), p.Grad...), f, h)
	}
}

// awayFromZero returns an r×c matrix of values in ±[0.1, 1.1], so that a
// small perturbation never crosses a ReLU's kink.
func awayFromZero(rng *rand.Rand, r, c int) *mat32.Dense {
	m := mat32.New(r, c)
	for i := range m.Data {
		v := 0.1 + rng.Float32()
		if rng.IntN(2) == 0 {
			v = -v
		}
		m.Data[i] = v
	}
	return m
}

func allActs() []Act {
	return []Act{Linear(), ReLU(), LeakyReLU(0.2), Sigmoid(), Tanh()}
}

func TestGradActivation(t *testing.T) {
	rng := dataset.NewRand(1, 0)
	for _, a := range allActs() {
		x := awayFromZero(rng, 3, 7)
		checkLayer(t, a.String(), NewActivation(a), x, Train, 1e-3, nil)
	}
	checkLayer(t, "identity", Identity{}, randMat(rng, 2, 3, 1), Train, 1e-2, nil)
}

func TestGradDense(t *testing.T) {
	rng := dataset.NewRand(2, 0)
	for _, a := range allActs() {
		d := NewDense(5, 4, a, rng)
		// Shift the bias so that pre-activations stay away from ReLU's kink.
		x := randMat(rng, 3, 5, 1)
		z := mat32.MulT(nil, x, mat32.FromSlice(4, 5, d.W.Data))
		for i := range z.Data {
			if v := z.Data[i] + d.B.Data[i%4]; math.Abs(float64(v)) < 0.05 {
				d.B.Data[i%4] += 0.1
			}
		}
		checkLayer(t, "dense "+a.String(), d, x, Train, 1e-3, nil)
	}
	d := NewDense(4, 3, Linear(), rng)
	d.NoInputGrad = true
	x := randMat(rng, 2, 4, 1)
	d.Forward(x, Train)
	if dx := d.Backward(randMat(rng, 2, 3, 1)); dx != nil {
		t.Error("NoInputGrad: Backward returned an input gradient")
	}
	checkLayer(t, "dense no-input-grad", d, x, Train, 1e-2, nil)
}

// convCases are the stride/padding combinations checked for both
// convolutions: odd and even kernels, strides 1-3, padding 0 to k−1.
var convCases = []struct{ k, s, p, op int }{
	{1, 1, 0, 0}, {3, 1, 1, 0}, {3, 2, 0, 1}, {4, 2, 1, 0}, {4, 2, 1, 1}, {5, 3, 2, 2}, {2, 2, 0, 0}, {3, 1, 2, 0},
}

func TestGradConv2D(t *testing.T) {
	rng := dataset.NewRand(3, 0)
	in := dataset.ImageShape{Height: 6, Width: 5, Channels: 2}
	for _, cs := range convCases {
		for _, chunked := range []bool{false, true} {
			c := NewConv2D(in, 3, cs.k, cs.s, cs.p, Tanh(), rng)
			if chunked {
				c.maxCol = 1 // one image per chunk, im2col redone in Backward
			}
			name := fmt.Sprintf("conv k%d s%d p%d chunked=%v", cs.k, cs.s, cs.p, chunked)
			checkLayer(t, name, c, randMat(rng, 3, in.Size(), 1), Train, 1e-2, nil)
		}
	}
}

func TestGradConvTranspose2D(t *testing.T) {
	rng := dataset.NewRand(4, 0)
	in := dataset.ImageShape{Height: 3, Width: 4, Channels: 3}
	for _, cs := range convCases {
		if cs.op >= cs.s {
			continue
		}
		for _, chunked := range []bool{false, true} {
			c := NewConvTranspose2D(in, 2, cs.k, cs.s, cs.p, cs.op, Tanh(), rng)
			if chunked {
				c.maxCol = 1
			}
			name := fmt.Sprintf("convT k%d s%d p%d op%d chunked=%v", cs.k, cs.s, cs.p, cs.op, chunked)
			checkLayer(t, name, c, randMat(rng, 2, in.Size(), 1), Train, 1e-2, nil)
		}
	}
}

func TestGradBatchNorm(t *testing.T) {
	rng := dataset.NewRand(5, 0)
	for _, tc := range []struct {
		name       string
		rows, cols int
		channels   int
		mode       Mode
	}{
		{"1d train", 6, 4, 4, Train},
		{"2d train", 3, 2 * 3 * 4, 4, Train},
		{"1d eval", 5, 3, 3, Eval},
		{"2d eval", 2, 3 * 2 * 2, 2, Eval},
	} {
		b := NewBatchNorm(tc.channels)
		for i := range b.W.Data {
			b.W.Data[i] = 0.5 + rng.Float32()
			b.B.Data[i] = float32(rng.NormFloat64())
			b.RunningMean.Data[i] = float32(rng.NormFloat64() * 0.1)
			b.RunningVar.Data[i] = 0.5 + rng.Float32()
		}
		x := randMat(rng, tc.rows, tc.cols, 2)
		checkLayer(t, "batchnorm "+tc.name, b, x, tc.mode, 1e-2, nil)
	}
}

func TestGradLayerNorm(t *testing.T) {
	rng := dataset.NewRand(6, 0)
	l := NewLayerNorm(7)
	for i := range l.W.Data {
		l.W.Data[i] = 0.5 + rng.Float32()
		l.B.Data[i] = float32(rng.NormFloat64())
	}
	checkLayer(t, "layernorm", l, randMat(rng, 4, 7, 2), Train, 1e-2, nil)
}

func TestGradDropout(t *testing.T) {
	rng := dataset.NewRand(7, 0)
	d := NewDropout(0.4, nil)
	reset := func() { d.Rng = dataset.NewRand(11, 0) }
	checkLayer(t, "dropout train", d, randMat(rng, 4, 9, 1), Train, 1e-2, reset)
	checkLayer(t, "dropout eval", d, randMat(rng, 4, 9, 1), Eval, 1e-2, reset)
}

func TestGradSequentialAndBranch(t *testing.T) {
	rng := dataset.NewRand(8, 0)
	s := NewSequential("net", NewDense(4, 6, Tanh(), rng), NewLayerNorm(6), NewDense(6, 3, Sigmoid(), rng))
	checkLayer(t, "sequential", s, randMat(rng, 3, 4, 1), Train, 1e-2, nil)

	// A branch's input gradient is the sum of its heads'.
	trunk := NewDense(3, 5, Tanh(), rng)
	br := NewBranch("heads", NewDense(5, 2, Linear(), rng), NewDense(5, 4, Sigmoid(), rng))
	x := randMat(rng, 2, 3, 1)
	w0, w1 := randMat(rng, 2, 2, 1), randMat(rng, 2, 4, 1)
	f := func() float64 {
		outs := br.Forward(trunk.Forward(x, Train), Train)
		return dotLoss(outs[0], w0) + dotLoss(outs[1], w1)
	}
	f()
	ps := append(trunk.Params(), br.Params()...)
	ZeroGrads(ps)
	dx := trunk.Backward(br.Backward([]*mat32.Dense{w0, w1}))
	checkGrad(t, "branch dx", x.Data, append([]float32(nil), dx.Data...), f, 1e-2)
	for _, p := range ps {
		checkGrad(t, "branch "+p.Name, p.Data, append([]float32(nil), p.Grad...), f, 1e-2)
	}
}

// lossCase is a loss with one or two differentiated inputs.
type lossCase struct {
	name string
	// eval returns the loss and, when grads is not nil, writes gradients
	// w.r.t. each input into grads.
	eval   func(grads []*mat32.Dense, r Reduction) float64
	inputs []*mat32.Dense
}

func lossCases(rng *rand.Rand) []lossCase {
	const n, c = 4, 5
	target := mat32.New(n, c)
	for i := range target.Data {
		target.Data[i] = rng.Float32()
	}
	logits := randMat(rng, n, c, 3)
	probs := mat32.New(n, c)
	for i := range probs.Data {
		probs.Data[i] = 0.05 + 0.9*rng.Float32()
	}
	mean, logVar := randMat(rng, n, c, 1), randMat(rng, n, c, 0.5)
	mu, lv := randMat(rng, n, c, 1), randMat(rng, n, c, 0.7)
	return []lossCase{
		{"bce-logits", func(g []*mat32.Dense, r Reduction) float64 {
			return BCEWithLogits(gradAt(g, 0), logits, target, r)
		}, []*mat32.Dense{logits}},
		{"bce", func(g []*mat32.Dense, r Reduction) float64 {
			return BCE(gradAt(g, 0), probs, target, r)
		}, []*mat32.Dense{probs}},
		{"mse", func(g []*mat32.Dense, r Reduction) float64 {
			return MSE(gradAt(g, 0), mean, target, r)
		}, []*mat32.Dense{mean}},
		{"gaussian-nll", func(g []*mat32.Dense, r Reduction) float64 {
			return GaussianNLL(gradAt(g, 0), gradAt(g, 1), mean, logVar, target, r)
		}, []*mat32.Dense{mean, logVar}},
		{"kl", func(g []*mat32.Dense, r Reduction) float64 {
			return KLStdNormal(gradAt(g, 0), gradAt(g, 1), mu, lv, r)
		}, []*mat32.Dense{mu, lv}},
		{"free-bits-kl", func(g []*mat32.Dense, r Reduction) float64 {
			// λ between the smallest and largest per-dimension KL, so some
			// dimensions are clamped and some are not.
			return FreeBitsKL(gradAt(g, 0), gradAt(g, 1), mu, lv, 0.45, r)
		}, []*mat32.Dense{mu, lv}},
	}
}

func gradAt(g []*mat32.Dense, i int) *mat32.Dense {
	if g == nil {
		return nil
	}
	return g[i]
}

func TestGradLosses(t *testing.T) {
	rng := dataset.NewRand(9, 0)
	for _, lc := range lossCases(rng) {
		for _, r := range []Reduction{Sum, BatchMean, Mean} {
			grads := make([]*mat32.Dense, len(lc.inputs))
			for i, in := range lc.inputs {
				grads[i] = mat32.New(in.Rows, in.Cols)
			}
			v := lc.eval(grads, r)
			if v2 := lc.eval(nil, r); v2 != v {
				t.Errorf("%s %v: loss %v with gradients, %v without", lc.name, r, v, v2)
			}
			f := func() float64 { return lc.eval(nil, r) }
			for i, in := range lc.inputs {
				checkGrad(t, fmt.Sprintf("%s %v input %d", lc.name, r, i), in.Data, grads[i].Data, f, 1e-3)
			}
		}
	}
}

func TestGradReparam(t *testing.T) {
	rng := dataset.NewRand(10, 0)
	mu, lv := randMat(rng, 3, 4, 1), randMat(rng, 3, 4, 0.5)
	w := randMat(rng, 3, 4, 1)
	r := NewReparam(nil)
	f := func() float64 {
		r.Rng = dataset.NewRand(5, 0)
		return dotLoss(r.Forward(mu, lv, Train), w)
	}
	f()
	dmu, dlv := r.Backward(w)
	checkGrad(t, "reparam mu", mu.Data, append([]float32(nil), dmu.Data...), f, 1e-2)
	checkGrad(t, "reparam logvar", lv.Data, append([]float32(nil), dlv.Data...), f, 1e-2)
}

// TestGradMLPVAE checks the gradient of the whole VAE objective
// (BCE-with-logits sum + KL sum, through both heads and the
// reparameterisation) with respect to every parameter of a small MLP VAE.
// The hidden layers use tanh rather than the anchor's ReLU: in a network
// this small some ReLU unit always sits within h of its kink, where a
// central difference is meaningless (ReLU itself is checked away from the
// kink in TestGradActivation and TestGradDense).
func TestGradMLPVAE(t *testing.T) {
	rng := dataset.NewRand(12, 0)
	v := newMLPVAE(6, 5, 4, 2, Tanh(), rng)
	x := randUnit(rng, 3, 6)
	f := func() float64 {
		v.rep.Rng = dataset.NewRand(13, 0)
		bce, kl := v.step(x, false)
		return bce + kl
	}
	ps := v.params()
	ZeroGrads(ps)
	v.rep.Rng = dataset.NewRand(13, 0)
	bce, kl := v.step(x, true)
	if got := f(); math.Abs(got-(bce+kl)) > 1e-9*math.Abs(got) {
		t.Fatalf("loss with backward %v, without %v", bce+kl, got)
	}
	for _, p := range ps {
		checkGrad(t, "vae "+p.Name, p.Data, append([]float32(nil), p.Grad...), f, 1e-2)
	}
}
