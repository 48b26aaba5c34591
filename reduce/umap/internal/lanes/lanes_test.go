package lanes

import (
	"math"
	"math/rand/v2"
	"testing"
)

// reference computes one lane in float64 with math.Pow.
func reference(l *Batch, i int) (float64, float64) {
	if l.Act[i] == 0 {
		return 0, 0
	}
	dx, dy := float64(l.CX)-float64(l.X[i]), float64(l.CY)-float64(l.Y[i])
	d2 := dx*dx + dy*dy
	a, b := float64(l.A), float64(l.B)
	var coef float64
	if l.Att[i] != 0 {
		if d2 == 0 {
			return 0, 0
		}
		coef = -2 * a * b * math.Pow(d2, b-1) / (a*math.Pow(d2, b) + 1)
	} else {
		if d2 == 0 {
			return Clip, Clip
		}
		coef = float64(l.G2B) / ((RepulsionEps + d2) * (a*math.Pow(d2, b) + 1))
	}
	c := func(v float64) float64 { return math.Max(-Clip, math.Min(Clip, v)) }
	return c(coef * dx), c(coef * dy)
}

func randomBatch(rng *rand.Rand) *Batch {
	var l Batch
	l.SetParams(float32(0.5+2*rng.Float64()), float32(0.6+1.2*rng.Float64()), float32(0.5+rng.Float64()))
	l.CX, l.CY = float32(10*rng.Float64()), float32(10*rng.Float64())
	scale := math.Pow(10, 4*rng.Float64()-3)
	for i := range l.X {
		l.X[i] = l.CX + float32(scale*rng.NormFloat64())
		l.Y[i] = l.CY + float32(scale*rng.NormFloat64())
		if rng.IntN(10) == 0 {
			l.X[i], l.Y[i] = l.CX, l.CY
		}
		if rng.IntN(3) == 0 {
			l.Att[i] = -1
		}
		if rng.IntN(8) != 0 {
			l.Act[i] = -1
		}
	}
	return &l
}

// TestStep checks both kernels against a float64 reference.
func TestStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for it := 0; it < 20000; it++ {
		l := randomBatch(rng)
		for _, k := range []struct {
			name string
			f    func(*Batch)
		}{{"go", StepGo}, {"step", Step}} {
			c := *l
			k.f(&c)
			for i := range c.X {
				rx, ry := reference(l, i)
				for _, p := range [][2]float64{{float64(c.OutX[i]), rx}, {float64(c.OutY[i]), ry}} {
					e := math.Abs(p[0]-p[1]) / math.Max(math.Abs(p[1]), 1e-3)
					worst = math.Max(worst, e)
					if e > 1e-4 {
						t.Fatalf("%s lane %d: %v, reference %v (batch %+v)", k.name, i, p[0], p[1], *l)
					}
				}
			}
		}
	}
	t.Logf("largest relative difference from float64 %.3g (assembly: %v)", worst, Enabled)
}

func TestLog2Exp2(t *testing.T) {
	worst := 0.0
	for x := 1.2e-38; x < 1e30; x *= 1.01 {
		worst = math.Max(worst, math.Abs(float64(Log2(float32(x)))-math.Log2(float64(float32(x)))))
	}
	if worst > 2e-5 {
		t.Errorf("Log2: largest absolute error %.3g", worst)
	}
	worst = 0
	for y := -125.0; y < 126; y += 0.0013 {
		worst = math.Max(worst, math.Abs(float64(Exp2(float32(y)))/math.Exp2(float64(float32(y)))-1))
	}
	if worst > 5e-7 {
		t.Errorf("Exp2: largest relative error %.3g", worst)
	}
}

func BenchmarkStep(b *testing.B) {
	l := randomBatch(rand.New(rand.NewPCG(1, 1)))
	for i := 0; i < b.N; i++ {
		Step(l)
	}
}

func BenchmarkStepGo(b *testing.B) {
	l := randomBatch(rand.New(rand.NewPCG(1, 1)))
	for i := 0; i < b.N; i++ {
		StepGo(l)
	}
}
