package mat32

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemm reports GFLOP/s for the shapes of issue #2 (the MLP layers
// and the distance product, B stored transposed).
func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range []struct {
		name    string
		m, k, n int
		transB  bool
	}{
		{"mlp128x784x512", 128, 784, 512, false},
		{"mlp128x512x256", 128, 512, 256, false},
		{"sq1024", 1024, 1024, 1024, false},
		{"dist1000x784x60000T", 1000, 784, 60000, true},
	} {
		if testing.Short() && s.n > 10000 {
			continue
		}
		a := randDense(rng, s.m, s.k)
		var bm *Dense
		if s.transB {
			bm = randDense(rng, s.n, s.k)
		} else {
			bm = randDense(rng, s.k, s.n)
		}
		c := New(s.m, s.n)
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				Gemm(false, s.transB, 1, a, bm, 0, c)
			}
			b.ReportMetric(2*float64(s.m*s.k*s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkDot(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{16, 50, 784} {
		x := randDense(rng, 1, n).Data
		y := randDense(rng, 1, n).Data
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var s float32
			for b.Loop() {
				s += SqDist(x, y)
			}
			b.ReportMetric(3*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			_ = s
		})
	}
}

// BenchmarkL1Dist reports the Manhattan kernel's throughput, with the
// assembly kernel (where the CPU has it) and the Go loop side by side.
func BenchmarkL1Dist(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{16, 50, 784} {
		x := randDense(rng, 1, n).Data
		y := randDense(rng, 1, n).Data
		for _, k := range []struct {
			name string
			f    func(x, y []float32) float32
		}{{"dispatch", L1Dist}, {"go", l1DistGo}} {
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				var s float32
				for b.Loop() {
					s += k.f(x, y)
				}
				b.ReportMetric(3*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				_ = s
			})
		}
	}
}

// BenchmarkL1DistRows measures one vector against 64 rows per call.
func BenchmarkL1DistRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{16, 50, 784} {
		x := randDense(rng, 1, n).Data
		y := randDense(rng, 64, n).Data
		dst := make([]float32, 64)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				L1DistRows(dst, x, y)
			}
			b.ReportMetric(3*64*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkSqDists(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randDense(rng, 1000, 784)
	y := randDense(rng, 10000, 784)
	yn := RowSqNorms(nil, y)
	dst := New(1000, 10000)
	b.ReportAllocs()
	for b.Loop() {
		SqDists(dst, x, y, nil, yn)
	}
}
