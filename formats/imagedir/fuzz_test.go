package imagedir

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes through the header and pixel paths that
// Load uses for every file: they must never panic, and every pixel they
// produce must lie in [0,1], at the native size, resized, gray or RGB. The
// seed corpus (testdata/fuzz/FuzzRead) holds small PNG, JPEG, GIF, BMP and
// WebP files.
func FuzzRead(f *testing.F) {
	for _, p := range []string{"pets/cat/a.png", "pets/cat/b.jpg", "pets/dog/c.gif", "pets/dog/d.png", "pets/e.png"} {
		if b, err := os.ReadFile(filepath.Join("testdata", p)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e entry
		if err := readConfig(bytes.NewReader(data), &e); err != nil {
			return
		}
		if e.w <= 0 || e.h <= 0 || e.w*e.h > MaxPixels {
			t.Fatalf("readConfig accepted a %d×%d image", e.w, e.h)
		}
		if e.w*e.h > 1<<14 {
			return // keep the fuzzer fast; size limits are tested above
		}
		for _, ch := range []int{1, 3} {
			for _, size := range [][2]int{{e.w, e.h}, {3, 2}} {
				row := make([]float32, size[0]*size[1]*ch)
				for i := range row {
					row[i] = -1
				}
				if err := decode(bytes.NewReader(data), &e, row, size[0], size[1], ch); err != nil {
					return // a valid header over invalid pixel data
				}
				for i, v := range row {
					if !(v >= 0 && v <= 1) || math.IsNaN(float64(v)) {
						t.Fatalf("%d channels, %v: value %d = %v outside [0,1]", ch, size, i, v)
					}
				}
			}
		}
	})
}
