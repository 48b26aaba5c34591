package tsne

import (
	"math"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/reduce/tsne/internal/fft"
)

// The FFT method (FIt-SNE, Linderman et al. 2019) writes the repulsive
// term as sums of a smooth kernel against a few "charges" per point,
//
//	R_i = y_i·Σ_j K1(y_i−y_j) − Σ_j K1(y_i−y_j)·y_j,   K1 = k^{1+1/α},
//	Z   = Σ_ij k(y_i−y_j),
//
// spreads the charges onto a regular grid with Lagrange interpolation
// weights, convolves the grid with the kernel sampled on it (a Toeplitz
// product done by zero-padded FFTs), and interpolates the potentials back
// at the points with the same weights. In two dimensions the charges are
// y₁ + i·y₂ (one complex grid) and 1 (a real grid, half the cost). Z needs
// no charge of its own: the interpolated kernel K̃ is symmetric, so for
// α = 1, where k = K1·(1 + d²),
//
//	Z = Σ_i [(1 + 2|y_i|²)·φ0_i − 2·y_i·φ_i]      (φ0 from 1, φ from y)
//
// and for α ≠ 1, Z = ⟨W, k ∗ W⟩ for the unit-charge grid W, read from its
// spectrum by Parseval's identity. Each point's interpolated interaction
// with itself (up to a tenth below k(0) = 1) is computed from its weights
// and subtracted. Unlike FIt-SNE, whose stencil is the fixed set of nodes
// of the point's box, each point uses the InterpPoints grid nodes centred
// on it, which is more accurate at the same grid size (see
// DefaultGridSpacing).
//
// Determinism: charges are spread by bands of grid rows, each band adding
// the points that touch it in (stencil row, index) order, so every grid
// value is summed in an order fixed by the data alone.

// Grid size limits: at least minGrid nodes per dimension (below, the
// spacing shrinks, which costs nothing) and at most maxGrid (a 2048-point
// transform, about 200 MB of buffers), or 8·√n for n points when that is
// smaller; beyond the limit the spacing grows. A converged map of n points
// spans about 2·√n units, 4·√n nodes at the default spacing, so 8·√n only
// bites for maps blown apart by an input without neighbourhood structure,
// where the FFT would otherwise cost far more than the points are worth;
// maxGrid bites from about 65,000 points.
const (
	maxGrid   = 1024
	minGrid   = 48
	spreadRow = 8 // grid rows per spreading task
)

// gridCap returns the most grid nodes per dimension for n points.
func gridCap(n int) float64 {
	return math.Min(maxGrid, math.Max(2*minGrid, 8*math.Sqrt(float64(n))))
}

type fftRepeller struct {
	n, dims int
	dof     float64
	spacing float64
	p       int // interpolation points per dimension
	// maxNodes is the grid cap, gridCap(n).
	maxNodes float64
	h        float64 // the current spacing
	gx, gy   int     // the current node counts

	start   []int32   // n×dims stencil starts
	weights []float64 // n×dims×p interpolation weights
	zi      []float64
	selfZ   []float64 // each point's interpolated kernel with itself
	denom   []float64 // Lagrange denominators

	// Two dimensions.
	conv     *fft.Conv2
	gridA    []complex128 // y₁ + i·y₂ charges, then potentials
	gridW    []float64    // unit charges, then potentials
	kern     kernelCache
	order    []int32 // points sorted by stencil row
	rowStart []int   // bucket offsets into order

	// One dimension.
	conv1      *fft.Conv1
	sigA, sigB []complex128
}

// kernelCache holds the kernel spectra for one (grid, spacing).
type kernelCache struct {
	mx, my   int
	h        float64
	k1       []float32 // k^{1+1/α}, complex path
	k1r, k0r []float32 // k^{1+1/α} and (α ≠ 1) k, real path
	self     []float64 // the Z kernel at stencil offsets, p^dims

	// One dimension (mx holds the node count): spectra of k^{1+1/α} and,
	// for α ≠ 1, k.
	spec1, spec0 []complex128
}

func newFFTRepeller(n, dims int, dof, spacing float64, p int) *fftRepeller {
	r := &fftRepeller{n: n, dims: dims, dof: dof, spacing: spacing, p: p, maxNodes: gridCap(n),
		start: make([]int32, n*dims), weights: make([]float64, n*dims*p),
		zi: make([]float64, n), selfZ: make([]float64, n), denom: make([]float64, p)}
	for a := 0; a < p; a++ {
		d := 1.0
		for b := 0; b < p; b++ {
			if b != a {
				d *= float64(a - b)
			}
		}
		r.denom[a] = d
	}
	return r
}

// grid returns the spacing and the numbers of nodes of the grid for an
// embedding whose coordinate ranges are rx and ry (ry unused in one
// dimension). The spacing is the configured one, made finer for maps
// narrower than minGrid nodes and coarser for maps wider than maxNodes, in
// steps of a quarter octave so that it changes rarely. The node counts
// are the largest that fit the FFT length chosen for the range plus
// stencil margins and 10% headroom, and are kept while the range fits
// and fills most of them: the kernel's spectrum is recomputed only when
// the spacing or a node count changes.
func (r *fftRepeller) grid(rx, ry float64) (h float64, gx, gy int) {
	extent := max(rx, ry)
	h = r.spacing
	if !(extent > 0) || math.IsInf(extent, 0) {
		return h, r.nodes(0, h, r.gx), r.nodes(0, h, r.gy)
	}
	if extent/h < minGrid {
		k := math.Ceil(4 * math.Log2(h*minGrid/extent))
		h *= math.Exp2(-k / 4)
	}
	if limit := r.maxNodes - 2*float64(r.p) - 8; extent/h > limit {
		k := math.Ceil(4 * math.Log2(extent/(limit*h)))
		h *= math.Exp2(k / 4)
	}
	if h != r.h {
		r.gx, r.gy = 0, 0 // node counts are in units of h
	}
	r.h = h
	r.gx = r.nodes(rx, h, r.gx)
	if r.dims > 1 {
		r.gy = r.nodes(ry, h, r.gy)
	}
	return h, r.gx, r.gy
}

// nodes returns the number of grid nodes for a range at spacing h, given
// the current count cur (0 for none).
func (r *fftRepeller) nodes(extent, h float64, cur int) int {
	need := int(math.Ceil(extent/h)) + 2*(r.p/2+1) + 1
	if cur >= need && cur <= need+need/4+8 {
		return cur
	}
	g := need + need/10 + 2
	m := fft.GoodSize(2*g - 1)
	return (m + 1) / 2
}

// stencils computes, for coordinate a of every point, the first node of
// its stencil and its interpolation weights on a grid of g nodes from
// origin o at spacing h.
func (r *fftRepeller) stencils(y []float64, a int, o, h float64, g int) {
	p, dims := r.p, r.dims
	shift := 0.0
	if p%2 == 1 {
		shift = 0.5
	}
	half := (p - 1) / 2
	if p == 4 {
		r.stencils4(y, a, o, h, g)
		return
	}
	mat32.Parallel(r.n, 4096, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			u := (y[i*dims+a] - o) / h
			s := int(math.Floor(u+shift)) - half
			s = min(max(s, 0), g-p)
			r.start[i*dims+a] = int32(s)
			t := u - float64(s)
			w := r.weights[(i*dims+a)*p : (i*dims+a+1)*p]
			for c := 0; c < p; c++ {
				v := 1.0
				for b := 0; b < p; b++ {
					if b != c {
						v *= t - float64(b)
					}
				}
				w[c] = v / r.denom[c]
			}
		}
	})
}

// stencils4 is stencils for four-point (cubic) stencils: nodes s … s+3
// around u, s = ⌊u⌋ − 1, so that u − s ∈ [1, 2) lies in the middle
// interval.
func (r *fftRepeller) stencils4(y []float64, a int, o, h float64, g int) {
	dims := r.dims
	inv := 1 / h
	mat32.Parallel(r.n, 4096, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			u := (y[i*dims+a] - o) * inv
			s := int(math.Floor(u)) - 1
			s = min(max(s, 0), g-4)
			r.start[i*dims+a] = int32(s)
			t := u - float64(s)
			t1, t2, t3 := t-1, t-2, t-3
			w := (*[4]float64)(r.weights[(i*dims+a)*4:])
			w[0] = -t1 * t2 * t3 * (1.0 / 6)
			w[1] = t * t2 * t3 * 0.5
			w[2] = -t * t1 * t3 * 0.5
			w[3] = t * t1 * t2 * (1.0 / 6)
		}
	})
}

// bounds returns the coordinate-wise minimum and maximum of y.
func bounds(y []float64, n, dims int) (lo, hi [3]float64) {
	for a := 0; a < dims; a++ {
		lo[a], hi[a] = math.Inf(1), math.Inf(-1)
	}
	for i := 0; i < n; i++ {
		for a := 0; a < dims; a++ {
			v := y[i*dims+a]
			lo[a] = min(lo[a], v)
			hi[a] = max(hi[a], v)
		}
	}
	return lo, hi
}

func (r *fftRepeller) repel(dst, y []float64) float64 {
	if r.dims == 1 {
		return r.repel1(dst, y)
	}
	return r.repel2(dst, y)
}

// kernels returns k^{1+1/α}(d²) and k(d²) for the grid spacing h.
func (r *fftRepeller) kernels(h float64) (k1, k0 func(d2 float64) float64) {
	dof := r.dof
	k1 = func(d2 float64) float64 { _, _, v := kernelPow(d2*h*h, dof); return v }
	k0 = func(d2 float64) float64 { _, v, _ := kernelPow(d2*h*h, dof); return v }
	return k1, k0
}

func (r *fftRepeller) repel2(dst, y []float64) float64 {
	n, p := r.n, r.p
	lo, hi := bounds(y, n, 2)
	h, gx, gy := r.grid(hi[0]-lo[0], hi[1]-lo[1])
	if r.conv == nil {
		r.conv = fft.NewConv2(gx, gy)
	} else if ox, oy := r.conv.Grid(); ox != gx || oy != gy {
		r.conv.Reset(gx, gy)
	}
	conv := r.conv
	// Centre the grid on the data.
	ox := (lo[0]+hi[0])/2 - float64(gx-1)*h/2
	oy := (lo[1]+hi[1])/2 - float64(gy-1)*h/2
	r.stencils(y, 0, ox, h, gx)
	r.stencils(y, 1, oy, h, gy)

	mx, my := conv.Size()
	kc := &r.kern
	if kc.mx != mx || kc.my != my || kc.h != h {
		kc.mx, kc.my, kc.h = mx, my, h
		k1, k0 := r.kernels(h)
		kc.k1 = grow(kc.k1, conv.SpectrumLen())
		kc.k1r = grow(kc.k1r, conv.RealSpectrumLen())
		f1 := func(dx, dy int) float64 { return k1(float64(dx*dx + dy*dy)) }
		conv.KernelSpectrum(kc.k1, f1)
		conv.RealKernelSpectrum(kc.k1r, kc.k1, f1)
		if r.dof != 1 {
			kc.k0r = grow(kc.k0r, conv.RealSpectrumLen())
			conv.RealKernelSpectrum(kc.k0r, nil, func(dx, dy int) float64 { return k0(float64(dx*dx + dy*dy)) })
		}
		kc.self = r.selfTable(kc.self, 2, h)
	}

	// Spread the charges: A = y₁ + i·y₂ (complex grid), W = 1 (real grid).
	r.gridA = grow(r.gridA, gx*gy)
	r.gridW = grow(r.gridW, gx*gy)
	r.sortByRow(gx)
	bands := (gx + spreadRow - 1) / spreadRow
	mat32.Parallel(bands, 1, func(b0, b1 int) {
		for band := b0; band < b1; band++ {
			r0, r1 := band*spreadRow, min((band+1)*spreadRow, gx)
			clear(r.gridA[r0*gy : r1*gy])
			clear(r.gridW[r0*gy : r1*gy])
			pts := r.order[r.rowStart[max(r0-p+1, 0)]:r.rowStart[r1]]
			if p == 4 {
				r.spread4(pts, y, gy, r0, r1)
				continue
			}
			for _, i32 := range pts {
				i := int(i32)
				y0, y1 := y[2*i], y[2*i+1]
				sx, sy := int(r.start[2*i]), int(r.start[2*i+1])
				wx := r.weights[2*i*p : (2*i+1)*p]
				wy := r.weights[(2*i+1)*p : (2*i+2)*p]
				for a, w := range wx {
					row := sx + a
					if row < r0 || row >= r1 {
						continue
					}
					ga := r.gridA[row*gy+sy : row*gy+sy+p]
					gw := r.gridW[row*gy+sy : row*gy+sy+p]
					for b, v := range wy {
						wv := w * v
						ga[b] += complex(wv*y0, wv*y1)
						gw[b] += wv
					}
				}
			}
		}
	})

	conv.Convolve(r.gridA, kc.k1)
	// For α ≠ 1, Z = Σ_ij k̃(y_i, y_j) = ⟨W, k ∗ W⟩ comes from W's spectrum.
	var dot []float32
	if r.dof != 1 {
		dot = kc.k0r
	}
	z := conv.ConvolveReal(r.gridW, kc.k1r, dot)

	// Interpolate the potentials back and form R (and Z_i for α = 1).
	sq := r.dof == 1
	mat32.Parallel(n, rowChunk, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			var phi0, phi1, phi2 float64
			if p == 4 {
				phi0, phi1, phi2, r.selfZ[i] = r.gather4(i, gy, kc.self)
			} else {
				phi0, phi1, phi2, r.selfZ[i] = r.gather(i, gy, kc.self)
			}
			y0, y1 := y[2*i], y[2*i+1]
			dst[2*i] = y0*phi0 - phi1
			dst[2*i+1] = y1*phi0 - phi2
			if sq {
				// With Σ_ij K̃_ij|y_j|² = Σ_i |y_i|²·φ0_i (K̃ is symmetric):
				// Z = Σ_i (1 + 2|y_i|²)·φ0_i − 2·y_i·φ_i.
				r.zi[i] = (1+2*(y0*y0+y1*y1))*phi0 - 2*(y0*phi1+y1*phi2)
			}
		}
	})
	if sq {
		for _, v := range r.zi {
			z += v
		}
	}
	// Remove the self-interactions, as interpolated (not k(0) = 1: the
	// difference is up to a tenth of the kernel's peak per point).
	for _, v := range r.selfZ {
		z -= v
	}
	return z
}

// gather is gather4 for any stencil size.
func (r *fftRepeller) gather(i, gy int, t []float64) (phi0, phi1, phi2, self float64) {
	p := r.p
	sx, sy := int(r.start[2*i]), int(r.start[2*i+1])
	wx := r.weights[2*i*p : (2*i+1)*p]
	wy := r.weights[(2*i+1)*p : (2*i+2)*p]
	for a, w := range wx {
		row := (sx + a) * gy
		ga := r.gridA[row+sy : row+sy+p]
		gw := r.gridW[row+sy : row+sy+p]
		var s0, s1, s2 float64
		for b, v := range wy {
			s0 += v * gw[b]
			s1 += v * real(ga[b])
			s2 += v * imag(ga[b])
		}
		phi0 += w * s0
		phi1 += w * s1
		phi2 += w * s2
	}
	return phi0, phi1, phi2, r.selfTerm(t, wx, wy)
}

// selfTable returns the kernel whose sum is Z (k^{1+1/α} for α = 1, where
// Z comes from the K1 convolution, k otherwise) at the non-negative grid
// offsets (da, db) ∈ [0, p)^dims, flattened.
func (r *fftRepeller) selfTable(dst []float64, dims int, h float64) []float64 {
	k1, k0 := r.kernels(h)
	kz := k0
	if r.dof == 1 {
		kz = k1
	}
	p := r.p
	if dims == 1 {
		dst = grow(dst, p)
		for a := range dst {
			dst[a] = kz(float64(a * a))
		}
		return dst
	}
	dst = grow(dst, p*p)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			dst[a*p+b] = kz(float64(a*a + b*b))
		}
	}
	return dst
}

// selfTerm returns the interpolated kernel of a point with itself,
// Σ wx_a·wx_a'·wy_b·wy_b'·T(|a−a'|, |b−b'|) (wy nil in one dimension),
// grouped by offset: c[d] = (d > 0 ? 2 : 1)·Σ_a w_a·w_{a+d}.
func (r *fftRepeller) selfTerm(t, wx, wy []float64) float64 {
	p := r.p
	var cx, cy [8]float64
	offsets(cx[:p], wx)
	if wy == nil {
		s := 0.0
		for d, v := range cx[:p] {
			s += v * t[d]
		}
		return s
	}
	offsets(cy[:p], wy)
	s := 0.0
	for d, u := range cx[:p] {
		row := t[d*p : (d+1)*p]
		e := 0.0
		for f, v := range cy[:p] {
			e += v * row[f]
		}
		s += u * e
	}
	return s
}

// offsets fills c[d] = (d > 0 ? 2 : 1)·Σ_a w[a]·w[a+d].
func offsets(c, w []float64) {
	for d := range c {
		s := 0.0
		for a := 0; a+d < len(w); a++ {
			s += w[a] * w[a+d]
		}
		if d > 0 {
			s *= 2
		}
		c[d] = s
	}
}

// spread4 adds the charges of the points pts (four-point stencils) to the
// grid rows [r0, r1).
func (r *fftRepeller) spread4(pts []int32, y []float64, gy, r0, r1 int) {
	for _, i32 := range pts {
		i := int(i32)
		y0, y1 := y[2*i], y[2*i+1]
		sx, sy := int(r.start[2*i]), int(r.start[2*i+1])
		wx := (*[4]float64)(r.weights[8*i:])
		wy := (*[4]float64)(r.weights[8*i+4:])
		for a := max(r0-sx, 0); a < min(r1-sx, 4); a++ {
			w := wx[a]
			o := (sx+a)*gy + sy
			ga := (*[4]complex128)(r.gridA[o:])
			gw := (*[4]float64)(r.gridW[o:])
			v0, v1, v2, v3 := w*wy[0], w*wy[1], w*wy[2], w*wy[3]
			ga[0] += complex(v0*y0, v0*y1)
			ga[1] += complex(v1*y0, v1*y1)
			ga[2] += complex(v2*y0, v2*y1)
			ga[3] += complex(v3*y0, v3*y1)
			gw[0] += v0
			gw[1] += v1
			gw[2] += v2
			gw[3] += v3
		}
	}
}

// gather4 interpolates the potentials of point i (four-point stencils)
// and returns φ0 (unit charges), φ1, φ2 (the y charges) and the point's
// interpolated self-interaction under the table t (p×p).
func (r *fftRepeller) gather4(i, gy int, t []float64) (phi0, phi1, phi2, self float64) {
	sx, sy := int(r.start[2*i]), int(r.start[2*i+1])
	wx := (*[4]float64)(r.weights[8*i:])
	wy := (*[4]float64)(r.weights[8*i+4:])
	for a := 0; a < 4; a++ {
		o := (sx+a)*gy + sy
		ga := (*[4]complex128)(r.gridA[o:])
		gw := (*[4]float64)(r.gridW[o:])
		s0 := wy[0]*gw[0] + wy[1]*gw[1] + wy[2]*gw[2] + wy[3]*gw[3]
		s1 := wy[0]*real(ga[0]) + wy[1]*real(ga[1]) + wy[2]*real(ga[2]) + wy[3]*real(ga[3])
		s2 := wy[0]*imag(ga[0]) + wy[1]*imag(ga[1]) + wy[2]*imag(ga[2]) + wy[3]*imag(ga[3])
		w := wx[a]
		phi0 += w * s0
		phi1 += w * s1
		phi2 += w * s2
	}
	// Self-interaction Σ c_x[d]·c_y[e]·T(d, e), c[d] = (d > 0 ? 2 : 1)·Σ w_a·w_{a+d}.
	cx0 := wx[0]*wx[0] + wx[1]*wx[1] + wx[2]*wx[2] + wx[3]*wx[3]
	cx1 := 2 * (wx[0]*wx[1] + wx[1]*wx[2] + wx[2]*wx[3])
	cx2 := 2 * (wx[0]*wx[2] + wx[1]*wx[3])
	cx3 := 2 * wx[0] * wx[3]
	cy0 := wy[0]*wy[0] + wy[1]*wy[1] + wy[2]*wy[2] + wy[3]*wy[3]
	cy1 := 2 * (wy[0]*wy[1] + wy[1]*wy[2] + wy[2]*wy[3])
	cy2 := 2 * (wy[0]*wy[2] + wy[1]*wy[3])
	cy3 := 2 * wy[0] * wy[3]
	tt := (*[16]float64)(t)
	self = cx0*(cy0*tt[0]+cy1*tt[1]+cy2*tt[2]+cy3*tt[3]) +
		cx1*(cy0*tt[4]+cy1*tt[5]+cy2*tt[6]+cy3*tt[7]) +
		cx2*(cy0*tt[8]+cy1*tt[9]+cy2*tt[10]+cy3*tt[11]) +
		cx3*(cy0*tt[12]+cy1*tt[13]+cy2*tt[14]+cy3*tt[15])
	return phi0, phi1, phi2, self
}

// sortByRow fills r.order with the points sorted by the first row of
// their stencil (stable, so ties keep index order) and r.rowStart with
// the bucket offsets (rowStart[g] = first position of row g; g ≤ gx).
func (r *fftRepeller) sortByRow(gx int) {
	n := r.n
	r.order = grow(r.order, n)
	r.rowStart = grow(r.rowStart, gx+1)
	cnt := r.rowStart
	clear(cnt)
	for i := 0; i < n; i++ {
		cnt[r.start[2*i]+1]++
	}
	for g := 0; g < gx; g++ {
		cnt[g+1] += cnt[g]
	}
	pos := make([]int, gx)
	copy(pos, cnt[:gx])
	for i := 0; i < n; i++ {
		s := r.start[2*i]
		r.order[pos[s]] = int32(i)
		pos[s]++
	}
}

func (r *fftRepeller) repel1(dst, y []float64) float64 {
	n, p := r.n, r.p
	lo, hi := bounds(y, n, 1)
	h, g, _ := r.grid(hi[0]-lo[0], 0)
	kc := &r.kern
	if r.conv1 == nil || kc.mx != g || kc.h != h {
		r.conv1 = fft.NewConv1(g, 1)
		k1, k0 := r.kernels(h)
		kc.mx, kc.h = g, h
		kc.spec1 = r.conv1.KernelSpectrum(func(d int) float64 { return k1(float64(d * d)) })
		if r.dof != 1 {
			kc.spec0 = r.conv1.KernelSpectrum(func(d int) float64 { return k0(float64(d * d)) })
		}
		kc.self = r.selfTable(kc.self, 1, h)
	}
	spec1, spec0, self := kc.spec1, kc.spec0, kc.self
	o := (lo[0]+hi[0])/2 - float64(g-1)*h/2
	r.stencils(y, 0, o, h, g)
	sq := r.dof == 1
	r.sigA = grow(r.sigA, g) // 1 + i·y
	r.sigB = grow(r.sigB, g) // y² (α = 1) or 1 (against k)
	sigA, sigB := r.sigA, r.sigB
	clear(sigA)
	clear(sigB)
	for i := 0; i < n; i++ {
		s := int(r.start[i])
		yi := y[i]
		cb := complex(1, 0)
		if sq {
			cb = complex(yi*yi, 0)
		}
		for a, wt := range r.weights[i*p : (i+1)*p] {
			sigA[s+a] += complex(wt, 0) * complex(1, yi)
			sigB[s+a] += complex(wt, 0) * cb
		}
	}
	r.conv1.Convolve(sigA, spec1)
	if sq {
		r.conv1.Convolve(sigB, spec1)
	} else {
		r.conv1.Convolve(sigB, spec0)
	}
	for i := 0; i < n; i++ {
		s := int(r.start[i])
		r.selfZ[i] = r.selfTerm(self, r.weights[i*p:(i+1)*p], nil)
		var pa, pb complex128
		for a, wt := range r.weights[i*p : (i+1)*p] {
			pa += complex(wt, 0) * sigA[s+a]
			pb += complex(wt, 0) * sigB[s+a]
		}
		phi0, phi1, phi2 := real(pa), imag(pa), real(pb)
		yi := y[i]
		dst[i] = yi*phi0 - phi1
		if sq {
			r.zi[i] = (1+yi*yi)*phi0 - 2*yi*phi1 + phi2
		} else {
			r.zi[i] = phi2
		}
	}
	z := 0.0
	for i, v := range r.zi {
		z += v - r.selfZ[i]
	}
	return z
}
