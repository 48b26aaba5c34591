package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/latentlab/latent/formats/safetensors"
)

// ToTensors returns copies of ps as F32 safetensors tensors with the same
// names and shapes, in order: a model's weights, its buffers, or an
// optimiser's State, ready for safetensors.WriteModel.
func ToTensors(ps []*Param) []safetensors.Tensor {
	out := make([]safetensors.Tensor, len(ps))
	for i, p := range ps {
		out[i] = safetensors.FromFloat32(p.Name, p.Shape, p.Data)
	}
	return out
}

// LoadTensors sets every tensor in ps from the tensor of the same name in
// f. Each must be there, F32, of the same shape and finite; otherwise
// LoadTensors returns an error naming the tensor and changes nothing.
// Tensors in f that ps does not name are ignored (a checkpoint holds the
// optimiser's state beside the weights).
func LoadTensors(ps []*Param, f *safetensors.File) error {
	vals := make([][]float32, len(ps))
	for i, p := range ps {
		t := f.Tensor(p.Name)
		if t == nil {
			return fmt.Errorf("nn: tensor %q is missing", p.Name)
		}
		if t.DType != safetensors.F32 {
			return fmt.Errorf("nn: tensor %q is %s, want F32", p.Name, t.DType)
		}
		if !slices.Equal(t.Shape, p.Shape) {
			return fmt.Errorf("nn: tensor %q has shape %v, want %v", p.Name, t.Shape, p.Shape)
		}
		v, err := t.Float32s(nil)
		if err != nil {
			return fmt.Errorf("nn: tensor %q: %w", p.Name, err)
		}
		if len(v) != len(p.Data) {
			return fmt.Errorf("nn: tensor %q holds %d values, want %d", p.Name, len(v), len(p.Data))
		}
		bad := 0
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				bad++
			}
		}
		if bad > 0 {
			return fmt.Errorf("nn: tensor %q holds %d non-finite values", p.Name, bad)
		}
		vals[i] = v
	}
	for i, p := range ps {
		copy(p.Data, vals[i])
	}
	return nil
}
