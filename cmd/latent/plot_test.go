package main

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
)

// plotEmbedding writes an n×d embedding with one NaN row and a labels file.
func plotEmbedding(t *testing.T, n, d int) (emb, labels string) {
	t.Helper()
	x := mat32.New(n, d)
	var lab strings.Builder
	for i := range n {
		for j := range d {
			x.Set(i, j, float32(math.Sin(float64(i*(j+1)))+float64(i%3)))
		}
		lab.WriteString([]string{"cat", "dog", "owl"}[i%3] + "\n")
	}
	x.Set(1, 0, float32(math.NaN()))
	dir := t.TempDir()
	emb = filepath.Join(dir, "emb.npy")
	if err := npy.WriteFile(emb, x); err != nil {
		t.Fatal(err)
	}
	labels = filepath.Join(dir, "labels.txt")
	if err := os.WriteFile(labels, []byte(lab.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return emb, labels
}

// pngSize decodes a PNG file and returns its size.
func pngSize(t *testing.T, path string) (int, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	return b.Dx(), b.Dy()
}

func TestPlotScatter(t *testing.T) {
	emb, labels := plotEmbedding(t, 300, 2)
	out := filepath.Join(filepath.Dir(emb), "map.png")
	code, stdout, stderr := runCLI(t, "plot", "--data", emb, "--labels", labels, "--out", out, "--title", "toy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if w, h := pngSize(t, out); w != 960 || h != 800 {
		t.Fatalf("PNG %d×%d", w, h)
	}
	if !strings.Contains(stdout, "wrote "+out+": scatter of 300 rows, 960×800 pixels") ||
		!strings.Contains(stdout, "1 point with NaN/Inf coordinates not drawn") {
		t.Fatalf("stdout %q", stdout)
	}
	svg := filepath.Join(filepath.Dir(emb), "map.svg")
	code, stdout, stderr = runCLI(t, "plot", "--json", "--data", emb, "--labels", labels, "--color-by", "label", "--out", svg, "--width", "500", "--height", "400")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep plotReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("bad JSON %q: %v", stdout, err)
	}
	if rep.Kind != "scatter" || rep.Width != 500 || rep.Rows != 300 || rep.Skipped != 1 {
		t.Fatalf("report %+v", rep)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.Contains(string(b), "<svg") {
		t.Fatalf("SVG: %v", err)
	}
}

func TestPlot3DAndThumbnails(t *testing.T) {
	emb, _ := plotEmbedding(t, 2000, 3)
	out := filepath.Join(filepath.Dir(emb), "map3.png")
	if code, _, stderr := runCLI(t, "plot", "--data", emb, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if w, h := pngSize(t, out); w != 1500 || h != 560 {
		t.Fatalf("3-D PNG %d×%d", w, h)
	}
	emb2, _ := plotEmbedding(t, 2000, 2)
	th := filepath.Join(filepath.Dir(emb2), "thumbs.png")
	code, stdout, stderr := runCLI(t, "plot", "--data", emb2, "--thumbnails", fixture, "--out", th)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "thumbnails of 2000 rows") || !strings.Contains(stdout, "one thumbnail per 32-pixel cell") {
		t.Fatalf("stdout %q", stdout)
	}
}

func TestPlotGrid(t *testing.T) {
	out := filepath.Join(t.TempDir(), "grid.png")
	code, stdout, stderr := runCLI(t, "plot", "--data", fixture, "--grid", "12", "--cols", "4", "--out", out, "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// 4 cells of 56 px with 2-px gaps and 8-px margins; rows have captions.
	if w, _ := pngSize(t, out); w != 8+4*56+3*2+8 {
		t.Fatalf("grid width %d", w)
	}
	if !strings.Contains(stdout, "grid of 2000 rows") {
		t.Fatalf("stdout %q", stdout)
	}
}

func TestPlotBadInput(t *testing.T) {
	emb, labels := plotEmbedding(t, 30, 2)
	emb5, _ := plotEmbedding(t, 30, 5)
	dir := t.TempDir()
	out := filepath.Join(dir, "x.png")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no data", []string{"--out", out}, 2, "no input"},
		{"no out", []string{"--data", emb}, 2, "no output"},
		{"bad ext", []string{"--data", emb, "--out", filepath.Join(dir, "x.gif")}, 2, "want a .png or .svg"},
		{"grid and color", []string{"--data", emb, "--out", out, "--grid", "4", "--color-by", "label"}, 2, "--grid draws images"},
		{"cols without grid", []string{"--data", emb, "--out", out, "--cols", "4"}, 2, "apply to --grid"},
		{"grid of vectors", []string{"--data", emb, "--out", out, "--grid", "4"}, 1, "not image data"},
		{"5-D", []string{"--data", emb5, "--out", out}, 1, "has 5 columns: a scatter needs 2 or 3"},
		{"no column", []string{"--data", emb, "--labels", labels, "--out", out, "--color-by", "size"}, 1, `no metadata column "size"`},
		{"no labels", []string{"--data", emb, "--out", out, "--color-by", "label"}, 1, "no labels to colour by"},
		{"thumb rows", []string{"--data", emb, "--out", out, "--thumbnails", fixture}, 1, "has 2000 rows but"},
		{"alpha", []string{"--data", emb, "--out", out, "--alpha", "3"}, 1, "alpha 3 outside"},
		{"unwritable", []string{"--data", emb, "--out", filepath.Join(dir, "no", "x.png")}, 1, "no such file or directory"},
		{"missing file", []string{"--data", filepath.Join(dir, "none.npy"), "--out", out}, 1, "none.npy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"plot"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a failed plot left %s", out)
	}
}
