package umap

import (
	"context"
	"testing"
)

// BenchmarkLayout times one epoch of the fit layout on the fixture's graph
// (2,000 Fashion-MNIST images, 15 neighbours), per sampled edge.
func BenchmarkLayout(b *testing.B) {
	d := loadFixture(b)
	o, _ := DefaultOptions().check(d.X.Rows)
	g, data, err := fitGraph(context.Background(), d.X, &o)
	if err != nil {
		b.Fatal(err)
	}
	emb, err := initialLayout(context.Background(), g.csr, data, &o)
	if err != nil {
		b.Fatal(err)
	}
	a, bb, _ := FindAB(1, 0.1)
	var samples float64
	sched := newSchedule(g.csr)
	for _, e := range sched.eps {
		samples += 1 / float64(e)
	}
	p := layoutParams{a: float32(a), b: float32(bb), gamma: 1, alpha: 1, negRate: 5, epochs: b.N, seed: 1}
	b.ResetTimer()
	if err := optimizeFit(context.Background(), emb.Data, 2, g.csr, p); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(samples*float64(b.N)), "ns/edge-sample")
}

// BenchmarkFit times a whole fit of the fixture.
func BenchmarkFit(b *testing.B) {
	d := loadFixture(b)
	o := DefaultOptions()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var u UMAP
		if err := u.Fit(context.Background(), d.X, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransform times the transform of 500 fixture rows into a model
// of the other 1,500.
func BenchmarkTransform(b *testing.B) {
	d := loadFixture(b)
	o := DefaultOptions()
	var u UMAP
	if err := u.Fit(context.Background(), d.X.Slice(0, 1500), o); err != nil {
		b.Fatal(err)
	}
	q := d.X.Slice(1500, 2000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := u.Transform(context.Background(), nil, q, nil); err != nil {
			b.Fatal(err)
		}
	}
}
