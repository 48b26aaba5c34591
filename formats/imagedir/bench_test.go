package imagedir

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/latentlab/latent/formats"
)

// BenchmarkLoad decodes a folder of 2,000 28×28 gray PNGs in 10 class
// folders (the size of Fashion-MNIST images).
func BenchmarkLoad(b *testing.B) {
	const n = 2000
	dir := b.TempDir()
	for c := range 10 {
		os.Mkdir(filepath.Join(dir, fmt.Sprint("class", c)), 0o755)
	}
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	var buf bytes.Buffer
	for i := range n {
		for j := range img.Pix {
			img.Pix[j] = uint8((i*31 + j*j) % 256)
		}
		buf.Reset()
		png.Encode(&buf, img)
		p := filepath.Join(dir, fmt.Sprint("class", i%10), fmt.Sprintf("%05d.png", i))
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		opt  formats.Options
	}{
		{"28x28", formats.Options{}},
		{"resize-32x32", formats.Options{ResizeW: 32, ResizeH: 32}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := Load(dir, bc.opt)
				if err != nil || d.Len() != n {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
