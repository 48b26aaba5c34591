package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

// seq returns fn(i) for the C-order indices of n values.
func seq(n int, fn func(i float64) float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = fn(float64(i))
	}
	return v
}

// fixtures lists the files written by testdata/gen_fixtures.py with numpy,
// and the values numpy put in them (in C order), computed the same way.
var fixtures = []struct {
	file    string
	dtype   string
	shape   []int
	fortran bool
	version int
	want    []float64
}{
	{"f4_c.npy", "<f4", []int{3, 4}, false, 1, seq(12, func(i float64) float64 { return i*0.5 - 2 })},
	{"f4_be.npy", ">f4", []int{2, 3}, false, 1, seq(6, func(i float64) float64 { return i*1.25 - 1 })},
	{"f8_le.npy", "<f8", []int{4, 2}, false, 1, seq(8, func(i float64) float64 { return i / 3 })},
	{"f8_be.npy", ">f8", []int{5}, false, 1, seq(5, func(i float64) float64 { return (i - 2) * 0.1 })},
	{"f4_fortran.npy", "<f4", []int{3, 4}, true, 1, seq(12, func(i float64) float64 { return i * 1.5 })},
	{"f8_fortran3d.npy", ">f8", []int{2, 3, 4}, true, 1, seq(24, func(i float64) float64 { return i - 10 })},
	{"i1.npy", "|i1", []int{6}, false, 1, []float64{-128, -1, 0, 1, 2, 127}},
	{"i2_be.npy", ">i2", []int{2, 2}, false, 1, []float64{-32768, -1, 1, 32767}},
	{"u2.npy", "<u2", []int{4}, false, 1, []float64{0, 1, 256, 65535}},
	{"i4.npy", "<i4", []int{5}, false, 1, []float64{-2147483648, -1, 0, 7, 2147483647}},
	{"u4_be.npy", ">u4", []int{3}, false, 1, []float64{0, 1, 4294967295}},
	{"i8.npy", "<i8", []int{4}, false, 1, []float64{-9223372036854775808, -1, 0, 9223372036854775807}},
	{"u8.npy", "<u8", []int{3}, false, 1, []float64{0, 5, 18446744073709551615}},
	{"b1.npy", "|b1", []int{5}, false, 1, []float64{1, 0, 1, 1, 0}},
	{"f2.npy", "<f2", []int{6}, false, 1, []float64{0, -2, math.Ldexp(1, -24), math.Ldexp(1, -14), 65504, math.Inf(1)}},
	{"u1_images.npy", "|u1", []int{2, 3, 3}, false, 1, seq(18, func(i float64) float64 { return i * 14 })},
	{"u1_rgb.npy", "|u1", []int{2, 2, 2, 3}, false, 1, seq(24, func(i float64) float64 { return i * 10 })},
	{"v2.npy", "<f4", []int{2, 2}, false, 2, seq(4, func(i float64) float64 { return i + 0.5 })},
	{"v3.npy", "<f4", []int{2, 2}, false, 3, seq(4, func(i float64) float64 { return i - 0.5 })},
	{"scalar.npy", "<f8", []int{}, false, 1, []float64{3.25}},
	{"empty.npy", "<f4", []int{0, 5}, false, 1, []float64{}},
	{"special_f4.npy", "<f4", []int{6}, false, 1, []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 1e-45, 3.4028235e38}},
}

// sameFloat32 compares bit patterns, except that any NaN equals any NaN.
func sameFloat32(a, b float32) bool {
	if a != a && b != b {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

func TestFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			m, h, err := ReadFile(filepath.Join("testdata", fx.file), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if h.DType.String() != fx.dtype || h.Fortran != fx.fortran || h.Version != fx.version || !reflect.DeepEqual(h.Shape, fx.shape) {
				t.Fatalf("header %+v, want %s fortran=%v v%d shape %v", h, fx.dtype, fx.fortran, fx.version, fx.shape)
			}
			if h.DataOffset%64 != 0 {
				t.Errorf("data offset %d is not a multiple of 64", h.DataOffset)
			}
			if m.Rows != h.Rows() || m.Cols != h.Cols() || len(m.Data) != len(fx.want) {
				t.Fatalf("matrix %d×%d with %d values, want %d values", m.Rows, m.Cols, len(m.Data), len(fx.want))
			}
			for i, w := range fx.want {
				if !sameFloat32(m.Data[i], float32(w)) {
					t.Errorf("value %d = %v, want %v", i, m.Data[i], float32(w))
				}
			}
		})
	}
}

func TestReadInt64(t *testing.T) {
	cases := []struct {
		file string
		want []int64
	}{
		{"i1.npy", []int64{-128, -1, 0, 1, 2, 127}},
		{"i2_be.npy", []int64{-32768, -1, 1, 32767}},
		{"u2.npy", []int64{0, 1, 256, 65535}},
		{"i4.npy", []int64{-2147483648, -1, 0, 7, 2147483647}},
		{"u4_be.npy", []int64{0, 1, 4294967295}},
		{"i8.npy", []int64{math.MinInt64, -1, 0, math.MaxInt64}},
		{"b1.npy", []int64{1, 0, 1, 1, 0}},
		{"labels_i8.npy", []int64{3, 1, 4, 1, 5, 9}},
	}
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		r := bytes.NewReader(data)
		h, err := ReadHeader(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadInt64(r, h, ReadOptions{Size: int64(len(data))})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.file, got, c.want)
		}
	}
	for file, want := range map[string]string{"u8.npy": "above 2^63-1", "f4_c.npy": "reading float32 values as integers"} {
		data, _ := os.ReadFile(filepath.Join("testdata", file))
		r := bytes.NewReader(data)
		h, err := ReadHeader(r)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ReadInt64(r, h, ReadOptions{})
		var ue UnsupportedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want UnsupportedError with %q", file, err, want)
		}
	}
}

func TestLoadShapesAndImages(t *testing.T) {
	cases := []struct {
		file       string
		rows, cols int
		image      dataset.ImageShape
		source     string
		first      float32
		last       float32
	}{
		{"f4_c.npy", 3, 4, dataset.ImageShape{}, "float32", -2, 3.5},
		{"f8_be.npy", 5, 1, dataset.ImageShape{}, "float64", -0.2, float32(0.2)},
		{"scalar.npy", 1, 1, dataset.ImageShape{}, "float64", 3.25, 3.25},
		{"u1_images.npy", 2, 9, dataset.ImageShape{Height: 3, Width: 3, Channels: 1}, "uint8", 0, 17 * 14.0 / 255},
		{"u1_rgb.npy", 2, 12, dataset.ImageShape{Height: 2, Width: 2, Channels: 3}, "uint8", 0, 230.0 / 255},
		{"f8_fortran3d.npy", 2, 12, dataset.ImageShape{Height: 3, Width: 4, Channels: 1}, "float64", -10, 13},
		{"b1.npy", 5, 1, dataset.ImageShape{}, "bool", 1, 0},
	}
	for _, c := range cases {
		d, err := formats.Load(filepath.Join("testdata", c.file), formats.Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if d.X.Rows != c.rows || d.X.Cols != c.cols || d.Image != c.image || d.SourceType != c.source {
			t.Errorf("%s: %d×%d image %v source %s, want %d×%d %v %s", c.file, d.X.Rows, d.X.Cols, d.Image, d.SourceType, c.rows, c.cols, c.image, c.source)
			continue
		}
		if got := d.X.Data[0]; got != c.first {
			t.Errorf("%s: first value %v, want %v", c.file, got, c.first)
		}
		if got := d.X.Data[len(d.X.Data)-1]; got != c.last {
			t.Errorf("%s: last value %v, want %v", c.file, got, c.last)
		}
	}
	// MaxRows keeps the first rows, in C and in Fortran order.
	for _, file := range []string{"f4_c.npy", "f4_fortran.npy"} {
		d, err := Load(filepath.Join("testdata", file), formats.Options{MaxRows: 2})
		if err != nil {
			t.Fatal(err)
		}
		full, _, _ := ReadFile(filepath.Join("testdata", file), ReadOptions{})
		if d.X.Rows != 2 || !reflect.DeepEqual(d.X.Data, full.Data[:2*full.Cols]) {
			t.Errorf("%s: MaxRows 2 gave %v", file, d.X)
		}
	}
}

func TestLoadLabels(t *testing.T) {
	for _, lf := range []string{"labels.txt", "labels_i8.npy"} {
		d, err := formats.Load(filepath.Join("testdata", "i1.npy"), formats.Options{Labels: filepath.Join("testdata", lf)})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(d.Classes, []string{"1", "3", "4", "5", "9"}) {
			t.Errorf("%s: classes %v", lf, d.Classes)
		}
		if got := []string{d.Label(0), d.Label(1), d.Label(5)}; !reflect.DeepEqual(got, []string{"3", "1", "9"}) {
			t.Errorf("%s: labels %v", lf, got)
		}
	}
	names, err := ReadLabels(filepath.Join("testdata", "labels_f8.npy"))
	if err != nil || !reflect.DeepEqual(names, []string{"0", "2", "1"}) {
		t.Errorf("float labels: %v, %v", names, err)
	}
	dir := t.TempDir()
	for name, c := range map[string]struct{ data, want string }{
		"binary.lbl": {"ab\x00cd", "neither .npy nor text (NUL byte at offset 2)"},
		"utf8.lbl":   {"ok\nb\xffd\n", "utf8.lbl:2: label is not valid UTF-8"},
		"float.npy":  {string(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", []byte{0, 0, 0xc0, 0x3f})), "label 0 is 1.5, not an integer"},
		"wide.npy":   {string(npyBytes(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2)}", make([]byte, 16))), "labels must have shape (n,) or (n, 1), not (1, 2)"},
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(c.data), 0o644)
		if _, err := ReadLabels(p); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	_, err = formats.Load(filepath.Join("testdata", "f4_c.npy"), formats.Options{Labels: filepath.Join("testdata", "labels.txt")})
	if err == nil || !strings.Contains(err.Error(), "f4_c.npy holds 3 rows but its labels file") {
		t.Errorf("count mismatch: %v", err)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{0}, {7}, {3, 5}, {2, 3, 4}, {1, 1, 1, 1, 2}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i)*0.37 - 1
		}
		var buf bytes.Buffer
		if err := WriteFloat32(&buf, shape, data); err != nil {
			t.Fatal(err)
		}
		if buf.Len() != 128+4*n && buf.Len() != 64+4*n {
			t.Errorf("shape %v: %d bytes", shape, buf.Len())
		}
		h, got, err := Read(bytes.NewReader(buf.Bytes()), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(h.Shape, shape) || !reflect.DeepEqual(got, data) && n > 0 {
			t.Errorf("shape %v: read %v %v", shape, h.Shape, got)
		}
	}
	var buf bytes.Buffer
	if err := WriteInt64(&buf, []int{3}, []int64{-1, 0, math.MaxInt64}); err != nil {
		t.Fatal(err)
	}
	h, err := ReadHeader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ReadInt64(&buf, h, ReadOptions{})
	if err != nil || !reflect.DeepEqual(v, []int64{-1, 0, math.MaxInt64}) {
		t.Errorf("int64 round trip: %v %v", v, err)
	}
}

// TestWriteMatchesNumpy compares our bytes with files numpy wrote.
func TestWriteMatchesNumpy(t *testing.T) {
	for _, file := range []string{"f4_c.npy", "special_f4.npy", "labels_i8.npy", "i8.npy", "empty.npy"} {
		want, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		h, err := ReadHeader(bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if h.DType == Int64 {
			r := bytes.NewReader(want)
			ReadHeader(r)
			v, _ := ReadInt64(r, h, ReadOptions{})
			WriteInt64(&buf, h.Shape, v)
		} else {
			_, v, _ := Read(bytes.NewReader(want), ReadOptions{})
			WriteFloat32(&buf, h.Shape, v)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: wrote\n%q\nnumpy wrote\n%q", file, buf.Bytes(), want)
		}
	}
}

func TestSaveLoadDataset(t *testing.T) {
	dir := t.TempDir()
	d := &dataset.Dataset{X: mat32.FromSlice(2, 6, []float32{0, .1, .2, .3, .4, .5, .6, .7, .8, .9, 1, 1}),
		Image: dataset.ImageShape{Height: 1, Width: 2, Channels: 3}}
	p := filepath.Join(dir, "x.npy")
	if err := formats.Save(p, d, ""); err != nil {
		t.Fatal(err)
	}
	back, err := formats.Load(p, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if back.Image != d.Image || !reflect.DeepEqual(back.X, d.X) || back.SourceType != "float32" {
		t.Errorf("round trip: %+v", back)
	}
}

// python reports whether /usr/bin/python3 with numpy is available.
func python(t *testing.T) string {
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if out, err := runCmd(py, "-c", "import numpy"); err != nil {
		t.Skipf("numpy not importable: %v %s", err, out)
	}
	return py
}

func TestNumpyReadsWhatWeWrite(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	data := []float32{1.5, -2, float32(math.Inf(1)), 0, 1e-45, 3.4028235e38}
	f32 := filepath.Join(dir, "f32.npy")
	if err := WriteFile(f32, mat32.FromSlice(2, 3, data)); err != nil {
		t.Fatal(err)
	}
	i64 := filepath.Join(dir, "i64.npy")
	var buf bytes.Buffer
	if err := WriteInt64(&buf, []int{4}, []int64{-5, 0, 7, math.MaxInt64}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(i64, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rows := filepath.Join(dir, "rows.npy")
	w, err := CreateRows(rows, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(mat32.FromSlice(2, 2, []float32{1, 2, 3, 4}))
	w.Write(mat32.FromSlice(1, 2, []float32{5, 6}))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	script := `import numpy as np, sys
for p in sys.argv[1:]:
    a = np.load(p, allow_pickle=False)
    bits = a.view('<u4') if a.dtype == np.float32 else a
    print(a.dtype.str, a.shape, np.isfortran(a), bits.ravel().tolist())`
	out, err := runCmd(py, "-c", script, f32, i64, rows)
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	var bits []string
	for _, v := range data {
		bits = append(bits, strconv.FormatUint(uint64(math.Float32bits(v)), 10))
	}
	want := "<f4 (2, 3) False [" + strings.Join(bits, ", ") + "]\n" +
		"<i8 (4,) False [-5, 0, 7, 9223372036854775807]\n" +
		"<f4 (3, 2) False [1065353216, 1073741824, 1077936128, 1082130432, 1084227584, 1086324736]\n"
	if out != want {
		t.Errorf("numpy read:\n%s\nwant:\n%s", out, want)
	}
}

// runCmd runs a command and returns its combined output.
func runCmd(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

func TestRowReaderWriter(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.npy")
	const rows, cols = 1000, 7
	w, err := CreateRows(p, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	all := mat32.New(rows, cols)
	for i := range all.Data {
		all.Data[i] = float32(i) * 0.5
	}
	for lo := 0; lo < rows; lo += 300 {
		if _, err := os.Stat(p); err == nil {
			t.Fatal("target exists before Close")
		}
		if err := w.Write(all.Slice(lo, min(lo+300, rows))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m, _, err := ReadFile(p, ReadOptions{})
	if err != nil || !reflect.DeepEqual(m, all) {
		t.Fatalf("whole read: %v", err)
	}
	r, err := OpenRows(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Rows() != rows || r.Cols() != cols {
		t.Fatalf("%d×%d", r.Rows(), r.Cols())
	}
	dst := mat32.New(128, cols)
	var got []float32
	for {
		n, err := r.Next(dst)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, dst.Data[:n*cols]...)
	}
	if !reflect.DeepEqual(got, all.Data) {
		t.Error("rows read back differ")
	}
	if n, err := r.Next(dst); n != 0 || err != io.EOF {
		t.Errorf("after the end: %d, %v", n, err)
	}

	// A converting dtype, read by rows.
	r2, err := OpenRows(filepath.Join("testdata", "f8_le.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	dst = mat32.New(3, 2)
	n, err := r2.Next(dst)
	if n != 3 || err != nil || dst.Data[5] != float32(5.0/3) {
		t.Errorf("f8 rows: %d %v %v", n, err, dst.Data)
	}
	n, err = r2.Next(dst)
	if n != 1 || err != nil || dst.Data[1] != float32(7.0/3) {
		t.Errorf("f8 last row: %d %v %v", n, err, dst.Data)
	}

	// Fortran order cannot be streamed by rows.
	_, err = OpenRows(filepath.Join("testdata", "f4_fortran.npy"))
	var ue UnsupportedError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "f4_fortran.npy") {
		t.Errorf("Fortran: %v", err)
	}
}

func TestRowWriterIncomplete(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.npy")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := CreateRows(p, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(mat32.New(3, 2))
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "3 of the declared 4 rows") {
		t.Errorf("short Close: %v", err)
	}
	w2, _ := CreateRows(p, 1, 1)
	w2.Write(mat32.New(1, 1))
	w2.Abort()
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("target changed: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left files behind: %v", ents)
	}
}

func TestPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			if s, _ := r.(string); !strings.HasPrefix(s, "npy: ") {
				t.Errorf("%s: panic %v", name, r)
			}
		}()
		f()
	}
	mustPanic("WriteFloat32", func() { WriteFloat32(io.Discard, []int{2, 2}, make([]float32, 3)) })
	mustPanic("WriteInt64", func() { WriteInt64(io.Discard, []int{2}, make([]int64, 3)) })
	p := filepath.Join(t.TempDir(), "x.npy")
	w, err := CreateRows(p, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	mustPanic("RowWriter cols", func() { w.Write(mat32.New(1, 2)) })
	mustPanic("RowWriter rows", func() { w.Write(mat32.New(3, 3)) })
	r, err := OpenRows(filepath.Join("testdata", "f4_c.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mustPanic("RowReader cols", func() { r.Next(mat32.New(1, 3)) })
}

// npyBytes builds a .npy file from a version, a raw header dict and data.
func npyBytes(major byte, dict string, data []byte) []byte {
	b := []byte(Magic)
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)))
	}
	b = append(b, dict...)
	return append(b, data...)
}

const goodDict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n"

func TestBadInput(t *testing.T) {
	good := npyBytes(1, goodDict, make([]byte, 24))
	cases := []struct {
		name string
		data []byte
		want string
		kind string // "format", "unsupported", "eof"
	}{
		{"empty", nil, "empty input", "format"},
		{"wrong magic", []byte("\x93NUMPX\x01\x00\x10\x00{}"), "bad magic", "format"},
		{"not npy at all", []byte("hello, world"), "bad magic", "format"},
		{"truncated magic", []byte("\x93NUM"), "truncated header at offset 4", "eof"},
		{"truncated length", good[:9], "truncated header at offset 9", "eof"},
		{"truncated dict", good[:30], "truncated header at offset 30", "eof"},
		{"truncated data", good[:len(good)-5], "file ends at offset", "eof"},
		{"trailing data", append(good[:len(good):len(good)], 1, 2, 3, 4), "4 bytes after the 6 values", "format"},
		{"version 4", npyBytes(4, goodDict, nil), "format version 4.0", "unsupported"},
		{"version 1.1", append([]byte(Magic), 1, 1, 0, 0), "format version 1.1", "unsupported"},
		{"header too long", append([]byte(Magic), 2, 0, 0, 0, 0, 1), "header of 16777216 bytes", "unsupported"},
		{"overflow 2^31×2^31", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648), }", nil), "dimension overflow", "format"},
		{"exceeds file", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", make([]byte, 64)), "needs 4398046511104 bytes", "eof"},
		{"structured", npyBytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", nil), "structured dtype", "unsupported"},
		{"complex", npyBytes(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", nil), `dtype "<c8"`, "unsupported"},
		{"unicode", npyBytes(1, "{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }", nil), `dtype "<U4"`, "unsupported"},
		{"object", npyBytes(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", nil), `dtype "|O"`, "unsupported"},
		{"float128", npyBytes(1, "{'descr': '<f16', 'fortran_order': False, 'shape': (2,), }", nil), `dtype "<f16"`, "unsupported"},
		{"missing key", npyBytes(1, "{'descr': '<f4', 'shape': (2,), }", nil), `missing key "fortran_order"`, "format"},
		{"unknown key", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", nil), `unknown key "x"`, "format"},
		{"duplicate key", npyBytes(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", nil), `duplicate key "descr"`, "format"},
		{"bad bool", npyBytes(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", nil), "fortran_order must be True or False", "format"},
		{"shape list", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}", nil), "unexpected '['", "format"},
		{"shape not tuple", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", nil), "shape (3) is not a tuple", "format"},
		{"negative dim", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}", nil), "negative dimension", "format"},
		{"float dim", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3.5,)}", nil), "want ',' or ')'", "format"},
		{"unterminated string", npyBytes(1, "{'descr: '<f4'}", nil), "want ':'", "format"},
		{"unclosed dict", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", nil), "unexpected end", "format"},
		{"trailing text", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", nil), "trailing text", "format"},
		{"not a dict", npyBytes(1, "['descr']", nil), "unexpected '['", "format"},
		{"v3 bad utf8", npyBytes(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), '\xff': 1}", nil), "not valid UTF-8", "format"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npy")
			if err := os.WriteFile(p, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			before := ms.TotalAlloc
			_, _, err := ReadFile(p, ReadOptions{})
			runtime.ReadMemStats(&ms)
			if err == nil {
				t.Fatal("no error")
			}
			if grew := ms.TotalAlloc - before; grew > 1<<20 {
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
				if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(msg, "offset") {
					t.Errorf("%q is not an unexpected EOF with an offset", msg)
				}
			}
			// The same bytes through the formats registry fail the same way.
			if _, err := Load(p, formats.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Load: %v", err)
			}
		})
	}
}

// TestStreamTruncated checks a stream of unknown length: the values are
// read progressively and the error names the offset where they stop.
func TestStreamTruncated(t *testing.T) {
	dict := "{'descr': '<f8', 'fortran_order': False, 'shape': (1073741824,), }"
	data := npyBytes(1, dict, make([]byte, 1000))
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	_, _, err := Read(bytes.NewReader(data), ReadOptions{})
	runtime.ReadMemStats(&ms)
	want := "truncated data at offset " + strconv.Itoa(len(data))
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
	if grew := ms.TotalAlloc - before; grew > 4<<20 {
		t.Errorf("allocated %d bytes for a 1 KB stream", grew)
	}
	// The direct float32 path too.
	dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1073741824,), }"
	data = npyBytes(1, dict, make([]byte, 1002))
	_, _, err = Read(bytes.NewReader(data), ReadOptions{})
	want = "truncated data at offset " + strconv.Itoa(len(data))
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestHeaderParserTolerance(t *testing.T) {
	// What numpy's own reader accepts: other quote styles, the Python 2 'L'
	// suffix, keys in any order, no trailing comma, a bare descr.
	for _, dict := range []string{
		`{"shape": (2L, 3L), "fortran_order": False, "descr": "<f4"}`,
		"{ 'descr' : 'f4' ,\t'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }     \n",
		"{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3)}",
	} {
		h, err := ReadHeader(bytes.NewReader(npyBytes(1, dict, nil)))
		if err != nil {
			t.Errorf("%s: %v", dict, err)
			continue
		}
		if h.DType != Float32 || !reflect.DeepEqual(h.Shape, []int{2, 3}) || h.Fortran {
			t.Errorf("%s: %+v", dict, h)
		}
	}
}

func TestHalfFloat(t *testing.T) {
	// Every float16 value converts exactly: check against a float64
	// decoding of the bits.
	for u := 0; u < 1<<16; u++ {
		h := uint16(u)
		exp := int(h>>10) & 0x1f
		frac := float64(h & 0x3ff)
		var want float64
		switch {
		case exp == 0x1f && frac == 0:
			want = math.Inf(1)
		case exp == 0x1f:
			want = math.NaN()
		case exp == 0:
			want = math.Ldexp(frac, -24)
		default:
			want = math.Ldexp(1+frac/1024, exp-15)
		}
		if h>>15 == 1 {
			want = -want
		}
		got := halfToFloat32(h)
		if !sameFloat32(got, float32(want)) {
			t.Fatalf("half %#04x = %v, want %v", h, got, want)
		}
	}
}

// TestLittleEndian: the bytes are the '<f4' encoding of the values.
func TestLittleEndian(t *testing.T) {
	v := []float32{1, -2.5, float32(math.Inf(1))}
	b := LittleEndian(v)
	if len(b) != 12 {
		t.Fatalf("%d bytes", len(b))
	}
	for i, x := range v {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])); got != x {
			t.Fatalf("value %d: %v, want %v", i, got, x)
		}
	}
	if len(LittleEndian(nil)) != 0 {
		t.Fatal("no values give bytes")
	}
}
