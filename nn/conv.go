package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// convGeom is the geometry shared by Conv2D and ConvTranspose2D: an image
// of h×w×c (HWC) scanned by a k×k window with stride s and zero padding p
// at oh×ow positions. For ConvTranspose2D the image is the output and the
// positions are the input pixels.
type convGeom struct {
	h, w, c int
	oh, ow  int
	k, s, p int
}

// cols returns the width of an im2col row, k·k·c.
func (g *convGeom) cols() int { return g.k * g.k * g.c }

// positions returns oh·ow.
func (g *convGeom) positions() int { return g.oh * g.ow }

// span returns the kernel offsets [k0, k1) that land inside an axis of
// length n for the window starting at start.
func span(start, k, n int) (k0, k1 int) {
	k0 = max(0, -start)
	k1 = min(k, n-start)
	return k0, max(k1, k0)
}

// im2col writes one image's windows into col, one row of k·k·c values per
// position, ordered (ky, kx, channel); padding reads as zero.
func (g *convGeom) im2col(col, img []float32) {
	kc := g.k * g.c
	K := g.cols()
	for oy := 0; oy < g.oh; oy++ {
		iy0 := oy*g.s - g.p
		for ox := 0; ox < g.ow; ox++ {
			ix0 := ox*g.s - g.p
			row := col[(oy*g.ow+ox)*K : (oy*g.ow+ox+1)*K]
			kx0, kx1 := span(ix0, g.k, g.w)
			for ky := 0; ky < g.k; ky++ {
				dst := row[ky*kc : (ky+1)*kc]
				iy := iy0 + ky
				if iy < 0 || iy >= g.h || kx0 >= kx1 {
					clear(dst)
					continue
				}
				clear(dst[:kx0*g.c])
				src := img[(iy*g.w+ix0+kx0)*g.c : (iy*g.w+ix0+kx1)*g.c]
				copy(dst[kx0*g.c:kx1*g.c], src)
				clear(dst[kx1*g.c:])
			}
		}
	}
}

// col2im adds each position's row of col back into the image (the adjoint
// of im2col); values that fall on the padding are dropped.
func (g *convGeom) col2im(img, col []float32) {
	kc := g.k * g.c
	K := g.cols()
	for oy := 0; oy < g.oh; oy++ {
		iy0 := oy*g.s - g.p
		for ox := 0; ox < g.ow; ox++ {
			ix0 := ox*g.s - g.p
			row := col[(oy*g.ow+ox)*K : (oy*g.ow+ox+1)*K]
			kx0, kx1 := span(ix0, g.k, g.w)
			if kx0 >= kx1 {
				continue
			}
			for ky := 0; ky < g.k; ky++ {
				iy := iy0 + ky
				if iy < 0 || iy >= g.h {
					continue
				}
				src := row[ky*kc+kx0*g.c : ky*kc+kx1*g.c]
				dst := img[(iy*g.w+ix0+kx0)*g.c : (iy*g.w+ix0+kx1)*g.c]
				mat32.Axpy(1, src, dst)
			}
		}
	}
}

// maxColValues bounds the im2col buffer (32 MiB of float32): larger
// batches are processed in chunks of images.
const maxColValues = 1 << 23

// chunkImages returns how many images one im2col chunk of at most
// maxCol values (maxColValues when 0) holds.
func chunkImages(n, perImage, maxCol int) int {
	if maxCol <= 0 {
		maxCol = maxColValues
	}
	return max(1, min(n, maxCol/max(perImage, 1)))
}

// imageGrain returns how many images one parallel im2col/col2im chunk
// takes: about elemGrain values.
func imageGrain(perImage int) int { return max(1, elemGrain/max(perImage, 1)) }

// ConvOut returns the output shape of a Conv2D with outC channels, a
// kernel×kernel window, stride and zero padding over images of shape in,
// or an error naming the parameter that makes it impossible.
func ConvOut(in dataset.ImageShape, outC, kernel, stride, padding int) (dataset.ImageShape, error) {
	if err := checkConvParams(in, outC, kernel, stride, padding); err != nil {
		return dataset.ImageShape{}, err
	}
	if in.Height+2*padding < kernel || in.Width+2*padding < kernel {
		return dataset.ImageShape{}, fmt.Errorf("nn: conv: kernel %d larger than the padded %dx%d input", kernel, in.Height+2*padding, in.Width+2*padding)
	}
	oh := (in.Height+2*padding-kernel)/stride + 1
	ow := (in.Width+2*padding-kernel)/stride + 1
	return dataset.ImageShape{Height: oh, Width: ow, Channels: outC}, nil
}

// ConvTransposeOut returns the output shape of a ConvTranspose2D:
// (in−1)·stride − 2·padding + kernel + outputPadding on each axis.
func ConvTransposeOut(in dataset.ImageShape, outC, kernel, stride, padding, outputPadding int) (dataset.ImageShape, error) {
	if err := checkConvParams(in, outC, kernel, stride, padding); err != nil {
		return dataset.ImageShape{}, err
	}
	if outputPadding < 0 || outputPadding >= stride {
		return dataset.ImageShape{}, fmt.Errorf("nn: conv transpose: output padding %d not in [0, stride %d)", outputPadding, stride)
	}
	oh := (in.Height-1)*stride - 2*padding + kernel + outputPadding
	ow := (in.Width-1)*stride - 2*padding + kernel + outputPadding
	if oh < 1 || ow < 1 {
		return dataset.ImageShape{}, fmt.Errorf("nn: conv transpose: padding %d leaves an empty %dx%d output", padding, oh, ow)
	}
	return dataset.ImageShape{Height: oh, Width: ow, Channels: outC}, nil
}

func checkConvParams(in dataset.ImageShape, outC, kernel, stride, padding int) error {
	switch {
	case !in.IsImage():
		return fmt.Errorf("nn: conv: input shape %v is not an image", in)
	case outC < 1:
		return fmt.Errorf("nn: conv: %d output channels", outC)
	case kernel < 1:
		return fmt.Errorf("nn: conv: kernel %d", kernel)
	case stride < 1:
		return fmt.Errorf("nn: conv: stride %d", stride)
	case padding < 0 || padding >= kernel:
		return fmt.Errorf("nn: conv: padding %d not in [0, kernel %d)", padding, kernel)
	}
	return nil
}

// Conv2D is a 2-D convolution over images stored one per row in HWC order
// (dataset.ImageShape's layout), computed as im2col followed by one GEMM
// per chunk of images. NHWC makes the GEMM's output the next layer's
// input with no transpose: row (image, y, x) of the product holds that
// pixel's output channels.
//
// The weight is stored (out, kernel, kernel, in) — PyTorch's Conv2d
// weight (out, in, kernel, kernel) with the input channel moved last —
// and the bias (out). Act is fused as in Dense.
type Conv2D struct {
	// In and Out are the input and output image shapes.
	In, Out dataset.ImageShape
	// Kernel is the window's side, Stride its step and Padding the zeros
	// added on every side.
	Kernel  int
	Stride  int
	Padding int
	// Act is applied to the output; the zero value is the identity.
	Act Act
	// NoInputGrad skips ∂loss/∂x (Backward returns nil); set it on a
	// model's first layer.
	NoInputGrad bool

	// W is the weight (out, kernel, kernel, in) and B the bias (out).
	W, B *Param

	g           convGeom
	x           *mat32.Dense
	y, dx       buffer
	ag          actGrad
	col, dcol   []float32
	colComplete bool // col holds the whole batch from Forward
	have        bool
	maxCol      int // im2col buffer bound; 0 means maxColValues (tests lower it)
}

// NewConv2D returns a convolution from images of shape in to outC
// channels with a kernel×kernel window, stride and zero padding, followed
// by act, initialised with InitTorch from rng (nil: zero weights). It
// panics if the parameters are impossible (see ConvOut).
func NewConv2D(in dataset.ImageShape, outC, kernel, stride, padding int, act Act, rng *rand.Rand) *Conv2D {
	out, err := ConvOut(in, outC, kernel, stride, padding)
	if err != nil {
		panic(err.Error())
	}
	c := &Conv2D{In: in, Out: out, Kernel: kernel, Stride: stride, Padding: padding, Act: act}
	c.g = convGeom{h: in.Height, w: in.Width, c: in.Channels, oh: out.Height, ow: out.Width, k: kernel, s: stride, p: padding}
	c.W = newParam("weight", outC, kernel, kernel, in.Channels)
	c.W.FanIn, c.W.FanOut = in.Channels*kernel*kernel, outC*kernel*kernel
	c.B = newParam("bias", outC)
	c.B.FanIn, c.B.FanOut, c.B.Bias = c.W.FanIn, c.W.FanOut, true
	if rng != nil {
		InitParams(c.Params(), InitTorch, rng)
	}
	return c
}

// Params returns the weight and the bias.
func (c *Conv2D) Params() []*Param { return []*Param{c.W, c.B} }

// Forward convolves each row of x (an image of shape In) and returns one
// row of shape Out per image.
func (c *Conv2D) Forward(x *mat32.Dense, mode Mode) *mat32.Dense {
	checkCols("Conv2D", x, c.In.Size())
	n := x.Rows
	P, K, OC := c.g.positions(), c.g.cols(), c.Out.Channels
	y := c.y.get(n, c.Out.Size())
	fillRows(&mat32.Dense{Rows: n * P, Cols: OC, Data: y.Data}, c.B.Data)
	chunk := chunkImages(n, P*K, c.maxCol)
	col := vec(&c.col, chunk*P*K)
	for b0 := 0; b0 < n; b0 += chunk {
		b1 := min(b0+chunk, n)
		c.im2col(col, x, b0, b1)
		rows := (b1 - b0) * P
		mat32.Sgemm(false, true, rows, OC, K, 1, col, K, c.W.Data, K, 1, y.Data[b0*P*OC:], OC)
	}
	c.colComplete = chunk >= n
	c.Act.apply(y.Data)
	c.x, c.have = x, true
	return y
}

// im2col fills col with the windows of images [b0, b1) of x, in parallel
// over images.
func (c *Conv2D) im2col(col []float32, x *mat32.Dense, b0, b1 int) {
	PK := c.g.positions() * c.g.cols()
	mat32.Parallel(b1-b0, imageGrain(PK), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c.g.im2col(col[i*PK:(i+1)*PK], x.Row(b0+i))
		}
	})
}

// Backward accumulates the weight and bias gradients and returns
// ∂loss/∂x (nil when NoInputGrad is set).
func (c *Conv2D) Backward(dy *mat32.Dense) *mat32.Dense {
	checkBackward("Conv2D", c.have, dy, c.y.m.Rows, c.Out.Size())
	n := dy.Rows
	P, K, OC := c.g.positions(), c.g.cols(), c.Out.Channels
	y := &c.y.m
	dz := c.ag.backward(&mat32.Dense{Rows: n * P, Cols: OC, Data: dy.Data},
		&mat32.Dense{Rows: n * P, Cols: OC, Data: y.Data}, c.Act, c.B.Grad)
	var dx *mat32.Dense
	if !c.NoInputGrad {
		dx = c.dx.zeroed(n, c.In.Size())
	}
	chunk := chunkImages(n, P*K, c.maxCol)
	col := vec(&c.col, chunk*P*K)
	var dcol []float32
	if dx != nil {
		dcol = vec(&c.dcol, chunk*P*K)
	}
	for b0 := 0; b0 < n; b0 += chunk {
		b1 := min(b0+chunk, n)
		if !c.colComplete {
			c.im2col(col, c.x, b0, b1)
		}
		rows := (b1 - b0) * P
		dzc := dz.Data[b0*P*OC : b1*P*OC]
		// dW (OC×K) += dzᵀ·col
		mat32.Sgemm(true, false, OC, K, rows, 1, dzc, OC, col, K, 1, c.W.Grad, K)
		if dx == nil {
			continue
		}
		// dcol (rows×K) = dz·W
		mat32.Sgemm(false, false, rows, K, OC, 1, dzc, OC, c.W.Data, K, 0, dcol, K)
		PK := P * K
		mat32.Parallel(b1-b0, imageGrain(PK), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				c.g.col2im(dx.Row(b0+i), dcol[i*PK:(i+1)*PK])
			}
		})
	}
	return dx
}

// ConvTranspose2D is the transposed ("fractionally strided") convolution
// that upsamples in image decoders: the adjoint of a Conv2D from Out to In,
// computed as one GEMM per chunk of images followed by col2im. Images are
// HWC rows as for Conv2D.
//
// The weight is stored (in, kernel, kernel, out) — PyTorch's
// ConvTranspose2d weight (in, out, kernel, kernel) with the output channel
// moved last — and the bias (out). As in PyTorch, the weight's fan-in for
// initialisation is out·kernel².
type ConvTranspose2D struct {
	// In and Out are the input and output image shapes.
	In, Out dataset.ImageShape
	// Kernel, Stride and Padding are those of the Conv2D this is the
	// adjoint of; OutputPadding adds rows and columns at the bottom and
	// right of the output to pick one of the sizes that Conv2D maps to In.
	Kernel        int
	Stride        int
	Padding       int
	OutputPadding int
	// Act is applied to the output; the zero value is the identity.
	Act Act
	// NoInputGrad skips ∂loss/∂x (Backward returns nil).
	NoInputGrad bool

	// W is the weight (in, kernel, kernel, out) and B the bias (out).
	W, B *Param

	g      convGeom
	x      *mat32.Dense
	y, dx  buffer
	ag     actGrad
	col    []float32
	have   bool
	maxCol int // im2col buffer bound; 0 means maxColValues (tests lower it)
}

// NewConvTranspose2D returns a transposed convolution from images of shape
// in to outC channels (output size per ConvTransposeOut), followed by act,
// initialised with InitTorch from rng (nil: zero weights). It panics if
// the parameters are impossible.
func NewConvTranspose2D(in dataset.ImageShape, outC, kernel, stride, padding, outputPadding int, act Act, rng *rand.Rand) *ConvTranspose2D {
	out, err := ConvTransposeOut(in, outC, kernel, stride, padding, outputPadding)
	if err != nil {
		panic(err.Error())
	}
	c := &ConvTranspose2D{In: in, Out: out, Kernel: kernel, Stride: stride, Padding: padding, OutputPadding: outputPadding, Act: act}
	c.g = convGeom{h: out.Height, w: out.Width, c: outC, oh: in.Height, ow: in.Width, k: kernel, s: stride, p: padding}
	c.W = newParam("weight", in.Channels, kernel, kernel, outC)
	c.W.FanIn, c.W.FanOut = outC*kernel*kernel, in.Channels*kernel*kernel
	c.B = newParam("bias", outC)
	c.B.FanIn, c.B.FanOut, c.B.Bias = c.W.FanIn, c.W.FanOut, true
	if rng != nil {
		InitParams(c.Params(), InitTorch, rng)
	}
	return c
}

// Params returns the weight and the bias.
func (c *ConvTranspose2D) Params() []*Param { return []*Param{c.W, c.B} }

// Forward upsamples each row of x (an image of shape In) to one of shape
// Out.
func (c *ConvTranspose2D) Forward(x *mat32.Dense, mode Mode) *mat32.Dense {
	checkCols("ConvTranspose2D", x, c.In.Size())
	n := x.Rows
	P, K, IC, OC := c.g.positions(), c.g.cols(), c.In.Channels, c.Out.Channels
	y := c.y.zeroed(n, c.Out.Size())
	chunk := chunkImages(n, P*K, c.maxCol)
	col := vec(&c.col, chunk*P*K)
	PK := P * K
	for b0 := 0; b0 < n; b0 += chunk {
		b1 := min(b0+chunk, n)
		rows := (b1 - b0) * P
		// col (rows×K) = x·W
		mat32.Sgemm(false, false, rows, K, IC, 1, x.Data[b0*P*IC:], IC, c.W.Data, K, 0, col, K)
		mat32.Parallel(b1-b0, imageGrain(PK), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				c.g.col2im(y.Row(b0+i), col[i*PK:(i+1)*PK])
			}
		})
	}
	pix := &mat32.Dense{Rows: n * c.Out.Height * c.Out.Width, Cols: OC, Data: y.Data}
	mat32.AddRowVec(pix, c.B.Data)
	c.Act.apply(y.Data)
	c.x, c.have = x, true
	return y
}

// Backward accumulates the weight and bias gradients and returns
// ∂loss/∂x (nil when NoInputGrad is set).
func (c *ConvTranspose2D) Backward(dy *mat32.Dense) *mat32.Dense {
	checkBackward("ConvTranspose2D", c.have, dy, c.y.m.Rows, c.Out.Size())
	n := dy.Rows
	P, K, IC, OC := c.g.positions(), c.g.cols(), c.In.Channels, c.Out.Channels
	pixels := n * c.Out.Height * c.Out.Width
	dz := c.ag.backward(&mat32.Dense{Rows: pixels, Cols: OC, Data: dy.Data},
		&mat32.Dense{Rows: pixels, Cols: OC, Data: c.y.m.Data}, c.Act, c.B.Grad)
	var dx *mat32.Dense
	if !c.NoInputGrad {
		dx = c.dx.get(n, c.In.Size())
	}
	chunk := chunkImages(n, P*K, c.maxCol)
	col := vec(&c.col, chunk*P*K)
	PK := P * K
	outSize := c.Out.Size()
	for b0 := 0; b0 < n; b0 += chunk {
		b1 := min(b0+chunk, n)
		rows := (b1 - b0) * P
		mat32.Parallel(b1-b0, imageGrain(PK), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				c.g.im2col(col[i*PK:(i+1)*PK], dz.Data[(b0+i)*outSize:(b0+i+1)*outSize])
			}
		})
		xc := c.x.Data[b0*P*IC : b1*P*IC]
		// dW (IC×K) += xᵀ·dcol
		mat32.Sgemm(true, false, IC, K, rows, 1, xc, IC, col, K, 1, c.W.Grad, K)
		if dx != nil {
			// dx (rows×IC) = dcol·Wᵀ
			mat32.Sgemm(false, true, rows, IC, K, 1, col, K, c.W.Data, K, 0, dx.Data[b0*P*IC:], IC)
		}
	}
	return dx
}
