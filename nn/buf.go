package nn

import (
	"fmt"

	"github.com/latentlab/latent/mat32"
)

// buffer is a matrix whose backing array is kept between batches: asking
// for a shape that fits in the capacity already held allocates nothing, so
// the last, shorter batch of an epoch reuses the full batch's storage.
type buffer struct {
	m    mat32.Dense
	data []float32
}

// get returns the buffer shaped rows×cols. Its contents are unspecified.
func (b *buffer) get(rows, cols int) *mat32.Dense {
	n := rows * cols
	if n > cap(b.data) {
		b.data = make([]float32, n)
	}
	b.m = mat32.Dense{Rows: rows, Cols: cols, Data: b.data[:n:n]}
	return &b.m
}

// zeroed returns the buffer shaped rows×cols and filled with zeros.
func (b *buffer) zeroed(rows, cols int) *mat32.Dense {
	m := b.get(rows, cols)
	clear(m.Data)
	return m
}

// vec returns a scratch slice of length n (contents unspecified).
func vec(s *[]float32, n int) []float32 {
	if n > cap(*s) {
		*s = make([]float32, n)
	}
	*s = (*s)[:n]
	return *s
}

func checkCols(layer string, x *mat32.Dense, want int) {
	if x.Cols != want {
		panic(fmt.Sprintf("nn: %s: input has %d columns, want %d", layer, x.Cols, want))
	}
}

func checkSame(op string, a, b *mat32.Dense) {
	if a.Rows != b.Rows || a.Cols != b.Cols {
		panic(fmt.Sprintf("nn: %s: shapes %d×%d and %d×%d differ", op, a.Rows, a.Cols, b.Rows, b.Cols))
	}
}

// checkBackward panics when Backward is called without a Train-mode
// Forward or with a gradient of the wrong shape.
func checkBackward(layer string, have bool, dy *mat32.Dense, rows, cols int) {
	if !have {
		panic(fmt.Sprintf("nn: %s: Backward without a Forward", layer))
	}
	if dy.Rows != rows || dy.Cols != cols {
		panic(fmt.Sprintf("nn: %s: Backward gradient is %d×%d, output was %d×%d", layer, dy.Rows, dy.Cols, rows, cols))
	}
}
