package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"unsafe"

	"github.com/latentlab/latent/mat32"
)

// hostLE reports whether this machine stores numbers little-endian.
var hostLE = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// ReadOptions tune the readers. The zero value reads every value, unscaled,
// from a stream of unknown length.
type ReadOptions struct {
	// Scale, when non-zero, multiplies every value (1.0/255 maps uint8 to
	// [0,1]); the product is rounded to float32 once. Ignored by ReadInt64.
	Scale float64
	// MaxRows, when > 0, returns at most that many rows (first dimension).
	// A C-order stream is left unread after them; Fortran-order data must
	// be read whole.
	MaxRows int
	// Size, when > 0, is the exact length of the whole stream in bytes,
	// header included (a plain file's size). A header that claims more or
	// less data fails before anything is allocated.
	Size int64
}

// minAlloc is the number of values allocated up front when the stream's
// length is unknown.
const minAlloc = 1 << 16

// chunkSize is the number of bytes converted at a time; a multiple of every
// value size.
const chunkSize = 1 << 20

// plan works out how many values to read and to allocate up front.
func (opt ReadOptions) plan(h Header) (want, alloc int, err error) {
	if err := h.check(); err != nil {
		return 0, 0, err
	}
	if err := opt.checkSize(h); err != nil {
		return 0, 0, err
	}
	want = h.Count()
	if opt.MaxRows > 0 && opt.MaxRows < h.Rows() && !h.Fortran && len(h.Shape) > 0 {
		want = opt.MaxRows * h.Cols()
	}
	if opt.Size > 0 {
		return want, want, nil
	}
	return want, min(want, minAlloc), nil
}

// checkSize compares the header with a known stream length.
func (opt ReadOptions) checkSize(h Header) error {
	if opt.Size <= 0 {
		return nil
	}
	have := opt.Size - int64(h.DataOffset)
	need := h.DataSize()
	if need > have {
		return fmt.Errorf("npy: truncated data: shape %s of %s needs %d bytes of values, the file ends at offset %d after %d: %w",
			shapeString(h.Shape), h.DType, need, opt.Size, max(have, 0), io.ErrUnexpectedEOF)
	}
	if need < have {
		return FormatError(fmt.Sprintf("%d bytes after the %d values of shape %s", have-need, h.Count(), shapeString(h.Shape)))
	}
	return nil
}

// ReadFloat32 reads the values that follow header h in r as float32, in C
// order (Fortran-order data is reordered), multiplied by opt.Scale when it
// is set. Unless MaxRows stops it early, it refuses trailing bytes.
func ReadFloat32(r io.Reader, h Header, opt ReadOptions) ([]float32, error) {
	want, alloc, err := opt.plan(h)
	if err != nil {
		return nil, err
	}
	var v []float32
	if h.DType == Float32 && hostLE && (opt.Scale == 0 || opt.Scale == 1) {
		v, err = readDirect(r, h, want, alloc)
	} else {
		v, err = readConverted(r, h, want, alloc, floatConverter(h.DType, opt.Scale))
	}
	if err != nil {
		return nil, err
	}
	if want == h.Count() {
		if err := expectEOF(r, int64(h.DataOffset)+h.DataSize()); err != nil {
			return nil, err
		}
	}
	return finish(v, h, opt.MaxRows), nil
}

// ReadInt64 reads integer or bool values exactly, in C order. It returns an
// UnsupportedError for float types and for uint64 values above 2^63-1.
func ReadInt64(r io.Reader, h Header, opt ReadOptions) ([]int64, error) {
	if !h.DType.IsInteger() {
		if !h.DType.Supported() {
			return nil, UnsupportedError(fmt.Sprintf("dtype %s", h.DType))
		}
		return nil, UnsupportedError(fmt.Sprintf("reading %s values as integers", h.DType.Name()))
	}
	want, alloc, err := opt.plan(h)
	if err != nil {
		return nil, err
	}
	v, err := readConverted(r, h, want, alloc, intConverter(h.DType))
	if err != nil {
		return nil, err
	}
	if h.DType.Kind == 'u' && h.DType.Size == 8 {
		for _, x := range v {
			if x < 0 {
				return nil, UnsupportedError(fmt.Sprintf("uint64 value %d above 2^63-1", uint64(x)))
			}
		}
	}
	if want == h.Count() {
		if err := expectEOF(r, int64(h.DataOffset)+h.DataSize()); err != nil {
			return nil, err
		}
	}
	return finish(v, h, opt.MaxRows), nil
}

// finish reorders Fortran data to C order and applies MaxRows.
func finish[T any](v []T, h Header, maxRows int) []T {
	if h.Fortran {
		v = fortranToC(v, h.Shape)
	}
	if maxRows > 0 && len(h.Shape) > 0 && maxRows < h.Rows() {
		v = slices.Clip(v[:maxRows*h.Cols()])
	}
	return v
}

// Read reads a whole .npy stream: the header, then the values as float32.
func Read(r io.Reader, opt ReadOptions) (Header, []float32, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return Header{}, nil, err
	}
	v, err := ReadFloat32(r, h, opt)
	return h, v, err
}

// LittleEndian returns v as little-endian float32 bytes, the encoding of
// npy's '<f4' data: a view on v's memory on little-endian hosts (no copy;
// valid while v is), a new slice elsewhere.
func LittleEndian(v []float32) []byte {
	if hostLE {
		return bytesOf(v)
	}
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// bytesOf views v's values as bytes (in the host's byte order).
func bytesOf(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

// readDirect reads little-endian float32 values straight into the result.
func readDirect(r io.Reader, h Header, want, alloc int) ([]float32, error) {
	v := make([]float32, alloc)
	got := 0
	for got < want {
		if got == len(v) {
			nv := make([]float32, min(want, 2*len(v)))
			copy(nv, v)
			v = nv
		}
		n, err := io.ReadFull(r, bytesOf(v[got:]))
		if err != nil {
			return nil, readErr("data", int64(h.DataOffset)+int64(4*got+n), err)
		}
		got = len(v)
	}
	return v[:want], nil
}

// readConverted reads want values through conv, chunk by chunk, into a
// slice that grows from alloc as data arrives.
func readConverted[T any](r io.Reader, h Header, want, alloc int, conv func(dst []T, src []byte)) ([]T, error) {
	esz := h.DType.Size
	dst := make([]T, 0, alloc)
	total := int64(want) * int64(esz)
	buf := make([]byte, min(total, chunkSize))
	for off := int64(0); off < total; {
		n := int(min(chunkSize, total-off))
		if m, err := io.ReadFull(r, buf[:n]); err != nil {
			return nil, readErr("data", int64(h.DataOffset)+off+int64(m), err)
		}
		lo := int(off) / esz
		hi := lo + n/esz
		if hi > cap(dst) {
			nd := make([]T, hi, max(hi, min(want, 2*cap(dst))))
			copy(nd, dst)
			dst = nd
		} else {
			dst = dst[:hi]
		}
		conv(dst[lo:hi], buf[:n])
		off += int64(n)
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
			return fmt.Errorf("npy: reading at offset %d: %w", off, err)
		}
	}
}

// fortranToC reorders column-major values of the given shape to row-major.
// Seen as a matrix of rows × (product of the other dimensions), Fortran
// data is the transpose, with the trailing dimensions themselves in
// Fortran order; a transpose and a column permutation fix both.
func fortranToC[T any](v []T, shape []int) []T {
	if len(shape) < 2 || len(v) == 0 {
		return v
	}
	n := shape[0]
	d := len(v) / n
	out := make([]T, len(v))
	const bs = 32
	for j0 := 0; j0 < d; j0 += bs {
		j1 := min(j0+bs, d)
		for i0 := 0; i0 < n; i0 += bs {
			i1 := min(i0+bs, n)
			for j := j0; j < j1; j++ {
				src := v[j*n:]
				for i := i0; i < i1; i++ {
					out[i*d+j] = src[i]
				}
			}
		}
	}
	if len(shape) == 2 {
		return out
	}
	// perm[c] is the Fortran-order column of C-order column c.
	rest := shape[1:]
	perm := make([]int, d)
	idx := make([]int, len(rest))
	for c := range perm {
		f, stride := 0, 1
		for k, x := range idx {
			f += x * stride
			stride *= rest[k]
		}
		perm[c] = f
		for k := len(idx) - 1; k >= 0; k-- {
			if idx[k]++; idx[k] < rest[k] {
				break
			}
			idx[k] = 0
		}
	}
	row := make([]T, d)
	for i := range n {
		r := out[i*d : (i+1)*d]
		for c, f := range perm {
			row[c] = r[f]
		}
		copy(r, row)
	}
	return out
}

// floatConverter returns a function decoding values of type t to float32,
// multiplied by scale when it is neither 0 nor 1.
func floatConverter(t DType, scale float64) func(dst []float32, src []byte) {
	scaled := scale != 0 && scale != 1
	be := t.BigEndian
	if t.Size == 1 {
		var lut [256]float32
		for i := range lut {
			v := float64(i)
			switch {
			case t.Kind == 'i':
				v = float64(int8(i))
			case t.Kind == 'b' && i != 0:
				v = 1
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
	}
	sc := func(x float64) float32 {
		if scaled {
			x *= scale
		}
		return float32(x)
	}
	u16 := func(b []byte) uint16 {
		u := binary.LittleEndian.Uint16(b)
		if be {
			u = bits.ReverseBytes16(u)
		}
		return u
	}
	u32 := func(b []byte) uint32 {
		u := binary.LittleEndian.Uint32(b)
		if be {
			u = bits.ReverseBytes32(u)
		}
		return u
	}
	u64 := func(b []byte) uint64 {
		u := binary.LittleEndian.Uint64(b)
		if be {
			u = bits.ReverseBytes64(u)
		}
		return u
	}
	switch {
	case t.Kind == 'f' && t.Size == 2:
		return func(dst []float32, src []byte) {
			for i := range dst[:len(src)/2] {
				dst[i] = sc(float64(halfToFloat32(u16(src[2*i:]))))
			}
		}
	case t.Kind == 'f' && t.Size == 4:
		return func(dst []float32, src []byte) {
			for i := range dst[:len(src)/4] {
				f := math.Float32frombits(u32(src[4*i:]))
				if scaled {
					f = float32(float64(f) * scale)
				}
				dst[i] = f
			}
		}
	case t.Kind == 'f' && t.Size == 8:
		return func(dst []float32, src []byte) {
			for i := range dst[:len(src)/8] {
				dst[i] = sc(math.Float64frombits(u64(src[8*i:])))
			}
		}
	case t.Kind == 'i' && t.Size == 2:
		return func(dst []float32, src []byte) {
			for i := range dst[:len(src)/2] {
				dst[i] = sc(float64(int16(u16(src[2*i:]))))
			}
		}
	case t.Kind == 'u' && t.Size == 2:
		return func(dst []float32, src []byte) {
			for i := range dst[:len(src)/2] {
				dst[i] = sc(float64(u16(src[2*i:])))
			}
		}
	case t.Kind == 'i' && t.Size == 4:
		return func(dst []float32, src []byte) {
			for i := range dst[:len(src)/4] {
				dst[i] = sc(float64(int32(u32(src[4*i:]))))
			}
		}
	case t.Kind == 'u' && t.Size == 4:
		return func(dst []float32, src []byte) {
			for i := range dst[:len(src)/4] {
				dst[i] = sc(float64(u32(src[4*i:])))
			}
		}
	case t.Kind == 'i' && t.Size == 8:
		return func(dst []float32, src []byte) {
			for i := range dst[:len(src)/8] {
				dst[i] = sc(float64(int64(u64(src[8*i:]))))
			}
		}
	case t.Kind == 'u' && t.Size == 8:
		return func(dst []float32, src []byte) {
			for i := range dst[:len(src)/8] {
				dst[i] = sc(float64(u64(src[8*i:])))
			}
		}
	}
	panic("npy: no converter for " + t.String())
}

// intConverter returns a function decoding integer or bool values of type
// t to int64 (uint64 values keep their bits).
func intConverter(t DType) func(dst []int64, src []byte) {
	be := t.BigEndian
	get := func(b []byte) uint64 {
		switch t.Size {
		case 1:
			return uint64(b[0])
		case 2:
			u := binary.LittleEndian.Uint16(b)
			if be {
				u = bits.ReverseBytes16(u)
			}
			return uint64(u)
		case 4:
			u := binary.LittleEndian.Uint32(b)
			if be {
				u = bits.ReverseBytes32(u)
			}
			return uint64(u)
		default:
			u := binary.LittleEndian.Uint64(b)
			if be {
				u = bits.ReverseBytes64(u)
			}
			return u
		}
	}
	size := t.Size
	var ext func(u uint64) int64
	switch {
	case t.Kind == 'b':
		ext = func(u uint64) int64 {
			if u != 0 {
				return 1
			}
			return 0
		}
	case t.Kind == 'u' || size == 8:
		ext = func(u uint64) int64 { return int64(u) }
	default:
		shift := 64 - 8*size
		ext = func(u uint64) int64 { return int64(u<<shift) >> shift }
	}
	return func(dst []int64, src []byte) {
		for i := range dst[:len(src)/size] {
			dst[i] = ext(get(src[i*size:]))
		}
	}
}

// halfToFloat32 converts IEEE 754 binary16 bits to float32, exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		frac &= 0x3ff
		return math.Float32frombits(sign | e<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// ReadFile reads a whole .npy file as a rows×cols matrix (see Header.Rows
// and Header.Cols), without scaling. Errors start with path.
func ReadFile(path string, opt ReadOptions) (*mat32.Dense, Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Header{}, err
	}
	defer f.Close()
	h, v, err := readOpen(path, f, opt)
	if err != nil {
		return nil, Header{}, err
	}
	rows := h.Rows()
	if opt.MaxRows > 0 && len(h.Shape) > 0 {
		rows = min(rows, opt.MaxRows)
	}
	return mat32.FromSlice(rows, h.Cols(), v), h, nil
}

// readOpen reads the header and the values of the open file f.
func readOpen(path string, f *os.File, opt ReadOptions) (Header, []float32, error) {
	st, err := f.Stat()
	if err != nil {
		return Header{}, nil, err
	}
	if st.IsDir() {
		return Header{}, nil, fmt.Errorf("%s: is a directory", path)
	}
	if opt.Size == 0 {
		opt.Size = st.Size()
	}
	h, err := ReadHeader(f)
	if err != nil {
		return Header{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	v, err := ReadFloat32(f, h, opt)
	if err != nil {
		return Header{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, v, nil
}
