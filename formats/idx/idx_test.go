package idx

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

const (
	fixtureImages = "../../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz"
	fixtureLabels = "../../testdata/fashion-mnist/t10k-labels-idx1-ubyte.gz"
)

// rawIDX builds an IDX stream by hand: magic, dims, then data.
func rawIDX(t DType, dims []int, data []byte) []byte {
	b := []byte{0, 0, byte(t), byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestReadEveryType(t *testing.T) {
	be := binary.BigEndian
	cases := []struct {
		t    DType
		data []byte
		want []float32
		ints []int
	}{
		{Uint8, []byte{0, 1, 128, 255}, []float32{0, 1, 128, 255}, []int{0, 1, 128, 255}},
		{Int8, []byte{0x80, 0xff, 0, 127}, []float32{-128, -1, 0, 127}, []int{-128, -1, 0, 127}},
		{Int16, be.AppendUint16(be.AppendUint16(be.AppendUint16(be.AppendUint16(nil, 0x8000), 0xffff), 1), 0x7fff),
			[]float32{-32768, -1, 1, 32767}, []int{-32768, -1, 1, 32767}},
		{Int32, be.AppendUint32(be.AppendUint32(be.AppendUint32(be.AppendUint32(nil, 0x80000000), 0xffffffff), 16777217), 7),
			[]float32{-2147483648, -1, 16777216, 7}, []int{-2147483648, -1, 16777217, 7}},
		{Float32, be.AppendUint32(be.AppendUint32(be.AppendUint32(be.AppendUint32(nil, math.Float32bits(1.5)), math.Float32bits(-0.25)), 0x7f800000), math.Float32bits(1e-45)),
			[]float32{1.5, -0.25, float32(math.Inf(1)), 1e-45}, nil},
		{Float64, be.AppendUint64(be.AppendUint64(be.AppendUint64(be.AppendUint64(nil, math.Float64bits(1.0/3)), math.Float64bits(-2)), math.Float64bits(1e300)), math.Float64bits(0.1)),
			[]float32{float32(1.0 / 3), -2, float32(math.Inf(1)), 0.1}, nil},
	}
	for _, c := range cases {
		data := rawIDX(c.t, []int{2, 2}, c.data)
		h, v, err := Read(bytes.NewReader(data), ReadOptions{Size: int64(len(data))})
		if err != nil {
			t.Fatalf("%v: %v", c.t, err)
		}
		if h.Type != c.t || !reflect.DeepEqual(h.Dims, []int{2, 2}) || !reflect.DeepEqual(v, c.want) {
			t.Errorf("%v: %v %v, want %v", c.t, h, v, c.want)
		}
		r := bytes.NewReader(data)
		h, _ = ReadHeader(r)
		ints, err := ReadInts(r, h, ReadOptions{})
		if c.ints == nil {
			var ue UnsupportedError
			if !errors.As(err, &ue) {
				t.Errorf("%v: ReadInts gave %v", c.t, err)
			}
		} else if err != nil || !reflect.DeepEqual(ints, c.ints) {
			t.Errorf("%v: ints %v %v, want %v", c.t, ints, err, c.ints)
		}
	}
}

func TestScaleIsCorrectlyRounded(t *testing.T) {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	_, v, err := Read(bytes.NewReader(rawIDX(Uint8, []int{256}, b)), ReadOptions{Scale: 1.0 / 255})
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range v {
		if x != float32(i)/255 {
			t.Errorf("%d/255 = %v, want %v", i, x, float32(i)/255)
		}
	}
}

func TestWriteRead(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteUint8(&buf, []int{2, 3}, []uint8{1, 2, 3, 4, 5, 255}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), rawIDX(Uint8, []int{2, 3}, []byte{1, 2, 3, 4, 5, 255})) {
		t.Errorf("uint8 bytes %v", buf.Bytes())
	}
	f := []float32{1, -2.5, float32(math.NaN()), 0, 3e38, -1e-45}
	buf.Reset()
	if err := WriteFloat32(&buf, []int{3, 2}, f); err != nil {
		t.Fatal(err)
	}
	h, v, err := Read(&buf, ReadOptions{})
	if err != nil || h.Type != Float32 || len(v) != 6 {
		t.Fatalf("%v %v %v", h, v, err)
	}
	for i := range f {
		if math.Float32bits(f[i]) != math.Float32bits(v[i]) {
			t.Errorf("value %d: %v, want %v", i, v[i], f[i])
		}
	}
	buf.Reset()
	if err := WriteInt32(&buf, []int{3}, []int32{-7, 0, 1 << 30}); err != nil {
		t.Fatal(err)
	}
	h, _ = ReadHeader(&buf)
	ints, err := ReadInts(&buf, h, ReadOptions{})
	if err != nil || !reflect.DeepEqual(ints, []int{-7, 0, 1 << 30}) {
		t.Errorf("int32: %v %v", ints, err)
	}
}

func TestLargeStreamPipeline(t *testing.T) {
	// Larger than pipelineMin, so reading and converting overlap; through
	// gzip, with and without MaxItems.
	n := 3 * pipelineMin / 784
	if testing.Short() {
		n = pipelineMin/784 + 1
	}
	data := make([]byte, n*784)
	for i := range data {
		data[i] = byte(i * 7)
	}
	z := gz(rawIDX(Uint8, []int{n, 28, 28}, data))
	h, v, err := Read(mustGzip(t, z), ReadOptions{})
	if err != nil || h.Items() != n || len(v) != len(data) {
		t.Fatalf("%v %d %v", h, len(v), err)
	}
	for i, b := range data {
		if v[i] != float32(b) {
			t.Fatalf("value %d: %v, want %d", i, v[i], b)
		}
	}
	_, v, err = Read(mustGzip(t, z), ReadOptions{MaxItems: n - 1, SizeHint: 100})
	if err != nil || len(v) != (n-1)*784 {
		t.Fatalf("MaxItems: %d %v", len(v), err)
	}
}

func mustGzip(t *testing.T, z []byte) io.Reader {
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

func TestFixture(t *testing.T) {
	d, err := formats.Load(fixtureImages, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2000 || d.Dim() != 784 || d.Image != (dataset.ImageShape{Height: 28, Width: 28, Channels: 1}) || d.SourceType != "uint8" {
		t.Fatalf("%d×%d %v %s", d.Len(), d.Dim(), d.Image, d.SourceType)
	}
	if !reflect.DeepEqual(d.Classes, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) {
		t.Fatalf("classes %v", d.Classes)
	}
	counts, unlabelled := d.LabelCounts()
	// The class counts of the first 2,000 test rows, as numpy's bincount
	// gives them (and testdata/fashion-mnist/README.md states).
	if want := []int{200, 203, 214, 190, 219, 195, 197, 200, 194, 188}; !reflect.DeepEqual(counts, want) || unlabelled != 0 {
		t.Errorf("label counts %v, want %v", counts, want)
	}
	lo, hi, _ := mat32.MinMax(d.X.Data)
	if lo != 0 || hi != 1 {
		t.Errorf("range [%v, %v]", lo, hi)
	}
	// The labels file alone is a 1-D dataset of its values.
	l, err := formats.Load(fixtureLabels, formats.Options{MaxRows: 5})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 5 || l.Dim() != 1 || !reflect.DeepEqual(l.X.Data, []float32{9, 2, 1, 1, 6}) || l.Label(0) != "9" {
		t.Errorf("labels file: %v %v", l.X, l.Classes)
	}
}

// TestFixtureMatchesSource checks the fixture against the Debian package's
// files, when they are installed.
func TestFixtureMatchesSource(t *testing.T) {
	src := filepath.Join(fashionDir, "t10k-images-idx3-ubyte.gz")
	if _, err := os.Stat(src); err != nil {
		t.Skip("Fashion-MNIST not installed")
	}
	full, err := Load(src, formats.Options{MaxRows: 2000})
	if err != nil {
		t.Fatal(err)
	}
	fx, err := Load(fixtureImages, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(full.X, fx.X) || !reflect.DeepEqual(full.Labels, fx.Labels) {
		t.Error("fixture differs from the first 2000 test items")
	}
}

func TestCompanionLabels(t *testing.T) {
	for in, want := range map[string]string{
		"d/train-images-idx3-ubyte.gz": "d/train-labels-idx1-ubyte.gz",
		"t10k-images-idx3-ubyte":       "t10k-labels-idx1-ubyte",
		"x/train-images.idx3-ubyte":    "x/train-labels.idx1-ubyte",
		"emnist-images-idx4-ubyte.gz":  "emnist-labels-idx1-ubyte.gz",
		"out.idx":                      "out-labels.idx",
		"out.IDX.gz":                   "out-labels.IDX.gz",
		"vectors":                      "vectors-labels",
	} {
		if got := CompanionLabels(in); got != want {
			t.Errorf("CompanionLabels(%q) = %q, want %q", in, got, want)
		}
	}
}

// writeTemp writes data to dir/name and returns the path.
func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLabelsSources(t *testing.T) {
	dir := t.TempDir()
	images := rawIDX(Uint8, []int{3, 2, 2}, make([]byte, 12))
	// A plain images file finds a gzip companion.
	img := writeTemp(t, dir, "a-images-idx3-ubyte", images)
	writeTemp(t, dir, "a-labels-idx1-ubyte.gz", gz(rawIDX(Uint8, []int{3}, []byte{4, 2, 4})))
	d, err := Load(img, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Classes, []string{"2", "4"}) || !reflect.DeepEqual(d.Labels, []int{1, 0, 1}) {
		t.Errorf("companion: %v %v", d.Classes, d.Labels)
	}
	// Options.Labels: a text file, one label per line.
	txt := writeTemp(t, dir, "names.txt", []byte("cat\ndog\n\n"))
	d, err = Load(img, formats.Options{Labels: txt})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Classes, []string{"cat", "dog"}) || !reflect.DeepEqual(d.Labels, []int{0, 1, dataset.NoLabel}) {
		t.Errorf("text labels: %v %v", d.Classes, d.Labels)
	}
	// Count mismatches name both files, for IDX and text labels.
	bad := writeTemp(t, dir, "b-labels-idx1-ubyte", rawIDX(Uint8, []int{2}, []byte{1, 2}))
	_, err = Load(img, formats.Options{Labels: bad})
	if err == nil || !strings.Contains(err.Error(), img+" holds 3 items but its labels file "+bad+" holds 2 labels") {
		t.Errorf("IDX mismatch: %v", err)
	}
	txt2 := writeTemp(t, dir, "two.txt", []byte("a\nb\n"))
	_, err = Load(img, formats.Options{Labels: txt2})
	if err == nil || !strings.Contains(err.Error(), img+" holds 3 items but its labels file "+txt2+" holds 2 labels") {
		t.Errorf("text mismatch: %v", err)
	}
	// A labels file with more than one value per item.
	wide := writeTemp(t, dir, "wide", rawIDX(Uint8, []int{3, 2}, make([]byte, 6)))
	_, err = Load(img, formats.Options{Labels: wide})
	if err == nil || !strings.Contains(err.Error(), "one value per item") {
		t.Errorf("wide labels: %v", err)
	}
	// A missing labels file.
	_, err = Load(img, formats.Options{Labels: filepath.Join(dir, "nope")})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing labels: %v", err)
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	x := mat32.New(4, 6)
	for i := range x.Data {
		x.Data[i] = float32(i*11%256) / 255
	}
	d := &dataset.Dataset{X: x, Image: dataset.ImageShape{Height: 2, Width: 1, Channels: 3}}
	d.SetLabels([]string{"3", "10", "3", "7"})
	p := filepath.Join(dir, "s-images-idx3-ubyte.gz")
	if err := formats.Save(p, d, ""); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); !formats.IsGzip(b) {
		t.Error("a .gz name did not give a gzip file")
	}
	back, err := formats.Load(p, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if back.SourceType != "uint8" || back.Image != d.Image || !reflect.DeepEqual(back.X, d.X) {
		t.Errorf("images came back as %s %v %v", back.SourceType, back.Image, back.X)
	}
	if !reflect.DeepEqual(back.Classes, d.Classes) || !reflect.DeepEqual(back.Labels, d.Labels) {
		t.Errorf("labels came back as %v %v", back.Classes, back.Labels)
	}

	// Values outside [0,1] are written as float32; class names that are not
	// integers as class indices.
	d.X.Data[0] = -1
	d.SetLabels([]string{"b", "a", "b", "c"})
	p = filepath.Join(dir, "f.idx")
	if err := Save(p, d); err != nil {
		t.Fatal(err)
	}
	back, err = Load(p, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if back.SourceType != "float32" || !reflect.DeepEqual(back.X, d.X) || back.Image != d.Image {
		t.Errorf("float32: %s %v", back.SourceType, back.X)
	}
	if !reflect.DeepEqual(back.Labels, []int{1, 0, 1, 2}) {
		t.Errorf("index labels %v", back.Labels)
	}

	// A labels-only dataset writes a 1-D file.
	l := &dataset.Dataset{X: mat32.New(3, 1)}
	l.SetLabels([]string{"300", "1", "2"})
	p = filepath.Join(dir, "only-labels-idx1-ubyte")
	if err := Save(p, l); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if f.Header.Type != Int32 || !reflect.DeepEqual(f.Header.Dims, []int{3}) {
		t.Errorf("labels-only file: %v", f.Header)
	}

	// A row without a label cannot be written, and nothing is.
	d.Labels[2] = dataset.NoLabel
	p = filepath.Join(dir, "nolabel.idx")
	if err := Save(p, d); err == nil || !strings.Contains(err.Error(), "row 2 has no label") {
		t.Errorf("no label: %v", err)
	}
	if _, err := os.Stat(p); err == nil {
		t.Error("file written despite the error")
	}
}

func TestMatch(t *testing.T) {
	hdr := rawIDX(Uint8, []int{1, 2, 2}, nil)
	for _, c := range []struct {
		path string
		head []byte
		want bool
	}{
		{"train-images-idx3-ubyte.gz", nil, true},
		{"x.idx", nil, true},
		{"x.npy", nil, false},
		{"anything", hdr, true},
		{"anything", []byte("\x93NUMPY"), false},
		{"anything", []byte{0, 0, 0x07, 1}, false},
		{"anything", rawIDX(Uint8, make([]int, 5), nil), false},
		{"x-ubyte", rawIDX(Uint8, make([]int, 5), nil), true},
	} {
		if got := match(c.path, c.head); got != c.want {
			t.Errorf("match(%q, % x) = %v", c.path, c.head, got)
		}
	}
}

func TestWriterPanics(t *testing.T) {
	defer func() {
		if s, _ := recover().(string); !strings.HasPrefix(s, "idx: WriteUint8") {
			t.Errorf("panic %q", s)
		}
	}()
	WriteUint8(io.Discard, []int{2, 2}, make([]uint8, 3))
}

func TestBadInput(t *testing.T) {
	good := rawIDX(Uint8, []int{4, 2, 2}, make([]byte, 16))
	goodGz := gz(good)
	corrupt := append([]byte(nil), goodGz...)
	corrupt[len(corrupt)-6] ^= 0xff // CRC-32
	cases := []struct {
		name string
		data []byte
		want string
		kind string // "format", "unsupported", "eof", "other"
	}{
		{"empty", nil, "empty input", "format"},
		{"wrong magic", []byte{1, 2, 8, 1, 0, 0, 0, 0}, "bad magic number 01 02 08 01", "format"},
		{"text", []byte("hello world"), "bad magic", "format"},
		{"unknown type", []byte{0, 0, 0x0A, 1, 0, 0, 0, 1, 0}, "element type 0x0a", "unsupported"},
		{"no dims", []byte{0, 0, 8, 0}, "no dimensions", "format"},
		{"truncated magic", []byte{0, 0}, "truncated header at offset 2", "eof"},
		{"truncated dims", good[:9], "truncated header at offset 9", "eof"},
		{"truncated data", good[:len(good)-3], "the file ends at offset 29 after 13", "eof"},
		{"trailing data", append(good[:len(good):len(good)], 7), "1 bytes after the 16 values", "format"},
		{"overflow 2^31×2^31", rawIDX(Uint8, []int{1 << 31, 1 << 31}, nil), "dimension overflow: 2147483648×2147483648", "format"},
		{"exceeds file", rawIDX(Float32, []int{1 << 16, 1 << 16}, make([]byte, 64)), "needs 17179869184 bytes", "eof"},
		{"gzip truncated data", goodGz[:len(goodGz)-12], "unexpected EOF", "eof"},
		{"gzip lying header", gz(rawIDX(Float64, []int{1 << 30, 1 << 10}, make([]byte, 800))), "truncated data at offset 812", "eof"},
		{"gzip trailing", gz(append(good[:len(good):len(good)], 1, 2)), "trailing data after the values, at offset 32", "format"},
		{"gzip bad checksum", corrupt, "checksum", "other"},
		{"gzip empty payload", gz(nil), "empty input", "format"},
		{"gzip truncated header", goodGz[:5], "unexpected EOF", "eof"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeTemp(t, dir, strings.ReplaceAll(c.name, " ", "_"), c.data)
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			before := ms.TotalAlloc
			_, err := Load(p, formats.Options{})
			runtime.ReadMemStats(&ms)
			if err == nil {
				t.Fatal("no error")
			}
			if grew := ms.TotalAlloc - before; grew > 8<<20 {
				t.Errorf("allocated %d bytes before failing", grew)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, p+": ") || !strings.Contains(msg, c.want) {
				t.Errorf("error %q, want the path and %q", msg, c.want)
			}
			var fe FormatError
			var ue UnsupportedError
			switch c.kind {
			case "format":
				if !errors.As(err, &fe) {
					t.Errorf("%q is not a FormatError", msg)
				}
			case "unsupported":
				if !errors.As(err, &ue) {
					t.Errorf("%q is not an UnsupportedError", msg)
				}
			case "eof":
				if !errors.Is(err, io.ErrUnexpectedEOF) || (!strings.Contains(msg, "offset") && !strings.Contains(c.name, "gzip")) {
					t.Errorf("%q is not an unexpected EOF with an offset", msg)
				}
			}
		})
	}
}

// TestStreamLyingHeader reads a stream of unknown length whose header
// claims 2^30 float64 values: memory grows only with the data that is
// really there, and the error gives the offset where it stopped.
func TestStreamLyingHeader(t *testing.T) {
	data := rawIDX(Float64, []int{1 << 30}, make([]byte, 4000))
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	_, _, err := Read(bytes.NewReader(data), ReadOptions{})
	runtime.ReadMemStats(&ms)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "truncated data at offset 4008") {
		t.Errorf("got %v", err)
	}
	if grew := ms.TotalAlloc - before; grew > 4<<20 {
		t.Errorf("allocated %d bytes for a 4 KB stream", grew)
	}
}

// TestNaNIsData: NaN and Inf load without error.
func TestNaNIsData(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nan.idx")
	err := WriteFile(p, func(w io.Writer) error {
		return WriteFloat32(w, []int{2, 2}, []float32{float32(math.NaN()), 1, float32(math.Inf(-1)), 0})
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Load(p, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c, row := mat32.CountNonFinite(d.X); c != 2 || row != 0 {
		t.Errorf("non-finite %d, first row %d", c, row)
	}
}
