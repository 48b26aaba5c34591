package main

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/mat32"
)

func init() { register(newVersionCmd) }

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and build facts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := map[string]string{
				"version": version,
				"go":      runtime.Version(),
				"os_arch": runtime.GOOS + "/" + runtime.GOARCH,
				"blas":    mat32.BLAS,
			}
			if a.json {
				return json.NewEncoder(a.stdout).Encode(info)
			}
			fmt.Fprintf(a.stdout, "latent %s (%s, %s, BLAS: %s)\n", info["version"], info["go"], info["os_arch"], info["blas"])
			return nil
		},
	}
}
