package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/latentlab/latent/internal/atomicfile"
)

// MaxHeaderSize is the largest JSON header Read accepts, in bytes; the
// reference implementation uses the same cap.
const MaxHeaderSize = 100_000_000

// metadataKey is the header key that holds the free-form string metadata.
const metadataKey = "__metadata__"

// DType names a tensor's element type as the header spells it.
type DType string

// The element types of the format.
const (
	Bool   DType = "BOOL"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E5M2 DType = "F8_E5M2"
	F8E4M3 DType = "F8_E4M3"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	F64    DType = "F64"
	I64    DType = "I64"
	U64    DType = "U64"
)

// Size returns the number of bytes of one element, or 0 for a dtype the
// package does not know.
func (t DType) Size() int {
	switch t {
	case Bool, U8, I8, F8E5M2, F8E4M3:
		return 1
	case I16, U16, F16, BF16:
		return 2
	case I32, U32, F32:
		return 4
	case I64, U64, F64:
		return 8
	}
	return 0
}

// FormatError reports a file that is not valid safetensors.
type FormatError struct {
	// Offset is the byte offset in the file the problem was found at, or -1.
	Offset int64
	// Msg describes the problem.
	Msg string
}

// Error describes the problem and, when known, its byte offset.
func (e *FormatError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("safetensors: invalid file at byte %d: %s", e.Offset, e.Msg)
	}
	return "safetensors: invalid file: " + e.Msg
}

func formatErr(off int64, format string, args ...any) error {
	return &FormatError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// UnsupportedError reports a valid file, or a request, that uses a feature
// this package does not handle, such as an element type it does not know or
// cannot convert.
type UnsupportedError string

// Error names the unsupported feature.
func (e UnsupportedError) Error() string { return "safetensors: unsupported: " + string(e) }

// Tensor is one named tensor. Data holds its elements, little-endian and
// row-major; a tensor returned by Read shares its Data with the other
// tensors of the same File.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// Len returns the number of elements, the product of the shape (1 for a
// scalar, whose shape is empty).
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// FromFloat32 returns an F32 tensor holding a copy of data. It panics if
// the shape does not hold len(data) values.
func FromFloat32(name string, shape []int, data []float32) Tensor {
	checkShapeLen("FromFloat32", shape, len(data))
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: F32, Shape: slices.Clone(shape), Data: b}
}

// FromInt64 returns an I64 tensor holding a copy of data. It panics if the
// shape does not hold len(data) values.
func FromInt64(name string, shape []int, data []int64) Tensor {
	checkShapeLen("FromInt64", shape, len(data))
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return Tensor{Name: name, DType: I64, Shape: slices.Clone(shape), Data: b}
}

func checkShapeLen(fn string, shape []int, n int) {
	numel, ok := numElements(shape)
	if !ok || numel != uint64(n) {
		panic(fmt.Sprintf("safetensors: %s: shape %v does not hold %d values", fn, shape, n))
	}
}

// numElements returns the product of shape, or false if a dimension is
// negative or the product overflows an int.
func numElements(shape []int) (uint64, bool) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// byteSize returns the number of bytes a tensor of the given dtype and shape
// takes, or false on overflow.
func byteSize(dt DType, shape []int) (int64, bool) {
	n, ok := numElements(shape)
	if !ok {
		return 0, false
	}
	hi, lo := bits.Mul64(n, uint64(dt.Size()))
	if hi != 0 || lo > math.MaxInt64 || lo > math.MaxInt {
		return 0, false
	}
	return int64(lo), true
}

// TensorInfo describes one tensor of a header: its name, element type,
// shape and the byte range [Begin, End) of its data in the byte buffer.
type TensorInfo struct {
	Name       string
	DType      DType
	Shape      []int
	Begin, End int64
}

// Header is the parsed header of a file.
type Header struct {
	// Tensors are the tensors in the order of their data.
	Tensors []TensorInfo
	// Metadata is the "__metadata__" map, or nil when the header has none.
	Metadata map[string]string
	// HeaderSize is the length of the JSON header in bytes (without the
	// 8-byte length prefix).
	HeaderSize int64
	// DataSize is the length of the byte buffer that follows the header.
	DataSize int64
}

// File is a whole safetensors file in memory.
type File struct {
	// Tensors are the tensors in the order of their data in the file.
	Tensors []Tensor
	// Metadata is the "__metadata__" map, or nil when the file has none.
	Metadata map[string]string
}

// Tensor returns the tensor called name, or nil.
func (f *File) Tensor(name string) *Tensor {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i]
		}
	}
	return nil
}

// Names returns the tensor names in file order.
func (f *File) Names() []string {
	n := make([]string, len(f.Tensors))
	for i, t := range f.Tensors {
		n[i] = t.Name
	}
	return n
}

// Float32 returns a copy of the F32 tensor called name and its shape. It
// returns an error if there is no such tensor or if its dtype is not F32;
// use Tensor.Float32s to convert other dtypes on purpose.
func (f *File) Float32(name string) ([]float32, []int, error) {
	t := f.Tensor(name)
	if t == nil {
		return nil, nil, fmt.Errorf("safetensors: no tensor %q", name)
	}
	if t.DType != F32 {
		return nil, nil, fmt.Errorf("safetensors: tensor %q is %s, want F32", name, t.DType)
	}
	v, err := t.Float32s(nil)
	if err != nil {
		return nil, nil, err
	}
	return v, slices.Clone(t.Shape), nil
}

// ReadHeader reads and checks the length prefix and the JSON header from r,
// leaving r at the start of the byte buffer. It cannot check that the
// buffer is complete; Read and ReadFile do.
func ReadHeader(r io.Reader) (*Header, error) {
	return readHeader(r, -1)
}

// Read reads a whole file from r. The input must end right after the last
// tensor's data.
func Read(r io.Reader) (*File, error) {
	return read(r, -1)
}

// ReadFile reads the file at path. Errors name the path.
func ReadFile(path string) (*File, error) {
	f, err := readFile(path, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// readFile reads path, feeding every byte to tee when it is not nil.
func readFile(path string, tee io.Writer) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, unwrapPath(err)
	}
	if st.IsDir() {
		return nil, errors.New("is a directory, not a safetensors file")
	}
	var r io.Reader = fh
	if tee != nil {
		r = io.TeeReader(fh, tee)
	}
	return read(r, st.Size())
}

// unwrapPath drops the path from an *os.PathError, since callers prefix
// their errors with it.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// read reads a file of size bytes from r, or of unknown size when size < 0.
func read(r io.Reader, size int64) (*File, error) {
	h, err := readHeader(r, size)
	if err != nil {
		return nil, err
	}
	start := 8 + h.HeaderSize
	if size >= 0 && start+h.DataSize != size {
		if start+h.DataSize > size {
			return nil, fmt.Errorf("safetensors: the tensors need %d bytes of data after the header, the file holds %d: %w",
				h.DataSize, size-start, io.ErrUnexpectedEOF)
		}
		return nil, formatErr(start+h.DataSize, "%d bytes after the end of the last tensor", size-start-h.DataSize)
	}
	data, err := readN(r, h.DataSize, size >= 0)
	if err != nil {
		return nil, fmt.Errorf("safetensors: data truncated at byte %d of %d after the header: %w",
			len(data), h.DataSize, io.ErrUnexpectedEOF)
	}
	if size < 0 {
		var one [1]byte
		if n, _ := io.ReadFull(r, one[:]); n > 0 {
			return nil, formatErr(start+h.DataSize, "bytes after the end of the last tensor")
		}
	}
	f := &File{Metadata: h.Metadata, Tensors: make([]Tensor, len(h.Tensors))}
	for i, ti := range h.Tensors {
		f.Tensors[i] = Tensor{Name: ti.Name, DType: ti.DType, Shape: ti.Shape, Data: data[ti.Begin:ti.End:ti.End]}
	}
	return f, nil
}

// readN reads exactly n bytes. When the input size was checked (known), it
// allocates n bytes at once; otherwise the buffer grows only as bytes
// arrive, so a lying header cannot make it allocate more than about twice
// the input. On a short read it returns what it read and an error.
func readN(r io.Reader, n int64, known bool) ([]byte, error) {
	if known {
		b := make([]byte, n)
		m, err := io.ReadFull(r, b)
		if err != nil {
			return b[:m], err
		}
		return b, nil
	}
	var buf bytes.Buffer
	buf.Grow(int(min(n, 64<<10)))
	m, err := io.CopyN(&buf, r, n)
	if m < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return buf.Bytes(), err
	}
	return buf.Bytes(), nil
}

func readHeader(r io.Reader, size int64) (*Header, error) {
	var pre [8]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if n == 0 && err == io.EOF {
			return nil, errors.New("safetensors: empty file")
		}
		return nil, fmt.Errorf("safetensors: header length truncated at byte %d: %w", n, io.ErrUnexpectedEOF)
	}
	hlen := binary.LittleEndian.Uint64(pre[:])
	switch {
	case hlen > MaxHeaderSize:
		return nil, formatErr(0, "header length %d is larger than the %d-byte cap", hlen, MaxHeaderSize)
	case size >= 0 && int64(hlen) > size-8:
		return nil, fmt.Errorf("safetensors: header length %d is larger than the %d bytes that follow it: %w", hlen, size-8, io.ErrUnexpectedEOF)
	case hlen < 2:
		return nil, formatErr(0, "header length %d is too small for a JSON object", hlen)
	}
	hb, err := readN(r, int64(hlen), size >= 0)
	if err != nil {
		return nil, fmt.Errorf("safetensors: header truncated at byte %d of %d: %w", 8+len(hb), 8+hlen, io.ErrUnexpectedEOF)
	}
	h, err := parseHeader(hb)
	if err != nil {
		return nil, err
	}
	h.HeaderSize = int64(hlen)
	return h, nil
}

// parseHeader parses and checks the JSON header hb.
func parseHeader(hb []byte) (*Header, error) {
	if !utf8.Valid(hb) {
		return nil, formatErr(8, "header is not valid UTF-8")
	}
	if hb[0] != '{' {
		return nil, formatErr(8, "header does not start with '{'")
	}
	p := headerParser{dec: json.NewDecoder(bytes.NewReader(hb))}
	p.dec.UseNumber()
	h, err := p.parse()
	if err != nil {
		var fe *FormatError
		var ue UnsupportedError
		if errors.As(err, &fe) || errors.As(err, &ue) {
			return nil, err
		}
		// A syntax error from encoding/json.
		return nil, formatErr(8+p.dec.InputOffset(), "header is not valid JSON: %v", err)
	}
	rest := hb[p.dec.InputOffset():]
	if len(bytes.Trim(rest, " \t\r\n")) != 0 {
		return nil, formatErr(8+p.dec.InputOffset(), "header holds data after its JSON object")
	}
	if err := checkLayout(h); err != nil {
		return nil, err
	}
	return h, nil
}

type headerParser struct {
	dec *json.Decoder
}

func (p *headerParser) errf(format string, args ...any) error {
	return formatErr(8+p.dec.InputOffset(), format, args...)
}

// delim reads the next token and checks it is the delimiter want.
func (p *headerParser) delim(want json.Delim, what string) error {
	tok, err := p.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return p.errf("%s: want '%c', found %s", what, want, describe(tok))
	}
	return nil
}

// key reads an object key.
func (p *headerParser) key() (string, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", p.errf("want an object key, found %s", describe(tok))
	}
	return s, nil
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("'%c'", rune(v))
	case string:
		return "a string"
	case json.Number:
		return "the number " + string(v)
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

func (p *headerParser) parse() (*Header, error) {
	h := &Header{}
	if err := p.delim('{', "header"); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for p.dec.More() {
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		if seen[k] {
			return nil, p.errf("duplicate key %q", k)
		}
		seen[k] = true
		if k == metadataKey {
			if h.Metadata, err = p.metadata(); err != nil {
				return nil, err
			}
			continue
		}
		ti, err := p.tensorInfo(k)
		if err != nil {
			return nil, err
		}
		h.Tensors = append(h.Tensors, ti)
	}
	if err := p.delim('}', "header"); err != nil {
		return nil, err
	}
	return h, nil
}

func (p *headerParser) metadata() (map[string]string, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, p.errf("%s: want an object of strings, found %s", metadataKey, describe(tok))
	}
	m := map[string]string{}
	for p.dec.More() {
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, p.errf("%s: duplicate key %q", metadataKey, k)
		}
		tok, err := p.dec.Token()
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, p.errf("%s: value of %q must be a string, found %s", metadataKey, k, describe(tok))
		}
		m[k] = v
	}
	return m, p.delim('}', metadataKey)
}

func (p *headerParser) tensorInfo(name string) (TensorInfo, error) {
	ti := TensorInfo{Name: name}
	what := fmt.Sprintf("tensor %q", name)
	if err := p.delim('{', what); err != nil {
		return ti, err
	}
	var haveDType, haveShape, haveOffsets bool
	for p.dec.More() {
		k, err := p.key()
		if err != nil {
			return ti, err
		}
		switch k {
		case "dtype":
			if haveDType {
				return ti, p.errf("%s: duplicate key %q", what, k)
			}
			haveDType = true
			tok, err := p.dec.Token()
			if err != nil {
				return ti, err
			}
			s, ok := tok.(string)
			if !ok {
				return ti, p.errf("%s: dtype must be a string, found %s", what, describe(tok))
			}
			ti.DType = DType(s)
			if ti.DType.Size() == 0 {
				return ti, UnsupportedError(fmt.Sprintf("tensor %q: unknown dtype %q", name, s))
			}
		case "shape":
			if haveShape {
				return ti, p.errf("%s: duplicate key %q", what, k)
			}
			haveShape = true
			dims, err := p.uints(what + " shape")
			if err != nil {
				return ti, err
			}
			ti.Shape = make([]int, len(dims))
			for i, d := range dims {
				if d > math.MaxInt {
					return ti, p.errf("%s: dimension %d is too large", what, d)
				}
				ti.Shape[i] = int(d)
			}
		case "data_offsets":
			if haveOffsets {
				return ti, p.errf("%s: duplicate key %q", what, k)
			}
			haveOffsets = true
			off, err := p.uints(what + " data_offsets")
			if err != nil {
				return ti, err
			}
			if len(off) != 2 {
				return ti, p.errf("%s: data_offsets must hold 2 numbers, found %d", what, len(off))
			}
			ti.Begin, ti.End = int64(off[0]), int64(off[1])
		default:
			return ti, p.errf("%s: unknown field %q", what, k)
		}
	}
	if err := p.delim('}', what); err != nil {
		return ti, err
	}
	switch {
	case !haveDType:
		return ti, p.errf("%s: missing dtype", what)
	case !haveShape:
		return ti, p.errf("%s: missing shape", what)
	case !haveOffsets:
		return ti, p.errf("%s: missing data_offsets", what)
	}
	return ti, nil
}

// uints reads a JSON array of non-negative integers no larger than
// MaxInt64.
func (p *headerParser) uints(what string) ([]uint64, error) {
	if err := p.delim('[', what); err != nil {
		return nil, err
	}
	var out []uint64
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, p.errf("%s: want a number, found %s", what, describe(tok))
		}
		v, err := strconv.ParseUint(string(num), 10, 63)
		if err != nil {
			return nil, p.errf("%s: %s is not an integer in [0, 2^63)", what, num)
		}
		out = append(out, v)
	}
	return out, p.delim(']', what)
}

// checkLayout sorts the tensors by offset and checks that their sizes
// match their shapes and that they tile the byte buffer exactly.
func checkLayout(h *Header) error {
	slices.SortStableFunc(h.Tensors, func(a, b TensorInfo) int {
		if a.Begin != b.Begin {
			return cmpInt64(a.Begin, b.Begin)
		}
		return cmpInt64(a.End, b.End)
	})
	var pos int64
	for i, t := range h.Tensors {
		if t.End < t.Begin {
			return formatErr(-1, "tensor %q: data_offsets [%d, %d] end before they begin", t.Name, t.Begin, t.End)
		}
		if t.Begin > pos {
			return formatErr(-1, "hole in the byte buffer: bytes [%d, %d) before tensor %q belong to no tensor", pos, t.Begin, t.Name)
		}
		if t.Begin < pos {
			return formatErr(-1, "tensor %q: data_offsets [%d, %d] overlap tensor %q", t.Name, t.Begin, t.End, h.Tensors[i-1].Name)
		}
		want, ok := byteSize(t.DType, t.Shape)
		if !ok {
			return formatErr(-1, "tensor %q: shape %v of %s overflows", t.Name, t.Shape, t.DType)
		}
		if got := t.End - t.Begin; got != want {
			return formatErr(-1, "tensor %q: shape %v of %s needs %d bytes, data_offsets [%d, %d] span %d",
				t.Name, t.Shape, t.DType, want, t.Begin, t.End, got)
		}
		pos = t.End
	}
	h.DataSize = pos
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Write writes tensors and metadata (which may be nil) as a safetensors
// file. Tensors are laid out largest element size first, then by name, so
// that each starts at an offset aligned to its element size; the header is
// padded with spaces to a multiple of 8 bytes. It returns an error for
// duplicate or reserved names, unknown dtypes, data whose length does not
// match the shape, or a header over MaxHeaderSize.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, order, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	var pre [8]byte
	binary.LittleEndian.PutUint64(pre[:], uint64(len(header)))
	if _, err := w.Write(pre[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for _, i := range order {
		if _, err := w.Write(tensors[i].Data); err != nil {
			return err
		}
	}
	return nil
}

// encodeHeader checks tensors and returns the padded JSON header and the
// order in which their data follows it.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, []int, error) {
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, fmt.Errorf("safetensors: metadata %q: not valid UTF-8", k)
		}
	}
	names := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		if !utf8.ValidString(t.Name) {
			return nil, nil, fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
		}
		if t.Name == metadataKey {
			return nil, nil, fmt.Errorf("safetensors: tensor name %q is reserved", t.Name)
		}
		if names[t.Name] {
			return nil, nil, fmt.Errorf("safetensors: two tensors named %q", t.Name)
		}
		names[t.Name] = true
		if t.DType.Size() == 0 {
			return nil, nil, UnsupportedError(fmt.Sprintf("tensor %q: unknown dtype %q", t.Name, t.DType))
		}
		want, ok := byteSize(t.DType, t.Shape)
		if !ok {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: invalid shape %v", t.Name, t.Shape)
		}
		if int64(len(t.Data)) != want {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: shape %v of %s needs %d bytes, data has %d",
				t.Name, t.Shape, t.DType, want, len(t.Data))
		}
	}
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		ta, tb := &tensors[a], &tensors[b]
		if sa, sb := ta.DType.Size(), tb.DType.Size(); sa != sb {
			return sb - sa
		}
		return strings.Compare(ta.Name, tb.Name)
	})

	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	if metadata != nil {
		writeString(&buf, metadataKey)
		buf.WriteString(":{")
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(&buf, k)
			buf.WriteByte(':')
			writeString(&buf, metadata[k])
		}
		buf.WriteByte('}')
		first = false
	}
	var off int64
	for _, i := range order {
		t := &tensors[i]
		if !first {
			buf.WriteByte(',')
		}
		first = false
		writeString(&buf, t.Name)
		buf.WriteString(`:{"dtype":`)
		writeString(&buf, string(t.DType))
		buf.WriteString(`,"shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(strconv.Itoa(d))
		}
		end := off + int64(len(t.Data))
		fmt.Fprintf(&buf, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	buf.WriteByte('}')
	for buf.Len()%8 != 0 {
		buf.WriteByte(' ')
	}
	if buf.Len() > MaxHeaderSize {
		return nil, nil, fmt.Errorf("safetensors: header of %d bytes exceeds the %d-byte cap", buf.Len(), MaxHeaderSize)
	}
	return buf.Bytes(), order, nil
}

// writeString writes s as a JSON string without HTML escaping.
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string
	buf.Truncate(buf.Len() - 1)
}

// WriteFile writes tensors and metadata to path atomically (a temporary
// file renamed into place). Errors name the path.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if err := Write(w, tensors, metadata); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	})
}
