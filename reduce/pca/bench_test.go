package pca

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/latentlab/latent/mat32"
)

// fashionImages loads the 60k+10k Fashion-MNIST images scaled to [0,1], or
// skips the benchmark when the files are not installed.
func fashionImages(b *testing.B) *mat32.Dense {
	b.Helper()
	dir := "/usr/share/datasets/fashion-mnist/"
	var data []float32
	for _, name := range []string{"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"} {
		f, err := os.Open(dir + name)
		if err != nil {
			b.Skip("Fashion-MNIST not installed:", err)
		}
		zr, err := gzip.NewReader(bufio.NewReader(f))
		if err != nil {
			b.Fatal(err)
		}
		var hdr [16]byte
		if _, err := io.ReadFull(zr, hdr[:]); err != nil {
			b.Fatal(err)
		}
		n := int(binary.BigEndian.Uint32(hdr[4:]))
		raw := make([]byte, n*784)
		if _, err := io.ReadFull(zr, raw); err != nil {
			b.Fatal(err)
		}
		f.Close()
		for _, v := range raw {
			data = append(data, float32(v)/255)
		}
	}
	return mat32.FromSlice(len(data)/784, 784, data)
}

func BenchmarkFit(b *testing.B) {
	type shape struct {
		n, d, k int
		fashion bool
	}
	for _, s := range []shape{{10000, 784, 50, false}, {70000, 784, 50, true}} {
		for _, solver := range []string{SolverRandomized, SolverFull, SolverIncremental} {
			name := fmt.Sprintf("%s/%dx%d-%d", solver, s.n, s.d, s.k)
			if s.fashion {
				name = fmt.Sprintf("%s/fashion70000x784-%d", solver, s.k)
			}
			b.Run(name, func(b *testing.B) {
				if testing.Short() && s.n > 10000 {
					b.Skip("large")
				}
				var x *mat32.Dense
				if s.fashion {
					x = fashionImages(b)
				} else {
					x = lowRank(1, s.n, s.d, 100, 10, 0.97, 0.1)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					var p PCA
					if _, err := p.FitTransform(context.Background(), nil, x, Options{Components: s.k, Solver: solver}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkTransform(b *testing.B) {
	x := lowRank(1, 10000, 784, 100, 10, 0.97, 0.1)
	var p PCA
	if err := p.Fit(x, Options{Components: 50, Solver: SolverRandomized}); err != nil {
		b.Fatal(err)
	}
	dst := mat32.New(x.Rows, 50)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p.Transform(dst, x)
	}
}
