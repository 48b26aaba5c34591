package metrics

import "slices"

// kdLeaf is the most points a k-d tree leaf holds.
const kdLeaf = 12

// kdTree is a static k-d tree over a subset of the rows of a low-dimensional
// matrix, for exact k-nearest-neighbour queries in neighbour order (exact
// float64 distances from sqDist64, ties by row index).
type kdTree struct {
	data  []float32 // the matrix values, row-major
	d     int       // columns
	idx   []int     // the subset's row indices, permuted into tree order
	nodes []kdNode
}

// kdNode covers idx[lo:hi]. An inner node splits at split on dim: its left
// child's points have coordinate ≤ split, its right child's ≥ split.
type kdNode struct {
	lo, hi      int32
	left, right int32 // children; left < 0 for a leaf
	dim         int32
	split       float32
}

// newKDTree builds a tree over the rows listed in idx (which it keeps and
// reorders) of the d-column matrix data.
func newKDTree(data []float32, d int, idx []int) *kdTree {
	t := &kdTree{data: data, d: d, idx: idx}
	t.build(0, len(idx))
	return t
}

func (t *kdTree) coord(i, dim int) float32 { return t.data[i*t.d+dim] }

func (t *kdTree) build(lo, hi int) int32 {
	id := int32(len(t.nodes))
	t.nodes = append(t.nodes, kdNode{lo: int32(lo), hi: int32(hi), left: -1, right: -1})
	if hi-lo <= kdLeaf {
		return id
	}
	// Split the widest dimension at the median.
	best, spread := 0, float32(-1)
	for dim := 0; dim < t.d; dim++ {
		mn, mx := t.coord(t.idx[lo], dim), t.coord(t.idx[lo], dim)
		for _, i := range t.idx[lo+1 : hi] {
			v := t.coord(i, dim)
			mn, mx = min(mn, v), max(mx, v)
		}
		if mx-mn > spread {
			best, spread = dim, mx-mn
		}
	}
	if spread <= 0 {
		return id // all points equal: a leaf, however large
	}
	mid := lo + (hi-lo)/2
	t.selectMid(t.idx[lo:hi], mid-lo, best)
	split := t.coord(t.idx[mid], best)
	l := t.build(lo, mid)
	r := t.build(mid, hi)
	t.nodes[id].left, t.nodes[id].right = l, r
	t.nodes[id].dim, t.nodes[id].split = int32(best), split
	return id
}

// selectMid reorders s so that s[m] is the point that a sort by (coordinate
// dim, index) would put there, with smaller ones before it and larger ones
// after (Hoare's selection).
func (t *kdTree) selectMid(s []int, m, dim int) {
	less := func(a, b int) bool {
		ca, cb := t.coord(a, dim), t.coord(b, dim)
		return ca < cb || (ca == cb && a < b)
	}
	lo, hi := 0, len(s)-1
	for lo < hi {
		// Median of three as pivot, moved to hi.
		c := lo + (hi-lo)/2
		if less(s[c], s[lo]) {
			s[c], s[lo] = s[lo], s[c]
		}
		if less(s[hi], s[lo]) {
			s[hi], s[lo] = s[lo], s[hi]
		}
		if less(s[c], s[hi]) {
			s[c], s[hi] = s[hi], s[c]
		}
		p := s[hi]
		j := lo
		for i := lo; i < hi; i++ {
			if less(s[i], p) {
				s[i], s[j] = s[j], s[i]
				j++
			}
		}
		s[j], s[hi] = s[hi], s[j]
		switch {
		case m < j:
			hi = j - 1
		case m > j:
			lo = j + 1
		default:
			return
		}
	}
}

// knn writes the k nearest tree points to q into dst, in neighbour order,
// skipping the row skip (−1 for none). The tree must hold at least k points
// besides skip. h is a work buffer.
func (t *kdTree) knn(dst []cand, h []cand, q []float32, k, skip int) ([]cand, []cand) {
	h = h[:0]
	t.search(0, q, k, skip, &h)
	dst = append(dst[:0], h...)
	slices.SortFunc(dst, cmpCand)
	return dst, h
}

func (t *kdTree) search(id int32, q []float32, k, skip int, h *[]cand) {
	nd := &t.nodes[id]
	if nd.left < 0 {
		for _, i := range t.idx[nd.lo:nd.hi] {
			if i == skip {
				continue
			}
			c := cand{sqDist64(q, t.data[i*t.d:(i+1)*t.d]), i}
			if len(*h) < k {
				*h = append(*h, c)
				siftUpCand(*h, len(*h)-1)
			} else if c.less((*h)[0]) {
				(*h)[0] = c
				siftDownCand(*h, 0)
			}
		}
		return
	}
	// (q − split)² is at most the distance of any point across the split:
	// rounding is monotone, so this holds in float64 as well. Ties must be
	// visited, as a far point at equal distance may have a smaller index.
	diff := float64(q[nd.dim]) - float64(nd.split)
	near, far := nd.left, nd.right
	if diff > 0 {
		near, far = far, near
	}
	t.search(near, q, k, skip, h)
	if len(*h) < k || diff*diff <= (*h)[0].d {
		t.search(far, q, k, skip, h)
	}
}

// siftUpCand and siftDownCand keep a max-heap in neighbour order.
func siftUpCand(h []cand, j int) {
	for j > 0 {
		p := (j - 1) / 2
		if !h[p].less(h[j]) {
			return
		}
		h[p], h[j] = h[j], h[p]
		j = p
	}
}

func siftDownCand(h []cand, j int) {
	n := len(h)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		if r := l + 1; r < n && h[l].less(h[r]) {
			l = r
		}
		if !h[j].less(h[l]) {
			return
		}
		h[j], h[l] = h[l], h[j]
		j = l
	}
}
