package stream

import (
	"context"
	"fmt"
	"strings"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/pca"
	"github.com/latentlab/latent/reduce/tsne"
	"github.com/latentlab/latent/reduce/umap"
)

// Methods lists the projection methods, in order.
var Methods = []string{"pca", "umap", "tsne"}

// ParseMethod returns the canonical name of a method ("t-sne" is tsne).
func ParseMethod(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "pca":
		return "pca", nil
	case "umap":
		return "umap", nil
	case "tsne", "t-sne":
		return "tsne", nil
	}
	return "", fmt.Errorf("unknown method %q (known: %s)", s, strings.Join(Methods, ", "))
}

// model is a fitted projection: it places new rows, gives the coordinates
// of the rows it was fitted on, and saves itself.
type model interface {
	// transform writes the coordinates of the rows of x into dst.
	transform(ctx context.Context, dst, x *mat32.Dense) error
	// fitted returns the coordinates of the fitted rows (nil for PCA,
	// whose fitted rows are placed by transform like any other).
	fitted() *mat32.Dense
	// dims returns the number of input columns and output components.
	dims() (in, out int)
	save(path string) error
}

// fit fits the method of o to the sample x.
func fit(ctx context.Context, x *mat32.Dense, o *Options) (model, error) {
	switch o.Method {
	case "pca":
		po := o.PCA
		po.Components = o.Components
		po.Seed = o.Seed
		if po.Progress == nil {
			po.Progress = o.Progress
		}
		p := new(pca.PCA)
		if err := p.FitContext(ctx, x, po); err != nil {
			return nil, err
		}
		return pcaModel{p}, nil
	case "umap":
		uo := umap.DefaultOptions()
		if o.UMAP != nil {
			uo = *o.UMAP
		}
		uo.Components, uo.Seed = o.Components, o.Seed
		if uo.Progress == nil {
			uo.Progress = o.Progress
		}
		u := new(umap.UMAP)
		if err := u.Fit(ctx, x, uo); err != nil {
			return nil, err
		}
		return &umapModel{u: u, prog: o.Progress}, nil
	case "tsne":
		to := o.TSNE
		to.Dims, to.Seed = o.Components, o.Seed
		if to.Progress == nil {
			to.Progress = o.Progress
		}
		m, err := tsne.Fit(ctx, x, to)
		if err != nil {
			return nil, err
		}
		return &tsneModel{m: m, opt: o.TSNETransform}, nil
	}
	return nil, fmt.Errorf("stream: unknown method %q", o.Method)
}

// load reads a model saved by a previous run.
func load(path string, o *Options) (model, error) {
	switch o.Method {
	case "pca":
		p, err := pca.Load(path)
		if err != nil {
			return nil, err
		}
		return pcaModel{p}, nil
	case "umap":
		u, err := umap.Load(path)
		if err != nil {
			return nil, err
		}
		return &umapModel{u: u, prog: o.Progress}, nil
	case "tsne":
		m, err := tsne.Load(path)
		if err != nil {
			return nil, err
		}
		return &tsneModel{m: m, opt: o.TSNETransform}, nil
	}
	return nil, fmt.Errorf("stream: unknown method %q", o.Method)
}

type pcaModel struct{ p *pca.PCA }

func (m pcaModel) transform(_ context.Context, dst, x *mat32.Dense) error {
	m.p.Transform(dst, x)
	return nil
}
func (m pcaModel) fitted() *mat32.Dense { return nil }
func (m pcaModel) dims() (int, int)     { return m.p.Dims() }
func (m pcaModel) save(path string) error {
	return m.p.Save(path)
}

type umapModel struct {
	u    *umap.UMAP
	prog progress.Func
}

func (m *umapModel) transform(ctx context.Context, dst, x *mat32.Dense) error {
	_, err := m.u.Transform(ctx, dst, x, nil)
	return err
}
func (m *umapModel) fitted() *mat32.Dense   { return m.u.Embedding(nil) }
func (m *umapModel) dims() (int, int)       { return m.u.Dims() }
func (m *umapModel) save(path string) error { return m.u.Save(path) }

type tsneModel struct {
	m   *tsne.Model
	opt tsne.TransformOptions
}

func (m *tsneModel) transform(ctx context.Context, dst, x *mat32.Dense) error {
	_, err := m.m.Transform(ctx, dst, x, m.opt)
	return err
}
func (m *tsneModel) fitted() *mat32.Dense   { return m.m.Embedding(nil) }
func (m *tsneModel) dims() (int, int)       { return m.m.Features(), m.m.Dims() }
func (m *tsneModel) save(path string) error { return m.m.Save(path) }
