package nn

import (
	"math"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// withKern runs f with the assembly kernels on and then off.
func withKern(t *testing.T, f func(on bool)) {
	t.Helper()
	saved := useKern
	defer func() { useKern = saved }()
	if saved {
		useKern = true
		f(true)
	}
	useKern = false
	f(false)
}

func TestKernelsMatchGo(t *testing.T) {
	if !useKern {
		t.Skip("no assembly kernels on this platform")
	}
	rng := dataset.NewRand(7, 0)
	const n = 1003 // not a multiple of 8: exercises the tails
	x := mat32.New(1, n)
	tg := mat32.New(1, n)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64() * 8)
		tg.Data[i] = rng.Float32()
	}
	x.Data[0], x.Data[1], x.Data[2], x.Data[3] = 0, 95, -95, -1e-9
	var loss [2]float64
	var grad [2]*mat32.Dense
	withKern(t, func(on bool) {
		k := 0
		if on {
			k = 1
		}
		grad[k] = mat32.New(1, n)
		loss[k] = BCEWithLogits(grad[k], x, tg, Sum)
	})
	if math.Abs(loss[0]-loss[1]) > 1e-6*math.Abs(loss[0]) {
		t.Errorf("BCE loss: Go %v, kernel %v", loss[0], loss[1])
	}
	for i := range grad[0].Data {
		if d := math.Abs(float64(grad[0].Data[i] - grad[1].Data[i])); d > 2e-7 {
			t.Errorf("BCE grad %d (x=%g): Go %g, kernel %g", i, x.Data[i], grad[0].Data[i], grad[1].Data[i])
		}
	}

	for _, decoupled := range []bool{false, true} {
		var ps [2][]float32
		withKern(t, func(on bool) {
			rng := dataset.NewRand(3, 0)
			p := newParam("w", n)
			for i := range p.Data {
				p.Data[i] = float32(rng.NormFloat64())
			}
			opt := NewAdam([]*Param{p}, 1e-2)
			opt.WeightDecay, opt.Decoupled = 0.1, decoupled
			for s := 0; s < 5; s++ {
				for i := range p.Grad {
					p.Grad[i] = float32(rng.NormFloat64())
				}
				opt.Step()
			}
			k := 0
			if on {
				k = 1
			}
			ps[k] = p.Data
		})
		for i := range ps[0] {
			if d := math.Abs(float64(ps[0][i] - ps[1][i])); d > 1e-6 {
				t.Errorf("Adam (decoupled %v) %d: Go %g, kernel %g", decoupled, i, ps[0][i], ps[1][i])
			}
		}
	}

	// ReLU forward and backward (with the bias gradient) through a Dense
	// layer whose width is not a multiple of 8.
	var outs, dxs, gws, gbs [2][]float32
	withKern(t, func(on bool) {
		rng := dataset.NewRand(4, 0)
		d := NewDense(13, 37, ReLU(), rng)
		x := randMat(rng, 5, 13, 1)
		y := d.Forward(x, Train)
		dx := d.Backward(randMat(rng, 5, 37, 1))
		k := 0
		if on {
			k = 1
		}
		outs[k], dxs[k] = append([]float32(nil), y.Data...), append([]float32(nil), dx.Data...)
		gws[k], gbs[k] = d.W.Grad, d.B.Grad
	})
	for _, c := range []struct {
		name string
		v    [2][]float32
	}{{"relu forward", outs}, {"relu dx", dxs}, {"relu dW", gws}, {"relu db", gbs}} {
		if !sameBits(c.v[0], c.v[1]) {
			t.Errorf("%s: kernel and Go differ", c.name)
		}
	}
}
