package model

import (
	"math"
	"slices"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn"
)

// Finite-difference checks of the composed objectives. The nn package
// checks every layer and loss; these check what this package builds from
// them: heads, reparameterisation, KL with β, warm-up and free bits, the
// one-hot conditioning, denoising inputs, the neighbour term, and the two
// GAN losses through the discriminator. Each analytic gradient is compared
// with the central difference (f(v+h) − f(v−h)) / (v⁺ − v⁻) of the
// batch's objective, which draws its noise from fixed streams, so f is a
// deterministic function of the weights. A value passes when
//
//	|numeric − analytic| ≤ 2e-2·max(|numeric|, |analytic|) + 1e-2·max|analytic over the tensor|
//
// (float32 forward passes limit the central difference to about three
// significant digits). The networks use tanh: a ReLU network's loss over a
// batch has kinks wherever a unit of a row crosses zero, and nn checks the
// ReLU on its own. A value whose perturbation moves a ReLU unit across
// its kink has no derivative to check: its two one-sided differences
// disagree, and it is skipped; at most a quarter of the values of a tensor
// may be skipped.
const (
	gradRTol = 2e-2
	gradATol = 1e-2
)

func checkGrad(t *testing.T, name string, vals, analytic []float32, f func() float64, h float64) {
	t.Helper()
	var gmax float64
	for _, g := range analytic {
		gmax = max(gmax, math.Abs(float64(g)))
	}
	tol := func(a, b float64) float64 { return gradRTol*max(math.Abs(a), math.Abs(b)) + gradATol*gmax }
	central := func(i int, h float64) float64 {
		v0 := vals[i]
		vp, vm := float32(float64(v0)+h), float32(float64(v0)-h)
		vals[i] = vp
		fp := f()
		vals[i] = vm
		fm := f()
		vals[i] = v0
		return (fp - fm) / (float64(vp) - float64(vm))
	}
	const maxChecks = 24
	step := max(1, len(vals)/maxChecks)
	bad, checked, kinks := 0, 0, 0
	for i := 0; i < len(vals); i += step {
		checked++
		num := central(i, h)
		// A kink inside [v−h, v+h] makes the central differences at h and
		// h/2 disagree; a smooth function's agree to O(h²).
		if half := central(i, h/2); math.Abs(num-half) > tol(num, half) {
			kinks++
			continue
		}
		ana := float64(analytic[i])
		if math.Abs(num) < 1e-7 && math.Abs(ana) < 1e-7 {
			continue // both zero to rounding (a bias that batch norm cancels)
		}
		if d := math.Abs(num - ana); d > tol(num, ana) || math.IsNaN(num) || math.IsNaN(ana) {
			if bad < 3 {
				t.Errorf("%s[%d]: analytic %.6g, numeric %.6g", name, i, ana, num)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d checked values differ", name, bad, checked)
	}
	if kinks*2 > checked {
		t.Errorf("%s: %d of %d values skipped at kinks", name, kinks, checked)
	}
}

// checkAE checks every parameter's gradient of one batch's objective.
func checkAE(t *testing.T, name string, s *session, pos []int) {
	t.Helper()
	tr := s.t.(*aeTrainer)
	l, err := tr.lossGrad(pos, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Loss == 0 {
		t.Fatalf("%s: zero loss", name)
	}
	grads := make([][]float32, len(tr.ps))
	for i, p := range tr.ps {
		grads[i] = slices.Clone(p.Grad)
	}
	f := func() float64 {
		l, _ := tr.lossGrad(pos, 1, 0, 1)
		return l.Loss
	}
	for i, p := range tr.ps {
		checkGrad(t, name+"/"+p.Name, p.Data, grads[i], f, 1e-2)
	}
}

func TestGradVAE(t *testing.T) {
	d := blobs(40, 16, 3, 1)
	pos := []int{0, 3, 5, 7, 11, 13}
	for _, tc := range []struct {
		name string
		edit func(*Config, *TrainOptions)
	}{
		{"vae", func(*Config, *TrainOptions) {}},
		{"beta-vae", func(c *Config, _ *TrainOptions) { c.Beta = 4 }},
		{"warm-up", func(c *Config, _ *TrainOptions) { c.Beta, c.WarmupEpochs = 2, 3 }},
		{"gaussian", func(c *Config, o *TrainOptions) { c.Likelihood, o.Normalize = Gaussian, "standardize" }},
		{"noisy", func(c *Config, _ *TrainOptions) { c.Noise = 0.2 }},
	} {
		c := smallConfig(VAE, MLP, 4)
		c.Activation = "tanh"
		opt := TrainOptions{Batch: 6, Seed: 3}
		tc.edit(&c, &opt)
		s := mustSetup(t, d, c, opt)
		if tc.name == "warm-up" {
			tr := s.t.(*aeTrainer)
			tr.opt.Steps = 5
			if b := tr.betaAt(6); b <= 0 || b >= 2 {
				t.Fatalf("warm-up β at step 6: %g", b)
			}
		}
		checkAE(t, tc.name, s, pos)
	}
}

// TestGradFreeBits puts the free-bits floor in the widest gap between the
// dimensions' KL values, so that some dimensions are below it (zero
// gradient) and some above, and no perturbation crosses it.
func TestGradFreeBits(t *testing.T) {
	d := blobs(40, 16, 3, 2)
	pos := []int{1, 2, 4, 8, 9, 10, 12, 20}
	c := smallConfig(VAE, MLP, 6)
	c.Activation = "tanh"
	s := mustSetup(t, d, c, TrainOptions{Batch: 8, Seed: 4})
	tr := s.t.(*aeTrainer)
	xb := mat32.Gather(nil, s.xn, pos)
	mu, lv := tr.n.encode(xb, nil, nn.Eval)
	kl := nn.KLPerDim(nil, mu, lv)
	for j := range kl {
		kl[j] /= float64(len(pos))
	}
	sorted := slices.Sorted(slices.Values(kl))
	gap, at := 0.0, 0
	for j := 1; j < len(sorted); j++ {
		if g := sorted[j] - sorted[j-1]; g > gap {
			gap, at = g, j
		}
	}
	tr.c.FreeBits = (sorted[at-1] + sorted[at]) / 2
	t.Logf("KL per dimension %.4f, free bits %.4f", kl, tr.c.FreeBits)
	checkAE(t, "free-bits", s, pos)
}

func TestGradAutoencoders(t *testing.T) {
	d := blobs(40, 16, 3, 3)
	pos := []int{0, 1, 2, 3, 4, 5, 6, 7}
	for _, tc := range []struct {
		name string
		typ  Type
		edit func(*Config)
	}{
		{"ae", AE, func(*Config) {}},
		{"dae", DAE, func(*Config) {}},
		{"cvae", CVAE, func(*Config) {}},
		{"ae-neighbour", AE, func(c *Config) { c.NeighborWeight, c.NeighborK = 5, 4 }},
		{"vae-neighbour", VAE, func(c *Config) { c.NeighborWeight, c.NeighborK = 2, 3 }},
		{"cvae-neighbour", CVAE, func(c *Config) { c.NeighborWeight, c.NeighborK = 1, 3 }},
		{"no-hidden", VAE, func(c *Config) { c.Hidden = nil }},
	} {
		c := smallConfig(tc.typ, MLP, 3)
		c.Activation = "tanh"
		tc.edit(&c)
		s := mustSetup(t, d, c, TrainOptions{Batch: 8, Seed: 5})
		checkAE(t, tc.name, s, pos)
	}
}

// TestGradNeighborRaw checks the raw (unnormalised) neighbour term too.
func TestGradNeighborRaw(t *testing.T) {
	d := blobs(30, 10, 3, 4)
	c := smallConfig(AE, MLP, 3)
	c.Activation = "tanh"
	c.NeighborWeight, c.NeighborK = 0.5, 3
	s := mustSetup(t, d, c, TrainOptions{Batch: 6, Seed: 6})
	s.t.(*aeTrainer).rawNeighbor = true
	checkAE(t, "raw-neighbour", s, []int{0, 2, 4, 6, 8, 10})
}

func TestGradConv(t *testing.T) {
	if testing.Short() {
		t.Skip("convolutional gradient check")
	}
	d := imageBlobs(20, 8, 2, 5)
	for _, typ := range []Type{VAE, CVAE} {
		c := smallConfig(typ, Conv, 3)
		c.Activation = "tanh"
		c.Hidden = []int{10}
		s := mustSetup(t, d, c, TrainOptions{Batch: 4, Seed: 7})
		checkAE(t, "conv-"+string(typ), s, []int{0, 1, 2, 3})
	}
}

// TestGradGAN checks the discriminator's loss against its weights and the
// generator's non-saturating loss, through the discriminator, against the
// generator's weights, for the MLP GAN and the DCGAN (with batch norm).
func TestGradGAN(t *testing.T) {
	for _, arch := range []Arch{MLP, Conv} {
		d := imageBlobs(24, 8, 2, 6)
		c := smallConfig(GAN, arch, 3)
		c.Activation = "tanh"
		s := mustSetup(t, d, c, TrainOptions{Batch: 6, Seed: 8})
		tr := s.t.(*ganTrainer)
		pos := []int{0, 1, 2, 3, 4, 5}
		z := mat32.New(len(pos), c.Latent)
		nn.FillNormal(z.Data, dataset.NewRand(1, 1))
		tr.discLossGrad(pos, z)
		grads := make([][]float32, len(tr.dps))
		for i, p := range tr.dps {
			grads[i] = slices.Clone(p.Grad)
		}
		fd := func() float64 { return tr.discLossGrad(pos, z) }
		for i, p := range tr.dps {
			checkGrad(t, string(arch)+"/D/"+p.Name, p.Data, grads[i], fd, 3e-4)
		}
		tr.discLossGrad(pos, z)
		tr.genLossGrad()
		grads = make([][]float32, len(tr.gps))
		for i, p := range tr.gps {
			grads[i] = slices.Clone(p.Grad)
		}
		fg := func() float64 {
			tr.discLossGrad(pos, z)
			return tr.genLossGrad()
		}
		for i, p := range tr.gps {
			checkGrad(t, string(arch)+"/G/"+p.Name, p.Data, grads[i], fg, 1e-3)
		}
	}
}
