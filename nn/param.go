package nn

import (
	"fmt"
	"math"

	"github.com/latentlab/latent/mat32"
)

// Param is one named tensor of a model: a trainable parameter (with a
// gradient) or a non-trainable buffer such as a batch-norm running mean
// (Grad is nil). Data holds the values row-major in the order Shape gives,
// so a Param maps one-to-one onto a named F32 tensor in a safetensors file.
type Param struct {
	// Name identifies the tensor within a model, e.g. "enc.0.weight".
	// Layers name their own tensors ("weight", "bias", "running_mean");
	// containers prepend their prefix (see Prefix).
	Name string
	// Shape is the tensor's shape; the product of its entries is len(Data).
	Shape []int
	// Data holds the values.
	Data []float32
	// Grad holds ∂loss/∂Data, accumulated by Backward; nil for buffers.
	Grad []float32
	// FanIn and FanOut are the number of inputs and outputs a weight
	// connects, used by the initialisers. Both are 0 for tensors that the
	// initialisers leave alone (normalisation scale and shift, buffers).
	FanIn, FanOut int
	// Bias marks a bias vector; FanIn is then the fan-in of its weight.
	Bias bool
	// NoDecay excludes the tensor from weight decay.
	NoDecay bool
}

// newParam returns a trainable parameter of the given shape.
func newParam(name string, shape ...int) *Param {
	n := 1
	for _, s := range shape {
		if s <= 0 {
			panic(fmt.Sprintf("nn: parameter %s: dimension %d in shape %v", name, s, shape))
		}
		n *= s
	}
	return &Param{Name: name, Shape: shape, Data: make([]float32, n), Grad: make([]float32, n)}
}

// newBuffer returns a non-trainable tensor of the given shape.
func newBuffer(name string, shape ...int) *Param {
	p := newParam(name, shape...)
	p.Grad = nil
	return p
}

// Len returns the number of values in p.
func (p *Param) Len() int { return len(p.Data) }

// Mode selects training or evaluation behaviour for the layers that differ
// (BatchNorm, Dropout, Reparam).
type Mode uint8

const (
	// Eval uses running statistics, disables dropout and sampling.
	Eval Mode = iota
	// Train uses batch statistics, drops units and samples; it also keeps
	// what Backward needs.
	Train
)

// String returns "eval" or "train".
func (m Mode) String() string {
	if m == Train {
		return "train"
	}
	return "eval"
}

// Layer is a differentiable map from a batch of rows to a batch of rows.
//
// Forward returns a matrix that the layer owns and reuses: it stays valid
// until the next Forward call. The layer keeps a reference to x for
// Backward, so x must not change in between.
//
// Backward takes ∂loss/∂output for the last Forward (same shape as its
// result), adds the parameter gradients into each Param.Grad and returns
// ∂loss/∂x in a matrix the layer owns, valid until the next Backward. It
// does not modify dy. A layer may return its argument unchanged (Identity,
// Dropout in Eval mode) and returns nil when it was told not to compute
// the input gradient (Dense.NoInputGrad, Conv2D.NoInputGrad).
type Layer interface {
	Forward(x *mat32.Dense, mode Mode) *mat32.Dense
	Backward(dy *mat32.Dense) *mat32.Dense
	// Params returns the trainable tensors, in a fixed order.
	Params() []*Param
}

// Stateful is implemented by layers that hold non-trainable tensors that
// belong in a saved model (batch-norm running statistics).
type Stateful interface {
	Buffers() []*Param
}

// Buffers returns l's non-trainable tensors, or nil if it has none.
func Buffers(l Layer) []*Param {
	if s, ok := l.(Stateful); ok {
		return s.Buffers()
	}
	return nil
}

// Tensors returns every tensor of l that a saved model needs: its
// parameters followed by its buffers.
func Tensors(l Layer) []*Param {
	return append(append([]*Param(nil), l.Params()...), Buffers(l)...)
}

// Prefix prepends prefix and a dot to the name of each tensor in ps and
// returns ps. Containers call it once, when they are built, so a layer
// should belong to one container only. An empty prefix changes nothing.
func Prefix(prefix string, ps []*Param) []*Param {
	if prefix == "" {
		return ps
	}
	for _, p := range ps {
		p.Name = prefix + "." + p.Name
	}
	return ps
}

// CountParams returns the number of trainable values in ps.
func CountParams(ps []*Param) int {
	n := 0
	for _, p := range ps {
		if p.Grad != nil {
			n += len(p.Data)
		}
	}
	return n
}

// ZeroGrads sets every gradient in ps to zero. Backward accumulates, so a
// training step calls it before the backward pass (or after the update).
func ZeroGrads(ps []*Param) {
	for _, p := range ps {
		clear(p.Grad)
	}
}

// GradNorm returns the euclidean norm of all gradients in ps together,
// accumulated in float64.
func GradNorm(ps []*Param) float64 {
	var s float64
	for _, p := range ps {
		s += sumSquares(p.Grad)
	}
	return math.Sqrt(s)
}

// ClipGradNorm scales the gradients in ps so that their global euclidean
// norm is at most maxNorm, and returns the norm before clipping. A
// non-finite norm is returned as is and the gradients are left alone, so
// the caller can stop on it.
func ClipGradNorm(ps []*Param, maxNorm float64) float64 {
	if maxNorm <= 0 {
		panic(fmt.Sprintf("nn: ClipGradNorm: max norm %g", maxNorm))
	}
	norm := GradNorm(ps)
	if norm > maxNorm && !math.IsInf(norm, 0) && !math.IsNaN(norm) {
		s := float32(maxNorm / (norm + 1e-6))
		for _, p := range ps {
			mat32.Scale(s, p.Grad)
		}
	}
	return norm
}

// sumSquares returns Σ x², accumulated in float64 in blocks through the
// vector kernel.
func sumSquares(x []float32) float64 {
	var s float64
	const block = 1024
	for lo := 0; lo < len(x); lo += block {
		b := x[lo:min(lo+block, len(x))]
		s += float64(mat32.Dot(b, b))
	}
	return s
}
