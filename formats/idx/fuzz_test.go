package idx

import (
	"bytes"
	"math"
	"reflect"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader, with and without the
// stream's length. It must never panic, and what it accepts must survive a
// write and a second read unchanged.
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
			t.Fatalf("%d values for %v", len(v), h)
		}
		var buf bytes.Buffer
		if err := WriteFloat32(&buf, h.Dims, v); err != nil {
			t.Fatal(err)
		}
		h2, v3, err := Read(&buf, ReadOptions{})
		if err != nil || !reflect.DeepEqual(h2.Dims, h.Dims) || !sameBits(v, v3) {
			t.Fatalf("round trip: %v", err)
		}
		if h.Type.IsInteger() {
			r := bytes.NewReader(data)
			hi, _ := ReadHeader(r)
			ints, err := ReadInts(r, hi, ReadOptions{})
			if err != nil || len(ints) != len(v) {
				t.Fatalf("ints: %v", err)
			}
			for i, x := range ints {
				if float32(x) != v[i] {
					t.Fatalf("int %d is %d, float %v", i, x, v[i])
				}
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
