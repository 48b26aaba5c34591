package safetensors

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

// TestLoadDatasetFixture reads testdata/dataset.safetensors, written by
// testdata/make_fixture.py with numpy.
func TestLoadDatasetFixture(t *testing.T) {
	d, err := formats.Load("testdata/dataset.safetensors", formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 4 || d.Dim() != 3 || d.Name != "dataset" || d.SourceType != "float32" {
		t.Fatalf("dataset %q %d×%d %s", d.Name, d.Len(), d.Dim(), d.SourceType)
	}
	for i := range 12 {
		if d.X.Data[i] != float32(i)/8 {
			t.Fatalf("x[%d] = %v, want %v", i, d.X.Data[i], float32(i)/8)
		}
	}
	if !slices.Equal(d.Classes, []string{"cat", "dog"}) || !slices.Equal(d.Labels, []int{0, 1, dataset.NoLabel, 1}) {
		t.Errorf("classes %v labels %v", d.Classes, d.Labels)
	}
	h, err := formats.Load("testdata/dataset.safetensors", formats.Options{MaxRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 2 || !slices.Equal(h.Labels, []int{0, 1}) {
		t.Errorf("MaxRows 2: %d rows, labels %v", h.Len(), h.Labels)
	}
}

func TestDatasetRoundTrip(t *testing.T) {
	d := &dataset.Dataset{
		X:     mat32.FromSlice(3, 4, []float32{0, 0.25, 0.5, 1, 1, 0, 0, 0.125, 0.75, 0.5, 0.25, 0}),
		Image: dataset.ImageShape{Height: 2, Width: 2, Channels: 1},
		Meta:  []dataset.Column{{Name: "path", Values: []string{"a/1.png", "b/2.png", "3.png"}}},
	}
	d.SetLabels([]string{"T-shirt/top", "Bag", ""})
	p := filepath.Join(t.TempDir(), "d.safetensors")
	if err := formats.Save(p, d, ""); err != nil {
		t.Fatal(err)
	}
	got, err := formats.Load(p, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Name, d.SourceType = "d", "float32"
	if !reflect.DeepEqual(got, d) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, d)
	}
	f, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if lt := f.Tensor(TensorLabels); lt == nil || lt.DType != I64 {
		t.Errorf("labels tensor = %+v, want I64", lt)
	}
	if f.Metadata[MetaClasses] != `["Bag","T-shirt/top"]` || f.Metadata[MetaImage] != "2x2x1" {
		t.Errorf("metadata = %v", f.Metadata)
	}
}

func TestLoadDatasetGzip(t *testing.T) {
	raw, err := os.ReadFile("testdata/dataset.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	p := filepath.Join(t.TempDir(), "d.safetensors.gz")
	os.WriteFile(p, buf.Bytes(), 0o644)
	d, err := formats.Load(p, formats.Options{Format: "safetensors"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 4 || d.Name != "d" {
		t.Errorf("%q: %d rows", d.Name, d.Len())
	}
}

func TestLoadDatasetPicksRows(t *testing.T) {
	w := func(ts ...Tensor) string {
		p := filepath.Join(t.TempDir(), "f.safetensors")
		if err := WriteFile(p, ts, nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	two := FromFloat32("a", []int{2, 1}, []float32{1, 2})
	one := FromFloat32("b", []int{3}, []float32{1, 2, 3})
	emb := Tensor{Name: "embeddings", DType: F64, Shape: []int{1, 2}, Data: make([]byte, 16)}
	d, err := LoadDataset(w(two, one), formats.Options{})
	if err != nil || d.Len() != 2 || d.Dim() != 1 {
		t.Errorf("only 2-D tensor: %v", err)
	}
	d, err = LoadDataset(w(two, emb), formats.Options{})
	if err != nil || d.Len() != 1 || d.Dim() != 2 || d.SourceType != "float64" {
		t.Errorf("embeddings: %v", err)
	}
	imgs := Tensor{Name: "x", DType: U8, Shape: []int{2, 3, 2}, Data: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}}
	d, err = LoadDataset(w(imgs), formats.Options{})
	if err != nil || d.Dim() != 6 || d.Image != (dataset.ImageShape{Height: 3, Width: 2, Channels: 1}) || d.X.Data[11] != 255 {
		t.Errorf("3-D x: %+v, %v", d, err)
	}
	lab := Tensor{Name: "labels", DType: I32, Shape: []int{2}, Data: []byte{7, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}}
	d, err = LoadDataset(w(two, lab), formats.Options{})
	if err != nil || !slices.Equal(d.Classes, []string{"7"}) || !slices.Equal(d.Labels, []int{0, dataset.NoLabel}) {
		t.Errorf("labels without class names: %+v, %v", d, err)
	}
}

func TestLoadDatasetBadInput(t *testing.T) {
	two := FromFloat32("x", []int{2, 2}, []float32{1, 2, 3, 4})
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		opt     formats.Options
		want    string
	}{
		{"no rows", []Tensor{FromFloat32("v", []int{3}, []float32{1, 2, 3})}, nil, formats.Options{}, `no tensor "x" or "embeddings" and no 2-D tensor`},
		{"ambiguous", []Tensor{FromFloat32("a", []int{1, 1}, []float32{1}), FromFloat32("b", []int{1, 1}, []float32{1})}, nil, formats.Options{}, `2 2-D tensors ("a", "b")`},
		{"1-D x", []Tensor{FromFloat32("x", []int{3}, []float32{1, 2, 3})}, nil, formats.Options{}, "want rows × columns"},
		{"wide", []Tensor{{Name: "x", DType: U8, Shape: []int{0, 1 << 40}}}, nil, formats.Options{}, "too many columns"},
		{"label shape", []Tensor{two, FromInt64("labels", []int{3}, []int64{0, 0, 0})}, nil, formats.Options{}, "want [2], one per row"},
		{"float labels", []Tensor{two, FromFloat32("labels", []int{2}, []float32{0, 1})}, nil, formats.Options{}, "want an integer dtype"},
		{"label below -1", []Tensor{two, FromInt64("labels", []int{2}, []int64{0, -2})}, nil, formats.Options{}, "row 1 has label -2"},
		{"label beyond classes", []Tensor{two, FromInt64("labels", []int{2}, []int64{0, 2})}, map[string]string{"classes": `["a","b"]`}, formats.Options{}, `row 1 has label 2 but metadata "classes" names 2 classes`},
		{"classes not json", []Tensor{two, FromInt64("labels", []int{2}, []int64{0, 0})}, map[string]string{"classes": `a,b`}, formats.Options{}, `metadata "classes"`},
		{"classes null", []Tensor{two, FromInt64("labels", []int{2}, []int64{0, 0})}, map[string]string{"classes": `null`}, formats.Options{}, "found null"},
		{"image syntax", []Tensor{two}, map[string]string{"image": "2x2"}, formats.Options{}, `"2x2" is not HxWxC`},
		{"image size", []Tensor{two}, map[string]string{"image": "2x2x3"}, formats.Options{}, "holds 12 values, rows have 2"},
		{"columns length", []Tensor{two}, map[string]string{"columns": `[{"name":"p","values":["a"]}]`}, formats.Options{}, `column "p" has 1 values for 2 rows`},
		{"columns field", []Tensor{two}, map[string]string{"columns": `[{"nam":"p"}]`}, formats.Options{}, `unknown field "nam"`},
		{"labels option", []Tensor{two}, nil, formats.Options{Labels: "l.txt"}, "do not apply"},
		{"gray option", []Tensor{two}, nil, formats.Options{Gray: true}, "image folders only"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".safetensors")
			if err := WriteFile(p, c.tensors, c.meta); err != nil {
				t.Fatal(err)
			}
			_, err := formats.Load(p, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("err = %v, want %q and the file name", err, c.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	if !match("a/B.SafeTensors", nil) {
		t.Error("extension not matched")
	}
	if !match("weights.bin", handFile[:64]) {
		t.Error("header not sniffed")
	}
	if match("x.npy", []byte("\x93NUMPY\x01\x00v\x00{'descr'")) || match("x.bin", []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0}) {
		t.Error("other formats matched")
	}
}
