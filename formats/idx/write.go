package idx

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/klauspost/compress/gzip"

	"github.com/latentlab/latent/internal/atomicfile"
)

// WriteHeader writes the header h. It returns an error if h has an unknown
// type, no dimensions, more than 255, or a dimension outside [0, 2^32).
func WriteHeader(w io.Writer, h Header) error {
	if err := h.check(); err != nil {
		return err
	}
	b := make([]byte, h.HeaderSize())
	b[2] = byte(h.Type)
	b[3] = byte(len(h.Dims))
	for i, d := range h.Dims {
		binary.BigEndian.PutUint32(b[4+4*i:], uint32(d))
	}
	_, err := w.Write(b)
	return err
}

// checkLen panics when the dimensions do not match the data length.
func checkLen(op string, dims []int, n int) {
	c := 1
	for _, d := range dims {
		if d < 0 || (d != 0 && c > maxCount/d) {
			panic(fmt.Sprintf("idx: %s: bad dimensions %v", op, dims))
		}
		c *= d
	}
	if c != n {
		panic(fmt.Sprintf("idx: %s: dimensions %v hold %d values, data has %d", op, dims, c, n))
	}
}

// WriteUint8 writes a uint8 IDX array with the given dimensions. It panics
// if the product of dims is not len(data).
func WriteUint8(w io.Writer, dims []int, data []uint8) error {
	checkLen("WriteUint8", dims, len(data))
	if err := WriteHeader(w, Header{Type: Uint8, Dims: dims}); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// WriteInt32 writes an int32 IDX array (labels beyond 255, say). It panics
// if the product of dims is not len(data).
func WriteInt32(w io.Writer, dims []int, data []int32) error {
	checkLen("WriteInt32", dims, len(data))
	if err := WriteHeader(w, Header{Type: Int32, Dims: dims}); err != nil {
		return err
	}
	return writeChunked(w, len(data), 4, func(b []byte, lo int) {
		for i := range len(b) / 4 {
			binary.BigEndian.PutUint32(b[4*i:], uint32(data[lo+i]))
		}
	})
}

// WriteFloat32 writes a float32 IDX array. It panics if the product of dims
// is not len(data).
func WriteFloat32(w io.Writer, dims []int, data []float32) error {
	checkLen("WriteFloat32", dims, len(data))
	if err := WriteHeader(w, Header{Type: Float32, Dims: dims}); err != nil {
		return err
	}
	return writeChunked(w, len(data), 4, func(b []byte, lo int) {
		for i := range len(b) / 4 {
			binary.BigEndian.PutUint32(b[4*i:], math.Float32bits(data[lo+i]))
		}
	})
}

// writeChunked encodes n values of esz bytes through a bounded buffer.
func writeChunked(w io.Writer, n, esz int, enc func(b []byte, lo int)) error {
	per := chunkSize / esz
	buf := make([]byte, min(n, per)*esz)
	for lo := 0; lo < n; lo += per {
		m := min(per, n-lo)
		enc(buf[:m*esz], lo)
		if _, err := w.Write(buf[:m*esz]); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile atomically creates or replaces path with what write produces,
// gzip-compressed when the name ends in ".gz".
func WriteFile(path string, write func(w io.Writer) error) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if !hasGzSuffix(path) {
			return write(w)
		}
		zw, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
		if err != nil {
			return err
		}
		if err := write(zw); err != nil {
			return err
		}
		return zw.Close()
	})
}
