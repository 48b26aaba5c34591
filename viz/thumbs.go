package viz

import (
	"fmt"
	"image"
	"math"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// ThumbnailOptions tunes a thumbnail scatter. The zero value gives the
// defaults documented on each field.
type ThumbnailOptions struct {
	// ScatterOptions sets the size, title, axis labels, seed and colour
	// options as for Scatter. Radius and Alpha apply to the dots drawn
	// beneath the thumbnails (default 1 px at 0.3).
	ScatterOptions
	// Scale is the thumbnails' nearest-neighbour upscaling factor; 0 means
	// 1 (a 28×28 image is a 28-pixel thumbnail).
	Scale int
	// Range is the image value range drawn from black to white; the zero
	// value means [0, 1].
	Range [2]float32
}

// ThumbnailScatter draws small images at their 2-D coordinates, like the
// Embedding Projector's sprites: every point is drawn as a faint dot, and
// the plot area is divided into cells the size of a thumbnail, each showing
// the image of the point nearest its centre, framed in the point's colour.
// Snapping to cells keeps thumbnails from hiding each other while dense
// regions stay covered. images holds one image per point in shape's layout;
// rows that are not images give an error wrapping ErrNotImage.
func ThumbnailScatter(pts, images *mat32.Dense, shape dataset.ImageShape, colors Colors, opt ThumbnailOptions) (*Figure, error) {
	if pts == nil || pts.Rows == 0 {
		return nil, fmt.Errorf("viz: no points to draw")
	}
	if images == nil {
		return nil, fmt.Errorf("viz: no images for the thumbnails")
	}
	if err := checkImageShape(shape, images.Cols); err != nil {
		return nil, err
	}
	if images.Rows != pts.Rows {
		return nil, fmt.Errorf("viz: %d images for %d points", images.Rows, pts.Rows)
	}
	if pts.Cols != 2 {
		return nil, fmt.Errorf("viz: a thumbnail scatter needs 2-D points, got %d-D", pts.Cols)
	}
	lo, hi := opt.Range[0], opt.Range[1]
	if lo == 0 && hi == 0 {
		hi = 1
	}
	if !(hi > lo) {
		return nil, fmt.Errorf("viz: image value range [%g, %g] is empty", lo, hi)
	}
	if opt.Scale < 0 || opt.Scale > 16 {
		return nil, fmt.Errorf("viz: thumbnail scale %d outside 1..16", opt.Scale)
	}
	scale := max(opt.Scale, 1)
	so := opt.ScatterOptions
	if so.Radius == 0 {
		so.Radius = 1
	}
	if so.Alpha == 0 {
		so.Alpha = 0.3
	}
	m, err := newPointMap(pts, colors, so)
	if err != nil {
		return nil, err
	}
	t := &thumbLayer{dots: pointLayer{m: m}, images: images, scale: scale,
		spec: imageSpec{shape: shape, lo: lo, hi: hi, bg: missingColor}}
	cell := max(shape.Width, shape.Height)*scale + 4
	m.notes = append(m.notes, fmt.Sprintf("one thumbnail per %d-pixel cell: the point nearest the cell's centre", cell))
	f := m.figure(func(panel [2]int) *layerPlotter {
		return &layerPlotter{m: m, panel: panel, paint: t.paint}
	})
	f.Caption = m.caption()
	return f, nil
}

type thumbLayer struct {
	dots   pointLayer
	images *mat32.Dense
	spec   imageSpec
	scale  int
}

func (t *thumbLayer) paint(dst *image.RGBA, clip image.Rectangle, pan [2]int, tx, ty func(float64) float64, scale float64) {
	t.dots.paint(dst, clip, pan, tx, ty, scale)
	s := t.scale * int(math.Round(scale))
	tw, th := t.spec.shape.Width*s, t.spec.shape.Height*s
	// A cell is the thumbnail, a frame and a gap of one (figure) pixel
	// each on every side; the gap lets the dots beneath show.
	fw := max(int(math.Round(scale)), 1)
	cw, ch := tw+4*fw, th+4*fw
	nx, ny := clip.Dx()/cw, clip.Dy()/ch
	if nx == 0 || ny == 0 {
		return
	}
	// Centre the cell grid in the plot area.
	ox := clip.Min.X + (clip.Dx()-nx*cw)/2
	oy := clip.Min.Y + (clip.Dy()-ny*ch)/2
	best := make([]int, nx*ny)
	bestD := make([]float64, nx*ny)
	for k := range best {
		best[k] = -1
	}
	pts := t.dots.m.pts
	for _, i := range t.dots.m.order {
		row := pts.Row(i)
		x, y := tx(float64(row[pan[0]])), ty(float64(row[pan[1]]))
		cx, cy := int(math.Floor((x-float64(ox))/float64(cw))), int(math.Floor((y-float64(oy))/float64(ch)))
		if cx < 0 || cy < 0 || cx >= nx || cy >= ny {
			continue
		}
		k := cy*nx + cx
		dx := x - (float64(ox) + (float64(cx)+0.5)*float64(cw))
		dy := y - (float64(oy) + (float64(cy)+0.5)*float64(ch))
		d := dx*dx + dy*dy
		if best[k] < 0 || d < bestD[k] || (d == bestD[k] && i < best[k]) {
			best[k], bestD[k] = i, d
		}
	}
	for k, i := range best {
		if i < 0 {
			continue
		}
		x := ox + (k%nx)*cw + 2*fw
		y := oy + (k/nx)*ch + 2*fw
		col, _ := t.dots.m.colors.color(i)
		frame(dst, image.Rect(x, y, x+tw, y+th), fw, col)
		t.spec.blit(dst, t.images.Row(i), x, y, s)
	}
}
