package nn

import (
	"math/rand/v2"

	"github.com/latentlab/latent/mat32"
)

// mlpVAE is the anchor's MLP VAE (anchors/bench_vae.py) assembled from nn
// parts: encoder in-h1-h2 (act), heads μ and log σ², decoder
// z-h2-h1-in (ReLU in the anchor) with logits out; loss BCE(sum) + KL(sum).
type mlpVAE struct {
	enc   *Sequential
	heads *Branch
	rep   *Reparam
	dec   *Sequential

	dlogits, dmu, dlv mat32.Dense
}

func newMLPVAE(in, h1, h2, z int, act Act, rng *rand.Rand) *mlpVAE {
	first := NewDense(in, h1, act, rng)
	first.NoInputGrad = true
	v := &mlpVAE{
		enc: NewSequential("enc", first, NewDense(h1, h2, act, rng)),
		dec: NewSequential("dec", NewDense(z, h2, act, rng), NewDense(h2, h1, act, rng), NewDense(h1, in, Linear(), rng)),
	}
	mu := NewDense(h2, z, Linear(), rng)
	lv := NewDense(h2, z, Linear(), rng)
	Prefix("mu", mu.Params())
	Prefix("logvar", lv.Params())
	v.heads = NewBranch("", mu, lv)
	v.rep = NewReparam(rng)
	return v
}

func (v *mlpVAE) params() []*Param {
	return append(append(v.enc.Params(), v.heads.Params()...), v.dec.Params()...)
}

func shape(m *mat32.Dense, rows, cols int) *mat32.Dense {
	if m.Rows != rows || m.Cols != cols {
		*m = *mat32.New(rows, cols)
	}
	return m
}

// step runs forward and backward for a batch x (values in [0,1]) and
// returns the loss (BCE sum + KL sum); gradients are accumulated into the
// parameters. With backward false it only evaluates.
func (v *mlpVAE) step(x *mat32.Dense, backward bool) (bce, kl float64) {
	h := v.enc.Forward(x, Train)
	outs := v.heads.Forward(h, Train)
	mu, lv := outs[0], outs[1]
	z := v.rep.Forward(mu, lv, Train)
	logits := v.dec.Forward(z, Train)
	if !backward {
		return BCEWithLogits(nil, logits, x, Sum), KLStdNormal(nil, nil, mu, lv, Sum)
	}
	dl := shape(&v.dlogits, logits.Rows, logits.Cols)
	dmu := shape(&v.dmu, mu.Rows, mu.Cols)
	dlv := shape(&v.dlv, lv.Rows, lv.Cols)
	bce = BCEWithLogits(dl, logits, x, Sum)
	kl = KLStdNormal(dmu, dlv, mu, lv, Sum)
	dz := v.dec.Backward(dl)
	gmu, glv := v.rep.Backward(dz)
	mat32.Axpy(1, gmu.Data, dmu.Data)
	mat32.Axpy(1, glv.Data, dlv.Data)
	v.enc.Backward(v.heads.Backward([]*mat32.Dense{dmu, dlv}))
	return bce, kl
}
