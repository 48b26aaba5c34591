package word2vec

import (
	"bytes"
	"io"
	"math"
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
		if err != nil {
			return
		}
		checkRoundTrip(t, d, WriteText, Read)
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
