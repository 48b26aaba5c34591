package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// NewRand returns the random source latent uses everywhere for a seed:
// PCG seeded from the seed and a per-purpose stream number, so that two
// uses of one seed do not share a sequence.
func NewRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^stream))
}

// Split holds the row indices of a train/validation/test split.
type Split struct {
	Train, Validation, Test []int
}

// SplitIndices divides the rows of d into train, validation and test sets
// of the given fractions (test gets the rest; fractions must be in [0,1]
// and valFrac+testFrac <= 1). When d has labels the split is stratified:
// each class is divided in the same proportions. The result depends only on
// the seed and the data's size and labels.
func SplitIndices(d *Dataset, valFrac, testFrac float64, seed uint64) (Split, error) {
	if valFrac < 0 || testFrac < 0 || valFrac+testFrac > 1 || math.IsNaN(valFrac+testFrac) {
		return Split{}, fmt.Errorf("dataset: split fractions validation %g, test %g: want each ≥ 0 and sum ≤ 1", valFrac, testFrac)
	}
	rng := NewRand(seed, 1)
	groups := [][]int{}
	if d.Labels != nil {
		byClass := make([][]int, len(d.Classes)+1)
		for i, l := range d.Labels {
			if l == NoLabel {
				l = len(d.Classes)
			}
			byClass[l] = append(byClass[l], i)
		}
		groups = byClass
	} else {
		all := make([]int, d.Len())
		for i := range all {
			all[i] = i
		}
		groups = append(groups, all)
	}
	var s Split
	for _, g := range groups {
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		nv := int(math.Round(valFrac * float64(len(g))))
		nt := int(math.Round(testFrac * float64(len(g))))
		if nv+nt > len(g) {
			nt = len(g) - nv
		}
		s.Validation = append(s.Validation, g[:nv]...)
		s.Test = append(s.Test, g[nv:nv+nt]...)
		s.Train = append(s.Train, g[nv+nt:]...)
	}
	// Shuffle across classes so that no set is ordered by class.
	for _, set := range [][]int{s.Train, s.Validation, s.Test} {
		rng.Shuffle(len(set), func(i, j int) { set[i], set[j] = set[j], set[i] })
	}
	return s, nil
}

// SampleIndices returns n distinct row indices of a dataset of size total,
// drawn uniformly without replacement by seed, in increasing order. It
// returns all rows if n >= total.
func SampleIndices(total, n int, seed uint64) []int {
	if n >= total {
		idx := make([]int, total)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	rng := NewRand(seed, 2)
	// Floyd's algorithm: n draws, no O(total) permutation.
	chosen := make(map[int]struct{}, n)
	for j := total - n; j < total; j++ {
		t := rng.IntN(j + 1)
		if _, ok := chosen[t]; ok {
			t = j
		}
		chosen[t] = struct{}{}
	}
	idx := make([]int, 0, n)
	for i := range chosen {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	return idx
}
