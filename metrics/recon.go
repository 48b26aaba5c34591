package metrics

import (
	"fmt"
	"math"

	"github.com/latentlab/latent/mat32"
)

// logClip is the floor PyTorch's BCELoss puts under each logarithm.
const logClip = -100

// MSE returns the mean squared error between the data x and its
// reconstruction p over all values, accumulated in float64.
func MSE(x, p *mat32.Dense) (float64, error) {
	rows, err := MSERows(nil, x, p)
	return meanRows(rows), err
}

// BCE returns the mean binary cross-entropy of the reconstruction p (each
// value a probability in [0, 1]) against the data x (each value in [0, 1]),
// with each logarithm clipped at −100 as PyTorch's BCELoss does.
func BCE(x, p *mat32.Dense) (float64, error) {
	rows, err := BCERows(nil, x, p)
	return meanRows(rows), err
}

// MSERows writes the mean squared error of each row of p against x into dst
// (length x.Rows; allocated when empty) and returns it. It panics if dst has
// another non-zero length.
func MSERows(dst []float64, x, p *mat32.Dense) ([]float64, error) {
	dst, err := reconRows(dst, x, p, "MSERows")
	if err != nil {
		return nil, err
	}
	mat32.Parallel(x.Rows, mat32.Grain(x.Rows, 64), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var s float64
			pr := p.Row(i)
			for j, v := range x.Row(i) {
				d := float64(v) - float64(pr[j])
				s += d * d
			}
			dst[i] = s / float64(x.Cols)
		}
	})
	return dst, nil
}

// BCERows writes the mean binary cross-entropy of each row of p against x
// into dst (length x.Rows; allocated when empty) and returns it. It panics if
// dst has another non-zero length.
func BCERows(dst []float64, x, p *mat32.Dense) ([]float64, error) {
	dst, err := reconRows(dst, x, p, "BCERows")
	if err != nil {
		return nil, err
	}
	if err := checkUnit("data", x); err != nil {
		return nil, err
	}
	if err := checkUnit("reconstruction", p); err != nil {
		return nil, err
	}
	mat32.Parallel(x.Rows, mat32.Grain(x.Rows, 64), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var s float64
			pr := p.Row(i)
			for j, v := range x.Row(i) {
				t, q := float64(v), float64(pr[j])
				s -= t*max(math.Log(q), logClip) + (1-t)*max(math.Log(1-q), logClip)
			}
			dst[i] = s / float64(x.Cols)
		}
	})
	return dst, nil
}

// reconRows checks a data/reconstruction pair and sizes dst.
func reconRows(dst []float64, x, p *mat32.Dense, op string) ([]float64, error) {
	if err := checkMatrix("data", x); err != nil {
		return nil, err
	}
	if err := checkMatrix("reconstruction", p); err != nil {
		return nil, err
	}
	if x.Rows != p.Rows || x.Cols != p.Cols {
		return nil, fmt.Errorf("metrics: the data is %d×%d but the reconstruction is %d×%d", x.Rows, x.Cols, p.Rows, p.Cols)
	}
	if len(dst) == 0 {
		return make([]float64, x.Rows), nil
	}
	if len(dst) != x.Rows {
		panic(fmt.Sprintf("metrics: %s: dst has length %d, want %d", op, len(dst), x.Rows))
	}
	return dst, nil
}

// checkUnit returns an error if a value of m lies outside [0, 1].
func checkUnit(name string, m *mat32.Dense) error {
	count, first := 0, -1
	for i, v := range m.Data {
		if v < 0 || v > 1 {
			if first < 0 {
				first = i / m.Cols
			}
			count++
		}
	}
	if count > 0 {
		return fmt.Errorf("metrics: %s: %d values outside [0, 1] (first in row %d); binary cross-entropy needs probabilities", name, count, first)
	}
	return nil
}

func meanRows(rows []float64) float64 {
	if len(rows) == 0 {
		return 0
	}
	var s float64
	for _, v := range rows {
		s += v
	}
	return s / float64(len(rows))
}
