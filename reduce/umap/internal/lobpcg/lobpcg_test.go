package lobpcg

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// sparseSym is a random sparse symmetric matrix in row lists.
type sparseSym struct {
	n    int
	cols [][]int
	vals [][]float64
	diag []float64
}

func randomSparse(n int, seed uint64) *sparseSym {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &sparseSym{n: n, cols: make([][]int, n), vals: make([][]float64, n), diag: make([]float64, n)}
	for i := 0; i < n; i++ {
		s.diag[i] = 2 + rng.Float64()
		for e := 0; e < 3; e++ {
			j := rng.IntN(n)
			if j == i {
				continue
			}
			v := rng.NormFloat64() * 0.5
			s.cols[i] = append(s.cols[i], j)
			s.vals[i] = append(s.vals[i], v)
			s.cols[j] = append(s.cols[j], i)
			s.vals[j] = append(s.vals[j], v)
		}
	}
	return s
}

func (s *sparseSym) op(dst, src []float64, m int) {
	for i := 0; i < s.n; i++ {
		out := dst[i*m : (i+1)*m]
		for q := range out {
			out[q] = s.diag[i] * src[i*m+q]
		}
		for p, j := range s.cols[i] {
			for q := range out {
				out[q] += s.vals[i][p] * src[j*m+q]
			}
		}
	}
}

func (s *sparseSym) dense() *mat.SymDense {
	d := mat.NewSymDense(s.n, nil)
	for i := 0; i < s.n; i++ {
		d.SetSym(i, i, s.diag[i])
	}
	for i := 0; i < s.n; i++ {
		for p, j := range s.cols[i] {
			if j > i {
				d.SetSym(i, j, d.At(i, j)+s.vals[i][p])
			}
		}
	}
	return d
}

// TestSmallestAgainstDense compares the smallest eigenpairs with gonum's
// dense symmetric eigendecomposition.
func TestSmallestAgainstDense(t *testing.T) {
	for _, n := range []int{50, 400, 2500} {
		if n > 1000 && testing.Short() {
			continue
		}
		s := randomSparse(n, uint64(n))
		m := 4
		x := make([]float64, n*m)
		rng := rand.New(rand.NewPCG(9, 9))
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		res, err := Smallest(context.Background(), s.op, n, m, x, Options{Tol: 1e-8, MaxIter: 2000})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Converged {
			t.Fatalf("n=%d: not converged after %d iterations, residuals %v", n, res.Iterations, res.Residuals)
		}
		if n > 1000 {
			// Check the residuals directly.
			ax := make([]float64, n*m)
			s.op(ax, x, m)
			for j := 0; j < m; j++ {
				var r float64
				for i := 0; i < n; i++ {
					d := ax[i*m+j] - res.Values[j]*x[i*m+j]
					r += d * d
				}
				if math.Sqrt(r) > 1e-7 {
					t.Errorf("n=%d: residual %d is %g", n, j, math.Sqrt(r))
				}
			}
			continue
		}
		var e mat.EigenSym
		if !e.Factorize(s.dense(), true) {
			t.Fatal("dense eigendecomposition failed")
		}
		want := e.Values(nil)[:m]
		for j := range want {
			if math.Abs(res.Values[j]-want[j]) > 1e-10*math.Max(1, math.Abs(want[j])) {
				t.Errorf("n=%d: eigenvalue %d is %.12f, want %.12f", n, j, res.Values[j], want[j])
			}
		}
		// Orthonormal columns.
		g := gram(x, m, x, m, n)
		for a := 0; a < m; a++ {
			for b := 0; b < m; b++ {
				want := 0.0
				if a == b {
					want = 1
				}
				if math.Abs(g[a*m+b]-want) > 1e-9 {
					t.Errorf("n=%d: xᵀx[%d,%d] = %g", n, a, b, g[a*m+b])
				}
			}
		}
	}
}

// TestConstraint finds the smallest eigenvectors of a path graph's
// Laplacian orthogonal to the constant vector: cos(πk(i+½)/n) with
// eigenvalues 2 − 2cos(πk/n), k = 1, 2, ….
func TestConstraint(t *testing.T) {
	n, m := 100, 3
	op := func(dst, src []float64, k int) {
		for i := 0; i < n; i++ {
			for q := 0; q < k; q++ {
				v := 0.0
				if i > 0 {
					v += src[i*k+q] - src[(i-1)*k+q]
				}
				if i < n-1 {
					v += src[i*k+q] - src[(i+1)*k+q]
				}
				dst[i*k+q] = v
			}
		}
	}
	c := make([]float64, n)
	for i := range c {
		c[i] = 1 / math.Sqrt(float64(n))
	}
	x := make([]float64, n*m)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	res, err := Smallest(context.Background(), op, n, m, x, Options{Tol: 1e-9, MaxIter: 5000, Constraints: c, NumConstraints: 1})
	if err != nil || !res.Converged {
		t.Fatalf("err %v, converged %v after %d, residuals %v", err, res.Converged, res.Iterations, res.Residuals)
	}
	for k := 1; k <= m; k++ {
		want := 2 - 2*math.Cos(math.Pi*float64(k)/float64(n))
		if math.Abs(res.Values[k-1]-want) > 1e-9 {
			t.Errorf("eigenvalue %d: %.12g, want %.12g", k, res.Values[k-1], want)
		}
		// |⟨x_k, v_k⟩| = 1 for the normalised analytic vector.
		var dot, nv float64
		for i := 0; i < n; i++ {
			v := math.Cos(math.Pi * float64(k) * (float64(i) + 0.5) / float64(n))
			dot += v * x[i*m+k-1]
			nv += v * v
		}
		if math.Abs(math.Abs(dot)/math.Sqrt(nv)-1) > 1e-6 {
			t.Errorf("eigenvector %d: |cos| to the analytic one %.9f", k, math.Abs(dot)/math.Sqrt(nv))
		}
	}
}

// TestDeterministic checks bit-identical results at any GOMAXPROCS.
func TestDeterministic(t *testing.T) {
	n, m := 2*ChunkRows+17, 3
	s := randomSparse(n, 5)
	run := func(procs int) ([]float64, []float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		x := make([]float64, n*m)
		rng := rand.New(rand.NewPCG(3, 3))
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		res, err := Smallest(context.Background(), s.op, n, m, x, Options{Tol: 1e-6, MaxIter: 15})
		if err != nil {
			t.Fatal(err)
		}
		return x, res.Values
	}
	x1, v1 := run(1)
	for _, p := range []int{2, 4} {
		x2, v2 := run(p)
		if !slices.Equal(x1, x2) || !slices.Equal(v1, v2) {
			t.Fatalf("GOMAXPROCS %d differs from 1", p)
		}
	}
}

func TestBadInput(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := randomSparse(30, 1)
	x := make([]float64, 30*2)
	for i := range x {
		x[i] = float64(i%7) - 3
	}
	if _, err := Smallest(ctx, s.op, 30, 2, x, Options{}); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
	zero := make([]float64, 30*2)
	if _, err := Smallest(context.Background(), s.op, 30, 2, zero, Options{}); err == nil {
		t.Error("a zero start block gave no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("a short block did not panic")
		}
	}()
	Smallest(context.Background(), s.op, 30, 2, x[:5], Options{})
}
