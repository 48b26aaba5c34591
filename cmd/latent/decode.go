package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/viz"
)

func init() { register(newDecodeCmd) }

// decodeResult is the --json output of decode.
type decodeResult struct {
	Model string `json:"model"`
	Codes string `json:"codes"`
	Out   string `json:"out"`
	Rows  int    `json:"rows"`
	Dim   int    `json:"dim"`
}

func newDecodeCmd(a *app) *cobra.Command {
	var (
		load                         formats.Options
		modelName, codes, out, class string
		cols                         int
	)
	cmd := &cobra.Command{
		Use:   "decode --model MODEL --codes CODES --out FILE",
		Short: "Decode latent codes into data rows or images",
		Long: `decode runs the model's decoder (a GAN's generator) on every row of --codes
(a file with one code of the model's latent dimension per row, e.g. written by
"latent encode") and writes the decoded rows to --out: a data file (.npy,
.tsv, .csv, .safetensors, with the codes' labels), or, for image models, a
grid picture (.png or .svg) with --cols images per row. A conditional model
decodes every code with --class.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if codes == "" {
				return usagef("no input: give --codes FILE")
			}
			if out == "" {
				return usagef("no output: give --out FILE")
			}
			if cols < 0 {
				return usagef("--cols must not be negative")
			}
			m, err := loadModel(modelName)
			if err != nil {
				return err
			}
			k, err := modelClass(m, class)
			if err != nil {
				return err
			}
			z, err := loadData(codes, load)
			if err != nil {
				return err
			}
			if z.Dim() != m.LatentDim() {
				return fmt.Errorf("%s has %d values per row; the model's codes have %d", codes, z.Dim(), m.LatentDim())
			}
			x, err := m.Decode(z.X, repeatClass(k, z.Len()))
			if err != nil {
				return fmt.Errorf("%s: %w", codes, err)
			}
			err = saveDecoded(out, m, x, z, z.Name+" decoded", func(img dataset.ImageShape) (*viz.Figure, error) {
				var captions []string
				if z.Labels != nil {
					for i := 0; i < z.Len(); i++ {
						captions = append(captions, z.Label(i))
					}
				}
				return viz.ImageGrid(x, img, gridCols(cols, x.Rows), captions, gridOptions(m, ""))
			})
			if err != nil {
				return err
			}
			if a.json {
				return writeJSON(a.stdout, decodeResult{Model: modelName, Codes: codes, Out: out, Rows: x.Rows, Dim: x.Cols})
			}
			fmt.Fprintf(a.stdout, "decoded %d codes of %s into rows of %v\nwrote %s\n", x.Rows, codes, m.InputShape(), out)
			return nil
		},
	}
	fs := cmd.Flags()
	addModelFlag(fs, &modelName)
	fs.StringVar(&codes, "codes", "", "codes to decode, one per row")
	fs.StringVar(&out, "out", "", "decoded rows (.npy, .tsv, .csv, .safetensors) or a picture (.png, .svg)")
	fs.StringVar(&class, "class", "", "conditional models: the class to decode with")
	fs.IntVar(&cols, "cols", 0, "picture: images per row (0: about square)")
	addLoadFlags(fs, &load, "")
	return cmd
}

// gridCols returns cols, or about √n when cols is 0.
func gridCols(cols, n int) int {
	if cols > 0 {
		return cols
	}
	c := 1
	for c*c < n {
		c++
	}
	return c
}
