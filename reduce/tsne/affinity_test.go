package tsne

import (
	"context"
	"math"
	"testing"

	"github.com/latentlab/latent/knn"
)

func entropy(p []float64) float64 {
	h := 0.0
	for _, v := range p {
		if v > 0 {
			h -= v * math.Log(v)
		}
	}
	return h
}

func TestFitRowMatchesPerplexity(t *testing.T) {
	rng := newTestRand(1)
	for _, scale := range []float64{1e-20, 1e-3, 1, 1e3, 1e30} {
		for _, perp := range []float64{2, 5, 30} {
			d2 := make([]float64, 90)
			for i := range d2 {
				d2[i] = scale * (1 + 10*rng.Float64())
			}
			p := make([]float64, len(d2))
			fitRow(p, d2, perp)
			sum := 0.0
			for _, v := range p {
				sum += v
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Fatalf("scale %g perplexity %g: sum %v", scale, perp, sum)
			}
			if h := entropy(p); math.Abs(h-math.Log(perp)) > 1e-4 {
				t.Errorf("scale %g perplexity %g: entropy %.6f, want ln(perp) = %.6f", scale, perp, h, math.Log(perp))
			}
		}
	}
}

func TestFitRowDegenerate(t *testing.T) {
	// Equal distances (duplicates, lattices): uniform whatever the target.
	p := make([]float64, 10)
	fitRow(p, make([]float64, 10), 3)
	for _, v := range p {
		if v != 0.1 {
			t.Fatalf("all-zero distances: %v, want uniform", p)
		}
	}
	// More perplexity than neighbours: as flat as possible.
	d2 := []float64{1, 2, 3}
	fitRow(p[:3], d2, 10)
	if h := entropy(p[:3]); math.Abs(h-math.Log(3)) > 1e-3 {
		t.Errorf("perplexity above k: entropy %g, want near ln 3", h)
	}
	// A single neighbour.
	fitRow(p[:1], []float64{7}, 5)
	if p[0] != 1 {
		t.Errorf("one neighbour: %v", p[0])
	}
	// One neighbour at distance 0 among far ones: finite, sums to 1.
	d2 = []float64{0, 1e300, 1e300, 2e300}
	fitRow(p[:4], d2, 2)
	sum := 0.0
	for _, v := range p[:4] {
		if math.IsNaN(v) || v < 0 {
			t.Fatalf("huge distances: %v", p[:4])
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("huge distances: sum %g", sum)
	}
}

func TestSymmetrize(t *testing.T) {
	x := blobs(2, 300, 6, 4, 5)
	g, err := knn.BuildGraph(context.Background(), x, 30, knn.GraphOptions{Method: knn.ExactMethod})
	if err != nil {
		t.Fatal(err)
	}
	cond, err := conditional(context.Background(), g, []float64{10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := symmetrize(g, cond)
	dense := make([]float64, 300*300)
	total := 0.0
	for i := 0; i < p.n; i++ {
		for e := p.rowPtr[i]; e < p.rowPtr[i+1]; e++ {
			j := int(p.col[e])
			if j == i {
				t.Fatalf("row %d holds itself", i)
			}
			if e > p.rowPtr[i] && p.col[e-1] >= p.col[e] {
				t.Fatalf("row %d not sorted", i)
			}
			dense[i*300+j] = float64(p.val[e])
			total += float64(p.val[e])
		}
	}
	if math.Abs(total-1) > 1e-5 {
		t.Errorf("P sums to %g", total)
	}
	// P_ij = (c_{j|i} + c_{i|j}) / 2n.
	for i := 0; i < 300; i++ {
		idx, _ := g.Row(i)
		for t2, j := range idx {
			want := cond[i*30+t2]
			for t3, back := range func() []int32 { r, _ := g.Row(int(j)); return r }() {
				if int(back) == i {
					want += cond[int(j)*30+t3]
				}
			}
			want /= 600
			if got := dense[i*300+int(j)]; math.Abs(got-want) > 1e-6*want+1e-9 {
				t.Fatalf("P[%d][%d] = %g, want %g", i, j, got, want)
			}
			if dense[i*300+int(j)] != dense[int(j)*300+i] {
				t.Fatalf("P not symmetric at (%d, %d)", i, j)
			}
		}
	}
	// Multiscale: the mean of the single-scale conditionals.
	c2, _ := conditional(context.Background(), g, []float64{5}, nil)
	cm, _ := conditional(context.Background(), g, []float64{10, 5}, nil)
	for i := range cm {
		if math.Abs(cm[i]-(cond[i]+c2[i])/2) > 1e-12 {
			t.Fatalf("multiscale entry %d: %g, want %g", i, cm[i], (cond[i]+c2[i])/2)
		}
	}
}

func TestCuthillMcKeeOrder(t *testing.T) {
	x := blobs(3, 400, 5, 4, 6)
	p := affinities(t, x, 10)
	perm := cuthillMcKee(p)
	seen := make([]bool, p.n)
	for _, old := range perm {
		if seen[old] {
			t.Fatalf("row %d appears twice", old)
		}
		seen[old] = true
	}
	if len(perm) != p.n {
		t.Fatalf("%d rows in the order, want %d", len(perm), p.n)
	}
	q := permuted(p, perm)
	// The relabelled matrix holds the same entries.
	val := func(m *csr, i, j int) float32 {
		for e := m.rowPtr[i]; e < m.rowPtr[i+1]; e++ {
			if int(m.col[e]) == j {
				return m.val[e]
			}
		}
		return 0
	}
	inv := make([]int, p.n)
	for nw, old := range perm {
		inv[old] = nw
	}
	bandwidth, before := 0, 0
	for i := 0; i < p.n; i++ {
		for e := p.rowPtr[i]; e < p.rowPtr[i+1]; e++ {
			j := int(p.col[e])
			if got := val(q, inv[i], inv[j]); got != p.val[e] {
				t.Fatalf("P[%d][%d] = %v, relabelled %v", i, j, p.val[e], got)
			}
			bandwidth = max(bandwidth, abs(inv[i]-inv[j]))
			before = max(before, abs(i-j))
		}
		if q.rowPtr[inv[i]+1]-q.rowPtr[inv[i]] != p.rowPtr[i+1]-p.rowPtr[i] {
			t.Fatalf("row %d changed length", i)
		}
	}
	// Four clusters of 100: neighbours end up within a cluster's span.
	if bandwidth > 150 || bandwidth >= before {
		t.Errorf("bandwidth %d after reordering, %d before", bandwidth, before)
	}
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}
