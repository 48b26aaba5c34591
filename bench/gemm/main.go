// Command gemm measures latent's float32 GEMM on the shapes latent uses and
// prints it next to numpy's (../shared/anchors/bench_gemm.py) from the same
// run, in GFLOP/s, with the ratio.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"time"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/mat32"
)

type shape struct {
	name    string
	m, k, n int
	transB  bool
}

// The anchor stores B as k×n for every shape; latent's distance product
// uses B transposed (n×k, rows are observations), as the kNN code does.
var shapes = []shape{
	{"mlp128x784x512", 128, 784, 512, false},
	{"mlp128x512x256", 128, 512, 256, false},
	{"sq1024", 1024, 1024, 1024, false},
	{"dist1000x784x60000T", 1000, 784, 60000, true},
}

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	flag.Parse()
	mat32.SetThreads(af.Threads)

	fmt.Printf("latent GEMM (%s), %d threads, median of 5 after a warm-up\n", mat32.BLAS, af.Threads)
	ours := map[string]float64{}
	for _, s := range shapes {
		ours[s.name] = measure(s)
		fmt.Printf("RESULT gemm latent shape=%s gflops_median=%.1f\n", s.name, ours[s.name])
	}
	if af.Skip {
		return
	}
	rs, err := af.Run(context.Background(), "bench_gemm.py")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("\n%-22s %12s %12s %8s\n", "shape", "latent", "numpy f32", "ratio")
	for _, s := range shapes {
		r, ok := anchor.Find(rs, "gemm", "dtype=float32", "shape="+s.name)
		np, _ := r.Float("gflops_median")
		if !ok || np == 0 {
			fmt.Printf("%-22s %12.1f %12s\n", s.name, ours[s.name], "n/a")
			continue
		}
		fmt.Printf("%-22s %12.1f %12.1f %7.2f×\n", s.name, ours[s.name], np, ours[s.name]/np)
	}
}

func measure(s shape) float64 {
	rng := rand.New(rand.NewPCG(0, 0))
	fill := func(m *mat32.Dense) *mat32.Dense {
		for i := range m.Data {
			m.Data[i] = float32(rng.NormFloat64())
		}
		return m
	}
	a := fill(mat32.New(s.m, s.k))
	var b *mat32.Dense
	if s.transB {
		b = fill(mat32.New(s.n, s.k))
	} else {
		b = fill(mat32.New(s.k, s.n))
	}
	c := mat32.New(s.m, s.n)
	flops := 2 * float64(s.m) * float64(s.k) * float64(s.n)
	reps := max(1, int(2e10/flops))
	mat32.Gemm(false, s.transB, 1, a, b, 0, c)
	var rates []float64
	for r := 0; r < 5; r++ {
		t := time.Now()
		for i := 0; i < reps; i++ {
			mat32.Gemm(false, s.transB, 1, a, b, 0, c)
		}
		rates = append(rates, flops*float64(reps)/time.Since(t).Seconds()/1e9)
	}
	sort.Float64s(rates)
	return rates[2]
}
