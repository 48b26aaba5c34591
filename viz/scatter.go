package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// ScatterOptions tunes a scatter plot. The zero value gives the defaults
// documented on each field.
type ScatterOptions struct {
	// Width and Height are the figure size in pixels; 0 means 960×800 for
	// 2-D points and 1500×560 for 3-D points (three panels).
	Width, Height int
	// Title is drawn above the plot when not empty.
	Title string
	// AxisLabels names the dimensions (nil or one per column of the
	// points); the default is "dimension 1", "dimension 2", ...
	AxisLabels []string
	// Radius is the point radius in pixels; 0 picks one from the number of
	// points and the plot area (about 1.2 px at 70,000 points, up to 4 px
	// for a few hundred).
	Radius float64
	// Alpha is the points' opacity in (0, 1]; 0 picks one from how much of
	// the plot area the points cover (about 0.45 at 70,000 points, up to
	// 0.9 for a few hundred).
	Alpha float64
	// Seed shuffles the drawing order, so that no class is always drawn
	// on top of another.
	Seed uint64
	// MaxCategories is the number of categories with their own colour (and
	// legend entry); beyond it the largest MaxCategories-1 keep theirs and
	// the rest share "other". 0 means 20.
	MaxCategories int
	// ColorMap colours continuous values; nil means Viridis. Its range is
	// set to the values' range.
	ColorMap palette.ColorMap
	// MaxVectorPoints is the number of points up to which an SVG draws
	// points as vector circles; above it they are embedded as one image.
	// 0 means 10,000; negative means always an image.
	MaxVectorPoints int
}

// drawStream is the random stream (see dataset.NewRand) of the drawing
// order.
const drawStream = 0x76697a // "viz"

// Scatter draws points (one row per point, 2 or 3 columns) coloured by
// colors. Points with a NaN or infinite coordinate are left out, counted in
// the figure's Skipped and named in its Caption. 3-D points are drawn as
// three panels (dimensions 1–2, 1–3, 2–3) sharing one legend.
func Scatter(pts *mat32.Dense, colors Colors, opt ScatterOptions) (*Figure, error) {
	m, err := newPointMap(pts, colors, opt)
	if err != nil {
		return nil, err
	}
	layer := &pointLayer{m: m}
	return m.figure(func(panel [2]int) *layerPlotter {
		return &layerPlotter{m: m, panel: panel, paint: layer.paint, vector: layer.vector}
	}), nil
}

// pointMap is what scatter-like figures share: checked points, their
// colours, drawing order, layout and options.
type pointMap struct {
	pts    *mat32.Dense
	colors *pointColors
	opt    ScatterOptions
	order  []int // valid points in drawing order
	// ranges holds each dimension's drawn range (with a margin).
	ranges  [][2]float64
	panels  [][2]int
	labels  []string
	skipped int
	notes   []string
	w, h    int
}

func newPointMap(pts *mat32.Dense, colors Colors, opt ScatterOptions) (*pointMap, error) {
	if pts == nil || pts.Rows == 0 {
		return nil, fmt.Errorf("viz: no points to draw")
	}
	d := pts.Cols
	if d != 2 && d != 3 {
		return nil, fmt.Errorf("viz: cannot draw %d-D points: project them to 2 or 3 dimensions first", d)
	}
	if opt.Width < 0 || opt.Height < 0 || int64(opt.Width)*int64(opt.Height) > MaxPixels {
		return nil, fmt.Errorf("viz: figure size %d×%d outside 1..%d pixels", opt.Width, opt.Height, MaxPixels)
	}
	if opt.Alpha < 0 || opt.Alpha > 1 || math.IsNaN(opt.Alpha) {
		return nil, fmt.Errorf("viz: alpha %g outside (0, 1]", opt.Alpha)
	}
	if opt.Radius < 0 || opt.Radius > 100 || math.IsNaN(opt.Radius) {
		return nil, fmt.Errorf("viz: point radius %g outside (0, 100] pixels", opt.Radius)
	}
	if opt.AxisLabels != nil && len(opt.AxisLabels) != d {
		return nil, fmt.Errorf("viz: %d axis labels for %d-D points", len(opt.AxisLabels), d)
	}
	if opt.MaxCategories < 0 {
		return nil, fmt.Errorf("viz: negative MaxCategories %d", opt.MaxCategories)
	}
	maxCat := opt.MaxCategories
	if maxCat == 0 {
		maxCat = 20
	}
	pc, err := resolveColors(colors, pts.Rows, maxCat, opt.ColorMap)
	if err != nil {
		return nil, err
	}
	m := &pointMap{pts: pts, colors: pc, opt: opt, w: opt.Width, h: opt.Height}
	if d == 2 {
		m.panels = [][2]int{{0, 1}}
		if m.w == 0 {
			m.w = 960
		}
		if m.h == 0 {
			m.h = 800
		}
	} else {
		m.panels = [][2]int{{0, 1}, {0, 2}, {1, 2}}
		if m.w == 0 {
			m.w = 1500
		}
		if m.h == 0 {
			m.h = 560
		}
	}
	if m.w < 200 || m.h < 150 {
		return nil, fmt.Errorf("viz: figure size %d×%d too small (at least 200×150 pixels)", m.w, m.h)
	}
	m.labels = opt.AxisLabels
	if m.labels == nil {
		for j := range d {
			m.labels = append(m.labels, fmt.Sprintf("dimension %d", j+1))
		}
	}
	// Valid points, their ranges, and the drawing order: points without a
	// colour first (beneath), then the rest, each group shuffled by seed.
	lo := []float64{math.Inf(1), math.Inf(1), math.Inf(1)}
	hi := []float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	var missing, coloured []int
	for i := range pts.Rows {
		row := pts.Row(i)
		ok := true
		for _, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				ok = false
			}
		}
		if !ok {
			m.skipped++
			continue
		}
		for j, v := range row {
			lo[j], hi[j] = min(lo[j], float64(v)), max(hi[j], float64(v))
		}
		if _, has := pc.color(i); has {
			coloured = append(coloured, i)
		} else {
			missing = append(missing, i)
		}
	}
	if m.skipped == pts.Rows {
		return nil, fmt.Errorf("viz: all %s have NaN/Inf coordinates", plural(pts.Rows, "point", "points"))
	}
	rng := dataset.NewRand(opt.Seed, drawStream)
	rng.Shuffle(len(missing), func(i, j int) { missing[i], missing[j] = missing[j], missing[i] })
	rng.Shuffle(len(coloured), func(i, j int) { coloured[i], coloured[j] = coloured[j], coloured[i] })
	m.order = append(missing, coloured...)
	for j := range d {
		span := hi[j] - lo[j]
		if span == 0 {
			span = max(math.Abs(lo[j]), 1)
		}
		m.ranges = append(m.ranges, [2]float64{lo[j] - 0.03*span, hi[j] + 0.03*span})
	}
	m.notes = append(m.notes, plural(len(m.order), "point", "points"))
	if m.skipped > 0 {
		m.notes = append(m.notes, plural(m.skipped, "point", "points")+" with NaN/Inf coordinates not drawn")
	}
	m.notes = append(m.notes, pc.notes...)
	return m, nil
}

// caption is the figure's note: it says what was left out or merged.
func (m *pointMap) caption() string {
	if len(m.notes) <= 1 {
		return ""
	}
	return strings.Join(m.notes, "; ")
}

// figure lays out the panels, each with the plotter newLayer returns, the
// legend or colour bar on the right, the title and the caption.
func (m *pointMap) figure(newLayer func(panel [2]int) *layerPlotter) *Figure {
	f := &Figure{Width: m.w, Height: m.h, Caption: m.caption(), Skipped: m.skipped}
	f.draw = func(c draw.Canvas, r *renderer) {
		c = drawNote(c, f.Caption)
		c = drawTitle(c, m.opt.Title)
		c = m.drawKey(c)
		gap := px(12)
		n := len(m.panels)
		pw := (c.Max.X - c.Min.X - gap*vg.Length(n-1)) / vg.Length(n)
		for k, pan := range m.panels {
			pc := c
			pc.Min.X = c.Min.X + vg.Length(k)*(pw+gap)
			pc.Max.X = pc.Min.X + pw
			p := newPlot()
			p.X.Min, p.X.Max = m.ranges[pan[0]][0], m.ranges[pan[0]][1]
			p.Y.Min, p.Y.Max = m.ranges[pan[1]][0], m.ranges[pan[1]][1]
			p.X.Label.Text, p.Y.Label.Text = m.labels[pan[0]], m.labels[pan[1]]
			p.X.Padding, p.Y.Padding = 0, 0
			lp := newLayer(pan)
			lp.r = r
			p.Add(lp)
			p.Draw(draw.Crop(pc, px(4), -px(8), px(4), -px(4)))
		}
	}
	return f
}

// drawKey draws the legend (categories) or the colour bar (values) at the
// right of c and returns what is left of c.
func (m *pointMap) drawKey(c draw.Canvas) draw.Canvas {
	pc := m.colors
	switch {
	case pc.legend != nil:
		l := plot.NewLegend()
		l.TextStyle = textStyle(legendSize, textColor)
		l.Top, l.Left = true, true
		l.ThumbnailWidth = px(14)
		l.Padding = px(3)
		for _, e := range pc.legend {
			l.Add(fmt.Sprintf("%s (%s)", e.name, Thousands(e.count)), swatch{e.color})
		}
		title := textStyle(labelSize, color.Black)
		title.YAlign = draw.YTop
		tw := title.Rectangle(pc.title).Size().X
		lw := max(l.Rectangle(c).Size().X, tw) + px(16)
		lw = min(lw, (c.Max.X-c.Min.X)*0.35)
		key := c
		key.Min.X = c.Max.X - lw
		key.Max.X -= px(8)
		top := key.Max.Y - px(40)
		if pc.title != "" {
			key.FillText(title, vg.Point{X: key.Min.X, Y: top}, pc.title)
			top -= title.Rectangle(pc.title).Size().Y + px(6)
		}
		key.Max.Y = top
		l.Draw(key)
		return draw.Crop(c, 0, -lw, 0, 0)
	case pc.cmap != nil:
		p := newPlot()
		p.Add(&plotter.ColorBar{ColorMap: pc.cmap, Vertical: true})
		p.HideX()
		p.Y.Padding = 0
		p.Title.Text = pc.title
		p.Title.TextStyle.Font = textStyle(labelSize, color.Black).Font
		lw := px(90)
		if pc.title != "" {
			lw = max(lw, p.Title.TextStyle.Rectangle(pc.title).Size().X+px(16))
		}
		key := c
		key.Min.X = c.Max.X - lw
		key.Max.X -= px(16)
		key.Min.Y += px(60)
		key.Max.Y -= px(40)
		p.Draw(key)
		return draw.Crop(c, 0, -lw, 0, 0)
	}
	return c
}

// swatch is a legend thumbnail: a solid disc.
type swatch struct{ c color.NRGBA }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	ctr := c.Center()
	r := min(px(5), (c.Max.Y-c.Min.Y)/2)
	var p vg.Path
	p.Move(vg.Point{X: ctr.X + r, Y: ctr.Y})
	p.Arc(ctr, r, 0, 2*math.Pi)
	p.Close()
	c.SetColor(s.c)
	c.Fill(p)
}

// layerPlotter is a gonum plotter whose content is painted pixel by pixel:
// straight into the figure's pixels for a PNG, or into an image that is
// embedded for an SVG — unless a vector painter is given and wants the
// job.
type layerPlotter struct {
	m     *pointMap
	r     *renderer
	panel [2]int
	// paint draws into dst, clipped to clip; tx and ty map data to pixels
	// of dst, and scale is dst's pixels per figure pixel.
	paint func(dst *image.RGBA, clip image.Rectangle, panel [2]int, tx, ty func(float64) float64, scale float64)
	// vector draws on a vector canvas and reports whether it did.
	vector func(c draw.Canvas, panel [2]int, tx, ty func(float64) vg.Length) bool
}

// Plot implements plot.Plotter.
func (l *layerPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	if l.r == nil || l.r.img == nil {
		if l.vector != nil && l.vector(c, l.panel, trX, trY) {
			return
		}
		// Embed the layer as an image at twice the figure's resolution.
		const scale = 2
		w := int(math.Ceil(dots(c.Max.X-c.Min.X) * scale))
		h := int(math.Ceil(dots(c.Max.Y-c.Min.Y) * scale))
		if w <= 0 || h <= 0 {
			return
		}
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		tx := func(x float64) float64 { return dots(trX(x)-c.Min.X) * scale }
		ty := func(y float64) float64 { return float64(h) - dots(trY(y)-c.Min.Y)*scale }
		l.paint(img, img.Bounds(), l.panel, tx, ty, scale)
		if l.r == nil {
			c.DrawImage(c.Rectangle, img)
		} else if err := l.r.embed(c, c.Rectangle, img); err != nil {
			panic(err) // turned into an error by recoverDraw
		}
		return
	}
	height := l.r.img.Bounds().Dy()
	x0, y0, x1, y1 := toPixels(c.Rectangle, height)
	clip := image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1)), int(math.Ceil(y1))).Intersect(l.r.img.Bounds())
	tx := func(x float64) float64 { return dots(trX(x)) }
	ty := func(y float64) float64 { return float64(height) - dots(trY(y)) }
	l.paint(l.r.img, clip, l.panel, tx, ty, 1)
}

// pointLayer paints the points of a scatter.
type pointLayer struct{ m *pointMap }

// style returns the radius and opacity for a plot area of w×h pixels.
func (pl *pointLayer) style(w, h float64) (radius, alpha float64) {
	n := float64(len(pl.m.order))
	area := max(w*h, 1)
	radius = pl.m.opt.Radius
	if radius == 0 {
		radius = min(max(math.Sqrt(area/n)*0.45, 1.0), 4.0)
	}
	alpha = pl.m.opt.Alpha
	if alpha == 0 {
		cover := n * math.Pi * radius * radius / area
		alpha = min(max(0.3/cover, 0.25), 0.9)
	}
	return radius, alpha
}

func (pl *pointLayer) paint(dst *image.RGBA, clip image.Rectangle, pan [2]int, tx, ty func(float64) float64, scale float64) {
	radius, alpha := pl.style(float64(clip.Dx())/scale, float64(clip.Dy())/scale)
	radius *= scale
	pts := pl.m.pts
	for _, i := range pl.m.order {
		row := pts.Row(i)
		col, _ := pl.m.colors.color(i)
		disc(dst, clip, tx(float64(row[pan[0]])), ty(float64(row[pan[1]])), radius, col, alpha)
	}
}

func (pl *pointLayer) vector(c draw.Canvas, pan [2]int, tx, ty func(float64) vg.Length) bool {
	limit := pl.m.opt.MaxVectorPoints
	if limit == 0 {
		limit = 10000
	}
	if len(pl.m.order) > limit {
		return false
	}
	radius, alpha := pl.style(dots(c.Max.X-c.Min.X), dots(c.Max.Y-c.Min.Y))
	r := px(radius)
	pts := pl.m.pts
	for _, i := range pl.m.order {
		row := pts.Row(i)
		col, _ := pl.m.colors.color(i)
		col.A = uint8(alpha*255 + 0.5)
		ctr := vg.Point{X: tx(float64(row[pan[0]])), Y: ty(float64(row[pan[1]]))}
		var p vg.Path
		p.Move(vg.Point{X: ctr.X + r, Y: ctr.Y})
		p.Arc(ctr, r, 0, 2*math.Pi)
		p.Close()
		c.SetColor(col)
		c.Fill(p)
	}
	return true
}
