package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/models"
	"github.com/latentlab/latent/nn"
	"github.com/latentlab/latent/viz"
)

func init() { register(newEncodeCmd) }

// This file also holds what the commands that use a model share: loading
// the model by name or path, turning references into codes, and writing
// rows as a data file or a picture.

// addModelFlag adds --model.
func addModelFlag(fs *pflag.FlagSet, name *string) {
	fs.StringVar(name, "model", "", "model: a file written by \"latent train\" or a shipped model ("+strings.Join(models.Names(), ", ")+")")
}

// loadModel returns the model --model names: a model file, or a shipped
// model when no such file exists.
func loadModel(name string) (model.Model, error) {
	if name == "" {
		return nil, usagef("no model: give --model FILE or one of %s", strings.Join(models.Names(), ", "))
	}
	if _, err := os.Stat(model.WeightsPath(name)); err != nil && models.Has(name) {
		return models.Open(name)
	}
	m, err := model.Load(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w (shipped models: %s)", err, strings.Join(models.Names(), ", "))
	}
	return m, err
}

// fileExists reports whether path names an existing file or folder.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// modelClass returns the class index --class names for a conditional
// model (-1 when the model is not conditional and no class was given).
func modelClass(m model.Model, class string) (int, error) {
	c := m.Config()
	if !c.Type.Conditional() {
		if class != "" {
			return -1, usagef("--class is for conditional models (cvae); this one is a %s", c.Type)
		}
		return -1, nil
	}
	if class == "" {
		return -1, usagef("a conditional model needs --class (one of %s)", strings.Join(c.Classes, ", "))
	}
	k, err := model.ClassIndex(c, class)
	if err != nil {
		return -1, usagef("--class %q: the model's classes are %s", class, strings.Join(c.Classes, ", "))
	}
	return k, nil
}

// repeatClass returns n copies of k, or nil when k < 0.
func repeatClass(k, n int) []int {
	if k < 0 {
		return nil
	}
	l := make([]int, n)
	for i := range l {
		l[i] = k
	}
	return l
}

// resolveRef parses and resolves one reference (see model.Ref).
func resolveRef(m model.Model, s string, d *dataset.Dataset, class int, load formats.Options) ([]float32, string, error) {
	r, err := model.ParseRef(s, fileExists)
	if err != nil {
		return nil, "", usageError{err}
	}
	opt := model.ResolveOptions{Data: d, Class: max(class, 0),
		Load: func(p string) (*dataset.Dataset, error) { return formats.Load(p, load) }}
	return r.Resolve(m, opt)
}

// isPicture reports whether path asks for a PNG or SVG picture.
func isPicture(path string) bool {
	_, err := viz.FormatOf(path)
	return err == nil
}

// gridOptions returns the grid options for rows in the model's data units.
func gridOptions(m model.Model, title string) viz.GridOptions {
	opt := viz.GridOptions{Title: title}
	if n := m.Config().Normalizer; n.Kind == dataset.NormScale {
		opt.Range = [2]float32{n.Min, n.Max}
	}
	return opt
}

// imageShape returns the model's image shape, or an error saying that a
// picture needs images.
func imageShape(m model.Model, out string) (dataset.ImageShape, error) {
	s := m.InputShape()
	if !s.Image.IsImage() {
		return s.Image, fmt.Errorf("%s: the model's rows are not images (%v); write a data file (.npy, .tsv, .csv, .safetensors) instead", out, s)
	}
	return s.Image, nil
}

// saveRows writes rows as a dataset file (format from the name), with the
// labels and metadata of like when it has as many rows.
func saveRows(path string, rows *mat32.Dense, like *dataset.Dataset, image dataset.ImageShape, name string) error {
	d := &dataset.Dataset{Name: name, X: rows, Image: image}
	if like != nil && like.Len() == rows.Rows {
		d.Labels, d.Classes, d.Meta = like.Labels, like.Classes, like.Meta
	}
	if image.IsImage() && image.Size() != rows.Cols {
		d.Image = dataset.ImageShape{}
	}
	return formats.Save(path, d, "")
}

// saveDecoded writes decoded rows x to out: for a picture name, the figure
// draw makes of them with the model's image shape (an error when the
// model's rows are not images); else the rows as a data file (see saveRows).
func saveDecoded(out string, m model.Model, x *mat32.Dense, like *dataset.Dataset, name string, draw func(img dataset.ImageShape) (*viz.Figure, error)) error {
	if !isPicture(out) {
		return saveRows(out, x, like, m.InputShape().Image, name)
	}
	img, err := imageShape(m, out)
	if err != nil {
		return err
	}
	fig, err := draw(img)
	if err != nil {
		return err
	}
	return fig.Save(out)
}

// encodeReport is the --json output of encode.
type encodeReport struct {
	Model   string  `json:"model"`
	Data    string  `json:"data"`
	Out     string  `json:"out"`
	Rows    int     `json:"rows"`
	Latent  int     `json:"latent"`
	Sampled bool    `json:"sampled"`
	KL      float64 `json:"kl_per_row,omitempty"`
}

func newEncodeCmd(a *app) *cobra.Command {
	var (
		load                     formats.Options
		modelName, data, out, lv string
		sample                   bool
	)
	cmd := &cobra.Command{
		Use:   "encode --model MODEL --data FILE --out CODES",
		Short: "Encode data into latent codes",
		Long: `encode writes the latent code of every row of --data to --out (.npy, .tsv,
.csv or .safetensors, with the rows' labels and metadata): the mean μ of
q(z|x) for a VAE, or with --sample one draw z = μ + σ·ε per row (seeded by
--seed); the code itself for an autoencoder. --logvar FILE also writes a
VAE's log σ². A conditional model encodes each row with its own label.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("no output: give --out FILE")
			}
			m, err := loadModel(modelName)
			if err != nil {
				return err
			}
			if !m.Config().Type.HasEncoder() {
				return model.ErrNoEncoder
			}
			d, err := loadData(data, load)
			if err != nil {
				return err
			}
			labels, err := model.ClassIndices(m.Config(), d)
			if err != nil {
				return err
			}
			mu, logVar, err := m.Encode(d.X, labels)
			if err != nil {
				return fmt.Errorf("%s: %w", data, err)
			}
			if (sample || lv != "") && logVar == nil {
				return usagef("--sample and --logvar need a variational model; this one is a %s", m.Config().Type)
			}
			z := mu
			if sample {
				z = model.SampleCodes(mu, logVar, a.seed)
			}
			if err := saveRows(out, z, d, dataset.ImageShape{}, d.Name+" codes"); err != nil {
				return err
			}
			if lv != "" {
				if err := saveRows(lv, logVar, d, dataset.ImageShape{}, d.Name+" log-variances"); err != nil {
					return err
				}
			}
			rep := encodeReport{Model: modelName, Data: data, Out: out, Rows: z.Rows, Latent: z.Cols, Sampled: sample}
			if logVar != nil {
				var kl float64
				for _, v := range nn.KLPerDim(nil, mu, logVar) {
					kl += v
				}
				rep.KL = kl / float64(mu.Rows)
			}
			if a.json {
				return writeJSON(a.stdout, rep)
			}
			fmt.Fprintf(a.stdout, "encoded %d rows of %s into %d-dimensional codes", rep.Rows, data, rep.Latent)
			if rep.KL != 0 {
				fmt.Fprintf(a.stdout, " (KL %.3f nats per row)", rep.KL)
			}
			fmt.Fprintf(a.stdout, "\nwrote %s\n", out)
			return nil
		},
	}
	fs := cmd.Flags()
	addModelFlag(fs, &modelName)
	fs.StringVar(&data, "data", "", "rows to encode")
	fs.StringVar(&out, "out", "", "codes to write (.npy, .tsv, .csv, .safetensors)")
	fs.BoolVar(&sample, "sample", false, "VAE: write one sampled code per row instead of μ")
	fs.StringVar(&lv, "logvar", "", "VAE: also write log σ² to this file")
	addLoadFlags(fs, &load, "")
	return cmd
}
