package nn

import (
	"math"
	"runtime"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// trainRun trains a mid-sized VAE with dropout-free ReLU layers for a few
// Adam steps from one seed and returns all its parameters.
func trainRun(seed uint64) []float32 {
	rng := dataset.NewRand(seed, 0)
	v := newMLPVAE(784, 256, 128, 8, ReLU(), rng)
	ps := v.params()
	opt := NewAdam(ps, 1e-3)
	data := randUnit(dataset.NewRand(seed, 1), 200, 784)
	for step := 0; step < 4; step++ {
		ZeroGrads(ps)
		v.step(data.Slice(step*50, step*50+50), true)
		opt.Step()
	}
	var out []float32
	for _, p := range ps {
		out = append(out, p.Data...)
	}
	return out
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeterministicSameSeed(t *testing.T) {
	a, b := trainRun(5), trainRun(5)
	if !sameBits(a, b) {
		t.Error("two runs from one seed differ")
	}
	if sameBits(a, trainRun(6)) {
		t.Error("different seeds gave identical weights")
	}
}

// TestDeterministicAcrossThreads: at a fixed thread count two runs are
// bit-identical; between 1 and 2 threads OpenBLAS blocks its GEMMs
// differently, so the weights agree only to rounding.
func TestDeterministicAcrossThreads(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU")
	}
	saved := runtime.GOMAXPROCS(0)
	defer mat32.SetThreads(saved)
	var runs [2][]float32
	for th := 1; th <= 2; th++ {
		mat32.SetThreads(th)
		runs[th-1] = trainRun(7)
		if !sameBits(runs[th-1], trainRun(7)) {
			t.Errorf("%d threads: two runs from one seed differ", th)
		}
	}
	var worst float64
	for i, a := range runs[0] {
		worst = max(worst, math.Abs(float64(a-runs[1][i])))
	}
	if worst > 1e-5 {
		t.Errorf("1 and 2 threads: weights differ by up to %g", worst)
	}
	t.Logf("1 vs 2 threads: largest weight difference %g", worst)
}
