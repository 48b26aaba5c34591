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
