package nn

import (
	"math/rand/v2"

	"github.com/latentlab/latent/mat32"
)

// Reparam is the reparameterisation trick of a VAE: in Train mode
// z = μ + e^{½·logVar}·ε with ε ~ N(0, I) drawn from Rng, so that z is a
// differentiable function of μ and logVar; in Eval mode z = μ.
type Reparam struct {
	// Rng supplies ε; one seed gives one sequence of samples.
	Rng *rand.Rand

	z, eps, std  buffer
	dmu, dlogVar buffer
	mu           *mat32.Dense
	train, have  bool
}

// NewReparam returns a Reparam drawing from rng.
func NewReparam(rng *rand.Rand) *Reparam { return &Reparam{Rng: rng} }

// Forward returns z (owned by r, valid until the next Forward).
func (r *Reparam) Forward(mu, logVar *mat32.Dense, mode Mode) *mat32.Dense {
	checkSame("Reparam", mu, logVar)
	z := r.z.get(mu.Rows, mu.Cols)
	r.mu, r.train, r.have = mu, mode == Train, true
	if !r.train {
		copy(z.Data, mu.Data)
		return z
	}
	eps := r.eps.get(mu.Rows, mu.Cols)
	std := r.std.get(mu.Rows, mu.Cols)
	FillNormal(eps.Data, r.Rng)
	for i, m := range mu.Data {
		s := expf(0.5 * logVar.Data[i])
		std.Data[i] = s
		z.Data[i] = m + s*eps.Data[i]
	}
	return z
}

// Eps returns the ε of the last Train-mode Forward.
func (r *Reparam) Eps() *mat32.Dense { return &r.eps.m }

// Backward returns ∂loss/∂μ and ∂loss/∂logVar given ∂loss/∂z, in
// matrices owned by r. In Eval mode ∂loss/∂logVar is zero.
func (r *Reparam) Backward(dz *mat32.Dense) (dmu, dlogVar *mat32.Dense) {
	checkBackward("Reparam", r.have, dz, r.z.m.Rows, r.z.m.Cols)
	dmu = r.dmu.get(dz.Rows, dz.Cols)
	copy(dmu.Data, dz.Data)
	if !r.train {
		return dmu, r.dlogVar.zeroed(dz.Rows, dz.Cols)
	}
	dlogVar = r.dlogVar.get(dz.Rows, dz.Cols)
	eps, std := r.eps.m.Data, r.std.m.Data
	for i, g := range dz.Data {
		dlogVar.Data[i] = 0.5 * g * eps[i] * std[i]
	}
	return dmu, dlogVar
}
