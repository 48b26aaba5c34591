package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
)

func init() { register(newConvertCmd) }

func newConvertCmd(a *app) *cobra.Command {
	var opt formats.Options
	var outFormat, labelsOut string
	cmd := &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert data between formats (chosen by name or --format / --to)",
		Long: `convert reads IN in any format latent knows and writes OUT. The output
format comes from --to, else from OUT's name (.npy, .tsv, .csv, .safetensors,
.idx/-ubyte, a directory for image folders or the Projector). The output is
written to a temporary file and renamed, so an interrupted run leaves nothing.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := loadData(args[0], opt)
			if err != nil {
				return err
			}
			if err := cmd.Context().Err(); err != nil {
				return err
			}
			if err := formats.Save(args[1], d, outFormat); err != nil {
				return err
			}
			if !a.quiet {
				fmt.Fprintf(a.stderr, "wrote %s: %d×%d\n", args[1], d.Len(), d.Dim())
			}
			if labelsOut != "" {
				if !d.HasLabels() {
					return fmt.Errorf("%s has no labels to write to %s", args[0], labelsOut)
				}
				return writeLabels(labelsOut, d)
			}
			if d.HasLabels() && dropsLabels(args[1], outFormat) && !a.quiet {
				fmt.Fprintf(a.stderr, "note: %s keeps no labels; add --labels-out FILE to write them (one per line)\n", args[1])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&outFormat, "to", "", "output format (default: from OUT's name)")
	cmd.Flags().StringVar(&labelsOut, "labels-out", "", "also write the labels to this text file, one per line")
	addLoadFlags(cmd.Flags(), &opt, "")
	return cmd
}

// writeLabels writes one class name per row (empty for unlabelled rows),
// the text form every loader's --labels flag reads.
func writeLabels(path string, d *dataset.Dataset) error {
	return formats.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		for i := 0; i < d.Len(); i++ {
			bw.WriteString(d.Label(i))
			bw.WriteByte('\n')
		}
		return bw.Flush()
	})
}

// dropsLabels reports whether writing to path in format keeps no labels.
func dropsLabels(path, format string) bool {
	if format == "" {
		if f, err := formats.Detect(path); err == nil {
			format = f.Name
		} else if formats.HasSuffix(path, ".npy") {
			format = "npy"
		}
	}
	return format == "npy"
}
