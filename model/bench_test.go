package model

import (
	"context"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// BenchmarkTrainStep times one training step of the anchor's MLP VAE
// (784-512-256-20, batch 128, BCE + KL, Adam) through the training loop's
// step (gather, forward, loss, backward, gradient check, update) and
// reports the epoch time of 60,000 rows it implies, for comparison with
// nn's BenchmarkMLPVAEStep (the bare layers).
func BenchmarkTrainStep(b *testing.B) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"vae", func(*Config) {}},
		{"vae-neighbour", func(c *Config) { c.NeighborWeight = 1 }},
		{"ae", func(c *Config) { c.Type, c.Beta = AE, 0 }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d := blobs(1024, 784, 10, 1)
			c := DefaultConfig(VAE, MLP, 20)
			tc.edit(&c)
			s, err := setup(context.Background(), d, c, TrainOptions{Batch: 128, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			pos := make([]int, 128)
			for i := range pos {
				pos[i] = i
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := s.t.step(pos, 1, i%8, 8); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*(60000.0/128), "s/epoch")
		})
	}
}

// BenchmarkEncode times encoding 10,000 rows with the anchor's MLP VAE.
func BenchmarkEncode(b *testing.B) {
	c := DefaultConfig(VAE, MLP, 20)
	c.Dim, c.Likelihood, c.Normalizer = 784, Bernoulli, dataset.Normalizer{Kind: dataset.NormNone}
	m, err := NewAutoencoder(c, 1)
	if err != nil {
		b.Fatal(err)
	}
	x := mat32.New(10000, 784)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := m.Encode(x, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(x.Rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
