package mat32

import (
	"fmt"
	"math"
)

// RowSqNorms writes the squared euclidean norm of each row of m into dst
// (length m.Rows; allocated if empty) and returns it.
func RowSqNorms(dst []float32, m *Dense) []float32 {
	dst = reuseVec(dst, m.Rows, "RowSqNorms")
	Parallel(m.Rows, Grain(m.Rows, 256), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := m.Row(i)
			dst[i] = dot(r, r)
		}
	})
	return dst
}

// SqDists writes the matrix of squared euclidean distances between the rows
// of x and the rows of y into dst (x.Rows×y.Rows) and returns it. It uses
// ‖x‖² + ‖y‖² − 2x·y with one GEMM; xn and yn are the rows' squared norms
// (as from RowSqNorms) or nil to compute them. Rounding can make the
// expansion slightly negative; results are clamped at 0.
func SqDists(dst, x, y *Dense, xn, yn []float32) *Dense {
	if x.Cols != y.Cols {
		panic(fmt.Sprintf("mat32: SqDists: %d and %d columns", x.Cols, y.Cols))
	}
	if xn == nil {
		xn = RowSqNorms(nil, x)
	}
	if yn == nil {
		yn = RowSqNorms(nil, y)
	}
	if len(xn) != x.Rows || len(yn) != y.Rows {
		panic(fmt.Sprintf("mat32: SqDists: norms of length %d, %d for %d, %d rows", len(xn), len(yn), x.Rows, y.Rows))
	}
	dst = reuse(dst, x.Rows, y.Rows, "SqDists")
	Gemm(false, true, -2, x, y, 0, dst)
	Parallel(dst.Rows, Grain(dst.Rows, 16), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := dst.Row(i)
			a := xn[i]
			for j, v := range row {
				d := v + a + yn[j]
				if d < 0 {
					d = 0
				}
				row[j] = d
			}
		}
	})
	return dst
}

// ColMeans writes the mean of each column of m into dst (length m.Cols) and
// returns it. Sums are accumulated in float64.
func ColMeans(dst []float32, m *Dense) []float32 {
	dst = reuseVec(dst, m.Cols, "ColMeans")
	acc := colSums(m)
	for j := range dst {
		if m.Rows > 0 {
			dst[j] = float32(acc[j] / float64(m.Rows))
		} else {
			dst[j] = 0
		}
	}
	return dst
}

// ColStds writes the population standard deviation of each column of m into
// dst (length m.Cols), given the column means, and returns it.
func ColStds(dst []float32, m *Dense, means []float32) []float32 {
	dst = reuseVec(dst, m.Cols, "ColStds")
	if len(means) != m.Cols {
		panic(fmt.Sprintf("mat32: ColStds: %d means for %d columns", len(means), m.Cols))
	}
	acc := make([]float64, m.Cols)
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			d := float64(v) - float64(means[j])
			acc[j] += d * d
		}
	}
	for j := range dst {
		if m.Rows > 0 {
			dst[j] = float32(math.Sqrt(acc[j] / float64(m.Rows)))
		} else {
			dst[j] = 0
		}
	}
	return dst
}

func colSums(m *Dense) []float64 {
	acc := make([]float64, m.Cols)
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			acc[j] += float64(v)
		}
	}
	return acc
}

// CountNonFinite returns how many values of m are NaN or ±Inf and the first
// row that holds one (-1 when there is none).
func CountNonFinite(m *Dense) (count, firstRow int) {
	firstRow = -1
	for i, v := range m.Data {
		if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
			if firstRow < 0 {
				firstRow = i / max(m.Cols, 1)
			}
			count++
		}
	}
	return count, firstRow
}

// AddRowVec adds v to every row of m in place.
func AddRowVec(m *Dense, v []float32) {
	if len(v) != m.Cols {
		panic(fmt.Sprintf("mat32: AddRowVec: vector of %d for %d columns", len(v), m.Cols))
	}
	for i := 0; i < m.Rows; i++ {
		r := m.Row(i)
		for j := range r {
			r[j] += v[j]
		}
	}
}
