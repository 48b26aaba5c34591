package idx

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// DType is an IDX element type, the third byte of the magic number.
type DType byte

// The element types defined by the IDX format.
const (
	Uint8   DType = 0x08
	Int8    DType = 0x09
	Int16   DType = 0x0B
	Int32   DType = 0x0C
	Float32 DType = 0x0D
	Float64 DType = 0x0E
)

// Size returns the number of bytes of one value, or 0 for an unknown type.
func (t DType) Size() int {
	switch t {
	case Uint8, Int8:
		return 1
	case Int16:
		return 2
	case Int32, Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}

// IsInteger reports whether t is one of the integer types.
func (t DType) IsInteger() bool {
	switch t {
	case Uint8, Int8, Int16, Int32:
		return true
	}
	return false
}

// String returns the Go-style name of t ("uint8", "float32", ...).
func (t DType) String() string {
	switch t {
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Int16:
		return "int16"
	case Int32:
		return "int32"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("DType(0x%02x)", byte(t))
}

// FormatError reports that the input is not a valid IDX file.
type FormatError string

// Error implements the error interface.
func (e FormatError) Error() string { return "idx: invalid format: " + string(e) }

// UnsupportedError reports that the input uses a feature this package does
// not handle.
type UnsupportedError string

// Error implements the error interface.
func (e UnsupportedError) Error() string { return "idx: unsupported feature: " + string(e) }

// maxCount bounds the number of values of one file so that count*8 bytes
// and a []float32 of count values can always be addressed.
const maxCount = math.MaxInt / 8

// Header describes an IDX array: its element type and dimensions. The first
// dimension counts the items (images, labels).
type Header struct {
	Type DType
	Dims []int
}

// Count returns the number of values, the product of the dimensions.
func (h Header) Count() int {
	n := 1
	for _, d := range h.Dims {
		n *= d
	}
	return n
}

// Items returns the first dimension, the number of items.
func (h Header) Items() int {
	if len(h.Dims) == 0 {
		return 0
	}
	return h.Dims[0]
}

// ItemSize returns the number of values per item, the product of every
// dimension but the first.
func (h Header) ItemSize() int {
	n := 1
	for _, d := range h.Dims[min(1, len(h.Dims)):] {
		n *= d
	}
	return n
}

// HeaderSize returns the length of the encoded header in bytes.
func (h Header) HeaderSize() int { return 4 + 4*len(h.Dims) }

// DataSize returns the length of the values in bytes.
func (h Header) DataSize() int64 { return int64(h.Count()) * int64(h.Type.Size()) }

// String formats h as "uint8 10000×28×28".
func (h Header) String() string {
	var b strings.Builder
	b.WriteString(h.Type.String())
	for i, d := range h.Dims {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString("×")
		}
		b.WriteString(strconv.Itoa(d))
	}
	return b.String()
}

// check validates the type and the dimensions, including that their product
// (times the value size) does not overflow.
func (h Header) check() error {
	if h.Type.Size() == 0 {
		return UnsupportedError(fmt.Sprintf("element type 0x%02x", byte(h.Type)))
	}
	if len(h.Dims) == 0 {
		return FormatError("no dimensions")
	}
	if len(h.Dims) > 255 {
		return FormatError(fmt.Sprintf("%d dimensions, at most 255", len(h.Dims)))
	}
	n := 1
	for _, d := range h.Dims {
		if d < 0 || int64(d) > math.MaxUint32 {
			return FormatError(fmt.Sprintf("dimension %d out of range", d))
		}
		// The product of the non-zero dimensions bounds every partial
		// product (ItemSize of an empty array too).
		if d != 0 {
			if n > maxCount/d {
				return FormatError("dimension overflow: " + h.dimString())
			}
			n *= d
		}
	}
	return nil
}

func (h Header) dimString() string {
	s := make([]string, len(h.Dims))
	for i, d := range h.Dims {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "×")
}

// ReadHeader reads and checks an IDX header, leaving r at the first value.
// It reads exactly HeaderSize bytes.
func ReadHeader(r io.Reader) (Header, error) {
	var b [4]byte
	n, err := io.ReadFull(r, b[:])
	switch {
	case n == 0 && err == io.EOF:
		return Header{}, FormatError("empty input")
	case err != nil:
		return Header{}, readErr("header", int64(n), err)
	}
	if b[0] != 0 || b[1] != 0 {
		return Header{}, FormatError(fmt.Sprintf("bad magic number %02x %02x %02x %02x, want 00 00 <type> <ndim>", b[0], b[1], b[2], b[3]))
	}
	h := Header{Type: DType(b[2])}
	if h.Type.Size() == 0 {
		return Header{}, UnsupportedError(fmt.Sprintf("element type 0x%02x", b[2]))
	}
	nd := int(b[3])
	if nd == 0 {
		return Header{}, FormatError("no dimensions")
	}
	buf := make([]byte, 4*nd)
	if m, err := io.ReadFull(r, buf); err != nil {
		return Header{}, readErr("header", int64(4+m), err)
	}
	h.Dims = make([]int, nd)
	for i := range h.Dims {
		h.Dims[i] = int(binary.BigEndian.Uint32(buf[4*i:]))
	}
	if err := h.check(); err != nil {
		return Header{}, err
	}
	return h, nil
}

// readErr turns a read failure at byte offset off into an error that names
// the offset; an early end becomes io.ErrUnexpectedEOF.
func readErr(what string, off int64, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("idx: truncated %s at offset %d: %w", what, off, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("idx: reading %s at offset %d: %w", what, off, err)
}

// ReadOptions tune the readers. The zero value reads every value, unscaled,
// from a stream of unknown length.
type ReadOptions struct {
	// Scale, when non-zero, multiplies every value (1.0/255 maps uint8 to
	// [0,1]); the product is rounded to float32 once. Ignored by ReadInts.
	Scale float64
	// MaxItems, when > 0, reads at most that many items (first dimension);
	// the rest of the stream is left unread.
	MaxItems int
	// Size, when > 0, is the exact length in bytes of the whole stream,
	// header included (a plain file's size). A header that claims more or
	// less data fails before anything is allocated.
	Size int64
	// SizeHint, when > 0 and Size is unknown, is a likely length of the
	// stream (such as a gzip trailer's size field). Up to that much memory
	// is allocated at once; beyond it, memory grows with the data read.
	SizeHint int64
}

// minAlloc is the number of values allocated up front for a stream of
// unknown length without a hint.
const minAlloc = 1 << 16

// chunkSize is the number of bytes converted at a time; a multiple of every
// value size.
const chunkSize = 1 << 20

// pipelineMin is the data size from which reading and converting run on
// two goroutines.
const pipelineMin = 4 << 20

// plan works out how many values to read and how many to allocate up front,
// checking the header against a known stream size.
func (opt ReadOptions) plan(h Header) (want, alloc int, err error) {
	if err := h.check(); err != nil {
		return 0, 0, err
	}
	items := h.Items()
	if opt.MaxItems > 0 && opt.MaxItems < items {
		items = opt.MaxItems
	}
	want = items * h.ItemSize()
	esz := int64(h.Type.Size())
	switch {
	case opt.Size > 0:
		have := opt.Size - int64(h.HeaderSize())
		if need := h.DataSize(); need > have {
			return 0, 0, fmt.Errorf("idx: truncated data: header %s needs %d bytes of values, the file ends at offset %d after %d: %w",
				h, need, opt.Size, max(have, 0), io.ErrUnexpectedEOF)
		} else if need < have {
			return 0, 0, FormatError(fmt.Sprintf("%d bytes after the %d values of %s", have-need, h.Count(), h))
		}
		alloc = want
	case opt.SizeHint > 0:
		alloc = int(min(int64(want), max(minAlloc, opt.SizeHint/esz)))
	default:
		alloc = min(want, minAlloc)
	}
	return want, alloc, nil
}

// ReadFloat32 reads the values that follow header h in r and returns them
// as float32, multiplied by opt.Scale when it is set. Unless MaxItems stops
// it early, it reads r to its end and refuses trailing bytes (which also
// makes a gzip reader verify its checksum).
func ReadFloat32(r io.Reader, h Header, opt ReadOptions) ([]float32, error) {
	want, alloc, err := opt.plan(h)
	if err != nil {
		return nil, err
	}
	conv := floatConverter(h.Type, opt.Scale)
	return readValues(r, h, opt, want, alloc, conv)
}

// ReadInts reads the integer values that follow header h in r, exactly.
// It returns an UnsupportedError for float types.
func ReadInts(r io.Reader, h Header, opt ReadOptions) ([]int, error) {
	if !h.Type.IsInteger() {
		if h.Type.Size() == 0 {
			return nil, UnsupportedError(fmt.Sprintf("element type 0x%02x", byte(h.Type)))
		}
		return nil, UnsupportedError(fmt.Sprintf("reading %s values as integers", h.Type))
	}
	want, alloc, err := opt.plan(h)
	if err != nil {
		return nil, err
	}
	return readValues(r, h, opt, want, alloc, intConverter(h.Type))
}

// Read reads a whole IDX stream: the header, then the values as float32.
func Read(r io.Reader, opt ReadOptions) (Header, []float32, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return Header{}, nil, err
	}
	v, err := ReadFloat32(r, h, opt)
	return h, v, err
}

// readValues streams want values of h's type from r through conv into a
// slice that starts with capacity alloc and grows as data arrives.
func readValues[T float32 | int](r io.Reader, h Header, opt ReadOptions, want, alloc int, conv func(dst []T, src []byte)) ([]T, error) {
	esz := h.Type.Size()
	dst := make([]T, 0, alloc)
	total := int64(want) * int64(esz)
	base := int64(h.HeaderSize())
	off, err := streamChunks(r, total, func(off int64, b []byte) {
		lo := int(off) / esz
		hi := lo + len(b)/esz
		if hi > cap(dst) {
			nd := make([]T, hi, max(hi, min(want, 2*cap(dst))))
			copy(nd, dst)
			dst = nd
		} else {
			dst = dst[:hi]
		}
		conv(dst[lo:hi], b)
	})
	if err != nil {
		return nil, readErr("data", base+off, err)
	}
	if want == h.Count() {
		if err := expectEOF(r, base+total); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// expectEOF checks that r holds nothing more.
func expectEOF(r io.Reader, off int64) error {
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n > 0 {
			return FormatError(fmt.Sprintf("trailing data after the values, at offset %d", off))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("idx: reading at offset %d: %w", off, err)
		}
	}
}

// streamChunks reads total bytes from r in chunks of at most chunkSize and
// calls fn on each, in order, with its offset. Large inputs are read on a
// second goroutine so that reading (often decompressing) overlaps fn. On a
// short read it returns the offset where the data ended and the error.
func streamChunks(r io.Reader, total int64, fn func(off int64, b []byte)) (int64, error) {
	if total < pipelineMin {
		buf := make([]byte, min(total, chunkSize))
		for off := int64(0); off < total; {
			n := int(min(chunkSize, total-off))
			m, err := io.ReadFull(r, buf[:n])
			if err != nil {
				return off + int64(m), err
			}
			fn(off, buf[:n])
			off += int64(n)
		}
		return total, nil
	}
	type piece struct {
		b   []byte
		err error
	}
	// Buffers are made on demand, so that a short stream behind a lying
	// header costs one of them.
	const nbuf = 3
	free := make(chan []byte, nbuf)
	full := make(chan piece, nbuf)
	go func() {
		defer close(full)
		made := 0
		for off := int64(0); off < total; {
			var b []byte
			select {
			case b = <-free:
			default:
				if made < nbuf {
					b = make([]byte, chunkSize)
					made++
				} else {
					b = <-free
				}
			}
			n := int(min(chunkSize, total-off))
			m, err := io.ReadFull(r, b[:n])
			full <- piece{b[:m], err}
			if err != nil {
				return
			}
			off += int64(n)
		}
	}()
	var off int64
	for p := range full {
		if p.err != nil {
			// The reader sends nothing after an error and has returned.
			return off + int64(len(p.b)), p.err
		}
		fn(off, p.b)
		off += int64(len(p.b))
		free <- p.b
	}
	return off, nil
}

// floatConverter returns a function that decodes big-endian values of type
// t into float32, multiplied by scale when scale is neither 0 nor 1.
func floatConverter(t DType, scale float64) func(dst []float32, src []byte) {
	scaled := scale != 0 && scale != 1
	switch t {
	case Uint8, Int8:
		var lut [256]float32
		for i := range lut {
			v := float64(i)
			if t == Int8 {
				v = float64(int8(i))
			}
			if scaled {
				v *= scale
			}
			lut[i] = float32(v)
		}
		return func(dst []float32, src []byte) {
			dst = dst[:len(src)]
			for i, b := range src {
				dst[i] = lut[b]
			}
		}
	case Int16:
		return func(dst []float32, src []byte) {
			dst = dst[:len(src)/2]
			for i := range dst {
				v := float64(int16(binary.BigEndian.Uint16(src[2*i:])))
				if scaled {
					v *= scale
				}
				dst[i] = float32(v)
			}
		}
	case Int32:
		return func(dst []float32, src []byte) {
			dst = dst[:len(src)/4]
			for i := range dst {
				v := float64(int32(binary.BigEndian.Uint32(src[4*i:])))
				if scaled {
					v *= scale
				}
				dst[i] = float32(v)
			}
		}
	case Float32:
		if !scaled {
			return func(dst []float32, src []byte) {
				dst = dst[:len(src)/4]
				for i := range dst {
					dst[i] = math.Float32frombits(binary.BigEndian.Uint32(src[4*i:]))
				}
			}
		}
		return func(dst []float32, src []byte) {
			dst = dst[:len(src)/4]
			for i := range dst {
				dst[i] = float32(float64(math.Float32frombits(binary.BigEndian.Uint32(src[4*i:]))) * scale)
			}
		}
	case Float64:
		return func(dst []float32, src []byte) {
			dst = dst[:len(src)/8]
			for i := range dst {
				v := math.Float64frombits(binary.BigEndian.Uint64(src[8*i:]))
				if scaled {
					v *= scale
				}
				dst[i] = float32(v)
			}
		}
	}
	panic("idx: no converter for " + t.String())
}

// intConverter returns a function that decodes big-endian integers of type t.
func intConverter(t DType) func(dst []int, src []byte) {
	switch t {
	case Uint8:
		return func(dst []int, src []byte) {
			dst = dst[:len(src)]
			for i, b := range src {
				dst[i] = int(b)
			}
		}
	case Int8:
		return func(dst []int, src []byte) {
			dst = dst[:len(src)]
			for i, b := range src {
				dst[i] = int(int8(b))
			}
		}
	case Int16:
		return func(dst []int, src []byte) {
			dst = dst[:len(src)/2]
			for i := range dst {
				dst[i] = int(int16(binary.BigEndian.Uint16(src[2*i:])))
			}
		}
	case Int32:
		return func(dst []int, src []byte) {
			dst = dst[:len(src)/4]
			for i := range dst {
				dst[i] = int(int32(binary.BigEndian.Uint32(src[4*i:])))
			}
		}
	}
	panic("idx: no integer converter for " + t.String())
}
