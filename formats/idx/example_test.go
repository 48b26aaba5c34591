package idx_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/mat32"
)

// Loading the images file of the bundled Fashion-MNIST fixture picks up its
// labels file. The mean of the first image agrees with numpy's
// (np.frombuffer(...)[0] / 255).mean() = 0.16734694.
func ExampleLoad() {
	d, err := idx.Load("../../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz", formats.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Len(), d.Dim(), d.Image, d.SourceType)
	fmt.Println(d.Classes)
	fmt.Println(d.Label(0), d.Label(1), d.Label(2))
	fmt.Printf("%.6f\n", mat32.Sum(d.X.Row(0))/784)
	// Output:
	// 2000 784 28x28x1 uint8
	// [0 1 2 3 4 5 6 7 8 9]
	// 9 2 1
	// 0.167347
}

func ExampleWriteUint8() {
	var buf bytes.Buffer
	if err := idx.WriteUint8(&buf, []int{2, 2, 2}, []uint8{0, 51, 102, 153, 204, 255, 0, 255}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("% x\n", buf.Bytes()[:16])
	h, v, err := idx.Read(&buf, idx.ReadOptions{Scale: 1.0 / 255})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h, v)
	// Output:
	// 00 00 08 03 00 00 00 02 00 00 00 02 00 00 00 02
	// uint8 2×2×2 [0 0.2 0.4 0.6 0.8 1 0 1]
}
