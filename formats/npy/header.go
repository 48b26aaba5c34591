package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Magic is the first six bytes of every .npy file.
const Magic = "\x93NUMPY"

// MaxHeaderLen is the longest header dict this package reads, in bytes.
const MaxHeaderLen = 1 << 16

// maxDims is the most dimensions numpy allows.
const maxDims = 64

// maxCount bounds the number of values so that count*8 bytes and a slice
// of count values can always be addressed.
const maxCount = math.MaxInt / 8

// FormatError reports that the input is not a valid .npy file.
type FormatError string

// Error implements the error interface.
func (e FormatError) Error() string { return "npy: invalid format: " + string(e) }

// UnsupportedError reports that the input uses a feature this package does
// not handle.
type UnsupportedError string

// Error implements the error interface.
func (e UnsupportedError) Error() string { return "npy: unsupported feature: " + string(e) }

// DType is an element type: a kind ('f' float, 'i' signed, 'u' unsigned,
// 'b' bool), a size in bytes and a byte order.
type DType struct {
	Kind      byte
	Size      int
	BigEndian bool
}

// Common element types, little-endian.
var (
	Float32 = DType{Kind: 'f', Size: 4}
	Float64 = DType{Kind: 'f', Size: 8}
	Int64   = DType{Kind: 'i', Size: 8}
	Uint8   = DType{Kind: 'u', Size: 1}
)

// Supported reports whether this package reads values of type t.
func (t DType) Supported() bool {
	switch t.Kind {
	case 'f':
		return t.Size == 2 || t.Size == 4 || t.Size == 8
	case 'i', 'u':
		return t.Size == 1 || t.Size == 2 || t.Size == 4 || t.Size == 8
	case 'b':
		return t.Size == 1
	}
	return false
}

// IsInteger reports whether t is an integer or bool type.
func (t DType) IsInteger() bool { return t.Kind == 'i' || t.Kind == 'u' || t.Kind == 'b' }

// String returns t as numpy writes it in a header: "<f4", ">i8", "|u1".
func (t DType) String() string {
	order := byte('<')
	if t.Size == 1 {
		order = '|'
	} else if t.BigEndian {
		order = '>'
	}
	return string(order) + string(t.Kind) + strconv.Itoa(t.Size)
}

// Name returns the Go-style name of t: "float32", "uint8", "bool".
func (t DType) Name() string {
	switch t.Kind {
	case 'f':
		return "float" + strconv.Itoa(8*t.Size)
	case 'i':
		return "int" + strconv.Itoa(8*t.Size)
	case 'u':
		return "uint" + strconv.Itoa(8*t.Size)
	case 'b':
		return "bool"
	}
	return t.String()
}

// Header describes a .npy array.
type Header struct {
	// Version is the format's major version, 1, 2 or 3.
	Version int
	// DType is the element type.
	DType DType
	// Fortran reports column-major (Fortran) order; false is C order.
	Fortran bool
	// Shape is the array's shape; empty for a scalar.
	Shape []int
	// DataOffset is the length of everything before the values, in bytes.
	DataOffset int
}

// Count returns the number of values, the product of the shape.
func (h Header) Count() int {
	n := 1
	for _, d := range h.Shape {
		n *= d
	}
	return n
}

// DataSize returns the length of the values in bytes.
func (h Header) DataSize() int64 { return int64(h.Count()) * int64(h.DType.Size) }

// Rows returns the first dimension (1 for a scalar): the rows of the matrix
// the array loads as.
func (h Header) Rows() int {
	if len(h.Shape) == 0 {
		return 1
	}
	return h.Shape[0]
}

// Cols returns the product of every dimension but the first (1 for a
// scalar or a 1-D array): the columns of the matrix the array loads as.
func (h Header) Cols() int {
	n := 1
	for _, d := range h.Shape[min(1, len(h.Shape)):] {
		n *= d
	}
	return n
}

// String formats h the way numpy prints the header dict.
func (h Header) String() string { return h.dict() }

// check validates the element type and the shape.
func (h Header) check() error {
	if !h.DType.Supported() {
		return UnsupportedError(fmt.Sprintf("dtype %s", h.DType))
	}
	if len(h.Shape) > maxDims {
		return FormatError(fmt.Sprintf("%d dimensions, at most %d", len(h.Shape), maxDims))
	}
	// The product of the non-zero dimensions bounds every partial
	// product (Cols of an empty array too).
	n := 1
	for _, d := range h.Shape {
		if d < 0 {
			return FormatError(fmt.Sprintf("negative dimension %d", d))
		}
		if d != 0 {
			if n > maxCount/d {
				return FormatError("dimension overflow: shape " + shapeString(h.Shape))
			}
			n *= d
		}
	}
	return nil
}

// ReadHeader reads and checks a .npy header, leaving r at the first value.
// It reads exactly DataOffset bytes.
func ReadHeader(r io.Reader) (Header, error) {
	var pre [12]byte
	n, err := io.ReadFull(r, pre[:8])
	switch {
	case n == 0 && err == io.EOF:
		return Header{}, FormatError("empty input")
	case n >= 6 && string(pre[:6]) != Magic, n < 6 && !strings.HasPrefix(Magic, string(pre[:n])):
		return Header{}, FormatError(fmt.Sprintf("bad magic %q, want %q", pre[:min(n, 6)], Magic))
	case err != nil:
		return Header{}, readErr("header", int64(n), err)
	}
	h := Header{Version: int(pre[6])}
	if pre[7] != 0 || h.Version < 1 || h.Version > 3 {
		return Header{}, UnsupportedError(fmt.Sprintf("format version %d.%d", pre[6], pre[7]))
	}
	var hlen int
	if h.Version == 1 {
		if m, err := io.ReadFull(r, pre[8:10]); err != nil {
			return Header{}, readErr("header", int64(8+m), err)
		}
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
		h.DataOffset = 10
	} else {
		if m, err := io.ReadFull(r, pre[8:12]); err != nil {
			return Header{}, readErr("header", int64(8+m), err)
		}
		l := binary.LittleEndian.Uint32(pre[8:12])
		if l > MaxHeaderLen {
			return Header{}, UnsupportedError(fmt.Sprintf("header of %d bytes, longer than %d", l, MaxHeaderLen))
		}
		hlen = int(l)
		h.DataOffset = 12
	}
	buf := make([]byte, hlen)
	if m, err := io.ReadFull(r, buf); err != nil {
		return Header{}, readErr("header", int64(h.DataOffset+m), err)
	}
	if h.Version == 3 && !utf8.Valid(buf) {
		return Header{}, FormatError("header is not valid UTF-8")
	}
	h.DataOffset += hlen
	if err := parseDict(string(buf), &h); err != nil {
		return Header{}, err
	}
	if err := h.check(); err != nil {
		return Header{}, err
	}
	return h, nil
}

// readErr turns a read failure at byte offset off into an error naming the
// offset; an early end becomes io.ErrUnexpectedEOF.
func readErr(what string, off int64, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("npy: truncated %s at offset %d: %w", what, off, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("npy: reading %s at offset %d: %w", what, off, err)
}

// parser reads the Python literal subset used by .npy headers: a dict with
// string keys whose values are strings, True/False or tuples of integers.
type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	s := p.s
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return FormatError(fmt.Sprintf("header: "+format+" at byte %d of %q", append(args, p.i, s)...))
}

func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) expect(c byte) error {
	if p.peek() != c {
		if p.i >= len(p.s) {
			return p.errorf("unexpected end, want %q", c)
		}
		return p.errorf("unexpected %q, want %q", p.s[p.i], c)
	}
	p.i++
	return nil
}

// str reads a quoted string; a backslash escapes the next byte.
func (p *parser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errorf("want a quoted string")
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case q:
			return b.String(), nil
		case '\\':
			if p.i >= len(p.s) {
				return "", p.errorf("unterminated string")
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case '\n':
			return "", p.errorf("newline in string")
		default:
			b.WriteByte(c)
		}
	}
	return "", p.errorf("unterminated string")
}

// ident reads a bare word (True, False).
func (p *parser) ident() string {
	p.space()
	j := p.i
	for p.i < len(p.s) && (p.s[p.i] >= 'A' && p.s[p.i] <= 'Z' || p.s[p.i] >= 'a' && p.s[p.i] <= 'z') {
		p.i++
	}
	return p.s[j:p.i]
}

// tuple reads a tuple of non-negative integers, allowing a trailing comma
// and the Python 2 "L" suffix; "(3)" is not a tuple.
func (p *parser) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	var v []int
	comma := false
	for {
		c := p.peek()
		if c == ')' {
			p.i++
			if len(v) == 1 && !comma {
				return nil, p.errorf("shape (%d) is not a tuple", v[0])
			}
			return v, nil
		}
		if len(v) > 0 && !comma {
			return nil, p.errorf("want ',' or ')' in shape")
		}
		if c < '0' || c > '9' {
			if c == '-' {
				return nil, p.errorf("negative dimension")
			}
			return nil, p.errorf("want an integer in shape")
		}
		j := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		d, err := strconv.ParseInt(p.s[j:p.i], 10, 64)
		if err != nil || d > math.MaxInt {
			return nil, p.errorf("dimension %s out of range", p.s[j:p.i])
		}
		if p.i < len(p.s) && (p.s[p.i] == 'L' || p.s[p.i] == 'l') {
			p.i++
		}
		if len(v) == maxDims {
			return nil, p.errorf("more than %d dimensions", maxDims)
		}
		v = append(v, int(d))
		comma = false
		if p.peek() == ',' {
			p.i++
			comma = true
		}
	}
}

// parseDict parses the header dict into h.
func parseDict(s string, h *Header) error {
	p := &parser{s: s}
	if err := p.expect('{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	for p.peek() != '}' {
		if p.i >= len(p.s) {
			return p.errorf("unexpected end, want '}'")
		}
		key, err := p.str()
		if err != nil {
			return err
		}
		if seen[key] {
			return p.errorf("duplicate key %q", key)
		}
		seen[key] = true
		if err := p.expect(':'); err != nil {
			return err
		}
		switch key {
		case "descr":
			if c := p.peek(); c == '[' || c == '{' {
				return UnsupportedError("structured dtype")
			}
			d, err := p.str()
			if err != nil {
				return err
			}
			if h.DType, err = parseDescr(d); err != nil {
				return err
			}
		case "fortran_order":
			switch w := p.ident(); w {
			case "True":
				h.Fortran = true
			case "False":
				h.Fortran = false
			default:
				return p.errorf("fortran_order must be True or False, not %q", w)
			}
		case "shape":
			if h.Shape, err = p.tuple(); err != nil {
				return err
			}
		default:
			return p.errorf("unknown key %q", key)
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
		case 0:
			return p.errorf("unexpected end, want '}'")
		default:
			return p.errorf("want ',' or '}'")
		}
	}
	p.i++
	if p.space(); p.i != len(p.s) {
		return p.errorf("trailing text after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return FormatError(fmt.Sprintf("header: missing key %q in %q", k, s))
		}
	}
	if h.Shape == nil {
		h.Shape = []int{}
	}
	return nil
}

// parseDescr parses a simple dtype string such as "<f4", ">i8", "|u1",
// "|b1" or "?". The byte-order marks '|' and '=' and a missing mark mean
// little-endian.
func parseDescr(d string) (DType, error) {
	s := d
	var t DType
	if s != "" {
		switch s[0] {
		case '>':
			t.BigEndian = true
			s = s[1:]
		case '<', '|', '=':
			s = s[1:]
		}
	}
	if s == "?" {
		s = "b1"
	}
	if len(s) < 2 {
		return DType{}, UnsupportedError(fmt.Sprintf("dtype %q", d))
	}
	t.Kind = s[0]
	n, err := strconv.Atoi(s[1:])
	if err != nil || s[1] < '0' || s[1] > '9' {
		return DType{}, UnsupportedError(fmt.Sprintf("dtype %q", d))
	}
	t.Size = n
	if !t.Supported() {
		return DType{}, UnsupportedError(fmt.Sprintf("dtype %q", d))
	}
	if t.Size == 1 {
		t.BigEndian = false
	}
	return t, nil
}

func shapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// dict formats the header dict as numpy does.
func (h Header) dict() string {
	fo := "False"
	if h.Fortran {
		fo = "True"
	}
	return "{'descr': '" + h.DType.String() + "', 'fortran_order': " + fo + ", 'shape': " + shapeString(h.Shape) + ", }"
}

// WriteHeader writes a version 1.0 header for h's type, order and shape,
// padded with spaces and a newline so that the values start at a multiple
// of 64 bytes, byte for byte as numpy.save does. (A version 2.0 header is never needed:
// with at most 64 dimensions the dict stays far below 64 KiB.) h.Version
// and h.DataOffset are ignored. It returns the number of bytes written.
func WriteHeader(w io.Writer, h Header) (int, error) {
	if err := h.check(); err != nil {
		return 0, err
	}
	dict := h.dict()
	const pre = 10
	// Like numpy, pad with 1 to 64 spaces before the newline.
	total := pre + len(dict) + 1
	total += 64 - total%64
	b := make([]byte, total)
	copy(b, Magic)
	b[6] = 1
	binary.LittleEndian.PutUint16(b[8:], uint16(total-pre))
	n := copy(b[pre:], dict)
	for i := pre + n; i < total-1; i++ {
		b[i] = ' '
	}
	b[total-1] = '\n'
	return w.Write(b)
}
