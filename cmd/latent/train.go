package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/model"
)

func init() { register(newTrainCmd) }

// intList parses "512,256" (empty: none).
func intList(s, flag string) ([]int, error) {
	if strings.TrimSpace(s) == "" || s == "none" {
		return []int{}, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, usagef("--%s: %q is not a positive integer", flag, f)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseDType maps --dtype to a safetensors element type.
func parseDType(s string) (safetensors.DType, error) {
	switch strings.ToLower(s) {
	case "f32", "float32", "":
		return safetensors.F32, nil
	case "f16", "float16":
		return safetensors.F16, nil
	case "bf16", "bfloat16":
		return safetensors.BF16, nil
	}
	return "", usagef("--dtype %q: want f32, f16 or bf16", s)
}

func newTrainCmd(a *app) *cobra.Command {
	var (
		load                                     formats.Options
		data, out, typ, arch, hidden, channels   string
		activation, likelihood, normalize, dtype string
		latent, epochs, batch, patience, nbrK    int
		beta, warmup, freeBits, noise, nbrW, wd  float64
		lr, val, clip                            float64
		resume                                   bool
	)
	cmd := &cobra.Command{
		Use:   "train --data FILE --model-type ae|vae|dae|cvae|gan --out MODEL",
		Short: "Train an autoencoder, VAE or GAN on a dataset",
		Long: `train fits a model to --data and writes MODEL.safetensors (the weights) and
MODEL.json (the architecture, the data normalisation, the training options
and seed, the per-epoch losses and the final metrics) next to each other.

Model types: ae (autoencoder), vae (variational; --beta > 1 for a β-VAE,
--warmup N to raise the KL weight from 0 over N epochs, --free-bits λ nats per
dimension), dae (denoising: inputs get Gaussian --noise), cvae (conditional
on the labels of --data) and gan (--arch mlp or conv, a small DCGAN).
--arch conv needs images (IDX, image folders, .npy with an image shape).

Regularisation: --neighbor-weight w pulls together the codes of rows that are
neighbours in input space (k = --neighbor-k), relative to each code
dimension's spread in the batch, so that it cannot collapse the codes;
--weight-decay is AdamW's decoupled decay; KL and denoising as above.

Training holds out --val of the rows (stratified by label) for validation,
prints one line per epoch, stops early after --patience epochs without
improvement and keeps the best epoch's weights. After every epoch it writes
MODEL (the best weights so far) and MODEL.ckpt (weights, optimiser state,
progress). Ctrl-C finishes the current batch and writes the checkpoint;
--resume carries on from it (same data; --epochs may be raised) and gives
the weights the uninterrupted run would have given. A loss that turns NaN
stops training with the epoch and batch, leaving the last good files.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if data == "" {
				return usagef("no input: give --data FILE")
			}
			if out == "" {
				return usagef("no output: give --out MODEL")
			}
			dt, err := parseDType(dtype)
			if err != nil {
				return err
			}
			d, err := loadData(data, load)
			if err != nil {
				return err
			}
			bar := a.progressBar()
			defer bar.Finish()
			opt := model.TrainOptions{Out: out, DType: dt, Progress: bar.Func()}
			if !a.json {
				opt.EpochDone = func(m model.Model, s model.EpochStats) {
					bar.Finish()
					printEpoch(a.stdout, s, m.Card().Training.Epochs)
				}
			}
			var m model.Model
			if resume {
				for _, f := range []string{"model-type", "arch", "latent", "hidden", "channels", "activation", "beta", "warmup", "free-bits", "noise",
					"neighbor-weight", "neighbor-k", "weight-decay", "likelihood", "normalize", "batch", "lr", "val", "patience", "clip"} {
					if cmd.Flags().Changed(f) {
						return usagef("--resume takes the model and training options from the checkpoint; --%s cannot change them", f)
					}
				}
				opt.Epochs = epochs
				if !cmd.Flags().Changed("epochs") {
					opt.Epochs = 0
				}
				m, err = model.Resume(ctx, d, opt)
			} else {
				c, uerr := trainConfig(cmd, typ, arch, latent, hidden, channels, activation, likelihood)
				if uerr != nil {
					return uerr
				}
				if c.Type.Variational() {
					c.Beta = beta
				}
				c.WarmupEpochs, c.FreeBits, c.NeighborWeight, c.NeighborK, c.WeightDecay = warmup, freeBits, nbrW, nbrK, wd
				if cmd.Flags().Changed("noise") {
					c.Noise = noise
				}
				opt.Epochs, opt.Batch, opt.LR, opt.Val, opt.Patience, opt.ClipNorm = epochs, batch, lr, val, patience, clip
				opt.Seed, opt.Normalize = a.seed, normalize
				m, err = model.Train(ctx, d, c, opt)
			}
			bar.Finish()
			if err != nil {
				return err
			}
			card := m.Card()
			if a.json {
				return writeJSON(a.stdout, struct {
					Model  string       `json:"model"`
					Config model.Config `json:"config"`
					Card   model.Card   `json:"card"`
				}{model.WeightsPath(out), m.Config(), card})
			}
			printSummary(a.stdout, m, out)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&data, "data", "", "training data (any format latent reads)")
	fs.StringVar(&out, "out", "", "model to write: MODEL.safetensors and MODEL.json")
	fs.StringVar(&typ, "model-type", "vae", "ae, vae, dae, cvae or gan")
	fs.StringVar(&arch, "arch", "mlp", "mlp (any data) or conv (images)")
	fs.IntVar(&latent, "latent", 20, "code dimension (noise dimension for a GAN)")
	fs.StringVar(&hidden, "hidden", "", "hidden layer widths, encoder order, e.g. 512,256 (default 512,256 for mlp, none after the convolutions for conv)")
	fs.StringVar(&channels, "channels", "", "conv: channels of the stride-2 convolutions, e.g. 32,64 (default 32,64; 64,128 for a GAN)")
	fs.StringVar(&activation, "activation", "relu", "hidden activation: relu, leaky_relu or tanh")
	fs.Float64Var(&beta, "beta", 1, "KL weight of a VAE (β-VAE when > 1)")
	fs.Float64Var(&warmup, "warmup", 0, "raise the KL weight from 0 to --beta over this many epochs")
	fs.Float64Var(&freeBits, "free-bits", 0, "nats per latent dimension below which the KL is not penalised")
	fs.Float64Var(&noise, "noise", 0.3, "standard deviation of the input noise (dae; any type when set)")
	fs.Float64Var(&nbrW, "neighbor-weight", 0, "weight of the neighbour-preserving term (0: off)")
	fs.IntVar(&nbrK, "neighbor-k", 10, "input-space neighbours each row's partner is drawn from")
	fs.Float64Var(&wd, "weight-decay", 0, "AdamW decoupled weight decay")
	fs.StringVar(&likelihood, "likelihood", "auto", "bernoulli (data in [0,1], BCE), gaussian (MSE) or auto")
	fs.StringVar(&normalize, "normalize", "auto", "auto, none, scale or standardize (fitted on the training rows)")
	fs.IntVar(&epochs, "epochs", 10, "passes over the training rows")
	fs.IntVar(&batch, "batch", 128, "rows per step")
	fs.Float64Var(&lr, "lr", 0, "Adam learning rate (0: 1e-3, or 2e-4 for a GAN)")
	fs.Float64Var(&val, "val", 0.1, "fraction of rows held out for validation (0: none)")
	fs.IntVar(&patience, "patience", 0, "stop after this many epochs without a better validation loss (0: never)")
	fs.Float64Var(&clip, "clip", 0, "clip the gradient's global norm to this value (0: no clipping)")
	fs.StringVar(&dtype, "dtype", "f32", "element type of the saved weights: f32, f16 or bf16 (halves the file)")
	fs.BoolVar(&resume, "resume", false, "carry on from MODEL.ckpt, written by an earlier run on the same data")
	addLoadFlags(fs, &load, "")
	return cmd
}

// trainConfig builds the model configuration from the flags.
func trainConfig(cmd *cobra.Command, typ, arch string, latent int, hidden, channels, activation, likelihood string) (model.Config, error) {
	t, err := model.ParseType(typ)
	if err != nil {
		return model.Config{}, usageError{err}
	}
	ar, err := model.ParseArch(arch)
	if err != nil {
		return model.Config{}, usageError{err}
	}
	if latent <= 0 {
		return model.Config{}, usagef("--latent must be at least 1, got %d", latent)
	}
	fl := cmd.Flags()
	if !t.Variational() {
		for _, f := range []string{"beta", "warmup", "free-bits"} {
			if fl.Changed(f) {
				return model.Config{}, usagef("--%s is for the variational types (vae, cvae), not %s", f, t)
			}
		}
	}
	if t == model.GAN && fl.Changed("neighbor-weight") {
		return model.Config{}, usagef("--neighbor-weight needs an encoder; a GAN has none")
	}
	c := model.DefaultConfig(t, ar, latent)
	if fl.Changed("hidden") {
		if c.Hidden, err = intList(hidden, "hidden"); err != nil {
			return c, err
		}
	}
	if fl.Changed("channels") {
		if ar != model.Conv {
			return c, usagef("--channels is for --arch conv")
		}
		if c.Channels, err = intList(channels, "channels"); err != nil {
			return c, err
		}
	}
	c.Activation = activation
	if likelihood != "auto" {
		l, err := model.ParseLikelihood(likelihood)
		if err != nil {
			return c, usageError{err}
		}
		c.Likelihood = l
	}
	return c, nil
}

// printEpoch prints one line per epoch.
func printEpoch(w io.Writer, s model.EpochStats, epochs int) {
	part := func(l model.Losses) string {
		switch {
		case l.D != 0 || l.G != 0:
			return fmt.Sprintf("D %.4f G %.4f", l.D, l.G)
		case l.KL != 0 || l.Neighbor != 0:
			x := fmt.Sprintf("%.3f (recon %.3f, KL %.3f", l.Loss, l.Recon, l.KL)
			if l.Neighbor != 0 {
				x += fmt.Sprintf(", neighbour %.3f", l.Neighbor)
			}
			return x + ")"
		}
		return fmt.Sprintf("%.4g", l.Loss)
	}
	line := fmt.Sprintf("epoch %*d/%d  train %s", len(strconv.Itoa(epochs)), s.Epoch, epochs, part(s.Train))
	if s.Val != nil {
		line += "  val " + part(*s.Val)
	}
	if s.Beta != 0 {
		line += fmt.Sprintf("  β %.3g", s.Beta)
	}
	line += fmt.Sprintf("  %.1f s  %.0f rows/s", s.Seconds, s.RowsPerSecond)
	fmt.Fprintln(w, line)
}

// printSummary prints what was trained and written.
func printSummary(w io.Writer, m model.Model, out string) {
	c, card := m.Config(), m.Card()
	fmt.Fprintf(w, "%s %s, latent %d, %d parameters, %s likelihood, normalisation %s\n", c.Arch, c.Type, c.Latent, card.Parameters, c.Likelihood, normKind(c))
	fmt.Fprintf(w, "%s after %d epochs (best %d) in %.1f s\n", card.Stopped, card.Epochs, card.BestEpoch, card.Seconds)
	if mt := card.Metrics; mt != nil {
		line := fmt.Sprintf("%s rows (%d): reconstruction %.4g per row, MSE %.5f per value", card.MetricsOn, mt.Rows, mt.Recon, mt.MSE)
		if mt.NegELBO != 0 {
			line += fmt.Sprintf(", KL %.4g, −ELBO %.4g, %d of %d dimensions active", mt.KL, mt.NegELBO, mt.ActiveDims, c.Latent)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "wrote %s and %s\n", model.WeightsPath(out), safetensors.ConfigPath(model.WeightsPath(out)))
}

func normKind(c model.Config) string {
	if c.Normalizer.Kind == "" {
		return "none"
	}
	return c.Normalizer.Kind
}
