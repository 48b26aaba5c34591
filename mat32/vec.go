package mat32

import (
	"fmt"
	"math"
)

// Dot returns Σ x[i]·y[i]. It panics if the lengths differ.
func Dot(x, y []float32) float32 {
	checkSameLen("Dot", x, y)
	return dot(x, y)
}

// SqDist returns the squared euclidean distance Σ (x[i]−y[i])².
// It panics if the lengths differ.
func SqDist(x, y []float32) float32 {
	checkSameLen("SqDist", x, y)
	return sqDist(x, y)
}

// L1Dist returns the Manhattan (L1) distance Σ |x[i]−y[i]|.
// It panics if the lengths differ.
func L1Dist(x, y []float32) float32 {
	checkSameLen("L1Dist", x, y)
	return l1Dist(x, y)
}

// L1DistRows sets dst[j] to the Manhattan distance between x and the j-th
// row of the row-major rows (len(x) values each), each equal to L1Dist of
// x and that row, and returns dst. It is L1Dist for one vector against
// many, without a call per row. It panics unless rows holds
// len(dst)·len(x) values.
func L1DistRows(dst, x, rows []float32) []float32 {
	if len(rows) != len(dst)*len(x) {
		panic(fmt.Sprintf("mat32: L1DistRows: %d values for %d rows of %d", len(rows), len(dst), len(x)))
	}
	if len(x) == 0 {
		clear(dst)
		return dst
	}
	l1DistRows(dst, x, rows)
	return dst
}

// Axpy computes y += alpha·x. It panics if the lengths differ.
func Axpy(alpha float32, x, y []float32) {
	checkSameLen("Axpy", x, y)
	axpy(alpha, x, y)
}

// Norm returns the euclidean norm of x.
func Norm(x []float32) float32 { return float32(math.Sqrt(float64(dot(x, x)))) }

// Scale multiplies x by alpha in place.
func Scale(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// Sum returns Σ x[i], accumulated in float64.
func Sum(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return s0 + s1 + s2 + s3
}

// MinMax returns the smallest and largest finite values of x, ignoring NaN
// and ±Inf; ok is false when x holds no finite value.
func MinMax(x []float32) (lo, hi float32, ok bool) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range x {
		if v != v || math.IsInf(float64(v), 0) {
			continue
		}
		ok = true
		lo = min(lo, v)
		hi = max(hi, v)
	}
	if !ok {
		return 0, 0, false
	}
	return lo, hi, true
}

func checkSameLen(op string, x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("mat32: %s: lengths %d and %d differ", op, len(x), len(y)))
	}
}

func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func sqDistGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0 := x[i] - y[i]
		d1 := x[i+1] - y[i+1]
		d2 := x[i+2] - y[i+2]
		d3 := x[i+3] - y[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := x[i] - y[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// abs32 clears the sign bit of v.
func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

func l1DistGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += abs32(x[i] - y[i])
		s1 += abs32(x[i+1] - y[i+1])
		s2 += abs32(x[i+2] - y[i+2])
		s3 += abs32(x[i+3] - y[i+3])
	}
	for ; i < len(x); i++ {
		s0 += abs32(x[i] - y[i])
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}
