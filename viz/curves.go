package viz

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Curve is one line of a training-curves panel.
type Curve struct {
	// Label is the legend entry. Curves with the same label have the same
	// colour in every panel of a figure.
	Label string
	// X holds the epochs (or steps); nil means 1, 2, ..., len(Y).
	X []float64
	// Y holds the values. NaN and ±Inf values, and values ≤ 0 on a log
	// axis, leave gaps and are counted in the figure's Skipped.
	Y []float64
	// Dashed draws the line dashed (validation curves, by convention).
	Dashed bool
}

// Panel is one chart of a training-curves figure.
type Panel struct {
	// Title heads the panel, e.g. "loss" or "KL".
	Title string
	// YLabel names the values' unit, e.g. "nats per image".
	YLabel string
	// LogY draws the values on a logarithmic axis.
	LogY bool
	// Curves are drawn in order.
	Curves []Curve
}

// LossPanel returns a panel with a solid "train" curve and, when val is not
// nil, a dashed "validation" curve, one value per epoch each.
func LossPanel(title string, train, val []float64) Panel {
	p := Panel{Title: title, Curves: []Curve{{Label: "train", Y: train}}}
	if val != nil {
		p.Curves = append(p.Curves, Curve{Label: "validation", Y: val, Dashed: true})
	}
	return p
}

// CurveOptions tunes a training-curves figure. The zero value gives the
// defaults documented on each field.
type CurveOptions struct {
	// Width and Height are the figure size in pixels; 0 means 420 pixels
	// per panel (at least 640) by 400.
	Width, Height int
	// Title is drawn above the panels when not empty.
	Title string
	// XLabel names the horizontal axis; "" means "epoch".
	XLabel string
}

// Curves draws training curves: panels side by side (e.g. the total loss,
// the reconstruction term and the KL term), each with its curves (e.g.
// train solid and validation dashed) and a legend.
func Curves(panels []Panel, opt CurveOptions) (*Figure, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("viz: no curves to draw")
	}
	w, h := opt.Width, opt.Height
	if w == 0 {
		w = max(640, 420*len(panels))
	}
	if h == 0 {
		h = 400
	}
	if w < 100*len(panels) || h < 150 || int64(w)*int64(h) > MaxPixels {
		return nil, fmt.Errorf("viz: figure size %d×%d outside %d×150..%d pixels", w, h, 100*len(panels), MaxPixels)
	}
	xlabel := orDefault(opt.XLabel, "epoch")
	colorOf := map[string]color.NRGBA{}
	type segs struct {
		lines  []plotter.XYs
		curve  Curve
		color  color.NRGBA
		points int
	}
	drawn := make([][]segs, len(panels))
	skipped := 0
	for pi, p := range panels {
		name := orDefault(p.Title, fmt.Sprintf("panel %d", pi+1))
		if len(p.Curves) == 0 {
			return nil, fmt.Errorf("viz: panel %q has no curves", name)
		}
		finite := 0
		for _, c := range p.Curves {
			if len(c.Y) == 0 {
				return nil, fmt.Errorf("viz: panel %q: curve %q has no values", name, c.Label)
			}
			if c.X != nil && len(c.X) != len(c.Y) {
				return nil, fmt.Errorf("viz: panel %q: curve %q has %d x values for %d y values", name, c.Label, len(c.X), len(c.Y))
			}
			col, ok := colorOf[c.Label]
			if !ok {
				col = CategoryColor(len(colorOf))
				colorOf[c.Label] = col
			}
			s := segs{curve: c, color: col}
			var cur plotter.XYs
			for i, y := range c.Y {
				x := float64(i + 1)
				if c.X != nil {
					x = c.X[i]
				}
				if !finiteF(x) || !finiteF(y) || (p.LogY && y <= 0) {
					skipped++
					if len(cur) > 0 {
						s.lines = append(s.lines, cur)
						cur = nil
					}
					continue
				}
				cur = append(cur, plotter.XY{X: x, Y: y})
				s.points++
			}
			if len(cur) > 0 {
				s.lines = append(s.lines, cur)
			}
			finite += s.points
			drawn[pi] = append(drawn[pi], s)
		}
		if finite == 0 {
			return nil, fmt.Errorf("viz: panel %q has no finite values to draw", name)
		}
	}
	// One legend for the figure: a label has one style in every panel.
	var keys []lineKey
	seen := map[string]bool{}
	for _, ds := range drawn {
		for _, s := range ds {
			if s.curve.Label != "" && !seen[s.curve.Label] {
				seen[s.curve.Label] = true
				keys = append(keys, lineKey{s.curve.Label, lineThumb{curveStyle(s.color, s.curve.Dashed)}})
			}
		}
	}
	f := &Figure{Width: w, Height: h, Skipped: skipped}
	if skipped > 0 {
		f.Caption = plural(skipped, "value", "values") + " not drawn (NaN/Inf, or ≤ 0 on a log axis)"
	}
	f.draw = func(c draw.Canvas, _ *renderer) {
		c = drawNote(c, f.Caption)
		c = drawTitle(c, opt.Title)
		c = drawLineLegend(c, keys)
		gap := px(16)
		n := len(panels)
		pw := (c.Max.X - c.Min.X - gap*vg.Length(n-1)) / vg.Length(n)
		for pi, pan := range panels {
			p := newPlot()
			p.Title.Text = pan.Title
			p.X.Label.Text = xlabel
			p.Y.Label.Text = pan.YLabel
			if pan.LogY {
				p.Y.Scale = plot.LogScale{}
				p.Y.Tick.Marker = logTicks{}
			}
			p.Add(lightGrid())
			for _, s := range drawn[pi] {
				ls := curveStyle(s.color, s.curve.Dashed)
				for _, seg := range s.lines {
					l, err := plotter.NewLine(seg)
					if err != nil {
						panic(err) // finite values only: cannot happen
					}
					l.LineStyle = ls
					p.Add(l)
					if s.points <= 40 || len(seg) == 1 {
						sc, err := plotter.NewScatter(seg)
						if err != nil {
							panic(err)
						}
						sc.GlyphStyle = draw.GlyphStyle{Color: s.color, Radius: px(2.2), Shape: draw.CircleGlyph{}}
						p.Add(sc)
					}
				}
			}
			pc := c
			pc.Min.X = c.Min.X + vg.Length(pi)*(pw+gap)
			pc.Max.X = pc.Min.X + pw
			p.Draw(draw.Crop(pc, px(6), -px(10), px(4), -px(4)))
		}
	}
	return f, nil
}

func curveStyle(c color.NRGBA, dashed bool) draw.LineStyle {
	ls := draw.LineStyle{Color: c, Width: px(1.8)}
	if dashed {
		ls.Dashes = []vg.Length{px(6), px(4)}
	}
	return ls
}

// lineKey is one entry of a one-row legend.
type lineKey struct {
	label string
	thumb plot.Thumbnailer
}

// drawLineLegend draws the keys in one centred row at the top of c and
// returns what is left of c.
func drawLineLegend(c draw.Canvas, keys []lineKey) draw.Canvas {
	if len(keys) == 0 {
		return c
	}
	sty := textStyle(legendSize, textColor)
	sty.YAlign = draw.YCenter
	line, gap, sep := px(28), px(6), px(22)
	total := vg.Length(0)
	for i, k := range keys {
		if i > 0 {
			total += sep
		}
		total += line + gap + sty.Width(k.label)
	}
	h := sty.Rectangle("Mg").Size().Y
	y := c.Max.Y - px(4) - h/2
	x := c.Center().X - total/2
	for _, k := range keys {
		k.thumb.Thumbnail(&draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: y - h/2}, Max: vg.Point{X: x + line, Y: y + h/2}}})
		x += line + gap
		c.FillText(sty, vg.Point{X: x, Y: y}, k.label)
		x += sty.Width(k.label) + sep
	}
	return draw.Crop(c, 0, 0, 0, -(h + px(10)))
}

// logTicks marks a logarithmic axis: every 1–9 × 10^k, labelled at 1, 2, 5
// (and 3) when the axis spans few decades, at powers of ten otherwise.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	span := math.Log10(hi / lo)
	label := map[int]bool{1: true}
	if span < 3 {
		label[2], label[5] = true, true
	}
	if span < 1.5 {
		label[3] = true
	}
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if label[m] {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// lineThumb is a legend thumbnail: a short line in the curve's style.
type lineThumb struct{ ls draw.LineStyle }

// Thumbnail implements plot.Thumbnailer.
func (t lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(t.ls, c.Min.X, y, c.Max.X, y)
}

// lightGrid returns faint grid lines.
func lightGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = color.NRGBA{0xe4, 0xe4, 0xe4, 0xff}
	g.Horizontal.Color = g.Vertical.Color
	g.Vertical.Width, g.Horizontal.Width = px(1), px(1)
	return g
}

func finiteF(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// KLOptions tunes a per-dimension KL bar chart. The zero value gives the
// defaults documented on each field.
type KLOptions struct {
	// Width and Height are the figure size in pixels; 0 means 16 pixels
	// per dimension plus room for the axes (at least 560) by 380.
	Width, Height int
	// Title is drawn above the chart when not empty.
	Title string
	// Threshold is the KL (nats) above which a dimension counts as an
	// active unit; 0 means 0.01.
	Threshold float64
	// Labels names the dimensions (nil or one per value); nil means their
	// indices 0, 1, ... Give the labels when the values are sorted.
	Labels []string
	// Linear draws the KL on a linear axis instead of a logarithmic one.
	Linear bool
}

// DefaultKLThreshold is the KL in nats above which a latent dimension is
// commonly counted as active (Burda et al., 2016, use 0.01).
const DefaultKLThreshold = 0.01

// KLBars draws the KL divergence of each latent dimension as a bar (in the
// caller's order, e.g. sorted by KL), active units (KL above the threshold)
// in colour and the rest grey, with the threshold as a dashed line. The
// caption says how many units are active.
func KLBars(kl []float64, opt KLOptions) (*Figure, error) {
	d := len(kl)
	if d == 0 {
		return nil, fmt.Errorf("viz: no KL values to draw")
	}
	if opt.Labels != nil && len(opt.Labels) != d {
		return nil, fmt.Errorf("viz: %d labels for %d KL values", len(opt.Labels), d)
	}
	thr := opt.Threshold
	if thr == 0 {
		thr = DefaultKLThreshold
	}
	if !(thr > 0) || math.IsInf(thr, 0) {
		return nil, fmt.Errorf("viz: KL threshold %g is not a positive number", thr)
	}
	w, h := opt.Width, opt.Height
	if w == 0 {
		w = max(560, 16*d+140)
	}
	if h == 0 {
		h = 380
	}
	if w < 200 || h < 150 || int64(w)*int64(h) > MaxPixels {
		return nil, fmt.Errorf("viz: figure size %d×%d outside 200×150..%d pixels", w, h, MaxPixels)
	}
	active, skipped := 0, 0
	top, minPos := thr, math.Inf(1)
	for _, v := range kl {
		if !finiteF(v) {
			skipped++
			continue
		}
		if v > thr {
			active++
		}
		top = max(top, v)
		if v > 0 {
			minPos = min(minPos, v)
		}
	}
	if skipped == d {
		return nil, fmt.Errorf("viz: all %d KL values are NaN/Inf", d)
	}
	floor := 0.0
	if !opt.Linear {
		floor = max(min(minPos, thr)/3, 1e-6)
	}
	notes := []string{fmt.Sprintf("%d of %d dimensions active (KL > %g nats)", active, d, thr)}
	if skipped > 0 {
		notes = append(notes, plural(skipped, "NaN/Inf value", "NaN/Inf values")+" not drawn")
	}
	f := &Figure{Width: w, Height: h, Skipped: skipped, Caption: strings.Join(notes, "; ")}
	activeColor, idleColor := categorical[0], color.NRGBA{0xbb, 0xbb, 0xbb, 0xff}
	thrColor := categorical[3]
	ls := draw.LineStyle{Color: thrColor, Width: px(1.5), Dashes: []vg.Length{px(6), px(4)}}
	keys := []lineKey{
		{fmt.Sprintf("active (KL > %g nats)", thr), swatch{activeColor}},
		{"inactive", swatch{idleColor}},
		{fmt.Sprintf("threshold %g nats", thr), lineThumb{ls}},
	}
	f.draw = func(c draw.Canvas, _ *renderer) {
		c = drawNote(c, f.Caption)
		c = drawTitle(c, opt.Title)
		c = drawLineLegend(c, keys)
		p := newPlot()
		p.X.Label.Text = "latent dimension"
		p.Y.Label.Text = "KL (nats)"
		p.X.Min, p.X.Max = -0.6, float64(d)-0.4
		if opt.Linear {
			p.Y.Min, p.Y.Max = 0, top*1.08
		} else {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = logTicks{}
			p.Y.Min, p.Y.Max = floor, top*2
		}
		p.X.Tick.Marker = dimTicks{labels: opt.Labels, n: d}
		p.Add(&bars{vals: kl, floor: floor, thr: thr, on: activeColor, off: idleColor})
		line, _ := plotter.NewLine(plotter.XYs{{X: -0.6, Y: thr}, {X: float64(d) - 0.4, Y: thr}})
		line.LineStyle = ls
		p.Add(line)
		p.Draw(draw.Crop(c, px(6), -px(10), px(4), -px(4)))
	}
	return f, nil
}

// bars draws one bar per value from floor up, coloured by the threshold.
type bars struct {
	vals       []float64
	floor, thr float64
	on, off    color.NRGBA
}

// Plot implements plot.Plotter.
func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, v := range b.vals {
		if !finiteF(v) || v <= b.floor {
			continue
		}
		v = min(v, p.Y.Max)
		col := b.off
		if v > b.thr {
			col = b.on
		}
		x0, x1 := trX(float64(i)-0.4), trX(float64(i)+0.4)
		if x1-x0 > px(1) {
			x1 -= px(0.5) // keep a hairline between thin bars
		}
		y0, y1 := trY(b.floor), trY(v)
		c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	}
}

// dimTicks labels the dimensions: every one when there are few, every
// 5th, 10th, ... when there are many.
type dimTicks struct {
	labels []string
	n      int
}

// Ticks implements plot.Ticker.
func (t dimTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000} {
		step = s
		if t.n/s <= 16 {
			break
		}
	}
	var ticks []plot.Tick
	for i := 0; i < t.n; i++ {
		lab := ""
		if i%step == 0 {
			lab = fmt.Sprint(i)
			if t.labels != nil {
				lab = t.labels[i]
			}
		}
		if lab != "" || step <= 5 {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: lab})
		}
	}
	return ticks
}
