package model

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/space"
)

// sheet returns n rows of dim values in [0, 1] on a curved 2-D sheet:
// x_j = ½ + ½·sin(a_j·t₁ + b_j·t₂ + c_j) for (t₁, t₂) uniform on the unit
// square.
func sheet(n, dim int, seed uint64) *dataset.Dataset {
	rng := dataset.NewRand(seed, 5)
	a := make([][3]float64, dim)
	for j := range a {
		a[j] = [3]float64{rng.NormFloat64() * 3, rng.NormFloat64() * 3, rng.Float64() * 6}
	}
	x := mat32.New(n, dim)
	for i := 0; i < n; i++ {
		t1, t2 := rng.Float64(), rng.Float64()
		for j := range a {
			x.Data[i*dim+j] = float32(0.5 + 0.5*math.Sin(a[j][0]*t1+a[j][1]*t2+a[j][2]))
		}
	}
	return &dataset.Dataset{Name: "sheet", X: x}
}

// neighbourRatio returns, per code dimension, the mean squared distance
// between each row and its k input-space neighbours divided by the mean
// squared distance between all rows — the quantity the term lowers — and
// each dimension's standard deviation.
func neighbourRatio(t *testing.T, x, z *mat32.Dense, k int) (ratio, std []float64) {
	g, err := knn.ExactGraph(context.Background(), x, k, knn.ExactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := space.FitGaussian(z)
	if err != nil {
		t.Fatal(err)
	}
	std = f.Std()
	ratio = make([]float64, z.Cols)
	for j := range ratio {
		var nb float64
		for i := 0; i < z.Rows; i++ {
			idx, _ := g.Row(i)
			for _, n := range idx {
				d := float64(z.At(i, j) - z.At(int(n), j))
				nb += d * d
			}
		}
		nb /= float64(z.Rows * k)
		ratio[j] = nb / (2 * std[j] * std[j])
	}
	return ratio, std
}

// TestNeighborTerm trains the same autoencoder on a curved sheet without
// the neighbour term, with it, and with its raw unnormalised form at the
// same weight. The term must bring input-space neighbours closer relative
// to the spread of the codes (the mean per-dimension ratio falls), and
// keep the spread: every dimension's standard deviation stays within a
// factor of 2 of the unregularised model's, while the raw form shrinks
// the codes toward a point (its largest deviation is below a third of the
// unregularised model's smallest). At a weight 100 times larger, where
// the term dominates the reconstruction, the normalised codes still keep
// at least twice the spread of the raw ones in every dimension.
func TestNeighborTerm(t *testing.T) {
	d := sheet(300, 20, 5)
	train := func(w float64, raw bool) (ratio, std []float64) {
		c := smallConfig(AE, MLP, 3)
		c.Hidden = []int{64, 32}
		c.NeighborWeight, c.NeighborK = w, 10
		s := mustSetup(t, d, c, TrainOptions{Epochs: 40, Batch: 32, LR: 2e-3, Seed: 1})
		s.t.(*aeTrainer).rawNeighbor = raw
		m, err := s.run()
		if err != nil {
			t.Fatal(err)
		}
		z, _, err := m.Encode(d.X, nil)
		if err != nil {
			t.Fatal(err)
		}
		return neighbourRatio(t, d.X, z, 10)
	}
	mean := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	r0, s0 := train(0, false)
	r1, s1 := train(5, false)
	_, sr := train(5, true)
	t.Logf("no term: ratio %.4f std %.3f", r0, s0)
	t.Logf("w=5:     ratio %.4f std %.3f", r1, s1)
	t.Logf("w=5 raw: std %.3f", sr)
	if mean(r1) >= 0.8*mean(r0) {
		t.Errorf("neighbour ratio %.4f with the term, %.4f without: not lower", mean(r1), mean(r0))
	}
	if slices.Min(s1) < 0.5*slices.Min(s0) {
		t.Errorf("the term shrank the codes: std %.3f, %.3f without", s1, s0)
	}
	if slices.Max(sr) > slices.Min(s0)/3 {
		t.Errorf("the raw term did not shrink the codes (std %.3f, %.3f without): the test shows nothing", sr, s0)
	}
	_, sh := train(500, false)
	_, shr := train(500, true)
	t.Logf("w=500: std %.3f, raw %.3f", sh, shr)
	for j := range sh {
		if sh[j] < 2*shr[j] {
			t.Errorf("w=500, dimension %d: std %.3f, raw %.3f", j, sh[j], shr[j])
		}
	}
}
