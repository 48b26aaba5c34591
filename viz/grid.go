package viz

import (
	"fmt"
	"image"
	"image/color"
	"strconv"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// GridOptions tunes how image grids are drawn. The zero value gives the
// defaults documented on each field.
type GridOptions struct {
	// Title is drawn above the grid when not empty.
	Title string
	// Scale is the nearest-neighbour upscaling factor of every image; 0
	// picks the smallest factor that makes a cell at least 48 pixels on its
	// longer side (2 for 28×28 images, 1 for 64×64).
	Scale int
	// Pad is the gap between cells in pixels; 0 means 2 (4 when cells are
	// marked, to leave room for the frame); negative means none.
	Pad int
	// Margin is the blank border around the figure in pixels; 0 means 8,
	// negative means none.
	Margin int
	// Range is the value range drawn from black to white; the zero value
	// means [0, 1]. Values outside are clamped.
	Range [2]float32
	// Background is the colour between cells; nil means white.
	Background color.Color
	// RowGroup is the number of grid rows in a group; groups are set apart
	// by a wider gap. 0 means none, except for Reconstructions (2: each
	// original row with its reconstruction row). Interpolations of the
	// same pairs by two methods, interleaved, read best with 2.
	RowGroup int
}

// MaxPixels bounds the size of any figure viz will allocate, in pixels
// (64 Mpx, 256 MiB of RGBA).
const MaxPixels = 64 << 20

// Grid is a general image grid: images in rows and columns with optional
// row labels, column labels, per-cell captions and marked (framed) cells.
// The functions ImageGrid, Reconstructions, Interpolations and Traversals
// fill one in for the usual views; build one directly for other layouts.
type Grid struct {
	// Images holds one image per row, in Shape's layout.
	Images *mat32.Dense
	// Shape is the images' layout; the rows must hold Shape.Size() values.
	Shape dataset.ImageShape
	// Cols is the number of cells per row.
	Cols int
	// Index maps cells (row-major) to rows of Images; -1 leaves a cell
	// blank. Nil means cell k shows image k, and the grid has as many
	// cells as images.
	Index []int
	// RowLabels is drawn left of each grid row; nil or one per grid row.
	RowLabels []string
	// ColLabels is drawn above each column; nil or one per column.
	ColLabels []string
	// Captions is drawn under each cell, shortened to the cell's width;
	// nil or one per cell.
	Captions []string
	// Marked frames cells in the mark colour (orange), e.g. the endpoints
	// of an interpolation; nil or one per cell.
	Marked []bool
	// GapAfterCols lists columns followed by a wider gap.
	GapAfterCols []int
	// Options tunes the drawing.
	Options GridOptions
}

// Figure draws the grid.
func (g *Grid) Figure() (*Figure, error) {
	if g.Images == nil || g.Images.Rows == 0 {
		return nil, fmt.Errorf("viz: no images to draw")
	}
	if err := checkImageShape(g.Shape, g.Images.Cols); err != nil {
		return nil, err
	}
	cells := g.Images.Rows
	if g.Index != nil {
		cells = len(g.Index)
		for k, i := range g.Index {
			if i < -1 || i >= g.Images.Rows {
				return nil, fmt.Errorf("viz: grid cell %d shows image %d of %d", k, i, g.Images.Rows)
			}
		}
	}
	if g.Cols < 1 {
		return nil, fmt.Errorf("viz: a grid needs at least one column, got %d", g.Cols)
	}
	if cells == 0 {
		return nil, fmt.Errorf("viz: no images to draw")
	}
	cols := min(g.Cols, cells)
	rows := (cells + g.Cols - 1) / g.Cols
	if g.RowLabels != nil && len(g.RowLabels) != rows {
		return nil, fmt.Errorf("viz: %d row labels for %d grid rows", len(g.RowLabels), rows)
	}
	if g.ColLabels != nil && len(g.ColLabels) != g.Cols {
		return nil, fmt.Errorf("viz: %d column labels for %d columns", len(g.ColLabels), g.Cols)
	}
	if g.ColLabels != nil {
		cols = g.Cols
	}
	if g.Captions != nil && len(g.Captions) != cells {
		return nil, fmt.Errorf("viz: %d captions for %d cells", len(g.Captions), cells)
	}
	if g.Marked != nil && len(g.Marked) != cells {
		return nil, fmt.Errorf("viz: %d marks for %d cells", len(g.Marked), cells)
	}
	o := g.Options
	lo, hi := o.Range[0], o.Range[1]
	if lo == 0 && hi == 0 {
		hi = 1
	}
	if !(hi > lo) {
		return nil, fmt.Errorf("viz: image value range [%g, %g] is empty", lo, hi)
	}
	scale := o.Scale
	if scale < 0 {
		return nil, fmt.Errorf("viz: negative scale %d", scale)
	}
	if scale == 0 {
		scale = autoScale(g.Shape)
	}
	marked := false
	for _, m := range g.Marked {
		marked = marked || m
	}
	pad := o.Pad
	switch {
	case pad == 0 && marked:
		pad = 4
	case pad == 0:
		pad = 2
	case pad < 0:
		pad = 0
	}
	margin := o.Margin
	switch {
	case margin == 0:
		margin = 8
	case margin < 0:
		margin = 0
	}
	bg := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	if o.Background != nil {
		bg = color.NRGBAModel.Convert(o.Background).(color.NRGBA)
		bg.A = 0xff
	}
	spec := imageSpec{shape: g.Shape, lo: lo, hi: hi, bg: bg}

	titleFont, labelFont, capFont := newRasterText(16), newRasterText(13), newRasterText(11)
	cw, ch := g.Shape.Width*scale, g.Shape.Height*scale
	if cw > MaxPixels || ch > MaxPixels {
		return nil, fmt.Errorf("viz: cells of %d×%d pixels are too large", cw, ch)
	}
	labelW := 0
	for _, s := range g.RowLabels {
		labelW = max(labelW, labelFont.width(s))
	}
	if labelW > 0 {
		labelW += 8
	}
	capH := 0
	if g.Captions != nil {
		capH = capFont.height() + 2
	}
	if o.RowGroup < 0 {
		return nil, fmt.Errorf("viz: negative row group %d", o.RowGroup)
	}
	groupGap := 0
	if o.RowGroup > 0 {
		groupGap = 10
	}
	gapAfter := map[int]bool{}
	for _, c := range g.GapAfterCols {
		gapAfter[c] = true
	}
	const colGap = 10
	top := margin
	if o.Title != "" {
		top += titleFont.height() + 6
	}
	if g.ColLabels != nil {
		top += labelFont.height() + 4
	}
	colX := make([]int, cols)
	x := margin + labelW
	for j := range cols {
		colX[j] = x
		x += cw + pad
		if gapAfter[j] {
			x += colGap
		}
	}
	width := colX[cols-1] + cw + margin
	rowY := make([]int, rows)
	y := top
	for i := range rows {
		if o.RowGroup > 0 && i > 0 && i%o.RowGroup == 0 {
			y += groupGap
		}
		rowY[i] = y
		y += ch + capH + pad
	}
	height := rowY[rows-1] + ch + capH + margin
	if o.Title != "" {
		width = max(width, titleFont.width(o.Title)+2*margin)
	}
	// Count the NaN pixels first: the note under the grid needs room.
	nan := 0
	forCells(g, cells, func(k, img int) {
		for _, v := range g.Images.Row(img) {
			if isNaN32(v) {
				nan++
			}
		}
	})
	caption := ""
	if nan > 0 {
		caption = fmt.Sprintf("%d NaN pixel values shown in magenta", nan)
		height += capFont.height() + 4
		width = max(width, capFont.width(caption)+2*margin)
	}
	if int64(width)*int64(height) > MaxPixels {
		return nil, fmt.Errorf("viz: a grid of %d×%d pixels is too large (at most %d pixels); draw fewer or smaller images", width, height, MaxPixels)
	}

	img := image.NewRGBA(image.Rect(0, 0, width, height))
	fillRect(img, img.Bounds(), bg)
	if o.Title != "" {
		titleFont.draw(img, o.Title, margin, margin, textColor)
	}
	for j, s := range g.ColLabels {
		if j < cols {
			labelFont.drawCentered(img, labelFont.fit(s, cw+pad+colGap), colX[j]+cw/2, top-labelFont.height()-4, textColor)
		}
	}
	for i, s := range g.RowLabels {
		labelFont.drawRight(img, s, margin+labelW-8, rowY[i]+(ch-labelFont.height())/2, textColor)
	}
	forCells(g, cells, func(k, im int) {
		i, j := k/g.Cols, k%g.Cols
		x, y := colX[j], rowY[i]
		spec.blit(img, g.Images.Row(im), x, y, scale)
		if g.Marked != nil && g.Marked[k] {
			frame(img, image.Rect(x, y, x+cw, y+ch), min(2, max(pad/2, 1)), markColor)
		}
	})
	for k, s := range g.Captions {
		if s == "" {
			continue
		}
		i, j := k/g.Cols, k%g.Cols
		capFont.drawCentered(img, capFont.fit(s, cw+pad), colX[j]+cw/2, rowY[i]+ch+1, textColor)
	}
	if caption != "" {
		capFont.draw(img, caption, margin, height-margin-capFont.height(), textColor)
	}
	return &Figure{Width: width, Height: height, Caption: caption, Skipped: nan, raster: img}, nil
}

// forCells calls fn for every non-blank cell k with its image row.
func forCells(g *Grid, cells int, fn func(k, img int)) {
	for k := range cells {
		im := k
		if g.Index != nil {
			im = g.Index[k]
		}
		if im >= 0 {
			fn(k, im)
		}
	}
}

// autoScale is the smallest integer factor that makes the longer side of an
// image at least 48 pixels.
func autoScale(s dataset.ImageShape) int {
	side := max(s.Height, s.Width)
	return max(1, (48+side-1)/side)
}

// ImageGrid draws images (samples from a model, rows of a dataset) in a
// grid of cols columns, with an optional caption under each (nil or one per
// image).
func ImageGrid(images *mat32.Dense, shape dataset.ImageShape, cols int, captions []string, opt GridOptions) (*Figure, error) {
	g := Grid{Images: images, Shape: shape, Cols: cols, Captions: captions, Options: opt}
	return g.Figure()
}

// Reconstructions draws originals above their reconstructions: grid rows
// come in pairs (originals, then the same images reconstructed), cols
// images per row. orig and recon must have the same shape.
func Reconstructions(orig, recon *mat32.Dense, shape dataset.ImageShape, cols int, opt GridOptions) (*Figure, error) {
	if orig == nil || recon == nil || orig.Rows == 0 {
		return nil, fmt.Errorf("viz: no images to draw")
	}
	if orig.Rows != recon.Rows || orig.Cols != recon.Cols {
		return nil, fmt.Errorf("viz: %d×%d originals but %d×%d reconstructions", orig.Rows, orig.Cols, recon.Rows, recon.Cols)
	}
	if cols < 1 {
		return nil, fmt.Errorf("viz: a grid needs at least one column, got %d", cols)
	}
	n := orig.Rows
	both := mat32.New(2*n, orig.Cols)
	copy(both.Data, orig.Data)
	copy(both.Data[n*orig.Cols:], recon.Data)
	pairs := (n + cols - 1) / cols
	index := make([]int, 0, 2*pairs*cols)
	labels := make([]string, 0, 2*pairs)
	for p := range pairs {
		for half := range 2 {
			for j := range cols {
				i := p*cols + j
				if i < n {
					index = append(index, half*n+i)
				} else {
					index = append(index, -1)
				}
			}
		}
		labels = append(labels, "original", "reconstruction")
	}
	if opt.RowGroup == 0 {
		opt.RowGroup = 2
	}
	g := Grid{Images: both, Shape: shape, Cols: cols, Index: index, RowLabels: labels, Options: opt}
	return g.Figure()
}

// Interpolations draws interpolation strips: one grid row per pair of
// endpoints, paths holding steps decoded images per pair (pair after pair).
// rowLabels (nil or one per pair) name the rows, e.g. "lerp" and "slerp".
// ends, when not nil, holds the two source images of each pair (2 rows per
// pair); they are drawn at the ends of each strip, set apart and framed.
// Without ends the first and last decoded images are framed.
func Interpolations(paths *mat32.Dense, steps int, shape dataset.ImageShape, rowLabels []string, ends *mat32.Dense, opt GridOptions) (*Figure, error) {
	if paths == nil || paths.Rows == 0 {
		return nil, fmt.Errorf("viz: no images to draw")
	}
	if steps < 2 {
		return nil, fmt.Errorf("viz: an interpolation needs at least 2 steps, got %d", steps)
	}
	if paths.Rows%steps != 0 {
		return nil, fmt.Errorf("viz: %d images is not a whole number of %d-step paths", paths.Rows, steps)
	}
	pairs := paths.Rows / steps
	if ends == nil {
		marked := make([]bool, paths.Rows)
		for p := range pairs {
			marked[p*steps], marked[p*steps+steps-1] = true, true
		}
		g := Grid{Images: paths, Shape: shape, Cols: steps, RowLabels: rowLabels, Marked: marked, Options: opt}
		return g.Figure()
	}
	if ends.Rows != 2*pairs || ends.Cols != paths.Cols {
		return nil, fmt.Errorf("viz: %d×%d end images for %d paths of %d values (want 2 per path)", ends.Rows, ends.Cols, pairs, paths.Cols)
	}
	all := mat32.New(paths.Rows+ends.Rows, paths.Cols)
	copy(all.Data, paths.Data)
	copy(all.Data[len(paths.Data):], ends.Data)
	cols := steps + 2
	index := make([]int, 0, pairs*cols)
	marked := make([]bool, 0, pairs*cols)
	for p := range pairs {
		index = append(index, paths.Rows+2*p)
		marked = append(marked, true)
		for s := range steps {
			index = append(index, p*steps+s)
			marked = append(marked, false)
		}
		index = append(index, paths.Rows+2*p+1)
		marked = append(marked, true)
	}
	g := Grid{Images: all, Shape: shape, Cols: cols, Index: index, RowLabels: rowLabels, Marked: marked,
		GapAfterCols: []int{0, steps}, Options: opt}
	return g.Figure()
}

// Traversals draws latent traversals: one grid row per latent dimension
// (in the caller's order, e.g. sorted by KL), one column per value the
// dimension is set to. frames holds len(values) images per row, row after
// row; rowLabels (nil or one per row) name the rows, e.g. "z3 (KL 2.1)".
// Columns are headed by the values.
func Traversals(frames *mat32.Dense, shape dataset.ImageShape, values []float64, rowLabels []string, opt GridOptions) (*Figure, error) {
	if frames == nil || frames.Rows == 0 {
		return nil, fmt.Errorf("viz: no images to draw")
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("viz: a traversal needs at least one value")
	}
	if frames.Rows%len(values) != 0 {
		return nil, fmt.Errorf("viz: %d images is not a whole number of rows of %d values", frames.Rows, len(values))
	}
	heads := make([]string, len(values))
	for i, v := range values {
		heads[i] = strconv.FormatFloat(v, 'g', 3, 64)
	}
	g := Grid{Images: frames, Shape: shape, Cols: len(values), RowLabels: rowLabels, ColLabels: heads, Options: opt}
	return g.Figure()
}
