package viz

import (
	"errors"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

var gray5x4 = dataset.ImageShape{Height: 5, Width: 4, Channels: 1}

// randomImages returns n images of shape s with values in [0,1].
func randomImages(n int, s dataset.ImageShape, seed uint64) *mat32.Dense {
	r := rand.New(rand.NewPCG(seed, 2))
	m := mat32.New(n, s.Size())
	for i := range m.Data {
		m.Data[i] = r.Float32()
	}
	return m
}

func TestImageGridCellsReproduceImages(t *testing.T) {
	imgs := randomImages(7, gray5x4, 1)
	// No margin, no padding: cell (i, j) starts at (4·3·j, 5·3·i).
	f, err := ImageGrid(imgs, gray5x4, 3, nil, GridOptions{Scale: 3, Pad: -1, Margin: -1})
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 3*12 || f.Height != 3*15 {
		t.Fatalf("grid is %d×%d, want 36×45", f.Width, f.Height)
	}
	img := renderPNG(t, f)
	for k := range 7 {
		want := expectedBlock(imgs.Row(k), 5, 4, 3)
		if !blockAt(img, want, (k%3)*12, (k/3)*15) {
			t.Fatalf("cell %d does not reproduce image %d", k, k)
		}
	}
	// The two blank cells of the last row are background.
	if c := img.RGBAAt(35, 44); c != (color.RGBA{255, 255, 255, 255}) {
		t.Fatalf("blank cell pixel %v", c)
	}
}

func TestImageGridDefaultsCaptionsAndTitle(t *testing.T) {
	shape := dataset.ImageShape{Height: 28, Width: 28, Channels: 1}
	imgs := randomImages(6, shape, 2)
	caps := []string{"a", "b", "a very long caption that cannot fit", "d", "e", "f"}
	f, err := ImageGrid(imgs, shape, 3, caps, GridOptions{Title: "samples"})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	// Default scale 2: every image is found once, exactly.
	for k := range 6 {
		if got := findBlock(img, expectedBlock(imgs.Row(k), 28, 28, 2)); len(got) != 1 {
			t.Fatalf("image %d found %d times", k, len(got))
		}
	}
	// Text (title, captions) adds dark anti-aliased pixels outside cells.
	if n := countColor(img, textColor, 40); n < 50 {
		t.Fatalf("%d text pixels", n)
	}
	checkSVG(t, f)
}

func TestImageGridRGBAndRange(t *testing.T) {
	rgb := dataset.ImageShape{Height: 2, Width: 2, Channels: 3}
	m := mat32.FromRows([][]float32{{
		1, 0, 0, 0, 1, 0,
		0, 0, 1, 2, 2, 2, // last pixel clamps to white
	}})
	f, err := ImageGrid(m, rgb, 1, nil, GridOptions{Scale: 1, Margin: -1, Pad: -1})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	want := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}
	for k, w := range want {
		if c := img.RGBAAt(k%2, k/2); c != w {
			t.Fatalf("pixel %d = %v, want %v", k, c, w)
		}
	}
	// A [-1, 1] range maps -1 to black and 0 to mid-grey.
	g := mat32.FromRows([][]float32{{-1, 0}})
	f, err = ImageGrid(g, dataset.ImageShape{Height: 1, Width: 2, Channels: 1}, 1, nil, GridOptions{Scale: 1, Margin: -1, Pad: -1, Range: [2]float32{-1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	img = renderPNG(t, f)
	if a, b := img.RGBAAt(0, 0), img.RGBAAt(1, 0); a.R != 0 || b.R != 128 {
		t.Fatalf("range [-1,1]: %v %v", a, b)
	}
}

func TestImageGridNaNPixels(t *testing.T) {
	imgs := randomImages(2, gray5x4, 3)
	imgs.Row(1)[3] = float32(math.NaN())
	f, err := ImageGrid(imgs, gray5x4, 2, nil, GridOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Skipped != 1 || !strings.Contains(f.Caption, "1 NaN pixel values shown in magenta") {
		t.Fatalf("skipped %d caption %q", f.Skipped, f.Caption)
	}
	img := renderPNG(t, f)
	if n := countColor(img, nanColor, 0); n == 0 {
		t.Fatal("no magenta pixel")
	}
}

func TestReconstructionsPairsRows(t *testing.T) {
	orig, recon := randomImages(5, gray5x4, 4), randomImages(5, gray5x4, 5)
	f, err := Reconstructions(orig, recon, gray5x4, 3, GridOptions{Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	for k := range 5 {
		o := findBlock(img, expectedBlock(orig.Row(k), 5, 4, 2))
		r := findBlock(img, expectedBlock(recon.Row(k), 5, 4, 2))
		if len(o) != 1 || len(r) != 1 {
			t.Fatalf("image %d: original found %d times, reconstruction %d", k, len(o), len(r))
		}
		// The reconstruction sits right below its original.
		if o[0].X != r[0].X || r[0].Y <= o[0].Y || r[0].Y-o[0].Y > 20 {
			t.Fatalf("image %d: original at %v, reconstruction at %v", k, o[0], r[0])
		}
	}
	_, err = Reconstructions(orig, randomImages(4, gray5x4, 6), gray5x4, 3, GridOptions{})
	wantErr(t, err, "5×20 originals but 4×20 reconstructions")
}

func TestInterpolationsMarkEnds(t *testing.T) {
	paths := randomImages(2*6, gray5x4, 7)
	f, err := Interpolations(paths, 6, gray5x4, []string{"lerp", "slerp"}, nil, GridOptions{Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	if n := countColor(img, markColor, 0); n < 4*2*(10+8) {
		t.Fatalf("%d mark pixels, want frames around 4 endpoints", n)
	}
	ends := randomImages(4, gray5x4, 8)
	f, err = Interpolations(paths, 6, gray5x4, nil, ends, GridOptions{Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	img = renderPNG(t, f)
	// Each row: source A, the 6 steps, source B, left to right.
	for p := range 2 {
		a := findBlock(img, expectedBlock(ends.Row(2*p), 5, 4, 2))
		first := findBlock(img, expectedBlock(paths.Row(6*p), 5, 4, 2))
		last := findBlock(img, expectedBlock(paths.Row(6*p+5), 5, 4, 2))
		b := findBlock(img, expectedBlock(ends.Row(2*p+1), 5, 4, 2))
		if len(a) != 1 || len(first) != 1 || len(last) != 1 || len(b) != 1 {
			t.Fatalf("row %d: found %d, %d, %d, %d", p, len(a), len(first), len(last), len(b))
		}
		if !(a[0].X < first[0].X && first[0].X < last[0].X && last[0].X < b[0].X) || a[0].Y != b[0].Y {
			t.Fatalf("row %d out of order: %v %v %v %v", p, a, first, last, b)
		}
	}
	_, err = Interpolations(paths, 5, gray5x4, nil, nil, GridOptions{})
	wantErr(t, err, "12 images is not a whole number of 5-step paths")
	_, err = Interpolations(paths, 6, gray5x4, nil, ends.Slice(0, 3), GridOptions{})
	wantErr(t, err, "want 2 per path")
	_, err = Interpolations(paths, 6, gray5x4, []string{"one"}, nil, GridOptions{})
	wantErr(t, err, "1 row labels for 2 grid rows")
}

func TestTraversals(t *testing.T) {
	frames := randomImages(3*5, gray5x4, 9)
	vals := []float64{-2, -1, 0, 1, 2}
	f, err := Traversals(frames, gray5x4, vals, []string{"z4 (KL 3.1)", "z0 (KL 1.2)", "z2 (KL 0.0)"}, GridOptions{Scale: 3})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	// Row i, column j holds frame 5i+j: same row → same y, increasing x.
	var pos [15]image.Point
	for k := range 15 {
		got := findBlock(img, expectedBlock(frames.Row(k), 5, 4, 3))
		if len(got) != 1 {
			t.Fatalf("frame %d found %d times", k, len(got))
		}
		pos[k] = got[0]
	}
	for k := 1; k < 15; k++ {
		if k%5 != 0 && (pos[k].Y != pos[k-1].Y || pos[k].X <= pos[k-1].X) {
			t.Fatalf("frame %d at %v after frame %d at %v", k, pos[k], k-1, pos[k-1])
		}
		if k%5 == 0 && pos[k].Y <= pos[k-1].Y {
			t.Fatalf("row of frame %d not below", k)
		}
	}
	_, err = Traversals(frames, gray5x4, vals[:4], nil, GridOptions{})
	wantErr(t, err, "15 images is not a whole number of rows of 4 values")
}

func TestGridBadInput(t *testing.T) {
	imgs := randomImages(4, gray5x4, 10)
	flat := dataset.ImageShape{}
	for _, tc := range []struct {
		name string
		g    Grid
		want string
	}{
		{"no images", Grid{Shape: gray5x4, Cols: 2}, "no images"},
		{"not image", Grid{Images: imgs, Shape: flat, Cols: 2}, "not image data"},
		{"channels", Grid{Images: mat32.New(2, 40), Shape: dataset.ImageShape{Height: 5, Width: 4, Channels: 2}, Cols: 2}, "2 channels"},
		{"shape size", Grid{Images: mat32.New(2, 21), Shape: gray5x4, Cols: 2}, "holds 20 values but the rows have 21"},
		{"cols", Grid{Images: imgs, Shape: gray5x4}, "at least one column"},
		{"index", Grid{Images: imgs, Shape: gray5x4, Cols: 2, Index: []int{0, 9}}, "cell 1 shows image 9 of 4"},
		{"captions", Grid{Images: imgs, Shape: gray5x4, Cols: 2, Captions: []string{"a"}}, "1 captions for 4 cells"},
		{"col labels", Grid{Images: imgs, Shape: gray5x4, Cols: 2, ColLabels: []string{"a"}}, "1 column labels for 2 columns"},
		{"marks", Grid{Images: imgs, Shape: gray5x4, Cols: 2, Marked: []bool{true}}, "1 marks for 4 cells"},
		{"range", Grid{Images: imgs, Shape: gray5x4, Cols: 2, Options: GridOptions{Range: [2]float32{1, 1}}}, "range [1, 1] is empty"},
		{"scale", Grid{Images: imgs, Shape: gray5x4, Cols: 2, Options: GridOptions{Scale: -2}}, "negative scale"},
		{"row group", Grid{Images: imgs, Shape: gray5x4, Cols: 2, Options: GridOptions{RowGroup: -1}}, "negative row group"},
		{"huge", Grid{Images: mat32.New(1, 4), Shape: dataset.ImageShape{Height: 2, Width: 2, Channels: 1}, Cols: 1, Options: GridOptions{Scale: 1 << 13}}, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.g.Figure()
			wantErr(t, err, tc.want)
		})
	}
	_, err := ImageGrid(imgs, flat, 2, nil, GridOptions{})
	if !errors.Is(err, ErrNotImage) {
		t.Fatalf("non-image grid: %v, want ErrNotImage", err)
	}
}

func TestThumbnailScatter(t *testing.T) {
	shape := dataset.ImageShape{Height: 6, Width: 6, Channels: 1}
	pts, labels := clusters(2, 40, 11)
	imgs := randomImages(80, shape, 12)
	f, err := ThumbnailScatter(pts, imgs, shape, Colors{Labels: labels, Classes: []string{"a", "b"}},
		ThumbnailOptions{ScatterOptions: ScatterOptions{Width: 500, Height: 300}, Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	shown := 0
	for i := range 80 {
		if len(findBlock(img, expectedBlock(imgs.Row(i), 6, 6, 2))) > 0 {
			shown++
		}
	}
	if shown < 10 {
		t.Fatalf("%d thumbnails found, want ≥ 10", shown)
	}
	if !strings.Contains(f.Caption, "one thumbnail per 16-pixel cell") {
		t.Fatalf("caption %q", f.Caption)
	}
	checkSVG(t, f)
	_, err = ThumbnailScatter(pts, imgs, dataset.ImageShape{}, Colors{}, ThumbnailOptions{})
	if !errors.Is(err, ErrNotImage) {
		t.Fatalf("non-image thumbnails: %v", err)
	}
	_, err = ThumbnailScatter(pts, imgs.Slice(0, 79), shape, Colors{}, ThumbnailOptions{})
	wantErr(t, err, "79 images for 80 points")
	_, err = ThumbnailScatter(mat32.New(80, 3), imgs, shape, Colors{}, ThumbnailOptions{})
	wantErr(t, err, "needs 2-D points")
}
