package nn

import (
	"fmt"
	"math"

	"github.com/latentlab/latent/mat32"
)

// BatchNorm normalises each channel with the batch's mean and variance in
// Train mode and with running estimates in Eval mode, then scales and
// shifts it: y = γ·(x − mean)/√(var + eps) + β (Ioffe and Szegedy 2015).
//
// A row of width Channels is one feature vector (BatchNorm1d); a row of
// width H·W·Channels is an HWC image (BatchNorm2d): statistics are taken
// over the batch and every pixel. The running estimates follow PyTorch:
// r ← (1 − Momentum)·r + Momentum·batch, with the unbiased variance. A
// batch with a single value per channel leaves the running variance alone.
type BatchNorm struct {
	// Channels is the number of channels (features) normalised.
	Channels int
	// Momentum is the running-average rate (0.1).
	Momentum float64
	// Eps is added to the variance (1e-5).
	Eps float64

	// W (γ, "weight") and B (β, "bias") are trainable; RunningMean and
	// RunningVar ("running_mean", "running_var") are buffers.
	W, B, RunningMean, RunningVar *Param

	xhat, y, dx buffer
	invStd      []float32
	scratch     []float32 // 3·Channels: mean (or γ·invStd), mean dy, mean dy·x̂
	sums, part  []float64
	train, have bool
}

// NewBatchNorm returns a BatchNorm over the given number of channels with
// γ = 1, β = 0, running mean 0 and running variance 1.
func NewBatchNorm(channels int) *BatchNorm {
	b := &BatchNorm{Channels: channels, Momentum: 0.1, Eps: 1e-5}
	b.W = newParam("weight", channels)
	b.B = newParam("bias", channels)
	b.RunningMean = newBuffer("running_mean", channels)
	b.RunningVar = newBuffer("running_var", channels)
	for i := range b.W.Data {
		b.W.Data[i] = 1
		b.RunningVar.Data[i] = 1
	}
	return b
}

// Params returns γ and β.
func (b *BatchNorm) Params() []*Param { return []*Param{b.W, b.B} }

// Buffers returns the running mean and variance.
func (b *BatchNorm) Buffers() []*Param { return []*Param{b.RunningMean, b.RunningVar} }

// pixels returns how many channel vectors x holds.
func (b *BatchNorm) pixels(x *mat32.Dense) int {
	if x.Cols%b.Channels != 0 {
		panic(fmt.Sprintf("nn: BatchNorm: %d columns is not a multiple of %d channels", x.Cols, b.Channels))
	}
	return x.Rows * (x.Cols / b.Channels)
}

// channelSums writes, per channel, Σ f(a, b) over every pixel of the
// C-wide vectors in a into dst, in float64 and in fixed chunks so the
// result does not depend on the number of threads. b is nil, one vector of
// C values used for every pixel, or as long as a.
func channelSums(dst []float64, partBuf *[]float64, a, bb []float32, C int, f func(a, b float32) float64) {
	pix := len(a) / C
	grain := max(1, elemGrain/C)
	chunks := (pix + grain - 1) / grain
	if cap(*partBuf) < chunks*C {
		*partBuf = make([]float64, chunks*C)
	}
	part := (*partBuf)[:chunks*C]
	clear(part)
	mat32.Parallel(pix, grain, func(lo, hi int) {
		acc := part[(lo/grain)*C : (lo/grain+1)*C]
		for p := lo; p < hi; p++ {
			av := a[p*C : (p+1)*C]
			if bb == nil {
				for c, v := range av {
					acc[c] += f(v, 0)
				}
				continue
			}
			bv := bb[:C]
			if len(bb) != C {
				bv = bb[p*C : (p+1)*C]
			}
			for c, v := range av {
				acc[c] += f(v, bv[c])
			}
		}
	})
	clear(dst)
	for k := 0; k < chunks; k++ {
		for c := range dst {
			dst[c] += part[k*C+c]
		}
	}
}

// Forward normalises x.
func (b *BatchNorm) Forward(x *mat32.Dense, mode Mode) *mat32.Dense {
	C := b.Channels
	m := b.pixels(x)
	xhat := b.xhat.get(x.Rows, x.Cols)
	y := b.y.get(x.Rows, x.Cols)
	invStd := vec(&b.invStd, C)
	if len(b.sums) < 2*C {
		b.sums = make([]float64, 2*C)
	}
	mean := vec(&b.scratch, 3*C)[:C]
	b.train, b.have = mode == Train, true
	if b.train && m > 0 {
		sum, sq := b.sums[:C], b.sums[C:2*C]
		channelSums(sum, &b.part, x.Data, nil, C, func(v, _ float32) float64 { return float64(v) })
		for c := range sum {
			sum[c] /= float64(m)
			mean[c] = float32(sum[c])
		}
		channelSums(sq, &b.part, x.Data, mean, C, func(v, mu float32) float64 {
			d := float64(v - mu)
			return d * d
		})
		mom := b.Momentum
		for c := range sq {
			v := sq[c] / float64(m)
			invStd[c] = float32(1 / math.Sqrt(v+b.Eps))
			rm := &b.RunningMean.Data[c]
			*rm = float32((1-mom)*float64(*rm) + mom*sum[c])
			if m > 1 {
				rv := &b.RunningVar.Data[c]
				*rv = float32((1-mom)*float64(*rv) + mom*v*float64(m)/float64(m-1))
			}
		}
	} else {
		for c := range mean {
			mean[c] = b.RunningMean.Data[c]
			invStd[c] = float32(1 / math.Sqrt(float64(b.RunningVar.Data[c])+b.Eps))
		}
	}
	gamma, beta := b.W.Data, b.B.Data
	mat32.Parallel(m, max(1, elemGrain/C), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xs := x.Data[p*C : (p+1)*C]
			hs := xhat.Data[p*C : (p+1)*C]
			ys := y.Data[p*C : (p+1)*C]
			for c, v := range xs {
				h := (v - mean[c]) * invStd[c]
				hs[c] = h
				ys[c] = gamma[c]*h + beta[c]
			}
		}
	})
	return y
}

// Backward accumulates ∂loss/∂γ and ∂loss/∂β and returns ∂loss/∂x. After
// a Train-mode Forward it differentiates through the batch statistics;
// after an Eval-mode one the statistics are constants.
func (b *BatchNorm) Backward(dy *mat32.Dense) *mat32.Dense {
	checkBackward("BatchNorm", b.have, dy, b.y.m.Rows, b.y.m.Cols)
	C := b.Channels
	m := b.pixels(dy)
	xhat := &b.xhat.m
	sumDy, sumDyH := b.sums[:C], b.sums[C:2*C]
	channelSums(sumDy, &b.part, dy.Data, nil, C, func(g, _ float32) float64 { return float64(g) })
	channelSums(sumDyH, &b.part, dy.Data, xhat.Data, C, func(g, h float32) float64 { return float64(g) * float64(h) })
	for c := 0; c < C; c++ {
		b.B.Grad[c] += float32(sumDy[c])
		b.W.Grad[c] += float32(sumDyH[c])
	}
	dx := b.dx.get(dy.Rows, dy.Cols)
	sc := vec(&b.scratch, 3*C)
	scale, meanDy, meanDyH := sc[:C], sc[C:2*C], sc[2*C:]
	for c := range scale {
		scale[c] = b.W.Data[c] * b.invStd[c]
		meanDy[c], meanDyH[c] = 0, 0
		if b.train {
			meanDy[c] = float32(sumDy[c] / float64(m))
			meanDyH[c] = float32(sumDyH[c] / float64(m))
		}
	}
	mat32.Parallel(m, max(1, elemGrain/C), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			gs := dy.Data[p*C : (p+1)*C]
			hs := xhat.Data[p*C : (p+1)*C]
			ds := dx.Data[p*C : (p+1)*C]
			for c, g := range gs {
				ds[c] = scale[c] * (g - meanDy[c] - hs[c]*meanDyH[c])
			}
		}
	})
	return dx
}

// LayerNorm normalises each row to zero mean and unit variance over its
// values, then scales and shifts each position:
// y = γ ⊙ (x − mean)/√(var + eps) + β (Ba et al. 2016), the same in Train
// and Eval mode. For an HWC image row it is PyTorch's LayerNorm over
// (C, H, W) with elementwise affine.
type LayerNorm struct {
	// Dim is the row width normalised.
	Dim int
	// Eps is added to the variance (1e-5).
	Eps float64

	// W (γ, "weight") and B (β, "bias"), each of length Dim.
	W, B *Param

	xhat, y, dx buffer
	invStd      []float32
	have        bool
}

// NewLayerNorm returns a LayerNorm over rows of dim values with γ = 1 and
// β = 0.
func NewLayerNorm(dim int) *LayerNorm {
	l := &LayerNorm{Dim: dim, Eps: 1e-5}
	l.W = newParam("weight", dim)
	l.B = newParam("bias", dim)
	for i := range l.W.Data {
		l.W.Data[i] = 1
	}
	return l
}

// Params returns γ and β.
func (l *LayerNorm) Params() []*Param { return []*Param{l.W, l.B} }

// Forward normalises each row of x.
func (l *LayerNorm) Forward(x *mat32.Dense, mode Mode) *mat32.Dense {
	checkCols("LayerNorm", x, l.Dim)
	D := l.Dim
	xhat := l.xhat.get(x.Rows, D)
	y := l.y.get(x.Rows, D)
	invStd := vec(&l.invStd, x.Rows)
	gamma, beta := l.W.Data, l.B.Data
	mat32.Parallel(x.Rows, max(1, elemGrain/D), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xs := x.Data[i*D : (i+1)*D]
			mean := float32(mat32.Sum(xs) / float64(D))
			var v float64
			for _, a := range xs {
				d := float64(a - mean)
				v += d * d
			}
			is := float32(1 / math.Sqrt(v/float64(D)+l.Eps))
			invStd[i] = is
			hs := xhat.Data[i*D : (i+1)*D]
			ys := y.Data[i*D : (i+1)*D]
			for j, a := range xs {
				h := (a - mean) * is
				hs[j] = h
				ys[j] = gamma[j]*h + beta[j]
			}
		}
	})
	l.have = true
	return y
}

// Backward accumulates ∂loss/∂γ and ∂loss/∂β and returns ∂loss/∂x.
func (l *LayerNorm) Backward(dy *mat32.Dense) *mat32.Dense {
	checkBackward("LayerNorm", l.have, dy, l.y.m.Rows, l.Dim)
	D := l.Dim
	n := dy.Rows
	xhat := &l.xhat.m
	// γ and β gradients: columns in parallel, rows in order.
	mat32.Parallel(D, colGrain(n, D), func(lo, hi int) {
		for i := 0; i < n; i++ {
			gs := dy.Data[i*D+lo : i*D+hi]
			hs := xhat.Data[i*D+lo : i*D+hi]
			gw, gb := l.W.Grad[lo:hi], l.B.Grad[lo:hi]
			for j, g := range gs {
				gb[j] += g
				gw[j] += g * hs[j]
			}
		}
	})
	dx := l.dx.get(n, D)
	gamma := l.W.Data
	mat32.Parallel(n, max(1, elemGrain/D), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			gs := dy.Data[i*D : (i+1)*D]
			hs := xhat.Data[i*D : (i+1)*D]
			ds := dx.Data[i*D : (i+1)*D]
			var sg, sgh float64
			for j, g := range gs {
				gg := float64(g * gamma[j])
				sg += gg
				sgh += gg * float64(hs[j])
			}
			mg, mgh := float32(sg/float64(D)), float32(sgh/float64(D))
			is := l.invStd[i]
			for j, g := range gs {
				ds[j] = is * (g*gamma[j] - mg - hs[j]*mgh)
			}
		}
	})
	return dx
}
