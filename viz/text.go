package viz

import (
	"image"
	"image/color"
	"strings"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// sansFont is the typeface of every text in viz: Liberation Sans, which
// gonum/plot bundles, so output does not depend on installed fonts.
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// textStyle returns a gonum text style in sans of size points.
func textStyle(size vg.Length, c color.Color) text.Style {
	return text.Style{Color: c, Font: font.From(sansFont, size), Handler: text.Plain{Fonts: font.DefaultCache}}
}

// rasterText draws text straight into an RGBA image, for figures that are
// pixels only (image grids).
type rasterText struct {
	face xfont.Face
}

// newRasterText returns a drawer for sans text of size pixels.
func newRasterText(sizePx float64) *rasterText {
	f := font.DefaultCache.Lookup(sansFont, font.Length(sizePx*72/dpi))
	return &rasterText{face: f.FontFace(dpi)}
}

// width returns the advance of s in pixels.
func (t *rasterText) width(s string) int {
	return xfont.MeasureString(t.face, s).Ceil()
}

// height returns the line height in pixels (ascent plus descent).
func (t *rasterText) height() int {
	m := t.face.Metrics()
	return (m.Ascent + m.Descent).Ceil()
}

// fit shortens s with an ellipsis until it is at most w pixels wide.
func (t *rasterText) fit(s string, w int) string {
	if t.width(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		c := strings.TrimRight(string(r), " ") + "…"
		if t.width(c) <= w {
			return c
		}
	}
	return ""
}

// draw writes s with its top-left corner at (x, y).
func (t *rasterText) draw(dst *image.RGBA, s string, x, y int, c color.Color) {
	d := xfont.Drawer{Dst: dst, Src: image.NewUniform(c), Face: t.face,
		Dot: fixed.Point26_6{X: fixed.I(x), Y: fixed.I(y) + t.face.Metrics().Ascent}}
	d.DrawString(s)
}

// drawCentered writes s centred on x, top at y.
func (t *rasterText) drawCentered(dst *image.RGBA, s string, x, y int, c color.Color) {
	t.draw(dst, s, x-t.width(s)/2, y, c)
}

// drawRight writes s ending at x, top at y.
func (t *rasterText) drawRight(dst *image.RGBA, s string, x, y int, c color.Color) {
	t.draw(dst, s, x-t.width(s), y, c)
}
