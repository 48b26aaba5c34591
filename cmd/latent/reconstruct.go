package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/viz"
)

func init() { register(newReconstructCmd) }

// reconstructReport is the --json output of reconstruct.
type reconstructReport struct {
	Model   string        `json:"model"`
	Data    string        `json:"data"`
	Out     string        `json:"out,omitempty"`
	Metrics model.Metrics `json:"metrics"`
}

func newReconstructCmd(a *app) *cobra.Command {
	var (
		load                 formats.Options
		modelName, data, out string
		n, cols              int
	)
	cmd := &cobra.Command{
		Use:   "reconstruct --model MODEL --data FILE [--out FILE]",
		Short: "Encode and decode data and measure the reconstruction",
		Long: `reconstruct passes every row of --data through the model (encode to μ,
decode) and prints how close the result is: the mean squared error per value,
the reconstruction loss per row (nats for Bernoulli data) and, for a VAE, the
KL divergence and the negative ELBO with one sampled code per row (seeded by
--seed), as anchors/bench_vae.py measures them.

--out FILE.png (or .svg) draws the first --n rows above their
reconstructions; --out FILE.npy (or another data format) writes every
reconstructed row.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if n <= 0 {
				return usagef("--n must be at least 1, got %d", n)
			}
			m, err := loadModel(modelName)
			if err != nil {
				return err
			}
			ae, ok := m.(*model.Autoencoder)
			if !ok {
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
			mt, err := ae.Evaluate(d.X, labels, a.seed)
			if err != nil {
				return fmt.Errorf("%s: %w", data, err)
			}
			if out != "" {
				if isPicture(out) {
					img, err := imageShape(m, out)
					if err != nil {
						return err
					}
					k := min(n, d.Len())
					var lab []int
					if labels != nil {
						lab = labels[:k]
					}
					orig := d.X.Slice(0, k)
					rec, err := model.Reconstruct(m, orig, lab)
					if err != nil {
						return err
					}
					fig, err := viz.Reconstructions(orig, rec, img, gridCols(cols, k), gridOptions(m, ""))
					if err != nil {
						return err
					}
					if err := fig.Save(out); err != nil {
						return err
					}
				} else {
					rec, err := model.Reconstruct(m, d.X, labels)
					if err != nil {
						return err
					}
					if err := saveRows(out, rec, d, m.InputShape().Image, d.Name+" reconstructed"); err != nil {
						return err
					}
				}
			}
			if a.json {
				return writeJSON(a.stdout, reconstructReport{Model: modelName, Data: data, Out: out, Metrics: mt})
			}
			printMetrics(a, m, d, mt)
			if out != "" {
				fmt.Fprintf(a.stdout, "wrote %s\n", out)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	addModelFlag(fs, &modelName)
	fs.StringVar(&data, "data", "", "rows to reconstruct")
	fs.StringVar(&out, "out", "", "a picture of originals and reconstructions (.png, .svg) or the reconstructed rows (.npy, ...)")
	fs.IntVar(&n, "n", 16, "picture: the number of rows drawn")
	fs.IntVar(&cols, "cols", 8, "picture: images per row")
	addLoadFlags(fs, &load, "")
	return cmd
}

// printMetrics prints reconstruction metrics.
func printMetrics(a *app, m model.Model, d *dataset.Dataset, mt model.Metrics) {
	unit := "nats"
	if m.Config().Likelihood == model.Gaussian {
		unit = "½·squared error"
	}
	fmt.Fprintf(a.stdout, "%d rows of %s\n", mt.Rows, d.Name)
	fmt.Fprintf(a.stdout, "MSE per value        %.6f\n", mt.MSE)
	fmt.Fprintf(a.stdout, "reconstruction/row   %.3f %s\n", mt.Recon, unit)
	if mt.KLPerDim != nil {
		fmt.Fprintf(a.stdout, "KL/row               %.3f nats (%d of %d dimensions above 0.01)\n", mt.KL, mt.ActiveDims, len(mt.KLPerDim))
		fmt.Fprintf(a.stdout, "negative ELBO/row    %.3f\n", mt.NegELBO)
	}
}
