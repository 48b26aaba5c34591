package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/latentlab/latent/reduce/tsne"
)

func init() {
	registerProjectMethod(projectMethod{
		name:    "tsne",
		summary: "t-SNE (FFT-accelerated interpolation or Barnes-Hut), with transform of new rows",
		help: `tsne: t-distributed stochastic neighbour embedding with openTSNE's defaults:
--perplexity 30 (below rows/3) over 3×perplexity neighbours, found after
reducing the input to --pca-components 50 principal components (0: none);
--early-iter 250 iterations at --early-exaggeration 12, then --iter 750;
learning rate max(rows/exaggeration, 50) unless --learning-rate is given.
--gradient auto picks fft for 1 dim and for 2 from 5000 rows, bh otherwise
(exact up to 300 rows);
--theta is the Barnes-Hut accuracy, --dof < 1 gives heavier tails and finer
clusters, --init pca or random. The same --seed gives the same map at
any --threads. With --model, new rows are placed into the saved map with
the map fixed; --perplexity (default 5) and --iter (default 250) then tune
the placement.
`,
		new: func() projector { return &tsneProjector{} },
	})
}

type tsneProjector struct {
	perplexity, earlyEx, lateEx, lr, theta, dof float64
	iter, earlyIter, pcaDims                    int
	gradient                                    string
	fs                                          *pflag.FlagSet
}

func (p *tsneProjector) flags(fs *pflag.FlagSet) {
	p.fs = fs
	fs.Float64Var(&p.perplexity, "perplexity", tsne.DefaultPerplexity, "t-SNE: perplexity (with --model: of the placement, default 5)")
	fs.IntVar(&p.iter, "iter", tsne.DefaultIter, "t-SNE: iterations after the early exaggeration (with --model: placement iterations, default 250)")
	fs.IntVar(&p.earlyIter, "early-iter", tsne.DefaultEarlyIter, "t-SNE: early-exaggeration iterations")
	fs.Float64Var(&p.earlyEx, "early-exaggeration", tsne.DefaultEarlyExaggeration, "t-SNE: early exaggeration")
	fs.Float64Var(&p.lateEx, "late-exaggeration", 1, "t-SNE: exaggeration after the early phase")
	fs.Float64Var(&p.lr, "learning-rate", 0, "t-SNE: learning rate (0 = max(rows/exaggeration, 50))")
	fs.StringVar(&p.gradient, "gradient", "auto", "t-SNE: gradient method (auto, exact, bh, fft)")
	fs.Float64Var(&p.theta, "theta", tsne.DefaultTheta, "t-SNE: Barnes-Hut accuracy (smaller is more exact)")
	fs.Float64Var(&p.dof, "dof", tsne.DefaultDoF, "t-SNE: degrees of freedom of the kernel (1 = Cauchy)")
	fs.IntVar(&p.pcaDims, "pca-components", 50, "t-SNE: reduce the input to this many principal components first (0 = none)")
}

// tsneDetails is the "result" of --json.
type tsneDetails struct {
	Gradient      string    `json:"gradient"`
	Rows          int       `json:"rows"`
	Features      int       `json:"features"`
	PCAComponents int       `json:"pca_components,omitempty"`
	Perplexity    float64   `json:"perplexity"`
	Iterations    int       `json:"iterations"`
	KL            *float64  `json:"kl,omitempty"`
	Placed        int       `json:"placed,omitempty"`
	Model         string    `json:"model,omitempty"`
	SavedModel    string    `json:"saved_model,omitempty"`
	Extent        []float64 `json:"extent"`
}

func (p *tsneProjector) project(ctx context.Context, req *projectRequest) (*projectResult, error) {
	if req.model != "" {
		return p.transform(ctx, req)
	}
	method, err := tsne.ParseMethod(p.gradient)
	if err != nil {
		return nil, usagef("--gradient: %v", err)
	}
	initName := req.init
	if initName == "" {
		initName = "pca"
	}
	init, err := tsne.ParseInit(initName)
	if err != nil || init == tsne.InitGiven {
		return nil, usagef("--init %q: t-SNE wants pca or random", initName)
	}
	if p.iter < 0 || p.earlyIter < 0 || p.pcaDims < 0 {
		return nil, usagef("--iter, --early-iter and --pca-components must not be negative")
	}
	src, err := req.data()
	if err != nil {
		return nil, err
	}
	o := tsne.Options{Dims: req.dims, Perplexity: p.perplexity, EarlyExaggeration: p.earlyEx,
		EarlyIter: p.earlyIter, Iter: p.iter, LateExaggeration: p.lateEx, LearningRate: p.lr,
		Method: method, Theta: p.theta, DoF: p.dof, Init: init, Seed: req.seed, Progress: req.progress}
	// 0 iterations on the command line means none (the library reads 0 as
	// "default").
	if p.earlyIter == 0 {
		o.EarlyIter = -1
	}
	if p.iter == 0 {
		o.Iter = -1
	}
	if p.pcaDims > 0 && p.pcaDims < src.Dim() {
		o.PCAComponents = p.pcaDims
	}
	m, err := tsne.Fit(ctx, src.X, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.dataPath, err)
	}
	z := m.Embedding(nil)
	kl := m.KL()
	det := tsneDetails{Gradient: m.Method().String(), Rows: z.Rows, Features: src.Dim(), PCAComponents: o.PCAComponents,
		Perplexity: p.perplexity, Iterations: m.Iterations(), KL: &kl, Extent: extent(z.Data, z.Cols)}
	if req.saveModel != "" {
		if err := m.Save(req.saveModel); err != nil {
			return nil, err
		}
		det.SavedModel = req.saveModel
	}
	return &projectResult{embedding: embeddingOf(src, z, "-tsne"), details: det, print: func(w io.Writer) { printTSNE(w, det) }}, nil
}

// transform places the rows of --data into the map saved at --model.
func (p *tsneProjector) transform(ctx context.Context, req *projectRequest) (*projectResult, error) {
	if err := fixedByModel(p.fs, []string{"early-iter", "early-exaggeration", "late-exaggeration", "learning-rate", "gradient", "dof", "init", "pca-components"}); err != nil {
		return nil, err
	}
	m, err := tsne.Load(req.model)
	if err != nil {
		return nil, err
	}
	if req.dimsSet && req.dims != m.Dims() {
		return nil, usagef("--dims %d, but the model %s is a %d-dimensional map", req.dims, req.model, m.Dims())
	}
	src, err := req.modelData(m.Features())
	if err != nil {
		return nil, err
	}
	o := tsne.TransformOptions{Theta: p.theta, Progress: req.progress}
	if p.fs.Changed("perplexity") {
		o.Perplexity = p.perplexity
	}
	if p.fs.Changed("iter") {
		o.Iter = p.iter
		if p.iter == 0 {
			o.Iter = -1
		}
	}
	z, err := m.Transform(ctx, nil, src.X, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.dataPath, err)
	}
	perp := o.Perplexity
	if perp == 0 {
		perp = tsne.DefaultTransformPerplexity
	}
	iters := o.Iter
	if iters == 0 {
		iters = tsne.DefaultTransformIter
	}
	det := tsneDetails{Gradient: "bh", Rows: z.Rows, Features: src.Dim(), Perplexity: perp, Iterations: max(iters, 0),
		Placed: z.Rows, Model: req.model, Extent: extent(z.Data, z.Cols)}
	return &projectResult{embedding: embeddingOf(src, z, "-tsne"), details: det, print: func(w io.Writer) { printTSNE(w, det) }}, nil
}

// extent returns the minimum and maximum of each of the cols columns of
// the row-major data, as [min0, max0, min1, max1, ...].
func extent(data []float32, cols int) []float64 {
	e := make([]float64, 2*cols)
	for j := 0; j < cols; j++ {
		lo, hi := float32(0), float32(0)
		for i := j; i < len(data); i += cols {
			if i == j || data[i] < lo {
				lo = data[i]
			}
			if i == j || data[i] > hi {
				hi = data[i]
			}
		}
		e[2*j], e[2*j+1] = float64(lo), float64(hi)
	}
	return e
}

func printTSNE(w io.Writer, d tsneDetails) {
	var ext []string
	for j := 0; j+1 < len(d.Extent); j += 2 {
		ext = append(ext, fmt.Sprintf("[%.1f, %.1f]", d.Extent[j], d.Extent[j+1]))
	}
	if d.Model != "" {
		fmt.Fprintf(w, "t-SNE: placed %d rows into the map %s (perplexity %g, %d iterations)\n", d.Placed, d.Model, d.Perplexity, d.Iterations)
	} else {
		pca := ""
		if d.PCAComponents > 0 {
			pca = fmt.Sprintf(" (PCA to %d)", d.PCAComponents)
		}
		fmt.Fprintf(w, "t-SNE (%s gradient): %d rows × %d features%s → %d dims, perplexity %g, %d iterations, KL divergence %.4f\n",
			d.Gradient, d.Rows, d.Features, pca, len(d.Extent)/2, d.Perplexity, d.Iterations, *d.KL)
	}
	fmt.Fprintf(w, "extent %s\n", strings.Join(ext, " × "))
	if d.SavedModel != "" {
		fmt.Fprintf(w, "saved the model to %s\n", d.SavedModel)
	}
}
