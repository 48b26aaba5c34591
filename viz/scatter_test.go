package viz

import (
	"bytes"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

func TestScatterClassesAppearWhereTheyAre(t *testing.T) {
	pts, labels := clusters(3, 300, 1)
	cols := Colors{Title: "label", Labels: labels, Classes: []string{"a", "b", "c"}}
	f, err := Scatter(pts, cols, ScatterOptions{Width: 600, Height: 400, Alpha: 1, Radius: 2.5, Title: "three blobs"})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	if f.Width != 600 || f.Height != 400 || f.Skipped != 0 || f.Caption != "" {
		t.Fatalf("figure %d×%d skipped %d caption %q", f.Width, f.Height, f.Skipped, f.Caption)
	}
	if n := distinctColors(img); n < 50 {
		t.Fatalf("only %d distinct colours: blank plot?", n)
	}
	// Opaque points: each class's exact colour is on many pixels, and the
	// classes lie left to right in label order (blob c is at x = 10c).
	prev := -1.0
	for c := range 3 {
		col := CategoryColor(c)
		if n := countColor(img, col, 0); n < 300 {
			t.Fatalf("class %d colour on %d pixels, want ≥ 300", c, n)
		}
		cx := colorCentroidX(img, col)
		if cx <= prev {
			t.Fatalf("class %d centred at x=%.0f, not right of the previous class (%.0f)", c, cx, prev)
		}
		prev = cx
	}
}

func TestScatterNoClassHidesAnother(t *testing.T) {
	// Two classes on exactly the same coordinates: drawn in label order,
	// class 1 would cover class 0 completely; shuffled, both show.
	pts, _ := clusters(1, 2000, 2)
	both := mat32.New(4000, 2)
	copy(both.Data, pts.Data)
	copy(both.Data[len(pts.Data):], pts.Data)
	labels := make([]int, 4000)
	for i := 2000; i < 4000; i++ {
		labels[i] = 1
	}
	cols := Colors{Labels: labels, Classes: []string{"first", "second"}}
	f, err := Scatter(both, cols, ScatterOptions{Width: 400, Height: 300, Alpha: 1, Radius: 2})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	n0, n1 := countColor(img, CategoryColor(0), 0), countColor(img, CategoryColor(1), 0)
	if n0 < 500 || n1 < 500 || float64(n0)/float64(n1) < 0.5 || float64(n0)/float64(n1) > 2 {
		t.Fatalf("class pixels %d and %d: one class hides the other", n0, n1)
	}
}

func TestScatterDeterministicBySeed(t *testing.T) {
	pts, labels := clusters(2, 500, 3)
	for i := range pts.Rows { // overlap the blobs
		pts.Row(i)[0] /= 10
	}
	cols := Colors{Labels: labels, Classes: []string{"a", "b"}}
	render := func(seed uint64) []byte {
		f, err := Scatter(pts, cols, ScatterOptions{Width: 300, Height: 250, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.Bytes(PNG)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := render(7), render(7), render(8)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different pixels")
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds, same drawing order")
	}
}

func TestScatterSkipsNaN(t *testing.T) {
	pts, labels := clusters(2, 100, 4)
	pts.Row(3)[0] = float32(math.NaN())
	pts.Row(150)[1] = float32(math.Inf(1))
	f, err := Scatter(pts, Colors{Labels: labels, Classes: []string{"a", "b"}}, ScatterOptions{Width: 400, Height: 300})
	if err != nil {
		t.Fatal(err)
	}
	if f.Skipped != 2 || !strings.Contains(f.Caption, "2 points with NaN/Inf coordinates not drawn") {
		t.Fatalf("skipped %d, caption %q", f.Skipped, f.Caption)
	}
	renderPNG(t, f)
	checkSVG(t, f)
}

func TestScatterContinuous(t *testing.T) {
	pts, _ := clusters(2, 400, 5)
	vals := make([]float64, pts.Rows)
	for i := range vals {
		vals[i] = float64(pts.Row(i)[0]) // left dark, right bright
	}
	vals[0] = math.NaN()
	f, err := Scatter(pts, Colors{Title: "x", Values: vals}, ScatterOptions{Width: 600, Height: 400, Alpha: 1, Radius: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Caption, "1 point without a finite x value drawn grey") {
		t.Fatalf("caption %q", f.Caption)
	}
	img := renderPNG(t, f)
	// Both ends of the colour map appear (the points and the colour bar).
	cm := Viridis()
	for _, v := range []float64{0, 1} {
		c, _ := cm.At(v)
		want := color.NRGBAModel.Convert(c).(color.NRGBA)
		if n := countColor(img, want, 6); n < 20 {
			t.Fatalf("viridis(%g) = %v on %d pixels", v, want, n)
		}
	}
}

func TestScatter3DPanels(t *testing.T) {
	pts := mat32.New(600, 3)
	labels := make([]int, 600)
	for i := range 600 {
		c := i % 3
		labels[i] = c
		row := pts.Row(i)
		row[0], row[1], row[2] = float32(c), float32(i%7), float32((i*13)%11)
	}
	f, err := Scatter(pts, Colors{Labels: labels, Classes: []string{"x", "y", "z"}}, ScatterOptions{Alpha: 1, Radius: 3})
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 1500 || f.Height != 560 {
		t.Fatalf("3-D default size %d×%d", f.Width, f.Height)
	}
	img := renderPNG(t, f)
	// Every panel (a third of the width, less the legend) shows points.
	panelW := 1200 / 3
	for p := range 3 {
		n := 0
		for y := range img.Rect.Dy() {
			for x := p * panelW; x < (p+1)*panelW; x++ {
				o := y*img.Stride + x*4
				c := CategoryColor(1)
				if img.Pix[o] == c.R && img.Pix[o+1] == c.G && img.Pix[o+2] == c.B {
					n++
				}
			}
		}
		if n < 100 {
			t.Fatalf("panel %d has %d pixels of class 1", p, n)
		}
	}
}

func TestScatterSVG(t *testing.T) {
	pts, labels := clusters(2, 50, 6)
	cols := Colors{Labels: labels, Classes: []string{"a", "b"}}
	f, err := Scatter(pts, cols, ScatterOptions{Width: 500, Height: 400})
	if err != nil {
		t.Fatal(err)
	}
	_, n := checkSVG(t, f)
	if n["path"] < 100 || n["image"] != 0 {
		t.Fatalf("vector SVG has %d paths and %d images, want ≥ 100 paths (one per point)", n["path"], n["image"])
	}
	f, err = Scatter(pts, cols, ScatterOptions{Width: 500, Height: 400, MaxVectorPoints: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, n = checkSVG(t, f)
	if n["image"] != 1 || n["path"] >= 100 {
		t.Fatalf("raster SVG has %d paths and %d images, want the points as 1 image", n["path"], n["image"])
	}
}

func TestScatterManyCategories(t *testing.T) {
	n := 25 * 20
	pts := mat32.New(n, 2)
	names := make([]string, n)
	for i := range n {
		pts.Row(i)[0], pts.Row(i)[1] = float32(i%25), float32(i/25)
		names[i] = "c" + string(rune('A'+i%25))
	}
	names[0] = "" // one missing
	f, err := Scatter(pts, ByStrings("class", names), ScatterOptions{Width: 700, Height: 500})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Caption, "25 classes: the 19 largest have their own colour, 6 more share \"other\"") {
		t.Fatalf("caption %q", f.Caption)
	}
	renderPNG(t, f)
}

func TestScatterBadInput(t *testing.T) {
	pts, labels := clusters(2, 10, 7)
	nan := mat32.New(3, 2)
	for i := range nan.Data {
		nan.Data[i] = float32(math.NaN())
	}
	for _, tc := range []struct {
		name string
		pts  *mat32.Dense
		c    Colors
		o    ScatterOptions
		want string
	}{
		{"nil", nil, Colors{}, ScatterOptions{}, "no points"},
		{"empty", mat32.New(0, 2), Colors{}, ScatterOptions{}, "no points"},
		{"1-D", mat32.New(5, 1), Colors{}, ScatterOptions{}, "1-D points"},
		{"4-D", mat32.New(5, 4), Colors{}, ScatterOptions{}, "project them to 2 or 3"},
		{"labels", pts, Colors{Labels: labels[:19], Classes: []string{"a", "b"}}, ScatterOptions{}, "19 labels for 20 points"},
		{"label range", pts, Colors{Labels: labels, Classes: []string{"a"}}, ScatterOptions{}, "label 1 outside the 1 classes"},
		{"values", pts, Colors{Values: make([]float64, 3)}, ScatterOptions{}, "3 colour values for 20 points"},
		{"all NaN", nan, Colors{}, ScatterOptions{}, "all 3 points have NaN/Inf"},
		{"alpha", pts, Colors{}, ScatterOptions{Alpha: 2}, "alpha 2"},
		{"radius", pts, Colors{}, ScatterOptions{Radius: -1}, "radius -1"},
		{"axis labels", pts, Colors{}, ScatterOptions{AxisLabels: []string{"x"}}, "1 axis labels for 2-D"},
		{"too small", pts, Colors{}, ScatterOptions{Width: 50, Height: 50}, "too small"},
		{"too large", pts, Colors{}, ScatterOptions{Width: 100000, Height: 100000}, "outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Scatter(tc.pts, tc.c, tc.o)
			wantErr(t, err, tc.want)
		})
	}
}

func TestByColumn(t *testing.T) {
	d := &dataset.Dataset{Name: "toy", X: mat32.New(20, 2)}
	num := make([]string, 20)
	few := make([]string, 20)
	for i := range 20 {
		num[i] = strconv.FormatFloat(float64(i)*0.5, 'g', -1, 64)
		few[i] = []string{"1", "2", "10"}[i%3]
	}
	num[4] = ""
	d.Meta = []dataset.Column{{Name: "size", Values: num}, {Name: "rating", Values: few}}
	c, err := ByColumn(d, "size")
	if err != nil {
		t.Fatal(err)
	}
	if c.Values == nil || c.Labels != nil || !math.IsNaN(c.Values[4]) || c.Values[3] != 1.5 {
		t.Fatalf("numeric column: %+v", c)
	}
	c, err = ByColumn(d, "rating")
	if err != nil {
		t.Fatal(err)
	}
	if c.Labels == nil || strings.Join(c.Classes, ",") != "1,2,10" {
		t.Fatalf("few-valued column: classes %v", c.Classes)
	}
	_, err = ByColumn(d, "colour")
	wantErr(t, err, `toy has no metadata column "colour": its columns are "size", "rating"`)
	if c := ByLabels(d); c.Labels != nil {
		t.Fatal("ByLabels of unlabelled data")
	}
}

func TestSaveFormats(t *testing.T) {
	pts, labels := clusters(2, 20, 8)
	f, err := Scatter(pts, Colors{Labels: labels, Classes: []string{"a", "b"}}, ScatterOptions{Width: 300, Height: 200})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"a.png", "b.SVG"} {
		p := filepath.Join(dir, name)
		if err := f.Save(p); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 100 {
			t.Fatalf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	wantErr(t, f.Save(filepath.Join(dir, "c.jpg")), `unknown image format ".jpg"`)
	wantErr(t, f.Save(filepath.Join(dir, "missing", "d.png")), "missing")
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("%d files in the folder, want 2 (no temporary files left)", len(entries))
	}
	uri, err := f.DataURI(PNG)
	if err != nil || !strings.HasPrefix(uri, "data:image/png;base64,iVBORw0KGgo") {
		t.Fatalf("data URI %.40q, %v", uri, err)
	}
	uri, err = f.DataURI(SVG)
	if err != nil || !strings.HasPrefix(uri, "data:image/svg+xml;base64,") {
		t.Fatalf("data URI %.40q, %v", uri, err)
	}
	if _, err := f.Bytes(Format(9)); err == nil {
		t.Fatal("unknown format encoded")
	}
}
