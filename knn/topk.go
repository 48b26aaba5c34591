package knn

import "math"

// topK keeps the k smallest (distance, index) pairs pushed into it, as a
// max-heap on (distance, index): the root is the worst kept pair. Pairs
// compare by distance, then by index, so the kept set does not depend on
// the order of the pushes.
type topK struct {
	d []float32
	i []int32
}

func newTopK(k int) *topK {
	t := &topK{d: make([]float32, 0, k), i: make([]int32, 0, k)}
	return t
}

func (t *topK) reset() { t.d, t.i = t.d[:0], t.i[:0] }

// worst returns the distance a new pair must beat (or tie with a lower
// index) to enter: +Inf while the heap is not full.
func (t *topK) worst() float32 {
	if len(t.d) < cap(t.d) {
		return float32(math.Inf(1))
	}
	return t.d[0]
}

// push offers a pair; it does not check for duplicates.
func (t *topK) push(d float32, i int32) {
	n := len(t.d)
	if n < cap(t.d) {
		t.d, t.i = append(t.d, d), append(t.i, i)
		t.up(n)
		return
	}
	if !lessPair(d, i, t.d[0], t.i[0]) {
		return
	}
	t.d[0], t.i[0] = d, i
	t.down(0)
}

func lessPair(d1 float32, i1 int32, d2 float32, i2 int32) bool {
	return d1 < d2 || (d1 == d2 && i1 < i2)
}

func (t *topK) up(j int) {
	for j > 0 {
		p := (j - 1) / 2
		if !lessPair(t.d[p], t.i[p], t.d[j], t.i[j]) {
			return
		}
		t.d[p], t.d[j] = t.d[j], t.d[p]
		t.i[p], t.i[j] = t.i[j], t.i[p]
		j = p
	}
}

func (t *topK) down(j int) {
	n := len(t.d)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && lessPair(t.d[l], t.i[l], t.d[r], t.i[r]) {
			c = r
		}
		if !lessPair(t.d[j], t.i[j], t.d[c], t.i[c]) {
			return
		}
		t.d[j], t.d[c] = t.d[c], t.d[j]
		t.i[j], t.i[c] = t.i[c], t.i[j]
		j = c
	}
}

// sortInto writes the kept pairs in ascending order into idx and dist
// (padding with -1/+Inf) and empties the heap.
func (t *topK) sortInto(idx []int32, dist []float32) {
	n := len(t.d)
	for j := n - 1; j >= 0; j-- {
		if j < len(idx) {
			idx[j], dist[j] = t.i[0], t.d[0]
		}
		last := len(t.d) - 1
		t.d[0], t.i[0] = t.d[last], t.i[last]
		t.d, t.i = t.d[:last], t.i[:last]
		t.down(0)
	}
	inf := float32(math.Inf(1))
	for j := n; j < len(idx); j++ {
		idx[j], dist[j] = -1, inf
	}
}
