package mat32

import "github.com/latentlab/latent/mat32/internal/simd"

// simdMin is the vector length from which the assembly kernels pay off.
const simdMin = 16

func dot(x, y []float32) float32 {
	if simd.Enabled && len(x) >= simdMin {
		return simd.DotAVX2(x, y)
	}
	return dotGo(x, y)
}

func sqDist(x, y []float32) float32 {
	if simd.Enabled && len(x) >= simdMin {
		return simd.SqDistAVX2(x, y)
	}
	return sqDistGo(x, y)
}

func l1Dist(x, y []float32) float32 {
	if simd.Enabled && len(x) >= simdMin {
		return simd.L1DistAVX2(x, y)
	}
	return l1DistGo(x, y)
}

func l1DistRows(dst, x, y []float32) {
	if simd.Enabled && len(x) >= simdMin {
		simd.L1DistRowsAVX2(dst, x, y)
		return
	}
	d := len(x)
	for j := range dst {
		dst[j] = l1DistGo(x, y[j*d:(j+1)*d])
	}
}

func axpy(alpha float32, x, y []float32) {
	if simd.Enabled && len(x) >= simdMin {
		simd.AxpyAVX2(alpha, x, y)
		return
	}
	axpyGo(alpha, x, y)
}
