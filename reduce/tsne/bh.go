package tsne

import (
	"math"

	"github.com/latentlab/latent/mat32"
)

// The Barnes-Hut tree is rebuilt every iteration: points are sorted by the
// Morton (Z-order) key of their quantised coordinates with a stable radix
// sort, so that every cell of the 2^dims-ary tree is a contiguous run of
// the sorted points, and the cells are found by binary search on the keys.
// The build is O(n·depth) and fully determined by the coordinates; the
// traversal of each point writes only its own outputs.

// bhLeafSize is the most points a leaf holds (more only when they share a
// key at the deepest level, i.e. coincide to the quantisation).
const bhLeafSize = 8

// bhNode is a cell of the tree.
type bhNode struct {
	com    [3]float64 // centre of mass
	r2     float64    // (cell side / θ)²: summarise when d² > r2
	count  int32
	lo, hi int32 // the cell's points: sorted positions [lo, hi)
	child  int32 // first child (children are contiguous), −1 for a leaf
	nchild int32
}

// bhTree is a Barnes-Hut tree with its work buffers, reused between
// builds.
type bhTree struct {
	dims  int
	theta float64
	bits  int // quantisation bits per dimension

	keys, tmpKeys   []uint64
	order, tmpOrder []int32   // sorted position → point
	ys              []float64 // coordinates in sorted order
	nodes           []bhNode
	counts          []int
}

func newBHTree(dims int, theta float64) *bhTree {
	bits := 64 / dims
	if dims == 1 {
		bits = 52
	}
	return &bhTree{dims: dims, theta: theta, bits: bits, counts: make([]int, 1<<radixBits)}
}

const radixBits = 11

// build builds the tree over the n points of y (n×dims).
func (t *bhTree) build(y []float64, n int) {
	dims := t.dims
	t.keys = grow(t.keys, n)
	t.tmpKeys = grow(t.tmpKeys, n)
	t.order = grow(t.order, n)
	t.tmpOrder = grow(t.tmpOrder, n)
	t.ys = grow(t.ys, n*dims)

	lo, hi := bounds(y, n, dims)
	side := 0.0
	for a := 0; a < dims; a++ {
		side = max(side, hi[a]-lo[a])
	}
	if !(side > 0) {
		side = 1
	}
	side *= 1 + 1e-9
	var origin [3]float64
	for a := 0; a < dims; a++ {
		origin[a] = (lo[a]+hi[a])/2 - side/2
	}
	scale := math.Ldexp(1, t.bits) / side
	maxq := uint64(1)<<t.bits - 1
	mat32.Parallel(n, 4096, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			var key uint64
			for a := 0; a < dims; a++ {
				f := (y[i*dims+a] - origin[a]) * scale
				q := uint64(0)
				if f > 0 {
					q = min(uint64(f), maxq)
				}
				key |= spread(q, dims) << (dims - 1 - a)
			}
			t.keys[i] = key
			t.order[i] = int32(i)
		}
	})
	t.sort(n)
	for s := 0; s < n; s++ {
		copy(t.ys[s*dims:(s+1)*dims], y[int(t.order[s])*dims:])
	}
	t.nodes = append(t.nodes[:0], bhNode{lo: 0, hi: int32(n)})
	t.fill(0, 0, origin, side)
}

// grow returns s resized to n, reallocating only when too small.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// spread interleaves the bits of q with dims−1 zero bits between them
// (dims 2 or 3); for one dimension it returns q.
func spread(q uint64, dims int) uint64 {
	switch dims {
	case 2:
		q &= 0xffffffff
		q = (q | q<<16) & 0x0000ffff0000ffff
		q = (q | q<<8) & 0x00ff00ff00ff00ff
		q = (q | q<<4) & 0x0f0f0f0f0f0f0f0f
		q = (q | q<<2) & 0x3333333333333333
		q = (q | q<<1) & 0x5555555555555555
	case 3:
		q &= 0x1fffff
		q = (q | q<<32) & 0x1f00000000ffff
		q = (q | q<<16) & 0x1f0000ff0000ff
		q = (q | q<<8) & 0x100f00f00f00f00f
		q = (q | q<<4) & 0x10c30c30c30c30c3
		q = (q | q<<2) & 0x1249249249249249
	}
	return q
}

// sort orders t.keys and t.order by key, stably (ties keep index order),
// with a least-significant-digit radix sort.
func (t *bhTree) sort(n int) {
	keys, order := t.keys[:n], t.order[:n]
	tk, to := t.tmpKeys[:n], t.tmpOrder[:n]
	total := t.bits * t.dims
	for shift := 0; shift < total; shift += radixBits {
		cnt := t.counts
		clear(cnt)
		for _, k := range keys {
			cnt[(k>>shift)&(1<<radixBits-1)]++
		}
		if cnt[(keys[0]>>shift)&(1<<radixBits-1)] == n {
			continue // every key has this digit
		}
		sum := 0
		for d, c := range cnt {
			cnt[d] = sum
			sum += c
		}
		for i, k := range keys {
			d := (k >> shift) & (1<<radixBits - 1)
			tk[cnt[d]] = k
			to[cnt[d]] = order[i]
			cnt[d]++
		}
		keys, tk = tk, keys
		order, to = to, order
	}
	// Leave the result in t.keys/t.order.
	if &keys[0] != &t.keys[0] {
		copy(t.keys[:n], keys)
		copy(t.order[:n], order)
	}
}

// fill completes node idx, whose point range is set: a cell of the given
// origin and side at depth level. It appends the node's children
// contiguously, fills them, and sets the node's centre of mass.
func (t *bhTree) fill(idx int32, level int, origin [3]float64, side float64) {
	dims := t.dims
	lo, hi := int(t.nodes[idx].lo), int(t.nodes[idx].hi)
	r := side / t.theta
	t.nodes[idx].r2 = r * r
	t.nodes[idx].count = int32(hi - lo)
	t.nodes[idx].child = -1
	var com [3]float64
	if hi-lo <= bhLeafSize || level >= t.bits {
		for s := lo; s < hi; s++ {
			for a := 0; a < dims; a++ {
				com[a] += t.ys[s*dims+a]
			}
		}
		for a := 0; a < dims; a++ {
			com[a] /= float64(hi - lo)
		}
		t.nodes[idx].com = com
		return
	}
	shift := uint((t.bits - 1 - level) * dims)
	mask := uint64(1)<<dims - 1
	digit := func(s int) uint64 { return (t.keys[s] >> shift) & mask }
	// Keys in [lo, hi) share the bits above this level, so they are sorted
	// by this level's digit: each child is a run, found by binary search.
	var digits [8]uint64
	first := int32(len(t.nodes))
	ns := 0
	for s := lo; s < hi; {
		d := digit(s)
		a, b := s+1, hi
		for a < b {
			m := int(uint(a+b) >> 1)
			if digit(m) == d {
				a = m + 1
			} else {
				b = m
			}
		}
		t.nodes = append(t.nodes, bhNode{lo: int32(s), hi: int32(a)})
		digits[ns] = d
		ns++
		s = a
	}
	t.nodes[idx].child = first
	t.nodes[idx].nchild = int32(ns)
	half := side / 2
	for i := 0; i < ns; i++ {
		var o [3]float64
		for a := 0; a < dims; a++ {
			o[a] = origin[a]
			if digits[i]>>(dims-1-a)&1 == 1 {
				o[a] += half
			}
		}
		t.fill(first+int32(i), level+1, o, half)
		cn := &t.nodes[first+int32(i)]
		for a := 0; a < dims; a++ {
			com[a] += float64(cn.count) * cn.com[a]
		}
	}
	for a := 0; a < dims; a++ {
		com[a] /= float64(hi - lo)
	}
	t.nodes[idx].com = com
}

// bhRepeller computes the repulsive term with a Barnes-Hut tree.
type bhRepeller struct {
	n, dims int
	dof     float64
	tree    *bhTree
	z       []float64
}

func newBHRepeller(n, dims int, theta, dof float64) *bhRepeller {
	return &bhRepeller{n: n, dims: dims, dof: dof, tree: newBHTree(dims, theta), z: make([]float64, n)}
}

func (r *bhRepeller) repel(dst, y []float64) float64 {
	t := r.tree
	t.build(y, r.n)
	dims := r.dims
	mat32.Parallel(r.n, rowChunk, func(lo, hi int) {
		stack := make([]int32, 0, 256)
		for s := lo; s < hi; s++ {
			var f [3]float64
			var zi float64
			switch {
			case dims == 3 && r.dof == 1:
				zi = t.traverse3(s, t.ys[3*s:3*s+3], &f, stack)
			case dims == 2 && r.dof == 1:
				zi = t.traverse2(s, t.ys[2*s:2*s+2], &f, stack)
			default:
				zi = t.traverse(s, t.ys[s*dims:(s+1)*dims], r.dof, &f, stack)
			}
			i := int(t.order[s])
			copy(dst[i*dims:(i+1)*dims], f[:dims])
			r.z[i] = zi
		}
	})
	z := 0.0
	for _, v := range r.z {
		z += v
	}
	return z
}

// traverse accumulates into f the repulsive term of the point yi at sorted
// position s (−1 for a point outside the tree) and returns its share of Z.
func (t *bhTree) traverse(s int, yi []float64, dof float64, f *[3]float64, stack []int32) float64 {
	dims := t.dims
	zi := 0.0
	var d [3]float64
	stack = append(stack[:0], 0)
	for len(stack) > 0 {
		nd := &t.nodes[stack[len(stack)-1]]
		stack = stack[:len(stack)-1]
		if nd.count == 0 {
			continue
		}
		d2 := 0.0
		for a := 0; a < dims; a++ {
			d[a] = yi[a] - nd.com[a]
			d2 += d[a] * d[a]
		}
		inside := int32(s) >= nd.lo && int32(s) < nd.hi
		if !inside && d2 > nd.r2 {
			_, k, k1 := kernelPow(d2, dof)
			c := float64(nd.count)
			zi += c * k
			for a := 0; a < dims; a++ {
				f[a] += c * k1 * d[a]
			}
			continue
		}
		if nd.child < 0 {
			for q := int(nd.lo); q < int(nd.hi); q++ {
				if q == s {
					continue
				}
				yq := t.ys[q*dims : (q+1)*dims]
				d2 := 0.0
				for a := 0; a < dims; a++ {
					d[a] = yi[a] - yq[a]
					d2 += d[a] * d[a]
				}
				_, k, k1 := kernelPow(d2, dof)
				zi += k
				for a := 0; a < dims; a++ {
					f[a] += k1 * d[a]
				}
			}
			continue
		}
		for c := nd.child + nd.nchild - 1; c >= nd.child; c-- {
			stack = append(stack, c)
		}
	}
	return zi
}

// traverse3 is traverse for three dimensions and the Cauchy kernel.
func (t *bhTree) traverse3(s int, yi []float64, f *[3]float64, stack []int32) float64 {
	x, y, z := yi[0], yi[1], yi[2]
	var fx, fy, fz, zi float64
	nodes, ys := t.nodes, t.ys
	stack = append(stack[:0], 0)
	for len(stack) > 0 {
		nd := &nodes[stack[len(stack)-1]]
		stack = stack[:len(stack)-1]
		dx, dy, dz := x-nd.com[0], y-nd.com[1], z-nd.com[2]
		d2 := dx*dx + dy*dy + dz*dz
		if d2 > nd.r2 && (int32(s) < nd.lo || int32(s) >= nd.hi) {
			q := 1 / (1 + d2)
			c := float64(nd.count) * q
			zi += c
			c *= q
			fx += c * dx
			fy += c * dy
			fz += c * dz
			continue
		}
		if nd.child < 0 {
			for k := int(nd.lo); k < int(nd.hi); k++ {
				if k == s {
					continue
				}
				p := ys[3*k : 3*k+3]
				dx, dy, dz := x-p[0], y-p[1], z-p[2]
				q := 1 / (1 + dx*dx + dy*dy + dz*dz)
				zi += q
				q *= q
				fx += q * dx
				fy += q * dy
				fz += q * dz
			}
			continue
		}
		for c := nd.child + nd.nchild - 1; c >= nd.child; c-- {
			stack = append(stack, c)
		}
	}
	f[0], f[1], f[2] = fx, fy, fz
	return zi
}

// traverse2 is traverse for two dimensions and the Cauchy kernel.
func (t *bhTree) traverse2(s int, yi []float64, f *[3]float64, stack []int32) float64 {
	x, y := yi[0], yi[1]
	var fx, fy, zi float64
	nodes, ys := t.nodes, t.ys
	stack = append(stack[:0], 0)
	for len(stack) > 0 {
		nd := &nodes[stack[len(stack)-1]]
		stack = stack[:len(stack)-1]
		dx, dy := x-nd.com[0], y-nd.com[1]
		d2 := dx*dx + dy*dy
		if d2 > nd.r2 && (int32(s) < nd.lo || int32(s) >= nd.hi) {
			q := 1 / (1 + d2)
			c := float64(nd.count) * q
			zi += c
			c *= q
			fx += c * dx
			fy += c * dy
			continue
		}
		if nd.child < 0 {
			for k := int(nd.lo); k < int(nd.hi); k++ {
				if k == s {
					continue
				}
				p := ys[2*k : 2*k+2]
				dx, dy := x-p[0], y-p[1]
				q := 1 / (1 + dx*dx + dy*dy)
				zi += q
				q *= q
				fx += q * dx
				fy += q * dy
			}
			continue
		}
		for c := nd.child + nd.nchild - 1; c >= nd.child; c-- {
			stack = append(stack, c)
		}
	}
	f[0], f[1] = fx, fy
	return zi
}
