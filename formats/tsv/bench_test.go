package tsv

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/latentlab/latent/mat32"
)

// benchVectors returns an n×d vectors.tsv with values like those of
// trained embeddings (about ten significant characters each).
func benchVectors(n, d int) []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	m := mat32.New(n, d)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64() * 0.3)
	}
	var buf bytes.Buffer
	WriteVectors(&buf, m)
	return buf.Bytes()
}

func BenchmarkReadVectors(b *testing.B) {
	for _, s := range []struct{ n, d int }{{1000, 100}, {10000, 300}} {
		data := benchVectors(s.n, s.d)
		b.Run(fmt.Sprintf("%dx%d", s.n, s.d), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := readVectors(bytes.NewReader(data), 0, int64(len(data))); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.n*s.d)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mvalues/s")
		})
	}
}

func BenchmarkWriteVectors(b *testing.B) {
	m, err := ReadVectors(bytes.NewReader(benchVectors(10000, 300)), 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(m.Data)) * 4)
	for b.Loop() {
		if err := WriteVectors(io.Discard, m); err != nil {
			b.Fatal(err)
		}
	}
}
