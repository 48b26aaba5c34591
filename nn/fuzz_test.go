package nn

import (
	"bytes"
	"math"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/safetensors"
)

// FuzzLoadTensors feeds arbitrary bytes that parse as safetensors to
// LoadTensors: it must return an error or load exactly the file's values,
// never panic, and never change the weights when it fails.
func FuzzLoadTensors(f *testing.F) {
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, ToTensors(Tensors(smallNet(1))), nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := safetensors.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		net := smallNet(2)
		ts := Tensors(net)
		before := make([][]float32, len(ts))
		for i, p := range ts {
			before[i] = append([]float32(nil), p.Data...)
		}
		if err := LoadTensors(ts, file); err != nil {
			for i, p := range ts {
				if !sameBits(before[i], p.Data) {
					t.Fatalf("failed load (%v) changed %s", err, p.Name)
				}
			}
			return
		}
		for _, p := range ts {
			v, _, err := file.Float32(p.Name)
			if err != nil || !sameBits(v, p.Data) {
				t.Fatalf("%s: loaded %v, file holds %v (%v)", p.Name, p.Data, v, err)
			}
		}
	})
}

// FuzzConvGeometry builds convolutions from arbitrary small geometries:
// ConvOut must reject the impossible ones with an error, and for the rest
// Forward and Backward must stay in bounds and the transposed convolution
// must be the adjoint of the convolution.
func FuzzConvGeometry(f *testing.F) {
	f.Fuzz(func(t *testing.T, h, w, c, k, s, p uint8) {
		in := dataset.ImageShape{Height: int(h % 33), Width: int(w % 33), Channels: int(c%4) + 1}
		kernel, stride, pad := int(k%8), int(s%5), int(p%8)
		out, err := ConvOut(in, 2, kernel, stride, pad)
		if err != nil {
			return
		}
		if out.Height < 1 || out.Width < 1 || out.Height > in.Height+2*pad || out.Width > in.Width+2*pad {
			t.Fatalf("ConvOut(%v, k%d s%d p%d) = %v", in, kernel, stride, pad, out)
		}
		rng := dataset.NewRand(uint64(h)<<8|uint64(w), 0)
		conv := NewConv2D(in, 2, kernel, stride, pad, Linear(), rng)
		clear(conv.B.Data)
		x := randMat(rng, 2, in.Size(), 1)
		y := conv.Forward(x, Train)
		u := randMat(rng, 2, out.Size(), 1)
		conv.Backward(u)
		// ⟨conv x, u⟩ = ⟨x, convᵀ u⟩, with convᵀ u from Backward.
		lhs, rhs := dotLoss(y, u), dotLoss(conv.dx.m.Clone(), x)
		if math.Abs(lhs-rhs) > 1e-4*max(1, math.Abs(lhs)) {
			t.Fatalf("%v k%d s%d p%d: ⟨conv x, u⟩ = %v, ⟨x, Backward u⟩ = %v", in, kernel, stride, pad, lhs, rhs)
		}
		op := in.Height - ((out.Height-1)*stride - 2*pad + kernel)
		if op != in.Width-((out.Width-1)*stride-2*pad+kernel) || op >= stride {
			return
		}
		ct := NewConvTranspose2D(out, in.Channels, kernel, stride, pad, op, Linear(), nil)
		if ct.Out != in {
			t.Fatalf("transposed output %v, want %v", ct.Out, in)
		}
		copy(ct.W.Data, conv.W.Data)
		if got := dotLoss(ct.Forward(u, Train), x); math.Abs(got-lhs) > 1e-4*max(1, math.Abs(lhs)) {
			t.Fatalf("%v k%d s%d p%d: ⟨x, convT u⟩ = %v, want %v", in, kernel, stride, pad, got, lhs)
		}
	})
}
