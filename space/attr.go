package space

import (
	"errors"
	"fmt"

	"github.com/latentlab/latent/mat32"
)

// MeanRows writes the mean of the given rows of z into dst (length z.Cols;
// allocated when nil) and returns it, accumulating in float64. A nil rows
// means every row. It returns an error when there are no rows to average
// and panics on a row index out of range.
func MeanRows(dst []float32, z *mat32.Dense, rows []int) ([]float32, error) {
	n := len(rows)
	if rows == nil {
		n = z.Rows
	}
	if n == 0 {
		return nil, errors.New("space: no rows to average")
	}
	acc := make([]float64, z.Cols)
	for k := 0; k < n; k++ {
		i := k
		if rows != nil {
			i = rows[k]
			if i < 0 || i >= z.Rows {
				panic(fmt.Sprintf("space: MeanRows: row %d of %d", i, z.Rows))
			}
		}
		for j, v := range z.Row(i) {
			acc[j] += float64(v)
		}
	}
	dst = vecDst(dst, z.Cols, "MeanRows")
	for j, s := range acc {
		dst[j] = float32(s / float64(n))
	}
	return dst, nil
}

// AttributeVector writes mean(z[with]) − mean(z[without]) into dst (length
// z.Cols; allocated when nil) and returns it: the direction in the latent
// space from the codes that lack an attribute to the codes that have it
// (White 2016). Adding it to a code adds the attribute; subtracting it
// removes it. It returns an error when either group is empty.
func AttributeVector(dst []float32, z *mat32.Dense, with, without []int) ([]float32, error) {
	if len(with) == 0 {
		return nil, errors.New("space: attribute vector: no codes with the attribute")
	}
	if len(without) == 0 {
		return nil, errors.New("space: attribute vector: no codes without the attribute")
	}
	a, err := MeanRows(nil, z, with)
	if err != nil {
		return nil, err
	}
	b, err := MeanRows(nil, z, without)
	if err != nil {
		return nil, err
	}
	dst = vecDst(dst, z.Cols, "AttributeVector")
	for j := range dst {
		dst[j] = a[j] - b[j]
	}
	return dst, nil
}

// AddScaled writes base + alpha·v into every row of dst (rows × len(base);
// allocated when nil or empty) for the alphas given, one row per alpha, and
// returns it: the codes along an attribute direction.
func AddScaled(dst *mat32.Dense, base, v []float32, alphas []float64) *mat32.Dense {
	sameLen("AddScaled", base, v)
	dst = mat32.Reuse(dst, len(alphas), len(base), "space: AddScaled")
	for i, a := range alphas {
		r := dst.Row(i)
		for j := range r {
			r[j] = base[j] + float32(a)*v[j]
		}
	}
	return dst
}
