package metrics

import (
	"math"

	"github.com/latentlab/latent/mat32"
)

// directMaxDim is the largest column count whose distance rows are computed
// directly in float64 rather than by GEMM.
const directMaxDim = 8

// blockBytes is the target size of one block of distance rows.
const blockBytes = 64 << 20

// space produces blocks of squared-distance rows of a matrix against all of
// its rows, together with a bound on each value's rounding error, so that
// callers can decide comparisons exactly (see exact).
type space struct {
	x      *mat32.Dense // the data as given; exact distances come from it
	w      *mat32.Dense // what GEMM multiplies: x, or x centred
	norms  []float32    // squared row norms of w (GEMM route)
	maxN   float64      // largest of norms
	direct bool         // compute rows in float64 instead of by GEMM
	pre    bool         // x is a precomputed n×n distance matrix (direct too)
	coef   float64      // GEMM route: |row − exact| ≤ coef·(norms[i]+norms[l]) + tiny
	// scale is a power of two by which w is x scaled, so that squares
	// neither overflow nor underflow float32; rows and exact distances are
	// both in units of scale², which keeps every comparison exact.
	scale, scale2 float64
}

// tiny covers float32 underflow in the error bounds.
const tiny = 1e-37

// relErr bounds the relative error of a float64 distance rounded to float32
// (2^-24, doubled for safety).
const relErr = 0x1p-23

func newSpace(x *mat32.Dense) *space {
	s := &space{x: x, w: x, scale: 1, scale2: 1}
	var big float64
	for _, v := range x.Data {
		big = max(big, math.Abs(float64(v)))
	}
	if big > 0x1p40 || (big > 0 && big < 0x1p-40) {
		_, e := math.Frexp(big)
		s.scale = math.Ldexp(1, -e)
		s.scale2 = s.scale * s.scale
	}
	if x.Cols <= directMaxDim {
		s.direct = true
		return s
	}
	if s.scale != 1 {
		s.w = x.Clone()
		for j, v := range s.w.Data {
			s.w.Data[j] = float32(float64(v) * s.scale) // exact: a power of two
		}
	}
	norms := mat32.RowSqNorms(nil, s.w)
	// The error bound grows with the norms; centring shrinks them when the
	// data sit away from the origin (‖mean‖² above a quarter of the mean
	// ‖x‖²: Fashion-MNIST's pixels go from 162 to 68 on average).
	means := mat32.ColMeans(nil, s.w)
	var mean2, avg float64
	for _, v := range means {
		mean2 += float64(v) * float64(v)
	}
	for _, v := range norms {
		avg += float64(v)
	}
	avg /= float64(max(len(norms), 1))
	if mean2 > avg/4 {
		if s.w == x {
			s.w = x.Clone()
		}
		for j := range means {
			means[j] = -means[j]
		}
		mat32.AddRowVec(s.w, means)
		norms = mat32.RowSqNorms(nil, s.w)
	}
	s.norms = norms
	for _, v := range norms {
		s.maxN = max(s.maxN, float64(v))
	}
	// Dot products and norms of d terms: γ_d each (Higham 3.1); the
	// expansion's additions and the centring's subtraction add a few ulps
	// more. 2d+32 units of 2^-24 covers them with room to spare.
	s.coef = float64(2*x.Cols+32) * 0x1p-24
	return s
}

// newPrecomputed returns a space whose distances are the entries of the n×n
// matrix dist, taken as they are (exact, so every comparison is direct).
func newPrecomputed(dist *mat32.Dense) *space {
	return &space{x: dist, w: dist, direct: true, pre: true, scale: 1, scale2: 1}
}

// n returns the number of rows.
func (s *space) n() int { return s.x.Rows }

// rows writes the squared distances of rows [lo, hi) to every row into dst,
// which must have (hi−lo)·n values, row after row.
func (s *space) rows(dst []float32, lo, hi int) {
	n := s.n()
	if s.pre {
		copy(dst[:(hi-lo)*n], s.x.Data[lo*n:hi*n])
		return
	}
	if !s.direct {
		d := mat32.FromSlice(hi-lo, n, dst[:(hi-lo)*n])
		mat32.SqDists(d, s.w.Slice(lo, hi), s.w, s.norms[lo:hi], s.norms)
		return
	}
	mat32.Parallel(hi-lo, mat32.Grain(hi-lo, 1), func(a, b int) {
		for r := a; r < b; r++ {
			s.directRow(dst[r*n:(r+1)*n], lo+r)
		}
	})
}

// directRow writes the squared distances of row i to every row, computed in
// float64 and rounded to float32.
func (s *space) directRow(dst []float32, i int) {
	d := s.x.Cols
	data := s.x.Data
	q := data[i*d : (i+1)*d]
	sc := s.scale2
	switch d {
	case 1:
		q0 := float64(q[0])
		for l, v := range data {
			t := float64(v) - q0
			dst[l] = float32(float64(t*t) * sc)
		}
	case 2:
		q0, q1 := float64(q[0]), float64(q[1])
		for l := range dst {
			p := data[2*l : 2*l+2 : 2*l+2]
			t0 := float64(p[0]) - q0
			t1 := float64(p[1]) - q1
			dst[l] = float32((float64(t0*t0) + float64(t1*t1)) * sc)
		}
	default:
		for l := range dst {
			dst[l] = float32(sqDist64(q, data[l*d:(l+1)*d]) * sc)
		}
	}
}

// exact returns the squared distance between rows i and l in float64, from
// the original values, times scale² (a power of two, so the order of the
// values is that of the true distances). Every decision about order is made
// on these values.
func (s *space) exact(i, l int) float64 {
	if s.pre {
		return float64(s.x.Data[i*s.x.Cols+l])
	}
	d := s.x.Cols
	return sqDist64(s.x.Data[i*d:(i+1)*d], s.x.Data[l*d:(l+1)*d]) * s.scale2
}

// sqDist64 is Σ (a_k − b_k)² accumulated in float64 in a fixed order (four
// interleaved partial sums, then (s0+s1)+(s2+s3)). For one and two columns
// it performs the same operations as directRow, so both give the same
// value. The conversions keep the compiler from fusing multiply and add,
// so the value is the same on every platform.
func sqDist64(a, b []float32) float64 {
	b = b[:len(a)]
	if len(a) == 2 {
		t0 := float64(b[0]) - float64(a[0])
		t1 := float64(b[1]) - float64(a[1])
		return float64(t0*t0) + float64(t1*t1)
	}
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(a); k += 4 {
		t0 := float64(b[k]) - float64(a[k])
		t1 := float64(b[k+1]) - float64(a[k+1])
		t2 := float64(b[k+2]) - float64(a[k+2])
		t3 := float64(b[k+3]) - float64(a[k+3])
		s0 += float64(t0 * t0)
		s1 += float64(t1 * t1)
		s2 += float64(t2 * t2)
		s3 += float64(t3 * t3)
	}
	for ; k < len(a); k++ {
		t := float64(b[k]) - float64(a[k])
		s0 += float64(t * t)
	}
	return (s0 + s1) + (s2 + s3)
}

// err returns a bound on |v − exact(i, l)| for the row value v of the pair.
func (s *space) err(i, l int, v float32) float64 {
	if s.direct {
		return relErr*float64(v) + tiny
	}
	return s.coef*(float64(s.norms[i])+float64(s.norms[l])) + tiny
}

// exactHi returns an upper bound on the exact distance of any pair (i, ·)
// whose row value is at most v.
func (s *space) exactHi(i int, v float32) float64 {
	if s.direct {
		return float64(v)*(1+relErr) + tiny
	}
	return float64(v) + s.coef*(float64(s.norms[i])+s.maxN) + tiny
}

// rowHi returns a float32 threshold such that any pair (i, ·) whose row value
// exceeds it has an exact distance greater than e.
func (s *space) rowHi(i int, e float64) float32 {
	var t float64
	if s.direct {
		t = e*(1+4*relErr) + tiny
	} else {
		t = e + s.coef*(float64(s.norms[i])+s.maxN) + tiny
	}
	t *= 1 + 0x1p-40 // room for the rounding of t itself
	if t >= math.MaxFloat32 {
		return float32(math.Inf(1))
	}
	f := float32(t)
	if float64(f) < t {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// rowLo returns a float32 threshold such that any pair (i, ·) whose row value
// is below it has an exact distance less than e.
func (s *space) rowLo(i int, e float64) float32 {
	var t float64
	if s.direct {
		t = (e - tiny) / (1 + relErr)
	} else {
		t = e - s.coef*(float64(s.norms[i])+s.maxN) - tiny
	}
	t -= math.Abs(t) * 0x1p-40
	if t <= 0 {
		return 0 // no row value is below 0
	}
	if t >= math.MaxFloat32 {
		return math.MaxFloat32
	}
	f := float32(t)
	if float64(f) > t {
		f = math.Nextafter32(f, 0)
	}
	return f
}

// blockRows returns how many rows of distances to produce at once for n
// points: about blockBytes of float32 values, at least 16 rows, at most n.
func blockRows(n, want int) int {
	b := want
	if b <= 0 {
		b = blockBytes / (4 * max(n, 1))
		b = min(max(b, 16), 4096)
	}
	return max(min(b, n), 1)
}
