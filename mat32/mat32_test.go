package mat32

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/latentlab/latent/mat32/internal/simd"
)

func randDense(rng *rand.Rand, r, c int) *Dense {
	m := New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

// naiveGemm is the float64 oracle for Gemm.
func naiveGemm(tA, tB bool, alpha float64, a, b *Dense, beta float64, c *Dense) []float64 {
	at := func(m *Dense, t bool, i, j int) float64 {
		if t {
			return float64(m.At(j, i))
		}
		return float64(m.At(i, j))
	}
	k := a.Cols
	if tA {
		k = a.Rows
	}
	out := make([]float64, c.Rows*c.Cols)
	for i := 0; i < c.Rows; i++ {
		for j := 0; j < c.Cols; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += at(a, tA, i, p) * at(b, tB, p, j)
			}
			out[i*c.Cols+j] = alpha*s + beta*float64(c.At(i, j))
		}
	}
	return out
}

func TestGemmAgainstFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {3, 5, 7}, {17, 33, 9}, {64, 100, 70}, {128, 31, 200}, {5, 0, 4}}
	for _, s := range shapes {
		m, k, n := s[0], s[1], s[2]
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				a := randDense(rng, m, k)
				if tA {
					a = Transpose(nil, a)
				}
				b := randDense(rng, k, n)
				if tB {
					b = Transpose(nil, b)
				}
				c := randDense(rng, m, n)
				want := naiveGemm(tA, tB, 0.5, a, b, 2, c)
				Gemm(tA, tB, 0.5, a, b, 2, c)
				for i, w := range want {
					if d := math.Abs(float64(c.Data[i]) - w); d > 1e-4*float64(k+1) {
						t.Fatalf("%v tA=%v tB=%v: element %d = %g, want %g", s, tA, tB, i, c.Data[i], w)
					}
				}
			}
		}
	}
}

func TestMulHelpers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := randDense(rng, 40, 30)
	b := randDense(rng, 30, 20)
	ab := Mul(nil, a, b)
	abT := MulT(nil, a, Transpose(nil, b))
	aTb := TMul(nil, Transpose(nil, a), b)
	for i := range ab.Data {
		if math.Abs(float64(ab.Data[i]-abT.Data[i])) > 1e-4 || math.Abs(float64(ab.Data[i]-aTb.Data[i])) > 1e-4 {
			t.Fatalf("element %d: Mul %g, MulT %g, TMul %g", i, ab.Data[i], abT.Data[i], aTb.Data[i])
		}
	}
}

func TestSgemmStrided(t *testing.T) {
	// A 3×4 block inside a 5×10 buffer times a 4×2 block inside a 4×6 buffer.
	rng := rand.New(rand.NewPCG(5, 6))
	big := randDense(rng, 5, 10)
	bb := randDense(rng, 4, 6)
	c := make([]float32, 3*7)
	Sgemm(false, false, 3, 2, 4, 1, big.Data[10+2:], 10, bb.Data[1:], 6, 0, c, 7)
	for i := 0; i < 3; i++ {
		for j := 0; j < 2; j++ {
			var s float64
			for p := 0; p < 4; p++ {
				s += float64(big.At(i+1, p+2)) * float64(bb.At(p, j+1))
			}
			if math.Abs(float64(c[i*7+j])-s) > 1e-5 {
				t.Fatalf("c[%d,%d] = %g, want %g", i, j, c[i*7+j], s)
			}
		}
	}
}

func TestVectorKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 131; n++ {
		x := make([]float32, n)
		y := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			y[i] = float32(rng.NormFloat64())
		}
		var d, s, l1 float64
		for i := range x {
			d += float64(x[i]) * float64(y[i])
			s += float64(x[i]-y[i]) * float64(x[i]-y[i])
			l1 += math.Abs(float64(x[i]) - float64(y[i]))
		}
		if got := Dot(x, y); math.Abs(float64(got)-d) > 1e-4*float64(n+1) {
			t.Fatalf("n=%d: Dot = %g, want %g", n, got, d)
		}
		if got := SqDist(x, y); math.Abs(float64(got)-s) > 1e-4*float64(n+1) {
			t.Fatalf("n=%d: SqDist = %g, want %g", n, got, s)
		}
		if got := L1Dist(x, y); math.Abs(float64(got)-l1) > 1e-5*float64(n+1) {
			t.Fatalf("n=%d: L1Dist = %g, want %g", n, got, l1)
		}
		want := make([]float32, n)
		for i := range want {
			want[i] = y[i] + 0.25*x[i]
		}
		Axpy(0.25, x, y)
		for i := range y {
			if math.Abs(float64(y[i]-want[i])) > 1e-6 {
				t.Fatalf("n=%d: Axpy[%d] = %g, want %g", n, i, y[i], want[i])
			}
		}
	}
}

// TestL1DistKernels compares the assembly L1 kernel with the Go one at
// every length up to 131 (odd ones included, so every tail runs): to
// rounding on normal data, exactly on small integers, where every sum is
// exact.
func TestL1DistKernels(t *testing.T) {
	if !simd.Enabled {
		t.Skip("no AVX2/FMA on this CPU")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for n := 0; n <= 131; n++ {
		x := make([]float32, n)
		y := make([]float32, n+3) // the kernels read only len(x) values
		xi := make([]float32, n)
		yi := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			y[i] = float32(rng.NormFloat64())
			xi[i] = float32(rng.IntN(21) - 10)
			yi[i] = float32(rng.IntN(21) - 10)
		}
		y[n], y[n+1], y[n+2] = 1e30, -1e30, 1e30
		asm, gov := simd.L1DistAVX2(x, y), l1DistGo(x, y)
		if math.Abs(float64(asm-gov)) > 1e-6*float64(n+1)*math.Max(1, float64(gov)) {
			t.Fatalf("n=%d: assembly %v, Go %v", n, asm, gov)
		}
		if a, g := simd.L1DistAVX2(xi, yi), l1DistGo(xi, yi); a != g {
			t.Fatalf("n=%d: integer data: assembly %v, Go %v", n, a, g)
		}
	}
	// Signs: |x−y| for every combination of signs and zeros.
	x := []float32{-1, 1, -1, 1, 0, -0, 2, -2, 3, -3, 0, 5, -5, 7, -7, 1, 1, -1}
	y := []float32{1, -1, -1, 1, -0, 0, -2, 2, -3, 3, 4, -5, 5, 7, -7, 0, -0, -0}
	var want float32
	for i := range x {
		want += float32(math.Abs(float64(x[i] - y[i])))
	}
	if a, g := simd.L1DistAVX2(x, y), l1DistGo(x, y); a != want || g != want {
		t.Fatalf("signs: assembly %v, Go %v, want %v", a, g, want)
	}
}

// TestL1DistRows: each value equals L1Dist of x and that row, bit for bit,
// at lengths on both sides of the assembly threshold.
func TestL1DistRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 3, 8, 15, 16, 17, 31, 33, 50, 129} {
		x := randDense(rng, 1, n).Data
		y := randDense(rng, 7, n).Data
		dst := L1DistRows(make([]float32, 7), x, y)
		for j, got := range dst {
			if want := L1Dist(x, y[j*n:(j+1)*n]); got != want {
				t.Fatalf("n=%d row %d: %v, want %v", n, j, got, want)
			}
		}
	}
	if got := L1DistRows(nil, make([]float32, 5), nil); len(got) != 0 {
		t.Fatalf("no rows: %v", got)
	}
}

func TestSqDistsAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x := randDense(rng, 37, 50)
	y := randDense(rng, 23, 50)
	d := SqDists(nil, x, y, nil, nil)
	for i := 0; i < x.Rows; i++ {
		for j := 0; j < y.Rows; j++ {
			var s float64
			for p := 0; p < x.Cols; p++ {
				v := float64(x.At(i, p)) - float64(y.At(j, p))
				s += v * v
			}
			if math.Abs(float64(d.At(i, j))-s) > 1e-3 {
				t.Fatalf("d[%d,%d] = %g, want %g", i, j, d.At(i, j), s)
			}
		}
	}
	// Distance of a set to itself: diagonal is zero, never negative.
	self := SqDists(nil, x, x, nil, nil)
	for i := 0; i < x.Rows; i++ {
		if v := self.At(i, i); v < 0 || v > 1e-3 {
			t.Fatalf("self distance %d = %g", i, v)
		}
	}
}

func TestParallelCoversOnce(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000} {
		for _, g := range []int{0, 1, 3, 64, 5000} {
			hits := make([]atomic.Int32, n)
			Parallel(n, g, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			})
			for i := range hits {
				if hits[i].Load() != 1 {
					t.Fatalf("n=%d grain=%d: index %d visited %d times", n, g, i, hits[i].Load())
				}
			}
		}
	}
}

func TestReductions(t *testing.T) {
	m := FromRows([][]float32{{1, 2}, {3, 6}, {5, float32(math.NaN())}})
	if c, r := CountNonFinite(m); c != 1 || r != 2 {
		t.Fatalf("CountNonFinite = %d, %d", c, r)
	}
	lo, hi, ok := MinMax(m.Data)
	if !ok || lo != 1 || hi != 6 {
		t.Fatalf("MinMax = %g, %g, %v", lo, hi, ok)
	}
	m2 := FromRows([][]float32{{1, 2}, {3, 6}})
	means := ColMeans(nil, m2)
	stds := ColStds(nil, m2, means)
	if means[0] != 2 || means[1] != 4 || stds[0] != 1 || stds[1] != 2 {
		t.Fatalf("means %v stds %v", means, stds)
	}
}

func TestViews(t *testing.T) {
	m := FromRows([][]float32{{1, 2}, {3, 4}, {5, 6}})
	s := m.Slice(1, 3)
	s.Set(0, 0, 30)
	if m.At(1, 0) != 30 {
		t.Fatal("Slice does not share storage")
	}
	r := m.Row(0)
	r = append(r, 99)
	if m.At(1, 0) != 30 {
		t.Fatal("append to a row overwrote the next row")
	}
	g := Gather(nil, m, []int{2, 0})
	if g.At(0, 1) != 6 || g.At(1, 0) != 1 {
		t.Fatalf("Gather = %v", g)
	}
}

func TestShapePanics(t *testing.T) {
	cases := map[string]func(){
		"Gemm":      func() { Gemm(false, false, 1, New(2, 3), New(4, 2), 0, New(2, 2)) },
		"Mul dst":   func() { Mul(New(3, 3), New(2, 3), New(3, 2)) },
		"Row":       func() { New(2, 2).Row(2) },
		"FromSlice": func() { FromSlice(2, 2, make([]float32, 3)) },
		"Dot":       func() { Dot(make([]float32, 2), make([]float32, 3)) },
		"L1Dist":    func() { L1Dist(make([]float32, 4), make([]float32, 3)) },
		"L1DistRow": func() { L1DistRows(make([]float32, 2), make([]float32, 3), make([]float32, 7)) },
		"SqDists":   func() { SqDists(nil, New(2, 3), New(2, 4), nil, nil) },
		"overflow":  func() { New(math.MaxInt/2, 3) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "mat32:") {
					t.Errorf("%s: panic %v, want a mat32: message", name, r)
				}
			}()
			f()
		}()
	}
}

// TestGemmSameAtAnyThreadCount checks that products are bit-identical
// whatever GOMAXPROCS is (blocks are fixed by shape, not thread count).
func TestGemmSameAtAnyThreadCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range [][3]int{{700, 300, 90}, {60, 500, 900}, {128, 784, 256}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				m, k, n := s[0], s[1], s[2]
				a := randDense(rng, m, k)
				if tA {
					a = Transpose(nil, a)
				}
				b := randDense(rng, k, n)
				if tB {
					b = Transpose(nil, b)
				}
				var ref *Dense
				for _, threads := range []int{1, 2, 3, 8} {
					runtime.GOMAXPROCS(threads)
					c := New(m, n)
					Gemm(tA, tB, 1, a, b, 0, c)
					if ref == nil {
						ref = c
						continue
					}
					for i := range c.Data {
						if c.Data[i] != ref.Data[i] {
							t.Fatalf("%v tA=%v tB=%v: element %d differs at %d threads: %g vs %g", s, tA, tB, i, threads, c.Data[i], ref.Data[i])
						}
					}
				}
			}
		}
	}
}

func TestDgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	m, k, n := 70, 90, 50
	a := make([]float64, k*m) // stored transposed
	b := make([]float64, k*n)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	c := make([]float64, m*n)
	Dgemm(true, false, m, n, k, 1, a, m, b, n, 0, c, n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += a[p*m+i] * b[p*n+j]
			}
			if math.Abs(c[i*n+j]-s) > 1e-12 {
				t.Fatalf("c[%d,%d] = %g, want %g", i, j, c[i*n+j], s)
			}
		}
	}
}

// TestReuse: nil gives a new matrix, the zero Dense is filled in place, the
// right shape is kept, and another shape panics naming the caller.
func TestReuse(t *testing.T) {
	if m := Reuse(nil, 2, 3, "x"); m.Rows != 2 || m.Cols != 3 || len(m.Data) != 6 {
		t.Fatalf("nil: %d×%d", m.Rows, m.Cols)
	}
	var z Dense
	if m := Reuse(&z, 4, 1, "x"); m != &z || z.Rows != 4 || len(z.Data) != 4 {
		t.Fatalf("zero Dense: %d×%d, same %v", z.Rows, z.Cols, m == &z)
	}
	d := New(2, 2)
	if Reuse(d, 2, 2, "x") != d {
		t.Fatal("a dst of the right shape was replaced")
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "pkg: Op: dst is 2×2, want 3×2") {
			t.Fatalf("panic %v", r)
		}
	}()
	Reuse(d, 3, 2, "pkg: Op")
}
