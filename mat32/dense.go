package mat32

import (
	"fmt"
	"math"
)

// Dense is a row-major float32 matrix. Rows are observations.
// The zero value is an empty 0×0 matrix.
type Dense struct {
	Rows, Cols int
	// Data holds Rows*Cols values, row after row.
	Data []float32
}

// New returns a zeroed r×c matrix. It panics if r or c is negative or if
// r*c overflows.
func New(r, c int) *Dense {
	checkShape(r, c)
	return &Dense{Rows: r, Cols: c, Data: make([]float32, r*c)}
}

// FromSlice returns an r×c matrix that uses data as its backing array
// (no copy). It panics if len(data) != r*c.
func FromSlice(r, c int, data []float32) *Dense {
	checkShape(r, c)
	if len(data) != r*c {
		panic(fmt.Sprintf("mat32: FromSlice: %d values for a %d×%d matrix", len(data), r, c))
	}
	return &Dense{Rows: r, Cols: c, Data: data}
}

// FromRows copies equal-length rows into a new matrix. It panics on ragged rows.
func FromRows(rows [][]float32) *Dense {
	if len(rows) == 0 {
		return &Dense{}
	}
	m := New(len(rows), len(rows[0]))
	for i, r := range rows {
		if len(r) != m.Cols {
			panic(fmt.Sprintf("mat32: FromRows: row %d has %d values, row 0 has %d", i, len(r), m.Cols))
		}
		copy(m.Row(i), r)
	}
	return m
}

func checkShape(r, c int) {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("mat32: negative dimension %d×%d", r, c))
	}
	if c != 0 && r > math.MaxInt/c {
		panic(fmt.Sprintf("mat32: dimension overflow %d×%d", r, c))
	}
}

// Dims returns the number of rows and columns.
func (m *Dense) Dims() (r, c int) { return m.Rows, m.Cols }

// Row returns row i as a slice that shares m's storage. The slice's capacity
// ends at the row, so appending to it cannot overwrite the next row.
func (m *Dense) Row(i int) []float32 {
	if uint(i) >= uint(m.Rows) {
		panic(fmt.Sprintf("mat32: row %d out of range [0,%d)", i, m.Rows))
	}
	return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols]
}

// At returns the value at row i, column j.
func (m *Dense) At(i, j int) float32 {
	m.checkIndex(i, j)
	return m.Data[i*m.Cols+j]
}

// Set sets the value at row i, column j.
func (m *Dense) Set(i, j int, v float32) {
	m.checkIndex(i, j)
	m.Data[i*m.Cols+j] = v
}

func (m *Dense) checkIndex(i, j int) {
	if uint(i) >= uint(m.Rows) || uint(j) >= uint(m.Cols) {
		panic(fmt.Sprintf("mat32: index (%d,%d) out of range %d×%d", i, j, m.Rows, m.Cols))
	}
}

// Slice returns a view of rows [i, j) that shares m's storage.
func (m *Dense) Slice(i, j int) *Dense {
	if i < 0 || j < i || j > m.Rows {
		panic(fmt.Sprintf("mat32: Slice [%d,%d) out of range [0,%d)", i, j, m.Rows))
	}
	return &Dense{Rows: j - i, Cols: m.Cols, Data: m.Data[i*m.Cols : j*m.Cols : j*m.Cols]}
}

// Clone returns a deep copy of m.
func (m *Dense) Clone() *Dense {
	c := &Dense{Rows: m.Rows, Cols: m.Cols, Data: make([]float32, len(m.Data))}
	copy(c.Data, m.Data)
	return c
}

// Gather copies the rows of m listed in idx, in that order, into dst
// (reshaped to len(idx)×m.Cols if empty) and returns dst.
func Gather(dst, m *Dense, idx []int) *Dense {
	dst = reuse(dst, len(idx), m.Cols, "Gather")
	for k, i := range idx {
		copy(dst.Row(k), m.Row(i))
	}
	return dst
}

// Transpose writes mᵀ into dst and returns it.
func Transpose(dst, m *Dense) *Dense {
	dst = reuse(dst, m.Cols, m.Rows, "Transpose")
	const bs = 32
	for i0 := 0; i0 < m.Rows; i0 += bs {
		i1 := min(i0+bs, m.Rows)
		for j0 := 0; j0 < m.Cols; j0 += bs {
			j1 := min(j0+bs, m.Cols)
			for i := i0; i < i1; i++ {
				src := m.Data[i*m.Cols:]
				for j := j0; j < j1; j++ {
					dst.Data[j*m.Rows+i] = src[j]
				}
			}
		}
	}
	return dst
}

// Reuse sizes the optional destination of an operation that writes an r×c
// result: it returns dst if it already is r×c, a new matrix if dst is nil,
// and dst filled in place with a new r×c matrix if dst is empty (the zero
// Dense). Any other shape is a caller bug: it panics with a message that
// starts with who (such as "pca: Transform").
func Reuse(dst *Dense, r, c int, who string) *Dense {
	return reuseAs(dst, r, c, "", who)
}

// reuse is Reuse for this package's operations.
func reuse(dst *Dense, r, c int, op string) *Dense {
	return reuseAs(dst, r, c, "mat32: ", op)
}

func reuseAs(dst *Dense, r, c int, prefix, who string) *Dense {
	switch {
	case dst == nil:
		return New(r, c)
	case dst.Rows == 0 && dst.Cols == 0 && len(dst.Data) == 0:
		*dst = *New(r, c)
		return dst
	case dst.Rows != r || dst.Cols != c:
		panic(fmt.Sprintf("%s%s: dst is %d×%d, want %d×%d", prefix, who, dst.Rows, dst.Cols, r, c))
	}
	return dst
}

// reuseVec returns dst if len(dst)==n, a new slice if dst is empty, and
// panics otherwise.
func reuseVec(dst []float32, n int, op string) []float32 {
	if len(dst) == 0 {
		if cap(dst) >= n {
			return dst[:n]
		}
		return make([]float32, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("mat32: %s: dst has length %d, want %d", op, len(dst), n))
	}
	return dst
}

// String formats small matrices for debugging and examples.
func (m *Dense) String() string {
	s := fmt.Sprintf("%d×%d [", m.Rows, m.Cols)
	for i := 0; i < m.Rows; i++ {
		if i > 0 {
			s += "; "
		}
		if i >= 8 {
			s += "…"
			break
		}
		for j := 0; j < m.Cols; j++ {
			if j > 0 {
				s += " "
			}
			if j >= 8 {
				s += "…"
				break
			}
			s += fmt.Sprintf("%g", m.Data[i*m.Cols+j])
		}
	}
	return s + "]"
}
