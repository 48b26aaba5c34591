//go:build amd64 && !purego

package fft

import "golang.org/x/sys/cpu"

// useAVX2 reports whether the butterflies run in the AVX2/FMA assembly of
// kernels_amd64.s, two complex values per instruction.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly kernels process n (even) values of each row. The twiddles
// tw are (re, im) pairs: w1, w2, w3 for radix 4, w for radix 2.

//go:noescape
func r4fwd(x0, x1, x2, x3 *complex128, n int, tw *float64)

//go:noescape
func r4fwd0(x0, x1, x2, x3 *complex128, n int)

//go:noescape
func r4inv(x0, x1, x2, x3 *complex128, n int, tw *float64)

//go:noescape
func r4inv0(x0, x1, x2, x3 *complex128, n int)

//go:noescape
func r4fwdz(x0, x1, x2, x3 *complex128, n int, tw *float64)

//go:noescape
func r4invh(x0, x1, x2, x3 *complex128, n int, tw *float64)

//go:noescape
func r2fwd(x0, x1 *complex128, n int, tw *float64)

//go:noescape
func r2fwd0(x0, x1 *complex128, n int)

//go:noescape
func r2inv(x0, x1 *complex128, n int, tw *float64)

//go:noescape
func r2inv0(x0, x1 *complex128, n int)

//go:noescape
func scaleReal(x *complex128, k *float32, n int)

//go:noescape
func r3fwd(x0, x1, x2 *complex128, n int, tw *float64)

//go:noescape
func r3fwd0(x0, x1, x2 *complex128, n int)

//go:noescape
func r3inv(x0, x1, x2 *complex128, n int, tw *float64)

//go:noescape
func r3inv0(x0, x1, x2 *complex128, n int)

//go:noescape
func r5fwd(x0, x1, x2, x3, x4 *complex128, n int, tw *float64)

//go:noescape
func r5fwd0(x0, x1, x2, x3, x4 *complex128, n int)

//go:noescape
func r5inv(x0, x1, x2, x3, x4 *complex128, n int, tw *float64)

//go:noescape
func r5inv0(x0, x1, x2, x3, x4 *complex128, n int)

//go:noescape
func transpose2(dst *complex128, dstride int, src *complex128, sstride int, rows, cols int)
