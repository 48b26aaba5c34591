package imagedir

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // register the decoders image.Decode uses
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

// MaxPixels is the largest image, in pixels, that Load decodes.
const MaxPixels = 1 << 26

// MaxValues is the largest number of float32 values (16 GiB) that Load
// allocates for a whole folder.
const MaxValues = 1 << 32

// extensions are the file extensions Load reads, in lower case.
var extensions = []string{".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"}

func init() {
	formats.Register(formats.Format{
		Name:        "imagedir",
		Description: "folder of PNG/JPEG/GIF/BMP/WebP images, label = sub-folder name",
		Match:       match,
		Load:        Load,
		Save:        Save,
	})
}

// match accepts an existing directory that is not an Embedding Projector
// folder, or, for output, a path that ends in a separator.
func match(path string, head []byte) bool {
	if head != nil {
		return false
	}
	st, err := os.Stat(path)
	if err != nil {
		return strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(os.PathSeparator))
	}
	if !st.IsDir() {
		return false
	}
	_, err = os.Stat(filepath.Join(path, "projector_config.json"))
	return err != nil
}

// entry is one image file found by the walk.
type entry struct {
	path  string // as opened: dir joined with rel
	rel   string // relative to dir, forward slashes
	label string // top-level sub-folder, or ""
	// From the header:
	w, h       int
	gray, deep bool
}

// Load reads the images under dir as a dataset. Of the options it uses
// Gray, ResizeW and ResizeH (both or neither), and MaxRows (the first
// MaxRows images in walk order).
func Load(dir string, opt formats.Options) (*dataset.Dataset, error) {
	if opt.Labels != "" || opt.LabelColumn != "" || opt.Columns != "" {
		return nil, fmt.Errorf("imagedir: %s: labels come from sub-folder names; --labels, --label-column and --columns do not apply", dir)
	}
	if (opt.ResizeW > 0) != (opt.ResizeH > 0) || opt.ResizeW < 0 || opt.ResizeH < 0 {
		return nil, fmt.Errorf("imagedir: %s: resize needs both a width and a height > 0 (got %d×%d)", dir, opt.ResizeW, opt.ResizeH)
	}
	if opt.ResizeW > 0 && opt.ResizeW*opt.ResizeH > MaxPixels {
		return nil, fmt.Errorf("imagedir: %s: resize to %d×%d exceeds %d pixels", dir, opt.ResizeW, opt.ResizeH, MaxPixels)
	}
	files, err := list(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("imagedir: %s: no images (%s) in the folder or its sub-folders", dir, strings.Join(extensions, ", "))
	}
	if opt.MaxRows > 0 && opt.MaxRows < len(files) {
		files = files[:opt.MaxRows]
	}
	if err := readConfigs(files); err != nil {
		return nil, err
	}

	w, h := files[0].w, files[0].h
	if opt.ResizeW > 0 {
		w, h = opt.ResizeW, opt.ResizeH
	} else {
		for _, f := range files[1:] {
			if f.w != w || f.h != h {
				return nil, fmt.Errorf("imagedir: %s: images differ in size: %s is %d×%d, %s is %d×%d (resize them to one size)",
					dir, files[0].rel, w, h, f.rel, f.w, f.h)
			}
		}
	}
	channels := 1
	deep := false
	for _, f := range files {
		if !f.gray && !opt.Gray {
			channels = 3
		}
		deep = deep || f.deep
	}
	dim := w * h * channels
	if uint64(len(files))*uint64(dim) > MaxValues {
		return nil, fmt.Errorf("imagedir: %s: %d images of %d×%d×%d are more than %d values", dir, len(files), h, w, channels, uint64(MaxValues))
	}
	x := mat32.New(len(files), dim)
	err = forEach(len(files), func(i int) error {
		return decodeInto(files[i], x.Row(i), w, h, channels)
	}, func(i int, err error) error {
		return fmt.Errorf("imagedir: %s: %w", files[i].path, err)
	})
	if err != nil {
		return nil, err
	}

	d := &dataset.Dataset{
		Name:       filepath.Base(filepath.Clean(dir)),
		X:          x,
		Image:      dataset.ImageShape{Height: h, Width: w, Channels: channels},
		SourceType: "uint8",
	}
	if deep {
		d.SourceType = "uint16"
	}
	paths := make([]string, len(files))
	labels := make([]string, len(files))
	labelled := false
	for i, f := range files {
		paths[i] = f.rel
		labels[i] = f.label
		labelled = labelled || f.label != ""
	}
	if labelled {
		d.SetLabels(labels)
	}
	d.Meta = []dataset.Column{{Name: "path", Values: paths}}
	return d, nil
}

// list walks dir in sorted order and returns its image files.
func list(dir string) ([]*entry, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("imagedir: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("imagedir: %s is not a folder", dir)
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("imagedir: %w", err)
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("imagedir: %w", err)
	}
	// Walk the resolved folder (WalkDir does not enter a root that is a
	// link) and show paths under the name the caller gave.
	var files []*entry
	err = filepath.WalkDir(root, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("imagedir: %w", err)
		}
		if path == root {
			return nil
		}
		if strings.HasPrefix(de.Name(), ".") {
			if de.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if de.IsDir() || !slices.Contains(extensions, strings.ToLower(filepath.Ext(de.Name()))) {
			return nil
		}
		switch mode := de.Type(); {
		case mode&fs.ModeSymlink != 0:
			ok, err := linkInside(root, path)
			if err != nil {
				rel, _ := filepath.Rel(root, path)
				return fmt.Errorf("imagedir: %s: %w", filepath.Join(dir, rel), err)
			}
			if !ok {
				return nil
			}
		case !mode.IsRegular():
			return nil // pipes, devices, sockets
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return fmt.Errorf("imagedir: %w", err)
		}
		slash := filepath.ToSlash(rel)
		label := ""
		if i := strings.IndexByte(slash, '/'); i >= 0 {
			label = slash[:i]
		}
		files = append(files, &entry{path: filepath.Join(dir, rel), rel: slash, label: label})
		return nil
	})
	return files, err
}

// linkInside reports whether the symbolic link at path leads to a regular
// file inside root; it returns an error for a link that leads outside, and
// false for one that leads to a folder or something else.
func linkInside(root, path string) (bool, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false, fmt.Errorf("broken symbolic link: %w", unwrapPath(err))
	}
	target, err = filepath.Abs(target)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(root, target)
	if err != nil || !filepath.IsLocal(rel) {
		return false, fmt.Errorf("symbolic link leads outside the folder (to %s)", target)
	}
	st, err := os.Stat(target)
	if err != nil {
		return false, unwrapPath(err)
	}
	return st.Mode().IsRegular(), nil
}

// forEach calls fn(i) for i in [0, n) in parallel and returns the error of
// the lowest i that failed, wrapped by wrap. Items after a known failure
// are skipped; items before it still run, so the error reported does not
// depend on scheduling.
func forEach(n int, fn func(i int) error, wrap func(i int, err error) error) error {
	errs := make([]error, n)
	var firstBad atomic.Int64
	firstBad.Store(int64(n))
	mat32.Parallel(n, mat32.Grain(n, 4), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if int64(i) > firstBad.Load() {
				return
			}
			if err := fn(i); err != nil {
				errs[i] = err
				for {
					cur := firstBad.Load()
					if int64(i) >= cur || firstBad.CompareAndSwap(cur, int64(i)) {
						break
					}
				}
				return
			}
		}
	})
	if i := int(firstBad.Load()); i < n {
		return wrap(i, errs[i])
	}
	return nil
}

// readConfigs reads every file's header.
func readConfigs(files []*entry) error {
	return forEach(len(files), func(i int) error {
		f := files[i]
		fh, err := os.Open(f.path)
		if err != nil {
			return unwrapPath(err)
		}
		defer fh.Close()
		return readConfig(fh, f)
	}, func(i int, err error) error {
		return fmt.Errorf("imagedir: %s: %w", files[i].path, err)
	})
}

// readConfig reads an image header from r into f's size and colour fields.
func readConfig(r io.Reader, f *entry) error {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return decodeErr(err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("image has no pixels (%d×%d)", cfg.Width, cfg.Height)
	}
	if uint64(cfg.Width)*uint64(cfg.Height) > MaxPixels {
		return fmt.Errorf("image of %d×%d is larger than %d pixels", cfg.Width, cfg.Height, MaxPixels)
	}
	f.w, f.h = cfg.Width, cfg.Height
	f.gray, f.deep = colorInfo(cfg.ColorModel)
	return nil
}

func decodeErr(err error) error {
	if errors.Is(err, image.ErrFormat) {
		return errors.New("not a PNG, JPEG, GIF, BMP or WebP image")
	}
	return err
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// colorInfo reports whether a colour model holds only grays and whether it
// has more than 8 bits per channel.
func colorInfo(m color.Model) (gray, deep bool) {
	switch m {
	case color.GrayModel:
		return true, false
	case color.Gray16Model:
		return true, true
	case color.RGBA64Model, color.NRGBA64Model, color.Alpha16Model:
		return false, true
	}
	if p, ok := m.(color.Palette); ok {
		for _, c := range p {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			if n.R != n.G || n.G != n.B {
				return false, false
			}
		}
		return true, false
	}
	return false, false
}

// decodeInto decodes the image file of f, resizes it to w×h if it has
// another size, and writes it into row as HWC values in [0,1].
func decodeInto(f *entry, row []float32, w, h, channels int) error {
	fh, err := os.Open(f.path)
	if err != nil {
		return unwrapPath(err)
	}
	defer fh.Close()
	return decode(fh, f, row, w, h, channels)
}

// decode is decodeInto reading from r, for an f whose header was read.
func decode(r io.Reader, f *entry, row []float32, w, h, channels int) error {
	img, _, err := image.Decode(r)
	if err != nil {
		return decodeErr(err)
	}
	if img.Bounds() != image.Rect(0, 0, f.w, f.h) {
		// The first frame of a GIF may cover part of its canvas only.
		canvas := image.NewRGBA(image.Rect(0, 0, f.w, f.h))
		draw.Draw(canvas, img.Bounds(), img, img.Bounds().Min, draw.Src)
		img = canvas
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		img = dst
	}
	pixels(row, img, channels)
	return nil
}

// Luma weights of ITU-R BT.601.
const (
	lumaR = 0.299
	lumaG = 0.587
	lumaB = 0.114
)

// put writes one pixel given as 8-bit straight RGB.
func put(row []float32, i, channels int, r, g, b uint8) {
	if channels == 1 {
		if r == g && g == b {
			row[i] = float32(r) / 255
		} else {
			row[i] = float32((lumaR*float64(r) + lumaG*float64(g) + lumaB*float64(b)) / 255)
		}
		return
	}
	row[3*i] = float32(r) / 255
	row[3*i+1] = float32(g) / 255
	row[3*i+2] = float32(b) / 255
}

// pixels writes img (whose size matches row) into row as HWC values in
// [0,1]. Alpha is dropped; premultiplied images keep their premultiplied
// colour, which for the opaque images the decoders return is the colour.
func pixels(row []float32, img image.Image, channels int) {
	b := img.Bounds()
	w := b.Dx()
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			for x, v := range m.Pix[off : off+w] {
				put(row, y*w+x, channels, v, v, v)
			}
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				if channels == 1 { // the Y plane is BT.601 luma already
					row[y*w+x] = float32(m.Y[yi]) / 255
					continue
				}
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				put(row, y*w+x, channels, r, g, bb)
			}
		}
	case *image.NRGBA:
		rgba8(row, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, b.Dy(), channels)
	case *image.RGBA:
		rgba8(row, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, b.Dy(), channels)
	case *image.Paletted:
		var lut [256][3]uint8
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			lut[i] = [3]uint8{n.R, n.G, n.B}
		}
		for y := 0; y < b.Dy(); y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			for x, v := range m.Pix[off : off+w] {
				c := lut[v]
				put(row, y*w+x, channels, c[0], c[1], c[2])
			}
		}
	default: // 16-bit and other images
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
				i := y*w + x
				if channels == 1 {
					if c.R == c.G && c.G == c.B {
						row[i] = float32(c.R) / 65535
					} else {
						row[i] = float32((lumaR*float64(c.R) + lumaG*float64(c.G) + lumaB*float64(c.B)) / 65535)
					}
					continue
				}
				row[3*i] = float32(c.R) / 65535
				row[3*i+1] = float32(c.G) / 65535
				row[3*i+2] = float32(c.B) / 65535
			}
		}
	}
}

func rgba8(row []float32, pix []uint8, stride, off, w, h, channels int) {
	for y := 0; y < h; y++ {
		p := pix[off+y*stride : off+y*stride+4*w]
		for x := 0; x < w; x++ {
			put(row, y*w+x, channels, p[4*x], p[4*x+1], p[4*x+2])
		}
	}
}
