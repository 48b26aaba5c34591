//go:build !amd64 || purego

// Package kern holds the AVX2/FMA assembly behind nn's hottest elementwise
// passes. On this platform it has none: Enabled is false and the functions
// panic.
package kern

// Enabled reports whether the assembly kernels can run: never here.
const Enabled = false

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

// Adam is unavailable on this platform.
func Adam(p, g, m, v []float32, c *AdamConst) { panic("kern: no AVX2 on this platform") }

// BCELogits is unavailable on this platform.
func BCELogits(grad, x, t []float32, scale float32) float64 {
	panic("kern: no AVX2 on this platform")
}

// ReLU is unavailable on this platform.
func ReLU(y, x []float32) { panic("kern: no AVX2 on this platform") }

// ReLUBackward is unavailable on this platform.
func ReLUBackward(dz, dy, y, acc []float32) { panic("kern: no AVX2 on this platform") }
