package knn

import (
	"math/rand/v2"

	"github.com/latentlab/latent/mat32"
)

// rpTree is one random-projection tree over the rows of x, kept only as
// its leaves: perm lists the rows leaf after leaf and leaf j is
// perm[bounds[j]:bounds[j+1]].
type rpTree struct {
	perm   []int32
	bounds []int32
}

// buildRPTree splits the rows of x recursively by the hyperplane halfway
// between two random rows of the node, until nodes hold at most leafSize
// rows. Rows exactly on the plane go to a random side; a split that leaves
// one side empty (all rows identical along the normal) halves the node
// instead. All randomness comes from rng, so the tree is a function of the
// data and the seed.
func buildRPTree(x *mat32.Dense, leafSize int, rng *rand.Rand, t *rpTree) {
	n := x.Rows
	if cap(t.perm) < n {
		t.perm = make([]int32, n)
	}
	t.perm = t.perm[:n]
	for i := range t.perm {
		t.perm[i] = int32(i)
	}
	t.bounds = append(t.bounds[:0], 0)
	normal := make([]float32, x.Cols)
	side := make([]bool, n)
	tmp := make([]int32, n)
	type span struct{ lo, hi int }
	// A depth-first walk with the left child on top of the stack visits
	// the leaves from left to right, which is the order of perm.
	stack := []span{{0, n}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		size := s.hi - s.lo
		if size <= leafSize {
			t.bounds = append(t.bounds, int32(s.hi))
			continue
		}
		idx := t.perm[s.lo:s.hi]
		a := rng.IntN(size)
		b := rng.IntN(size - 1)
		if b >= a {
			b++
		}
		xa, xb := x.Row(int(idx[a])), x.Row(int(idx[b]))
		var offset float32
		for j := range normal {
			normal[j] = xa[j] - xb[j]
			offset -= normal[j] * (xa[j] + xb[j]) / 2
		}
		left := 0
		for p, r := range idx {
			m := mat32.Dot(normal, x.Row(int(r))) + offset
			var l bool
			switch {
			case m > 0:
				l = true
			case m < 0:
				l = false
			default:
				l = rng.Uint32()&1 == 0
			}
			side[p] = l
			if l {
				left++
			}
		}
		if left == 0 || left == size {
			left = size / 2
		} else {
			li, ri := 0, left
			for p, r := range idx {
				if side[p] {
					tmp[li] = r
					li++
				} else {
					tmp[ri] = r
					ri++
				}
			}
			copy(idx, tmp[:size])
		}
		mid := s.lo + left
		stack = append(stack, span{mid, s.hi}, span{s.lo, mid})
	}
}
