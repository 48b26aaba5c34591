//go:build amd64 && !purego

// Package simd holds the AVX2/FMA assembly behind mat32's vector kernels.
// It lives apart from mat32 because Go does not allow assembly in a package
// that uses cgo. Callers check Enabled and pass slices with len(y) >= len(x).
package simd

import "golang.org/x/sys/cpu"

// Enabled reports whether the CPU has AVX2 and FMA.
var Enabled = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// DotAVX2 returns Σ x[i]·y[i] over len(x).
//
//go:noescape
func DotAVX2(x, y []float32) float32

// SqDistAVX2 returns Σ (x[i]−y[i])² over len(x).
//
//go:noescape
func SqDistAVX2(x, y []float32) float32

// L1DistAVX2 returns Σ |x[i]−y[i]| over len(x).
//
//go:noescape
func L1DistAVX2(x, y []float32) float32

// L1DistRowsAVX2 sets dst[j] = Σ_i |x[i]−y[j·len(x)+i]| for every j, each
// value equal to L1DistAVX2 of x and row j. y must hold len(dst)·len(x)
// values.
//
//go:noescape
func L1DistRowsAVX2(dst, x, y []float32)

// AxpyAVX2 computes y[i] += alpha·x[i] over len(x).
//
//go:noescape
func AxpyAVX2(alpha float32, x, y []float32)
