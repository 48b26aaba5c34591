package idx

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
)

// fashionDir holds the Fashion-MNIST files of the Debian package
// dataset-fashion-mnist.
const fashionDir = "/usr/share/datasets/fashion-mnist"

func fashionFiles(b *testing.B) []string {
	files := []string{
		filepath.Join(fashionDir, "train-images-idx3-ubyte.gz"),
		filepath.Join(fashionDir, "t10k-images-idx3-ubyte.gz"),
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			b.Skipf("Fashion-MNIST not installed: %v", err)
		}
	}
	return files
}

// BenchmarkLoadFashionMNIST loads all 70,000 Fashion-MNIST images (both
// gzip images files, with their labels), one file after the other.
func BenchmarkLoadFashionMNIST(b *testing.B) {
	files := fashionFiles(b)
	b.ReportAllocs()
	b.SetBytes(70000 * 784)
	for b.Loop() {
		n := 0
		for _, f := range files {
			d, err := Load(f, formats.Options{})
			if err != nil {
				b.Fatal(err)
			}
			n += d.Len()
		}
		if n != 70000 {
			b.Fatalf("loaded %d images", n)
		}
	}
}

// BenchmarkLoadFashionMNISTConcurrent loads the two images files at once.
func BenchmarkLoadFashionMNISTConcurrent(b *testing.B) {
	files := fashionFiles(b)
	b.ReportAllocs()
	b.SetBytes(70000 * 784)
	for b.Loop() {
		var wg sync.WaitGroup
		ds := make([]*dataset.Dataset, len(files))
		errs := make([]error, len(files))
		for i, f := range files {
			wg.Go(func() { ds[i], errs[i] = Load(f, formats.Options{}) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
			if ds[i].Labels == nil {
				b.Fatal("no labels")
			}
		}
	}
}
