package nn

import (
	"fmt"

	"github.com/latentlab/latent/mat32"
)

// ConcatCols writes the columns of parts side by side into dst (rows ×
// Σ cols; allocated if nil or empty) and returns it: a conditional model's
// [x, one-hot label] input. Every part must have the same number of rows.
func ConcatCols(dst *mat32.Dense, parts ...*mat32.Dense) *mat32.Dense {
	if len(parts) == 0 {
		panic("nn: ConcatCols: no parts")
	}
	rows, cols := parts[0].Rows, 0
	for i, p := range parts {
		if p.Rows != rows {
			panic(fmt.Sprintf("nn: ConcatCols: part %d has %d rows, part 0 has %d", i, p.Rows, rows))
		}
		cols += p.Cols
	}
	dst = mat32.Reuse(dst, rows, cols, "nn: ConcatCols")
	for i := 0; i < rows; i++ {
		out := dst.Data[i*cols : (i+1)*cols]
		o := 0
		for _, p := range parts {
			o += copy(out[o:], p.Data[i*p.Cols:(i+1)*p.Cols])
		}
	}
	return dst
}

// SliceCols copies columns [lo, hi) of src into dst (rows × (hi−lo);
// allocated if nil or empty) and returns it: the part of a concatenated
// input's gradient that belongs to one input, or μ and log σ² out of one
// head of width 2·latent.
func SliceCols(dst, src *mat32.Dense, lo, hi int) *mat32.Dense {
	if lo < 0 || hi < lo || hi > src.Cols {
		panic(fmt.Sprintf("nn: SliceCols: columns [%d,%d) of %d", lo, hi, src.Cols))
	}
	w := hi - lo
	dst = mat32.Reuse(dst, src.Rows, w, "nn: SliceCols")
	for i := 0; i < src.Rows; i++ {
		copy(dst.Data[i*w:(i+1)*w], src.Data[i*src.Cols+lo:i*src.Cols+hi])
	}
	return dst
}
