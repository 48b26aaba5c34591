package nn

import (
	"math/rand/v2"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn/internal/kern"
)

// Dense is a fully connected layer y = act(x·Wᵀ + b), with W stored
// out×in as PyTorch's nn.Linear stores it (so its "weight" and "bias"
// tensors load from and save to a PyTorch state dict unchanged).
//
// The activation is optional and fused: the bias is written into the
// output before the GEMM accumulates onto it, the activation is applied in
// place, and Backward computes the activation's derivative and the bias
// gradient in one pass over the output. A Dense with Act a gives the same
// result as a Dense followed by NewActivation(a), with two passes fewer
// over memory.
type Dense struct {
	// In and Out are the input and output widths.
	In, Out int
	// Act is applied to the output; the zero value is the identity.
	Act Act
	// NoInputGrad skips ∂loss/∂x in Backward (which then returns nil). Set
	// it on a model's first layer, whose input is data: it saves the
	// largest GEMM of the backward pass.
	NoInputGrad bool

	// W is the weight (out×in) and B the bias (out).
	W, B *Param

	x    *mat32.Dense
	y    buffer
	ag   actGrad
	dx   buffer
	have bool
}

// NewDense returns a Dense layer from in to out values, followed by act,
// initialised with InitTorch from rng. A nil rng leaves the weights at
// zero, for a model about to be loaded from a file.
func NewDense(in, out int, act Act, rng *rand.Rand) *Dense {
	d := &Dense{In: in, Out: out, Act: act}
	d.W = newParam("weight", out, in)
	d.W.FanIn, d.W.FanOut = in, out
	d.B = newParam("bias", out)
	d.B.FanIn, d.B.FanOut, d.B.Bias = in, out, true
	if rng != nil {
		InitParams(d.Params(), InitTorch, rng)
	}
	return d
}

// Params returns the weight (out×in) and the bias (out).
func (d *Dense) Params() []*Param { return []*Param{d.W, d.B} }

// Forward returns act(x·Wᵀ + b).
func (d *Dense) Forward(x *mat32.Dense, mode Mode) *mat32.Dense {
	checkCols("Dense", x, d.In)
	n := x.Rows
	y := d.y.get(n, d.Out)
	fillRows(y, d.B.Data)
	mat32.Sgemm(false, true, n, d.Out, d.In, 1, x.Data, d.In, d.W.Data, d.In, 1, y.Data, d.Out)
	d.Act.apply(y.Data)
	d.x = x
	d.have = true
	return y
}

// Backward accumulates ∂loss/∂W and ∂loss/∂b and returns ∂loss/∂x (nil
// when NoInputGrad is set).
func (d *Dense) Backward(dy *mat32.Dense) *mat32.Dense {
	y := &d.y.m
	checkBackward("Dense", d.have, dy, y.Rows, d.Out)
	n := dy.Rows
	dz := d.ag.backward(dy, y, d.Act, d.B.Grad)
	// dW (out×in) += dzᵀ·x
	mat32.Sgemm(true, false, d.Out, d.In, n, 1, dz.Data, d.Out, d.x.Data, d.In, 1, d.W.Grad, d.In)
	if d.NoInputGrad {
		return nil
	}
	dx := d.dx.get(n, d.In)
	mat32.Sgemm(false, false, n, d.In, d.Out, 1, dz.Data, d.Out, d.W.Data, d.In, 0, dx.Data, d.In)
	return dx
}

// fillRows copies v into every row of m.
func fillRows(m *mat32.Dense, v []float32) {
	for i := 0; i < m.Rows; i++ {
		copy(m.Data[i*m.Cols:(i+1)*m.Cols], v)
	}
}

// apply runs a over y in place, in parallel for long slices.
func (a Act) apply(y []float32) {
	if a.Kind == KindLinear {
		return
	}
	if len(y) <= elemGrain { // no closure, no allocation
		a.forward(y, y)
		return
	}
	mat32.Parallel(len(y), elemGrain, func(lo, hi int) {
		a.forward(y[lo:hi], y[lo:hi])
	})
}

// actGrad holds the buffers of the fused backward pass through an
// activation and a bias.
type actGrad struct {
	dz         buffer
	part, wide []float32
	job        biasJob
}

// backward returns dz = dy·a'(y) (dy itself when a is the identity) and
// adds the column sums of dz — the bias gradient — into gb. dy and y are
// rows×len(gb); for a convolution the rows are pixels and the columns
// channels.
//
// Rows are split into chunks fixed by the shape (so the sums do not depend
// on the number of threads), each summed into its own partial, and the
// partials are added in order. Within a chunk, narrow rows are taken q at
// a time as one wide vector, so the vector kernels see at least 256 values
// per call even for a 32-channel convolution.
func (g *actGrad) backward(dy, y *mat32.Dense, a Act, gb []float32) *mat32.Dense {
	n, c := dy.Rows, dy.Cols
	dz := dy
	if a.Kind != KindLinear {
		dz = g.dz.get(n, c)
	}
	if n == 0 || c == 0 {
		return dz
	}
	q := max(1, 256/c)
	L := q * c
	grain := max(1, elemGrain/c)
	grain = (grain + q - 1) / q * q
	chunks := (n + grain - 1) / grain
	part := vec(&g.part, chunks*c)
	wide := vec(&g.wide, chunks*L)
	job := &g.job
	*job = biasJob{a: a, dz: dz.Data, dy: dy.Data, y: y.Data, part: part, wide: wide, c: c, q: q, grain: grain}
	if chunks == 1 { // no closure, no allocation
		job.chunk(0, n)
	} else {
		mat32.Parallel(n, grain, job.chunk)
	}
	for k := 0; k < chunks; k++ {
		mat32.Axpy(1, part[k*c:(k+1)*c], gb)
	}
	return dz
}

// biasJob is one call of actGrad.backward, split into row chunks.
type biasJob struct {
	a                     Act
	dz, dy, y, part, wide []float32
	c, q, grain           int
}

// chunk handles rows [lo, hi), which form chunk lo/grain.
func (j *biasJob) chunk(lo, hi int) {
	c, q := j.c, j.q
	L := q * c
	k := lo / j.grain
	acc := j.wide[k*L : (k+1)*L]
	clear(acc)
	for r := lo; r < hi; r += q {
		o, seg := r*c, (min(r+q, hi)-r)*c
		j.a.backwardAcc(j.dz[o:o+seg], j.dy[o:o+seg], j.y[o:o+seg], acc[:seg])
	}
	p := j.part[k*c : (k+1)*c]
	copy(p, acc[:c])
	for s := 1; s < q; s++ {
		mat32.Axpy(1, acc[s*c:(s+1)*c], p)
	}
}

// backwardAcc writes dy·a'(y) into dz (unless a is the identity, where dz
// is dy) and adds it into acc.
func (a Act) backwardAcc(dz, dy, y, acc []float32) {
	switch {
	case a.Kind == KindLinear:
		mat32.Axpy(1, dy, acc)
	case a.Kind == KindReLU && useKern:
		head := len(dy) &^ 7
		kern.ReLUBackward(dz[:head], dy[:head], y[:head], acc[:head])
		if head < len(dy) {
			a.backward(dz[head:], dy[head:], y[head:])
			mat32.Axpy(1, dz[head:], acc[head:len(dy)])
		}
	default:
		a.backward(dz, dy, y)
		mat32.Axpy(1, dz, acc)
	}
}

// colGrain returns a column chunk for column-parallel passes over an n×c
// matrix: about elemGrain values per chunk, a multiple of 16 columns.
func colGrain(n, c int) int {
	g := elemGrain / max(n, 1)
	g = (g + 15) &^ 15
	return max(g, 16)
}
