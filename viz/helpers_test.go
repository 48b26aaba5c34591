package viz

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/latentlab/latent/mat32"
)

// renderPNG encodes f as PNG, decodes it and checks its size.
func renderPNG(t *testing.T, f *Figure) *image.RGBA {
	t.Helper()
	b, err := f.Bytes(PNG)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if img.Bounds().Dx() != f.Width || img.Bounds().Dy() != f.Height {
		t.Fatalf("PNG is %v, figure says %d×%d", img.Bounds(), f.Width, f.Height)
	}
	out := image.NewRGBA(img.Bounds())
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

// checkSVG encodes f as SVG and checks that it is well-formed XML with an
// <svg> root; it returns the text and the number of each element name.
func checkSVG(t *testing.T, f *Figure) (string, map[string]int) {
	t.Helper()
	b, err := f.Bytes(SVG)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	count := map[string]int{}
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			count[se.Name.Local]++
		}
	}
	if root != "svg" {
		t.Fatalf("SVG root element is %q", root)
	}
	return string(b), count
}

// countColor counts the pixels of img within tol (per channel) of c.
func countColor(img *image.RGBA, c color.NRGBA, tol int) int {
	n := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if absInt(int(img.Pix[i])-int(c.R)) <= tol && absInt(int(img.Pix[i+1])-int(c.G)) <= tol && absInt(int(img.Pix[i+2])-int(c.B)) <= tol {
			n++
		}
	}
	return n
}

// colorCentroidX returns the mean x of the pixels of colour c (exact).
func colorCentroidX(img *image.RGBA, c color.NRGBA) float64 {
	sum, n := 0.0, 0
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			o := y*img.Stride + x*4
			if img.Pix[o] == c.R && img.Pix[o+1] == c.G && img.Pix[o+2] == c.B {
				sum += float64(x)
				n++
			}
		}
	}
	if n == 0 {
		return -1
	}
	return sum / float64(n)
}

func distinctColors(img *image.RGBA) int {
	set := map[[3]uint8]bool{}
	for i := 0; i < len(img.Pix); i += 4 {
		set[[3]uint8{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}] = true
	}
	return len(set)
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// clusters returns k Gaussian blobs of n points each in 2-D, blob c
// centred at (10c, 0), and their labels.
func clusters(k, n int, seed uint64) (*mat32.Dense, []int) {
	r := rand.New(rand.NewPCG(seed, 1))
	pts := mat32.New(k*n, 2)
	labels := make([]int, k*n)
	for c := range k {
		for i := range n {
			row := pts.Row(c*n + i)
			row[0] = float32(10*c) + float32(r.NormFloat64())
			row[1] = float32(r.NormFloat64())
			labels[c*n+i] = c
		}
	}
	return pts, labels
}

// findBlock returns the positions where the w×h block of want (an RGBA
// image) appears exactly in img.
func findBlock(img, want *image.RGBA) []image.Point {
	var found []image.Point
	w, h := want.Rect.Dx(), want.Rect.Dy()
	for y := 0; y+h <= img.Rect.Dy(); y++ {
		for x := 0; x+w <= img.Rect.Dx(); x++ {
			if blockAt(img, want, x, y) {
				found = append(found, image.Pt(x, y))
			}
		}
	}
	return found
}

func blockAt(img, want *image.RGBA, x, y int) bool {
	w, h := want.Rect.Dx(), want.Rect.Dy()
	for j := range h {
		a := img.Pix[(y+j)*img.Stride+x*4 : (y+j)*img.Stride+(x+w)*4]
		b := want.Pix[j*want.Stride : j*want.Stride+w*4]
		if !bytes.Equal(a, b) {
			return false
		}
	}
	return true
}

// expectedBlock draws a grey image row of h×w values in [0,1] at scale s
// the way a grid should: level round(255 v), s×s pixels per value.
func expectedBlock(row []float32, h, w, s int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w*s, h*s))
	for i := range h {
		for j := range w {
			v := row[i*w+j]
			l := uint8(min(max(v, 0), 1)*255 + 0.5)
			for y := range s {
				for x := range s {
					img.SetRGBA(j*s+x, i*s+y, color.RGBA{l, l, l, 255})
				}
			}
		}
	}
	return img
}

func wantErr(t *testing.T, err error, sub string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", sub)
	}
	if !strings.Contains(err.Error(), sub) {
		t.Fatalf("error %q does not contain %q", err, sub)
	}
}

// color3 is the opaque grey (v, v, v).
func color3(v uint8) color.NRGBA { return color.NRGBA{v, v, v, 0xff} }
