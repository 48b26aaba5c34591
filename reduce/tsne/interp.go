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
//	Z_i = Σ_j k(y_i−y_j),
//
// spreads the charges onto a regular grid with Lagrange interpolation
// weights, convolves the grid with the kernel sampled on it (a Toeplitz
// product done by zero-padded FFTs), and interpolates the potentials back
// at the points with the same weights. For α = 1, k = K1·(1 + d²), so Z_i
// comes from the same convolution with the charge |y|²:
//
//	Z_i = (1 + |y_i|²)·φ0 − 2·y_i·φ + φ|y|²
//
// and four real charges (1, y₁, y₂, |y|²) are packed into two complex
// grids. Unlike FIt-SNE, whose stencil is the fixed set of nodes of the
// point's box, each point uses the InterpPoints grid nodes centred on it,
// which is more accurate at the same grid size (see DefaultGridSpacing).
//
// Determinism: charges are spread by bands of grid rows, each band adding
// the points that touch it in (stencil row, index) order, so every grid
// value is summed in an order fixed by the data alone.

// Grid size limits: at least minGrid nodes per dimension (below, the
// spacing shrinks, which costs nothing) and at most maxGrid, or 8·√n for
// n points when that is smaller (beyond, the spacing grows). A converged
// map of n points spans about 2·√n units, 4·√n nodes at the default
// spacing, so the cap only bites for maps blown apart by an input without
// neighbourhood structure, where the FFT would otherwise cost far more
// than the points are worth.
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

	start   []int32   // n×dims stencil starts
	weights []float64 // n×dims×p interpolation weights
	zi      []float64
	selfZ   []float64 // each point's interpolated kernel with itself
	denom   []float64 // Lagrange denominators

	// Two dimensions.
	conv         *fft.Conv2
	gridA        []complex128 // y₁ + i·y₂ charges, then potentials
	gridW        []float64    // unit charges, then potentials
	specA, specW []complex128
	kern         kernelCache
	order        []int32 // points sorted by stencil row
	rowStart     []int   // bucket offsets into order

	// One dimension.
	conv1 *fft.Conv1
}

// kernelCache holds the kernel spectra for one (grid, spacing).
type kernelCache struct {
	mx, my   int
	h        float64
	k1       []complex128 // k^{1+1/α}, complex path
	k1r, k0r []complex128 // k^{1+1/α} and (α ≠ 1) k, real path
	self     []float64    // the Z kernel at stencil offsets, (2p−1)^dims
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

// spacingFor returns the grid spacing for an embedding whose widest
// coordinate range is extent: the configured spacing, widened when the
// grid would exceed maxGrid nodes and narrowed when it would have fewer
// than minGrid.
func (r *fftRepeller) spacingFor(extent float64) float64 {
	h := r.spacing
	if limit := r.maxNodes - 2*float64(r.p) - 2; extent/h > limit {
		h = extent / limit
	}
	if extent/h < minGrid {
		h = extent / minGrid
	}
	if !(h > 0) {
		h = 1
	}
	return h
}

// nodesFor returns the grid length for an extent at spacing h: the
// largest G whose FFT length NextSmooth(2G−1) equals that of the smallest
// G that covers the extent with stencil margins.
func (r *fftRepeller) nodesFor(extent, h float64) int {
	g := int(math.Ceil(extent/h)) + 2*(r.p/2+1) + 1
	m := fft.NextSmooth(2*g - 1)
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
	extent := max(hi[0]-lo[0], hi[1]-lo[1])
	h := r.spacingFor(extent)
	gx, gy := r.nodesFor(hi[0]-lo[0], h), r.nodesFor(hi[1]-lo[1], h)
	if r.conv == nil {
		r.conv = fft.NewConv2(gx, gy)
	} else if ox, oy := r.conv.Grid(); ox != gx || oy != gy {
		r.conv = fft.NewConv2(gx, gy)
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
			for _, i32 := range r.order[r.rowStart[max(r0-p+1, 0)]:r.rowStart[r1]] {
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

	r.specA = grow(r.specA, conv.SpectrumLen())
	r.specW = grow(r.specW, conv.RealSpectrumLen())
	conv.Forward(r.specA, r.gridA)
	conv.ForwardReal(r.specW, r.gridW)
	conv.Convolve(r.gridA, r.specA, kc.k1)
	z := 0.0
	if r.dof != 1 {
		// Z = Σ_ij k̃(y_i, y_j) = ⟨W, k ∗ W⟩, from the spectrum.
		z = conv.RealDot(r.specW, kc.k0r)
	}
	conv.ConvolveReal(r.gridW, r.specW, kc.k1r)

	// Interpolate the potentials back and form R (and Z_i for α = 1).
	sq := r.dof == 1
	mat32.Parallel(n, rowChunk, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			sx, sy := int(r.start[2*i]), int(r.start[2*i+1])
			wx := r.weights[2*i*p : (2*i+1)*p]
			wy := r.weights[(2*i+1)*p : (2*i+2)*p]
			var phi0, phi1, phi2 float64
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
			r.selfZ[i] = r.selfTerm(kc.self, wx, wy)
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

// selfTable returns the kernel whose sum is Z (k^{1+1/α} for α = 1, where
// Z comes from the K1 convolution, k otherwise) at the grid offsets
// (da, db) ∈ (−p, p)^dims, flattened.
func (r *fftRepeller) selfTable(dst []float64, dims int, h float64) []float64 {
	k1, k0 := r.kernels(h)
	kz := k0
	if r.dof == 1 {
		kz = k1
	}
	w := 2*r.p - 1
	if dims == 1 {
		dst = grow(dst, w)
		for a := range dst {
			d := float64(a - (r.p - 1))
			dst[a] = kz(d * d)
		}
		return dst
	}
	dst = grow(dst, w*w)
	for a := 0; a < w; a++ {
		for b := 0; b < w; b++ {
			da, db := float64(a-(r.p-1)), float64(b-(r.p-1))
			dst[a*w+b] = kz(da*da + db*db)
		}
	}
	return dst
}

// selfTerm returns the interpolated kernel of a point with itself,
// Σ wx_a·wx_a'·wy_b·wy_b'·T(a−a', b−b') (wy nil in one dimension).
func (r *fftRepeller) selfTerm(t, wx, wy []float64) float64 {
	p := r.p
	w := 2*p - 1
	var sx, sy [15]float64
	for a, u := range wx {
		for b, v := range wx {
			sx[a-b+p-1] += u * v
		}
	}
	if wy == nil {
		s := 0.0
		for a := 0; a < w; a++ {
			s += sx[a] * t[a]
		}
		return s
	}
	for a, u := range wy {
		for b, v := range wy {
			sy[a-b+p-1] += u * v
		}
	}
	s := 0.0
	for a := 0; a < w; a++ {
		row := t[a*w : (a+1)*w]
		ra := 0.0
		for b, v := range row {
			ra += sy[b] * v
		}
		s += sx[a] * ra
	}
	return s
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
	h := r.spacingFor(hi[0] - lo[0])
	g := r.nodesFor(hi[0]-lo[0], h)
	if r.conv1 == nil || r.conv1.Size() != fft.NextSmooth(2*g-1) {
		r.conv1 = fft.NewConv1(g, 1)
	}
	o := (lo[0]+hi[0])/2 - float64(g-1)*h/2
	r.stencils(y, 0, o, h, g)
	k1, k0 := r.kernels(h)
	spec1 := r.conv1.KernelSpectrum(func(d int) float64 { return k1(float64(d * d)) })
	var spec0 []complex128
	if r.dof != 1 {
		spec0 = r.conv1.KernelSpectrum(func(d int) float64 { return k0(float64(d * d)) })
	}
	sq := r.dof == 1
	sigA := make([]complex128, g) // 1 + i·y
	sigB := make([]complex128, g) // y² (α = 1) or 1 (against k)
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
	self := r.selfTable(r.kern.self, 1, h)
	r.kern.self = self
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
