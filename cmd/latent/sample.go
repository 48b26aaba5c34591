package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/space"
	"github.com/latentlab/latent/viz"
)

func init() { register(newSampleCmd) }

// sampleReport is the --json output of sample.
type sampleReport struct {
	Model       string  `json:"model"`
	Out         string  `json:"out"`
	N           int     `json:"n"`
	From        string  `json:"from"`
	Temperature float64 `json:"temperature"`
	Seed        uint64  `json:"seed"`
	Codes       string  `json:"codes,omitempty"`
}

func newSampleCmd(a *app) *cobra.Command {
	var (
		load                                   formats.Options
		modelName, out, data, class, codesPath string
		n, cols                                int
		fitted                                 bool
		temp                                   float64
	)
	cmd := &cobra.Command{
		Use:   "sample --model MODEL --n N --out FILE",
		Short: "Generate new rows from a model's latent distribution",
		Long: `sample draws --n codes and decodes them into --out: a picture (.png, .svg) for
image models, or a data file (.npy, .tsv, .csv, .safetensors).

The codes come from the model's prior: N(0, I) for a VAE and a GAN, the
Gaussian fitted to the training codes (stored in the model) for an
autoencoder. --fitted draws a VAE's codes from that fitted Gaussian instead,
which follows the codes the encoder actually uses; with --data FILE the
Gaussian is fitted to the codes of FILE's rows. --temperature scales the
spread (below 1: nearer the mean, more typical samples). --seed fixes the
draws. --codes FILE also writes the codes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("no output: give --out FILE")
			}
			if n <= 0 {
				return usagef("--n must be at least 1, got %d", n)
			}
			if !(temp >= 0) {
				return usagef("--temperature must be ≥ 0, got %g", temp)
			}
			m, err := loadModel(modelName)
			if err != nil {
				return err
			}
			k, err := modelClass(m, class)
			if err != nil {
				return err
			}
			g, from, err := samplingGaussian(m, fitted, data, load)
			if err != nil {
				return err
			}
			z, err := g.Sample(nil, n, temp, dataset.NewRand(a.seed, 7))
			if err != nil {
				return err
			}
			x, err := m.Decode(z, repeatClass(k, n))
			if err != nil {
				return err
			}
			err = saveDecoded(out, m, x, nil, "samples", func(img dataset.ImageShape) (*viz.Figure, error) {
				return viz.ImageGrid(x, img, gridCols(cols, n), nil, gridOptions(m, ""))
			})
			if err != nil {
				return err
			}
			if codesPath != "" {
				if err := saveRows(codesPath, z, nil, dataset.ImageShape{}, "sampled codes"); err != nil {
					return err
				}
			}
			if a.json {
				return writeJSON(a.stdout, sampleReport{Model: modelName, Out: out, N: n, From: from, Temperature: temp, Seed: a.seed, Codes: codesPath})
			}
			fmt.Fprintf(a.stdout, "drew %d codes from %s (temperature %g, seed %d)\nwrote %s\n", n, from, temp, a.seed, out)
			if codesPath != "" {
				fmt.Fprintf(a.stdout, "wrote %s\n", codesPath)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	addModelFlag(fs, &modelName)
	fs.StringVar(&out, "out", "", "samples: a picture (.png, .svg) or a data file (.npy, ...)")
	fs.IntVar(&n, "n", 64, "number of samples")
	fs.BoolVar(&fitted, "fitted", false, "draw from the Gaussian fitted to the training codes (or to the codes of --data)")
	fs.StringVar(&data, "data", "", "fit the Gaussian to the codes of these rows (implies --fitted)")
	fs.Float64Var(&temp, "temperature", 1, "scale of the spread around the mean")
	fs.StringVar(&class, "class", "", "conditional models: the class to generate")
	fs.StringVar(&codesPath, "codes", "", "also write the sampled codes to this file")
	fs.IntVar(&cols, "cols", 0, "picture: images per row (0: about square)")
	addLoadFlags(fs, &load, "")
	return cmd
}

// samplingGaussian returns the distribution sample draws from and its
// description.
func samplingGaussian(m model.Model, fitted bool, data string, load formats.Options) (space.Gaussian, string, error) {
	if data != "" {
		d, err := loadData(data, load)
		if err != nil {
			return space.Gaussian{}, "", err
		}
		z, err := model.EncodeRows(m, d, nil)
		if err != nil {
			return space.Gaussian{}, "", fmt.Errorf("%s: %w", data, err)
		}
		g, err := space.FitGaussian(z)
		if err != nil {
			return space.Gaussian{}, "", fmt.Errorf("%s: %w", data, err)
		}
		return g, fmt.Sprintf("a Gaussian fitted to the codes of %d rows of %s", d.Len(), data), nil
	}
	if fitted {
		card := m.Card()
		if card.Codes == nil {
			return space.Gaussian{}, "", fmt.Errorf("the model has no Gaussian fitted to its training codes; give --data to fit one")
		}
		return *card.Codes, fmt.Sprintf("the Gaussian fitted to the %d training codes", card.TrainRows), nil
	}
	g, err := m.Prior()
	if err != nil {
		return g, "", err
	}
	if m.Config().Type.Variational() || m.Config().Type == model.GAN {
		return g, "the prior N(0, I)", nil
	}
	return g, "the Gaussian fitted to the training codes", nil
}
