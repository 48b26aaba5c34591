package metrics

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// This file holds the float64 brute-force oracles the blocked code is
// checked against: full distance rows, full sorts, no shortcuts.

// refOrder returns the other rows in neighbour order for row i of m
// (float64 distances, ties by index), excluding rows with grp[l] == grp[i]
// (or l == i when grp is nil).
func refOrder(m *mat32.Dense, i int, grp []int32) []cand {
	var out []cand
	for l := 0; l < m.Rows; l++ {
		if grp != nil && grp[l] == grp[i] || grp == nil && l == i {
			continue
		}
		out = append(out, cand{sqDist64(m.Row(i), m.Row(l)), l})
	}
	slices.SortFunc(out, cmpCand)
	return out
}

// refNeighborhood computes T, C and kNN preservation by the definitions.
func refNeighborhood(x, y *mat32.Dense, k int) (t, c, p float64) {
	n := x.Rows
	var st, sc, kept float64
	for i := 0; i < n; i++ {
		ox, oy := refOrder(x, i, nil), refOrder(y, i, nil)
		rx, ry := map[int]int{}, map[int]int{}
		for r, e := range ox {
			rx[e.idx] = r + 1
		}
		for r, e := range oy {
			ry[e.idx] = r + 1
		}
		for _, e := range oy[:k] {
			st += math.Max(0, float64(rx[e.idx]-k))
			if rx[e.idx] <= k {
				kept++
			}
		}
		for _, e := range ox[:k] {
			sc += math.Max(0, float64(ry[e.idx]-k))
		}
	}
	fn, fk := float64(n), float64(k)
	norm := 2 / (fn * fk * (2*fn - 3*fk - 1))
	return 1 - st*norm, 1 - sc*norm, kept / (fn * fk)
}

// refKNNAccuracy classifies each labelled row by its k nearest rows of the
// other folds.
func refKNNAccuracy(x *mat32.Dense, labels, fold []int, k int) []float64 {
	x, labels, idx := labelled(x, labels)
	grp := make([]int32, len(idx))
	nf := 0
	for j, i := range idx {
		grp[j] = int32(fold[i])
		nf = max(nf, fold[i]+1)
	}
	correct := make([]float64, nf)
	total := make([]float64, nf)
	for i := 0; i < x.Rows; i++ {
		votes := map[int]int{}
		for _, e := range refOrder(x, i, grp)[:k] {
			votes[labels[e.idx]]++
		}
		best, bestN := -1, -1
		for l, c := range votes {
			if c > bestN || c == bestN && l < best {
				best, bestN = l, c
			}
		}
		f := grp[i]
		total[f]++
		if best == labels[i] {
			correct[f]++
		}
	}
	for f := range correct {
		correct[f] /= total[f]
	}
	return correct
}

// refSilhouette computes the silhouette samples by the definition, in
// float64, rows with NoLabel excluded (NaN).
func refSilhouette(x *mat32.Dense, labels []int) []float64 {
	n := x.Rows
	size := map[int]int{}
	for _, l := range labels {
		if l != dataset.NoLabel {
			size[l]++
		}
	}
	out := make([]float64, n)
	for i := 0; i < n; i++ {
		if labels[i] == dataset.NoLabel {
			out[i] = math.NaN()
			continue
		}
		sum := map[int]float64{}
		for l := 0; l < n; l++ {
			if l != i && labels[l] != dataset.NoLabel {
				sum[labels[l]] += math.Sqrt(sqDist64(x.Row(i), x.Row(l)))
			}
		}
		own := labels[i]
		if size[own] == 1 {
			continue
		}
		a := sum[own] / float64(size[own]-1)
		b := math.Inf(1)
		for c, s := range size {
			if c != own {
				b = math.Min(b, sum[c]/float64(s))
			}
		}
		if m := math.Max(a, b); m > 0 {
			out[i] = (b - a) / m
		}
	}
	return out
}

// randMatrix returns an r×c matrix of normal values; with levels > 0 they
// are rounded to that many steps per unit, which makes ties common.
func randMatrix(rng *rand.Rand, r, c int, levels int) *mat32.Dense {
	m := mat32.New(r, c)
	for i := range m.Data {
		v := rng.NormFloat64()
		if levels > 0 {
			v = math.Round(v*float64(levels)) / float64(levels)
		}
		m.Data[i] = float32(v)
	}
	return m
}

// project returns x·p for a random c×d projection plus noise: an embedding
// that keeps some structure.
func project(rng *rand.Rand, x *mat32.Dense, d int, noise float64) *mat32.Dense {
	p := randMatrix(rng, x.Cols, d, 0)
	y := mat32.Mul(nil, x, p)
	for i := range y.Data {
		y.Data[i] += float32(noise * rng.NormFloat64())
	}
	return y
}
