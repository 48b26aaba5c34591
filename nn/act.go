package nn

import (
	"fmt"
	"math"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn/internal/kern"
)

// ActKind names an elementwise activation function.
type ActKind uint8

const (
	// KindLinear is the identity.
	KindLinear ActKind = iota
	// KindReLU is max(x, 0).
	KindReLU
	// KindLeakyReLU is x for x > 0 and Slope·x otherwise.
	KindLeakyReLU
	// KindSigmoid is 1/(1+e^{−x}).
	KindSigmoid
	// KindTanh is tanh(x).
	KindTanh
)

// Act is an elementwise activation function. The zero value is the
// identity. Every Act's derivative can be computed from its output alone,
// which is what lets Dense apply it in place.
type Act struct {
	// Kind selects the function.
	Kind ActKind
	// Slope is LeakyReLU's slope for negative inputs, in [0, 1).
	Slope float32
}

// Linear returns the identity activation.
func Linear() Act { return Act{} }

// ReLU returns max(x, 0).
func ReLU() Act { return Act{Kind: KindReLU} }

// LeakyReLU returns the leaky rectifier with the given negative slope
// (PyTorch's default is 0.01; DCGAN uses 0.2). It panics unless
// 0 ≤ slope < 1.
func LeakyReLU(slope float32) Act {
	if !(slope >= 0 && slope < 1) {
		panic(fmt.Sprintf("nn: LeakyReLU: slope %g not in [0, 1)", slope))
	}
	return Act{Kind: KindLeakyReLU, Slope: slope}
}

// Sigmoid returns the logistic function.
func Sigmoid() Act { return Act{Kind: KindSigmoid} }

// Tanh returns the hyperbolic tangent.
func Tanh() Act { return Act{Kind: KindTanh} }

// String names the function, e.g. "relu" or "leaky_relu(0.2)".
func (a Act) String() string {
	switch a.Kind {
	case KindLinear:
		return "linear"
	case KindReLU:
		return "relu"
	case KindLeakyReLU:
		return fmt.Sprintf("leaky_relu(%g)", a.Slope)
	case KindSigmoid:
		return "sigmoid"
	case KindTanh:
		return "tanh"
	}
	return fmt.Sprintf("ActKind(%d)", a.Kind)
}

// elemGrain is the chunk length of the parallel elementwise passes: long
// enough that a chunk costs far more than handing it to a goroutine.
const elemGrain = 1 << 18

// forward writes a(x) into y; y and x may be the same slice.
func (a Act) forward(y, x []float32) {
	y = y[:len(x)]
	switch a.Kind {
	case KindLinear:
		copy(y, x)
	case KindReLU:
		head := 0
		if useKern {
			head = len(x) &^ 7
			kern.ReLU(y[:head], x[:head])
		}
		// Branch-free: clear the value when its sign bit is set. (The max
		// builtin's NaN and signed-zero handling made this loop 10× slower.)
		for i := head; i < len(x); i++ {
			v := x[i]
			u := math.Float32bits(v)
			y[i] = math.Float32frombits(u &^ uint32(int32(u)>>31))
		}
	case KindLeakyReLU:
		s := a.Slope
		for i, v := range x {
			if v < 0 {
				v *= s
			}
			y[i] = v
		}
	case KindSigmoid:
		for i, v := range x {
			y[i] = sigmoidf(v)
		}
	case KindTanh:
		for i, v := range x {
			y[i] = tanhf(v)
		}
	default:
		panic(fmt.Sprintf("nn: unknown activation %d", a.Kind))
	}
}

// backward writes dy·a'(x) into dx, given the output y = a(x); dx may be
// dy.
func (a Act) backward(dx, dy, y []float32) {
	dx = dx[:len(dy)]
	y = y[:len(dy)]
	switch a.Kind {
	case KindLinear:
		copy(dx, dy)
	case KindReLU:
		// Branch-free: keep g where y > 0 (y's bits, as an int32, are
		// positive), clear it elsewhere.
		for i, g := range dy {
			keep := uint32(-int32(math.Float32bits(y[i])) >> 31)
			dx[i] = math.Float32frombits(math.Float32bits(g) & keep)
		}
	case KindLeakyReLU:
		s := a.Slope
		for i, g := range dy {
			if y[i] <= 0 {
				g *= s
			}
			dx[i] = g
		}
	case KindSigmoid:
		for i, g := range dy {
			v := y[i]
			dx[i] = g * v * (1 - v)
		}
	case KindTanh:
		for i, g := range dy {
			v := y[i]
			dx[i] = g * (1 - v*v)
		}
	default:
		panic(fmt.Sprintf("nn: unknown activation %d", a.Kind))
	}
}

// Activation is a layer that applies an Act to every value.
type Activation struct {
	// Act is the function applied.
	Act Act

	y, dx buffer
	have  bool
}

// NewActivation returns a layer applying a.
func NewActivation(a Act) *Activation { return &Activation{Act: a} }

// NewReLU returns a ReLU layer.
func NewReLU() *Activation { return NewActivation(ReLU()) }

// NewLeakyReLU returns a LeakyReLU layer with the given negative slope.
func NewLeakyReLU(slope float32) *Activation { return NewActivation(LeakyReLU(slope)) }

// NewSigmoid returns a sigmoid layer.
func NewSigmoid() *Activation { return NewActivation(Sigmoid()) }

// NewTanh returns a tanh layer.
func NewTanh() *Activation { return NewActivation(Tanh()) }

// Forward applies the activation.
func (l *Activation) Forward(x *mat32.Dense, mode Mode) *mat32.Dense {
	y := l.y.get(x.Rows, x.Cols)
	a := l.Act
	mat32.Parallel(len(x.Data), elemGrain, func(lo, hi int) {
		a.forward(y.Data[lo:hi], x.Data[lo:hi])
	})
	l.have = true
	return y
}

// Backward returns dy·a'(x).
func (l *Activation) Backward(dy *mat32.Dense) *mat32.Dense {
	y := &l.y.m
	checkBackward("Activation", l.have, dy, y.Rows, y.Cols)
	dx := l.dx.get(dy.Rows, dy.Cols)
	a := l.Act
	mat32.Parallel(len(dy.Data), elemGrain, func(lo, hi int) {
		a.backward(dx.Data[lo:hi], dy.Data[lo:hi], y.Data[lo:hi])
	})
	return dx
}

// Params returns nil: an activation has no parameters.
func (l *Activation) Params() []*Param { return nil }

// Identity is a layer that returns its input.
type Identity struct{}

// Forward returns x.
func (Identity) Forward(x *mat32.Dense, _ Mode) *mat32.Dense { return x }

// Backward returns dy.
func (Identity) Backward(dy *mat32.Dense) *mat32.Dense { return dy }

// Params returns nil.
func (Identity) Params() []*Param { return nil }
