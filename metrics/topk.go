package metrics

import (
	"cmp"
	"slices"
)

// cand is a neighbour: a row index and its exact squared distance.
type cand struct {
	d   float64
	idx int
}

// less orders neighbours by distance, then by index: the neighbour order of
// the package documentation.
func (a cand) less(b cand) bool { return a.d < b.d || (a.d == b.d && a.idx < b.idx) }

func cmpCand(a, b cand) int {
	if c := cmp.Compare(a.d, b.d); c != 0 {
		return c
	}
	return cmp.Compare(a.idx, b.idx)
}

// scratch holds one worker's buffers for the row reductions.
type scratch struct {
	heap  []float32
	cands []cand
	diff  []int
}

// topK returns the k nearest neighbours of row i in neighbour order, given
// row, the float32 squared distances of i to every row of s. A row l is
// skipped when it is i itself (grp == nil) or when grp[l] == grp[i]. There
// must be at least k rows left. The result is stored in dst's backing array.
//
// A first pass finds τ, the k-th smallest float32 value; every row whose
// exact distance could be within the true k nearest has a float32 value of
// at most rowHi(exactHi(τ)), and only those are compared exactly.
func topK(dst []cand, sc *scratch, row []float32, i int, s *space, k int, grp []int32) []cand {
	h := sc.heap[:0]
	var gi int32
	if grp != nil {
		gi = grp[i]
	}
	// Max-heap of the k smallest values seen.
	for l, v := range row {
		if len(h) == k && v >= h[0] {
			continue
		}
		if grp != nil {
			if grp[l] == gi {
				continue
			}
		} else if l == i {
			continue
		}
		if len(h) < k {
			h = append(h, v)
			siftUp32(h, len(h)-1)
			continue
		}
		h[0] = v
		siftDown32(h, 0)
	}
	sc.heap = h
	if len(h) < k {
		panic("metrics: topK: fewer candidates than k")
	}
	lim := s.rowHi(i, s.exactHi(i, h[0]))
	c := sc.cands[:0]
	for l, v := range row {
		if v > lim {
			continue
		}
		if grp != nil {
			if grp[l] == gi {
				continue
			}
		} else if l == i {
			continue
		}
		c = append(c, cand{s.exact(i, l), l})
	}
	sc.cands = c
	if len(c) > 4*k {
		// Many near-equal values: keep the k smallest without a full sort.
		selectK(c, k)
		c = c[:k]
	}
	slices.SortFunc(c, cmpCand)
	return append(dst[:0], c[:k]...)
}

// selectK reorders c so that its first k elements are the k smallest in
// neighbour order (in no particular order).
func selectK(c []cand, k int) {
	lo, hi := 0, len(c)
	for hi-lo > 1 {
		// Median of three as pivot, then a three-way partition.
		m := lo + (hi-lo)/2
		a, b, d := c[lo], c[m], c[hi-1]
		p := b
		if a.less(b) != a.less(d) {
			p = a
		} else if b.less(a) != b.less(d) {
			p = b
		} else {
			p = d
		}
		lt, gt := lo, hi
		for j := lo; j < gt; {
			switch {
			case c[j].less(p):
				c[lt], c[j] = c[j], c[lt]
				lt++
				j++
			case p.less(c[j]):
				gt--
				c[gt], c[j] = c[j], c[gt]
			default:
				j++
			}
		}
		switch {
		case k <= lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return
		}
	}
}

func siftUp32(h []float32, j int) {
	for j > 0 {
		p := (j - 1) / 2
		if h[p] >= h[j] {
			return
		}
		h[p], h[j] = h[j], h[p]
		j = p
	}
}

func siftDown32(h []float32, j int) {
	n := len(h)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		if r := l + 1; r < n && h[r] > h[l] {
			l = r
		}
		if h[j] >= h[l] {
			return
		}
		h[j], h[l] = h[l], h[j]
		j = l
	}
}

// rankExcess returns Σ_c max(0, rank(c) − k) over the candidates cs, where
// rank(c) is the 1-based position of c.idx among all rows but i in neighbour
// order, given row, the float32 squared distances of i to every row of s.
// Each cs entry must carry its exact distance in s. cs is sorted in place.
func rankExcess(sc *scratch, row []float32, i int, s *space, cs []cand, k int) int64 {
	m := len(cs)
	if m == 0 {
		return 0
	}
	slices.SortFunc(cs, cmpCand)
	// before[p] counts the rows that certainly precede candidates p..m−1 (a
	// suffix, accumulated at its start); exact[p] counts those found by an
	// exact comparison.
	before := sc.diff[:0]
	for range 2 * m {
		before = append(before, 0)
	}
	sc.diff = before
	exact := before[m:]
	before = before[:m]
	lim := s.rowHi(i, cs[m-1].d)
	for l, v := range row {
		if v > lim || l == i {
			continue
		}
		e := s.err(i, l, v)
		lo, hi := float64(v)-e, float64(v)+e
		// Candidates with d > hi are certainly preceded by l, those with
		// d < lo certainly not; those in between are decided exactly.
		p := firstAbove(cs, hi)
		if p < m {
			before[p]++
		}
		if q := firstAtLeast(cs, lo); q < p {
			me := cand{s.exact(i, l), l}
			for t := q; t < p; t++ {
				if me.less(cs[t]) {
					exact[t]++
				}
			}
		}
	}
	var sum, run int64
	for p := range m {
		run += int64(before[p])
		rank := run + int64(exact[p]) + 1
		sum += max(0, rank-int64(k))
	}
	return sum
}

// firstAbove returns the first index of the sorted cs whose distance is
// greater than x (len(cs) if none).
func firstAbove(cs []cand, x float64) int {
	lo, hi := 0, len(cs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cs[m].d > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// firstAtLeast returns the first index of the sorted cs whose distance is at
// least x (len(cs) if none).
func firstAtLeast(cs []cand, x float64) int {
	lo, hi := 0, len(cs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cs[m].d >= x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
