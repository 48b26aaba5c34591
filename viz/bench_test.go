package viz

import (
	"image/color"
	"io"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// bench70k is 70,000 points in ten overlapping blobs with their labels,
// the size of Fashion-MNIST.
func bench70k() (Colors, *Figure, func() (*Figure, error)) {
	pts, labels := clusters(10, 7000, 42)
	for i := range pts.Rows {
		pts.Row(i)[0] *= 0.35 // overlap neighbouring blobs
	}
	names := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	c := Colors{Title: "label", Labels: labels, Classes: names}
	mk := func() (*Figure, error) { return Scatter(pts, c, ScatterOptions{Width: 960, Height: 800}) }
	f, _ := mk()
	return c, f, mk
}

// BenchmarkScatter70k times a 70,000-point scatter from the points to the
// encoded PNG: layout, axes and legend through gonum/plot, points
// rasterised into the pixels, PNG encoding.
func BenchmarkScatter70k(b *testing.B) {
	_, _, mk := bench70k()
	b.ReportAllocs()
	for b.Loop() {
		f, err := mk()
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Encode(io.Discard, PNG); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScatter70kRender is BenchmarkScatter70k without the PNG
// encoding: the drawing alone.
func BenchmarkScatter70kRender(b *testing.B) {
	_, f, _ := bench70k()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Image(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScatter70kSVG times the SVG of the same figure: vector axes and
// text, the points embedded as one image at twice the resolution.
func BenchmarkScatter70kSVG(b *testing.B) {
	_, f, _ := bench70k()
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Encode(io.Discard, SVG); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScatter70kGlyphs is the alternative that viz does not use: the
// same 70,000 points drawn as gonum/plot glyphs (one vector circle each,
// same radius and alpha) on gonum's raster canvas, without a legend and
// without encoding: compare with BenchmarkScatter70kRender.
func BenchmarkScatter70kGlyphs(b *testing.B) {
	_, f, _ := bench70k()
	pts, labels := clusters(10, 7000, 42)
	for i := range pts.Rows {
		pts.Row(i)[0] *= 0.35
	}
	xys := make(plotter.XYs, pts.Rows)
	for i := range xys {
		xys[i] = plotter.XY{X: float64(pts.Row(i)[0]), Y: float64(pts.Row(i)[1])}
	}
	b.ReportAllocs()
	for b.Loop() {
		p := newPlot()
		s, err := plotter.NewScatter(xys)
		if err != nil {
			b.Fatal(err)
		}
		s.GlyphStyleFunc = func(i int) draw.GlyphStyle {
			c := CategoryColor(labels[i])
			c.A = 115
			return draw.GlyphStyle{Color: c, Radius: px(1.2), Shape: draw.CircleGlyph{}}
		}
		p.Add(s)
		cv := vgimg.NewWith(vgimg.UseWH(vg.Length(f.Width)*72/dpi, vg.Length(f.Height)*72/dpi), vgimg.UseDPI(dpi),
			vgimg.UseBackgroundColor(color.White))
		p.Draw(draw.New(cv))
	}
}
