package main

import (
	"fmt"
	"math"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

func init() { register(newInfoCmd) }

// fileInfo is what `latent info` reports about one file.
type fileInfo struct {
	Path        string       `json:"path"`
	Format      string       `json:"format"`
	Rows        int          `json:"rows"`
	Cols        int          `json:"cols"`
	SourceType  string       `json:"dtype"`
	Image       string       `json:"image,omitempty"`
	Min         *float32     `json:"min,omitempty"`
	Max         *float32     `json:"max,omitempty"`
	NonFinite   int          `json:"non_finite"`
	FirstBadRow int          `json:"first_non_finite_row"`
	MemoryBytes int64        `json:"memory_bytes"`
	Classes     []classCount `json:"labels,omitempty"`
	Unlabelled  int          `json:"unlabelled,omitempty"`
	Meta        []string     `json:"metadata_columns,omitempty"`
}

type classCount struct {
	Class string `json:"class"`
	Count int    `json:"count"`
}

func newInfoCmd(a *app) *cobra.Command {
	var opt formats.Options
	cmd := &cobra.Command{
		Use:   "info FILE...",
		Short: "Describe data files: shape, type, value range, NaN/Inf, labels, memory",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var infos []fileInfo
			for _, path := range args {
				if err := cmd.Context().Err(); err != nil {
					return err
				}
				f := opt
				format := f.Format
				if format == "" {
					ff, err := formats.Detect(path)
					if err != nil {
						return err
					}
					format = ff.Name
				}
				d, err := loadData(path, f)
				if err != nil {
					return err
				}
				infos = append(infos, describe(path, format, d))
			}
			if a.json {
				return writeJSON(a.stdout, infos)
			}
			for i, fi := range infos {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				printInfo(a, fi)
			}
			return nil
		},
	}
	addLoadFlags(cmd.Flags(), &opt, "")
	return cmd
}

func describe(path, format string, d *dataset.Dataset) fileInfo {
	fi := fileInfo{
		Path: path, Format: format, Rows: d.Len(), Cols: d.Dim(), SourceType: d.SourceType,
		MemoryBytes: int64(len(d.X.Data)) * 4, FirstBadRow: -1,
	}
	if fi.SourceType == "" {
		fi.SourceType = "float32"
	}
	if d.Image.IsImage() {
		fi.Image = d.Image.String()
	}
	if lo, hi, ok := mat32.MinMax(d.X.Data); ok {
		fi.Min, fi.Max = &lo, &hi
	}
	fi.NonFinite, fi.FirstBadRow = mat32.CountNonFinite(d.X)
	if d.HasLabels() {
		counts, unl := d.LabelCounts()
		fi.Unlabelled = unl
		for i, c := range counts {
			fi.Classes = append(fi.Classes, classCount{d.Classes[i], c})
		}
	}
	for _, c := range d.Meta {
		fi.Meta = append(fi.Meta, c.Name)
	}
	return fi
}

func printInfo(a *app, fi fileInfo) {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "file\t%s\n", fi.Path)
	fmt.Fprintf(w, "format\t%s\n", fi.Format)
	fmt.Fprintf(w, "shape\t%d×%d\n", fi.Rows, fi.Cols)
	fmt.Fprintf(w, "dtype\t%s\n", fi.SourceType)
	if fi.Image != "" {
		fmt.Fprintf(w, "image\t%s (H×W×C)\n", fi.Image)
	}
	if fi.Min != nil {
		fmt.Fprintf(w, "range\t[%g, %g]\n", *fi.Min, *fi.Max)
	} else {
		fmt.Fprintf(w, "range\tno finite values\n")
	}
	if fi.NonFinite > 0 {
		fmt.Fprintf(w, "NaN/Inf\t%d (first in row %d)\n", fi.NonFinite, fi.FirstBadRow)
	} else {
		fmt.Fprintf(w, "NaN/Inf\t0\n")
	}
	fmt.Fprintf(w, "memory\t%s as float32\n", humanBytes(fi.MemoryBytes))
	if len(fi.Meta) > 0 {
		fmt.Fprintf(w, "metadata\t%v\n", fi.Meta)
	}
	w.Flush()
	if len(fi.Classes) > 0 {
		fmt.Fprintf(a.stdout, "labels: %d classes", len(fi.Classes))
		if fi.Unlabelled > 0 {
			fmt.Fprintf(a.stdout, ", %d unlabelled rows", fi.Unlabelled)
		}
		fmt.Fprintln(a.stdout)
		const maxShown = 30
		w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		for i, c := range fi.Classes {
			if i == maxShown {
				fmt.Fprintf(w, "  …\t%d more\t\n", len(fi.Classes)-maxShown)
				break
			}
			fmt.Fprintf(w, "  %s\t%d\t\n", c.Class, c.Count)
		}
		w.Flush()
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	exp := int(math.Log(float64(n)) / math.Log(unit))
	exp = min(exp, 4)
	return fmt.Sprintf("%.1f %ciB", float64(n)/math.Pow(unit, float64(exp)), "KMGT"[exp-1])
}
