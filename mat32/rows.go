package mat32

import (
	"fmt"
	"io"
)

// RowReader yields the rows of a matrix in order, a batch at a time, so that
// data larger than memory can be worked through: incremental PCA, imports
// into a vector store. The .npy row reader of package formats/npy satisfies
// it; MatrixRows adapts a matrix in memory.
type RowReader interface {
	// Rows returns the total number of rows.
	Rows() int
	// Cols returns the number of values per row.
	Cols() int
	// Next reads up to dst.Rows of the next rows into dst (which has Cols()
	// columns) and returns how many it read. After the last row it returns
	// 0 and io.EOF; it may also return io.EOF with the last rows.
	Next(dst *Dense) (n int, err error)
}

// MatrixRows returns a RowReader over the rows of m. Its Next panics if dst
// does not have m's columns.
func MatrixRows(m *Dense) RowReader { return &matrixRows{m: m} }

type matrixRows struct {
	m   *Dense
	pos int
}

func (r *matrixRows) Rows() int { return r.m.Rows }
func (r *matrixRows) Cols() int { return r.m.Cols }
func (r *matrixRows) Next(dst *Dense) (int, error) {
	if dst.Cols != r.m.Cols {
		panic(fmt.Sprintf("mat32: MatrixRows.Next: dst has %d columns, the matrix %d", dst.Cols, r.m.Cols))
	}
	if r.pos >= r.m.Rows {
		return 0, io.EOF
	}
	k := min(dst.Rows, r.m.Rows-r.pos)
	copy(dst.Data[:k*dst.Cols], r.m.Data[r.pos*r.m.Cols:(r.pos+k)*r.m.Cols])
	r.pos += k
	return k, nil
}
