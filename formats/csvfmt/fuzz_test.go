package csvfmt

import (
	"bytes"
	"math"
	"testing"
)

// The seed corpus lives in testdata/fuzz/FuzzRead.

func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, columns, label string) {
		d, err := Read(bytes.NewReader(data), ReadOptions{Columns: columns, LabelColumn: label})
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		if d.Len() == 0 || d.Dim() == 0 {
			t.Fatalf("read an empty %d×%d matrix without an error", d.Len(), d.Dim())
		}
		var buf bytes.Buffer
		if err := Write(&buf, d); err != nil {
			t.Fatal(err)
		}
		back, err := Read(&buf, ReadOptions{})
		if err != nil {
			t.Fatalf("reading back what was written: %v\n%s", err, buf.String())
		}
		if back.Len() != d.Len() || back.Dim() != d.Dim() {
			t.Fatalf("read back %d×%d, want %d×%d", back.Len(), back.Dim(), d.Len(), d.Dim())
		}
		for i, v := range d.X.Data {
			if w := back.X.Data[i]; math.Float32bits(w) != math.Float32bits(v) && !(v != v && w != w) {
				t.Fatalf("value %d: %v read back as %v", i, v, w)
			}
		}
		for i := 0; i < d.Len(); i++ {
			if back.Label(i) != d.Label(i) {
				t.Fatalf("row %d: label %q read back as %q", i, d.Label(i), back.Label(i))
			}
		}
	})
}
