package safetensors

import (
	"bytes"
	"path/filepath"
	"testing"
)

// BenchmarkReadFile reads a 10000×784 F32 tensor (31 MB) from disk.
func BenchmarkReadFile(b *testing.B) {
	const rows, cols = 10000, 784
	x := make([]float32, rows*cols)
	for i := range x {
		x[i] = float32(i%255) / 255
	}
	p := filepath.Join(b.TempDir(), "x.safetensors")
	if err := WriteFile(p, []Tensor{FromFloat32("x", []int{rows, cols}, x)}, nil); err != nil {
		b.Fatal(err)
	}
	b.Run("ReadFile", func(b *testing.B) {
		b.SetBytes(int64(4 * rows * cols))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ReadFile(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	f, _ := ReadFile(p)
	dst := make([]float32, rows*cols)
	b.Run("Float32s", func(b *testing.B) {
		b.SetBytes(int64(4 * rows * cols))
		for b.Loop() {
			f.Tensors[0].Float32s(dst)
		}
	})
	b.Run("Write", func(b *testing.B) {
		b.SetBytes(int64(4 * rows * cols))
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			Write(&buf, f.Tensors, nil)
		}
	})
}
