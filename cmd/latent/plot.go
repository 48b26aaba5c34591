package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/viz"
)

func init() { register(newPlotCmd) }

// plotReport is the --json output.
type plotReport struct {
	Kind    string `json:"kind"`
	Input   string `json:"input"`
	Out     string `json:"out"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Rows    int    `json:"rows"`
	Skipped int    `json:"skipped"`
	Caption string `json:"caption,omitempty"`
}

func newPlotCmd(a *app) *cobra.Command {
	var (
		load                            formats.Options
		data, out, colorBy, title       string
		thumbs, axisLabels              string
		grid, cols, scale, w, h, maxCat int
		radius, alpha                   float64
	)
	cmd := &cobra.Command{
		Use:   "plot --data FILE --out FILE.png|FILE.svg [--color-by COLUMN | --grid N]",
		Short: "Draw a scatter of a 2-D/3-D embedding, or a grid of a dataset's images",
		Long: `plot draws a picture of --data into --out (PNG or SVG, from the extension).

Without --grid, --data is an embedding with 2 or 3 columns (e.g. the output of
"latent project"): each row is drawn as a point, coloured by its label (from
the file or --labels) or by a metadata column (--color-by COLUMN: categories
get a legend, a numeric column with many values a colour bar). 3-D points are
drawn as three panels (dimensions 1-2, 1-3, 2-3). Points are drawn in an order
shuffled by --seed so that no class hides another; points with NaN
coordinates are left out and counted. --thumbnails IMAGES draws the images of
IMAGES (one row per point of --data) at their coordinates, one per cell.

With --grid N, --data must hold images (IDX, image folders, ...): N of its
rows, chosen by --seed, are drawn in a grid with their labels as captions.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return usagef("no input: give --data FILE")
			}
			if out == "" {
				return usagef("no output: give --out FILE.png or FILE.svg")
			}
			if _, err := viz.FormatOf(out); err != nil {
				return usagef("--out %s: want a .png or .svg file", out)
			}
			if grid < 0 || cols < 0 || scale < 0 || w < 0 || h < 0 || maxCat < 0 {
				return usagef("--grid, --cols, --scale, --width, --height and --max-categories must not be negative")
			}
			if grid > 0 && (colorBy != "" || thumbs != "") {
				return usagef("--grid draws images; --color-by and --thumbnails apply to scatters")
			}
			if grid == 0 && (cols > 0 || scale > 0) {
				return usagef("--cols and --scale apply to --grid")
			}
			d, err := loadData(data, load)
			if err != nil {
				return err
			}
			rep := plotReport{Input: data, Out: out, Rows: d.Len()}
			var fig *viz.Figure
			if grid > 0 {
				rep.Kind = "grid"
				fig, err = plotGrid(d, data, grid, cols, scale, title, a.seed)
			} else {
				opt := viz.ScatterOptions{Width: w, Height: h, Title: title, Radius: radius, Alpha: alpha,
					Seed: a.seed, MaxCategories: maxCat}
				if axisLabels != "" {
					opt.AxisLabels = strings.Split(axisLabels, ",")
				}
				rep.Kind = "scatter"
				if thumbs != "" {
					rep.Kind = "thumbnails"
				}
				fig, err = plotScatter(d, data, colorBy, thumbs, opt)
			}
			if err != nil {
				return err
			}
			if err := cmd.Context().Err(); err != nil {
				return err
			}
			if err := fig.Save(out); err != nil {
				return err
			}
			rep.Width, rep.Height, rep.Skipped, rep.Caption = fig.Width, fig.Height, fig.Skipped, fig.Caption
			if a.json {
				return writeJSON(a.stdout, rep)
			}
			fmt.Fprintf(a.stdout, "wrote %s: %s of %d rows, %d×%d pixels\n", out, rep.Kind, rep.Rows, rep.Width, rep.Height)
			if fig.Caption != "" {
				fmt.Fprintln(a.stdout, fig.Caption)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&data, "data", "", "embedding (2 or 3 columns) to scatter, or images for --grid")
	fs.StringVar(&out, "out", "", "output picture: FILE.png or FILE.svg")
	fs.StringVar(&colorBy, "color-by", "", `colour points by this metadata column ("label": the labels)`)
	fs.StringVar(&thumbs, "thumbnails", "", "draw the images of this dataset (one row per point) at the points")
	fs.IntVar(&grid, "grid", 0, "draw N images of --data in a grid instead of a scatter")
	fs.IntVar(&cols, "cols", 0, "grid: images per row (0 = about square)")
	fs.IntVar(&scale, "scale", 0, "grid: integer upscaling of each image (0 = at least 48 pixels)")
	fs.StringVar(&title, "title", "", "title above the picture")
	fs.StringVar(&axisLabels, "axis-labels", "", `scatter: comma-separated axis names, e.g. "PC 1,PC 2"`)
	fs.IntVar(&w, "width", 0, "scatter: width in pixels (0 = 960, or 1500 for 3-D)")
	fs.IntVar(&h, "height", 0, "scatter: height in pixels (0 = 800, or 560 for 3-D)")
	fs.Float64Var(&radius, "point-size", 0, "scatter: point radius in pixels (0 = from the number of points)")
	fs.Float64Var(&alpha, "alpha", 0, "scatter: point opacity in (0,1] (0 = from the number of points)")
	fs.IntVar(&maxCat, "max-categories", 0, "scatter: categories with their own colour; the rest share \"other\" (0 = 20)")
	addLoadFlags(fs, &load, "")
	return cmd
}

// plotScatter draws the scatter or thumbnail scatter of an embedding.
func plotScatter(d *dataset.Dataset, path, colorBy, thumbs string, opt viz.ScatterOptions) (*viz.Figure, error) {
	if c := d.Dim(); c != 2 && c != 3 {
		return nil, fmt.Errorf("%s has %d columns: a scatter needs 2 or 3 (reduce it first, e.g. latent project --dims 2)", path, c)
	}
	colors := viz.ByLabels(d)
	if colorBy != "" {
		var err error
		if colorBy == "label" && d.MetaColumn("label") == nil {
			if !d.HasLabels() {
				return nil, fmt.Errorf("%s has no labels to colour by (give --labels FILE)", path)
			}
		} else if colors, err = viz.ByColumn(d, colorBy); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if thumbs == "" {
		fig, err := viz.Scatter(d.X, colors, opt)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return fig, nil
	}
	imgs, err := formats.Load(thumbs, formats.Options{})
	if err != nil {
		return nil, err
	}
	if imgs.Len() != d.Len() {
		return nil, fmt.Errorf("%s has %d rows but %s has %d points", thumbs, imgs.Len(), path, d.Len())
	}
	fig, err := viz.ThumbnailScatter(d.X, imgs.X, imgs.Image, colors, viz.ThumbnailOptions{ScatterOptions: opt, Range: imageRange(imgs)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", thumbs, err)
	}
	return fig, nil
}

// plotGrid draws n images of d, sampled by seed, captioned by label.
func plotGrid(d *dataset.Dataset, path string, n, cols, scale int, title string, seed uint64) (*viz.Figure, error) {
	if !d.Image.IsImage() {
		return nil, fmt.Errorf("%s: %w: its rows (%d values) have no image shape; --grid needs images (IDX, an image folder, ...)", path, viz.ErrNotImage, d.Dim())
	}
	if d.Len() == 0 {
		return nil, fmt.Errorf("%s holds no rows", path)
	}
	n = min(n, d.Len())
	idx := dataset.SampleIndices(d.Len(), n, seed)
	sub := d.Subset(idx)
	var caps []string
	if sub.HasLabels() {
		caps = make([]string, n)
		for i := range caps {
			caps[i] = sub.Label(i)
		}
	}
	fig, err := viz.ImageGrid(sub.X, d.Image, gridCols(cols, n), caps, viz.GridOptions{Title: title, Scale: scale, Range: imageRange(d)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fig, nil
}

// imageRange is the value range to draw a dataset's images in: [0, 1] for
// data read from 8-bit files (scaled on reading), else the values' range
// when it is wider than [0, 1] (NaN and ±Inf left out).
func imageRange(d *dataset.Dataset) [2]float32 {
	lo, hi, _ := mat32.MinMax(d.X.Data)
	return [2]float32{min(lo, 0), max(hi, 1)}
}
