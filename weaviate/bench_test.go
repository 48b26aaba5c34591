package weaviate

import (
	"context"
	"fmt"
	"testing"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
)

// BenchmarkPushClient measures the client's side of an import (building
// the objects, encoding them and the gRPC round trips) against the
// in-process stand-in server, which stores objects in a map: the cost
// latent adds on top of what a real server spends indexing.
func BenchmarkPushClient(b *testing.B) {
	for _, d := range []int{32, 128, 768} {
		b.Run(fmt.Sprintf("dim=%d", d), func(b *testing.B) {
			f := newFake(b, "")
			ctx := context.Background()
			c := f.dial(b)
			col, err := c.Create(ctx, Spec{Name: "Bench", Dim: d, Metric: knn.Euclidean, Meta: []string{"file name"}})
			if err != nil {
				b.Fatal(err)
			}
			x, side := pushData(10000, d)
			b.ReportAllocs()
			b.SetBytes(int64(x.Rows * d * 4))
			b.ResetTimer()
			for range b.N {
				if _, err := col.Push(ctx, mat32.MatrixRows(x), side, PushOptions{BatchSize: 1000}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*x.Rows)/b.Elapsed().Seconds(), "vectors/s")
		})
	}
}
