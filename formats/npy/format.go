package npy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/internal/atomicfile"
	"github.com/latentlab/latent/mat32"
)

func init() {
	formats.Register(formats.Format{
		Name:        "npy",
		Description: "NumPy .npy arrays (any numeric dtype, C or Fortran order); writes float32",
		Match:       match,
		Load:        Load,
		Save:        Save,
	})
	formats.RegisterLabels(formats.LabelsReader{
		Name:  "npy",
		Match: func(head []byte) bool { return bytes.HasPrefix(head, []byte(Magic)) },
		Read:  ReadLabels,
	})
	formats.RegisterLabels(formats.LabelsReader{
		Name:     "text",
		Match:    func(head []byte) bool { return bytes.IndexByte(head, 0) < 0 },
		Read:     ReadLabels,
		Fallback: true,
	})
}

// match accepts the .npy magic, or a name ending in ".npy" when no bytes
// are given.
func match(path string, head []byte) bool {
	if head == nil {
		return strings.HasSuffix(strings.ToLower(path), ".npy")
	}
	return bytes.HasPrefix(head, []byte(Magic))
}

// imageShape returns the image layout an array of this shape loads with.
func imageShape(shape []int) dataset.ImageShape {
	switch {
	case len(shape) == 3:
		return dataset.ImageShape{Height: shape[1], Width: shape[2], Channels: 1}
	case len(shape) == 4 && (shape[3] == 1 || shape[3] == 3 || shape[3] == 4):
		return dataset.ImageShape{Height: shape[1], Width: shape[2], Channels: shape[3]}
	}
	return dataset.ImageShape{}
}

// Load reads a .npy file as a dataset: one row per entry of the first
// dimension (see the package doc for shapes and images). Labels come from
// opt.Labels (any file formats.ReadLabels reads); opt.MaxRows limits the
// rows read.
func Load(path string, opt formats.Options) (*dataset.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	h, err := ReadHeader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ro := ReadOptions{MaxRows: opt.MaxRows, Size: st.Size()}
	if err := ro.checkSize(h); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := &dataset.Dataset{Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), SourceType: h.DType.Name()}
	d.Image = imageShape(h.Shape)
	rows := h.Rows()
	if opt.MaxRows > 0 && len(h.Shape) > 0 {
		rows = min(rows, opt.MaxRows)
	}
	if opt.Labels != "" {
		names, err := formats.ReadLabels(opt.Labels)
		if err != nil {
			return nil, err
		}
		if len(names) != h.Rows() {
			return nil, fmt.Errorf("%s holds %d rows but its labels file %s holds %d labels", path, h.Rows(), opt.Labels, len(names))
		}
		d.SetLabels(names[:rows])
	}
	if d.Image.IsImage() && h.DType == Uint8 {
		ro.Scale = 1.0 / 255
	}
	v, err := ReadFloat32(f, h, ro)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.X = mat32.FromSlice(rows, h.Cols(), v)
	return d, nil
}

// Save writes d.X as a little-endian float32 array: shape (n, d), or
// (n, h, w) / (n, h, w, c) when d has an image shape, so that Load gives
// the image shape back. Labels and metadata are not stored; write labels
// with WriteInt64 or as a text file.
func Save(path string, d *dataset.Dataset) error {
	if d.X == nil {
		return fmt.Errorf("%s: npy: dataset has no data", path)
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	shape := []int{d.X.Rows, d.X.Cols}
	if im := d.Image; im.IsImage() {
		shape = []int{d.X.Rows, im.Height, im.Width}
		if im.Channels != 1 {
			shape = append(shape, im.Channels)
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		return WriteFloat32(w, shape, d.X.Data[:d.X.Rows*d.X.Cols])
	})
}

// ReadLabels reads a labels file: an integer or bool .npy array of shape
// (n,) or (n, 1) (a float array is accepted when every value is an
// integer), or else a UTF-8 text file with one label per line, where an
// empty line means no label. It returns one string per row.
func ReadLabels(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, []byte(Magic)) {
		names, err := labelsFromNpy(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return names, nil
	}
	return labelsFromText(path, data)
}

func labelsFromNpy(data []byte) ([]string, error) {
	r := bytes.NewReader(data)
	h, err := ReadHeader(r)
	if err != nil {
		return nil, err
	}
	if len(h.Shape) == 0 || len(h.Shape) > 2 || h.Cols() != 1 {
		return nil, fmt.Errorf("npy: labels must have shape (n,) or (n, 1), not %s", shapeString(h.Shape))
	}
	opt := ReadOptions{Size: int64(len(data))}
	if h.DType.IsInteger() {
		v, err := ReadInt64(r, h, opt)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(v))
		for i, x := range v {
			names[i] = strconv.FormatInt(x, 10)
		}
		return names, nil
	}
	v, err := ReadFloat32(r, h, opt)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(v))
	for i, x := range v {
		if x != float32(math.Trunc(float64(x))) || math.Abs(float64(x)) > 1<<24 {
			return nil, fmt.Errorf("npy: label %d is %v, not an integer", i, x)
		}
		names[i] = strconv.Itoa(int(x))
	}
	return names, nil
}

func labelsFromText(path string, data []byte) ([]string, error) {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fmt.Errorf("%s: labels file is neither .npy nor text (NUL byte at offset %d)", path, i)
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("%s:%d: label is not valid UTF-8", path, line)
		}
		names = append(names, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return names, nil
}
