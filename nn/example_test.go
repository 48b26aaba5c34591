package nn_test

import (
	"fmt"
	"math"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn"
)

// A 2-8-1 network learns XOR with Adam and BCE on logits.
func Example() {
	rng := dataset.NewRand(1, 0)
	net := nn.NewSequential("xor",
		nn.NewDense(2, 8, nn.Tanh(), rng),
		nn.NewDense(8, 1, nn.Linear(), rng))
	x := mat32.FromRows([][]float32{{0, 0}, {0, 1}, {1, 0}, {1, 1}})
	target := mat32.FromRows([][]float32{{0}, {1}, {1}, {0}})
	params := net.Params()
	opt := nn.NewAdam(params, 0.05)
	grad := mat32.New(4, 1)
	var first, loss float64
	for step := 0; step < 400; step++ {
		nn.ZeroGrads(params)
		loss = nn.BCEWithLogits(grad, net.Forward(x, nn.Train), target, nn.Mean)
		if step == 0 {
			first = loss
		}
		net.Backward(grad)
		opt.Step()
	}
	fmt.Printf("loss %.2f → %.3f\n", first, loss)
	logits := net.Forward(x, nn.Eval)
	for i := 0; i < 4; i++ {
		p := 1 / (1 + exp(-logits.Data[i]))
		fmt.Printf("%v → %.2f\n", x.Row(i), p)
	}
	// Output:
	// loss 0.72 → 0.000
	// [0 0] → 0.00
	// [0 1] → 1.00
	// [1 0] → 1.00
	// [1 1] → 0.00
}

func exp(x float32) float32 {
	return float32(math.Exp(float64(x)))
}
