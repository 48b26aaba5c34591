package safetensors

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzRead checks that no input makes the reader panic or disagree with
// itself, and that every file it accepts survives a write and a second
// read unchanged. The seed corpus is in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add(handFile)
	for _, name := range []string{"testdata/numpy.safetensors", "testdata/dataset.safetensors"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Read(bytes.NewReader(data))
		sized, err2 := read(bytes.NewReader(data), int64(len(data)))
		if (err == nil) != (err2 == nil) {
			t.Fatalf("stream and sized reads disagree: %v / %v", err, err2)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(got, sized) {
			t.Fatal("stream and sized reads return different files")
		}
		for i := range got.Tensors {
			tt := &got.Tensors[i]
			v, err := tt.Float32s(nil)
			if err != nil {
				t.Fatalf("Float32s(%q): %v", tt.Name, err)
			}
			if len(v) != tt.Len() {
				t.Fatalf("%q: %d values for shape %v", tt.Name, len(v), tt.Shape)
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, got.Tensors, got.Metadata); err != nil {
			t.Fatalf("Write of a file Read accepted: %v", err)
		}
		again, err := Read(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("Read of a rewritten file: %v", err)
		}
		if !reflect.DeepEqual(again.Metadata, got.Metadata) || len(again.Tensors) != len(got.Tensors) {
			t.Fatal("round trip changed the metadata or the tensor count")
		}
		for _, w := range got.Tensors {
			g := again.Tensor(w.Name)
			if g == nil || g.DType != w.DType || !reflect.DeepEqual(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
				t.Fatalf("round trip changed tensor %q", w.Name)
			}
		}
	})
}
