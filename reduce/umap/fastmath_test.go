package umap

import (
	"math"
	"testing"
)

// TestFastMath checks the polynomial log2 and exp2 of the layout's inner
// loop against math.Log2 and math.Exp2 over the ranges the layout uses.
func TestFastMath(t *testing.T) {
	step := 1.0003
	if testing.Short() {
		step = 1.01
	}
	worstL := 0.0
	for x := 1.2e-38; x < 1e30; x *= step {
		x32 := float32(x)
		worstL = max(worstL, math.Abs(float64(log2f(x32))-math.Log2(float64(x32))))
	}
	if worstL > 2e-5 {
		t.Errorf("log2f: largest absolute error %.3g, want ≤ 2e-5", worstL)
	}
	worstE := 0.0
	for y := -125.0; y < 126; y += 0.00037 {
		y32 := float32(y)
		worstE = max(worstE, math.Abs(float64(exp2f(y32))/math.Exp2(float64(y32))-1))
	}
	if worstE > 5e-7 {
		t.Errorf("exp2f: largest relative error %.3g, want ≤ 5e-7", worstE)
	}
	// powf as the layout uses it: d² in (1e-6, 1e4), b in (0.5, 2).
	worstP := 0.0
	for _, b := range []float32{0.5, 0.79, 0.8951, 1, 1.5, 2} {
		for x := 1e-6; x < 1e4; x *= step {
			x32 := float32(x)
			worstP = max(worstP, math.Abs(float64(powf(x32, b))/math.Pow(float64(x32), float64(b))-1))
		}
	}
	if worstP > 1e-4 {
		t.Errorf("powf: largest relative error %.3g, want ≤ 1e-4", worstP)
	}
	if exp2f(-200) != exp2f(-126) || exp2f(500) != exp2f(127) {
		t.Errorf("exp2f does not clamp: %g %g", exp2f(-200), exp2f(500))
	}
}

func BenchmarkPowf(b *testing.B) {
	x := float32(0.37)
	var s float32
	for i := 0; i < b.N; i++ {
		s += powf(x, 0.8951)
		x += 0.001
	}
	if s == 0 {
		b.Fatal("no result")
	}
}
