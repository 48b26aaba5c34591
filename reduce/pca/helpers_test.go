package pca

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/latentlab/latent/mat32"
)

// lowRank returns n×d data: rank signal directions with standard deviations
// decreasing geometrically from top by ratio, plus isotropic noise of
// standard deviation noise, plus a mean offset.
func lowRank(seed uint64, n, d, rank int, top, ratio, noise float64) *mat32.Dense {
	rng := rand.New(rand.NewPCG(seed, 7))
	// random orthonormal directions through gonum QR
	g := mat.NewDense(d, rank, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < rank; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	offset := make([]float64, d)
	for i := range offset {
		offset[i] = 3*rng.Float64() - 1
	}
	x := mat32.New(n, d)
	for r := 0; r < n; r++ {
		row := x.Row(r)
		for i := range row {
			row[i] = float32(offset[i] + noise*rng.NormFloat64())
		}
		sd := top
		for j := 0; j < rank; j++ {
			z := sd * rng.NormFloat64()
			for i := range row {
				row[i] += float32(z * q.At(i, j))
			}
			sd *= ratio
		}
	}
	return x
}

// oracle is a full SVD of the centred data in float64 (gonum).
type oracle struct {
	s   []float64   // all singular values
	vt  [][]float64 // right singular vectors, sign-normalised
	evr []float64   // all explained variance ratios
	ev  []float64
}

func newOracle(t testing.TB, x *mat32.Dense) *oracle {
	t.Helper()
	n, d := x.Dims()
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x.Row(i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	a := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j, v := range x.Row(i) {
			a.Set(i, j, float64(v)-mean[j])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThinV) {
		t.Fatal("oracle SVD failed")
	}
	o := &oracle{s: svd.Values(nil)}
	var v mat.Dense
	svd.VTo(&v)
	var tot float64
	for _, s := range o.s {
		o.ev = append(o.ev, s*s/float64(n-1))
		tot += s * s / float64(n-1)
	}
	for j := range o.s {
		o.evr = append(o.evr, o.ev[j]/tot)
		row := make([]float64, d)
		for i := range row {
			row[i] = v.At(i, j)
		}
		o.vt = append(o.vt, row)
	}
	flat := make([]float64, 0, len(o.vt)*d)
	for _, r := range o.vt {
		flat = append(flat, r...)
	}
	flipSigns(flat, len(o.vt), d, nil, 0)
	for j := range o.vt {
		copy(o.vt[j], flat[j*d:(j+1)*d])
	}
	return o
}

// principalCosines returns the cosines of the principal angles between the
// row spaces of a (k×d, float32 rows) and the first k oracle axes, in
// increasing order (the first is the worst).
func principalCosines(t testing.TB, a *mat32.Dense, o *oracle) []float64 {
	t.Helper()
	k, d := a.Dims()
	m := mat.NewDense(k, k, nil)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			var s float64
			for c := 0; c < d; c++ {
				s += float64(a.At(i, c)) * o.vt[j][c]
			}
			m.Set(i, j, s)
		}
	}
	var svd mat.SVD
	if !svd.Factorize(m, mat.SVDNone) {
		t.Fatal("SVD of the cross products failed")
	}
	v := svd.Values(nil)
	for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
		v[i], v[j] = v[j], v[i]
	}
	return v
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}
