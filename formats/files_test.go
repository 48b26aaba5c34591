package formats

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenAndWriteFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"plain.txt", "packed.txt.gz"} {
		p := filepath.Join(dir, name)
		if err := WriteFile(p, func(w io.Writer) error {
			_, err := io.WriteString(w, "hello vectors")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(p)
		if gz := strings.HasSuffix(name, ".gz"); gz != IsGzip(raw) {
			t.Fatalf("%s: gzip = %v", name, IsGzip(raw))
		}
		rc, size, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != "hello vectors" {
			t.Fatalf("%s: read %q", name, got)
		}
		if wantSize := int64(len(raw)); !IsGzip(raw) && size != wantSize || IsGzip(raw) && size != -1 {
			t.Fatalf("%s: size %d", name, size)
		}
	}
	if _, _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("directory: %v", err)
	}
	bad := filepath.Join(dir, "bad.gz")
	os.WriteFile(bad, []byte{0x1f, 0x8b, 1}, 0o644)
	if _, _, err := Open(bad); err == nil || !strings.Contains(err.Error(), "bad.gz") {
		t.Fatalf("corrupt gzip: %v", err)
	}
	if Stem("/a/b/train-images.idx3.gz") != "train-images" {
		t.Fatal(Stem("/a/b/train-images.idx3.gz"))
	}
}
