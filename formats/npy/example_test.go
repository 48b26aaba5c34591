package npy_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
)

// A Fortran-order array written by numpy (testdata/gen_fixtures.py) comes
// back in C order: row 0 holds the values numpy shows as a[0].
func ExampleReadFile() {
	m, h, err := npy.ReadFile("testdata/f4_fortran.npy", npy.ReadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.DType, h.Fortran, h.Shape)
	fmt.Println(m.Rows, m.Cols, m.Row(0))
	// Output:
	// <f4 true [3 4]
	// 3 4 [0 1.5 3 4.5]
}

func ExampleWriteFloat32() {
	var buf bytes.Buffer
	if err := npy.WriteFloat32(&buf, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(buf.Len())
	h, err := npy.ReadHeader(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h, h.DataOffset)
	// Output:
	// 152
	// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } 128
}

// Stream a matrix larger than memory out and back in, a batch at a time.
func ExampleCreateRows() {
	dir, err := os.MkdirTemp("", "npy")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "z.npy")

	w, err := npy.CreateRows(path, 5, 2)
	if err != nil {
		log.Fatal(err)
	}
	batch := mat32.New(2, 2)
	for lo := 0; lo < 5; lo += 2 {
		n := min(2, 5-lo)
		for i := range batch.Data {
			batch.Data[i] = float32(2*lo + i)
		}
		if err := w.Write(batch.Slice(0, n)); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := npy.OpenRows(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	dst := mat32.New(3, r.Cols())
	for {
		n, err := r.Next(dst)
		if err == io.EOF {
			break
		} else if err != nil {
			log.Fatal(err)
		}
		fmt.Println(n, dst.Data[:n*r.Cols()])
	}
	// Output:
	// 3 [0 1 2 3 4 5]
	// 2 [6 7 8 9]
}
