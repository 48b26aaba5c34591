package nn

import (
	"math"
	"testing"
)

// ulpDiff returns how many float32 steps separate got from the float64 want.
func ulpDiff(got float32, want float64) float64 {
	w := float32(want)
	if got == w {
		return 0
	}
	ulp := math.Abs(float64(math.Nextafter32(w, float32(math.Inf(1)))) - float64(w))
	return math.Abs(float64(got)-want) / ulp
}

func TestFastMathAgainstStdlib(t *testing.T) {
	worst := map[string]float64{}
	for i := 0; i <= 200000; i++ {
		x := -87 + 175.5*float64(i)/200000
		if u := ulpDiff(expf(float32(x)), math.Exp(float64(float32(x)))); u > worst["exp"] {
			worst["exp"] = u
		}
		e := float64(i) / 200000
		if u := ulpDiff(log1pf(float32(e)), math.Log1p(float64(float32(e)))); u > worst["log1p"] {
			worst["log1p"] = u
		}
		y := -12 + 24*float64(i)/200000
		if u := ulpDiff(tanhf(float32(y)), math.Tanh(float64(float32(y)))); u > worst["tanh"] {
			worst["tanh"] = u
		}
		if u := ulpDiff(sigmoidf(float32(y)), 1/(1+math.Exp(-float64(float32(y))))); u > worst["sigmoid"] {
			worst["sigmoid"] = u
		}
	}
	for _, e := range []float64{1e-30, 1e-12, 3e-8, 1e-5} {
		if u := ulpDiff(log1pf(float32(e)), math.Log1p(float64(float32(e)))); u > worst["log1p"] {
			worst["log1p"] = u
		}
	}
	for name, u := range worst {
		if u > 3 {
			t.Errorf("%s: worst error %.1f ulp, want ≤ 3", name, u)
		}
	}
	t.Logf("worst ulp: %v", worst)
	if !math.IsInf(float64(expf(100)), 1) || expf(-100) != 0 || expf(float32(math.NaN())) == expf(float32(math.NaN())) {
		t.Errorf("expf edge cases: %v %v", expf(100), expf(-100))
	}
	if tanhf(50) != 1 || tanhf(-50) != -1 || sigmoidf(-200) != 0 || sigmoidf(200) != 1 {
		t.Error("saturation")
	}
}
