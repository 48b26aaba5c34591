package imagedir

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/internal/atomicfile"
	"github.com/latentlab/latent/mat32"
)

// Save writes the image rows of d as PNG files under dir: row i goes to
// LABEL/NNNN.png, where NNNN is i padded with zeros and LABEL the row's
// class name made safe as a folder name ('/', '\\', control characters and
// a leading '.' become '_'), or to dir itself for rows without a label.
// dir is created if needed and must be empty. Rows with 1, 3 or 4 channels
// become gray, RGB or RGBA PNGs. Values are taken as [0,1] when none
// exceeds 1, else as [0,255]; they are clamped to that range and rounded
// (NaN becomes 0). Each file is written atomically.
func Save(dir string, d *dataset.Dataset) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("imagedir: %s: %w", dir, err)
	}
	im := d.Image
	if !im.IsImage() {
		return fmt.Errorf("imagedir: %s: the dataset has no image shape (%d values per row); cannot write images", dir, d.Dim())
	}
	if im.Channels != 1 && im.Channels != 3 && im.Channels != 4 {
		return fmt.Errorf("imagedir: %s: cannot write %d-channel images as PNG (1, 3 or 4 channels)", dir, im.Channels)
	}
	folders, err := classFolders(d.Classes)
	if err != nil {
		return fmt.Errorf("imagedir: %s: %w", dir, err)
	}
	if err := emptyDir(dir); err != nil {
		return fmt.Errorf("imagedir: %s: %w", dir, err)
	}
	made := map[string]bool{}
	for i := 0; i < d.Len(); i++ {
		if f := rowFolder(d, folders, i); f != "" && !made[f] {
			if err := os.Mkdir(filepath.Join(dir, f), 0o755); err != nil {
				return fmt.Errorf("imagedir: %w", err)
			}
			made[f] = true
		}
	}

	scale := float32(255)
	if _, hi, ok := mat32.MinMax(d.X.Data[:d.Len()*d.Dim()]); ok && hi > 1 {
		scale = 1
	}
	digits := len(strconv.Itoa(max(d.Len()-1, 0)))
	return forEach(d.Len(), func(i int) error {
		name := fmt.Sprintf("%0*d.png", digits, i)
		path := filepath.Join(dir, rowFolder(d, folders, i), name)
		img := toImage(d.X.Row(i), im, scale)
		return atomicfile.Write(path, func(w io.Writer) error {
			return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
		})
	}, func(i int, err error) error {
		return fmt.Errorf("imagedir: row %d: %w", i, err)
	})
}

func rowFolder(d *dataset.Dataset, folders []string, i int) string {
	if d.Labels == nil || d.Labels[i] == dataset.NoLabel {
		return ""
	}
	return folders[d.Labels[i]]
}

// classFolders maps class names to distinct, safe folder names.
func classFolders(classes []string) ([]string, error) {
	out := make([]string, len(classes))
	seen := map[string]string{}
	for i, c := range classes {
		f := safeName(c)
		if prev, dup := seen[f]; dup {
			return nil, fmt.Errorf("classes %q and %q both map to folder %q", prev, c, f)
		}
		seen[f] = c
		out[i] = f
	}
	return out, nil
}

func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, s)
	if s == "" || strings.HasPrefix(s, ".") {
		s = "_" + s
	}
	return s
}

// emptyDir creates dir, or checks that it is an empty folder.
func emptyDir(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return errors.New("exists and is not a folder")
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if names, _ := f.Readdirnames(1); len(names) > 0 {
		return errors.New("folder is not empty; write to a new or empty folder")
	}
	return nil
}

// toImage converts one HWC row to an image.
func toImage(row []float32, im dataset.ImageShape, scale float32) image.Image {
	r := image.Rect(0, 0, im.Width, im.Height)
	var pix []uint8
	var img image.Image
	switch im.Channels {
	case 1:
		g := image.NewGray(r)
		pix, img = g.Pix, g
	case 3:
		g := image.NewRGBA(r)
		pix, img = g.Pix, g
	default:
		g := image.NewNRGBA(r)
		pix, img = g.Pix, g
	}
	if im.Channels == 3 {
		for i := 0; i < im.Width*im.Height; i++ {
			pix[4*i] = toByte(row[3*i], scale)
			pix[4*i+1] = toByte(row[3*i+1], scale)
			pix[4*i+2] = toByte(row[3*i+2], scale)
			pix[4*i+3] = 255
		}
		return img
	}
	for i, v := range row {
		pix[i] = toByte(v, scale)
	}
	return img
}

func toByte(v, scale float32) uint8 {
	f := float64(v * scale)
	if !(f > 0) { // also NaN
		return 0
	}
	if f >= 255 {
		return 255
	}
	return uint8(math.Round(f))
}
