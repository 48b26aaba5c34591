//go:build !amd64 || purego

// Package simd holds the AVX2/FMA assembly behind mat32's vector kernels.
// On this platform it has none: Enabled is false and the functions panic.
package simd

// Enabled reports whether the assembly kernels can run: never here.
const Enabled = false

// DotAVX2 is unavailable on this platform.
func DotAVX2(x, y []float32) float32 { panic("simd: no AVX2 on this platform") }

// SqDistAVX2 is unavailable on this platform.
func SqDistAVX2(x, y []float32) float32 { panic("simd: no AVX2 on this platform") }

// L1DistAVX2 is unavailable on this platform.
func L1DistAVX2(x, y []float32) float32 { panic("simd: no AVX2 on this platform") }

// L1DistRowsAVX2 is unavailable on this platform.
func L1DistRowsAVX2(dst, x, y []float32) { panic("simd: no AVX2 on this platform") }

// AxpyAVX2 is unavailable on this platform.
func AxpyAVX2(alpha float32, x, y []float32) { panic("simd: no AVX2 on this platform") }
