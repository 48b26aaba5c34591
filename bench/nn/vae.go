package main

import (
	"math"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn"
)

const batch = 128

// vae is the anchor's MLP VAE assembled from nn parts, the way a model
// package would: encoder, two heads, reparameterisation, decoder to logits
// (the sigmoid is folded into BCE-with-logits).
type vae struct {
	enc   *nn.Sequential
	heads *nn.Branch
	rep   *nn.Reparam
	dec   *nn.Sequential

	x, dl, dmu, dlv mat32.Dense
}

func newVAE(seed uint64) *vae {
	rng := dataset.NewRand(seed, 0)
	first := nn.NewDense(784, 512, nn.ReLU(), rng)
	first.NoInputGrad = true
	mu := nn.NewDense(256, 20, nn.Linear(), rng)
	lv := nn.NewDense(256, 20, nn.Linear(), rng)
	nn.Prefix("mu", mu.Params())
	nn.Prefix("logvar", lv.Params())
	return &vae{
		enc:   nn.NewSequential("enc", first, nn.NewDense(512, 256, nn.ReLU(), rng)),
		heads: nn.NewBranch("", mu, lv),
		rep:   nn.NewReparam(dataset.NewRand(seed, 1)),
		dec: nn.NewSequential("dec", nn.NewDense(20, 256, nn.ReLU(), rng), nn.NewDense(256, 512, nn.ReLU(), rng),
			nn.NewDense(512, 784, nn.Linear(), rng)),
	}
}

func (v *vae) params() []*nn.Param {
	return append(append(v.enc.Params(), v.heads.Params()...), v.dec.Params()...)
}

func resize(m *mat32.Dense, r, c int) *mat32.Dense {
	if cap(m.Data) < r*c {
		m.Data = make([]float32, r*c)
	}
	m.Rows, m.Cols, m.Data = r, c, m.Data[:r*c]
	return m
}

// epoch trains one pass over x in shuffled batches and returns the summed
// loss (BCE + KL, nats).
func (v *vae) epoch(x *mat32.Dense, opt nn.Optimizer, rng interface{ Perm(int) []int }) float64 {
	perm := rng.Perm(x.Rows)
	ps := v.params()
	var total float64
	for lo := 0; lo < x.Rows; lo += batch {
		idx := perm[lo:min(lo+batch, x.Rows)]
		xb := mat32.Gather(resize(&v.x, len(idx), x.Cols), x, idx)
		nn.ZeroGrads(ps)
		outs := v.heads.Forward(v.enc.Forward(xb, nn.Train), nn.Train)
		mu, lv := outs[0], outs[1]
		logits := v.dec.Forward(v.rep.Forward(mu, lv, nn.Train), nn.Train)
		dl := resize(&v.dl, logits.Rows, logits.Cols)
		dmu := resize(&v.dmu, mu.Rows, mu.Cols)
		dlv := resize(&v.dlv, lv.Rows, lv.Cols)
		total += nn.BCEWithLogits(dl, logits, xb, nn.Sum) + nn.KLStdNormal(dmu, dlv, mu, lv, nn.Sum)
		gmu, glv := v.rep.Backward(v.dec.Backward(dl))
		mat32.Axpy(1, gmu.Data, dmu.Data)
		mat32.Axpy(1, glv.Data, dlv.Data)
		v.enc.Backward(v.heads.Backward([]*mat32.Dense{dmu, dlv}))
		opt.Step()
	}
	return total
}

// evaluate returns the test negative ELBO per image (one sampled z per
// image, seeded) and the per-pixel MSE of the reconstruction from z = μ,
// as anchors/bench_vae.py measures them.
func (v *vae) evaluate(x *mat32.Dense, seed uint64) (negELBO, mse float64) {
	saved := v.rep.Rng
	v.rep.Rng = dataset.NewRand(seed, 1234)
	defer func() { v.rep.Rng = saved }()
	var nats, se float64
	for lo := 0; lo < x.Rows; lo += 1000 {
		xb := x.Slice(lo, min(lo+1000, x.Rows))
		outs := v.heads.Forward(v.enc.Forward(xb, nn.Eval), nn.Eval)
		mu, lv := outs[0], outs[1]
		logits := v.dec.Forward(v.rep.Forward(mu, lv, nn.Train), nn.Eval)
		nats += nn.BCEWithLogits(nil, logits, xb, nn.Sum) + nn.KLStdNormal(nil, nil, mu, lv, nn.Sum)
		logits = v.dec.Forward(mu, nn.Eval)
		for i, l := range logits.Data {
			d := 1/(1+math.Exp(-float64(l))) - float64(xb.Data[i])
			se += d * d
		}
	}
	return nats / float64(x.Rows), se / float64(len(x.Data))
}
