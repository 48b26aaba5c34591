package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

func randUnit(rng *rand.Rand, r, c int) *mat32.Dense {
	m := mat32.New(r, c)
	for i := range m.Data {
		m.Data[i] = rng.Float32()
	}
	return m
}

// epochSteps is the number of batch-128 steps in a 60,000-image epoch:
// 468 full batches and one of 96, counted as 0.75 of a step.
const epochSteps = 468 + 96.0/128

// BenchmarkMLPVAEStep times one forward + backward + Adam step of the
// anchor's MLP VAE (anchors/bench_vae.py: 784-512-256-(μ, log σ² of 20) /
// 20-256-512-784, ReLU, BCE(sum) + KL, Adam 1e-3) at batch 128, and
// reports the time a 60,000-image epoch implies. PyTorch 1.13 on the
// project machine takes about 16 s per epoch (anchors/RESULTS.md).
func BenchmarkMLPVAEStep(b *testing.B) {
	rng := dataset.NewRand(1, 0)
	v := newMLPVAE(784, 512, 256, 20, ReLU(), rng)
	ps := v.params()
	opt := NewAdam(ps, 1e-3)
	x := randUnit(rng, 128, 784)
	run := func(x *mat32.Dense) {
		ZeroGrads(ps)
		v.step(x, true)
		opt.Step()
	}
	run(x)
	run(x.Slice(0, 96)) // the short last batch reuses the buffers
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run(x)
	}
	perStep := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(perStep*epochSteps, "s/epoch")
	b.ReportMetric(mlpVAEFlops(128)/perStep/1e9, "GFLOP/s")
}

// mlpVAEFlops returns the floating-point operations of one MLP VAE step on
// n rows in its GEMMs: forward, weight gradients, and input gradients for
// every layer but the first (about 0.34 TFLOP per 60,000-image epoch).
func mlpVAEFlops(n int) float64 {
	layers := [][2]int{{784, 512}, {512, 256}, {256, 20}, {256, 20}, {20, 256}, {256, 512}, {512, 784}}
	var macs float64
	for i, l := range layers {
		k := 3.0
		if i == 0 {
			k = 2
		}
		macs += k * float64(l[0]*l[1])
	}
	return 2 * macs * float64(n)
}

// BenchmarkMLPVAEPhases reports the median time of each part of the step
// above, in ms: where the time goes outside the GEMMs.
func BenchmarkMLPVAEPhases(b *testing.B) {
	rng := dataset.NewRand(1, 0)
	v := newMLPVAE(784, 512, 256, 20, ReLU(), rng)
	ps := v.params()
	opt := NewAdam(ps, 1e-3)
	x := randUnit(rng, 128, 784)
	names := []string{"zero", "enc-fwd", "heads-fwd", "reparam", "dec-fwd", "loss", "dec-bwd", "reparam-bwd", "heads-bwd", "enc-bwd", "adam"}
	times := make([][]float64, len(names))
	var dl, dmu, dlv mat32.Dense
	for b.Loop() {
		var ts [12]time.Time
		k := 0
		mark := func() { ts[k] = time.Now(); k++ }
		mark()
		ZeroGrads(ps)
		mark()
		h := v.enc.Forward(x, Train)
		mark()
		outs := v.heads.Forward(h, Train)
		mu, lv := outs[0], outs[1]
		mark()
		z := v.rep.Forward(mu, lv, Train)
		mark()
		logits := v.dec.Forward(z, Train)
		mark()
		BCEWithLogits(shape(&dl, logits.Rows, logits.Cols), logits, x, Sum)
		KLStdNormal(shape(&dmu, mu.Rows, mu.Cols), shape(&dlv, lv.Rows, lv.Cols), mu, lv, Sum)
		mark()
		dz := v.dec.Backward(&dl)
		mark()
		gmu, glv := v.rep.Backward(dz)
		mat32.Axpy(1, gmu.Data, dmu.Data)
		mat32.Axpy(1, glv.Data, dlv.Data)
		mark()
		dh := v.heads.Backward([]*mat32.Dense{&dmu, &dlv})
		mark()
		v.enc.Backward(dh)
		mark()
		opt.Step()
		mark()
		for i := range names {
			times[i] = append(times[i], ts[i+1].Sub(ts[i]).Seconds()*1e3)
		}
	}
	for i, n := range names {
		slices.Sort(times[i])
		b.ReportMetric(times[i][len(times[i])/2], n+"-ms")
	}
}

// BenchmarkConvVAEStep times one step of a small convolutional VAE for
// 28×28×1 images at batch 128 (encoder conv 32 and 64 channels, 4×4,
// stride 2; decoder the mirror image with transposed convolutions; latent
// 20), with the epoch time it implies.
func BenchmarkConvVAEStep(b *testing.B) {
	rng := dataset.NewRand(1, 0)
	img := dataset.ImageShape{Height: 28, Width: 28, Channels: 1}
	c1 := NewConv2D(img, 32, 4, 2, 1, ReLU(), rng)
	c1.NoInputGrad = true
	c2 := NewConv2D(c1.Out, 64, 4, 2, 1, ReLU(), rng)
	enc := NewSequential("enc", c1, c2)
	heads := NewBranch("", NewDense(c2.Out.Size(), 20, Linear(), rng), NewDense(c2.Out.Size(), 20, Linear(), rng))
	rep := NewReparam(rng)
	d0 := NewDense(20, c2.Out.Size(), ReLU(), rng)
	t1 := NewConvTranspose2D(c2.Out, 32, 4, 2, 1, 0, ReLU(), rng)
	t2 := NewConvTranspose2D(t1.Out, 1, 4, 2, 1, 0, Linear(), rng)
	dec := NewSequential("dec", d0, t1, t2)
	ps := append(append(enc.Params(), heads.Params()...), dec.Params()...)
	opt := NewAdam(ps, 1e-3)
	x := randUnit(rng, 128, 784)
	var dl, dmu, dlv mat32.Dense
	run := func() {
		ZeroGrads(ps)
		outs := heads.Forward(enc.Forward(x, Train), Train)
		mu, lv := outs[0], outs[1]
		logits := dec.Forward(rep.Forward(mu, lv, Train), Train)
		BCEWithLogits(shape(&dl, logits.Rows, logits.Cols), logits, x, Sum)
		KLStdNormal(shape(&dmu, mu.Rows, mu.Cols), shape(&dlv, lv.Rows, lv.Cols), mu, lv, Sum)
		gmu, glv := rep.Backward(dec.Backward(&dl))
		mat32.Axpy(1, gmu.Data, dmu.Data)
		mat32.Axpy(1, glv.Data, dlv.Data)
		enc.Backward(heads.Backward([]*mat32.Dense{&dmu, &dlv}))
		opt.Step()
	}
	run()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*epochSteps, "s/epoch")
}

// BenchmarkAdam times one Adam update of the MLP VAE's 1.08M parameters.
func BenchmarkAdam(b *testing.B) {
	rng := dataset.NewRand(1, 0)
	ps := newMLPVAE(784, 512, 256, 20, ReLU(), rng).params()
	for _, p := range ps {
		for i := range p.Grad {
			p.Grad[i] = float32(rng.NormFloat64())
		}
	}
	opt := NewAdam(ps, 1e-3)
	b.ReportAllocs()
	for b.Loop() {
		opt.Step()
	}
	b.ReportMetric(float64(CountParams(ps))*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gparam/s")
}

// BenchmarkBCEWithLogits times the loss and its gradient on a 128×784
// batch.
func BenchmarkBCEWithLogits(b *testing.B) {
	rng := dataset.NewRand(1, 0)
	x, t := randMat(rng, 128, 784, 3), randUnit(rng, 128, 784)
	g := mat32.New(128, 784)
	b.ReportAllocs()
	for b.Loop() {
		BCEWithLogits(g, x, t, Sum)
	}
	b.ReportMetric(float64(len(x.Data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gvalues/s")
}
