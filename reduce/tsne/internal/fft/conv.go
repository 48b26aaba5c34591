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
// transforms of size Mx×My (GoodSize(2G−1)). Kernel spectra are held in
// float32 (they are read once per convolution, from memory, and their
// rounding, 6e-8 relative, is far below the interpolation error of the
// t-SNE gradient); the transforms run in float64. The
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
	plans          map[int]*Plan
	kbuf           []complex128 // KernelSpectrum's second buffer
}

// NewConv2 returns a convolver for gx×gy grids.
func NewConv2(gx, gy int) *Conv2 {
	c := &Conv2{plans: map[int]*Plan{}}
	c.Reset(gx, gy)
	return c
}

// Reset makes c a convolver for gx×gy grids, keeping its work buffers
// and plans for reuse.
func (c *Conv2) Reset(gx, gy int) {
	if gx < 1 || gy < 1 {
		panic(fmt.Sprintf("fft: Conv2: grid %d×%d", gx, gy))
	}
	mx, my := GoodSize(2*gx-1), GoodSize(2*gy-1)
	c.gx, c.gy, c.mx, c.my = gx, gy, mx, my
	c.px, c.py = c.plan(mx), c.plan(my)
	if cap(c.a) < mx*gy {
		c.a = make([]complex128, mx*gy)
	}
	c.a = c.a[:mx*gy]
	if cap(c.b) < mx*my {
		c.b = make([]complex128, mx*my)
	}
	c.b = c.b[:mx*my]
	c.xfreq = c.px.Order()
	c.xpos = grow(c.xpos, mx)
	for q, f := range c.xfreq {
		c.xpos[f] = q
	}
}

// plan returns the cached plan for length n.
func (c *Conv2) plan(n int) *Plan {
	p, ok := c.plans[n]
	if !ok {
		p = NewPlan(n)
		c.plans[n] = p
	}
	return p
}

// grow returns s with length n, reallocating only when too short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Grid returns the grid size.
func (c *Conv2) Grid() (gx, gy int) { return c.gx, c.gy }

// Size returns the transform size Mx×My.
func (c *Conv2) Size() (mx, my int) { return c.mx, c.my }

// SpectrumLen returns the length of a spectrum: Mx·My.
func (c *Conv2) SpectrumLen() int { return c.mx * c.my }

// KernelSpectrum writes into dst (SpectrumLen values) the spectrum of the
// kernel k(dx, dy), evaluated at |dx| ≤ Mx/2, |dy| ≤ My/2, scaled by
// 1/(Mx·My) so that Convolve needs no further normalisation. The kernel
// must be even in each argument, so its spectrum is real.
func (c *Conv2) KernelSpectrum(dst []float32, k func(dx, dy int) float64) {
	c.checkSpec("KernelSpectrum", len(dst))
	mx, my := c.mx, c.my
	scale := 1 / float64(mx*my)
	// Build the wrapped kernel in the transposed layout (row y, column
	// x), transform along y, transpose, transform along x, transpose back.
	c.kbuf = grow(c.kbuf, mx*my)
	u := c.kbuf
	v := c.b[:mx*my]
	mat32.Parallel(my, 8, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			dy := min(y, my-y)
			row := v[y*mx : (y+1)*mx]
			for x := range row {
				row[x] = complex(scale*k(min(x, mx-x), dy), 0)
			}
		}
	})
	forwardCols(c.py, v, mx, 0, mx, my)
	transpose(u, v, my, mx)
	forwardCols(c.px, u, my, 0, my, mx)
	transpose(v, u, mx, my)
	for i, z := range v[:mx*my] {
		dst[i] = float32(real(z))
	}
}

func (c *Conv2) checkSpec(op string, n int) {
	if n != c.mx*c.my {
		panic(fmt.Sprintf("fft: Conv2.%s: spectrum of %d values, want %d", op, n, c.mx*c.my))
	}
}

// Convolve replaces grid (Gx rows of Gy values, row-major) by its linear
// convolution with the kernel whose spectrum (from KernelSpectrum) is
// kernel: grid[x][y] ← Σ grid[x'][y']·k(x−x', y−y').
func (c *Conv2) Convolve(grid []complex128, kernel []float32) {
	c.checkSpec("Convolve", len(kernel))
	if len(grid) != c.gx*c.gy {
		panic(fmt.Sprintf("fft: Conv2.Convolve: grid of %d values, want %d×%d", len(grid), c.gx, c.gy))
	}
	gx, gy, mx, my := c.gx, c.gy, c.mx, c.my
	a := c.a
	copy(a, grid)
	clear(a[gx*gy:])
	// Along x (length Mx) for the Gy columns; rows ≥ Gx are zero.
	forwardCols(c.px, a, gy, 0, gy, gx)
	// b[y][x] = a[x][y] for y < Gy; rows y ≥ Gy are zero.
	b := c.b
	transpose(b[:gy*mx], a, mx, gy)
	clear(b[gy*mx : my*mx])
	// Along y for all Mx columns, each chunk transformed, multiplied and
	// transformed back while in cache; only rows y < Gy are needed.
	c.ypass(b, mx, mx, kernel, nil, nil)
	transpose(a, b[:gy*mx], gy, mx)
	// Back along x for the Gy columns; rows x < Gx are the result.
	inverseCols(c.px, a, gy, 0, gy, gx)
	copy(grid, a[:gx*gy])
}

// ypass runs, on each chunk of the ncols columns of b (My rows of the
// given stride, rows ≥ Gy zero): the forward transform along y, the
// product with the real kernel spectrum (same layout), and the inverse
// transform, of which only rows < Gy are computed. When dot is not nil it
// also returns Σ weight(column)·|B|²·dot over the forward spectrum B (see
// ConvolveReal).
func (c *Conv2) ypass(b []complex128, stride, ncols int, kernel, dot []float32, weight func(col int) float64) float64 {
	chunks := (ncols + colChunk - 1) / colChunk
	var dots []float64
	if dot != nil {
		dots = make([]float64, chunks)
	}
	gy, my := c.gy, c.my
	mat32.Parallel(chunks, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			c0, c1 := ch*colChunk, min((ch+1)*colChunk, ncols)
			c.py.ForwardPruned(b, stride, c0, c1, gy)
			s := 0.0
			for y := 0; y < my; y++ {
				row := b[y*stride+c0 : y*stride+c1]
				k := kernel[y*stride+c0 : y*stride+c1]
				k = k[:len(row)]
				if dot != nil {
					d := dot[y*stride+c0 : y*stride+c1]
					d = d[:len(row)]
					for j, v := range row {
						s += weight(c0+j) * (real(v)*real(v) + imag(v)*imag(v)) * float64(d[j])
					}
				}
				scaleRow(row, k)
			}
			if dot != nil {
				dots[ch] = s
			}
			c.py.InversePruned(b, stride, c0, c1, gy)
		}
	})
	t := 0.0
	for _, v := range dots {
		t += v
	}
	return t
}

// scaleRow multiplies each row[j] by the real k[j].
func scaleRow(row []complex128, k []float32) {
	w := len(row)
	if useAVX2 && w >= 2 {
		ne := w &^ 1
		scaleReal(&row[0], &k[0], ne)
		row, k = row[ne:], k[ne:]
	}
	for j, v := range row {
		kj := float64(k[j])
		row[j] = complex(real(v)*kj, imag(v)*kj)
	}
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

func (c *Conv2) checkRealSpec(op string, n int) {
	if n != c.RealSpectrumLen() {
		panic(fmt.Sprintf("fft: Conv2.%s: real spectrum of %d values, want %d", op, n, c.RealSpectrumLen()))
	}
}

// RealKernelSpectrum writes into dst (RealSpectrumLen values) the kernel
// spectrum for the real path, with the scaling of KernelSpectrum. full, if
// not nil, is that kernel's spectrum from KernelSpectrum, which saves
// recomputing it.
func (c *Conv2) RealKernelSpectrum(dst, full []float32, k func(dx, dy int) float64) {
	c.checkRealSpec("RealKernelSpectrum", len(dst))
	if full == nil {
		full = make([]float32, c.SpectrumLen())
		c.KernelSpectrum(full, k)
	}
	c.checkSpec("RealKernelSpectrum", len(full))
	h := c.mx/2 + 1
	for y := 0; y < c.my; y++ {
		for kx := 0; kx < h; kx++ {
			dst[y*h+kx] = full[y*c.mx+c.xpos[kx]]
		}
	}
}

// ConvolveReal replaces the real grid (Gx rows of Gy values, row-major)
// by its linear convolution with the kernel whose real-path spectrum (from
// RealKernelSpectrum) is kernel. When dot is not nil (another real-path
// kernel spectrum) it also returns ⟨g, d ∗ g⟩ = Σ g[x][y]·(d ∗ g)[x][y]
// for the original grid g, by Parseval's identity; otherwise 0.
func (c *Conv2) ConvolveReal(grid []float64, kernel, dot []float32) float64 {
	c.checkRealSpec("ConvolveReal", len(kernel))
	if dot != nil {
		c.checkRealSpec("ConvolveReal", len(dot))
	}
	if len(grid) != c.gx*c.gy {
		panic(fmt.Sprintf("fft: Conv2.ConvolveReal: grid of %d values, want %d×%d", len(grid), c.gx, c.gy))
	}
	gx, gy, mx, my := c.gx, c.gy, c.mx, c.my
	pw := (gy + 1) / 2 // packed columns
	a := c.a[:mx*pw]
	// Pack pairs of real columns as one complex column.
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
	forwardCols(c.px, a, pw, 0, pw, gx)
	// Unpack with the mirror frequency and transpose: b[y][kx] for y < Gy,
	// kx ≤ Mx/2; rows y ≥ Gy are zero.
	h := mx/2 + 1
	b := c.b[:my*h]
	mat32.Parallel(h, 16, func(lo, hi int) {
		for kx := lo; kx < hi; kx++ {
			rq := a[c.xpos[kx]*pw : (c.xpos[kx]+1)*pw]
			rm := a[c.xpos[(mx-kx)%mx]*pw : (c.xpos[(mx-kx)%mx]+1)*pw]
			for p, zq := range rq {
				zm := rm[p]
				zr, zi := real(zm), -imag(zm) // conj(Z(−k))
				b[2*p*h+kx] = complex(0.5*(real(zq)+zr), 0.5*(imag(zq)+zi))
				if 2*p+1 < gy {
					// (Z(k) − conj(Z(−k)))/(2i)
					b[(2*p+1)*h+kx] = complex(0.5*(imag(zq)-zi), -0.5*(real(zq)-zr))
				}
			}
		}
	})
	clear(b[gy*h:])
	d := c.ypass(b, h, h, kernel, dot, func(kx int) float64 {
		if kx == 0 || 2*kx == mx {
			return 1
		}
		return 2
	})
	// Repack: a[q][p] = T(2p, kx) + i·T(2p+1, kx), kx the frequency at
	// position q, T(y, kx) = conj(T(y, Mx−kx)) for kx > Mx/2.
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
				row[p] = complex(real(v0)-imag(v1), imag(v0)+real(v1)) // v0 + i·v1
			}
		}
	})
	inverseCols(c.px, a, pw, 0, pw, gx)
	mat32.Parallel(gx, 64, func(lo, hi int) {
		for x := lo; x < hi; x++ {
			row, dst := a[x*pw:(x+1)*pw], grid[x*gy:(x+1)*gy]
			for p, v := range row {
				dst[2*p] = real(v)
				if 2*p+1 < gy {
					dst[2*p+1] = imag(v)
				}
			}
		}
	})
	return d
}

// forwardCols runs p.ForwardPruned (nz leading rows non-zero) on columns
// [c0, c1) in fixed chunks, in parallel.
func forwardCols(p *Plan, data []complex128, stride, c0, c1, nz int) {
	n := c1 - c0
	mat32.Parallel((n+colChunk-1)/colChunk, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			a := c0 + ch*colChunk
			p.ForwardPruned(data, stride, a, min(a+colChunk, c1), nz)
		}
	})
}

// inverseCols runs p.InversePruned (nout leading rows wanted) on columns
// [c0, c1) in fixed chunks, in parallel.
func inverseCols(p *Plan, data []complex128, stride, c0, c1, nout int) {
	n := c1 - c0
	mat32.Parallel((n+colChunk-1)/colChunk, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			a := c0 + ch*colChunk
			p.InversePruned(data, stride, a, min(a+colChunk, c1), nout)
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
				ie := i0
				if useAVX2 {
					// The even part of the tile in the vector kernel, the
					// odd last row and column (if any) below.
					var je int
					ie, je = i0+(i1-i0)&^1, j0+(j1-j0)&^1
					if ie > i0 && je > j0 {
						transpose2(&dst[j0*r+i0], r, &src[i0*c+j0], c, ie-i0, je-j0)
					}
					for i := i0; i < ie; i++ {
						for j := je; j < j1; j++ {
							dst[j*r+i] = src[i*c+j]
						}
					}
				}
				for i := ie; i < i1; i++ {
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
