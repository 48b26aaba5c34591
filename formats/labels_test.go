package formats_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/all"
)

// TestReadLabels reads the same labels from an IDX file (the fixture's,
// gzip), a .npy array and a text file, and refuses a binary file.
func TestReadLabels(t *testing.T) {
	idx, err := formats.ReadLabels("../testdata/fashion-mnist/t10k-labels-idx1-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != 2000 || idx[0] != "9" || idx[1] != "2" {
		t.Fatalf("IDX labels: %d labels starting %v", len(idx), idx[:min(3, len(idx))])
	}
	dir := t.TempDir()
	txt := filepath.Join(dir, "labels.txt")
	if err := os.WriteFile(txt, []byte(strings.Join(idx, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := formats.ReadLabels(txt)
	if err != nil || !slices.Equal(got, idx) {
		t.Fatalf("text labels differ (err %v)", err)
	}
	// An int64 .npy of the first three labels, as numpy writes it.
	hdr := "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }"
	hdr += strings.Repeat(" ", 128-10-len(hdr)-1) + "\n"
	npyData := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), 0)
	npyData = append(npyData, hdr...)
	for _, v := range []byte{9, 2, 1} {
		npyData = append(npyData, v, 0, 0, 0, 0, 0, 0, 0)
	}
	np := filepath.Join(dir, "labels.npy")
	if err := os.WriteFile(np, npyData, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := formats.ReadLabels(np); err != nil || !slices.Equal(got, []string{"9", "2", "1"}) {
		t.Fatalf(".npy labels %v, %v", got, err)
	}
	bin := filepath.Join(dir, "blob.bin")
	if err := os.WriteFile(bin, []byte("ab\x00cd"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := formats.ReadLabels(bin); err == nil || !strings.Contains(err.Error(), "blob.bin") {
		t.Fatalf("binary file: %v, want an error naming it", err)
	}
	if _, err := formats.ReadLabels(dir); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Fatalf("folder: %v", err)
	}
}

// FuzzReadLabels: any file content gives labels or an error naming the
// file, never a panic or more labels than the file has bytes.
func FuzzReadLabels(f *testing.F) {
	f.Add([]byte("a\nb\n\nc\n"))
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 3, 9, 2, 1})    // IDX ubyte labels
	f.Add([]byte{0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff}) // lying count
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4})
	f.Add([]byte("\x93NUMPY\x01\x00v\x00{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }" + strings.Repeat(" ", 53) + "\n\x07\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte("ab\x00cd"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "labels")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		names, err := formats.ReadLabels(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(names) > len(data)+1 && !formats.IsGzip(data) {
			t.Fatalf("%d labels from %d bytes", len(names), len(data))
		}
	})
}
