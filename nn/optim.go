package nn

import (
	"fmt"
	"math"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn/internal/kern"
)

// Optimizer updates trainable parameters from their accumulated
// gradients. It does not clear the gradients; call ZeroGrads.
type Optimizer interface {
	// Step applies one update to every parameter.
	Step()
	// State returns the optimiser's per-parameter tensors (moments,
	// velocities), named after their parameters, for checkpoints.
	// Loading saved values into them, and the step count, resumes training
	// exactly.
	State() []*Param
}

// Schedule returns the factor by which the base learning rate is
// multiplied at a step; steps count from 1. A nil Schedule means 1.
type Schedule func(step int) float64

// StepDecay multiplies the rate by gamma every `every` steps.
func StepDecay(every int, gamma float64) Schedule {
	if every <= 0 {
		panic(fmt.Sprintf("nn: StepDecay: every %d", every))
	}
	return func(step int) float64 { return math.Pow(gamma, float64((step-1)/every)) }
}

// CosineDecay lowers the factor from 1 to minFactor along a half cosine over
// total steps and keeps it at minFactor afterwards.
func CosineDecay(total int, minFactor float64) Schedule {
	if total <= 0 {
		panic(fmt.Sprintf("nn: CosineDecay: total %d", total))
	}
	return func(step int) float64 {
		f := min(float64(step-1)/float64(total), 1)
		return minFactor + (1-minFactor)*0.5*(1+math.Cos(math.Pi*f))
	}
}

// Warmup raises the factor linearly from 1/steps to 1 over the first steps
// steps, then follows next (nil: stays at 1), counting next's steps from 1.
func Warmup(steps int, next Schedule) Schedule {
	if steps <= 0 {
		panic(fmt.Sprintf("nn: Warmup: steps %d", steps))
	}
	return func(step int) float64 {
		if step <= steps {
			return float64(step) / float64(steps)
		}
		if next == nil {
			return 1
		}
		return next(step - steps)
	}
}

func (s Schedule) at(step int) float64 {
	if s == nil {
		return 1
	}
	return s(step)
}

// trainable returns the parameters of ps that have gradients.
func trainable(ps []*Param) []*Param {
	var out []*Param
	for _, p := range ps {
		if p.Grad != nil {
			out = append(out, p)
		}
	}
	return out
}

// stateLike returns zeroed buffers shaped like each of ps, named
// "<param>.<suffix>".
func stateLike(ps []*Param, suffix string) []*Param {
	out := make([]*Param, len(ps))
	for i, p := range ps {
		out[i] = &Param{Name: p.Name + "." + suffix, Shape: append([]int(nil), p.Shape...), Data: make([]float32, len(p.Data))}
	}
	return out
}

// updateGrain is the chunk length of the parallel update loops.
const updateGrain = 1 << 18

// Adam is the Adam optimiser (Kingma and Ba 2015) with bias correction, as
// PyTorch's torch.optim.Adam computes it; with Decoupled set it is AdamW
// (Loshchilov and Hutter 2019).
type Adam struct {
	// LR is the base learning rate.
	LR float64
	// Beta1 and Beta2 are the moment decay rates (0.9, 0.999).
	Beta1, Beta2 float64
	// Eps is added to the root of the second moment (1e-8).
	Eps float64
	// WeightDecay is the L2 factor: added to the gradient as
	// WeightDecay·p (Adam), or, with Decoupled, applied to the weights
	// directly as p ← p·(1 − lr·WeightDecay) (AdamW). Parameters with
	// NoDecay are exempt.
	WeightDecay float64
	// Decoupled selects AdamW's decoupled weight decay.
	Decoupled bool
	// Schedule scales LR per step (nil: constant).
	Schedule Schedule
	// Steps counts the updates made; a checkpoint saves it with State.
	Steps int

	params []*Param
	m, v   []*Param
}

// NewAdam returns Adam over the trainable tensors of ps with PyTorch's
// defaults (β = 0.9, 0.999; ε = 1e-8; no weight decay).
func NewAdam(ps []*Param, lr float64) *Adam {
	tp := trainable(ps)
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, params: tp,
		m: stateLike(tp, "exp_avg"), v: stateLike(tp, "exp_avg_sq")}
}

// NewAdamW returns AdamW with decoupled weight decay wd (PyTorch's default
// is 0.01).
func NewAdamW(ps []*Param, lr, wd float64) *Adam {
	a := NewAdam(ps, lr)
	a.WeightDecay, a.Decoupled = wd, true
	return a
}

// State returns the first moments then the second moments, named
// "<param>.exp_avg" and "<param>.exp_avg_sq".
func (a *Adam) State() []*Param { return append(append([]*Param(nil), a.m...), a.v...) }

// Step applies one Adam update.
func (a *Adam) Step() {
	a.Steps++
	t := float64(a.Steps)
	lr := a.LR * a.Schedule.at(a.Steps)
	bc1 := 1 - math.Pow(a.Beta1, t)
	bc2 := 1 - math.Pow(a.Beta2, t)
	k := adamConst{
		Beta1: float32(a.Beta1), Beta2: float32(a.Beta2),
		OneMinusBeta1: float32(1 - a.Beta1), OneMinusBeta2: float32(1 - a.Beta2),
		Step:       float32(lr / bc1),
		InvSqrtBC2: float32(1 / math.Sqrt(bc2)),
		Eps:        float32(a.Eps),
		Shrink:     1,
	}
	for i, p := range a.params {
		kp := k
		if a.WeightDecay != 0 && !p.NoDecay {
			if a.Decoupled {
				kp.Shrink = float32(1 - lr*a.WeightDecay)
			} else {
				kp.WeightDecay = float32(a.WeightDecay)
			}
		}
		m, v := a.m[i].Data, a.v[i].Data
		if len(p.Data) <= updateGrain {
			adamUpdate(p.Data, p.Grad, m, v, &kp)
			continue
		}
		kc := kp // a copy for the goroutines, so kp stays on the stack
		mat32.Parallel(len(p.Data), updateGrain, func(lo, hi int) {
			adamUpdate(p.Data[lo:hi], p.Grad[lo:hi], m[lo:hi], v[lo:hi], &kc)
		})
	}
}

// adamConst holds one step's constants.
type adamConst = kern.AdamConst

// useKern selects the assembly kernels; tests turn it off to compare them
// with the Go loops.
var useKern = kern.Enabled

func adamUpdate(p, g, m, v []float32, k *adamConst) {
	g = g[:len(p)]
	m = m[:len(p)]
	v = v[:len(p)]
	head := 0
	if useKern {
		head = len(p) &^ 7
		kern.Adam(p[:head], g[:head], m[:head], v[:head], k)
	}
	b1, b2, a1, a2, step, ib, eps, wd, shrink := k.Beta1, k.Beta2, k.OneMinusBeta1, k.OneMinusBeta2, k.Step, k.InvSqrtBC2, k.Eps, k.WeightDecay, k.Shrink
	for i := head; i < len(p); i++ {
		pi := p[i]
		gi := g[i] + wd*pi
		pi *= shrink
		mi := b1*m[i] + a1*gi
		vi := b2*v[i] + a2*gi*gi
		m[i], v[i] = mi, vi
		p[i] = pi - step*mi/(float32(math.Sqrt(float64(vi)))*ib+eps)
	}
}

// SGD is stochastic gradient descent with optional momentum (PyTorch's
// formulation: v ← μv + g; p ← p − lr·v, or with Nesterov
// p ← p − lr·(g + μv)) and coupled L2 weight decay.
type SGD struct {
	// LR is the base learning rate.
	LR float64
	// Momentum is μ (0 for plain SGD); Nesterov selects Nesterov momentum.
	Momentum float64
	Nesterov bool
	// WeightDecay adds WeightDecay·p to the gradient (parameters with
	// NoDecay are exempt).
	WeightDecay float64
	// Schedule scales LR per step (nil: constant).
	Schedule Schedule
	// Steps counts the updates made; a checkpoint saves it with State.
	Steps int

	params []*Param
	vel    []*Param
}

// NewSGD returns SGD over the trainable tensors of ps with the given
// learning rate and momentum (0 for plain SGD).
func NewSGD(ps []*Param, lr, momentum float64) *SGD {
	tp := trainable(ps)
	return &SGD{LR: lr, Momentum: momentum, params: tp, vel: stateLike(tp, "momentum_buffer")}
}

// State returns the velocities, named "<param>.momentum_buffer".
func (s *SGD) State() []*Param { return append([]*Param(nil), s.vel...) }

// Step applies one update. On the first step the velocity starts at the
// gradient, as in PyTorch.
func (s *SGD) Step() {
	s.Steps++
	lr := float32(s.LR * s.Schedule.at(s.Steps))
	mu := float32(s.Momentum)
	first := s.Steps == 1
	for i, p := range s.params {
		wd := float32(s.WeightDecay)
		if p.NoDecay {
			wd = 0
		}
		vel := s.vel[i].Data
		nesterov := s.Nesterov
		mat32.Parallel(len(p.Data), updateGrain, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				g := p.Grad[j] + wd*p.Data[j]
				if mu != 0 {
					v := g
					if !first {
						v = mu*vel[j] + g
					}
					vel[j] = v
					if nesterov {
						g += mu * v
					} else {
						g = v
					}
				}
				p.Data[j] -= lr * g
			}
		})
	}
}
