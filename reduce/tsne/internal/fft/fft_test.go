package fft

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"runtime"
	"testing"
)

func naiveDFT(x []complex128, sign float64) []complex128 {
	n := len(x)
	y := make([]complex128, n)
	for k := range y {
		var s complex128
		for j, v := range x {
			ang := sign * 2 * math.Pi * float64((j*k)%n) / float64(n)
			s += v * complex(math.Cos(ang), math.Sin(ang))
		}
		y[k] = s
	}
	return y
}

func randComplex(rng *rand.Rand, n int) []complex128 {
	x := make([]complex128, n)
	for i := range x {
		x[i] = complex(rng.NormFloat64(), rng.NormFloat64())
	}
	return x
}

var testLengths = []int{1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 25, 27, 30, 32, 36, 45, 48, 50, 60, 64, 75, 81, 100, 120, 125, 128, 240, 360}

func TestForwardMatchesDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range testLengths {
		p := NewPlan(n)
		// Five columns, the middle three transformed (two in the vector
		// kernels, one in the scalar tail).
		const w, c0, c1 = 5, 1, 4
		x := randComplex(rng, n*w)
		got := append([]complex128(nil), x...)
		p.Forward(got, w, c0, c1)
		ord := p.Order()
		seen := make([]bool, n)
		for q, k := range ord {
			if k < 0 || k >= n || seen[k] {
				t.Fatalf("n=%d: Order is not a permutation at %d (%d)", n, q, k)
			}
			seen[k] = true
		}
		for c := 0; c < w; c++ {
			col := make([]complex128, n)
			for i := range col {
				col[i] = x[i*w+c]
			}
			want := naiveDFT(col, -1)
			for q, k := range ord {
				g := got[q*w+c]
				if c < c0 || c >= c1 {
					if g != x[q*w+c] {
						t.Fatalf("n=%d: column %d outside [%d,%d) changed", n, c, c0, c1)
					}
					continue
				}
				if e := cmplx.Abs(g - want[k]); e > 1e-9*math.Sqrt(float64(n)) {
					t.Fatalf("n=%d column %d: position %d (frequency %d): got %v want %v", n, c, q, k, g, want[k])
				}
			}
		}
		p.Inverse(got, w, c0, c1)
		for i := 0; i < n; i++ {
			for c := c0; c < c1; c++ {
				if e := cmplx.Abs(got[i*w+c]/complex(float64(n), 0) - x[i*w+c]); e > 1e-12*float64(n) {
					t.Fatalf("n=%d: inverse(forward(x))/n differs at row %d column %d by %g", n, i, c, e)
				}
			}
		}
	}
}

func TestPrunedTransforms(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{2, 4, 6, 8, 10, 12, 16, 20, 24, 30, 40, 48, 64, 90, 96, 120, 360} {
		p := NewPlan(n)
		const w = 3
		x := randComplex(rng, n*w)
		for i := n / 2; i < n; i++ {
			for c := 0; c < w; c++ {
				x[w*i+c] = 0
			}
		}
		full := append([]complex128(nil), x...)
		pr := append([]complex128(nil), x...)
		p.Forward(full, w, 0, w)
		p.ForwardPruned(pr, w, 0, w, n/2)
		for i := range full {
			if cmplx.Abs(full[i]-pr[i]) > 1e-12*float64(n) {
				t.Fatalf("n=%d: pruned forward differs at %d", n, i)
			}
		}
		p.Inverse(full, w, 0, w)
		p.InversePruned(pr, w, 0, w, n/2)
		for i := 0; i < w*n/2; i++ { // the first half of the rows is wanted
			if cmplx.Abs(full[i]-pr[i]) > 1e-12*float64(n) {
				t.Fatalf("n=%d: pruned inverse differs at %d", n, i)
			}
		}
	}
}

func TestGoodSize(t *testing.T) {
	for n := 0; n < 3000; n++ {
		g := GoodSize(n)
		if g < n || g%4 != 0 || !Smooth(g) {
			t.Fatalf("GoodSize(%d) = %d", n, g)
		}
		for m := max(n, 1); m < g; m++ {
			if m%4 == 0 && Smooth(m) {
				t.Fatalf("GoodSize(%d) = %d, but %d fits", n, g, m)
			}
		}
	}
}

func TestSmooth(t *testing.T) {
	for _, c := range []struct{ n, next int }{{0, 1}, {1, 1}, {7, 8}, {11, 12}, {13, 15}, {17, 18}, {31, 32}, {121, 125}, {319, 320}, {339, 360}, {1201, 1215}} {
		if got := NextSmooth(c.n); got != c.next {
			t.Errorf("NextSmooth(%d) = %d, want %d", c.n, got, c.next)
		}
	}
	if Smooth(14) || !Smooth(360) || Smooth(-4) {
		t.Error("Smooth is wrong on 14, 360 or -4")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("NewPlan(14) did not panic")
		}
	}()
	NewPlan(14)
}

// directConv2 is the O(G⁴) linear convolution.
func directConv2(grid []complex128, gx, gy int, k func(dx, dy int) float64) []complex128 {
	out := make([]complex128, gx*gy)
	for x := 0; x < gx; x++ {
		for y := 0; y < gy; y++ {
			var s complex128
			for x2 := 0; x2 < gx; x2++ {
				for y2 := 0; y2 < gy; y2++ {
					s += grid[x2*gy+y2] * complex(k(abs(x-x2), abs(y-y2)), 0)
				}
			}
			out[x*gy+y] = s
		}
	}
	return out
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

func cauchy2(dx, dy int) float64 {
	r2 := 0.25 * float64(dx*dx+dy*dy)
	return 1 / ((1 + r2) * (1 + r2))
}

func TestConv2MatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, g := range [][2]int{{1, 1}, {2, 3}, {7, 5}, {13, 40}, {33, 33}} {
		gx, gy := g[0], g[1]
		c := NewConv2(gx, gy)
		grid := randComplex(rng, gx*gy)
		want := directConv2(grid, gx, gy, cauchy2)
		ker := make([]float32, c.SpectrumLen())
		c.KernelSpectrum(ker, cauchy2)
		got := append([]complex128(nil), grid...)
		c.Convolve(got, ker)
		for i := range got {
			if e := cmplx.Abs(got[i] - want[i]); e > 1e-6*(1+cmplx.Abs(want[i])) {
				t.Fatalf("%d×%d: element %d: got %v want %v", gx, gy, i, got[i], want[i])
			}
		}
	}
}

func TestConv2RealMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, g := range [][2]int{{1, 1}, {2, 3}, {3, 2}, {7, 5}, {13, 40}, {33, 33}, {8, 9}} {
		gx, gy := g[0], g[1]
		c := NewConv2(gx, gy)
		grid := make([]float64, gx*gy)
		cgrid := make([]complex128, gx*gy)
		for i := range grid {
			grid[i] = rng.NormFloat64()
			cgrid[i] = complex(grid[i], 0)
		}
		want := directConv2(cgrid, gx, gy, cauchy2)
		ker := make([]float32, c.RealSpectrumLen())
		c.RealKernelSpectrum(ker, nil, cauchy2)
		got := append([]float64(nil), grid...)
		d := c.ConvolveReal(got, ker, ker)
		dot := 0.0
		for i := range got {
			if e := math.Abs(got[i] - real(want[i])); e > 1e-6*(1+math.Abs(real(want[i]))) {
				t.Fatalf("%d×%d: element %d: got %v want %v", gx, gy, i, got[i], real(want[i]))
			}
			dot += grid[i] * real(want[i])
		}
		if math.Abs(d-dot) > 1e-6*math.Abs(dot)+1e-9 {
			t.Fatalf("%d×%d: RealDot %v, direct %v", gx, gy, d, dot)
		}
	}
}

func TestConv1MatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	k := func(d int) float64 { return 1 / (1 + 0.1*float64(d*d)) }
	for _, g := range []int{1, 2, 9, 50, 121} {
		c := NewConv1(g, 2)
		block := randComplex(rng, 2*g)
		want := make([]complex128, 2*g)
		for i := 0; i < g; i++ {
			for j := 0; j < g; j++ {
				for s := 0; s < 2; s++ {
					want[i*2+s] += block[j*2+s] * complex(k(abs(i-j)), 0)
				}
			}
		}
		c.Convolve(block, c.KernelSpectrum(k))
		for i := range block {
			if e := cmplx.Abs(block[i] - want[i]); e > 1e-10*float64(g) {
				t.Fatalf("g=%d: element %d: got %v want %v", g, i, block[i], want[i])
			}
		}
	}
}

func TestConv2DeterministicAcrossThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	gx, gy := 70, 90
	grid := randComplex(rng, gx*gy)
	run := func(procs int) []complex128 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		c := NewConv2(gx, gy)
		ker := make([]float32, c.SpectrumLen())
		c.KernelSpectrum(ker, cauchy2)
		out := append([]complex128(nil), grid...)
		c.Convolve(out, ker)
		return out
	}
	a, b := run(1), run(4)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("element %d differs between 1 and 4 threads: %v vs %v", i, a[i], b[i])
		}
	}
}

func TestShapePanics(t *testing.T) {
	p := NewPlan(8)
	c := NewConv2(4, 4)
	for name, f := range map[string]func(){
		"short data":    func() { p.Forward(make([]complex128, 7), 1, 0, 1) },
		"bad columns":   func() { p.Inverse(make([]complex128, 16), 2, 1, 3) },
		"conv grid":     func() { c.Convolve(make([]complex128, 15), make([]float32, c.SpectrumLen())) },
		"conv spectrum": func() { c.Convolve(make([]complex128, 16), make([]float32, 3)) },
		"real grid":     func() { c.ConvolveReal(make([]float64, 15), make([]float32, c.RealSpectrumLen()), nil) },
		"empty grid":    func() { NewConv2(0, 3) },
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || len(s) < 4 || s[:4] != "fft:" {
					t.Errorf("%s: recovered %v, want an fft: panic", name, r)
				}
			}()
			f()
		}()
	}
}
