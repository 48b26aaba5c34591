package space

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/latentlab/latent/mat32"
)

// MaxGaussianDim bounds the dimension of a Gaussian read from outside
// (Validate): its covariance has d² values.
const MaxGaussianDim = 4096

// Gaussian is a multivariate normal distribution over codes, N(Mean, Cov).
// It is plain data and serialises to JSON, so a model file can keep the
// Gaussian fitted to its training codes. The zero value has dimension 0;
// build one with StandardNormal or FitGaussian.
type Gaussian struct {
	// Mean is the mean vector (length d).
	Mean []float64 `json:"mean"`
	// Cov is the covariance, d×d row-major. Nil means the identity (the
	// standard normal prior when Mean is zero).
	Cov []float64 `json:"cov,omitempty"`

	chol []float64 // lower Cholesky factor of Cov, computed on first use
}

// StandardNormal returns N(0, I) in d dimensions, the prior of a VAE. It
// panics if d < 1.
func StandardNormal(d int) Gaussian {
	if d < 1 {
		panic(fmt.Sprintf("space: StandardNormal: dimension %d", d))
	}
	return Gaussian{Mean: make([]float64, d)}
}

// Dim returns the dimension d.
func (g *Gaussian) Dim() int { return len(g.Mean) }

// Validate checks a Gaussian that came from outside (a model file): a
// dimension in [1, MaxGaussianDim], a d×d covariance (or none), finite
// values, a symmetric covariance that has a Cholesky factor.
func (g *Gaussian) Validate() error {
	d := len(g.Mean)
	if d < 1 || d > MaxGaussianDim {
		return fmt.Errorf("space: Gaussian of dimension %d, want 1 to %d", d, MaxGaussianDim)
	}
	for i, v := range g.Mean {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("space: Gaussian mean[%d] is %g", i, v)
		}
	}
	if g.Cov == nil {
		return nil
	}
	if len(g.Cov) != d*d {
		return fmt.Errorf("space: Gaussian covariance has %d values, want %d×%d", len(g.Cov), d, d)
	}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			v := g.Cov[i*d+j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("space: Gaussian covariance (%d,%d) is %g", i, j, v)
			}
			if v != g.Cov[j*d+i] {
				return fmt.Errorf("space: Gaussian covariance is not symmetric at (%d,%d)", i, j)
			}
		}
	}
	if _, err := cholesky(g.Cov, d); err != nil {
		return err
	}
	return nil
}

// FitGaussian returns the Gaussian with the sample mean and covariance
// (divided by n−1) of the rows of z, accumulated in float64. It returns an
// error for fewer than 2 rows or non-finite values. A covariance that is
// singular (fewer rows than dimensions, a constant dimension) gets the
// smallest ridge, 1e-6·trace/d times a power of ten, that makes it
// positive definite.
func FitGaussian(z *mat32.Dense) (Gaussian, error) {
	n, d := z.Rows, z.Cols
	if n < 2 || d < 1 {
		return Gaussian{}, fmt.Errorf("space: fitting a Gaussian needs at least 2 codes, got %d", n)
	}
	if bad, row := mat32.CountNonFinite(z); bad > 0 {
		return Gaussian{}, fmt.Errorf("space: fitting a Gaussian: %d non-finite values (first in row %d)", bad, row)
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range z.Row(i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	cov := make([]float64, d*d)
	c := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range z.Row(i) {
			c[j] = float64(v) - mean[j]
		}
		for a := 0; a < d; a++ {
			ca := c[a]
			row := cov[a*d : a*d+a+1]
			for b := range row {
				row[b] += ca * c[b]
			}
		}
	}
	var trace float64
	for a := 0; a < d; a++ {
		for b := 0; b <= a; b++ {
			v := cov[a*d+b] / float64(n-1)
			cov[a*d+b], cov[b*d+a] = v, v
		}
		trace += cov[a*d+a]
	}
	g := Gaussian{Mean: mean, Cov: cov}
	if _, err := cholesky(cov, d); err == nil {
		return g, nil
	}
	ridge := 1e-6 * max(trace/float64(d), 1e-12)
	for try := 0; try < 12; try++ {
		reg := append([]float64(nil), cov...)
		for a := 0; a < d; a++ {
			reg[a*d+a] += ridge
		}
		if _, err := cholesky(reg, d); err == nil {
			g.Cov = reg
			return g, nil
		}
		ridge *= 10
	}
	return Gaussian{}, errors.New("space: the codes' covariance is not positive definite even with a ridge")
}

// cholesky returns the lower factor L (d×d row-major) of cov = L·Lᵀ.
func cholesky(cov []float64, d int) ([]float64, error) {
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), cov...))) {
		return nil, errors.New("space: Gaussian covariance is not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	out := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			out[i*d+j] = l.At(i, j)
		}
	}
	return out, nil
}

// Sample writes n codes drawn from g into the rows of dst (n×d; allocated
// when nil or empty) and returns it: Mean + temperature·L·ε with ε ~ N(0, I)
// from rng (d values per row, in row order) and L the Cholesky factor of
// Cov. Temperature 1 samples g itself; smaller values stay nearer the mean
// (the "truncation" trade of sample quality against variety). It returns an
// error if Cov has no Cholesky factor.
func (g *Gaussian) Sample(dst *mat32.Dense, n int, temperature float64, rng *rand.Rand) (*mat32.Dense, error) {
	d := g.Dim()
	if d == 0 {
		panic("space: Sample from a Gaussian of dimension 0")
	}
	if g.Cov != nil && g.chol == nil {
		l, err := cholesky(g.Cov, d)
		if err != nil {
			return nil, err
		}
		g.chol = l
	}
	dst = mat32.Reuse(dst, n, d, "space: Sample")
	eps := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := range eps {
			eps[j] = rng.NormFloat64() * temperature
		}
		r := dst.Row(i)
		for a := 0; a < d; a++ {
			v := g.Mean[a]
			if g.chol == nil {
				v += eps[a]
			} else {
				row := g.chol[a*d : a*d+a+1]
				for b, l := range row {
					v += l * eps[b]
				}
			}
			r[a] = float32(v)
		}
	}
	return dst, nil
}

// Std returns the standard deviation of each dimension, √Cov[j,j] (1 when
// Cov is nil).
func (g *Gaussian) Std() []float64 {
	d := g.Dim()
	s := make([]float64, d)
	for j := range s {
		s[j] = 1
		if g.Cov != nil {
			s[j] = math.Sqrt(g.Cov[j*d+j])
		}
	}
	return s
}
