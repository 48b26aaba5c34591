package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/latentlab/latent/dataset"
)

// disc paints an anti-aliased disc of radius r (pixels) centred at the
// continuous pixel position (cx, cy) into dst, blending col with opacity
// alpha source-over, clipped to clip. Pixel (i, j) covers [i, i+1)×[j, j+1);
// a pixel's coverage is approximated by how far its centre lies inside the
// disc edge, which is exact to within a pixel-wide ramp.
func disc(dst *image.RGBA, clip image.Rectangle, cx, cy, r float64, col color.NRGBA, alpha float64) {
	x0 := max(int(math.Floor(cx-r-0.5)), clip.Min.X)
	x1 := min(int(math.Ceil(cx+r+0.5)), clip.Max.X)
	y0 := max(int(math.Floor(cy-r-0.5)), clip.Min.Y)
	y1 := min(int(math.Ceil(cy+r+0.5)), clip.Max.Y)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	sr, sg, sb := uint32(col.R), uint32(col.G), uint32(col.B)
	full := uint32(alpha*255 + 0.5)
	rin := max(r-0.5, 0)
	rin2, rout2 := rin*rin, (r+0.5)*(r+0.5)
	for y := y0; y < y1; y++ {
		dy := float64(y) + 0.5 - cy
		dy2 := dy * dy
		row := dst.Pix[(y-dst.Rect.Min.Y)*dst.Stride:]
		for x := x0; x < x1; x++ {
			dx := float64(x) + 0.5 - cx
			d2 := dx*dx + dy2
			if d2 >= rout2 {
				continue
			}
			a := full
			if d2 > rin2 {
				cov := r + 0.5 - math.Sqrt(d2)
				a = uint32(alpha*cov*255 + 0.5)
				if a == 0 {
					continue
				}
			}
			p := row[(x-dst.Rect.Min.X)*4 : (x-dst.Rect.Min.X)*4+4 : (x-dst.Rect.Min.X)*4+4]
			ia := 255 - a
			p[0] = uint8((sr*a + uint32(p[0])*ia + 127) / 255)
			p[1] = uint8((sg*a + uint32(p[1])*ia + 127) / 255)
			p[2] = uint8((sb*a + uint32(p[2])*ia + 127) / 255)
			p[3] = uint8((255*a + uint32(p[3])*ia + 127) / 255)
		}
	}
}

// fillRect fills r ∩ dst.Bounds() with an opaque colour.
func fillRect(dst *image.RGBA, r image.Rectangle, c color.NRGBA) {
	r = r.Intersect(dst.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst.Pix[(y-dst.Rect.Min.Y)*dst.Stride:]
		for x := r.Min.X; x < r.Max.X; x++ {
			o := (x - dst.Rect.Min.X) * 4
			row[o], row[o+1], row[o+2], row[o+3] = c.R, c.G, c.B, 0xff
		}
	}
}

// frame draws a w-pixel frame just outside r.
func frame(dst *image.RGBA, r image.Rectangle, w int, c color.NRGBA) {
	o := r.Inset(-w)
	fillRect(dst, image.Rect(o.Min.X, o.Min.Y, o.Max.X, r.Min.Y), c)
	fillRect(dst, image.Rect(o.Min.X, r.Max.Y, o.Max.X, o.Max.Y), c)
	fillRect(dst, image.Rect(o.Min.X, r.Min.Y, r.Min.X, r.Max.Y), c)
	fillRect(dst, image.Rect(r.Max.X, r.Min.Y, o.Max.X, r.Max.Y), c)
}

// imageSpec is how image rows are turned into pixels.
type imageSpec struct {
	shape  dataset.ImageShape
	lo, hi float32
	bg     color.NRGBA // what RGBA images are composited over
}

// checkImageShape reports whether rows of cols values can be drawn as
// images of shape s.
func checkImageShape(s dataset.ImageShape, cols int) error {
	if !s.IsImage() {
		return fmt.Errorf("%w: the rows (%d values each) have no image shape", ErrNotImage, cols)
	}
	switch s.Channels {
	case 1, 3, 4:
	default:
		return fmt.Errorf("viz: images with %d channels cannot be drawn (want 1, 3 or 4)", s.Channels)
	}
	if s.Size() != cols {
		return fmt.Errorf("viz: image shape %v holds %d values but the rows have %d", s, s.Size(), cols)
	}
	return nil
}

// level maps v in [lo, hi] to a byte, clamping.
func (sp *imageSpec) level(v float32) uint8 {
	t := (v - sp.lo) / (sp.hi - sp.lo)
	switch {
	case t <= 0:
		return 0
	case t >= 1:
		return 255
	}
	return uint8(t*255 + 0.5)
}

func isNaN32(v float32) bool { return v != v }

// blit draws one image row at (x, y) in dst, each source pixel as a
// scale×scale block, clipped to dst. It returns the number of NaN values.
func (sp *imageSpec) blit(dst *image.RGBA, row []float32, x, y, scale int) int {
	h, w, ch := sp.shape.Height, sp.shape.Width, sp.shape.Channels
	nan := 0
	b := dst.Bounds()
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			v := row[(i*w+j)*ch : (i*w+j+1)*ch]
			var c color.NRGBA
			bad := false
			for _, x := range v {
				if isNaN32(x) {
					bad = true
					nan++
				}
			}
			switch {
			case bad:
				c = nanColor
			case ch == 1:
				l := sp.level(v[0])
				c = color.NRGBA{l, l, l, 0xff}
			case ch == 3:
				c = color.NRGBA{sp.level(v[0]), sp.level(v[1]), sp.level(v[2]), 0xff}
			default: // 4: composite over the background
				a := uint32(sp.level(v[3]))
				mix := func(s uint8, d uint8) uint8 { return uint8((uint32(s)*a + uint32(d)*(255-a) + 127) / 255) }
				c = color.NRGBA{mix(sp.level(v[0]), sp.bg.R), mix(sp.level(v[1]), sp.bg.G), mix(sp.level(v[2]), sp.bg.B), 0xff}
			}
			r := image.Rect(x+j*scale, y+i*scale, x+(j+1)*scale, y+(i+1)*scale)
			if r.In(b) {
				for yy := r.Min.Y; yy < r.Max.Y; yy++ {
					o := (yy-b.Min.Y)*dst.Stride + (r.Min.X-b.Min.X)*4
					for xx := 0; xx < scale; xx++ {
						dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = c.R, c.G, c.B, 0xff
						o += 4
					}
				}
			} else {
				fillRect(dst, r, c)
			}
		}
	}
	return nan
}
