package imagedir_test

import (
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/imagedir"
)

// ExampleLoad reads a folder with two classes of 2×2 gray images.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "images")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for i, name := range []string{"circle/a.png", "square/b.png", "square/c.png"} {
		img := image.NewGray(image.Rect(0, 0, 2, 2))
		img.Pix[0] = uint8(255 * i / 2) // 0, 127, 255
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		f, err := os.Create(p)
		if err != nil {
			log.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}

	d, err := imagedir.Load(dir, formats.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Len(), "images of", d.Image, "classes", d.Classes)
	for i := range d.Len() {
		fmt.Printf("%s %s %.3f\n", d.MetaColumn("path").Values[i], d.Label(i), d.X.Row(i)[0])
	}
	// Output:
	// 3 images of 2x2x1 classes [circle square]
	// circle/a.png circle 0.000
	// square/b.png square 0.498
	// square/c.png square 1.000
}
