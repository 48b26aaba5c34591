package tsne

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time the process has used. On a machine shared
// with other work, CPU time per operation is steadier than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRepel times one evaluation of the repulsive term on a
// clustered two-dimensional embedding of n points spread over ±spread
// units (a converged 10,000-point Fashion-MNIST map spans about ±100).
func BenchmarkRepel(b *testing.B) {
	for _, c := range []struct {
		n      int
		spread float64
	}{{2000, 60}, {10000, 100}, {70000, 160}} {
		y := embedding(5, c.n, 2, c.spread)
		out := make([]float64, 2*c.n)
		for _, m := range []Method{FFT, BarnesHut} {
			b.Run(fmt.Sprintf("%v/n=%d", m, c.n), func(b *testing.B) {
				var rep repeller
				if m == FFT {
					rep = newFFTRepeller(c.n, 2, 1, DefaultGridSpacing, DefaultInterpPoints)
				} else {
					rep = newBHRepeller(c.n, 2, DefaultTheta, 1)
				}
				rep.repel(out, y)
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cpuTime()
				for i := 0; i < b.N; i++ {
					rep.repel(out, y)
				}
				b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// BenchmarkRepel3D times Barnes-Hut, the three-dimensional method, on a
// clustered embedding of n points spread over ±spread units.
func BenchmarkRepel3D(b *testing.B) {
	for _, c := range []struct {
		n      int
		spread float64
	}{{2000, 20}, {10000, 30}} {
		y := embedding(5, c.n, 3, c.spread)
		out := make([]float64, 3*c.n)
		b.Run(fmt.Sprintf("bh/n=%d", c.n), func(b *testing.B) {
			rep := newBHRepeller(c.n, 3, DefaultTheta, 1)
			b.ReportAllocs()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				rep.repel(out, y)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkAttract times the attractive term over the sparse affinities
// of n points (perplexity 30, so about 100–130 entries a row).
func BenchmarkAttract(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		x := blobs(6, n, 10, 10, 5)
		p := affinities(b, x, 30)
		y := embedding(7, n, 2, 100)
		out := make([]float64, 2*n)
		b.Run(fmt.Sprintf("n=%d/nnz=%d", n, p.nnz()), func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				attract(out, y, p, 2, 1, false)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/float64(p.nnz()), "cpu-ns/entry")
		})
	}
}
