package idx

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
)

func init() {
	formats.Register(formats.Format{
		Name:        "idx",
		Description: "IDX arrays (MNIST, Fashion-MNIST), plain or gzip; images with their labels file",
		Match:       match,
		Load:        Load,
		Save:        Save,
	})
	formats.RegisterLabels(formats.LabelsReader{
		Name:  "idx",
		Match: func(head []byte) bool { return len(head) >= 4 && validMagic(head) && head[3] <= 2 },
		Read:  ReadLabels,
	})
}

// match accepts a name ending in "-ubyte" or ".idx" (with or without
// ".gz"), or, given the first bytes, an IDX magic number with at most four
// dimensions (any number when the name matches too).
func match(path string, head []byte) bool {
	named := formats.HasSuffix(path, "-ubyte", ".idx")
	if head == nil {
		return named
	}
	return validMagic(head) && (head[3] <= 4 || named)
}

// Load reads an IDX file as a dataset. An array of two or more dimensions
// becomes one row per item; uint8 values are scaled to [0,1] (SourceType
// "uint8"), other types keep their values. Three dimensions n×h×w set the
// image shape h×w×1, four n×h×w×c set h×w×c when c is 1, 3 or 4. Labels
// come from opt.Labels (an IDX file, an integer .npy or a text file with one
// label per line) or else from the companion labels file when it exists
// (…-images-idx3-ubyte[.gz] → …-labels-idx1-ubyte[.gz]); its count must
// match. A one-dimensional integer file is itself a labels file: X holds
// the raw values as an n×1 matrix and Labels are set from them.
func Load(path string, opt formats.Options) (*dataset.Dataset, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := f.Header
	d := &dataset.Dataset{Name: datasetName(path), SourceType: h.Type.String()}
	ro := ReadOptions{MaxItems: opt.MaxRows}
	rows := h.Items()
	if opt.MaxRows > 0 {
		rows = min(rows, opt.MaxRows)
	}

	if len(h.Dims) == 1 && h.Type.IsInteger() {
		v, err := f.ReadInts(ro)
		if err != nil {
			return nil, err
		}
		d.X = mat32.New(len(v), 1)
		names := make([]string, len(v))
		for i, x := range v {
			d.X.Data[i] = float32(x)
			names[i] = strconv.Itoa(x)
		}
		d.SetLabels(names)
		if opt.Labels != "" {
			if err := attachLabels(d, path, h.Items(), opt.Labels, rows); err != nil {
				return nil, err
			}
		}
		return d, nil
	}

	// Labels first: a count mismatch is found before the images are read.
	lpath := opt.Labels
	if lpath == "" && len(h.Dims) > 1 {
		lpath = findCompanion(path)
	}
	if lpath != "" {
		if err := attachLabels(d, path, h.Items(), lpath, rows); err != nil {
			return nil, err
		}
	}

	if h.Type == Uint8 {
		ro.Scale = 1.0 / 255
	}
	v, err := f.ReadFloat32(ro)
	if err != nil {
		return nil, err
	}
	d.X = mat32.FromSlice(rows, h.ItemSize(), v)
	switch {
	case len(h.Dims) == 3:
		d.Image = dataset.ImageShape{Height: h.Dims[1], Width: h.Dims[2], Channels: 1}
	case len(h.Dims) == 4 && (h.Dims[3] == 1 || h.Dims[3] == 3 || h.Dims[3] == 4):
		d.Image = dataset.ImageShape{Height: h.Dims[1], Width: h.Dims[2], Channels: h.Dims[3]}
	}
	return d, nil
}

// attachLabels reads the labels file lpath for the items of path (n in the
// file, of which the first rows are loaded) and sets d.Labels and d.Classes.
func attachLabels(d *dataset.Dataset, path string, n int, lpath string, rows int) error {
	var names []string
	isIDX, err := sniff(lpath)
	if err != nil {
		return fmt.Errorf("%s: labels: %w", path, err)
	}
	if isIDX {
		if names, err = readLabels(lpath, n, path, rows); err != nil {
			return err
		}
	} else {
		if names, err = npy.ReadLabels(lpath); err != nil {
			return err
		}
		if len(names) != n {
			return fmt.Errorf("%s holds %d items but its labels file %s holds %d labels", path, n, lpath, len(names))
		}
		names = names[:rows]
	}
	d.SetLabels(names)
	return nil
}

// ReadLabels reads an IDX labels file (one value per item, plain or gzip)
// and returns the labels as decimal strings.
func ReadLabels(path string) ([]string, error) { return readLabels(path, -1, "", 0) }

// readLabels reads the labels file lpath; when n >= 0 it must hold n
// labels (those of the items of path), of which the first rows are read.
func readLabels(lpath string, n int, path string, rows int) ([]string, error) {
	lf, err := Open(lpath)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	lh := lf.Header
	if len(lh.Dims) > 2 || lh.ItemSize() != 1 {
		return nil, fmt.Errorf("%s: labels file must hold one value per item, it is %s", lpath, lh)
	}
	if n >= 0 && lh.Items() != n {
		return nil, fmt.Errorf("%s holds %d items but its labels file %s holds %d labels", path, n, lpath, lh.Items())
	}
	v, err := lf.ReadInts(ReadOptions{MaxItems: rows})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(v))
	for i, x := range v {
		names[i] = strconv.Itoa(x)
	}
	return names, nil
}

// datasetName is the file name without ".gz".
func datasetName(path string) string {
	b := filepath.Base(path)
	if hasGzSuffix(b) {
		b = b[:len(b)-3]
	}
	return b
}

// CompanionLabels returns the name of the labels file that goes with the
// images file at path: "images" becomes "labels" and "idx3"/"idx4" becomes
// "idx1" after it ("train-images-idx3-ubyte.gz" →
// "train-labels-idx1-ubyte.gz"); a name without "images" gets "-labels"
// before a ".idx" extension or at the end ("x.idx" → "x-labels.idx").
func CompanionLabels(path string) string {
	dir, base := filepath.Split(path)
	gz := ""
	if hasGzSuffix(base) {
		base, gz = base[:len(base)-3], base[len(base)-3:]
	}
	if i := strings.LastIndex(base, "images"); i >= 0 {
		rest := base[i+len("images"):]
		for _, s := range []string{"idx3", "idx4"} {
			if j := strings.Index(rest, s); j >= 0 {
				rest = rest[:j] + "idx1" + rest[j+len(s):]
				break
			}
		}
		return dir + base[:i] + "labels" + rest + gz
	}
	if strings.HasSuffix(strings.ToLower(base), ".idx") {
		return dir + base[:len(base)-4] + "-labels" + base[len(base)-4:] + gz
	}
	return dir + base + "-labels" + gz
}

// findCompanion returns the companion labels file of path when it exists,
// trying the same compression suffix first, then the other.
func findCompanion(path string) string {
	c := CompanionLabels(path)
	alt := c + ".gz"
	if hasGzSuffix(c) {
		alt = c[:len(c)-3]
	}
	for _, p := range []string{c, alt} {
		if p == path {
			continue
		}
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// Save writes d to path (gzip when the name ends in ".gz"). Image rows whose
// values all lie in [0,1] are written as uint8 (×255, rounded) with the
// image's dimensions; other data as float32. Labels, when present, go to
// CompanionLabels(path) as uint8 (int32 when they do not fit): the class
// names when they are all integers, else the class indices. A dataset that
// is only labels (one column, labels set, not an image) is written as a 1-D
// labels file at path itself. Rows without a label cannot be written.
func Save(path string, d *dataset.Dataset) error {
	if d.X == nil {
		return fmt.Errorf("%s: idx: dataset has no data", path)
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	n := d.X.Rows
	var writeLabels func(w io.Writer) error
	if d.Labels != nil {
		var err error
		if writeLabels, err = labelWriter(path, d); err != nil {
			return err
		}
	}
	if d.Labels != nil && d.X.Cols == 1 && !d.Image.IsImage() {
		return WriteFile(path, writeLabels)
	}
	var dims []int
	if im := d.Image; im.IsImage() {
		dims = []int{n, im.Height, im.Width}
		if im.Channels != 1 {
			dims = append(dims, im.Channels)
		}
	} else {
		dims = []int{n, d.X.Cols}
	}
	for _, x := range dims {
		if int64(x) > math.MaxUint32 {
			return fmt.Errorf("%s: idx: dimension %d does not fit in 32 bits", path, x)
		}
	}
	var err error
	if d.Image.IsImage() && inUnit(d.X.Data) {
		err = WriteFile(path, func(w io.Writer) error {
			b := make([]uint8, len(d.X.Data))
			for i, v := range d.X.Data {
				b[i] = uint8(v*255 + 0.5)
			}
			return WriteUint8(w, dims, b)
		})
	} else {
		err = WriteFile(path, func(w io.Writer) error { return WriteFloat32(w, dims, d.X.Data) })
	}
	if err != nil || writeLabels == nil {
		return err
	}
	return WriteFile(CompanionLabels(path), writeLabels)
}

// labelWriter prepares the labels of d for writing, or explains why they
// cannot be written.
func labelWriter(path string, d *dataset.Dataset) (func(w io.Writer) error, error) {
	vals := make([]int64, len(d.Classes))
	numeric := true
	for i, c := range d.Classes {
		v, err := strconv.ParseInt(c, 10, 32)
		if err != nil {
			numeric = false
			break
		}
		vals[i] = v
	}
	if !numeric {
		for i := range vals {
			vals[i] = int64(i)
		}
	}
	small := true
	for _, v := range vals {
		if v < 0 || v > 255 {
			small = false
		}
	}
	for i, l := range d.Labels {
		if l == dataset.NoLabel {
			return nil, fmt.Errorf("%s: idx: row %d has no label, which an IDX labels file cannot record", path, i)
		}
	}
	dims := []int{len(d.Labels)}
	if small {
		b := make([]uint8, len(d.Labels))
		for i, l := range d.Labels {
			b[i] = uint8(vals[l])
		}
		return func(w io.Writer) error { return WriteUint8(w, dims, b) }, nil
	}
	b := make([]int32, len(d.Labels))
	for i, l := range d.Labels {
		b[i] = int32(vals[l])
	}
	return func(w io.Writer) error { return WriteInt32(w, dims, b) }, nil
}

// inUnit reports whether every value is in [0,1] (NaN is not).
func inUnit(x []float32) bool {
	for _, v := range x {
		if !(v >= 0 && v <= 1) {
			return false
		}
	}
	return true
}
