package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/store"
)

// generativeFile is the weights file of a model from package model within
// its folder (the JSON config is next to it).
const generativeFile = "model.safetensors"

// generativeTypes are the model kinds of package model the server trains
// and loads.
var generativeTypes = []model.Type{model.AE, model.DAE, model.VAE, model.CVAE, model.GAN}

// generativeModel adapts a model.Model (autoencoder, VAE, GAN) to Model;
// a conditional one (CVAE) is wrapped as a conditionalModel instead.
type generativeModel struct{ m model.Model }

func (g generativeModel) Dims() (int, int) { return g.m.InputShape().Dim, g.m.LatentDim() }

func (g generativeModel) Encode(ctx context.Context, x *mat32.Dense) (*mat32.Dense, error) {
	mu, _, err := g.m.Encode(x, nil)
	if errors.Is(err, model.ErrNoEncoder) {
		return nil, unprocessable(err)
	}
	return mu, err
}

func (g generativeModel) Decode(ctx context.Context, z *mat32.Dense) (*mat32.Dense, error) {
	return g.m.Decode(z, nil)
}

func (g generativeModel) Sample(ctx context.Context, n int, seed uint64) (*mat32.Dense, error) {
	return g.m.Sample(n, seed, nil)
}

func loadGenerative(dir string) (Model, error) {
	m, err := model.Load(filepath.Join(dir, generativeFile))
	if err != nil {
		return nil, err
	}
	if m.Config().Type.Conditional() {
		return conditionalModel{generativeModel{m}}, nil
	}
	return generativeModel{m}, nil
}

// conditionalModel adapts a conditional model.Model (CVAE) to
// ConditionalModel.
type conditionalModel struct{ generativeModel }

func (c conditionalModel) Classes() []string { return c.m.Config().Classes }

func (c conditionalModel) EncodeClass(ctx context.Context, x *mat32.Dense, classes []int) (*mat32.Dense, error) {
	mu, _, err := c.m.Encode(x, classes)
	return mu, err
}

func (c conditionalModel) DecodeClass(ctx context.Context, z *mat32.Dense, classes []int) (*mat32.Dense, error) {
	return c.m.Decode(z, classes)
}

func (c conditionalModel) SampleClass(ctx context.Context, n int, seed uint64, classes []int) (*mat32.Dense, error) {
	return c.m.Sample(n, seed, classes)
}

// generativeParams are the params of a "train" job of a kind from package
// model (beyond kind and name). Zero fields take the package's defaults.
type generativeParams struct {
	// Latent is the code size (default 16).
	Latent int `json:"latent,omitempty"`
	// Arch is "mlp" (default) or "conv" (image data).
	Arch   string `json:"arch,omitempty"`
	Hidden []int  `json:"hidden,omitempty"`
	// Beta weighs a VAE's KL term (default 1).
	Beta     float64 `json:"beta,omitempty"`
	Epochs   int     `json:"epochs,omitempty"`
	Batch    int     `json:"batch,omitempty"`
	LR       float64 `json:"lr,omitempty"`
	Val      float64 `json:"val,omitempty"`
	Patience int     `json:"patience,omitempty"`
	Seed     uint64  `json:"seed,omitempty"`
}

// Limits of a training job's params, against requests that would tie the
// server up for days.
const (
	maxLatent = 4096
	maxEpochs = 10_000
	maxWidth  = 1 << 14
)

func (p *generativeParams) config(t model.Type, d store.Dataset) (model.Config, error) {
	if p.Latent == 0 {
		p.Latent = 16
	}
	if p.Latent < 1 || p.Latent > maxLatent {
		return model.Config{}, badRequest("latent = %d: want 1 to %d", p.Latent, maxLatent)
	}
	arch := model.MLP
	if p.Arch != "" {
		a, err := model.ParseArch(p.Arch)
		if err != nil {
			return model.Config{}, badRequest("arch: %v", err)
		}
		arch = a
	}
	if arch == model.Conv && !d.Image.IsImage() {
		return model.Config{}, unprocessable(fmt.Errorf("arch conv needs image data; dataset %s is not images", d.ID))
	}
	if t.Conditional() && !d.Labelled {
		return model.Config{}, unprocessable(fmt.Errorf("a %s needs labels; dataset %s has none", t, d.ID))
	}
	for _, w := range p.Hidden {
		if w < 1 || w > maxWidth {
			return model.Config{}, badRequest("hidden width %d: want 1 to %d", w, maxWidth)
		}
	}
	if p.Epochs < 0 || p.Epochs > maxEpochs || p.Batch < 0 || p.LR < 0 || p.Val < 0 || p.Val >= 1 || p.Beta < 0 || p.Patience < 0 {
		return model.Config{}, badRequest("epochs (0 to %d), batch, lr, beta and patience must not be negative, val in [0, 1)", maxEpochs)
	}
	c := model.DefaultConfig(t, arch, p.Latent)
	if p.Hidden != nil {
		c.Hidden = p.Hidden
	}
	if p.Beta > 0 {
		c.Beta = p.Beta
	}
	return c, nil
}

func generativeTrainer(t model.Type) ModelTrainer {
	return ModelTrainer{
		Validate: func(d store.Dataset, raw json.RawMessage) error {
			var p generativeParams
			if err := strictParams(raw, &p); err != nil {
				return err
			}
			_, err := p.config(t, d)
			return err
		},
		Train: func(ctx context.Context, d *dataset.Dataset, raw json.RawMessage, dir string, prog progress.Func) (any, error) {
			var p generativeParams
			if err := strictParams(raw, &p); err != nil {
				return nil, err
			}
			info := store.Dataset{Image: d.Image, Labelled: d.Labels != nil}
			c, err := p.config(t, info)
			if err != nil {
				return nil, err
			}
			m, err := model.Train(ctx, d, c, model.TrainOptions{Epochs: p.Epochs, Batch: p.Batch, LR: p.LR, Val: p.Val,
				Patience: p.Patience, Seed: p.Seed, Progress: prog})
			if err != nil {
				return nil, err
			}
			if err := m.Save(filepath.Join(dir, generativeFile), model.SaveOptions{}); err != nil {
				return nil, err
			}
			return m.Card(), nil
		},
	}
}
