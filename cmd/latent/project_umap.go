package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/reduce/umap"
)

func init() {
	registerProjectMethod(projectMethod{
		name:    "umap",
		summary: "uniform manifold approximation and projection (umap-learn's algorithm)",
		help: `umap: --neighbors is the neighbourhood size counting the point itself (15),
--min-dist how tightly points may pack (0.1), --spread the scale (1);
--metric euclidean, cosine or correlation; --init spectral (default), random
or pca; --epochs 0 means 500 up to 10,000 rows, else 200. --supervised fits
with the input's labels (from the file or --labels; -1 or empty = unknown),
weighted by --target-weight (0.5). The result is the same for a --seed at any
--threads. --save-model keeps the training rows, their embedding and
neighbours; --model embeds new rows into a saved model's fixed embedding.
`,
		new: func() projector { return &umapProjector{} },
	})
}

type umapProjector struct {
	neighbors    int
	minDist      float64
	spread       float64
	metric       string
	epochs       int
	supervised   bool
	targetWeight float64
	fs           *pflag.FlagSet
}

// umapFitFlags are the flags that shape a fit; a saved model fixes them.
var umapFitFlags = []string{"neighbors", "min-dist", "spread", "metric", "init", "epochs", "supervised", "target-weight"}

func (p *umapProjector) flags(fs *pflag.FlagSet) {
	p.fs = fs
	d := umap.DefaultOptions()
	fs.IntVar(&p.neighbors, "neighbors", d.Neighbors, "UMAP: neighbourhood size, counting the point itself")
	fs.Float64Var(&p.minDist, "min-dist", d.MinDist, "UMAP: smallest distance between embedded points")
	fs.Float64Var(&p.spread, "spread", d.Spread, "UMAP: scale of the embedded points")
	fs.StringVar(&p.metric, "metric", d.Metric, "UMAP: input metric ("+strings.Join(umap.Metrics, ", ")+")")
	fs.IntVar(&p.epochs, "epochs", 0, "UMAP: optimisation epochs (0 = 500 up to 10,000 rows, else 200)")
	fs.BoolVar(&p.supervised, "supervised", false, "UMAP: use the input's labels as the target")
	fs.Float64Var(&p.targetWeight, "target-weight", d.TargetWeight, "UMAP: weight of the labels in a supervised fit, 0 to 1")
}

// umapDetails is the "result" of --json.
type umapDetails struct {
	Features     int     `json:"features"`
	Components   int     `json:"components"`
	FittedRows   int     `json:"fitted_rows"`
	Neighbors    int     `json:"neighbors"`
	MinDist      float64 `json:"min_dist"`
	Spread       float64 `json:"spread"`
	A            float64 `json:"a"`
	B            float64 `json:"b"`
	Metric       string  `json:"metric"`
	Init         string  `json:"init"`
	Epochs       int     `json:"epochs"`
	Supervised   bool    `json:"supervised"`
	TargetWeight float64 `json:"target_weight,omitempty"`
	Model        string  `json:"model,omitempty"`
	SavedModel   string  `json:"saved_model,omitempty"`
}

// options checks the flags and returns the fit's options.
func (p *umapProjector) options(req *projectRequest) (umap.Options, error) {
	o := umap.DefaultOptions()
	metric, err := umap.ParseMetric(p.metric)
	if err != nil {
		return o, usagef("--metric: %v", strings.TrimPrefix(err.Error(), "umap: "))
	}
	init := req.init
	if init == "" {
		init = o.Init
	}
	switch {
	case p.neighbors < 2:
		return o, usagef("--neighbors must be at least 2, got %d", p.neighbors)
	case !(p.spread > 0):
		return o, usagef("--spread must be positive, got %g", p.spread)
	case !(p.minDist >= 0):
		return o, usagef("--min-dist must be ≥ 0, got %g", p.minDist)
	case p.minDist > p.spread:
		return o, usagef("--min-dist %g is larger than --spread %g", p.minDist, p.spread)
	case p.epochs < 0:
		return o, usagef("--epochs must be ≥ 0 (0 = default), got %d", p.epochs)
	case !(p.targetWeight >= 0 && p.targetWeight <= 1):
		return o, usagef("--target-weight must be in [0, 1], got %g", p.targetWeight)
	case init != umap.InitSpectral && init != umap.InitRandom && init != umap.InitPCA:
		return o, usagef("--init must be spectral, random or pca for UMAP, got %q", init)
	}
	o.Neighbors, o.MinDist, o.Spread, o.Metric = p.neighbors, p.minDist, p.spread, metric
	o.Init, o.Epochs, o.TargetWeight = init, p.epochs, p.targetWeight
	o.Components, o.Seed, o.Progress = req.dims, req.seed, req.progress
	return o, nil
}

func (p *umapProjector) project(ctx context.Context, req *projectRequest) (*projectResult, error) {
	var model *umap.UMAP
	var z *mat32.Dense
	var src *dataset.Dataset
	var err error
	if req.model != "" {
		if err := fixedByModel(p.fs, umapFitFlags); err != nil {
			return nil, err
		}
		if model, err = umap.Load(req.model); err != nil {
			return nil, err
		}
		feat, k := model.Dims()
		if req.dimsSet && req.dims != k {
			return nil, usagef("--dims %d, but the model %s has %d components", req.dims, req.model, k)
		}
		if src, err = req.modelData(feat); err != nil {
			return nil, err
		}
		if z, err = model.Transform(ctx, nil, src.X, req.progress); err != nil {
			return nil, fmt.Errorf("%s: %w", req.dataPath, err)
		}
	} else {
		o, err := p.options(req)
		if err != nil {
			return nil, err
		}
		if src, err = req.data(); err != nil {
			return nil, err
		}
		if p.supervised {
			if src.Labels == nil {
				return nil, usagef("--supervised needs labels: %s has none (give --labels FILE or --label-column)", req.dataPath)
			}
			o.Labels = src.Labels
		}
		model = &umap.UMAP{}
		if z, err = model.FitTransform(ctx, nil, src.X, o); err != nil {
			return nil, fmt.Errorf("%s: %w", req.dataPath, err)
		}
	}
	o := model.Options()
	a, b := model.AB()
	feat, k := model.Dims()
	det := umapDetails{
		Features: feat, Components: k, FittedRows: model.Samples(),
		Neighbors: o.Neighbors, MinDist: o.MinDist, Spread: o.Spread, A: a, B: b,
		Metric: o.Metric, Init: o.Init, Epochs: o.Epochs, Supervised: p.supervised && req.model == "",
		Model: req.model,
	}
	if det.Supervised {
		det.TargetWeight = o.TargetWeight
	}
	if req.saveModel != "" {
		if err := model.Save(req.saveModel); err != nil {
			return nil, err
		}
		det.SavedModel = req.saveModel
	}
	return &projectResult{
		embedding: embeddingOf(src, z, "-umap"),
		details:   det,
		print:     func(w io.Writer) { printUMAP(w, det, z.Rows) },
	}, nil
}

func printUMAP(w io.Writer, d umapDetails, rows int) {
	if d.Model != "" {
		fmt.Fprintf(w, "UMAP model %s (fitted on %d rows): embedded %d new rows × %d features → %d\n",
			d.Model, d.FittedRows, rows, d.Features, d.Components)
	} else {
		kind := ""
		if d.Supervised {
			kind = fmt.Sprintf(", supervised (target weight %g)", d.TargetWeight)
		}
		fmt.Fprintf(w, "UMAP: %d rows × %d features → %d%s\n", d.FittedRows, d.Features, d.Components, kind)
	}
	fmt.Fprintf(w, "neighbors %d, min-dist %g, spread %g (a=%.4f, b=%.4f), metric %s, init %s, %d epochs\n",
		d.Neighbors, d.MinDist, d.Spread, d.A, d.B, d.Metric, d.Init, d.Epochs)
	if d.SavedModel != "" {
		fmt.Fprintf(w, "saved the model to %s\n", d.SavedModel)
	}
}
