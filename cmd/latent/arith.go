package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/space"
	"github.com/latentlab/latent/viz"
)

func init() { register(newArithCmd) }

// arithReport is the --json output of arith.
type arithReport struct {
	Model  string    `json:"model"`
	Add    string    `json:"add"`
	Sub    string    `json:"sub"`
	Norm   float64   `json:"norm"`
	Vector []float32 `json:"vector"`
	Bases  []string  `json:"bases"`
	Scales []float64 `json:"scales"`
	Out    string    `json:"out,omitempty"`
}

func newArithCmd(a *app) *cobra.Command {
	var (
		load                                   formats.Options
		modelName, data, add, sub, scales, out string
		vec, class                             string
		bases                                  []string
	)
	cmd := &cobra.Command{
		Use:   "arith --model MODEL --data FILE --add LABEL [--sub LABEL] --base REF... --out FILE.png",
		Short: "Latent vector arithmetic with attribute vectors",
		Long: `arith computes the attribute vector v = mean code of the rows of --data labelled
--add minus the mean code of the rows labelled --sub (default: minus the mean
code of all rows), adds --scales multiples of it to each --base code and
decodes the results: one row of the picture per base, one column per scale
(scale 0 is the base itself). "--add Sneaker --sub Sandal --base 7" moves
row 7 from sandal toward sneaker. Labels may also be metadata values.

` + refHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return usagef("attribute vectors need labelled rows: give --data FILE")
			}
			if add == "" {
				return usagef("give the attribute: --add LABEL")
			}
			if out == "" && vec == "" {
				return usagef("no output: give --out FILE and/or --vectors FILE")
			}
			sc, err := floatList(scales, "scales")
			if err != nil {
				return err
			}
			if len(bases) == 0 {
				bases = []string{"prior:0", "prior:1", "prior:2", "prior:3"}
			}
			m, d, k, err := modelAndData(modelName, data, class, load)
			if err != nil {
				return err
			}
			add, sub = strings.TrimPrefix(add, "label:"), strings.TrimPrefix(sub, "label:")
			with, err := knn.Lookup(d, add)
			if err != nil {
				return err
			}
			var without []int
			if sub != "" {
				if without, err = knn.Lookup(d, sub); err != nil {
					return err
				}
			}
			rows := append(append([]int(nil), with...), without...)
			if sub == "" {
				rows = nil // every row: v = mean(with) − mean(all)
			}
			z, err := model.EncodeRows(m, d, rows)
			if err != nil {
				return err
			}
			wi, wo := seq(0, len(with)), seq(len(with), len(with)+len(without))
			if sub == "" {
				wi, wo = with, seq(0, d.Len())
			}
			v, err := space.AttributeVector(nil, z, wi, wo)
			if err != nil {
				return err
			}
			codes := mat32.New(len(bases)*len(sc), m.LatentDim())
			labels := make([]string, len(bases))
			for i, b := range bases {
				zb, caption, err := resolveRef(m, b, d, k, load)
				if err != nil {
					return err
				}
				space.AddScaled(codes.Slice(i*len(sc), (i+1)*len(sc)), zb, v, sc)
				labels[i] = caption
			}
			x, err := m.Decode(codes, repeatClass(k, codes.Rows))
			if err != nil {
				return err
			}
			what := add + " − " + sub
			if sub == "" {
				what = add + " − all"
			}
			if out != "" {
				err := saveDecoded(out, m, x, nil, "arithmetic", func(img dataset.ImageShape) (*viz.Figure, error) {
					g := viz.Grid{Images: x, Shape: img, Cols: len(sc), RowLabels: labels, Options: gridOptions(m, "+ s·("+what+")")}
					for _, s := range sc {
						g.ColLabels = append(g.ColLabels, "s="+strconv.FormatFloat(s, 'g', 3, 64))
					}
					return g.Figure()
				})
				if err != nil {
					return err
				}
			}
			if vec != "" {
				if err := saveRows(vec, codes, nil, dataset.ImageShape{}, "arithmetic codes"); err != nil {
					return err
				}
			}
			var norm float64
			for _, x := range v {
				norm += float64(x) * float64(x)
			}
			norm = math.Sqrt(norm)
			if a.json {
				return writeJSON(a.stdout, arithReport{Model: modelName, Add: add, Sub: sub, Norm: norm, Vector: v, Bases: labels, Scales: sc, Out: out})
			}
			fmt.Fprintf(a.stdout, "attribute vector %s: %d and %d rows, norm %.3f\n", what, len(wi), len(wo), norm)
			for _, p := range []string{out, vec} {
				if p != "" {
					fmt.Fprintf(a.stdout, "wrote %s\n", p)
				}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	addModelFlag(fs, &modelName)
	fs.StringVar(&data, "data", "", "labelled rows the attribute vector is computed from")
	fs.StringVar(&add, "add", "", "label (or metadata value) whose mean code is added")
	fs.StringVar(&sub, "sub", "", "label whose mean code is subtracted (default: all rows)")
	fs.StringArrayVar(&bases, "base", nil, "code to move (repeatable; default prior:0 … prior:3; see below)")
	fs.StringVar(&scales, "scales", "0,0.5,1,1.5,2", "multiples of the attribute vector to add")
	fs.StringVar(&out, "out", "", "picture (.png, .svg) or decoded rows (.npy, ...)")
	fs.StringVar(&vec, "vectors", "", "write the codes to this file (.npy, ...)")
	fs.StringVar(&class, "class", "", "conditional models: the class to decode with")
	addLoadFlags(fs, &load, "")
	return cmd
}

// floatList parses "0,0.5,1".
func floatList(s, flag string) ([]float64, error) {
	var out []float64
	for _, f := range splitComma(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v != v {
			return nil, usagef("--%s: %q is not a number", flag, f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, usagef("--%s: no values", flag)
	}
	return out, nil
}

// seq returns lo, lo+1, …, hi−1.
func seq(lo, hi int) []int {
	s := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}
