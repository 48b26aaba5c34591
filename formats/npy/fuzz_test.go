package npy

import (
	"bytes"
	"math"
	"reflect"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader, with and without the
// stream's length. It must never panic, and what it accepts must survive
// a write and a second read unchanged.
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		h, v, err := Read(bytes.NewReader(data), ReadOptions{Size: int64(len(data))})
		_, v2, err2 := Read(bytes.NewReader(data), ReadOptions{})
		if (err == nil) != (err2 == nil) {
			t.Fatalf("with size: %v; without: %v", err, err2)
		}
		if err != nil {
			return
		}
		if len(v) != h.Count() || !sameBits(v, v2) {
			t.Fatalf("%d values for shape %v", len(v), h.Shape)
		}
		// The header prints as a dict that parses back to itself.
		var hb bytes.Buffer
		if _, err := WriteHeader(&hb, h); err != nil {
			t.Fatal(err)
		}
		h2, err := ReadHeader(&hb)
		if err != nil || h2.DType.String() != h.DType.String() || !reflect.DeepEqual(h2.Shape, h.Shape) || h2.Fortran != h.Fortran {
			t.Fatalf("header %+v came back as %+v, %v", h, h2, err)
		}
		var buf bytes.Buffer
		if err := WriteFloat32(&buf, h.Shape, v); err != nil {
			t.Fatal(err)
		}
		h3, v3, err := Read(&buf, ReadOptions{})
		if err != nil || !reflect.DeepEqual(h3.Shape, h.Shape) || !sameBits(v, v3) {
			t.Fatalf("round trip: %v", err)
		}
		if h.DType.IsInteger() {
			r := bytes.NewReader(data)
			hi, _ := ReadHeader(r)
			if _, err := ReadInt64(r, hi, ReadOptions{Size: int64(len(data))}); err != nil && !(h.DType.Kind == 'u' && h.DType.Size == 8) {
				t.Fatalf("ints: %v", err)
			}
		}
	})
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
