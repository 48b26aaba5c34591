package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/viz"
)

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// page is what the template renders.
type page struct {
	*Report
	DataLine string
	Compare  bool
	Table    []viewRow
	Sections []viewSection
	Smooth   smoothView
}

type viewRow struct {
	Row
	Win bool
}

type viewSection struct {
	ID, Title, Intro string
	Rows             []viewFigRow
}

type viewFigRow struct {
	Label string
	Cells []viewCell
}

type viewCell struct {
	Model string
	Fig   *Figure
}

type smoothView struct {
	Heads []string
	Rows  []smoothRow
}

type smoothRow struct {
	Name, Definition string
	Values           []string
}

// WriteHTML writes the report as one self-contained HTML page: styles
// inline, every image a data: URI, no script and nothing fetched.
func (r *Report) WriteHTML(w io.Writer) error {
	p := &page{Report: r, Compare: len(r.Models) == 2}
	p.DataLine = dataLine(r)
	for _, row := range r.Table {
		p.Table = append(p.Table, viewRow{Row: row, Win: strings.HasSuffix(row.Verdict, " is better")})
	}
	p.Sections = sections(r)
	p.Smooth = smoothTable(r)
	return pageTemplate.Execute(w, p)
}

// WriteJSON writes the report's figures (not its images) as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func dataLine(r *Report) string {
	d := r.Data
	s := fmt.Sprintf("Data: %s — %s rows", d.Name, viz.Thousands(d.Rows))
	if d.Used < d.Rows {
		s += fmt.Sprintf(" (%s used)", viz.Thousands(d.Used))
	}
	s += fmt.Sprintf(" of %d values", d.Dim)
	if d.Image.IsImage() {
		s += fmt.Sprintf(" (%d×%d×%d images)", d.Image.Height, d.Image.Width, d.Image.Channels)
	}
	switch n := len(d.Classes); {
	case n > 0 && n <= 12:
		s += fmt.Sprintf(", %d classes (%s)", n, strings.Join(d.Classes, ", "))
	case n > 12:
		s += fmt.Sprintf(", %d classes", n)
	}
	set := r.Settings
	return s + fmt.Sprintf(". Seed %d, k = %d, maps: %s.", set.Seed, set.K, methodList(set.Methods))
}

func methodList(ms []string) string {
	if len(ms) == 0 {
		return "none"
	}
	var names []string
	for _, m := range ms {
		names = append(names, methodName(m))
	}
	return strings.Join(names, ", ")
}

// sections lays out the page: the tables, then one row of pictures per
// view, a column per model.
func sections(r *Report) []viewSection {
	one := func(get func(*ModelReport) *Figure) []viewFigRow {
		row := viewFigRow{}
		for _, m := range r.Models {
			row.Cells = append(row.Cells, viewCell{Model: m.Name, Fig: get(m)})
		}
		return []viewFigRow{row}
	}
	s := []viewSection{
		{ID: "metrics", Title: "Metrics", Intro: metricsIntro(r)},
		{ID: "card", Title: "Model card", Intro: "What each model is and how it was trained, from the model file."},
		{ID: "curves", Title: "Training curves", Intro: "The loss per epoch on the training rows and, when the model kept some back, on the validation rows: a validation curve that turns up while the training curve keeps falling is overfitting.",
			Rows: one(func(m *ModelReport) *Figure { return m.Curves })},
	}
	if r.Image {
		s = append(s,
			viewSection{ID: "reconstructions", Title: "Reconstructions", Intro: "The same rows for every model: each original above its reconstruction decode(encode(x)).",
				Rows: one(func(m *ModelReport) *Figure { return m.Recon })},
			viewSection{ID: "samples", Title: "Samples", Intro: "New rows decoded from codes drawn from the model's prior: N(0, I) for a VAE, a Gaussian fitted to the training codes for an autoencoder. Where the prior puts codes the decoder never saw, samples come out as smudges.",
				Rows: one(func(m *ModelReport) *Figure { return m.Samples })},
			viewSection{ID: "interpolations", Title: "Interpolations", Intro: "Between the codes of two rows of different classes: lerp walks the straight line, slerp the great circle that keeps the codes' norm. A smooth space morphs one item into the other; holes show as sudden jumps or as images that belong to neither.",
				Rows: one(func(m *ModelReport) *Figure { return m.Interp })},
			viewSection{ID: "traversals", Title: "Traversals", Intro: "What single code dimensions encode: the code of one row, one dimension at a time swept across its range, the dimensions carrying the most information first.",
				Rows: one(func(m *ModelReport) *Figure { return m.Traversal })},
		)
	}
	maps := viewSection{ID: "maps", Title: "Maps of the codes", Intro: "The codes (μ) of the rows projected to two dimensions, coloured by label. Classes that stay together in the map sit together in the code space; the caption gives the map's trustworthiness against the codes themselves, how far the flat picture can be believed."}
	for i, method := range r.Settings.Methods {
		row := viewFigRow{Label: methodName(method)}
		for _, m := range r.Models {
			var f *Figure
			if i < len(m.Maps) {
				f = m.Maps[i]
			}
			row.Cells = append(row.Cells, viewCell{Model: m.Name, Fig: f})
		}
		maps.Rows = append(maps.Rows, row)
	}
	if len(maps.Rows) > 0 {
		s = append(s, maps)
	}
	kl := viewSection{ID: "kl", Title: "KL per dimension", Intro: "How much each code dimension of a VAE tells about its row, in nats: dimensions near zero carry nothing (the posterior equals the prior) and are inactive. An autoencoder has no posterior, hence no bars.",
		Rows: one(func(m *ModelReport) *Figure {
			if m.KL == nil {
				return &Figure{Missing: "No KL: " + m.Name + " has no posterior distribution (it is not a VAE)."}
			}
			return m.KL
		})}
	s = append(s, kl,
		viewSection{ID: "smoothness", Title: "Smoothness in detail", Intro: smoothIntro(r)})
	return s
}

func metricsIntro(r *Report) string {
	s := fmt.Sprintf("Measured on the %s rows of %s.", viz.Thousands(r.Data.Used), r.Data.Name)
	if len(r.Models) == 2 {
		s += fmt.Sprintf(" The verdict names the better model when the two differ by more than %.1f%% (for the smoothness rows, measured on the same pairs, when the mean difference per pair exceeds twice its standard error).", 100*EvenTolerance)
	}
	return s
}

func smoothIntro(r *Report) string {
	set := r.Settings
	return fmt.Sprintf("For %d pairs of rows drawn at random with seed %d (the same pairs for every model and for lerp and slerp), %d points t_j = j/%d are decoded along the path between the two codes, and d_j is the euclidean distance between consecutive decoded rows, in data units. "+
		"Our ratio is max_j d_j / mean_j d_j (1 = even steps). The anchor benchmark (anchors/bench_interp.py) reports step_ratio = max_j d_j / Σ_j d_j, which is our ratio divided by %d, straightness = ‖x_last − x_first‖ / Σ_j d_j and step_cv = std_j d_j / mean_j d_j; they are given here so the figures can be set side by side. "+
		"Midpoints: each pair's code at t = ½ decoded, its distance to the nearest of the %s rows used, over δ, the median distance from one of those rows to its nearest other row.",
		set.SmoothPairs, set.Seed, set.SmoothSteps, set.SmoothSteps-1, set.SmoothSteps-1, viz.Thousands(r.Data.Used))
}

// smoothTable lays out every smoothness figure, a column per model and
// method.
func smoothTable(r *Report) smoothView {
	var v smoothView
	type col struct{ res *metrics.SmoothnessResult }
	var cols []col
	for _, m := range r.Models {
		for _, c := range []struct {
			name string
			res  *metrics.SmoothnessResult
		}{{"lerp", m.Metrics.Lerp}, {"slerp", m.Metrics.Slerp}} {
			if c.res != nil {
				v.Heads = append(v.Heads, m.Name+" "+c.name)
				cols = append(cols, col{c.res})
			}
		}
	}
	if len(cols) == 0 {
		return v
	}
	add := func(name, def string, f func(*metrics.SmoothnessResult) string) {
		row := smoothRow{Name: name, Definition: def}
		for _, c := range cols {
			row.Values = append(row.Values, f(c.res))
		}
		v.Rows = append(v.Rows, row)
	}
	g := func(format string, f func(*metrics.SmoothnessResult) float64) func(*metrics.SmoothnessResult) string {
		return func(r *metrics.SmoothnessResult) string { return fmt.Sprintf(format, f(r)) }
	}
	add("ratio, mean", "max_j d_j / mean_j d_j averaged over the pairs", g("%.4f", func(r *metrics.SmoothnessResult) float64 { return r.RatioMean }))
	add("ratio, max", "the largest over the pairs", g("%.4f", func(r *metrics.SmoothnessResult) float64 { return r.RatioMax }))
	add("anchor step_ratio, mean", "max_j d_j / Σ_j d_j (perfectly even: 1/(T − 1))", g("%.4f", func(r *metrics.SmoothnessResult) float64 { return r.StepRatioMean }))
	add("anchor step_ratio, max", "", g("%.4f", func(r *metrics.SmoothnessResult) float64 { return r.StepRatioMax }))
	add("straightness, mean", "‖x_last − x_first‖ / Σ_j d_j (1 = a straight line in data space)", g("%.4f", func(r *metrics.SmoothnessResult) float64 { return r.StraightnessMean }))
	add("straightness, min", "", g("%.4f", func(r *metrics.SmoothnessResult) float64 { return r.StraightnessMin }))
	add("step_cv, mean", "population std_j d_j / mean_j d_j", g("%.4f", func(r *metrics.SmoothnessResult) float64 { return r.StepCVMean }))
	add("step_cv, max", "", g("%.4f", func(r *metrics.SmoothnessResult) float64 { return r.StepCVMax }))
	add("code distance, mean", "‖z_b − z_a‖ over the pairs: the scale of the code space", g("%.3f", func(r *metrics.SmoothnessResult) float64 { return r.LatentDistMean }))
	add("midpoint ratio, mean", "distance of the decoded midpoint to the nearest row, over δ", g("%.3f", func(r *metrics.SmoothnessResult) float64 { return r.MidpointMean }))
	add("midpoint ratio, median", "", g("%.3f", func(r *metrics.SmoothnessResult) float64 { return r.MidpointMedian }))
	add("midpoint ratio, max", "", g("%.3f", func(r *metrics.SmoothnessResult) float64 { return r.MidpointMax }))
	add("decoded ends ratio, mean", "the same for the decoded ends of the pairs (the reconstructions)", g("%.3f", func(r *metrics.SmoothnessResult) float64 { return r.EndpointMean }))
	add("δ", "median nearest-neighbour distance among the rows used", g("%.3f", func(r *metrics.SmoothnessResult) float64 { return r.RefNNMedian }))
	add("pairs", "pairs scored (pairs whose decoded path does not move are left out)", func(r *metrics.SmoothnessResult) string {
		return fmt.Sprintf("%d of %d", r.Pairs-r.Static, r.Pairs)
	})
	return v
}
