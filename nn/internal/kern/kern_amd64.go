//go:build amd64 && !purego

// Package kern holds the AVX2/FMA assembly behind nn's hottest elementwise
// passes: the Adam update, the fused BCE-with-logits loss and gradient,
// and ReLU forward and backward (with the bias gradient).
// Scalar Go cannot use the vector square root, division and FMA these need;
// on the MLP VAE step they took as long as the GEMMs they follow.
// Callers check Enabled and pass slices whose lengths are multiples of 8
// (the caller does the tail) and at least len(p) long.
package kern

import "golang.org/x/sys/cpu"

// Enabled reports whether the CPU has AVX2 and FMA.
var Enabled = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// AdamConst is the layout the Adam kernel reads its constants from.
type AdamConst struct {
	// Beta1, Beta2 and their complements are the moment decay rates.
	Beta1, Beta2, OneMinusBeta1, OneMinusBeta2 float32
	// Step is lr / (1 − β1ᵗ), InvSqrtBC2 is 1/√(1 − β2ᵗ) and Eps is ε.
	Step, InvSqrtBC2, Eps float32
	// WeightDecay is the coupled L2 factor: g += WeightDecay·p.
	WeightDecay float32
	// Shrink is the decoupled decay factor: p ← Shrink·p (1 for none).
	Shrink float32
}

// Adam applies one Adam update to the first len(p)&^7 elements:
//
//	g' = g + wd·p;  p ← shrink·p
//	m ← β1·m + (1−β1)·g';  v ← β2·v + (1−β2)·g'²
//	p ← p − step·m / (√v·invSqrtBC2 + eps)
//
//go:noescape
func Adam(p, g, m, v []float32, c *AdamConst)

// BCELogits computes, for the first len(x)&^7 elements, the loss
// max(x,0) − x·t + log(1+e^{−|x|}) and, unless grad is nil, writes
// (sigmoid(x) − t)·scale into grad. It returns the sum of the losses,
// accumulated in float64.
//
//go:noescape
func BCELogits(grad, x, t []float32, scale float32) float64

// ReLU writes max(x, 0) into y for the first len(x)&^7 elements; y may be
// x.
//
//go:noescape
func ReLU(y, x []float32)

// ReLUBackward writes dy where y > 0 and 0 elsewhere into dz and adds the
// result into acc, for the first len(dy)&^7 elements; dz may be dy.
//
//go:noescape
func ReLUBackward(dz, dy, y, acc []float32)
