package tsne

import (
	"context"
	"fmt"
	"math"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Gains of the delta-bar-delta step size adaptation (Jacobs 1988), as in
// every t-SNE implementation since van der Maaten's: a coordinate's gain
// grows by gainUp while its gradient keeps its sign against the running
// update, and shrinks by gainDown when it flips, never below minGain.
const (
	gainUp   = 0.2
	gainDown = 0.8
	minGain  = 0.01
	// klEvery is how often (in iterations) the KL divergence is reported.
	klEvery = 50
)

// phase is a stretch of iterations with fixed exaggeration and momentum.
type phase struct {
	iters       int
	exaggerate  float64
	momentum    float64
	learnRate   float64
	description string
}

// phases returns the optimisation schedule of c.
func (c *config) phases() []phase {
	var ps []phase
	if c.EarlyIter > 0 {
		ps = append(ps, phase{c.EarlyIter, c.EarlyExaggeration, c.Momentum, c.learningRate(c.EarlyExaggeration), "early exaggeration"})
	}
	if plain := c.Iter - c.LateIter; plain > 0 && c.LateExaggeration != 1 {
		ps = append(ps, phase{plain, 1, c.FinalMomentum, c.learningRate(1), "main"})
	}
	if c.Iter > 0 {
		if c.LateExaggeration != 1 {
			ps = append(ps, phase{c.LateIter, c.LateExaggeration, c.FinalMomentum, c.learningRate(c.LateExaggeration), "late exaggeration"})
		} else {
			ps = append(ps, phase{c.Iter, 1, c.FinalMomentum, c.learningRate(1), "main"})
		}
	}
	return ps
}

// optimizer runs gradient descent on the embedding y (n×dims, float64).
type optimizer struct {
	n, dims     int
	p           *csr
	dof         float64
	rep         repeller
	maxStep     float64
	y, upd      []float64
	gains, attr []float64
	force       []float64
	pLogP, pTot float64
}

func newOptimizer(p *csr, y []float64, dims int, dof, maxStep float64, rep repeller) *optimizer {
	n := p.n
	o := &optimizer{n: n, dims: dims, p: p, dof: dof, rep: rep, maxStep: maxStep, y: y,
		upd: make([]float64, n*dims), gains: make([]float64, n*dims),
		attr: make([]float64, n*dims), force: make([]float64, n*dims),
		pLogP: entropyTerm(p), pTot: pSum(p)}
	for i := range o.gains {
		o.gains[i] = 1
	}
	return o
}

// gradient fills o.attr and o.force (A and R of gradient.go) at the
// current embedding and returns Z and, when wantKL, the KL divergence.
func (o *optimizer) gradient(wantKL bool) (z, kl float64) {
	z = o.rep.repel(o.force, o.y)
	logK := attract(o.attr, o.y, o.p, o.dims, o.dof, wantKL)
	if wantKL {
		kl = o.pLogP - logK + o.pTot*math.Log(z)
	}
	return z, kl
}

// step moves the embedding one iteration along the gradient of the last
// gradient call.
func (o *optimizer) step(z float64, ph phase) {
	dims := o.dims
	invZ := 1 / z
	mat32.Parallel(o.n, rowChunk, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			norm2 := 0.0
			for a := i * dims; a < (i+1)*dims; a++ {
				g := ph.exaggerate*o.attr[a] - o.force[a]*invZ
				if o.upd[a]*g < 0 {
					o.gains[a] += gainUp
				} else {
					o.gains[a] = max(o.gains[a]*gainDown, minGain)
				}
				o.upd[a] = ph.momentum*o.upd[a] - ph.learnRate*o.gains[a]*g
				norm2 += o.upd[a] * o.upd[a]
			}
			if norm2 > o.maxStep*o.maxStep {
				s := o.maxStep / math.Sqrt(norm2)
				for a := i * dims; a < (i+1)*dims; a++ {
					o.upd[a] *= s
				}
			}
			for a := i * dims; a < (i+1)*dims; a++ {
				o.y[a] += o.upd[a]
			}
		}
	})
	centre(o.y, o.n, dims)
}

// centre subtracts the column means from y (n×dims), summing in row order.
func centre(y []float64, n, dims int) {
	var mean [3]float64
	for i := 0; i < n; i++ {
		for a := 0; a < dims; a++ {
			mean[a] += y[i*dims+a]
		}
	}
	for a := 0; a < dims; a++ {
		mean[a] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for a := 0; a < dims; a++ {
			y[i*dims+a] -= mean[a]
		}
	}
}

// run executes the phases and returns the KL divergence of the final
// embedding. It stops with ctx.Err() within one iteration of ctx being
// cancelled, and with an error if the embedding stops being finite.
func (o *optimizer) run(ctx context.Context, phases []phase, pf progress.Func) (float64, error) {
	total := 0
	for _, ph := range phases {
		total += ph.iters
	}
	it := 0
	msg := ""
	for _, ph := range phases {
		for t := 0; t < ph.iters; t++ {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			wantKL := (it+1)%klEvery == 0
			z, kl := o.gradient(wantKL)
			if !(z > 0) || math.IsInf(z, 0) {
				return 0, fmt.Errorf("tsne: iteration %d: the normalisation Z = %g is not a positive number (the embedding diverged)", it+1, z)
			}
			if wantKL {
				msg = fmt.Sprintf("KL %.4f (%s)", kl, ph.description)
			}
			o.step(z, ph)
			it++
			pf.Report(progress.Update{Stage: "optimize", Done: int64(it), Total: int64(total), Message: msg})
		}
	}
	for _, v := range o.y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("tsne: the embedding diverged to NaN/Inf after %d iterations", it)
		}
	}
	z, kl := o.gradient(true)
	if !(z > 0) {
		return 0, fmt.Errorf("tsne: the final normalisation Z = %g is not positive", z)
	}
	return kl, nil
}
