package tsv

import (
	"bytes"
	"math"
	"reflect"
	"testing"
)

// The seed corpora live in testdata/fuzz/<target>/.

func FuzzReadVectors(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadVectors(bytes.NewReader(data), 0)
		if err != nil {
			return
		}
		if m.Rows <= 0 || m.Cols <= 0 || len(m.Data) != m.Rows*m.Cols {
			t.Fatalf("bad shape %d×%d with %d values", m.Rows, m.Cols, len(m.Data))
		}
		var buf bytes.Buffer
		if err := WriteVectors(&buf, m); err != nil {
			t.Fatal(err)
		}
		back, err := ReadVectors(&buf, 0)
		if err != nil {
			t.Fatalf("reading back what was written: %v", err)
		}
		if back.Rows != m.Rows || back.Cols != m.Cols {
			t.Fatalf("read back %d×%d, want %d×%d", back.Rows, back.Cols, m.Rows, m.Cols)
		}
		for i, v := range m.Data {
			if w := back.Data[i]; math.Float32bits(w) != math.Float32bits(v) && !(v != v && w != w) {
				t.Fatalf("value %d: %v read back as %v", i, v, w)
			}
		}
	})
}

func FuzzReadMetadata(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		n = n%64 - 1 // -1 (unknown) up to 62 rows
		cols, err := ReadMetadata(bytes.NewReader(data), n)
		if err != nil {
			return
		}
		rows := len(cols[0].Values)
		for _, c := range cols {
			if len(c.Values) != rows || (n >= 0 && rows != n) {
				t.Fatalf("column %q has %d values, want %d (n = %d)", c.Name, len(c.Values), rows, n)
			}
		}
		if rows == 0 {
			return // nothing to write back: an empty file is not metadata
		}
		var buf bytes.Buffer
		if err := WriteMetadata(&buf, cols); err != nil {
			t.Fatal(err)
		}
		back, err := ReadMetadata(&buf, rows)
		if err != nil {
			t.Fatalf("reading back what was written: %v\n%q", err, buf.String())
		}
		if len(back) < len(cols) {
			t.Fatalf("read back %d columns, want at least %d", len(back), len(cols))
		}
		// An index column may have been added in front; compare the rest.
		back = back[len(back)-len(cols):]
		for j, c := range cols {
			if len(cols) > 1 || len(back) > 1 {
				if back[j].Name != clean(c.Name) && !(len(cols) == 1 && back[j].Name == SingleColumnName) {
					t.Fatalf("column %d read back as %q, want %q", j, back[j].Name, c.Name)
				}
			}
			for i, v := range c.Values {
				if back[j].Values[i] != clean(v) {
					t.Fatalf("column %d row %d: %q read back as %q", j, i, v, back[j].Values[i])
				}
			}
		}
	})
}

func FuzzReadConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadConfig(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteConfig(&buf, c); err != nil {
			t.Fatal(err)
		}
		back, err := ReadConfig(&buf)
		if err != nil {
			t.Fatalf("reading back what was written: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("read back %+v, want %+v", back, c)
		}
	})
}

func FuzzReadTensor(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, n, d int) {
		m, err := ReadTensor(bytes.NewReader(data), n, d)
		if err != nil {
			return
		}
		if m.Rows != n || m.Cols != d || len(data) != 4*n*d {
			t.Fatalf("read %d×%d from %d bytes for shape [%d, %d]", m.Rows, m.Cols, len(data), n, d)
		}
	})
}
