package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Float32s converts the tensor's elements to float32 and returns them in
// dst, which is grown when its capacity is short. F32 is copied exactly;
// F64, I64, U64, I32 and U32 round to the nearest float32; F16, BF16, the
// two float8 types, the 8- and 16-bit integers and BOOL convert exactly.
func (t *Tensor) Float32s(dst []float32) ([]float32, error) {
	n, err := t.elements()
	if err != nil {
		return dst, err
	}
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	b := t.Data
	le := binary.LittleEndian
	switch t.DType {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		}
	case F16:
		for i := range dst {
			dst[i] = halfToFloat32(le.Uint16(b[2*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		}
	case F8E5M2:
		for i := range dst {
			dst[i] = halfToFloat32(uint16(b[i]) << 8)
		}
	case F8E4M3:
		for i := range dst {
			dst[i] = e4m3ToFloat32(b[i])
		}
	case Bool, U8:
		for i := range dst {
			dst[i] = float32(b[i])
		}
	case I8:
		for i := range dst {
			dst[i] = float32(int8(b[i]))
		}
	case I16:
		for i := range dst {
			dst[i] = float32(int16(le.Uint16(b[2*i:])))
		}
	case U16:
		for i := range dst {
			dst[i] = float32(le.Uint16(b[2*i:]))
		}
	case I32:
		for i := range dst {
			dst[i] = float32(int32(le.Uint32(b[4*i:])))
		}
	case U32:
		for i := range dst {
			dst[i] = float32(le.Uint32(b[4*i:]))
		}
	case I64:
		for i := range dst {
			dst[i] = float32(int64(le.Uint64(b[8*i:])))
		}
	case U64:
		for i := range dst {
			dst[i] = float32(le.Uint64(b[8*i:]))
		}
	default:
		return dst[:0], UnsupportedError(fmt.Sprintf("tensor %q: cannot convert %s to float32", t.Name, t.DType))
	}
	return dst, nil
}

// Int64s returns the elements of an integer or BOOL tensor as int64 in dst,
// which is grown when its capacity is short. It returns an error for a
// floating-point tensor and for U64 values above the int64 range.
func (t *Tensor) Int64s(dst []int64) ([]int64, error) {
	n, err := t.elements()
	if err != nil {
		return dst, err
	}
	if cap(dst) < n {
		dst = make([]int64, n)
	}
	dst = dst[:n]
	b := t.Data
	le := binary.LittleEndian
	switch t.DType {
	case Bool, U8:
		for i := range dst {
			dst[i] = int64(b[i])
		}
	case I8:
		for i := range dst {
			dst[i] = int64(int8(b[i]))
		}
	case I16:
		for i := range dst {
			dst[i] = int64(int16(le.Uint16(b[2*i:])))
		}
	case U16:
		for i := range dst {
			dst[i] = int64(le.Uint16(b[2*i:]))
		}
	case I32:
		for i := range dst {
			dst[i] = int64(int32(le.Uint32(b[4*i:])))
		}
	case U32:
		for i := range dst {
			dst[i] = int64(le.Uint32(b[4*i:]))
		}
	case I64:
		for i := range dst {
			dst[i] = int64(le.Uint64(b[8*i:]))
		}
	case U64:
		for i := range dst {
			v := le.Uint64(b[8*i:])
			if v > math.MaxInt64 {
				return dst[:0], fmt.Errorf("safetensors: tensor %q: element %d (%d) overflows int64", t.Name, i, v)
			}
			dst[i] = int64(v)
		}
	default:
		return dst[:0], fmt.Errorf("safetensors: tensor %q is %s, want an integer dtype", t.Name, t.DType)
	}
	return dst, nil
}

// elements checks that the data length matches the shape and returns the
// element count.
func (t *Tensor) elements() (int, error) {
	want, ok := byteSize(t.DType, t.Shape)
	if t.DType.Size() == 0 {
		return 0, UnsupportedError(fmt.Sprintf("tensor %q: unknown dtype %q", t.Name, t.DType))
	}
	if !ok || int64(len(t.Data)) != want {
		return 0, fmt.Errorf("safetensors: tensor %q: shape %v of %s does not match its %d data bytes",
			t.Name, t.Shape, t.DType, len(t.Data))
	}
	return int(want) / t.DType.Size(), nil
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch exp {
	case 0: // zero or subnormal: man × 2^-24, exact in float32
		return math.Float32frombits(sign | math.Float32bits(float32(man)*(1.0/(1<<24))))
	case 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}

// e4m3ToFloat32 converts a float8 E4M3 value in the "FN" variant that
// safetensors and PyTorch use: bias 7, no infinities, S.1111.111 is NaN.
func e4m3ToFloat32(b byte) float32 {
	sign := uint32(b>>7) << 31
	exp := uint32(b>>3) & 0xf
	man := uint32(b) & 7
	switch {
	case exp == 0xf && man == 7:
		return math.Float32frombits(sign | 0x7fc00000)
	case exp == 0: // subnormal: man × 2^-9
		return math.Float32frombits(sign | math.Float32bits(float32(man)*(1.0/(1<<9))))
	}
	return math.Float32frombits(sign | (exp+127-7)<<23 | man<<20)
}
