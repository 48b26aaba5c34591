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

// TestDeterministicAcrossThreads: training gives the same bits at 1, 2
// and 3 threads (nn's reductions use shape-fixed chunks and mat32's GEMM
// shape-fixed blocks).
func TestDeterministicAcrossThreads(t *testing.T) {
	saved := runtime.GOMAXPROCS(0)
	defer mat32.SetThreads(saved)
	mat32.SetThreads(1)
	one := trainRun(7)
	for _, th := range []int{2, 3} {
		mat32.SetThreads(th)
		got := trainRun(7)
		if !sameBits(one, got) {
			var worst float64
			for i, a := range one {
				worst = max(worst, math.Abs(float64(a-got[i])))
			}
			t.Errorf("1 and %d threads: weights differ by up to %g", th, worst)
		}
	}
}
