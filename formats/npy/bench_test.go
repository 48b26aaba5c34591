package npy

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/latentlab/latent/mat32"
)

// writeBig writes a rows×cols float32 .npy file into a temporary folder.
func writeBig(b *testing.B, rows, cols int) string {
	b.Helper()
	m := mat32.New(rows, cols)
	for i := range m.Data {
		m.Data[i] = float32(i%251) / 251
	}
	p := filepath.Join(b.TempDir(), "x.npy")
	if err := WriteFile(p, m); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkReadFile reads a 70000×784 float32 file (Fashion-MNIST's size)
// whole; MB/s is the read speed.
func BenchmarkReadFile(b *testing.B) {
	const rows, cols = 70000, 784
	p := writeBig(b, rows, cols)
	b.SetBytes(rows * cols * 4)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m, _, err := ReadFile(p, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if m.Rows != rows {
			b.Fatal(m.Rows)
		}
	}
}

// BenchmarkRowReader streams the same file in batches of 4096 rows.
func BenchmarkRowReader(b *testing.B) {
	const rows, cols = 70000, 784
	p := writeBig(b, rows, cols)
	b.SetBytes(rows * cols * 4)
	b.ReportAllocs()
	dst := mat32.New(4096, cols)
	b.ResetTimer()
	for b.Loop() {
		r, err := OpenRows(p)
		if err != nil {
			b.Fatal(err)
		}
		total := 0
		for {
			n, err := r.Next(dst)
			if err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			total += n
		}
		r.Close()
		if total != rows {
			b.Fatalf("read %d rows", total)
		}
	}
}

// BenchmarkWriteFile writes the same matrix atomically (fsync included).
func BenchmarkWriteFile(b *testing.B) {
	const rows, cols = 70000, 784
	m := mat32.New(rows, cols)
	p := filepath.Join(b.TempDir(), "x.npy")
	b.SetBytes(rows * cols * 4)
	for b.Loop() {
		if err := WriteFile(p, m); err != nil {
			b.Fatal(err)
		}
	}
}
