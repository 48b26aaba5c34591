package hnsw

// item is a node and its distance to the current query.
type item struct {
	d  float32
	id uint32
}

// minHeap and maxHeap are hand-written binary heaps on item: the search
// loop calls them millions of times, and container/heap's interface calls
// cost more than the comparisons.
type minHeap []item

func (h *minHeap) push(x item) {
	s := append(*h, x)
	j := len(s) - 1
	for j > 0 {
		p := (j - 1) / 2
		if s[p].d <= x.d {
			break
		}
		s[j] = s[p]
		j = p
	}
	s[j] = x
	*h = s
}

func (h *minHeap) pop() item {
	s := *h
	top := s[0]
	n := len(s) - 1
	x := s[n]
	s = s[:n]
	j := 0
	for {
		l := 2*j + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && s[r].d < s[l].d {
			c = r
		}
		if x.d <= s[c].d {
			break
		}
		s[j] = s[c]
		j = c
	}
	if n > 0 {
		s[j] = x
	}
	*h = s
	return top
}

type maxHeap []item

// worse orders the max-heap by distance, then id, so that results are
// deterministic when distances tie.
func worse(a, b item) bool { return a.d > b.d || (a.d == b.d && a.id > b.id) }

func (h *maxHeap) push(x item) {
	s := append(*h, x)
	j := len(s) - 1
	for j > 0 {
		p := (j - 1) / 2
		if !worse(x, s[p]) {
			break
		}
		s[j] = s[p]
		j = p
	}
	s[j] = x
	*h = s
}

func (h *maxHeap) pop() item {
	s := *h
	top := s[0]
	n := len(s) - 1
	x := s[n]
	s = s[:n]
	j := 0
	for {
		l := 2*j + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && worse(s[r], s[l]) {
			c = r
		}
		if !worse(s[c], x) {
			break
		}
		s[j] = s[c]
		j = c
	}
	if n > 0 {
		s[j] = x
	}
	*h = s
	return top
}
