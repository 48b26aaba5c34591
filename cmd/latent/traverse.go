package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/space"
	"github.com/latentlab/latent/viz"
)

func init() { register(newTraverseCmd) }

// traverseReport is the --json output of traverse.
type traverseReport struct {
	Model  string    `json:"model"`
	Base   string    `json:"base"`
	Dims   []int     `json:"dims"`
	Values []float64 `json:"values"`
	Out    string    `json:"out"`
}

func newTraverseCmd(a *app) *cobra.Command {
	var (
		load                                    formats.Options
		modelName, data, base, dims, out, class string
		dim, top, steps                         int
		span                                    float64
	)
	cmd := &cobra.Command{
		Use:   "traverse --model MODEL (--dim K | --dims K1,K2 | --top N) --out FILE.png",
		Short: "Vary one latent dimension at a time and decode",
		Long: `traverse starts from a code (--base, default the prior's mean) and sets one
dimension at a time to --steps values from −span to +span standard deviations
of the prior around its mean (N(0, I) for a VAE; the Gaussian fitted to the
training codes for an autoencoder), decoding each: one row of the picture per
dimension shows what that dimension encodes. --top N picks the N dimensions
that carry the most KL divergence (VAEs; from the model card), --dims a
list, --dim one.

` + refHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("no output: give --out FILE")
			}
			if steps < 2 {
				return usagef("--steps must be at least 2, got %d", steps)
			}
			if !(span > 0) {
				return usagef("--range must be > 0, got %g", span)
			}
			given := 0
			for _, f := range []string{"dim", "dims", "top"} {
				if cmd.Flags().Changed(f) {
					given++
				}
			}
			if given != 1 {
				return usagef("give exactly one of --dim, --dims or --top")
			}
			m, d, k, err := modelAndData(modelName, data, class, load)
			if err != nil {
				return err
			}
			L := m.LatentDim()
			var ds []int
			switch {
			case cmd.Flags().Changed("dim"):
				ds = []int{dim}
			case cmd.Flags().Changed("dims"):
				if ds, err = intListZero(dims, "dims"); err != nil {
					return err
				}
			default:
				if ds, err = topDims(m.Card().Metrics, top, L); err != nil {
					return err
				}
			}
			for _, j := range ds {
				if j < 0 || j >= L {
					return usagef("dimension %d out of range: the latent dimension is %d", j, L)
				}
			}
			g, err := m.Prior()
			if err != nil {
				return err
			}
			z0 := make([]float32, L)
			caption := "the prior's mean"
			for j := range z0 {
				z0[j] = float32(g.Mean[j])
			}
			if base != "" {
				if z0, caption, err = resolveRef(m, base, d, k, load); err != nil {
					return err
				}
			}
			std := g.Std()
			unit := space.Linspace(-span, span, steps)
			frames := mat32.New(len(ds)*steps, L)
			labels := make([]string, len(ds))
			var kl []float64
			if mt := m.Card().Metrics; mt != nil {
				kl = mt.KLPerDim
			}
			for r, j := range ds {
				vals := make([]float64, steps)
				for i, u := range unit {
					vals[i] = g.Mean[j] + u*std[j]
				}
				space.Traverse(frames.Slice(r*steps, (r+1)*steps), z0, j, vals)
				labels[r] = fmt.Sprintf("z%d", j)
				if kl != nil {
					labels[r] += fmt.Sprintf(" (KL %.2f)", kl[j])
				}
			}
			x, err := m.Decode(frames, repeatClass(k, frames.Rows))
			if err != nil {
				return err
			}
			err = saveDecoded(out, m, x, nil, "traversal", func(img dataset.ImageShape) (*viz.Figure, error) {
				return viz.Traversals(x, img, unit, labels, gridOptions(m, "from "+caption+"; columns: standard deviations of the prior"))
			})
			if err != nil {
				return err
			}
			if a.json {
				return writeJSON(a.stdout, traverseReport{Model: modelName, Base: caption, Dims: ds, Values: unit, Out: out})
			}
			fmt.Fprintf(a.stdout, "traversed dimensions %v from %s over ±%g standard deviations in %d steps\nwrote %s\n", ds, caption, span, steps, out)
			return nil
		},
	}
	fs := cmd.Flags()
	addModelFlag(fs, &modelName)
	fs.IntVar(&dim, "dim", 0, "the dimension to vary")
	fs.StringVar(&dims, "dims", "", "dimensions to vary, e.g. 0,3,7")
	fs.IntVar(&top, "top", 0, "vary the N dimensions with the most KL divergence (VAEs)")
	fs.StringVar(&base, "base", "", "code to start from (default: the prior's mean; see below)")
	fs.StringVar(&data, "data", "", "rows and labels that --base refers to")
	fs.Float64Var(&span, "range", 3, "vary each dimension over ±range standard deviations")
	fs.IntVar(&steps, "steps", 9, "values per dimension")
	fs.StringVar(&out, "out", "", "picture (.png, .svg) or decoded rows (.npy, ...)")
	fs.StringVar(&class, "class", "", "conditional models: the class to decode with")
	addLoadFlags(fs, &load, "")
	return cmd
}

// intListZero parses "0,3,7" (non-negative integers).
func intListZero(s, flag string) ([]int, error) {
	var out []int
	for _, f := range splitComma(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, usagef("--%s: %q is not a non-negative integer", flag, f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, usagef("--%s: no dimensions", flag)
	}
	return out, nil
}

// topDims returns the n dimensions with the largest KL per row, largest
// first.
func topDims(mt *model.Metrics, n, L int) ([]int, error) {
	if n <= 0 {
		return nil, usagef("--top must be at least 1, got %d", n)
	}
	if mt == nil || len(mt.KLPerDim) != L {
		return nil, fmt.Errorf("--top needs the KL divergence of each dimension, which only a VAE's model card has; use --dims")
	}
	idx := make([]int, L)
	for j := range idx {
		idx[j] = j
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case mt.KLPerDim[a] > mt.KLPerDim[b]:
			return -1
		case mt.KLPerDim[a] < mt.KLPerDim[b]:
			return 1
		}
		return 0
	})
	return idx[:min(n, L)], nil
}

// splitComma splits a comma-separated list, dropping empty items.
func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
