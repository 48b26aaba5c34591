package nn

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/mat32"
)

// smallNet is a model with weights and buffers for the save/load tests.
func smallNet(seed uint64) *Sequential {
	rng := dataset.NewRand(seed, 0)
	return NewSequential("net", NewDense(3, 4, ReLU(), rng), NewBatchNorm(4), NewDense(4, 2, Linear(), rng))
}

func TestTensorsRoundTrip(t *testing.T) {
	a := smallNet(1)
	x := randMat(dataset.NewRand(2, 0), 5, 3, 1)
	a.Forward(x, Train) // moves the running statistics
	opt := NewAdam(a.Params(), 1e-3)
	ZeroGrads(a.Params())
	a.Backward(mat32.New(5, 2))
	opt.Step()
	want := a.Forward(x, Eval).Clone()

	var buf bytes.Buffer
	tensors := append(ToTensors(Tensors(a)), ToTensors(opt.State())...)
	if err := safetensors.Write(&buf, tensors, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	b := smallNet(9)
	if err := LoadTensors(Tensors(b), f); err != nil {
		t.Fatal(err)
	}
	got := b.Forward(x, Eval)
	for i := range got.Data {
		if got.Data[i] != want.Data[i] {
			t.Fatalf("loaded model output %v, saved model %v", got.Data, want.Data)
		}
	}
	optB := NewAdam(b.Params(), 1e-3)
	if err := LoadTensors(optB.State(), f); err != nil {
		t.Fatal(err)
	}
	if optB.State()[0].Name != "net.0.weight.exp_avg" || !sameBits(optB.State()[0].Data, opt.State()[0].Data) {
		t.Error("optimiser state did not round-trip")
	}
}

func TestLoadTensorsBadInput(t *testing.T) {
	good := ToTensors(Tensors(smallNet(1)))
	for _, c := range []struct {
		name   string
		change func(ts []safetensors.Tensor) []safetensors.Tensor
		want   string
	}{
		{"missing", func(ts []safetensors.Tensor) []safetensors.Tensor { return ts[1:] }, `tensor "net.0.weight" is missing`},
		{"shape", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[0] = safetensors.FromFloat32("net.0.weight", []int{3, 4}, make([]float32, 12))
			return ts
		}, `tensor "net.0.weight" has shape [3 4], want [4 3]`},
		{"dtype", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[1] = safetensors.FromInt64("net.0.bias", []int{4}, make([]int64, 4))
			return ts
		}, `tensor "net.0.bias" is I64, want F32`},
		{"nan", func(ts []safetensors.Tensor) []safetensors.Tensor {
			v := make([]float32, 4)
			v[2] = float32(math.NaN())
			ts[1] = safetensors.FromFloat32("net.0.bias", []int{4}, v)
			return ts
		}, `tensor "net.0.bias" holds 1 non-finite values`},
	} {
		ts := c.change(append([]safetensors.Tensor(nil), good...))
		var buf bytes.Buffer
		if err := safetensors.Write(&buf, ts, nil); err != nil {
			t.Fatal(err)
		}
		f, err := safetensors.Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		net := smallNet(5)
		before := append([]float32(nil), net.Params()[0].Data...)
		err = LoadTensors(Tensors(net), f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if !sameBits(before, net.Params()[0].Data) {
			t.Errorf("%s: a failed load changed the weights", c.name)
		}
	}
}
