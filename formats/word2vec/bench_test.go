package word2vec

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// gloveLike returns n words of d dimensions with values like GloVe's
// (five or six significant digits).
func gloveLike(n, d int) *dataset.Dataset {
	rng := rand.New(rand.NewPCG(9, 10))
	x := mat32.New(n, d)
	for i := range x.Data {
		x.Data[i] = float32(int(rng.NormFloat64()*40000)) / 100000
	}
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	return &dataset.Dataset{X: x, Meta: []dataset.Column{{Name: "word", Values: words}}}
}

func benchRead(b *testing.B, n, d int, write func(io.Writer, *dataset.Dataset) error, read func(io.Reader, ReadOptions) (*dataset.Dataset, error)) {
	var buf bytes.Buffer
	write(&buf, gloveLike(n, d))
	data := buf.Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := read(bytes.NewReader(data), ReadOptions{Size: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*d)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}

// BenchmarkReadGloVe reads a tenth of glove.6B.100d (40,000 of 400,000
// words, 100 dimensions) from memory.
func BenchmarkReadGloVe(b *testing.B) { benchRead(b, 40000, 100, WriteGloVe, ReadGloVe) }

func BenchmarkReadText(b *testing.B) { benchRead(b, 40000, 100, WriteText, Read) }

func BenchmarkReadBinary(b *testing.B) { benchRead(b, 40000, 300, WriteBinary, Read) }

// BenchmarkLoadGloVeFile reads a whole glove.6B.100d-sized file (400,000
// words × 100) from disk when LATENT_BENCH_FULL is set; it writes a
// 300 MB file first.
func BenchmarkLoadGloVeFile(b *testing.B) {
	if os.Getenv("LATENT_BENCH_FULL") == "" {
		b.Skip("set LATENT_BENCH_FULL=1 to write and read a 400000×100 file")
	}
	p := filepath.Join(b.TempDir(), "glove.6B.100d.txt")
	if err := SaveGloVe(p, gloveLike(400000, 100)); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	for b.Loop() {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ReadGloVe(f, ReadOptions{Size: st.Size()}); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
