package viz

import (
	"image/color"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Text sizes in points (at 96 dpi a point is 4/3 pixel).
const (
	titleSize  = 12
	labelSize  = 10
	tickSize   = 9
	legendSize = 9
	noteSize   = 9
)

// newPlot returns a gonum plot with viz's fonts and a white background.
func newPlot() *plot.Plot {
	p := plot.New()
	p.Title.TextStyle.Font = font.From(sansFont, titleSize)
	p.Title.Padding = px(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, labelSize)
		a.Label.TextStyle.Color = textColor
		a.Tick.Label.Font = font.From(sansFont, tickSize)
		a.Tick.Label.Color = textColor
		a.Color = color.NRGBA{0x55, 0x55, 0x55, 0xff}
		a.Tick.Color = a.Color
	}
	p.Legend.TextStyle.Font = font.From(sansFont, legendSize)
	return p
}

// drawNote writes a one-line note in the bottom-left corner of c and
// returns c without the strip it used; an empty note uses nothing.
func drawNote(c draw.Canvas, note string) draw.Canvas {
	if note == "" {
		return c
	}
	sty := textStyle(noteSize, color.NRGBA{0x55, 0x55, 0x55, 0xff})
	h := sty.Rectangle(note).Size().Y
	c.FillText(sty, vg.Point{X: c.Min.X + px(8), Y: c.Min.Y + px(6) + sty.FontExtents().Descent}, note)
	return draw.Crop(c, 0, 0, h+px(10), 0)
}

// drawTitle writes a centred title at the top of c and returns c without
// the strip it used.
func drawTitle(c draw.Canvas, title string) draw.Canvas {
	if title == "" {
		return c
	}
	sty := textStyle(titleSize, color.Black)
	sty.XAlign = draw.XCenter
	sty.YAlign = draw.YTop
	h := sty.Rectangle(title).Size().Y
	c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - px(6)}, title)
	return draw.Crop(c, 0, 0, 0, -(h + px(10)))
}

// Thousands formats n with thousands separators: 70000 → "70,000",
// -1234 → "-1,234".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural returns "1 point" or "2 points".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + many
}
