package nn

import (
	"fmt"
	"strconv"

	"github.com/latentlab/latent/mat32"
)

// Sequential runs layers one after another.
type Sequential struct {
	// Layers run in order.
	Layers []Layer
}

// NewSequential returns the layers as one layer and names their tensors
// like PyTorch's nn.Sequential does: layer i's "weight" becomes
// "<name>.<i>.weight" (just "<i>.weight" for an empty name).
func NewSequential(name string, layers ...Layer) *Sequential {
	for i, l := range layers {
		if l == nil {
			panic(fmt.Sprintf("nn: NewSequential %q: layer %d is nil", name, i))
		}
		p := strconv.Itoa(i)
		if name != "" {
			p = name + "." + p
		}
		Prefix(p, Tensors(l))
	}
	return &Sequential{Layers: layers}
}

// Forward runs every layer's Forward in order.
func (s *Sequential) Forward(x *mat32.Dense, mode Mode) *mat32.Dense {
	for _, l := range s.Layers {
		x = l.Forward(x, mode)
	}
	return x
}

// Backward runs every layer's Backward in reverse order. It returns nil
// when the first layer does not compute its input gradient; a nil from any
// other layer is a caller bug and panics.
func (s *Sequential) Backward(dy *mat32.Dense) *mat32.Dense {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		dy = s.Layers[i].Backward(dy)
		if dy == nil && i > 0 {
			panic(fmt.Sprintf("nn: Sequential: layer %d returned no input gradient but is not the first", i))
		}
	}
	return dy
}

// Params returns the layers' trainable tensors, layer by layer.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Buffers returns the layers' non-trainable tensors, layer by layer.
func (s *Sequential) Buffers() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, Buffers(l)...)
	}
	return ps
}

// Branch feeds one input to several layers (the heads of a VAE encoder: μ
// and log σ²) and, on the way back, sums their input gradients.
type Branch struct {
	// Heads each receive the same input.
	Heads []Layer

	outs []*mat32.Dense
	dx   buffer
}

// NewBranch returns a Branch over heads, naming their tensors
// "<name>.<i>.…" like NewSequential; give each head a name of its own
// with Prefix first and pass an empty name to keep it.
func NewBranch(name string, heads ...Layer) *Branch {
	if name != "" {
		for i, h := range heads {
			Prefix(name+"."+strconv.Itoa(i), Tensors(h))
		}
	}
	return &Branch{Heads: heads, outs: make([]*mat32.Dense, len(heads))}
}

// Forward runs every head on x and returns their outputs, in order. The
// slice is owned by the Branch and reused.
func (b *Branch) Forward(x *mat32.Dense, mode Mode) []*mat32.Dense {
	for i, h := range b.Heads {
		b.outs[i] = h.Forward(x, mode)
	}
	return b.outs
}

// Backward takes one output gradient per head (nil for a head that does
// not reach the loss) and returns the sum of their input gradients.
func (b *Branch) Backward(dys []*mat32.Dense) *mat32.Dense {
	if len(dys) != len(b.Heads) {
		panic(fmt.Sprintf("nn: Branch: %d gradients for %d heads", len(dys), len(b.Heads)))
	}
	var dx *mat32.Dense
	for i, h := range b.Heads {
		if dys[i] == nil {
			continue
		}
		g := h.Backward(dys[i])
		if g == nil {
			panic(fmt.Sprintf("nn: Branch: head %d returned no input gradient", i))
		}
		if dx == nil {
			dx = b.dx.get(g.Rows, g.Cols)
			copy(dx.Data, g.Data)
			continue
		}
		checkSame("Branch", dx, g)
		mat32.Axpy(1, g.Data, dx.Data)
	}
	if dx == nil {
		panic("nn: Branch: no gradient for any head")
	}
	return dx
}

// Params returns the heads' trainable tensors, head by head.
func (b *Branch) Params() []*Param {
	var ps []*Param
	for _, h := range b.Heads {
		ps = append(ps, h.Params()...)
	}
	return ps
}

// Buffers returns the heads' non-trainable tensors, head by head.
func (b *Branch) Buffers() []*Param {
	var ps []*Param
	for _, h := range b.Heads {
		ps = append(ps, Buffers(h)...)
	}
	return ps
}
