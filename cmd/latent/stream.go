package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/reduce/umap"
	"github.com/latentlab/latent/stream"
	"github.com/latentlab/latent/weaviate"
)

func init() { register(newProjectStreamCmd) }

// streamReport is the --json output of project-stream.
type streamReport struct {
	Method     string  `json:"method"`
	Rows       int     `json:"rows"`
	Cols       int     `json:"cols"`
	Dims       int     `json:"dims"`
	Sampled    int     `json:"sampled"`
	Resumed    int     `json:"resumed"`
	FitSeconds float64 `json:"fit_seconds"`
	Seconds    float64 `json:"transform_seconds"`
	RowsPerSec float64 `json:"rows_per_second"`
	Out        string  `json:"out,omitempty"`
	Property   string  `json:"property,omitempty"`
}

func newProjectStreamCmd(a *app) *cobra.Command {
	var (
		dataPath, store, name, out, prop, method, metric, consistency string
		o                                                             stream.Options
		neighbors                                                     int
	)
	cmd := &cobra.Command{
		Use:   "project-stream (--data IN.npy | --store URL --collection NAME) (--out OUT.npy | --property NAME)",
		Short: "Project data larger than memory: fit on a sample, transform the rest in batches",
		Long: `project-stream fits PCA, UMAP or t-SNE on a seeded sample of the rows
(--sample), then places every row with the fitted model, --batch rows at a
time, so memory is bounded by the batch and the sample, not by the data.

Input is a .npy file (read a batch at a time) or a Weaviate collection written
by "latent push" (walked with its cursor). Output is a .npy file of
rows×dims float32 (written to OUT.partial and renamed at the end), and, for a
collection, optionally the number[] property --property of each object.

With --checkpoint FILE, progress is recorded after each batch (and the
fitted model kept beside it): after a crash or Ctrl-C, the same command
continues where it stopped and writes the same result as an uninterrupted
run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			fromStore := store != "" || name != ""
			switch {
			case dataPath == "" && !fromStore:
				return usagef("give --data IN.npy, or --store and --collection")
			case dataPath != "" && fromStore:
				return usagef("give either --data or --store/--collection, not both")
			case fromStore && (store == "" || name == ""):
				return usagef("a collection needs both --store and --collection")
			case out == "" && prop == "":
				return usagef("give --out OUT.npy (or --property for a collection)")
			case prop != "" && !fromStore:
				return usagef("--property writes to a collection; the input is a file")
			}
			var err error
			if o.Method, err = stream.ParseMethod(method); err != nil {
				return usageError{err}
			}
			if o.Consistency, err = weaviate.ParseConsistency(consistency); err != nil {
				return usageError{err}
			}
			if o.Method == "umap" {
				uo := umap.DefaultOptions()
				if uo.Metric, err = umap.ParseMetric(metric); err != nil {
					return usageError{err}
				}
				if neighbors > 0 {
					uo.Neighbors = neighbors
				}
				o.UMAP = &uo
			}
			o.Seed = a.seed
			bar := a.progressBar()
			o.Progress = bar.Func()
			var res stream.Result
			if fromStore {
				cfg, err := storeConfig(store)
				if err != nil {
					return err
				}
				c, err := weaviate.Dial(ctx, cfg)
				if err != nil {
					return err
				}
				defer c.Close()
				col, err := c.Collection(ctx, name)
				if err != nil {
					return err
				}
				res, err = stream.Collection(ctx, col, out, prop, o)
				if err != nil {
					return err
				}
			} else {
				if res, err = stream.NPY(ctx, dataPath, out, o); err != nil {
					return err
				}
			}
			rep := streamReport{Method: o.Method, Rows: res.Rows, Cols: res.Cols, Dims: res.Components, Sampled: res.Sampled,
				Resumed: res.Resumed, FitSeconds: res.Fit.Seconds(), Seconds: res.Transform.Seconds(), Out: out, Property: prop}
			if s := res.Transform.Seconds(); s > 0 {
				rep.RowsPerSec = float64(res.Rows-res.Resumed) / s
			}
			if a.json {
				return writeJSON(a.stdout, rep)
			}
			fmt.Fprintf(a.stdout, "%s: %d×%d → %d dims; fitted on %d rows in %s", o.Method, res.Rows, res.Cols, res.Components, res.Sampled, res.Fit.Round(time.Millisecond))
			if res.Resumed > 0 {
				fmt.Fprintf(a.stdout, " (model from the checkpoint; %d rows were done)", res.Resumed)
			}
			fmt.Fprintf(a.stdout, "; transformed in %s (%.0f rows/s)\n", res.Transform.Round(time.Millisecond), rep.RowsPerSec)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataPath, "data", "", "input .npy file (float rows, C order)")
	f.StringVar(&store, "store", "", "weaviate://host:port[,host:port...] holding --collection (API key in $WEAVIATE_API_KEY)")
	f.StringVar(&name, "collection", "", "collection to project")
	f.StringVar(&out, "out", "", "write the coordinates here (.npy)")
	f.StringVar(&prop, "property", "", "collection input: also store the coordinates as this number[] property")
	f.StringVar(&method, "method", "pca", "pca, umap or tsne")
	f.IntVar(&o.Components, "dims", 2, "output dimensions")
	f.IntVar(&o.Sample, "sample", 0, fmt.Sprintf("rows to fit on (0 = %d for PCA, %d for UMAP, %d for t-SNE)", stream.DefaultSamplePCA, stream.DefaultSampleUMAP, stream.DefaultSampleTSNE))
	f.IntVar(&o.BatchSize, "batch", stream.DefaultBatchSize, "rows transformed at once (a collection is read 10,000 at most)")
	f.StringVar(&o.Checkpoint, "checkpoint", "", "record progress in this file and resume from it")
	f.StringVar(&o.Model, "model", "", "save the fitted model here")
	f.StringVar(&metric, "metric", "euclidean", "UMAP input metric: euclidean, cosine, correlation or manhattan")
	f.IntVar(&neighbors, "neighbors", 0, "UMAP neighbourhood size (0 = 15)")
	f.StringVar(&consistency, "consistency", "", "collection writes: one, quorum or all")
	return cmd
}
