package safetensors

import (
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

// The tensor names and metadata keys of the dataset convention (FORMAT.md).
const (
	// TensorX is the name of the tensor that holds the rows.
	TensorX = "x"
	// TensorEmbeddings is the name looked for when there is no TensorX.
	TensorEmbeddings = "embeddings"
	// TensorLabels is the name of the optional integer tensor of labels;
	// -1 marks a row without a label.
	TensorLabels = "labels"
	// MetaClasses is the metadata key of the class names, a JSON array of
	// strings indexed by the labels.
	MetaClasses = "classes"
	// MetaImage is the metadata key of the image shape of a row,
	// "HxWxC" (channel-last).
	MetaImage = "image"
	// MetaColumns is the metadata key of the per-row metadata columns, a
	// JSON array of {"name": string, "values": [string per row]}.
	MetaColumns = "columns"
)

func init() {
	formats.Register(formats.Format{
		Name:        "safetensors",
		Description: `safetensors file: tensor "x" (rows), optional "labels", class names in the metadata`,
		Match:       match,
		Load:        LoadDataset,
		Save:        SaveDataset,
	})
}

// match accepts the .safetensors extension, or a head that starts with a
// plausible header length followed by a JSON object.
func match(path string, head []byte) bool {
	if strings.HasSuffix(strings.ToLower(path), ".safetensors") {
		return true
	}
	if len(head) < 10 {
		return false
	}
	n := binary.LittleEndian.Uint64(head)
	return n >= 2 && n <= MaxHeaderSize && head[8] == '{' && (head[9] == '"' || head[9] == '}')
}

// LoadDataset reads the safetensors file at path (optionally gzip
// compressed) as a dataset, following the convention in FORMAT.md. Of the
// options it honours MaxRows; Labels, LabelColumn, Columns and the image
// options do not apply and are an error.
func LoadDataset(path string, opt formats.Options) (*dataset.Dataset, error) {
	if opt.Labels != "" || opt.LabelColumn != "" || opt.Columns != "" {
		return nil, fmt.Errorf("%s: safetensors keeps labels in its %q tensor; --labels, --label-column and --columns do not apply", path, TensorLabels)
	}
	if opt.Gray || opt.ResizeW > 0 || opt.ResizeH > 0 {
		return nil, fmt.Errorf("%s: gray and resize apply to image folders only", path)
	}
	f, err := readMaybeGzip(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d, err := ToDataset(f, opt.MaxRows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, ".gz")
	d.Name = strings.TrimSuffix(base, filepath.Ext(base))
	return d, nil
}

func readMaybeGzip(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	var magic [2]byte
	n, _ := io.ReadFull(fh, magic[:])
	isGz := formats.IsGzip(magic[:n])
	fh.Close()
	if !isGz {
		return readFile(path, nil)
	}
	fh, err = os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return Read(zr)
}

// SaveDataset writes d to path atomically as described in FORMAT.md: the
// rows as F32 tensor "x", labels as I64 tensor "labels" (-1 for none), and
// class names, image shape and metadata columns in the metadata.
func SaveDataset(path string, d *dataset.Dataset) error {
	tensors, meta, err := FromDataset(d)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WriteFile(path, tensors, meta)
}

// FromDataset returns the tensors and metadata that SaveDataset writes for
// d.
func FromDataset(d *dataset.Dataset) ([]Tensor, map[string]string, error) {
	if err := d.Validate(); err != nil {
		return nil, nil, err
	}
	n, dim := d.Len(), d.Dim()
	tensors := []Tensor{FromFloat32(TensorX, []int{n, dim}, d.X.Data[:n*dim])}
	meta := map[string]string{}
	if d.Labels != nil {
		lab := make([]int64, n)
		for i, l := range d.Labels {
			lab[i] = int64(l)
		}
		tensors = append(tensors, FromInt64(TensorLabels, []int{n}, lab))
		classes := d.Classes
		if classes == nil {
			classes = []string{}
		}
		js, err := json.Marshal(classes)
		if err != nil {
			return nil, nil, err
		}
		meta[MetaClasses] = string(js)
	}
	if d.Image.IsImage() {
		meta[MetaImage] = fmt.Sprintf("%dx%dx%d", d.Image.Height, d.Image.Width, d.Image.Channels)
	}
	if len(d.Meta) > 0 {
		js, err := json.Marshal(columnsJSON(d.Meta))
		if err != nil {
			return nil, nil, err
		}
		meta[MetaColumns] = string(js)
	}
	return tensors, meta, nil
}

type columnJSON struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

func columnsJSON(cols []dataset.Column) []columnJSON {
	out := make([]columnJSON, len(cols))
	for i, c := range cols {
		out[i] = columnJSON{Name: c.Name, Values: c.Values}
	}
	return out
}

// ToDataset builds a dataset from f following the convention in FORMAT.md,
// keeping at most maxRows rows when maxRows > 0.
func ToDataset(f *File, maxRows int) (*dataset.Dataset, error) {
	xt, err := pickX(f)
	if err != nil {
		return nil, err
	}
	if len(xt.Shape) < 2 {
		return nil, fmt.Errorf("tensor %q has shape %v; want rows × columns", xt.Name, xt.Shape)
	}
	rows := xt.Shape[0]
	c, ok := numElements(xt.Shape[1:])
	if !ok || c > math.MaxInt32 {
		return nil, fmt.Errorf("tensor %q: shape %v has too many columns", xt.Name, xt.Shape)
	}
	cols := int(c)
	n := rows
	if maxRows > 0 && maxRows < n {
		n = maxRows
	}
	head := *xt
	head.Shape = []int{n, cols}
	head.Data = xt.Data[:n*cols*xt.DType.Size()]
	x, err := head.Float32s(nil)
	if err != nil {
		return nil, err
	}
	d := &dataset.Dataset{X: mat32.FromSlice(n, cols, x), SourceType: sourceType(xt.DType)}
	if len(xt.Shape) == 3 {
		d.Image = dataset.ImageShape{Height: xt.Shape[1], Width: xt.Shape[2], Channels: 1}
	}
	if s, ok := f.Metadata[MetaImage]; ok {
		if d.Image, err = parseImageShape(s, cols); err != nil {
			return nil, err
		}
	}
	if err := loadLabels(f, d, rows, n); err != nil {
		return nil, err
	}
	if s, ok := f.Metadata[MetaColumns]; ok {
		var cj []columnJSON
		if err := decodeStrict([]byte(s), &cj); err != nil {
			return nil, fmt.Errorf("metadata %q: %w", MetaColumns, err)
		}
		for _, c := range cj {
			if len(c.Values) != rows {
				return nil, fmt.Errorf("metadata %q: column %q has %d values for %d rows", MetaColumns, c.Name, len(c.Values), rows)
			}
			d.Meta = append(d.Meta, dataset.Column{Name: c.Name, Values: c.Values[:n:n]})
		}
	}
	return d, nil
}

func pickX(f *File) (*Tensor, error) {
	for _, name := range []string{TensorX, TensorEmbeddings} {
		if t := f.Tensor(name); t != nil {
			return t, nil
		}
	}
	var two []string
	var pick *Tensor
	for i := range f.Tensors {
		if len(f.Tensors[i].Shape) == 2 {
			two = append(two, strconv.Quote(f.Tensors[i].Name))
			pick = &f.Tensors[i]
		}
	}
	switch len(two) {
	case 1:
		return pick, nil
	case 0:
		return nil, fmt.Errorf("no tensor %q or %q and no 2-D tensor to load as rows (%d tensors)", TensorX, TensorEmbeddings, len(f.Tensors))
	}
	if len(two) > 5 {
		two = append(two[:5], "…")
	}
	return nil, fmt.Errorf("no tensor %q or %q and %d 2-D tensors (%s): name the rows %q", TensorX, TensorEmbeddings, len(two), strings.Join(two, ", "), TensorX)
}

func parseImageShape(s string, cols int) (dataset.ImageShape, error) {
	parts := strings.Split(s, "x")
	var v [3]int
	ok := len(parts) == 3
	for i := 0; ok && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		ok = err == nil && n > 0 && n <= 1<<20
		if ok {
			v[i] = n
		}
	}
	if !ok {
		return dataset.ImageShape{}, fmt.Errorf("metadata %q: %q is not HxWxC", MetaImage, s)
	}
	im := dataset.ImageShape{Height: v[0], Width: v[1], Channels: v[2]}
	if im.Size() != cols {
		return dataset.ImageShape{}, fmt.Errorf("metadata %q: image shape %s holds %d values, rows have %d", MetaImage, s, im.Size(), cols)
	}
	return im, nil
}

func loadLabels(f *File, d *dataset.Dataset, rows, n int) error {
	lt := f.Tensor(TensorLabels)
	if lt == nil {
		return nil
	}
	if len(lt.Shape) != 1 || lt.Shape[0] != rows {
		return fmt.Errorf("tensor %q has shape %v; want [%d], one per row", TensorLabels, lt.Shape, rows)
	}
	lab, err := lt.Int64s(nil)
	if err != nil {
		return err
	}
	lab = lab[:n]
	for i, l := range lab {
		if l < -1 {
			return fmt.Errorf("tensor %q: row %d has label %d; labels are >= 0, or -1 for none", TensorLabels, i, l)
		}
	}
	s, ok := f.Metadata[MetaClasses]
	if !ok {
		names := make([]string, n)
		for i, l := range lab {
			if l >= 0 {
				names[i] = strconv.FormatInt(l, 10)
			}
		}
		d.SetLabels(names)
		return nil
	}
	var classes []string
	if err := decodeStrict([]byte(s), &classes); err != nil {
		return fmt.Errorf("metadata %q: want a JSON array of class names: %w", MetaClasses, err)
	}
	if classes == nil {
		return errors.New(`metadata "classes": want a JSON array of class names, found null`)
	}
	d.Classes = classes
	d.Labels = make([]int, n)
	for i, l := range lab {
		if l >= int64(len(classes)) {
			return fmt.Errorf("tensor %q: row %d has label %d but metadata %q names %d classes", TensorLabels, i, l, MetaClasses, len(classes))
		}
		d.Labels[i] = int(l)
	}
	return nil
}

func sourceType(t DType) string {
	switch t {
	case F32:
		return "float32"
	case F64:
		return "float64"
	case F16:
		return "float16"
	case BF16:
		return "bfloat16"
	case F8E5M2:
		return "float8_e5m2"
	case F8E4M3:
		return "float8_e4m3"
	case Bool:
		return "bool"
	}
	if slices.Contains([]DType{U8, I8, I16, U16, I32, U32, I64, U64}, t) {
		s := strings.ToLower(string(t))
		if s[0] == 'u' {
			return "uint" + s[1:]
		}
		return "int" + s[1:]
	}
	return strings.ToLower(string(t))
}
