package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Init is a weight initialisation scheme. Every scheme draws each weight
// independently from rng, tensor after tensor in the order given, so one
// seed gives one set of weights.
type Init uint8

const (
	// InitTorch is PyTorch's default for Linear and Conv layers
	// (kaiming_uniform with a = √5): weights and biases both from
	// U(−1/√fanIn, 1/√fanIn).
	InitTorch Init = iota
	// InitHeUniform draws weights from U(−√(6/fanIn), √(6/fanIn)) (He et
	// al. 2015, gain √2 for ReLU); biases are 0.
	InitHeUniform
	// InitHeNormal draws weights from N(0, 2/fanIn); biases are 0.
	InitHeNormal
	// InitXavierUniform draws weights from U(−√(6/(fanIn+fanOut)), +…)
	// (Glorot and Bengio 2010); biases are 0.
	InitXavierUniform
	// InitXavierNormal draws weights from N(0, 2/(fanIn+fanOut)); biases
	// are 0.
	InitXavierNormal
)

// String names the scheme as the CLI spells it.
func (s Init) String() string {
	switch s {
	case InitTorch:
		return "torch"
	case InitHeUniform:
		return "he-uniform"
	case InitHeNormal:
		return "he-normal"
	case InitXavierUniform:
		return "xavier-uniform"
	case InitXavierNormal:
		return "xavier-normal"
	}
	return fmt.Sprintf("Init(%d)", uint8(s))
}

// ParseInit returns the scheme named s (as String spells it).
func ParseInit(s string) (Init, error) {
	for i := InitTorch; i <= InitXavierNormal; i++ {
		if i.String() == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("nn: unknown initialisation %q (want torch, he-uniform, he-normal, xavier-uniform or xavier-normal)", s)
}

// InitParams sets the weights and biases in ps with scheme, drawing from
// rng. Tensors with FanIn == 0 (normalisation scale and shift, buffers)
// are left alone.
func InitParams(ps []*Param, scheme Init, rng *rand.Rand) {
	for _, p := range ps {
		if p.FanIn <= 0 || p.Grad == nil {
			continue
		}
		fanIn, fanOut := float64(p.FanIn), float64(p.FanOut)
		if p.Bias {
			if scheme == InitTorch {
				uniform(p.Data, 1/math.Sqrt(fanIn), rng)
			} else {
				clear(p.Data)
			}
			continue
		}
		switch scheme {
		case InitTorch:
			uniform(p.Data, 1/math.Sqrt(fanIn), rng)
		case InitHeUniform:
			uniform(p.Data, math.Sqrt(6/fanIn), rng)
		case InitHeNormal:
			normal(p.Data, math.Sqrt(2/fanIn), rng)
		case InitXavierUniform:
			uniform(p.Data, math.Sqrt(6/(fanIn+fanOut)), rng)
		case InitXavierNormal:
			normal(p.Data, math.Sqrt(2/(fanIn+fanOut)), rng)
		default:
			panic(fmt.Sprintf("nn: InitParams: unknown scheme %d", scheme))
		}
	}
}

func uniform(x []float32, bound float64, rng *rand.Rand) {
	for i := range x {
		x[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

func normal(x []float32, std float64, rng *rand.Rand) {
	for i := range x {
		x[i] = float32(rng.NormFloat64() * std)
	}
}

// FillNormal fills x with independent standard normal values from rng
// (the ε of the reparameterisation trick) and returns x.
func FillNormal(x []float32, rng *rand.Rand) []float32 {
	normal(x, 1, rng)
	return x
}
