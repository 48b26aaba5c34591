package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/progress"
)

// Defaults of Options.
const (
	// DefaultMaxPoints is the number of rows a report measures and maps
	// when Options.MaxPoints is 0.
	DefaultMaxPoints = 5000
	// DefaultK is the neighbour count of the neighbourhood metrics and
	// the kNN classifier.
	DefaultK = metrics.DefaultK
)

// The projection methods a report can map the codes with.
const (
	PCA  = "pca"
	TSNE = "tsne"
	UMAP = "umap"
)

// Methods lists the projection methods, in the order the report shows them.
var Methods = []string{PCA, TSNE, UMAP}

// MaxModels is the number of models one report compares.
const MaxModels = 2

// Options tune Build. The zero value measures up to DefaultMaxPoints rows
// with k = 10, maps them with PCA, t-SNE and UMAP, and judges smoothness
// on 100 pairs of 16 points, all from seed 0.
type Options struct {
	// Title heads the page; "" makes one from the models' names.
	Title string
	// Methods lists the projections of the codes to draw (PCA, TSNE,
	// UMAP); nil means all three.
	Methods []string
	// MaxPoints is the number of data rows the report uses, drawn
	// without replacement with Seed when the data have more; 0 means
	// DefaultMaxPoints. Every figure and metric is computed on these rows.
	MaxPoints int
	// K is the neighbour count of trustworthiness, continuity and kNN
	// accuracy; 0 means DefaultK.
	K int
	// SmoothPairs and SmoothSteps are the N pairs and T points per pair
	// of the smoothness metric; 0 means metrics.DefaultSmoothPairs and
	// metrics.DefaultSmoothSteps.
	SmoothPairs, SmoothSteps int
	// Seed draws the rows, the pairs, the samples and seeds the maps.
	Seed uint64
	// Progress, when not nil, receives a report at each stage and the
	// progress of the long ones (t-SNE, UMAP, metrics).
	Progress progress.Func
}

// Subject is a model to report on, with the name the page calls it by.
type Subject struct {
	// Name is shown in headings and the metrics table, e.g. "fashion-vae".
	Name string
	// Model is the trained model.
	Model model.Model
}

// Report is a finished report: everything the page shows, computed. It
// renders to HTML (WriteHTML) and serialises to JSON (the figures' images
// are left out of the JSON).
type Report struct {
	// Title heads the page.
	Title string `json:"title"`
	// Data describes the data the models were measured on.
	Data DataInfo `json:"data"`
	// Settings are the options the figures were made with.
	Settings Settings `json:"settings"`
	// Models holds one section per model, in the order given.
	Models []*ModelReport `json:"models"`
	// Table is the metrics table: one row per metric, one value per model.
	Table []Row `json:"table"`
	// Notes are remarks about the whole report (what was left out, why).
	Notes []string `json:"notes,omitempty"`
	// Image says whether the rows are images (and the image views shown).
	Image bool `json:"image"`
}

// DataInfo describes the data of a report.
type DataInfo struct {
	// Name is the data's name (usually its file).
	Name string `json:"name"`
	// Rows is the number of rows in the data and Used the number the
	// report drew and measured.
	Rows int `json:"rows"`
	Used int `json:"used"`
	// Dim is the number of values per row; Image the image layout, if any.
	Dim   int                `json:"dim"`
	Image dataset.ImageShape `json:"image"`
	// Classes names the classes, Labelled counts the labelled rows used.
	Classes  []string `json:"classes,omitempty"`
	Labelled int      `json:"labelled"`
}

// Settings are the options a report was made with, defaults filled in.
type Settings struct {
	Methods     []string `json:"methods"`
	MaxPoints   int      `json:"max_points"`
	K           int      `json:"k"`
	SmoothPairs int      `json:"smooth_pairs"`
	SmoothSteps int      `json:"smooth_steps"`
	Seed        uint64   `json:"seed"`
}

// Build computes a report on one or two models (a comparison) over the
// data d: it checks that every model reads rows of d's width, draws the
// rows to use, encodes them, and computes the figures and metrics that
// the package documentation lists. It returns an error for no model or
// more than MaxModels, a model whose input width differs from the data's,
// data with NaN or ±Inf values or fewer than 2·K+1 rows, an unknown
// method, and ctx.Err() when ctx is cancelled. Views a model or the data
// cannot support (image grids of non-image rows, maps of a model without
// an encoder, label metrics without labels) are left out with a note.
func Build(ctx context.Context, d *dataset.Dataset, subjects []Subject, opt Options) (*Report, error) {
	if len(subjects) == 0 {
		return nil, errors.New("report: no model to report on")
	}
	if len(subjects) > MaxModels {
		return nil, fmt.Errorf("report: %d models: a report compares at most %d", len(subjects), MaxModels)
	}
	if d == nil || d.X == nil || d.X.Rows == 0 {
		return nil, errors.New("report: no data")
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	name := d.Name
	if name == "" {
		name = "the data"
	}
	if err := dataset.CheckFinite(name, d.X); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	s, err := settings(opt)
	if err != nil {
		return nil, err
	}
	if d.Len() < 2*s.K+2 {
		return nil, fmt.Errorf("report: %s has %d rows; the neighbourhood metrics with k = %d need at least %d", name, d.Len(), s.K, 2*s.K+2)
	}
	seen := map[string]bool{}
	for i, sub := range subjects {
		if sub.Model == nil {
			return nil, fmt.Errorf("report: model %d is missing", i+1)
		}
		if sub.Name == "" {
			return nil, fmt.Errorf("report: model %d has no name", i+1)
		}
		if seen[sub.Name] {
			return nil, fmt.Errorf("report: two models are called %q", sub.Name)
		}
		seen[sub.Name] = true
		if in := sub.Model.InputShape(); in.Dim != d.Dim() {
			return nil, fmt.Errorf("report: model %s reads rows of %v but %s has %d values per row: the model was trained on other data", sub.Name, in, name, d.Dim())
		}
	}
	b := &builder{ctx: ctx, opt: opt, set: s, prog: opt.Progress}
	b.stages = len(subjects) * (6 + len(s.Methods))
	r, err := b.build(d, subjects)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// settings checks opt and fills in its defaults.
func settings(opt Options) (Settings, error) {
	s := Settings{Methods: Methods, MaxPoints: opt.MaxPoints, K: opt.K, SmoothPairs: opt.SmoothPairs,
		SmoothSteps: opt.SmoothSteps, Seed: opt.Seed}
	if opt.Methods != nil {
		s.Methods = nil
		for _, m := range opt.Methods {
			m = strings.ToLower(strings.TrimSpace(m))
			if !slices.Contains(Methods, m) {
				return s, fmt.Errorf("report: unknown projection method %q (want %s)", m, strings.Join(Methods, ", "))
			}
			if !slices.Contains(s.Methods, m) {
				s.Methods = append(s.Methods, m)
			}
		}
	}
	if s.MaxPoints == 0 {
		s.MaxPoints = DefaultMaxPoints
	}
	if s.K == 0 {
		s.K = DefaultK
	}
	if s.SmoothPairs == 0 {
		s.SmoothPairs = metrics.DefaultSmoothPairs
	}
	if s.SmoothSteps == 0 {
		s.SmoothSteps = metrics.DefaultSmoothSteps
	}
	switch {
	case s.MaxPoints < 0:
		return s, fmt.Errorf("report: at most %d points: want a positive number", s.MaxPoints)
	case s.K < 1:
		return s, fmt.Errorf("report: k = %d: want at least 1", s.K)
	case s.SmoothPairs < 1:
		return s, fmt.Errorf("report: %d smoothness pairs: want at least 1", s.SmoothPairs)
	case s.SmoothSteps < 3:
		return s, fmt.Errorf("report: %d points per interpolation: want at least 3", s.SmoothSteps)
	}
	if s.MaxPoints < 2*s.K+2 {
		return s, fmt.Errorf("report: at most %d points is too few for k = %d (need at least %d)", s.MaxPoints, s.K, 2*s.K+2)
	}
	return s, nil
}
