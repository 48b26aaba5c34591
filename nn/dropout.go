package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/latentlab/latent/mat32"
)

// Dropout zeroes each value with probability P in Train mode and scales
// the rest by 1/(1−P) ("inverted" dropout), so Eval mode is the identity.
// The mask comes from Rng: one seed gives one sequence of masks.
type Dropout struct {
	// P is the probability of dropping a value.
	P float64
	// Rng supplies the masks.
	Rng *rand.Rand

	mask, y, dx buffer
	train, have bool
}

// NewDropout returns a Dropout with drop probability p in [0, 1) drawing
// from rng. It panics if p is out of range.
func NewDropout(p float64, rng *rand.Rand) *Dropout {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("nn: NewDropout: probability %g not in [0, 1)", p))
	}
	return &Dropout{P: p, Rng: rng}
}

// Params returns nil.
func (d *Dropout) Params() []*Param { return nil }

// Forward drops values in Train mode and returns x itself in Eval mode.
func (d *Dropout) Forward(x *mat32.Dense, mode Mode) *mat32.Dense {
	d.train, d.have = mode == Train && d.P > 0, true
	if !d.train {
		d.y.m = mat32.Dense{Rows: x.Rows, Cols: x.Cols}
		return x
	}
	mask := d.mask.get(x.Rows, x.Cols)
	y := d.y.get(x.Rows, x.Cols)
	// Two 32-bit draws per call of the generator: a value is kept when its
	// draw is at or above P·2³².
	thr := uint64(d.P * (1 << 32))
	keep := float32(1 / (1 - d.P))
	m := mask.Data
	for i := 0; i < len(m); i += 2 {
		u := d.Rng.Uint64()
		m[i] = pick(u&0xffffffff >= thr, keep)
		if i+1 < len(m) {
			m[i+1] = pick(u>>32 >= thr, keep)
		}
	}
	for i, v := range x.Data {
		y.Data[i] = v * m[i]
	}
	return y
}

func pick(ok bool, v float32) float32 {
	if ok {
		return v
	}
	return 0
}

// Backward returns dy times the last mask (dy itself in Eval mode).
func (d *Dropout) Backward(dy *mat32.Dense) *mat32.Dense {
	checkBackward("Dropout", d.have, dy, d.y.m.Rows, d.y.m.Cols)
	if !d.train {
		return dy
	}
	dx := d.dx.get(dy.Rows, dy.Cols)
	for i, g := range dy.Data {
		dx.Data[i] = g * d.mask.m.Data[i]
	}
	return dx
}
