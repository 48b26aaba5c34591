package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/store"
)

func init() { register(newImportCmd) }

func newImportCmd(a *app) *cobra.Command {
	var workspace, name string
	var load formats.Options
	cmd := &cobra.Command{
		Use:   "import FILE [--name N] [--workspace DIR]",
		Short: "Add a data file to a workspace, for latent serve",
		Long: `import reads FILE (any format latent reads; see the load flags) and stores it
in the workspace as a dataset called --name (default: the file name without
its extension). The dataset is complete on disk before it appears in the
catalogue, so an import that is interrupted leaves nothing behind. A running
"latent serve" on the same workspace sees it at once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if name == "" {
				name = filepath.Base(path)
				if i := strings.Index(name, "."); i > 0 {
					name = name[:i]
				}
			}
			if err := store.ValidateName(name); err != nil {
				return usagef("--name: %v", err)
			}
			d, err := loadData(path, load)
			if err != nil {
				return err
			}
			if err := dataset.CheckFinite(path, d.X); err != nil {
				return err
			}
			st, err := store.Open(workspace)
			if err != nil {
				return err
			}
			defer st.Close()
			info, err := st.AddDataset(cmd.Context(), name, filepath.Base(path), d)
			if err != nil {
				return err
			}
			if a.json {
				return writeJSON(a.stdout, info)
			}
			fmt.Fprintf(a.stdout, "%s\t%s\t%d×%d\n", info.ID, info.Name, info.Rows, info.Dim)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&workspace, "workspace", defaultWorkspace, "workspace folder (created if missing)")
	fs.StringVar(&name, "name", "", "dataset name (default: the file name without extension)")
	addLoadFlags(fs, &load, "")
	return cmd
}
