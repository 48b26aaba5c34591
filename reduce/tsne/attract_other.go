//go:build !amd64 || purego

package tsne

// useAVX2 is false: this build has no assembly kernels.
const useAVX2 = false

func attract2AVX(y *float64, cols *int32, vals *float32, n int, yi *float64, out *float64) {
	panic("tsne: no AVX2 kernels")
}
