package umap

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
)

// randomData returns n seeded rows of d values in a few loose clusters.
func randomData(n, d int, seed uint64) *mat32.Dense {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := mat32.New(n, d)
	for i := 0; i < n; i++ {
		c := float64(i % 4)
		for j := 0; j < d; j++ {
			x.Set(i, j, float32(c*float64(j%3)+rng.NormFloat64()))
		}
	}
	return x
}

// TestSmoothKNNDirect checks ρ and σ against their definitions: ρ is the
// distance to the nearest neighbour at positive distance, and the
// memberships, computed directly in float64, add up to log2(k)·bandwidth.
func TestSmoothKNNDirect(t *testing.T) {
	x := randomData(300, 5, 1)
	for _, k := range []int{5, 15, 40} {
		for _, bw := range []float64{1, 0.7} {
			g, err := knn.BuildGraph(context.Background(), x, k-1, knn.GraphOptions{})
			if err != nil {
				t.Fatal(err)
			}
			o := DefaultOptions()
			o.Neighbors, o.Bandwidth = k, bw
			w, rho, sigma := fuzzyMemberships(g, &o)
			target := math.Log2(float64(k)) * bw
			for i := 0; i < g.Len(); i++ {
				_, dist := g.Row(i)
				if rho[i] != dist[0] {
					t.Fatalf("k=%d row %d: ρ %v, nearest distance %v", k, i, rho[i], dist[0])
				}
				var sum float64
				for _, d := range dist {
					sum += math.Exp(-math.Max(0, float64(d)-float64(rho[i])) / float64(sigma[i]))
				}
				if math.Abs(sum-target) > 1e-3 {
					t.Fatalf("k=%d bw=%g row %d: memberships add up to %.6f, want %.6f", k, bw, i, sum, target)
				}
				// The stored memberships are the same values.
				idx, val := w.row(i)
				var ws float64
				for _, v := range val {
					ws += float64(v)
				}
				if len(idx) != k-1 || math.Abs(ws-sum) > 1e-4 {
					t.Fatalf("k=%d row %d: %d stored memberships adding up to %.6f, want %d adding up to %.6f", k, i, len(idx), ws, k-1, sum)
				}
			}
		}
	}
}

// TestSmoothKNNEdgeCases covers local connectivity and the σ floor.
func TestSmoothKNNEdgeCases(t *testing.T) {
	d := []float32{0, 1, 2, 3, 4}
	// Local connectivity 1.5 interpolates between the first two positive
	// distances; 0 means ρ = 0.
	if rho, _ := smoothKNN(d, 5, 1.5, 1, 1); rho != 1.5 {
		t.Errorf("local connectivity 1.5: ρ %v, want 1.5", rho)
	}
	if rho, _ := smoothKNN(d, 5, 0, 1, 1); rho != 0 {
		t.Errorf("local connectivity 0: ρ %v, want 0", rho)
	}
	// More local connectivity than positive distances: ρ is the largest.
	if rho, _ := smoothKNN([]float32{0, 0, 2}, 3, 3, 1, 1); rho != 2 {
		t.Errorf("local connectivity beyond the neighbours: ρ %v, want 2", rho)
	}
	// All duplicates: ρ = 0 and σ is floored at 1e-3 of the mean of all
	// distances.
	rho, sigma := smoothKNN([]float32{0, 0, 0, 0}, 4, 1, 1, 2.5)
	if rho != 0 || math.Abs(float64(sigma)-2.5e-3) > 1e-9 {
		t.Errorf("duplicates: ρ %v σ %v, want 0 and 0.0025", rho, sigma)
	}
	if membership(0, 0, sigma) != 1 || membership(1, 2, 0.5) != 1 || membership(3, 1, 0) != 1 {
		t.Error("membership within ρ or with σ = 0 is not 1")
	}
}

// dense returns g as a dense matrix.
func dense(g *csr) [][]float64 {
	m := make([][]float64, g.rows)
	for i := range m {
		m[i] = make([]float64, g.cols)
		idx, val := g.row(i)
		for p, j := range idx {
			m[i][j] = float64(val[p])
		}
	}
	return m
}

// TestFuzzyUnion checks the set operations against a dense computation.
func TestFuzzyUnion(t *testing.T) {
	x := randomData(120, 4, 2)
	g, _ := knn.BuildGraph(context.Background(), x, 9, knn.GraphOptions{})
	o := DefaultOptions()
	o.Neighbors = 10
	w, _, _ := fuzzyMemberships(g, &o)
	a := dense(w)
	for _, mix := range []float32{1, 0, 0.3} {
		u := fuzzyUnion(w, mix)
		got := dense(u)
		n := 0
		for i := range a {
			prev := int32(-1)
			idx, _ := u.row(i)
			for _, j := range idx {
				if j <= prev {
					t.Fatalf("mix %g row %d: columns not ascending", mix, i)
				}
				prev = j
			}
			for j := range a {
				p := float32(a[i][j]) * float32(a[j][i])
				want := float64(mix*(float32(a[i][j])+float32(a[j][i])-p) + (1-mix)*p)
				if math.Abs(got[i][j]-want) > 1e-6 || got[i][j] != got[j][i] {
					t.Fatalf("mix %g (%d,%d): %v, want %v (transpose %v)", mix, i, j, got[i][j], want, got[j][i])
				}
				if want != 0 {
					n++
				}
			}
		}
		if n != u.nnz() {
			t.Errorf("mix %g: %d stored entries, want %d non-zero", mix, u.nnz(), n)
		}
	}
}

// TestIntersectLabels checks the supervised reweighting against a dense
// computation of umap-learn's rules.
func TestIntersectLabels(t *testing.T) {
	x := randomData(80, 3, 3)
	g, _ := knn.BuildGraph(context.Background(), x, 7, knn.GraphOptions{})
	o := DefaultOptions()
	o.Neighbors = 8
	w, _, _ := fuzzyMemberships(g, &o)
	u := fuzzyUnion(w, 1)
	labels := make([]int, 80)
	for i := range labels {
		labels[i] = i % 3
		if i%11 == 0 {
			labels[i] = -1
		}
	}
	weight := 0.5
	got := dense(intersectLabels(u, labels, weight))
	a := dense(u)
	n := len(a)
	s := make([][]float64, n)
	for i := range a {
		s[i] = make([]float64, n)
		var top float64
		for j := range a {
			v := float64(float32(a[i][j]))
			switch {
			case labels[i] < 0 || labels[j] < 0:
				v *= float64(float32(math.Exp(-1)))
			case labels[i] != labels[j]:
				v *= float64(float32(math.Exp(-5)))
			}
			s[i][j] = v
			top = math.Max(top, v)
		}
		for j := range s[i] {
			s[i][j] /= top
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			want := s[i][j] + s[j][i] - s[i][j]*s[j][i]
			if math.Abs(got[i][j]-want) > 1e-5 {
				t.Fatalf("(%d,%d): %v, want %v", i, j, got[i][j], want)
			}
		}
	}
	if farDist(0.5) != 5 || farDist(1) != 1e12 {
		t.Errorf("far distance %v, %v; want 5 and 1e12", farDist(0.5), farDist(1))
	}
}

// TestPrune checks that edges lighter than max/epochs go and the rest stay.
func TestPrune(t *testing.T) {
	g := &csr{rows: 2, cols: 2, ptr: []int{0, 2, 3}, idx: []int32{0, 1, 1}, val: []float32{1, 0.004, 0.005}}
	p := prune(g, 200)
	if p.nnz() != 2 || p.val[0] != 1 || p.val[1] != 0.005 {
		t.Errorf("pruned to %v %v %v", p.ptr, p.idx, p.val)
	}
}
