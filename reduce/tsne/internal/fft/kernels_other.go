//go:build !amd64 || purego

package fft

// useAVX2 is false: this build has no assembly kernels.
const useAVX2 = false

func r4fwd(x0, x1, x2, x3 *complex128, n int, tw *float64)  { panic("fft: no AVX2 kernels") }
func r4fwd0(x0, x1, x2, x3 *complex128, n int)              { panic("fft: no AVX2 kernels") }
func r4inv(x0, x1, x2, x3 *complex128, n int, tw *float64)  { panic("fft: no AVX2 kernels") }
func r4inv0(x0, x1, x2, x3 *complex128, n int)              { panic("fft: no AVX2 kernels") }
func r4fwdz(x0, x1, x2, x3 *complex128, n int, tw *float64) { panic("fft: no AVX2 kernels") }
func r4invh(x0, x1, x2, x3 *complex128, n int, tw *float64) { panic("fft: no AVX2 kernels") }
func r2fwd(x0, x1 *complex128, n int, tw *float64)          { panic("fft: no AVX2 kernels") }
func r2fwd0(x0, x1 *complex128, n int)                      { panic("fft: no AVX2 kernels") }
func r2inv(x0, x1 *complex128, n int, tw *float64)          { panic("fft: no AVX2 kernels") }
func r2inv0(x0, x1 *complex128, n int)                      { panic("fft: no AVX2 kernels") }
func scaleReal(x *complex128, k *float32, n int)            { panic("fft: no AVX2 kernels") }

func r3fwd(x0, x1, x2 *complex128, n int, tw *float64)         { panic("fft: no AVX2 kernels") }
func r3fwd0(x0, x1, x2 *complex128, n int)                     { panic("fft: no AVX2 kernels") }
func r3inv(x0, x1, x2 *complex128, n int, tw *float64)         { panic("fft: no AVX2 kernels") }
func r3inv0(x0, x1, x2 *complex128, n int)                     { panic("fft: no AVX2 kernels") }
func r5fwd(x0, x1, x2, x3, x4 *complex128, n int, tw *float64) { panic("fft: no AVX2 kernels") }
func r5fwd0(x0, x1, x2, x3, x4 *complex128, n int)             { panic("fft: no AVX2 kernels") }
func r5inv(x0, x1, x2, x3, x4 *complex128, n int, tw *float64) { panic("fft: no AVX2 kernels") }
func r5inv0(x0, x1, x2, x3, x4 *complex128, n int)             { panic("fft: no AVX2 kernels") }

func transpose2(dst *complex128, dstride int, src *complex128, sstride int, rows, cols int) {
	panic("fft: no AVX2 kernels")
}
