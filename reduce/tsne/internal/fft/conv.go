package fft

import (
	"fmt"

	"github.com/latentlab/latent/mat32"
)

// colChunk is the number of columns one task transforms: 32 complex128
// values are 512 bytes a row, so a 1200-row transform works in 600 KiB,
// inside one core's L2 cache.
const colChunk = 32

// transposeBlock is the edge of the square tiles of a transpose.
const transposeBlock = 32

// Conv2 computes linear convolutions of Gx×Gy complex grids with kernels
// of a real offset (dx, dy), |dx| < Gx, |dy| < Gy, through zero-padded
// transforms of size Mx×My (the smallest smooth lengths ≥ 2G−1). The
// spectrum of a grid is kept in a private layout (transposed, digit
// reversed); only spectra from the same Conv2 (or one of equal sizes) may be
// combined. A Conv2 owns work buffers and is not safe for concurrent use;
// its methods parallelise internally over fixed column chunks.
type Conv2 struct {
	gx, gy, mx, my int
	px, py         *Plan
	a              []complex128 // Mx×Gy, stride Gy: the first-axis stage
	b              []complex128 // My×Mx, stride Mx: the spectrum layout
	xfreq, xpos    []int        // x position → frequency and back
}

// NewConv2 returns a convolver for gx×gy grids.
func NewConv2(gx, gy int) *Conv2 {
	if gx < 1 || gy < 1 {
		panic(fmt.Sprintf("fft: NewConv2: grid %d×%d", gx, gy))
	}
	mx, my := NextSmooth(2*gx-1), NextSmooth(2*gy-1)
	c := &Conv2{gx: gx, gy: gy, mx: mx, my: my, px: NewPlan(mx), py: NewPlan(my),
		a: make([]complex128, mx*gy), b: make([]complex128, my*mx)}
	c.xfreq = c.px.Order()
	c.xpos = make([]int, mx)
	for q, f := range c.xfreq {
		c.xpos[f] = q
	}
	return c
}

// Grid returns the grid size.
func (c *Conv2) Grid() (gx, gy int) { return c.gx, c.gy }

// Size returns the transform size Mx×My.
func (c *Conv2) Size() (mx, my int) { return c.mx, c.my }

// SpectrumLen returns the length of a spectrum: Mx·My.
func (c *Conv2) SpectrumLen() int { return c.mx * c.my }

// KernelSpectrum writes into dst (SpectrumLen values) the spectrum of the
// kernel k(dx, dy), evaluated at |dx| ≤ Mx/2, |dy| ≤ My/2 (k must be even
// in each argument), scaled by 1/(Mx·My) so that Convolve needs no further
// normalisation.
func (c *Conv2) KernelSpectrum(dst []complex128, k func(dx, dy int) float64) {
	c.checkSpec("KernelSpectrum", dst)
	mx, my := c.mx, c.my
	scale := 1 / float64(mx*my)
	// Build the wrapped kernel directly in the transposed layout
	// (row y, column x), then transform both axes in full.
	mat32.Parallel(my, 8, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			dy := min(y, my-y)
			row := dst[y*mx : (y+1)*mx]
			for x := range row {
				row[x] = complex(scale*k(min(x, mx-x), dy), 0)
			}
		}
	})
	// First axis of dst is y (length My), columns are x.
	forwardCols(c.py, dst, mx, 0, mx)
	// Transpose to x-major (in the work buffer), transform along x,
	// transpose back.
	t := c.b
	transpose(t, dst, my, mx)
	forwardCols(c.px, t, my, 0, my)
	transpose(dst, t, mx, my)
}

func (c *Conv2) checkSpec(op string, s []complex128) {
	if len(s) != c.mx*c.my {
		panic(fmt.Sprintf("fft: Conv2.%s: spectrum of %d values, want %d", op, len(s), c.mx*c.my))
	}
}

// Forward writes into dst (SpectrumLen values) the spectrum of grid, Gx
// rows of Gy values (row-major).
func (c *Conv2) Forward(dst, grid []complex128) {
	c.checkSpec("Forward", dst)
	if len(grid) != c.gx*c.gy {
		panic(fmt.Sprintf("fft: Conv2.Forward: grid of %d values, want %d×%d", len(grid), c.gx, c.gy))
	}
	gx, gy, mx := c.gx, c.gy, c.mx
	a := c.a
	copy(a, grid)
	clear(a[gx*gy:])
	// Along x (length Mx) for the Gy columns.
	forwardCols(c.px, a, gy, 0, gy)
	// dst[y][x] = a[x][y] for y < Gy; rows y ≥ Gy are zero.
	transpose(dst[:gy*mx], a, mx, gy)
	clear(dst[gy*mx:])
	// Along y (length My) for all Mx columns.
	forwardCols(c.py, dst, mx, 0, mx)
}

// Convolve writes into out (Gx×Gy, row-major) the linear convolution whose
// spectrum is spec·kernel (both from this Conv2's Forward and
// KernelSpectrum): out[x][y] = Σ grid[x'][y']·k(x−x', y−y').
func (c *Conv2) Convolve(out, spec, kernel []complex128) {
	c.checkSpec("Convolve", spec)
	c.checkSpec("Convolve", kernel)
	if len(out) != c.gx*c.gy {
		panic(fmt.Sprintf("fft: Conv2.Convolve: out of %d values, want %d×%d", len(out), c.gx, c.gy))
	}
	gx, gy, mx, my := c.gx, c.gy, c.mx, c.my
	b := c.b
	mat32.Parallel(my, 8, func(lo, hi int) {
		s, k, d := spec[lo*mx:hi*mx], kernel[lo*mx:hi*mx], b[lo*mx:hi*mx]
		k, d = k[:len(s)], d[:len(s)]
		for i := range s {
			d[i] = s[i] * k[i]
		}
	})
	// Inverse along y for all Mx columns; only rows y < Gy are needed.
	inverseCols(c.py, b, mx, 0, mx)
	a := c.a
	transpose(a, b[:gy*mx], gy, mx)
	// Inverse along x for the Gy columns; rows x < Gx are the result.
	inverseCols(c.px, a, gy, 0, gy)
	copy(out, a[:gx*gy])
}

// The real path. A real grid's spectrum is Hermitian, F(−k) = conj(F(k)),
// so only the frequencies kx ∈ [0, Mx/2] are kept, in natural order, as
// My rows (digit-reversed ky) of Mx/2+1 values. The first-axis transform
// runs on pairs of real columns packed as one complex column and is
// unpacked with the mirror frequency; the second axis runs on half the
// columns. A real convolution costs half a complex one.

// RealSpectrumLen returns the length of a real grid's spectrum:
// My·(Mx/2+1).
func (c *Conv2) RealSpectrumLen() int { return c.my * (c.mx/2 + 1) }

func (c *Conv2) checkRealSpec(op string, s []complex128) {
	if len(s) != c.RealSpectrumLen() {
		panic(fmt.Sprintf("fft: Conv2.%s: real spectrum of %d values, want %d", op, len(s), c.RealSpectrumLen()))
	}
}

// RealKernelSpectrum writes into dst (RealSpectrumLen values) the kernel
// spectrum for the real path, with the scaling of KernelSpectrum. full, if
// not nil, is that kernel's spectrum from KernelSpectrum, which saves
// recomputing it.
func (c *Conv2) RealKernelSpectrum(dst, full []complex128, k func(dx, dy int) float64) {
	c.checkRealSpec("RealKernelSpectrum", dst)
	if full == nil {
		full = make([]complex128, c.SpectrumLen())
		c.KernelSpectrum(full, k)
	}
	c.checkSpec("RealKernelSpectrum", full)
	h := c.mx/2 + 1
	for y := 0; y < c.my; y++ {
		for kx := 0; kx < h; kx++ {
			dst[y*h+kx] = full[y*c.mx+c.xpos[kx]]
		}
	}
}

// ForwardReal writes into dst (RealSpectrumLen values) the spectrum of
// the real grid, Gx rows of Gy values (row-major).
func (c *Conv2) ForwardReal(dst []complex128, grid []float64) {
	c.checkRealSpec("ForwardReal", dst)
	if len(grid) != c.gx*c.gy {
		panic(fmt.Sprintf("fft: Conv2.ForwardReal: grid of %d values, want %d×%d", len(grid), c.gx, c.gy))
	}
	gx, gy, mx := c.gx, c.gy, c.mx
	pw := (gy + 1) / 2 // packed columns
	a := c.a[:mx*pw]
	mat32.Parallel(gx, 64, func(lo, hi int) {
		for x := lo; x < hi; x++ {
			src, row := grid[x*gy:(x+1)*gy], a[x*pw:(x+1)*pw]
			for p := range row {
				im := 0.0
				if 2*p+1 < gy {
					im = src[2*p+1]
				}
				row[p] = complex(src[2*p], im)
			}
		}
	})
	clear(a[gx*pw:])
	forwardCols(c.px, a, pw, 0, pw)
	// Unpack and transpose: dst[y][kx] for y < Gy, kx ≤ Mx/2.
	h := mx/2 + 1
	mat32.Parallel(h, 16, func(lo, hi int) {
		for kx := lo; kx < hi; kx++ {
			rq := a[c.xpos[kx]*pw : (c.xpos[kx]+1)*pw]
			rm := a[c.xpos[(mx-kx)%mx]*pw : (c.xpos[(mx-kx)%mx]+1)*pw]
			for p, zq := range rq {
				zm := rm[p]
				zr, zi := real(zm), -imag(zm) // conj(Z(−k))
				even := complex(0.5*(real(zq)+zr), 0.5*(imag(zq)+zi))
				// (Z(k) − conj(Z(−k)))/(2i)
				odd := complex(0.5*(imag(zq)-zi), -0.5*(real(zq)-zr))
				dst[2*p*h+kx] = even
				if 2*p+1 < gy {
					dst[(2*p+1)*h+kx] = odd
				}
			}
		}
	})
	clear(dst[gy*h:])
	forwardCols(c.py, dst, h, 0, h)
}

// ConvolveReal writes into out (Gx×Gy, row-major) the real linear
// convolution whose spectrum is spec·kernel, both from the real path.
func (c *Conv2) ConvolveReal(out []float64, spec, kernel []complex128) {
	c.checkRealSpec("ConvolveReal", spec)
	c.checkRealSpec("ConvolveReal", kernel)
	if len(out) != c.gx*c.gy {
		panic(fmt.Sprintf("fft: Conv2.ConvolveReal: out of %d values, want %d×%d", len(out), c.gx, c.gy))
	}
	gx, gy, mx, my := c.gx, c.gy, c.mx, c.my
	h := mx/2 + 1
	b := c.b[:my*h]
	mat32.Parallel(my, 8, func(lo, hi int) {
		s, k, d := spec[lo*h:hi*h], kernel[lo*h:hi*h], b[lo*h:hi*h]
		k, d = k[:len(s)], d[:len(s)]
		for i := range s {
			d[i] = s[i] * k[i]
		}
	})
	inverseCols(c.py, b, h, 0, h)
	// Repack: a[q][p] = T(2p, kx) + i·T(2p+1, kx), kx the frequency at
	// position q, T(y, kx) = conj(T(y, Mx−kx)) for kx > Mx/2.
	pw := (gy + 1) / 2
	a := c.a[:mx*pw]
	mat32.Parallel(mx, 16, func(lo, hi int) {
		for q := lo; q < hi; q++ {
			kx := c.xfreq[q]
			conj := kx > mx/2
			if conj {
				kx = mx - kx
			}
			row := a[q*pw : (q+1)*pw]
			for p := range row {
				v0 := b[2*p*h+kx]
				var v1 complex128
				if 2*p+1 < gy {
					v1 = b[(2*p+1)*h+kx]
				}
				if conj {
					v0 = complex(real(v0), -imag(v0))
					v1 = complex(real(v1), -imag(v1))
				}
				// v0 + i·v1
				row[p] = complex(real(v0)-imag(v1), imag(v0)+real(v1))
			}
		}
	})
	inverseCols(c.px, a, pw, 0, pw)
	mat32.Parallel(gx, 64, func(lo, hi int) {
		for x := lo; x < hi; x++ {
			row, dst := a[x*pw:(x+1)*pw], out[x*gy:(x+1)*gy]
			for p, v := range row {
				dst[2*p] = real(v)
				if 2*p+1 < gy {
					dst[2*p+1] = imag(v)
				}
			}
		}
	})
}

// RealDot returns ⟨g, k ∗ g⟩ = Σ_x,y g[x][y]·(k ∗ g)[x][y] for the real
// grid g whose spectrum is spec and the kernel whose spectrum (real path)
// is kernel, by Parseval's identity, without an inverse transform.
func (c *Conv2) RealDot(spec, kernel []complex128) float64 {
	c.checkRealSpec("RealDot", spec)
	c.checkRealSpec("RealDot", kernel)
	h := c.mx/2 + 1
	s := 0.0
	for y := 0; y < c.my; y++ {
		row, kr := spec[y*h:(y+1)*h], kernel[y*h:(y+1)*h]
		for kx, v := range row {
			w := 2.0
			if kx == 0 || 2*kx == c.mx {
				w = 1
			}
			s += w * (real(v)*real(v) + imag(v)*imag(v)) * real(kr[kx])
		}
	}
	return s
}

// forwardCols runs p.Forward on columns [c0, c1) in fixed chunks, in
// parallel.
func forwardCols(p *Plan, data []complex128, stride, c0, c1 int) {
	n := c1 - c0
	mat32.Parallel((n+colChunk-1)/colChunk, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			a := c0 + ch*colChunk
			p.Forward(data, stride, a, min(a+colChunk, c1))
		}
	})
}

// inverseCols runs p.Inverse on columns [c0, c1) in fixed chunks, in
// parallel.
func inverseCols(p *Plan, data []complex128, stride, c0, c1 int) {
	n := c1 - c0
	mat32.Parallel((n+colChunk-1)/colChunk, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			a := c0 + ch*colChunk
			p.Inverse(data, stride, a, min(a+colChunk, c1))
		}
	})
}

// transpose writes the transpose of src (r×c, row-major) into dst (c×r).
func transpose(dst, src []complex128, r, c int) {
	if len(src) < r*c || len(dst) < r*c {
		panic(fmt.Sprintf("fft: transpose of %d×%d with %d and %d values", r, c, len(src), len(dst)))
	}
	tiles := (r + transposeBlock - 1) / transposeBlock
	mat32.Parallel(tiles, 1, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			i0 := t * transposeBlock
			i1 := min(i0+transposeBlock, r)
			for j0 := 0; j0 < c; j0 += transposeBlock {
				j1 := min(j0+transposeBlock, c)
				for i := i0; i < i1; i++ {
					row := src[i*c+j0 : i*c+j1]
					for j, v := range row {
						dst[(j0+j)*r+i] = v
					}
				}
			}
		}
	})
}

// Conv1 computes linear convolutions of length-G complex signals, w of them
// side by side (element (i, s) of a block is signal s at position i), with
// a real even kernel, through transforms of length M ≥ 2G−1.
type Conv1 struct {
	g, m, w int
	p       *Plan
	buf     []complex128
}

// NewConv1 returns a convolver for w signals of length g.
func NewConv1(g, w int) *Conv1 {
	if g < 1 || w < 1 {
		panic(fmt.Sprintf("fft: NewConv1: %d signals of length %d", w, g))
	}
	m := NextSmooth(2*g - 1)
	return &Conv1{g: g, m: m, w: w, p: NewPlan(m), buf: make([]complex128, m*w)}
}

// Size returns the transform length M.
func (c *Conv1) Size() int { return c.m }

// KernelSpectrum returns the spectrum (M values) of the even kernel k(d),
// evaluated at |d| ≤ M/2 and scaled by 1/M.
func (c *Conv1) KernelSpectrum(k func(d int) float64) []complex128 {
	s := make([]complex128, c.m)
	for i := range s {
		s[i] = complex(k(min(i, c.m-i))/float64(c.m), 0)
	}
	c.p.Forward(s, 1, 0, 1)
	return s
}

// Convolve replaces the w signals in block (G×w, row-major) by their linear
// convolutions with the kernel whose spectrum is kernel.
func (c *Conv1) Convolve(block, kernel []complex128) {
	if len(block) != c.g*c.w || len(kernel) != c.m {
		panic(fmt.Sprintf("fft: Conv1.Convolve: block of %d and kernel of %d values, want %d and %d", len(block), len(kernel), c.g*c.w, c.m))
	}
	b := c.buf
	copy(b, block)
	clear(b[len(block):])
	c.p.Forward(b, c.w, 0, c.w)
	for i, k := range kernel {
		row := b[i*c.w : (i+1)*c.w]
		for s := range row {
			row[s] *= k
		}
	}
	c.p.Inverse(b, c.w, 0, c.w)
	copy(block, b[:len(block)])
}
