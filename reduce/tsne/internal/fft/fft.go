// Package fft is the fast Fourier transform behind t-SNE's interpolation
// gradient: complex128 transforms of lengths 2^a·3^b·5^c, applied along the
// first axis of a row-major block to many columns at once, and the pruned
// two-dimensional linear convolution (Conv2) built from them.
//
// # Why it is hand-written
//
// gonum's dsp/fourier (a port of FFTPACK) transforms one vector at a time
// and reaches about 0.3–0.6 GFLOP/s (5·N·log₂N per transform) at the lengths
// t-SNE needs (200–2000) on the project machine; the gradient needs two
// two-dimensional convolutions of such sizes per iteration, a thousand
// iterations per fit. This package instead runs each butterfly across a row
// of columns with a twiddle that is constant for the row (a streaming inner
// loop, in AVX2/FMA assembly for radix 2, 3, 4 and 5 on amd64, two complex
// values per instruction; in Go elsewhere and under the purego tag), never
// permutes (the forward transform leaves its output in digit-reversed order
// and the inverse takes it in that order, which is all a convolution
// needs), and prunes the zero padding of a linear convolution.
// BenchmarkConv2 compares it with the same convolution done with gonum:
// at 180×180, 0.75 ms against 11 ms of CPU time.
//
// # Conventions
//
// Forward computes X[k] = Σ x[j]·exp(−2πi·jk/N) and Inverse the unnormalised
// Σ X[k]·exp(+2πi·jk/N), so Inverse(Forward(x)) = N·x. Forward's output
// position q holds the frequency Plan.Order()[q]; Inverse expects its input
// in that same order. All work is split into fixed chunks of columns that
// write disjoint memory, so results are bit-identical at any GOMAXPROCS.
//
// Caller bugs (unsupported lengths, short buffers) panic with a message that
// starts with "fft:".
package fft

import (
	"fmt"
	"math"
)

// Smooth reports whether n ≥ 1 has no prime factor other than 2, 3 and 5.
func Smooth(n int) bool {
	if n < 1 {
		return false
	}
	for _, p := range []int{2, 3, 5} {
		for n%p == 0 {
			n /= p
		}
	}
	return n == 1
}

// NextSmooth returns the smallest length ≥ n (and ≥ 1) that Smooth accepts.
func NextSmooth(n int) int {
	n = max(n, 1)
	for !Smooth(n) {
		n++
	}
	return n
}

// stage is one pass of a decimation-in-frequency transform: sub-transforms
// of length L = radix·m, twiddles tw[(p−1)·m + j] = exp(−2πi·p·j/L) and
// their conjugates in itw.
type stage struct {
	radix, m int
	tw, itw  []complex128
	// ptw and pitw hold the same twiddles packed for the assembly kernels:
	// for each j, (re, im) of w_1..w_{radix−1}.
	ptw, pitw []float64
}

// GoodSize returns the transform length used for a convolution that
// needs at least n: the smallest multiple of 4 ≥ n with no prime factor
// other than 2, 3 and 5. A multiple of 4 starts with a radix-4 stage,
// which the pruned transforms (and their vector kernels) exploit.
func GoodSize(n int) int {
	n = max(n, 4)
	n = (n + 3) &^ 3
	for !Smooth(n) {
		n += 4
	}
	return n
}

// Plan holds the factorisation and twiddles of one transform length. A Plan
// is read-only after NewPlan and safe for concurrent use.
type Plan struct {
	n      int
	stages []stage
}

// NewPlan returns the plan for length n, which must be Smooth.
func NewPlan(n int) *Plan {
	if !Smooth(n) {
		panic(fmt.Sprintf("fft: NewPlan: length %d is not of the form 2^a·3^b·5^c", n))
	}
	var radices []int
	r := n
	for r%4 == 0 {
		radices = append(radices, 4)
		r /= 4
	}
	for _, p := range []int{2, 3, 5} {
		for r%p == 0 {
			radices = append(radices, p)
			r /= p
		}
	}
	pl := &Plan{n: n}
	L := n
	for _, rad := range radices {
		m := L / rad
		st := stage{radix: rad, m: m}
		if m > 1 {
			st.tw = make([]complex128, (rad-1)*m)
			st.itw = make([]complex128, (rad-1)*m)
			st.ptw = make([]float64, 2*(rad-1)*m)
			st.pitw = make([]float64, 2*(rad-1)*m)
			for p := 1; p < rad; p++ {
				for j := 0; j < m; j++ {
					// Reduce p·j mod L before scaling, for accuracy.
					s, c := math.Sincos(2 * math.Pi * float64((p*j)%L) / float64(L))
					st.tw[(p-1)*m+j] = complex(c, -s)
					st.itw[(p-1)*m+j] = complex(c, s)
					k := 2 * (j*(rad-1) + p - 1)
					st.ptw[k], st.ptw[k+1] = c, -s
					st.pitw[k], st.pitw[k+1] = c, s
				}
			}
		}
		pl.stages = append(pl.stages, st)
		L = m
	}
	return pl
}

// Len returns the transform length.
func (p *Plan) Len() int { return p.n }

// Order returns, for each output position q of Forward, the frequency it
// holds (the digit reversal of q in the plan's mixed radix).
func (p *Plan) Order() []int {
	ord := make([]int, p.n)
	// Position q = Σ over stages of digit_s·m_s (m_s the stage's stride);
	// the frequency's digits come in the reverse order.
	for q := range ord {
		rem, freq, scale := q, 0, 1
		for _, st := range p.stages {
			d := rem / st.m
			rem %= st.m
			freq += d * scale
			scale *= st.radix
		}
		ord[q] = freq
	}
	return ord
}

func (p *Plan) check(op string, data []complex128, stride, c0, c1 int) {
	if c0 < 0 || c1 < c0 || c1 > stride || (p.n > 0 && len(data) < (p.n-1)*stride+c1) {
		panic(fmt.Sprintf("fft: %s: columns [%d,%d) with stride %d over %d rows do not fit %d values", op, c0, c1, stride, p.n, len(data)))
	}
}

// Forward transforms, in place, each column c ∈ [c0, c1) of data along its
// first axis: data holds Len() rows of stride values and element (r, c) is
// data[r·stride+c]. The output is in the order Order gives.
func (p *Plan) Forward(data []complex128, stride, c0, c1 int) {
	p.ForwardPruned(data, stride, c0, c1, p.n)
}

// ForwardPruned is Forward for columns whose rows nz and beyond are zero
// (the zero padding of a linear convolution); with nz ≤ Len()/2 and a
// first stage of radix 4 (Len() a multiple of 4, as GoodSize gives) it
// skips the known zeros.
func (p *Plan) ForwardPruned(data []complex128, stride, c0, c1, nz int) {
	p.check("Forward", data, stride, c0, c1)
	if c1 == c0 {
		return
	}
	for si, st := range p.stages {
		if si == 0 && 2*nz <= p.n && st.radix == 4 {
			fwd4z(data, stride, c0, c1, st)
			continue
		}
		switch st.radix {
		case 4:
			fwd4(data, stride, c0, c1, p.n, st)
		case 2:
			fwd2(data, stride, c0, c1, p.n, st)
		case 3:
			fwd3(data, stride, c0, c1, p.n, st)
		case 5:
			fwd5(data, stride, c0, c1, p.n, st)
		}
	}
}

// Inverse is the unnormalised inverse of Forward on the same columns: it
// takes input in Order's order and leaves N times the original columns.
func (p *Plan) Inverse(data []complex128, stride, c0, c1 int) {
	p.InversePruned(data, stride, c0, c1, p.n)
}

// InversePruned is Inverse when only the leading nout rows of the result
// are wanted; with nout ≤ Len()/2 and a last stage of radix 4 (Len() a
// multiple of 4) the other rows are left with meaningless values.
func (p *Plan) InversePruned(data []complex128, stride, c0, c1, nout int) {
	p.check("Inverse", data, stride, c0, c1)
	if c1 == c0 {
		return
	}
	for s := len(p.stages) - 1; s >= 0; s-- {
		st := p.stages[s]
		if s == 0 && 2*nout <= p.n && st.radix == 4 {
			inv4h(data, stride, c0, c1, st)
			continue
		}
		switch st.radix {
		case 4:
			inv4(data, stride, c0, c1, p.n, st)
		case 2:
			inv2(data, stride, c0, c1, p.n, st)
		case 3:
			inv3(data, stride, c0, c1, p.n, st)
		case 5:
			inv5(data, stride, c0, c1, p.n, st)
		}
	}
}

// one6 is the twiddle triple (1, 1, 1) for the j = 0 rows.
var one6 = [6]float64{1, 0, 1, 0, 1, 0}

// mulNegI returns z·(−i).
func mulNegI(z complex128) complex128 { return complex(imag(z), -real(z)) }

// mulI returns z·i.
func mulI(z complex128) complex128 { return complex(-imag(z), real(z)) }

func fwd2(a []complex128, stride, c0, c1, n int, st stage) {
	m, w := st.m, c1-c0
	L := 2 * m
	for s := 0; s < n; s += L {
		for j := 0; j < m; j++ {
			o0 := (s+j)*stride + c0
			o1 := o0 + m*stride
			x0 := a[o0 : o0+w : o0+w]
			x1 := a[o1 : o1+w : o1+w]
			x1 = x1[:len(x0)]
			if useAVX2 && w >= 2 {
				ne := w &^ 1
				if j == 0 {
					r2fwd0(&x0[0], &x1[0], ne)
				} else {
					r2fwd(&x0[0], &x1[0], ne, &st.ptw[2*j])
				}
				if ne == w {
					continue
				}
				x0, x1 = x0[ne:], x1[ne:]
			}
			if j == 0 {
				for c := range x0 {
					u, v := x0[c], x1[c]
					x0[c], x1[c] = u+v, u-v
				}
				continue
			}
			w1 := st.tw[j]
			for c := range x0 {
				u, v := x0[c], x1[c]
				x0[c], x1[c] = u+v, (u-v)*w1
			}
		}
	}
}

func inv2(a []complex128, stride, c0, c1, n int, st stage) {
	m, w := st.m, c1-c0
	L := 2 * m
	for s := 0; s < n; s += L {
		for j := 0; j < m; j++ {
			o0 := (s+j)*stride + c0
			o1 := o0 + m*stride
			x0 := a[o0 : o0+w : o0+w]
			x1 := a[o1 : o1+w : o1+w]
			x1 = x1[:len(x0)]
			if useAVX2 && w >= 2 {
				ne := w &^ 1
				if j == 0 {
					r2inv0(&x0[0], &x1[0], ne)
				} else {
					r2inv(&x0[0], &x1[0], ne, &st.pitw[2*j])
				}
				if ne == w {
					continue
				}
				x0, x1 = x0[ne:], x1[ne:]
			}
			if j == 0 {
				for c := range x0 {
					u, v := x0[c], x1[c]
					x0[c], x1[c] = u+v, u-v
				}
				continue
			}
			w1 := st.itw[j]
			for c := range x0 {
				u, v := x0[c], x1[c]*w1
				x0[c], x1[c] = u+v, u-v
			}
		}
	}
}

// fwd4z is the first radix-4 stage (L = n) when the second half is zero.
func fwd4z(a []complex128, stride, c0, c1 int, st stage) {
	m, w := st.m, c1-c0
	for j := 0; j < m; j++ {
		o0 := j*stride + c0
		o1 := o0 + m*stride
		o2 := o1 + m*stride
		o3 := o2 + m*stride
		x0 := a[o0 : o0+w : o0+w]
		x1 := a[o1 : o1+w : o1+w]
		x2 := a[o2 : o2+w : o2+w]
		x3 := a[o3 : o3+w : o3+w]
		x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
		if useAVX2 && w >= 2 {
			ne := w &^ 1
			tw := &one6[0]
			if j > 0 {
				tw = &st.ptw[6*j]
			}
			r4fwdz(&x0[0], &x1[0], &x2[0], &x3[0], ne, tw)
			if ne == w {
				continue
			}
			x0, x1, x2, x3 = x0[ne:], x1[ne:], x2[ne:], x3[ne:]
		}
		if j == 0 {
			for c := range x0 {
				a0, a1 := x0[c], x1[c]
				t := mulNegI(a1)
				x0[c] = a0 + a1
				x1[c] = a0 + t
				x2[c] = a0 - a1
				x3[c] = a0 - t
			}
			continue
		}
		w1, w2, w3 := st.tw[j], st.tw[m+j], st.tw[2*m+j]
		for c := range x0 {
			a0, a1 := x0[c], x1[c]
			t := mulNegI(a1)
			x0[c] = a0 + a1
			x1[c] = (a0 + t) * w1
			x2[c] = (a0 - a1) * w2
			x3[c] = (a0 - t) * w3
		}
	}
}

// inv4h is the last inverse radix-4 stage when only the first half of
// the output is wanted.
func inv4h(a []complex128, stride, c0, c1 int, st stage) {
	m, w := st.m, c1-c0
	for j := 0; j < m; j++ {
		o0 := j*stride + c0
		o1 := o0 + m*stride
		o2 := o1 + m*stride
		o3 := o2 + m*stride
		x0 := a[o0 : o0+w : o0+w]
		x1 := a[o1 : o1+w : o1+w]
		x2 := a[o2 : o2+w : o2+w]
		x3 := a[o3 : o3+w : o3+w]
		x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
		if useAVX2 && w >= 2 {
			ne := w &^ 1
			tw := &one6[0]
			if j > 0 {
				tw = &st.pitw[6*j]
			}
			r4invh(&x0[0], &x1[0], &x2[0], &x3[0], ne, tw)
			if ne == w {
				continue
			}
			x0, x1, x2, x3 = x0[ne:], x1[ne:], x2[ne:], x3[ne:]
		}
		var w1, w2, w3 complex128 = 1, 1, 1
		if j > 0 {
			w1, w2, w3 = st.itw[j], st.itw[m+j], st.itw[2*m+j]
		}
		for c := range x0 {
			b0, b1, b2, b3 := x0[c], x1[c], x2[c], x3[c]
			if j > 0 {
				b1, b2, b3 = b1*w1, b2*w2, b3*w3
			}
			t0, t1 := b0+b2, b0-b2
			t2, t3 := b1+b3, mulI(b1-b3)
			x0[c] = t0 + t2
			x1[c] = t1 + t3
		}
	}
}

func fwd4(a []complex128, stride, c0, c1, n int, st stage) {
	m, w := st.m, c1-c0
	L := 4 * m
	for s := 0; s < n; s += L {
		for j := 0; j < m; j++ {
			o0 := (s+j)*stride + c0
			o1 := o0 + m*stride
			o2 := o1 + m*stride
			o3 := o2 + m*stride
			x0 := a[o0 : o0+w : o0+w]
			x1 := a[o1 : o1+w : o1+w]
			x2 := a[o2 : o2+w : o2+w]
			x3 := a[o3 : o3+w : o3+w]
			x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
			if useAVX2 && w >= 2 {
				ne := w &^ 1
				if j == 0 {
					r4fwd0(&x0[0], &x1[0], &x2[0], &x3[0], ne)
				} else {
					r4fwd(&x0[0], &x1[0], &x2[0], &x3[0], ne, &st.ptw[6*j])
				}
				if ne == w {
					continue
				}
				x0, x1, x2, x3 = x0[ne:], x1[ne:], x2[ne:], x3[ne:]
			}
			if j == 0 {
				for c := range x0 {
					a0, a1, a2, a3 := x0[c], x1[c], x2[c], x3[c]
					t0, t1 := a0+a2, a0-a2
					t2, t3 := a1+a3, mulNegI(a1-a3)
					x0[c] = t0 + t2
					x1[c] = t1 + t3
					x2[c] = t0 - t2
					x3[c] = t1 - t3
				}
				continue
			}
			w1, w2, w3 := st.tw[j], st.tw[m+j], st.tw[2*m+j]
			for c := range x0 {
				a0, a1, a2, a3 := x0[c], x1[c], x2[c], x3[c]
				t0, t1 := a0+a2, a0-a2
				t2, t3 := a1+a3, mulNegI(a1-a3)
				x0[c] = t0 + t2
				x1[c] = (t1 + t3) * w1
				x2[c] = (t0 - t2) * w2
				x3[c] = (t1 - t3) * w3
			}
		}
	}
}

func inv4(a []complex128, stride, c0, c1, n int, st stage) {
	m, w := st.m, c1-c0
	L := 4 * m
	for s := 0; s < n; s += L {
		for j := 0; j < m; j++ {
			o0 := (s+j)*stride + c0
			o1 := o0 + m*stride
			o2 := o1 + m*stride
			o3 := o2 + m*stride
			x0 := a[o0 : o0+w : o0+w]
			x1 := a[o1 : o1+w : o1+w]
			x2 := a[o2 : o2+w : o2+w]
			x3 := a[o3 : o3+w : o3+w]
			x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
			if useAVX2 && w >= 2 {
				ne := w &^ 1
				if j == 0 {
					r4inv0(&x0[0], &x1[0], &x2[0], &x3[0], ne)
				} else {
					r4inv(&x0[0], &x1[0], &x2[0], &x3[0], ne, &st.pitw[6*j])
				}
				if ne == w {
					continue
				}
				x0, x1, x2, x3 = x0[ne:], x1[ne:], x2[ne:], x3[ne:]
			}
			if j == 0 {
				for c := range x0 {
					b0, b1, b2, b3 := x0[c], x1[c], x2[c], x3[c]
					t0, t1 := b0+b2, b0-b2
					t2, t3 := b1+b3, mulI(b1-b3)
					x0[c] = t0 + t2
					x1[c] = t1 + t3
					x2[c] = t0 - t2
					x3[c] = t1 - t3
				}
				continue
			}
			w1, w2, w3 := st.itw[j], st.itw[m+j], st.itw[2*m+j]
			for c := range x0 {
				b0, b1, b2, b3 := x0[c], x1[c]*w1, x2[c]*w2, x3[c]*w3
				t0, t1 := b0+b2, b0-b2
				t2, t3 := b1+b3, mulI(b1-b3)
				x0[c] = t0 + t2
				x1[c] = t1 + t3
				x2[c] = t0 - t2
				x3[c] = t1 - t3
			}
		}
	}
}

// Radix-3 constants: exp(∓2πi/3) = −1/2 ∓ i·√3/2.
const sin60 = 0.86602540378443864676372317075293618347140262690519

func fwd3(a []complex128, stride, c0, c1, n int, st stage) {
	m, w := st.m, c1-c0
	L := 3 * m
	for s := 0; s < n; s += L {
		for j := 0; j < m; j++ {
			o0 := (s+j)*stride + c0
			o1 := o0 + m*stride
			o2 := o1 + m*stride
			x0 := a[o0 : o0+w : o0+w]
			x1 := a[o1 : o1+w : o1+w]
			x2 := a[o2 : o2+w : o2+w]
			x1, x2 = x1[:len(x0)], x2[:len(x0)]
			if useAVX2 && w >= 2 {
				ne := w &^ 1
				if j == 0 {
					r3fwd0(&x0[0], &x1[0], &x2[0], ne)
				} else {
					r3fwd(&x0[0], &x1[0], &x2[0], ne, &st.ptw[4*j])
				}
				if ne == w {
					continue
				}
				x0, x1, x2 = x0[ne:], x1[ne:], x2[ne:]
			}
			var w1, w2 complex128 = 1, 1
			if j > 0 {
				w1, w2 = st.tw[j], st.tw[m+j]
			}
			for c := range x0 {
				a0, a1, a2 := x0[c], x1[c], x2[c]
				sum, dif := a1+a2, a1-a2
				h := a0 - complex(0.5*real(sum), 0.5*imag(sum))
				r := complex(sin60*imag(dif), -sin60*real(dif)) // −i·√3/2·dif
				x0[c] = a0 + sum
				if j == 0 {
					x1[c] = h + r
					x2[c] = h - r
				} else {
					x1[c] = (h + r) * w1
					x2[c] = (h - r) * w2
				}
			}
		}
	}
}

func inv3(a []complex128, stride, c0, c1, n int, st stage) {
	m, w := st.m, c1-c0
	L := 3 * m
	for s := 0; s < n; s += L {
		for j := 0; j < m; j++ {
			o0 := (s+j)*stride + c0
			o1 := o0 + m*stride
			o2 := o1 + m*stride
			x0 := a[o0 : o0+w : o0+w]
			x1 := a[o1 : o1+w : o1+w]
			x2 := a[o2 : o2+w : o2+w]
			x1, x2 = x1[:len(x0)], x2[:len(x0)]
			if useAVX2 && w >= 2 {
				ne := w &^ 1
				if j == 0 {
					r3inv0(&x0[0], &x1[0], &x2[0], ne)
				} else {
					r3inv(&x0[0], &x1[0], &x2[0], ne, &st.pitw[4*j])
				}
				if ne == w {
					continue
				}
				x0, x1, x2 = x0[ne:], x1[ne:], x2[ne:]
			}
			var w1, w2 complex128 = 1, 1
			if j > 0 {
				w1, w2 = st.itw[j], st.itw[m+j]
			}
			for c := range x0 {
				b0, b1, b2 := x0[c], x1[c], x2[c]
				if j > 0 {
					b1, b2 = b1*w1, b2*w2
				}
				sum, dif := b1+b2, b1-b2
				h := b0 - complex(0.5*real(sum), 0.5*imag(sum))
				r := complex(-sin60*imag(dif), sin60*real(dif)) // +i·√3/2·dif
				x0[c] = b0 + sum
				x1[c] = h + r
				x2[c] = h - r
			}
		}
	}
}

// Radix-5 constants.
const (
	cos72  = 0.30901699437494742410229341718281905886436448193449
	cos144 = -0.80901699437494742410229341718281905886436448193449
	sin72  = 0.95105651629515357211643933337938214340569863412575
	sin144 = 0.58778525229247312916870595463907276859765243764314
)

// bfly5 returns the five outputs of a 5-point DFT of x0..x4 with
// exp(−2πi/5) as the root (sign = −1) or exp(+2πi/5) (sign = +1).
func bfly5(x0, x1, x2, x3, x4 complex128, sign float64) (y0, y1, y2, y3, y4 complex128) {
	a1, b1 := x1+x4, x1-x4
	a2, b2 := x2+x3, x2-x3
	y0 = x0 + a1 + a2
	r1 := x0 + complex(cos72*real(a1)+cos144*real(a2), cos72*imag(a1)+cos144*imag(a2))
	r2 := x0 + complex(cos144*real(a1)+cos72*real(a2), cos144*imag(a1)+cos72*imag(a2))
	// s1 = sin72·b1 + sin144·b2, s2 = sin144·b1 − sin72·b2; multiplied by sign·i.
	s1 := complex(sin72*real(b1)+sin144*real(b2), sin72*imag(b1)+sin144*imag(b2))
	s2 := complex(sin144*real(b1)-sin72*real(b2), sin144*imag(b1)-sin72*imag(b2))
	is1 := complex(-sign*imag(s1), sign*real(s1))
	is2 := complex(-sign*imag(s2), sign*real(s2))
	return y0, r1 + is1, r2 + is2, r2 - is2, r1 - is1
}

func fwd5(a []complex128, stride, c0, c1, n int, st stage) {
	m, w := st.m, c1-c0
	L := 5 * m
	for s := 0; s < n; s += L {
		for j := 0; j < m; j++ {
			o0 := (s+j)*stride + c0
			x0 := a[o0 : o0+w : o0+w]
			x1 := a[o0+m*stride : o0+m*stride+w : o0+m*stride+w]
			x2 := a[o0+2*m*stride : o0+2*m*stride+w : o0+2*m*stride+w]
			x3 := a[o0+3*m*stride : o0+3*m*stride+w : o0+3*m*stride+w]
			x4 := a[o0+4*m*stride : o0+4*m*stride+w : o0+4*m*stride+w]
			x1, x2, x3, x4 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)], x4[:len(x0)]
			if useAVX2 && w >= 2 {
				ne := w &^ 1
				if j == 0 {
					r5fwd0(&x0[0], &x1[0], &x2[0], &x3[0], &x4[0], ne)
				} else {
					r5fwd(&x0[0], &x1[0], &x2[0], &x3[0], &x4[0], ne, &st.ptw[8*j])
				}
				if ne == w {
					continue
				}
				x0, x1, x2, x3, x4 = x0[ne:], x1[ne:], x2[ne:], x3[ne:], x4[ne:]
			}
			var w1, w2, w3, w4 complex128 = 1, 1, 1, 1
			if j > 0 {
				w1, w2, w3, w4 = st.tw[j], st.tw[m+j], st.tw[2*m+j], st.tw[3*m+j]
			}
			for c := range x0 {
				y0, y1, y2, y3, y4 := bfly5(x0[c], x1[c], x2[c], x3[c], x4[c], -1)
				x0[c] = y0
				if j == 0 {
					x1[c], x2[c], x3[c], x4[c] = y1, y2, y3, y4
				} else {
					x1[c], x2[c], x3[c], x4[c] = y1*w1, y2*w2, y3*w3, y4*w4
				}
			}
		}
	}
}

func inv5(a []complex128, stride, c0, c1, n int, st stage) {
	m, w := st.m, c1-c0
	L := 5 * m
	for s := 0; s < n; s += L {
		for j := 0; j < m; j++ {
			o0 := (s+j)*stride + c0
			x0 := a[o0 : o0+w : o0+w]
			x1 := a[o0+m*stride : o0+m*stride+w : o0+m*stride+w]
			x2 := a[o0+2*m*stride : o0+2*m*stride+w : o0+2*m*stride+w]
			x3 := a[o0+3*m*stride : o0+3*m*stride+w : o0+3*m*stride+w]
			x4 := a[o0+4*m*stride : o0+4*m*stride+w : o0+4*m*stride+w]
			x1, x2, x3, x4 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)], x4[:len(x0)]
			if useAVX2 && w >= 2 {
				ne := w &^ 1
				if j == 0 {
					r5inv0(&x0[0], &x1[0], &x2[0], &x3[0], &x4[0], ne)
				} else {
					r5inv(&x0[0], &x1[0], &x2[0], &x3[0], &x4[0], ne, &st.pitw[8*j])
				}
				if ne == w {
					continue
				}
				x0, x1, x2, x3, x4 = x0[ne:], x1[ne:], x2[ne:], x3[ne:], x4[ne:]
			}
			var w1, w2, w3, w4 complex128 = 1, 1, 1, 1
			if j > 0 {
				w1, w2, w3, w4 = st.itw[j], st.itw[m+j], st.itw[2*m+j], st.itw[3*m+j]
			}
			for c := range x0 {
				b1, b2, b3, b4 := x1[c], x2[c], x3[c], x4[c]
				if j > 0 {
					b1, b2, b3, b4 = b1*w1, b2*w2, b3*w3, b4*w4
				}
				x0[c], x1[c], x2[c], x3[c], x4[c] = bfly5(x0[c], b1, b2, b3, b4, 1)
			}
		}
	}
}
