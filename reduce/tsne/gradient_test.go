package tsne

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
)

// blobs returns n points in d dimensions around c random centres spread
// over ±spread, with unit spread within a cluster.
func blobs(seed uint64, n, d, c int, spread float64) *mat32.Dense {
	rng := rand.New(rand.NewPCG(seed, 99))
	centres := make([]float64, c*d)
	for i := range centres {
		centres[i] = spread * (2*rng.Float64() - 1)
	}
	x := mat32.New(n, d)
	for i := 0; i < n; i++ {
		k := rng.IntN(c)
		for j := 0; j < d; j++ {
			x.Data[i*d+j] = float32(centres[k*d+j] + rng.NormFloat64())
		}
	}
	return x
}

// embedding returns a clustered float64 embedding of n points in dims
// dimensions spanning about ±spread.
func embedding(seed uint64, n, dims int, spread float64) []float64 {
	x := blobs(seed, n, dims, 7, spread)
	y := make([]float64, n*dims)
	for i, v := range x.Data {
		y[i] = float64(v)
	}
	return y
}

// affinities returns the joint affinities of x at the given perplexity.
func affinities(t testing.TB, x *mat32.Dense, perp float64) *csr {
	t.Helper()
	k := min(x.Rows-1, int(3*perp))
	g, err := knn.BuildGraph(context.Background(), x, k, knn.GraphOptions{Method: knn.ExactMethod})
	if err != nil {
		t.Fatal(err)
	}
	cond, err := conditional(context.Background(), g, []float64{perp}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return symmetrize(g, cond)
}

// klExact is the KL divergence by direct summation.
func klExact(p *csr, y []float64, dims int, dof float64) float64 {
	n := p.n
	z := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				_, k, _ := kernelPow(sqDist(y, i, j, dims), dof)
				z += k
			}
		}
	}
	kl := 0.0
	for i := 0; i < n; i++ {
		for e := p.rowPtr[i]; e < p.rowPtr[i+1]; e++ {
			pij := float64(p.val[e])
			_, k, _ := kernelPow(sqDist(y, i, int(p.col[e]), dims), dof)
			kl += pij * math.Log(pij/(k/z))
		}
	}
	return kl
}

func sqDist(y []float64, i, j, dims int) float64 {
	s := 0.0
	for a := 0; a < dims; a++ {
		d := y[i*dims+a] - y[j*dims+a]
		s += d * d
	}
	return s
}

// gradientOf returns ∂KL/∂y = 4(A − R/Z) with the given repeller.
func gradientOf(p *csr, y []float64, dims int, dof float64, rep repeller) []float64 {
	n := p.n
	a := make([]float64, n*dims)
	r := make([]float64, n*dims)
	z := rep.repel(r, y)
	attract(a, y, p, dims, dof, false)
	g := make([]float64, n*dims)
	for i := range g {
		g[i] = 4 * (a[i] - r[i]/z)
	}
	return g
}

func TestGradientMatchesFiniteDifferences(t *testing.T) {
	for _, dims := range []int{1, 2, 3} {
		for _, dof := range []float64{1, 0.6, 3} {
			t.Run(fmt.Sprintf("dims=%d/dof=%g", dims, dof), func(t *testing.T) {
				x := blobs(1, 40, 5, 3, 4)
				p := affinities(t, x, 5)
				y := embedding(2, 40, dims, 3)
				g := gradientOf(p, y, dims, dof, newExactRepeller(40, dims, dof))
				// Central differences, relative to the largest component.
				const h = 1e-5
				scale := 0.0
				for _, v := range g {
					scale = max(scale, math.Abs(v))
				}
				for idx := range y {
					old := y[idx]
					y[idx] = old + h
					up := klExact(p, y, dims, dof)
					y[idx] = old - h
					down := klExact(p, y, dims, dof)
					y[idx] = old
					num := (up - down) / (2 * h)
					if math.Abs(num-g[idx]) > 1e-6*scale {
						t.Fatalf("coordinate %d: analytic %.9g, finite differences %.9g", idx, g[idx], num)
					}
				}
			})
		}
	}
}

// relErr returns ‖got − want‖ / ‖want‖.
func relErr(got, want []float64) float64 {
	num, den := 0.0, 0.0
	for i := range want {
		num += (got[i] - want[i]) * (got[i] - want[i])
		den += want[i] * want[i]
	}
	return math.Sqrt(num / den)
}

// repelWith returns R and Z of a repeller.
func repelWith(rep repeller, y []float64, n, dims int) ([]float64, float64) {
	r := make([]float64, n*dims)
	z := rep.repel(r, y)
	return r, z
}

// Tolerances of the approximate methods against the exact sums on a
// clustered embedding of 600 points spread over about ±25 units (stated
// in the package documentation).
const (
	tolBH     = 0.03  // θ = 0.5: total relative error of R
	tolBHZ    = 0.01  // θ = 0.5: relative error of Z (1-D is the loosest)
	tolFFT    = 0.03  // default grid: total relative error of R
	tolFFTZ   = 0.005 // default grid: relative error of Z
	tolFine   = 1e-4  // fine FFT grid (spacing 0.05, 6 points)
	tolTheta0 = 1e-10 // θ → 0: Barnes-Hut opens every cell
)

func TestApproximateRepulsionAgainstExact(t *testing.T) {
	const n = 600
	for _, dims := range []int{1, 2, 3} {
		for _, dof := range []float64{1, 0.5} {
			y := embedding(3, n, dims, 25)
			want, wantZ := repelWith(newExactRepeller(n, dims, dof), y, n, dims)
			check := func(name string, rep repeller, tol, tolZ float64) {
				got, z := repelWith(rep, y, n, dims)
				e, ez := relErr(got, want), math.Abs(z-wantZ)/wantZ
				t.Logf("dims=%d dof=%g %s: R error %.2e, Z error %.2e", dims, dof, name, e, ez)
				if !(e <= tol) || !(ez <= tolZ) {
					t.Errorf("dims=%d dof=%g %s: R error %.3g (max %g), Z error %.3g (max %g)", dims, dof, name, e, tol, ez, tolZ)
				}
			}
			check("bh θ=1e-9", newBHRepeller(n, dims, 1e-9, dof), tolTheta0, tolTheta0)
			check("bh θ=0.5", newBHRepeller(n, dims, DefaultTheta, dof), tolBH, tolBHZ)
			if dims <= 2 {
				check("fft default", newFFTRepeller(n, dims, dof, DefaultGridSpacing, DefaultInterpPoints), tolFFT, tolFFTZ)
				fine := newFFTRepeller(n, dims, dof, 0.05, 6)
				fine.maxNodes = maxGrid
				check("fft fine", fine, tolFine, tolFine)
			}
		}
	}
}

func TestRepulsionOfCoincidentPoints(t *testing.T) {
	// Many points on one spot and a few elsewhere: the tree must stop
	// splitting and the grid must stay finite.
	const n = 200
	for _, dims := range []int{1, 2, 3} {
		y := make([]float64, n*dims)
		for i := 150; i < n; i++ {
			for a := 0; a < dims; a++ {
				y[i*dims+a] = float64(i-150) * 0.1
			}
		}
		want, wantZ := repelWith(newExactRepeller(n, dims, 1), y, n, dims)
		reps := map[string]repeller{"bh": newBHRepeller(n, dims, DefaultTheta, 1)}
		if dims <= 2 {
			reps["fft"] = newFFTRepeller(n, dims, 1, DefaultGridSpacing, DefaultInterpPoints)
		}
		for name, rep := range reps {
			got, z := repelWith(rep, y, n, dims)
			if e := relErr(got, want); !(e < 0.05) || !(math.Abs(z-wantZ) < 0.01*wantZ) {
				t.Errorf("dims=%d %s: R error %.3g, Z %g vs %g", dims, name, e, z, wantZ)
			}
		}
	}
}

// newTestRand returns a seeded generator for test data.
func newTestRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

func TestAttractKernelsAgree(t *testing.T) {
	// The two-dimensional attractive term has an assembly path (used
	// without the KL divergence) and a Go path (with it): same forces.
	x := blobs(8, 500, 6, 5, 5)
	p := affinities(t, x, 20)
	y := embedding(9, 500, 2, 30)
	a := make([]float64, 1000)
	b := make([]float64, 1000)
	attract(a, y, p, 2, 1, false)
	attract(b, y, p, 2, 1, true)
	if e := relErr(a, b); e > 1e-13 {
		t.Errorf("attractive terms differ by %.3g", e)
	}
	c := make([]float64, 1000)
	attractAny(c, y, p, 2, 1, 0, 500, false)
	if e := relErr(c, b); e > 1e-13 {
		t.Errorf("generic attractive term differs by %.3g", e)
	}
}

// TestFFTWideEmbedding checks the figure DefaultGridSpacing states: on 2,000
// clustered points spread over ±40 units the default grid's repulsion is
// within 1.5 % of the exact one.
func TestFFTWideEmbedding(t *testing.T) {
	const n = 2000
	y := embedding(3, n, 2, 40)
	want, _ := repelWith(newExactRepeller(n, 2, 1), y, n, 2)
	got, _ := repelWith(newFFTRepeller(n, 2, 1, DefaultGridSpacing, DefaultInterpPoints), y, n, 2)
	fine, _ := repelWith(newFFTRepeller(n, 2, 1, 1.0/3, 3), y, n, 2)
	e, ef := relErr(got, want), relErr(fine, want)
	t.Logf("default grid: R error %.4f; spacing 1/3, 3 points: %.4f", e, ef)
	if !(e <= 0.015) || !(ef <= e) {
		t.Errorf("R error %.4f with the default grid (max 0.015), %.4f with the finer one", e, ef)
	}
}
