package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// BenchmarkDataset stores and loads datasets of image size (784 columns):
// the cost of "latent import" and of the server's first load.
func BenchmarkDataset(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		d := &dataset.Dataset{X: mat32.New(n, 784)}
		for i := range d.X.Data {
			d.X.Data[i] = float32(i%255) / 255
		}
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprint(i % 10)
		}
		d.SetLabels(names)
		s, err := Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		var id string
		seq := 0
		b.Run(fmt.Sprintf("add/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(4 * len(d.X.Data)))
			for range b.N {
				seq++
				info, err := s.AddDataset(ctx, fmt.Sprintf("d%d", seq), "", d)
				if err != nil {
					b.Fatal(err)
				}
				id = info.ID
			}
		})
		b.Run(fmt.Sprintf("load/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(4 * len(d.X.Data)))
			for range b.N {
				if _, err := s.LoadDataset(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
		s.Close()
	}
}
