package main

import (
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/space"
	"github.com/latentlab/latent/viz"
)

func init() { register(newInterpolateCmd) }

// refHelp describes the references --from, --to, --base and --add accept.
const refHelp = `A point of the latent space is given as:
  12 or #12        row 12 of --data (its code; μ for a VAE)
  label:NAME       the mean code of the rows of --data labelled NAME (a bare
                   NAME that is not a number or a file means the same)
  file:PATH        the first row of PATH: a code, or a data row to encode
  prior:SEED       a draw from the model's prior (the only kind a GAN takes)
  z:v1,v2,...      a code given literally`

// interpolateReport is the --json output of interpolate.
type interpolateReport struct {
	Model   string      `json:"model"`
	From    string      `json:"from"`
	To      string      `json:"to"`
	Method  string      `json:"method"`
	Steps   int         `json:"steps"`
	Out     string      `json:"out"`
	Vectors string      `json:"vectors,omitempty"`
	Codes   [][]float32 `json:"codes"`
}

func newInterpolateCmd(a *app) *cobra.Command {
	var (
		load                                               formats.Options
		modelName, data, from, to, method, out, vec, class string
		steps                                              int
	)
	cmd := &cobra.Command{
		Use:   "interpolate --model MODEL --from A --to B --out STRIP.png",
		Short: "Decode a straight or spherical path between two points of a latent space",
		Long: `interpolate decodes --steps evenly spaced codes from A to B, both included, by
--method lerp (straight line) or slerp (great circle, which keeps the norm of
the ends: for a Gaussian prior the midpoint of a straight line is atypically
near the origin), and draws them as a strip (.png or .svg; when A and B are
rows of --data their images frame the strip) or writes the decoded rows to a
data file. --vectors FILE.npy writes the codes of the path.

` + refHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return usagef("give both ends: --from A --to B")
			}
			if out == "" && vec == "" {
				return usagef("no output: give --out FILE and/or --vectors FILE")
			}
			if steps < 2 {
				return usagef("--steps must be at least 2, got %d", steps)
			}
			meth, err := space.ParseMethod(method)
			if err != nil {
				return usageError{err}
			}
			m, d, k, err := modelAndData(modelName, data, class, load)
			if err != nil {
				return err
			}
			za, ca, err := resolveRef(m, from, d, k, load)
			if err != nil {
				return err
			}
			zb, cb, err := resolveRef(m, to, d, k, load)
			if err != nil {
				return err
			}
			path := space.Path(nil, za, zb, steps, meth)
			x, err := m.Decode(path, repeatClass(k, steps))
			if err != nil {
				return err
			}
			if out != "" {
				err := saveDecoded(out, m, x, nil, "interpolation", func(img dataset.ImageShape) (*viz.Figure, error) {
					opt := gridOptions(m, fmt.Sprintf("%s → %s (%s)", ca, cb, meth))
					return viz.Interpolations(x, steps, img, []string{meth.String()}, endImages(d, from, to), opt)
				})
				if err != nil {
					return err
				}
			}
			if vec != "" {
				if err := saveRows(vec, path, nil, dataset.ImageShape{}, "interpolation codes"); err != nil {
					return err
				}
			}
			if a.json {
				rep := interpolateReport{Model: modelName, From: from, To: to, Method: meth.String(), Steps: steps, Out: out, Vectors: vec}
				for i := 0; i < path.Rows; i++ {
					rep.Codes = append(rep.Codes, path.Row(i))
				}
				return writeJSON(a.stdout, rep)
			}
			fmt.Fprintf(a.stdout, "%d steps from %s to %s by %s (latent distance %.3f)\n", steps, ca, cb, meth, dist(za, zb))
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
	fs.StringVar(&data, "data", "", "rows and labels that --from and --to refer to")
	fs.StringVar(&from, "from", "", "start of the path (see below)")
	fs.StringVar(&to, "to", "", "end of the path")
	fs.IntVar(&steps, "steps", 10, "codes on the path, both ends included")
	fs.StringVar(&method, "method", "slerp", "lerp or slerp")
	fs.StringVar(&out, "out", "", "strip picture (.png, .svg) or decoded rows (.npy, ...)")
	fs.StringVar(&vec, "vectors", "", "write the path's codes to this file (.npy, ...)")
	fs.StringVar(&class, "class", "", "conditional models: the class to decode with")
	addLoadFlags(fs, &load, "")
	return cmd
}

// modelAndData loads the model, the optional data and the class index.
func modelAndData(modelName, data, class string, load formats.Options) (model.Model, *dataset.Dataset, int, error) {
	m, err := loadModel(modelName)
	if err != nil {
		return nil, nil, 0, err
	}
	k, err := modelClass(m, class)
	if err != nil {
		return nil, nil, 0, err
	}
	var d *dataset.Dataset
	if data != "" {
		if d, err = loadData(data, load); err != nil {
			return nil, nil, 0, err
		}
		if d.Dim() != m.InputShape().Dim {
			return nil, nil, 0, fmt.Errorf("%s has %d values per row; the model takes %v", data, d.Dim(), m.InputShape())
		}
	}
	return m, d, k, nil
}

// endImages returns the rows of d that two references name when both are
// row references, for framing a strip; nil otherwise.
func endImages(d *dataset.Dataset, from, to string) *mat32.Dense {
	if d == nil {
		return nil
	}
	ra, err1 := model.ParseRef(from, nil)
	rb, err2 := model.ParseRef(to, nil)
	if err1 != nil || err2 != nil || ra.Kind != model.RefRow || rb.Kind != model.RefRow || ra.Row >= d.Len() || rb.Row >= d.Len() {
		return nil
	}
	return mat32.Gather(nil, d.X, []int{ra.Row, rb.Row})
}

func dist(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i] - b[i])
		s += d * d
	}
	return math.Sqrt(s)
}
