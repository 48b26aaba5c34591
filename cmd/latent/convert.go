package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/formats"
)

func init() { register(newConvertCmd) }

func newConvertCmd(a *app) *cobra.Command {
	var opt formats.Options
	var outFormat string
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
			return nil
		},
	}
	cmd.Flags().StringVar(&outFormat, "to", "", "output format (default: from OUT's name)")
	addLoadFlags(cmd.Flags(), &opt, "")
	return cmd
}
