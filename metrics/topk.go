package metrics

import (
	"cmp"
	"math"
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
	heap   []float32
	cands  []cand
	diff   []int
	lo, hi []float32
	tab    []int32
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

// maxRankBuckets is the most buckets rankExcess divides the span of its
// thresholds into; it uses about n/8, at least 64.
const maxRankBuckets = 4096

// rankExcess returns Σ_c max(0, rank(c) − k) over the candidates cs, where
// rank(c) is the 1-based position of c.idx among all rows but i in neighbour
// order, given row, the float32 squared distances of i to every row of s.
// Each cs entry must carry its exact distance in s. cs is sorted in place,
// and row[i] is overwritten.
//
// Every row value v is classified against each candidate c with float32
// thresholds lo_c ≤ hi_c: v < lo_c means the row certainly precedes c,
// v > hi_c that it certainly does not, and in between the pair is decided
// exactly. As the thresholds are sorted, the candidates a value certainly
// precedes form a suffix. A monotone map of values to buckets (nb between
// lo_0 and hi_last, one below, one above) and a table give that
// suffix at once for any value whose bucket holds no threshold: monotonicity
// alone orders such a value against every threshold. So most values cost a
// subtraction, a multiplication, a lookup and an increment, without a
// data-dependent branch.
func rankExcess(sc *scratch, row []float32, i int, s *space, cs []cand, k int) int64 {
	m := len(cs)
	if m == 0 {
		return 0
	}
	slices.SortFunc(cs, cmpCand)
	// Never its own neighbour: above every threshold, or decided in the
	// slow path below. (Not +Inf: with inv = 0 that would make a NaN.)
	row[i] = math.MaxFloat32
	sc.lo = slices.Grow(sc.lo[:0], m)[:m]
	sc.hi = slices.Grow(sc.hi[:0], m)[:m]
	lo, hi := sc.lo, sc.hi
	for t, c := range cs {
		lo[t] = s.rowLo(i, c.d)
		hi[t] = s.rowHi(i, c.d)
	}
	base := lo[0]
	nb := min(max(len(row)/8, 64), maxRankBuckets)
	inv := float32(nb) / (hi[m-1] - base)
	top := float32(nb + 2)
	bucket := func(v float32) int {
		// Monotone in v; 0 below base, top far above the last threshold.
		// Row values and inv are finite, so the product is never NaN.
		return int(min(max(float32(v-base)*inv+1, 0), top))
	}
	if !(inv > 0 && inv <= math.MaxFloat32) || bucket(hi[m-1]) >= int(top) {
		inv = 0 // every value in bucket 1, which holds thresholds: searched
	}
	// tab[b] is p, the number of candidates a value in bucket b does not
	// certainly precede, when b holds no threshold and no candidate is
	// undecided there; −1 otherwise.
	sc.tab = slices.Grow(sc.tab[:0], nb+3)[:nb+3]
	tab := sc.tab
	fillTable(tab, lo, hi, bucket)

	// Four sets of counters, one per lane of the unrolled loop, so that
	// runs of equal p do not wait on each other's increments.
	w := m + 1
	sc.diff = slices.Grow(sc.diff[:0], 5*w)[:5*w]
	clear(sc.diff)
	c0, c1, c2, c3 := sc.diff[:w], sc.diff[w:2*w], sc.diff[2*w:3*w], sc.diff[3*w:4*w]
	exact := sc.diff[4*w : 4*w+m]
	slow := func(l int, v float32) {
		if l == i {
			return
		}
		p := firstAbove32(lo, v)
		q := firstAtLeast32(hi, v)
		c0[p]++
		if q < p {
			// Undecided: narrow with this pair's own bound, then exactly.
			e := s.err(i, l, v)
			vlo, vhi := float64(v)-e, float64(v)+e
			var me cand
			have := false
			for t := q; t < p; t++ {
				switch d := cs[t].d; {
				case vhi < d:
					exact[t]++
				case vlo > d:
				default:
					if !have {
						me, have = cand{s.exact(i, l), l}, true
					}
					if me.less(cs[t]) {
						exact[t]++
					}
				}
			}
		}
	}
	n := len(row)
	l := 0
	for ; l+4 <= n; l += 4 {
		r := row[l : l+4 : l+4]
		p0, p1, p2, p3 := tab[bucket(r[0])], tab[bucket(r[1])], tab[bucket(r[2])], tab[bucket(r[3])]
		if p0|p1|p2|p3 >= 0 {
			c0[p0]++
			c1[p1]++
			c2[p2]++
			c3[p3]++
			continue
		}
		for j, p := range [4]int32{p0, p1, p2, p3} {
			if p >= 0 {
				c0[p]++
			} else {
				slow(l+j, r[j])
			}
		}
	}
	for ; l < n; l++ {
		if p := tab[bucket(row[l])]; p >= 0 {
			c0[p]++
		} else {
			slow(l, row[l])
		}
	}
	for p := range w {
		c0[p] += c1[p] + c2[p] + c3[p]
	}
	before := c0
	var sum, run int64
	for p := range m {
		run += int64(before[p])
		rank := run + int64(exact[p]) + 1
		sum += max(0, rank-int64(k))
	}
	return sum
}

// fillTable sets tab[b] for every bucket: −1 when a threshold falls in b or
// a candidate is undecided there (lo ≤ v ≤ hi for some threshold pair
// around b), else p, the number of lo thresholds in buckets before b.
func fillTable(tab []int32, lo, hi []float32, bucket func(float32) int) {
	var buf [2 * (maxRankBuckets + 4)]int32
	cl, ch := buf[:len(tab)+1], buf[len(tab)+1:2*len(tab)+2]
	for t := range lo {
		cl[bucket(lo[t])+1]++
		ch[bucket(hi[t])+1]++
	}
	var p, q int32
	for b := range tab {
		p += cl[b]
		q += ch[b]
		tab[b] = p
		if cl[b+1] != 0 || ch[b+1] != 0 || q < p {
			tab[b] = -1
		}
	}
}

// firstAbove32 returns the first index of the sorted t whose value exceeds
// v (len(t) if none).
func firstAbove32(t []float32, v float32) int {
	lo, hi := 0, len(t)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t[m] > v {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// firstAtLeast32 returns the first index of the sorted t whose value is at
// least v (len(t) if none).
func firstAtLeast32(t []float32, v float32) int {
	lo, hi := 0, len(t)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t[m] >= v {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
