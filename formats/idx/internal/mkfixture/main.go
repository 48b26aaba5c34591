// Command mkfixture writes the Fashion-MNIST test fixture: the first n
// images and labels of the Fashion-MNIST test set, as gzip IDX files whose
// headers give the new count.
//
//	go run ./internal/mkfixture -src /usr/share/datasets/fashion-mnist -dst ../../testdata/fashion-mnist -n 2000
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/latentlab/latent/formats/idx"
)

func main() {
	src := flag.String("src", "/usr/share/datasets/fashion-mnist", "folder with the Fashion-MNIST .gz files")
	dst := flag.String("dst", "testdata/fashion-mnist", "output folder")
	n := flag.Int("n", 2000, "number of items to keep")
	flag.Parse()
	if err := run(*src, *dst, *n); err != nil {
		fmt.Fprintln(os.Stderr, "mkfixture:", err)
		os.Exit(1)
	}
}

func run(src, dst string, n int) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		if err := truncate(filepath.Join(src, name), filepath.Join(dst, name), n); err != nil {
			return err
		}
	}
	return nil
}

// truncate copies the first n items of the uint8 IDX file in to out.
func truncate(in, out string, n int) error {
	f, err := idx.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	h := f.Header
	if h.Type != idx.Uint8 {
		return fmt.Errorf("%s: %s values, want uint8", in, h.Type)
	}
	if h.Items() < n {
		return fmt.Errorf("%s: %d items, want at least %d", in, h.Items(), n)
	}
	v, err := f.ReadInts(idx.ReadOptions{MaxItems: n})
	if err != nil {
		return err
	}
	b := make([]uint8, len(v))
	for i, x := range v {
		b[i] = uint8(x)
	}
	dims := append([]int{n}, h.Dims[1:]...)
	return idx.WriteFile(out, func(w io.Writer) error { return idx.WriteUint8(w, dims, b) })
}
