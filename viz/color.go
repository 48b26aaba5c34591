package viz

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"

	"github.com/latentlab/latent/dataset"
)

// Colors says how the points of a scatter are coloured: by category
// (Labels indexing Classes) or, when Labels is nil, by a number (Values).
// The zero value draws every point in one colour, without a legend.
type Colors struct {
	// Title heads the legend or the colour bar, e.g. "label".
	Title string
	// Labels holds a class index into Classes per point, or
	// dataset.NoLabel for a point without one (drawn grey, beneath).
	Labels  []int
	Classes []string
	// Values holds a number per point for a continuous colour map; NaN
	// marks a missing value (drawn grey, beneath). Used when Labels is nil.
	Values []float64
}

// MaxAutoCategories is the number of distinct values up to which ByColumn
// and ByStrings treat a numeric column as categories (a digit, a rating)
// rather than as a continuous quantity.
const MaxAutoCategories = 12

// ByLabels colours points by the class labels of d (one colour per
// class). It returns the zero Colors when d has no labels.
func ByLabels(d *dataset.Dataset) Colors {
	if d == nil || d.Labels == nil {
		return Colors{}
	}
	return Colors{Title: "label", Labels: d.Labels, Classes: d.Classes}
}

// ByColumn colours points by the metadata column of d called name. A column
// whose non-empty values all parse as finite numbers and that has more than
// MaxAutoCategories distinct values gets a continuous colour map; any other
// column is categorical. The error names the columns d has when name is not
// one of them.
func ByColumn(d *dataset.Dataset, name string) (Colors, error) {
	if d == nil {
		return Colors{}, fmt.Errorf("viz: no dataset to take column %q from", name)
	}
	c := d.MetaColumn(name)
	if c == nil {
		var names []string
		for _, m := range d.Meta {
			names = append(names, strconv.Quote(m.Name))
		}
		have := "it has no metadata columns"
		if len(names) > 0 {
			have = "its columns are " + strings.Join(names, ", ")
		}
		return Colors{}, fmt.Errorf("viz: %s has no metadata column %q: %s", datasetName(d), name, have)
	}
	return ByStrings(name, c.Values), nil
}

func datasetName(d *dataset.Dataset) string {
	if d.Name == "" {
		return "the dataset"
	}
	return d.Name
}

// ByStrings colours points by one string per point, titled title, with the
// rule ByColumn describes; the empty string is a missing value.
func ByStrings(title string, values []string) Colors {
	nums := make([]float64, len(values))
	numeric := true
	distinct := map[string]bool{}
	for i, s := range values {
		s = strings.TrimSpace(s)
		if s == "" {
			nums[i] = math.NaN()
			continue
		}
		distinct[s] = true
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			numeric = false
		}
		nums[i] = v
	}
	if numeric && len(distinct) > MaxAutoCategories {
		return Colors{Title: title, Values: nums}
	}
	var tmp dataset.Dataset
	trimmed := make([]string, len(values))
	for i, s := range values {
		trimmed[i] = strings.TrimSpace(s)
	}
	tmp.SetLabels(trimmed)
	return Colors{Title: title, Labels: tmp.Labels, Classes: tmp.Classes}
}

// check validates c against n points.
func (c *Colors) check(n int) error {
	switch {
	case c.Labels != nil:
		if len(c.Labels) != n {
			return fmt.Errorf("viz: %d labels for %d points", len(c.Labels), n)
		}
		for i, l := range c.Labels {
			if l != dataset.NoLabel && (l < 0 || l >= len(c.Classes)) {
				return fmt.Errorf("viz: point %d: label %d outside the %d classes", i, l, len(c.Classes))
			}
		}
	case c.Values != nil:
		if len(c.Values) != n {
			return fmt.Errorf("viz: %d colour values for %d points", len(c.Values), n)
		}
	}
	return nil
}

// categorical is the category palette: matplotlib's "tab10" followed by the
// light shades of "tab20", the colours most readers of ML plots know.
var categorical = []color.NRGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
	{0xae, 0xc7, 0xe8, 0xff}, {0xff, 0xbb, 0x78, 0xff}, {0x98, 0xdf, 0x8a, 0xff}, {0xff, 0x98, 0x96, 0xff},
	{0xc5, 0xb0, 0xd5, 0xff}, {0xc4, 0x9c, 0x94, 0xff}, {0xf7, 0xb6, 0xd2, 0xff}, {0xc7, 0xc7, 0xc7, 0xff},
	{0xdb, 0xdb, 0x8d, 0xff}, {0x9e, 0xda, 0xe5, 0xff},
}

var (
	missingColor = color.NRGBA{0xb0, 0xb0, 0xb0, 0xff}
	otherColor   = color.NRGBA{0x40, 0x40, 0x40, 0xff}
	singleColor  = color.NRGBA{0x1f, 0x77, 0xb4, 0xff}
	textColor    = color.NRGBA{0x22, 0x22, 0x22, 0xff}
	markColor    = color.NRGBA{0xff, 0x7f, 0x0e, 0xff}
	nanColor     = color.NRGBA{0xff, 0x00, 0xff, 0xff}
)

// CategoryColor returns the colour of the i-th category: the 20 colours of
// the palette, then hues spaced by the golden angle.
func CategoryColor(i int) color.NRGBA {
	if i >= 0 && i < len(categorical) {
		return categorical[i]
	}
	h := math.Mod(float64(i)*137.50776, 360)
	c := palette.HSVA{H: h / 360, S: 0.65, V: 0.8, A: 1}
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}
}

// viridisControls are nine evenly spaced colours of the viridis colour map;
// moreland.NewLuminance interpolates between them keeping luminance linear.
var viridisControls = []color.Color{
	color.NRGBA{0x44, 0x01, 0x54, 0xff}, color.NRGBA{0x47, 0x2d, 0x7b, 0xff}, color.NRGBA{0x3b, 0x52, 0x8b, 0xff},
	color.NRGBA{0x2c, 0x72, 0x8e, 0xff}, color.NRGBA{0x21, 0x91, 0x8c, 0xff}, color.NRGBA{0x28, 0xae, 0x80, 0xff},
	color.NRGBA{0x5e, 0xc9, 0x62, 0xff}, color.NRGBA{0xad, 0xdc, 0x30, 0xff}, color.NRGBA{0xfd, 0xe7, 0x25, 0xff},
}

// Viridis returns a new viridis colour map (dark purple to yellow,
// perceptually even, readable in grey and by colour-blind readers) over
// [0, 1]; set its range with SetMin and SetMax.
func Viridis() palette.ColorMap {
	cm, err := moreland.NewLuminance(viridisControls)
	if err != nil {
		panic("viz: viridis control colours: " + err.Error())
	}
	cm.SetMin(0)
	cm.SetMax(1)
	return cm
}

// pointColors is the colour assignment of one scatter: per point, an index
// into lut (-1 for a missing colour), and what the legend or colour bar
// shows.
type pointColors struct {
	idx []int32
	lut []color.NRGBA
	// legend entries (categorical) in display order.
	legend []legendEntry
	// continuous colouring: the map and its range.
	cmap     palette.ColorMap
	min, max float64
	title    string
	notes    []string
}

type legendEntry struct {
	name  string
	color color.NRGBA
	count int
}

// lutSize is the number of steps a continuous colour map is sampled at.
const lutSize = 256

// resolveColors assigns colours to n points. maxCat is the number of
// categories shown before the rest are merged into "other".
func resolveColors(c Colors, n, maxCat int, cmap palette.ColorMap) (*pointColors, error) {
	if err := c.check(n); err != nil {
		return nil, err
	}
	pc := &pointColors{idx: make([]int32, n), title: c.Title}
	switch {
	case c.Labels != nil:
		counts := make([]int, len(c.Classes))
		missing := 0
		for _, l := range c.Labels {
			if l == dataset.NoLabel {
				missing++
			} else {
				counts[l]++
			}
		}
		// Classes keep their order (and so their colour); when there are
		// too many, the largest keep theirs and the rest become "other".
		shown := make([]int, 0, len(c.Classes))
		for k, cnt := range counts {
			if cnt > 0 {
				shown = append(shown, k)
			}
		}
		slot := make([]int32, len(c.Classes))
		for k := range slot {
			slot[k] = -1
		}
		var merged []int
		if len(shown) > maxCat {
			bySize := slices.Clone(shown)
			slices.SortStableFunc(bySize, func(a, b int) int { return counts[b] - counts[a] })
			keep := map[int]bool{}
			for _, k := range bySize[:maxCat-1] {
				keep[k] = true
			}
			var kept []int
			for _, k := range shown {
				if keep[k] {
					kept = append(kept, k)
				} else {
					merged = append(merged, k)
				}
			}
			shown = kept
		}
		for i, k := range shown {
			slot[k] = int32(i)
			col := CategoryColor(i)
			pc.lut = append(pc.lut, col)
			pc.legend = append(pc.legend, legendEntry{name: c.Classes[k], color: col, count: counts[k]})
		}
		if len(merged) > 0 {
			other := int32(len(pc.lut))
			pc.lut = append(pc.lut, otherColor)
			total := 0
			for _, k := range merged {
				slot[k] = other
				total += counts[k]
			}
			pc.legend = append(pc.legend, legendEntry{name: fmt.Sprintf("other (%d classes)", len(merged)), color: otherColor, count: total})
			pc.notes = append(pc.notes, fmt.Sprintf("%d classes: the %d largest have their own colour, %d more share \"other\"",
				len(shown)+len(merged), len(shown), len(merged)))
		}
		if missing > 0 {
			pc.legend = append(pc.legend, legendEntry{name: "(none)", color: missingColor, count: missing})
		}
		for i, l := range c.Labels {
			if l == dataset.NoLabel {
				pc.idx[i] = -1
			} else {
				pc.idx[i] = slot[l]
			}
		}
	case c.Values != nil:
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range c.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		if lo > hi { // no finite value
			lo, hi = 0, 1
		}
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
		if cmap == nil {
			cmap = Viridis()
		}
		cmap.SetMin(lo)
		cmap.SetMax(hi)
		pc.cmap, pc.min, pc.max = cmap, lo, hi
		pc.lut = make([]color.NRGBA, lutSize)
		for k := range pc.lut {
			v := lo + (hi-lo)*float64(k)/(lutSize-1)
			cc, err := cmap.At(min(max(v, lo), hi))
			if err != nil {
				return nil, fmt.Errorf("viz: colour map at %g: %w", v, err)
			}
			pc.lut[k] = color.NRGBAModel.Convert(cc).(color.NRGBA)
			pc.lut[k].A = 0xff
		}
		missing := 0
		for i, v := range c.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				pc.idx[i] = -1
				missing++
				continue
			}
			pc.idx[i] = int32(math.Round((v - lo) / (hi - lo) * (lutSize - 1)))
		}
		if missing > 0 {
			pc.notes = append(pc.notes, fmt.Sprintf("%s without a finite %s value drawn grey", plural(missing, "point", "points"), orDefault(c.Title, "colour")))
		}
	default:
		pc.lut = []color.NRGBA{singleColor}
	}
	return pc, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// color returns point i's colour and whether it has one.
func (pc *pointColors) color(i int) (color.NRGBA, bool) {
	k := pc.idx[i]
	if k < 0 {
		return missingColor, false
	}
	return pc.lut[k], true
}
