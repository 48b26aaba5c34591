package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The built-in copy of the Fashion-MNIST subset is the repository's.
func TestDemoDataIsFixture(t *testing.T) {
	for _, name := range []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		built, err := demoData.ReadFile("demodata/fashion-mnist/" + name)
		if err != nil {
			t.Fatal(err)
		}
		repo, err := os.ReadFile(filepath.Join("../../testdata/fashion-mnist", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(built, repo) {
			t.Errorf("cmd/latent/demodata/fashion-mnist/%s differs from testdata/fashion-mnist/%s: copy it again", name, name)
		}
	}
}

// The demo end to end on the built-in subset with the shipped models.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes tens of seconds: skipped with -short")
	}
	out := filepath.Join(t.TempDir(), "latent-demo")
	code, stdout, stderr := runCLI(t, "demo", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"fashion-ae", "fashion-vae", "Ankle boot", "2,000 rows", "verdict"} {
		if !bytes.Contains(page, []byte(s)) {
			t.Errorf("the page does not mention %q", s)
		}
	}
	if n := bytes.Count(page, []byte(`<img src="data:image/png;base64,`)); n != 17 {
		t.Errorf("%d images on the page, want 17", n)
	}
	abs, _ := filepath.Abs(filepath.Join(out, "index.html"))
	for _, s := range []string{abs, "file://", "interpolation evenness", "interpolation midpoints", "kNN accuracy of the codes", "reconstruction MSE", "is better", "fashion-ae", "fashion-vae"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("output lacks %q:\n%s", s, stdout)
		}
	}
	t.Logf("\n%s", stdout)
	// A second run refuses the full folder unless --force.
	code, _, stderr = runCLI(t, "demo", "--out", out)
	if code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("second run: exit %d, %s", code, stderr)
	}
}

func TestDemoFull(t *testing.T) {
	t.Setenv(fullDirEnv, filepath.Join(t.TempDir(), "nowhere"))
	code, _, stderr := runCLI(t, "demo", "--full", "--out", filepath.Join(t.TempDir(), "d"))
	if code != 1 || !strings.Contains(stderr, "apt-get install dataset-fashion-mnist") || !strings.Contains(stderr, fullDirEnv) {
		t.Errorf("--full without the data: exit %d, %s", code, stderr)
	}
	// With the data where the variable says (here the 2,000-row fixture
	// stands in for the 10,000 test images), the names are the classes'.
	t.Setenv(fullDirEnv, "../../testdata/fashion-mnist")
	d, source, cleanup, err := demoDataset(true)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if d.Len() != 2000 || d.Classes[9] != "Ankle boot" || !strings.Contains(source, "2,000 test images") {
		t.Errorf("%d rows, classes %v, source %q", d.Len(), d.Classes, source)
	}
	d, _, cleanup2, err := demoDataset(false)
	if err != nil {
		t.Fatal(err)
	}
	cleanup2()
	if d.Len() != 2000 || d.Classes[0] != "T-shirt/top" || !d.Image.IsImage() {
		t.Errorf("built-in: %d rows, classes %v, image %v", d.Len(), d.Classes, d.Image)
	}
	if code, _, stderr := runCLI(t, "demo", "--out", ""); code != 2 || !strings.Contains(stderr, "--out") {
		t.Errorf("empty --out: exit %d, %s", code, stderr)
	}
}
