package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"unsafe"

	"github.com/latentlab/latent/internal/atomicfile"
	"github.com/latentlab/latent/mat32"
)

// checkLen panics when shape does not hold n values.
func checkLen(op string, shape []int, n int) {
	c := 1
	for _, d := range shape {
		if d < 0 || (d != 0 && c > maxCount/d) {
			panic(fmt.Sprintf("npy: %s: bad shape %v", op, shape))
		}
		c *= d
	}
	if c != n {
		panic(fmt.Sprintf("npy: %s: shape %v holds %d values, data has %d", op, shape, c, n))
	}
}

// WriteFloat32 writes a little-endian float32 C-order array of the given
// shape. It panics if the product of shape is not len(data).
func WriteFloat32(w io.Writer, shape []int, data []float32) error {
	checkLen("WriteFloat32", shape, len(data))
	if _, err := WriteHeader(w, Header{DType: Float32, Shape: shape}); err != nil {
		return err
	}
	if hostLE {
		_, err := w.Write(bytesOf(data))
		return err
	}
	var buf []byte
	return writeLE32(w, data, &buf)
}

// writeLE32 encodes float32 values little-endian through a bounded buffer.
func writeLE32(w io.Writer, data []float32, buf *[]byte) error {
	per := chunkSize / 4
	if len(*buf) < 4*min(len(data), per) {
		*buf = make([]byte, 4*min(len(data), per))
	}
	for lo := 0; lo < len(data); lo += per {
		m := min(per, len(data)-lo)
		b := (*buf)[:4*m]
		for i := range m {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(data[lo+i]))
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// WriteInt64 writes a little-endian int64 C-order array of the given shape
// (labels, indices). It panics if the product of shape is not len(data).
func WriteInt64(w io.Writer, shape []int, data []int64) error {
	checkLen("WriteInt64", shape, len(data))
	if _, err := WriteHeader(w, Header{DType: Int64, Shape: shape}); err != nil {
		return err
	}
	if hostLE && len(data) > 0 {
		_, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), 8*len(data)))
		return err
	}
	b := make([]byte, 8)
	for _, v := range data {
		binary.LittleEndian.PutUint64(b, uint64(v))
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile atomically writes m as a rows×cols float32 .npy file.
func WriteFile(path string, m *mat32.Dense) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		return WriteFloat32(w, []int{m.Rows, m.Cols}, m.Data[:m.Rows*m.Cols])
	})
}
