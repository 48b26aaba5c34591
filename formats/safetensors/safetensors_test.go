package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// handFile is a file worked out byte by byte from the format description:
// one F32 tensor "b" = [1, -2] and metadata {"k": "v"}. The header is 79
// bytes of JSON plus one space of padding (80 = 0x50), then 1.0f is
// 0x3f800000 and -2.0f is 0xc0000000, both little-endian.
var handFile = slices.Concat(
	[]byte{0x50, 0, 0, 0, 0, 0, 0, 0},
	[]byte(`{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} `),
	[]byte{0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0},
)

func TestWriteHandComputed(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, []Tensor{FromFloat32("b", []int{2}, []float32{1, -2})}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), handFile) {
		t.Fatalf("Write:\n got %q\nwant %q", buf.Bytes(), handFile)
	}
}

func TestReadHandComputed(t *testing.T) {
	f, err := Read(bytes.NewReader(handFile))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata, map[string]string{"k": "v"}) {
		t.Errorf("metadata = %v", f.Metadata)
	}
	v, shape, err := f.Float32("b")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v, []float32{1, -2}) || !slices.Equal(shape, []int{2}) {
		t.Errorf("b = %v %v", v, shape)
	}
}

// TestReadNumpyFixture reads testdata/numpy.safetensors, written by
// testdata/make_fixture.py with Python's json, struct and numpy (the header
// lists tensors out of data order and uses spaces after separators).
func TestReadNumpyFixture(t *testing.T) {
	f, err := ReadFile("testdata/numpy.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"f64", "i64", "f32", "scalar", "empty", "i32", "f16", "bf16", "u8"}
	if !slices.Equal(f.Names(), wantNames) {
		t.Errorf("names in data order = %v, want %v", f.Names(), wantNames)
	}
	if f.Metadata["framework"] != "numpy" || f.Metadata["made_by"] != "make_fixture.py" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	inf := float32(math.Inf(1))
	want := map[string]struct {
		shape []int
		vals  []float32
	}{
		// numpy.linspace(-1, 1, 5) rounded to float32.
		"f64":    {[]int{5}, []float32{-1, -0.5, 0, 0.5, 1}},
		"i64":    {[]int{4}, []float32{-5, 0, 7, 1 << 40}},
		"f32":    {[]int{2, 3}, []float32{-1, -0.5, 0, 0.5, 1, 1.5}},
		"scalar": {[]int{}, []float32{3.25}},
		"empty":  {[]int{0, 4}, []float32{}},
		"i32":    {[]int{3}, []float32{-1, 2, 3}},
		"f16":    {[]int{7}, []float32{0, 1, -2, 0.5, 65504, 0x1p-24, inf}},
		"bf16":   {[]int{4}, []float32{1, -3.5, 0.15625, 0x1p100}},
		"u8":     {[]int{1, 3}, []float32{0, 128, 255}},
	}
	for name, w := range want {
		tt := f.Tensor(name)
		if tt == nil {
			t.Errorf("no tensor %q", name)
			continue
		}
		got, err := tt.Float32s(nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !slices.Equal(tt.Shape, w.shape) || !slices.Equal(got, w.vals) {
			t.Errorf("%s = %v %v, want %v %v", name, tt.Shape, got, w.shape, w.vals)
		}
	}
	if _, _, err := f.Float32("bf16"); err == nil || !strings.Contains(err.Error(), `"bf16" is BF16, want F32`) {
		t.Errorf("Float32 on a BF16 tensor: err = %v", err)
	}
	if _, _, err := f.Float32("nope"); err == nil || !strings.Contains(err.Error(), `no tensor "nope"`) {
		t.Errorf("Float32 on a missing tensor: err = %v", err)
	}
	ints, err := f.Tensor("i64").Int64s(nil)
	if err != nil || !slices.Equal(ints, []int64{-5, 0, 7, 1 << 40}) {
		t.Errorf("Int64s = %v, %v", ints, err)
	}
	if _, err := f.Tensor("f32").Int64s(nil); err == nil {
		t.Error("Int64s on F32: no error")
	}
}

func TestWriteAlignsBySize(t *testing.T) {
	ts := []Tensor{
		{Name: "a", DType: U8, Shape: []int{3}, Data: []byte{1, 2, 3}},
		FromFloat32("b", []int{1}, []float32{4}),
		FromInt64("c", []int{1}, []int64{5}),
		FromFloat32("aa", []int{1}, []float32{6}),
	}
	var buf bytes.Buffer
	if err := Write(&buf, ts, nil); err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(buf.Bytes()); n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	h, err := ReadHeader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ti := range h.Tensors {
		got = append(got, fmt.Sprintf("%s@%d", ti.Name, ti.Begin))
		if ti.Begin%int64(ti.DType.Size()) != 0 {
			t.Errorf("%s at %d is not aligned to %d", ti.Name, ti.Begin, ti.DType.Size())
		}
	}
	if want := []string{"c@0", "aa@8", "b@12", "a@16"}; !slices.Equal(got, want) {
		t.Errorf("layout = %v, want %v", got, want)
	}
	if h.Metadata != nil {
		t.Errorf("metadata = %v, want nil", h.Metadata)
	}
}

func TestRoundTripAllDTypes(t *testing.T) {
	dtypes := []DType{Bool, U8, I8, F8E5M2, F8E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64}
	var ts []Tensor
	for i, dt := range dtypes {
		shape := []int{2, i%3 + 1}
		data := make([]byte, 2*(i%3+1)*dt.Size())
		for j := range data {
			data[j] = byte(31*i + 7*j)
		}
		ts = append(ts, Tensor{Name: "t." + string(dt), DType: dt, Shape: shape, Data: data})
	}
	// Float32 specials must survive bit for bit.
	nan := math.Float32frombits(0x7fc00123)
	ts = append(ts, FromFloat32("specials", []int{5}, []float32{nan, float32(math.Inf(-1)), float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, math.MaxFloat32}))
	ts = append(ts, Tensor{Name: "zero", DType: F64, Shape: []int{3, 0}, Data: []byte{}})
	meta := map[string]string{"z": "1", "a": `quote " and <html> & unicode é`}
	var buf bytes.Buffer
	if err := Write(&buf, ts, meta); err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata, meta) {
		t.Errorf("metadata = %v", f.Metadata)
	}
	if len(f.Tensors) != len(ts) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(ts))
	}
	for _, w := range ts {
		g := f.Tensor(w.Name)
		if g == nil || g.DType != w.DType || !slices.Equal(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("%s: got %+v, want %+v", w.Name, g, w)
		}
	}
	// Writing what was read gives the same bytes.
	var again bytes.Buffer
	if err := Write(&again, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("rewriting a file changed its bytes")
	}
}

func TestHalfAndFloat8Conversions(t *testing.T) {
	half := map[uint16]float32{
		0x0000: 0, 0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 0x1p-24, 0x03ff: 1023 * 0x1p-24,
		0x0400: 0x1p-14, 0x3555: 0.333251953125, 0x7c00: float32(math.Inf(1)), 0xfc00: float32(math.Inf(-1)),
	}
	for h, want := range half {
		if got := halfToFloat32(h); got != want {
			t.Errorf("half %#04x = %v, want %v", h, got, want)
		}
	}
	if got := halfToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("half 0x8000 = %v, want -0", got)
	}
	if got := halfToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("half 0x7e00 = %v, want NaN", got)
	}
	// float8 E4M3FN: 0x38 = 1, 0x7e = 448 (the largest), 0x01 = 2^-9, 0xc0 = -2.
	e4 := map[byte]float32{0x38: 1, 0x7e: 448, 0x01: 0x1p-9, 0xc0: -2, 0x00: 0}
	for b, want := range e4 {
		if got := e4m3ToFloat32(b); got != want {
			t.Errorf("e4m3 %#02x = %v, want %v", b, got, want)
		}
	}
	if !math.IsNaN(float64(e4m3ToFloat32(0x7f))) || !math.IsNaN(float64(e4m3ToFloat32(0xff))) {
		t.Error("e4m3 0x7f/0xff must be NaN")
	}
	// float8 E5M2 is the top byte of a half: 0x3c = 1, 0x7b = 57344.
	tt := Tensor{Name: "e5", DType: F8E5M2, Shape: []int{2}, Data: []byte{0x3c, 0x7b}}
	if got, err := tt.Float32s(nil); err != nil || !slices.Equal(got, []float32{1, 57344}) {
		t.Errorf("e5m2 = %v, %v", got, err)
	}
}

func TestFloat32sReusesDst(t *testing.T) {
	tt := FromFloat32("x", []int{3}, []float32{1, 2, 3})
	dst := make([]float32, 1, 10)
	got, err := tt.Float32s(dst)
	if err != nil || &got[0] != &dst[0] || !slices.Equal(got, []float32{1, 2, 3}) {
		t.Errorf("Float32s = %v, %v; dst reused: %v", got, err, &got[0] == &dst[0])
	}
	bad := Tensor{Name: "bad", DType: F32, Shape: []int{4}, Data: make([]byte, 3)}
	if _, err := bad.Float32s(nil); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("mismatched tensor: err = %v", err)
	}
}

func TestWriteRejects(t *testing.T) {
	f32 := FromFloat32("a", []int{1}, []float32{1})
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"duplicate", []Tensor{f32, f32}, nil, `two tensors named "a"`},
		{"reserved", []Tensor{FromFloat32(metadataKey, []int{1}, []float32{1})}, nil, "is reserved"},
		{"dtype", []Tensor{{Name: "q", DType: "Q7", Shape: []int{1}, Data: []byte{0}}}, nil, `unknown dtype "Q7"`},
		{"short data", []Tensor{{Name: "s", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}}, nil, "needs 8 bytes, data has 4"},
		{"negative dim", []Tensor{{Name: "n", DType: F32, Shape: []int{-1}, Data: nil}}, nil, "invalid shape"},
		{"bad utf8 name", []Tensor{{Name: "\xff", DType: U8, Shape: []int{0}}}, nil, "not valid UTF-8"},
		{"bad utf8 meta", nil, map[string]string{"k": "\xfe"}, "not valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, c.tensors, c.meta)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

func TestFromFloat32Panics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "safetensors:") {
			t.Errorf("recover() = %v", r)
		}
	}()
	FromFloat32("x", []int{2, 2}, []float32{1, 2, 3})
}

// file builds a safetensors file from a header string and data.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func lenPrefix(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

func TestReadBadInput(t *testing.T) {
	const okT = `{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	eight := make([]byte, 8)
	cases := []struct {
		name string
		data []byte
		// want must be in the error from ReadFile (which also names the
		// file); wantStream, if set, replaces it for Read over a stream,
		// which cannot know the input size in advance.
		want, wantStream string
		eof              bool // the error wraps io.ErrUnexpectedEOF
	}{
		{name: "empty", data: nil, want: "empty file"},
		{name: "short prefix", data: []byte{1, 0, 0}, want: "header length truncated at byte 3", eof: true},
		{name: "header over cap", data: lenPrefix(MaxHeaderSize+1, "{}"), want: "larger than the 100000000-byte cap"},
		{name: "huge header length", data: lenPrefix(math.MaxUint64, "{}"), want: "larger than the 100000000-byte cap"},
		{name: "header beyond file", data: lenPrefix(1000, "{}"), want: "header length 1000 is larger than the 2 bytes",
			wantStream: "header truncated at byte 10 of 1008", eof: true},
		{name: "header too small", data: lenPrefix(1, "{"), want: "too small"},
		{name: "invalid utf8", data: file("{\"\xff\":1}", nil), want: "not valid UTF-8"},
		{name: "no brace", data: file(`[]`, nil), want: "does not start with '{'"},
		{name: "leading space", data: file(` {}`, nil), want: "does not start with '{'"},
		{name: "invalid json", data: file(`{"t":`, nil), want: "not valid JSON"},
		{name: "trailing garbage", data: file(`{}x`, nil), want: "data after its JSON object"},
		{name: "second object", data: file(`{}{}`, nil), want: "data after its JSON object"},
		{name: "duplicate tensor", data: file(`{"t":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"t":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, nil), want: `duplicate key "t"`},
		{name: "duplicate metadata", data: file(`{"__metadata__":{},"__metadata__":{}}`, nil), want: `duplicate key "__metadata__"`},
		{name: "duplicate metadata key", data: file(`{"__metadata__":{"a":"1","a":"2"}}`, nil), want: `duplicate key "a"`},
		{name: "duplicate field", data: file(`{"t":{"dtype":"U8","dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, nil), want: `duplicate key "dtype"`},
		{name: "unknown field", data: file(`{"t":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"extra":1}}`, nil), want: `unknown field "extra"`},
		{name: "missing dtype", data: file(`{"t":{"shape":[0],"data_offsets":[0,0]}}`, nil), want: "missing dtype"},
		{name: "missing shape", data: file(`{"t":{"dtype":"U8","data_offsets":[0,0]}}`, nil), want: "missing shape"},
		{name: "missing offsets", data: file(`{"t":{"dtype":"U8","shape":[0]}}`, nil), want: "missing data_offsets"},
		{name: "unknown dtype", data: file(`{"t":{"dtype":"F128","shape":[0],"data_offsets":[0,0]}}`, nil), want: `unknown dtype "F128"`},
		{name: "dtype number", data: file(`{"t":{"dtype":4,"shape":[0],"data_offsets":[0,0]}}`, nil), want: "dtype must be a string"},
		{name: "tensor not object", data: file(`{"t":5}`, nil), want: `tensor "t": want '{', found the number 5`},
		{name: "negative dim", data: file(`{"t":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}`, nil), want: "-1 is not an integer"},
		{name: "float dim", data: file(`{"t":{"dtype":"U8","shape":[2.0],"data_offsets":[0,2]}}`, nil), want: "2.0 is not an integer"},
		{name: "offset too big", data: file(`{"t":{"dtype":"U8","shape":[0],"data_offsets":[9223372036854775808,9223372036854775808]}}`, nil), want: "not an integer in [0, 2^63)"},
		{name: "three offsets", data: file(`{"t":{"dtype":"U8","shape":[0],"data_offsets":[0,0,0]}}`, nil), want: "must hold 2 numbers"},
		{name: "end before begin", data: file(`{"t":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, nil), want: "end before they begin"},
		{name: "hole", data: file(`{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), want: "hole in the byte buffer: bytes [0, 4)"},
		{name: "overlap", data: file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), want: `overlap tensor "a"`},
		{name: "span mismatch", data: file(`{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, eight), want: "needs 12 bytes, data_offsets [0, 8] span 8"},
		{name: "shape overflow", data: file(`{"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, eight), want: "overflows"},
		{name: "size overflow", data: file(`{"t":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}}`, eight), want: "overflows"},
		{name: "data beyond file", data: file(okT, eight[:5]), want: "need 8 bytes of data after the header, the file holds 5",
			wantStream: "data truncated at byte 5 of 8", eof: true},
		{name: "trailing bytes", data: file(okT, make([]byte, 12)), want: "4 bytes after the end of the last tensor", wantStream: "bytes after the end of the last tensor"},
		{name: "metadata number", data: file(`{"__metadata__":{"a":1}}`, nil), want: `value of "a" must be a string, found the number 1`},
		{name: "metadata array", data: file(`{"__metadata__":["a"]}`, nil), want: "want an object of strings"},
		{name: "metadata nested", data: file(`{"__metadata__":{"a":{"b":"c"}}}`, nil), want: `value of "a" must be a string`},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(path)
			checkErr(t, "ReadFile", err, c.want, c.eof)
			if err != nil && !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("ReadFile error %q does not start with the file name", err)
			}
			want := c.want
			if c.wantStream != "" {
				want = c.wantStream
			}
			_, err = Read(bytes.NewReader(c.data))
			checkErr(t, "Read", err, want, c.eof)
			// A reader that hides its size and returns one byte at a time.
			_, err = Read(io.LimitReader(oneByte{bytes.NewReader(c.data)}, 1<<40))
			checkErr(t, "Read (1 byte at a time)", err, want, c.eof)
		})
	}
}

type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func checkErr(t *testing.T, what string, err error, want string, eof bool) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %q", what, want)
		return
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q does not contain %q", what, err, want)
	}
	if eof != errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("%s: errors.Is(%q, io.ErrUnexpectedEOF) = %v, want %v", what, err, !eof, eof)
	}
}

func TestErrorTypes(t *testing.T) {
	_, err := Read(bytes.NewReader(file(`{"t":{"dtype":"F9","shape":[0],"data_offsets":[0,0]}}`, nil)))
	var ue UnsupportedError
	if !errors.As(err, &ue) {
		t.Errorf("unknown dtype: %T %v, want UnsupportedError", err, err)
	}
	_, err = Read(bytes.NewReader(file(`{"t":1}`, nil)))
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Offset < 8 {
		t.Errorf("bad tensor entry: %T %v, want *FormatError with an offset in the header", err, err)
	}
}

func TestReadHeaderOnly(t *testing.T) {
	h, err := ReadHeader(bytes.NewReader(handFile[:88])) // no data needed
	if err != nil {
		t.Fatal(err)
	}
	if h.HeaderSize != 80 || h.DataSize != 8 || len(h.Tensors) != 1 || h.Tensors[0].End != 8 {
		t.Errorf("header = %+v", h)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "w.safetensors")
	ts := []Tensor{FromFloat32("w", []int{2, 2}, []float32{1, 2, 3, 4})}
	if err := WriteFile(p, ts, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(p)
	err := WriteFile(p, []Tensor{{Name: "bad", DType: F32, Shape: []int{1}}}, nil)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want one naming %s", err, p)
	}
	after, _ := os.ReadFile(p)
	if !bytes.Equal(before, after) {
		t.Error("a failed WriteFile changed the file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}
	f, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := f.Float32("w"); !slices.Equal(v, []float32{1, 2, 3, 4}) {
		t.Errorf("w = %v", v)
	}
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("ReadFile(dir): %v", err)
	}
}
