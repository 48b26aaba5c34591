package viz

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// fuzzFloats reads float32 values (any bit pattern: NaN, Inf, huge) from b.
func fuzzFloats(b []byte, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		if len(b) >= 4 {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b))
			b = b[4:]
		} else if len(b) > 0 {
			out[i] = float32(b[0]) / 255
			b = b[1:]
		}
	}
	return out
}

// FuzzScatter draws arbitrary points, labels and options: it must return
// an error or a figure that encodes to a PNG of its stated size, and
// never panic.
func FuzzScatter(f *testing.F) {
	f.Add(uint8(2), uint8(3), uint8(0), []byte("\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\xc0\x7f\x00\x00\x80\x7f"))
	f.Add(uint8(3), uint8(2), uint8(1), []byte("abcdefghijklmnopqrstuvwxyz0123456789"))
	f.Add(uint8(2), uint8(0), uint8(2), []byte{})
	f.Fuzz(func(t *testing.T, dims, classes, mode uint8, data []byte) {
		d := int(dims%5) + 1
		n := min(len(data)/4/d+1, 200)
		pts := mat32.FromSlice(n, d, fuzzFloats(data, n*d))
		var c Colors
		switch mode % 3 {
		case 0:
			c.Classes = make([]string, int(classes%30))
			for k := range c.Classes {
				c.Classes[k] = string(rune('a' + k))
			}
			c.Labels = make([]int, n)
			for i := range c.Labels {
				c.Labels[i] = -1
				if len(data) > 0 {
					c.Labels[i] = int(data[i%len(data)]%32) - 1
				}
			}
		case 1:
			c.Values = make([]float64, n)
			for i, v := range pts.Data[:n] {
				c.Values[i] = float64(v)
			}
		}
		fig, err := Scatter(pts, c, ScatterOptions{Width: 240, Height: 180, Seed: uint64(classes)})
		if err != nil {
			return
		}
		img := renderPNG(t, fig)
		if img.Bounds().Dx() != 240 {
			t.Fatalf("width %d", img.Bounds().Dx())
		}
		if _, err := fig.Bytes(SVG); err != nil {
			t.Fatalf("PNG encodes but SVG fails: %v", err)
		}
	})
}

// FuzzGrid draws arbitrary image shapes and values in a grid: an error or
// a PNG of the stated size, never a panic.
func FuzzGrid(f *testing.F) {
	f.Add(uint8(2), uint8(2), uint8(1), uint8(3), uint8(0), []byte("\x00\x00\x80\x3f\x00\x00\xc0\x7f hello world"))
	f.Add(uint8(3), uint8(1), uint8(3), uint8(1), uint8(2), []byte("0123456789abcdef0123456789abcdef"))
	f.Add(uint8(0), uint8(4), uint8(2), uint8(2), uint8(1), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, h, w, ch, cols, scale uint8, data []byte) {
		shape := dataset.ImageShape{Height: int(h % 9), Width: int(w % 9), Channels: int(ch % 6)}
		size := max(shape.Size(), 1)
		n := min(len(data)/4/size+1, 40)
		imgs := mat32.FromSlice(n, size, fuzzFloats(data, n*size))
		fig, err := ImageGrid(imgs, shape, int(cols%7), nil, GridOptions{Scale: int(scale % 5), Title: string(data[:min(len(data), 8)])})
		if err != nil {
			return
		}
		renderPNG(t, fig)
	})
}
