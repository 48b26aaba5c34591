package csvfmt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

func BenchmarkRead(b *testing.B) {
	for _, s := range []struct{ n, d int }{{1000, 100}, {10000, 784}} {
		rng := rand.New(rand.NewPCG(5, 6))
		d := &dataset.Dataset{X: mat32.New(s.n, s.d)}
		for i := range d.X.Data {
			d.X.Data[i] = float32(rng.IntN(256)) // pixel-like values, as in MNIST CSVs
		}
		names := make([]string, s.n)
		for i := range names {
			names[i] = fmt.Sprint(i % 10)
		}
		d.SetLabels(names)
		var buf bytes.Buffer
		Write(&buf, d)
		data := buf.Bytes()
		b.Run(fmt.Sprintf("%dx%d", s.n, s.d), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Read(bytes.NewReader(data), ReadOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.n*s.d)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mvalues/s")
		})
	}
}
