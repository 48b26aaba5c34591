package word2vec

import (
	"bytes"
	"io"
	"math"
	"reflect"
	"testing"

	"github.com/latentlab/latent/dataset"
)

// The seed corpora live in testdata/fuzz/<target>/.

func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, sized bool) {
		opt := ReadOptions{}
		if sized {
			opt.Size = int64(len(data))
		}
		d, err := Read(bytes.NewReader(data), opt)
		sameInSmallChunks(t, data, opt, Read, d, err)
		if err != nil {
			return
		}
		checkRoundTrip(t, d, WriteText, Read)
		var buf bytes.Buffer
		WriteBinary(&buf, d)
		if h, err := ReadHeader(&buf); err == nil && !h.Binary {
			// Float bytes that happen to read as a line of numbers (the
			// fuzzer makes them; trained vectors do not) are taken for
			// text: the choice is a heuristic, see FORMAT.md.
			return
		}
		checkRoundTrip(t, d, WriteBinary, Read)
	})
}

func FuzzReadGloVe(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, sized bool) {
		opt := ReadOptions{}
		if sized {
			opt.Size = int64(len(data))
		}
		d, err := ReadGloVe(bytes.NewReader(data), opt)
		sameInSmallChunks(t, data, opt, ReadGloVe, d, err)
		if err != nil {
			return
		}
		if w := Words(d)[0]; d.Dim() == 1 && isHeader([]byte(w+" 1\n")) {
			// A first row such as "5 3" (the word "5", one value) would be
			// written back as a line that reads as a word2vec header.
			return
		}
		checkRoundTrip(t, d, WriteGloVe, ReadGloVe)
	})
}

// checkRoundTrip writes d and reads it back: the same values and the words
// that Words gives.
func checkRoundTrip(t *testing.T, d *dataset.Dataset, write func(io.Writer, *dataset.Dataset) error, read func(io.Reader, ReadOptions) (*dataset.Dataset, error)) {
	t.Helper()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.Len() == 0 || d.Dim() == 0 || len(d.Classes)+Duplicates(d) != d.Len() {
		t.Fatalf("%d×%d with %d classes", d.Len(), d.Dim(), len(d.Classes))
	}
	var buf bytes.Buffer
	if err := write(&buf, d); err != nil {
		t.Fatal(err)
	}
	back, err := read(bytes.NewReader(buf.Bytes()), ReadOptions{})
	if err != nil {
		t.Fatalf("reading back what was written: %v\n%q", err, buf.String())
	}
	if back.Len() != d.Len() || back.Dim() != d.Dim() {
		t.Fatalf("read back %d×%d, want %d×%d", back.Len(), back.Dim(), d.Len(), d.Dim())
	}
	for i, v := range d.X.Data {
		if w := back.X.Data[i]; math.Float32bits(w) != math.Float32bits(v) && !(v != v && w != w) {
			t.Fatalf("value %d: %v read back as %v", i, v, w)
		}
	}
	words := Words(d)
	for i, w := range back.MetaColumn("word").Values {
		if w != words[i] {
			t.Fatalf("row %d: word %q read back as %q", i, words[i], w)
		}
	}
}

// sameInSmallChunks reads data again with text cut into chunks of a few
// bytes, which must give the same dataset or the same error.
func sameInSmallChunks(t *testing.T, data []byte, opt ReadOptions, read func(io.Reader, ReadOptions) (*dataset.Dataset, error), want *dataset.Dataset, wantErr error) {
	t.Helper()
	saved := chunkBytes
	chunkBytes = 7
	defer func() { chunkBytes = saved }()
	for _, max := range []int{0, 2} {
		o := opt
		o.MaxRows = max
		got, err := read(bytes.NewReader(data), o)
		if max == 0 {
			if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
				t.Fatalf("in small chunks: error %v, want %v", err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, want) && !sameNaN(got, want) {
				t.Fatalf("in small chunks: a different dataset")
			}
		} else if err == nil && got.Len() > max {
			t.Fatalf("MaxRows %d read %d rows", max, got.Len())
		}
	}
}

// sameNaN compares datasets whose values may hold NaN.
func sameNaN(a, b *dataset.Dataset) bool {
	if a.Len() != b.Len() || a.Dim() != b.Dim() || !reflect.DeepEqual(a.Labels, b.Labels) || !reflect.DeepEqual(a.Classes, b.Classes) {
		return false
	}
	for i, v := range a.X.Data {
		if math.Float32bits(v) != math.Float32bits(b.X.Data[i]) {
			return false
		}
	}
	return true
}
