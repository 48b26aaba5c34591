package fft

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/dsp/fourier"
)

// BenchmarkConv2 times one t-SNE-sized convolution: the forward transform
// of a G×G grid and its convolution with one kernel (the gradient needs
// two of each per iteration). The "gonum" variant does the same padded
// M×M transforms with gonum's dsp/fourier, one row or column at a time.
func BenchmarkConv2(b *testing.B) {
	for _, g := range []int{120, 180, 300} {
		rng := rand.New(rand.NewPCG(1, 1))
		grid := randComplex(rng, g*g)
		b.Run(fmt.Sprintf("latent/G=%d", g), func(b *testing.B) {
			c := NewConv2(g, g)
			ker := make([]float32, c.SpectrumLen())
			c.KernelSpectrum(ker, cauchy2)
			out := make([]complex128, g*g)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				copy(out, grid)
				c.Convolve(out, ker)
			}
			reportCPU(b, cpu)
		})
		b.Run(fmt.Sprintf("gonum/G=%d", g), func(b *testing.B) {
			m := NextSmooth(2*g - 1)
			f := fourier.NewCmplxFFT(m)
			a := make([]complex128, m*m)
			ker := make([]complex128, m*m)
			for i := range ker {
				ker[i] = complex(float64(i%5), 0)
			}
			col := make([]complex128, m)
			out := make([]complex128, m)
			both := func(inverse bool) {
				for r := 0; r < m; r++ {
					row := a[r*m : (r+1)*m]
					if inverse {
						f.Sequence(out, row)
					} else {
						f.Coefficients(out, row)
					}
					copy(row, out)
				}
				for c := 0; c < m; c++ {
					for r := 0; r < m; r++ {
						col[r] = a[r*m+c]
					}
					if inverse {
						f.Sequence(out, col)
					} else {
						f.Coefficients(out, col)
					}
					for r := 0; r < m; r++ {
						a[r*m+c] = out[r]
					}
				}
			}
			b.ResetTimer()
			cpu := cpuTime()
			defer reportCPU(b, cpu)
			for i := 0; i < b.N; i++ {
				clear(a)
				for r := 0; r < g; r++ {
					copy(a[r*m:r*m+g], grid[r*g:(r+1)*g])
				}
				both(false)
				for j := range a {
					a[j] *= ker[j]
				}
				both(true)
			}
		})
	}
}

// cpuTime returns the CPU time the process has used. On a machine shared
// with other work, CPU time per operation is steadier than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds a cpu-ns/op metric: the process CPU time since start
// divided by b.N.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
