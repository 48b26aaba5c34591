package pca

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// symTest builds a symmetric n×n matrix with the given eigenvalues and
// random orthonormal eigenvectors.
func symTest(rng *rand.Rand, vals []float64) []float64 {
	n := len(vals)
	q := make([]float64, n*n)
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	orthonormalize(q, n, n)
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for m := 0; m < n; m++ {
				s += q[i*n+m] * vals[m] * q[j*n+m]
			}
			a[i*n+j] = s
		}
	}
	return a
}

// TestTopSymEig checks the partial eigensolver on spectra that stress
// inverse iteration: smooth decay, a cluster inside the wanted set, nearly
// equal eigenvalues, and a large null space.
func TestTopSymEig(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	n := 200
	spectra := map[string][]float64{}
	s := make([]float64, n)
	for i := range s {
		s[i] = math.Pow(0.95, float64(i))
	}
	spectra["decaying"] = s
	c := make([]float64, n)
	for i := range c {
		c[i] = 1
		if i < 3 {
			c[i] = 10 - float64(i)
		}
		if i >= 10 && i < 16 {
			c[i] = 2 // a cluster of 6 inside the top k
		}
		if i >= 16 {
			c[i] = 0.5 + 1e-13*float64(i) // nearly equal
		}
	}
	spectra["clustered"] = c
	z := make([]float64, n)
	for i := 0; i < 5; i++ {
		z[i] = float64(5 - i)
	}
	spectra["rank5"] = z
	for name, sp := range spectra {
		a := symTest(rng, sp)
		k := 40
		b := append([]float64(nil), a...)
		vals, vecs, ok := topSymEig(b, n, k)
		if !ok {
			t.Fatalf("%s: failed", name)
		}
		ref := append([]float64(nil), sp...)
		slices.Sort(ref)
		slices.Reverse(ref)
		worstRes, worstOrth := 0.0, 0.0
		for j := 0; j < k; j++ {
			if math.Abs(vals[j]-ref[j]) > 1e-12*ref[0] {
				t.Errorf("%s: eigenvalue %d = %.15g, want %.15g", name, j, vals[j], ref[j])
			}
			v := vecs[j*n : (j+1)*n]
			for i := 0; i < n; i++ {
				var s float64
				for m := 0; m < n; m++ {
					s += a[i*n+m] * v[m]
				}
				worstRes = max(worstRes, math.Abs(s-vals[j]*v[i]))
			}
			for m := 0; m <= j; m++ {
				var s float64
				for i := 0; i < n; i++ {
					s += v[i] * vecs[m*n+i]
				}
				if m == j {
					s--
				}
				worstOrth = max(worstOrth, math.Abs(s))
			}
		}
		if worstRes > 1e-12*ref[0] || worstOrth > 1e-12 {
			t.Errorf("%s: residual %.3g, orthogonality %.3g", name, worstRes, worstOrth)
		}
	}
}
