package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/weaviate"
)

func init() { register(newPushCmd) }

// pushReport is the --json output of push.
type pushReport struct {
	Store      string             `json:"store"`
	Collection string             `json:"collection"`
	Rows       int                `json:"rows"`
	Dim        int                `json:"dim"`
	Resumed    int                `json:"resumed"`
	Sent       int                `json:"sent"`
	Seconds    float64            `json:"seconds"`
	PerSecond  float64            `json:"vectors_per_second"`
	Failed     []weaviate.Failure `json:"failed,omitempty"`
}

func newPushCmd(a *app) *cobra.Command {
	var (
		dataPath, store, name, metricName, ckPath, consistency string
		spec                                                   weaviate.Spec
		popt                                                   weaviate.PushOptions
		drop                                                   bool
		opt                                                    formats.Options
	)
	cmd := &cobra.Command{
		Use:   "push --data FILE --store weaviate://HOST:PORT --collection NAME",
		Short: "Store a collection's vectors, labels and metadata in a Weaviate cluster",
		Long: `push stores every row of FILE in the Weaviate collection NAME (created if
missing, with FILE's dimension, --metric and metadata columns), with its label
and metadata, in concurrent gRPC batches. A .npy file is read a batch at a time,
so files larger than memory can be pushed (labels from --labels); other
formats are loaded whole.

Row r becomes the object with an ID derived from the collection and r, so
pushing again replaces objects instead of duplicating them. Failed requests
are retried with backoff, on another node when --store names several. With
--checkpoint FILE, the rows stored are recorded as the push advances and a
second push with the same checkpoint continues where the first stopped.

The store is weaviate://HOST:PORT[,HOST:PORT...][?grpc=PORT[,PORT...]]; the API
key, if the cluster wants one, is read from $WEAVIATE_API_KEY.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if dataPath == "" || store == "" || name == "" {
				return usagef("push needs --data, --store and --collection")
			}
			cfg, err := storeConfig(store)
			if err != nil {
				return err
			}
			if spec.Metric, err = knn.ParseMetric(metricName); err != nil {
				return usageError{err}
			}
			if popt.Consistency, err = weaviate.ParseConsistency(consistency); err != nil {
				return usageError{err}
			}
			spec.Name = name
			if _, err := weaviate.ClassName(name); err != nil {
				return usageError{err}
			}
			src, side, source, closeSrc, err := openPushSource(dataPath, opt)
			if err != nil {
				return err
			}
			defer closeSrc()
			spec.Dim = src.Cols()
			for _, c := range side.Meta {
				spec.Meta = append(spec.Meta, c.Name)
			}
			c, err := weaviate.Dial(ctx, cfg)
			if err != nil {
				return err
			}
			defer c.Close()
			if drop {
				if err := c.Drop(ctx, name); err != nil {
					return err
				}
			}
			col, err := c.Create(ctx, spec)
			if err != nil {
				return err
			}
			bar := a.progressBar()
			popt.Progress = bar.Func()
			popt.Checkpoint, popt.Source = ckPath, source
			res, err := col.Push(ctx, src, side, popt)
			var pe *weaviate.PartialError
			if err != nil && !errors.As(err, &pe) {
				return err
			}
			rep := pushReport{Store: cfg.String(), Collection: col.Name, Rows: res.Rows, Dim: col.Dim, Resumed: res.Resumed,
				Sent: res.Sent, Seconds: res.Elapsed.Seconds(), Failed: res.Failed}
			if s := res.Elapsed.Seconds(); s > 0 {
				rep.PerSecond = float64(res.Sent) / s
			}
			if a.json {
				if err := writeJSON(a.stdout, rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(a.stdout, "pushed %d of %d rows (%d-d) into %s", res.Sent, res.Rows, col.Dim, col.Name)
				if res.Resumed > 0 {
					fmt.Fprintf(a.stdout, ", %d already there from the checkpoint", res.Resumed)
				}
				fmt.Fprintf(a.stdout, " in %s (%.0f vectors/s)\n", res.Elapsed.Round(time.Millisecond), rep.PerSecond)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataPath, "data", "", "the vectors to push (any format latent reads; .npy is streamed)")
	f.StringVar(&store, "store", "", "weaviate://host:port[,host:port...][?grpc=port] (API key in $WEAVIATE_API_KEY)")
	f.StringVar(&name, "collection", "", "collection name (letters, digits, _; Weaviate capitalises the first letter)")
	f.StringVar(&metricName, "metric", "euclidean", "euclidean, cosine, ip (inner product) or manhattan, for a new collection")
	f.StringVar(&ckPath, "checkpoint", "", "record progress in this file and resume from it")
	f.StringVar(&consistency, "consistency", "", "replicas that must acknowledge each write: one, quorum or all (default: the server's)")
	f.IntVar(&popt.BatchSize, "batch", weaviate.DefaultBatchSize, "objects per request")
	f.IntVar(&popt.Concurrency, "concurrency", weaviate.DefaultConcurrency, "requests in flight")
	f.IntVar(&spec.Replication, "replication", 1, "copies of each shard, for a new collection")
	f.BoolVar(&spec.AsyncReplication, "async-replication", false, "let replicas repair each other in the background")
	f.IntVar(&spec.Shards, "shards", 0, "shards of a new collection (0 = one per node)")
	f.BoolVar(&spec.Flat, "flat", false, "exact (brute-force) index instead of HNSW")
	f.IntVar(&spec.Ef, "ef", 0, "HNSW search breadth (0 = Weaviate's dynamic default)")
	f.IntVar(&spec.EfConstruction, "ef-construction", 0, "HNSW build breadth (0 = Weaviate's default, 128)")
	f.IntVar(&spec.MaxConnections, "max-connections", 0, "HNSW links per node (0 = Weaviate's default, 32)")
	f.BoolVar(&drop, "drop", false, "delete the collection first if it exists")
	addLoadFlags(f, &opt, "")
	return cmd
}

// storeConfig parses a --store URL; a bad one is a usage error.
func storeConfig(url string) (weaviate.Config, error) {
	if !weaviate.IsURL(url) {
		return weaviate.Config{}, usagef("--store %q: want weaviate://host:port[,host:port...]", url)
	}
	cfg, err := weaviate.ParseURL(url)
	if err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// openPushSource opens the data to push: a .npy file as a row stream (with
// labels from opt.Labels), anything else loaded whole. It returns the rows,
// the labels and metadata, a description of the source for the
// checkpoint, and the function that closes it.
func openPushSource(path string, opt formats.Options) (weaviate.RowReader, weaviate.Side, string, func(), error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, weaviate.Side{}, "", nil, err
	}
	abs, _ := filepath.Abs(path)
	source := fmt.Sprintf("%s [%d bytes, modified %s]", abs, st.Size(), st.ModTime().UTC().Format(time.RFC3339Nano))
	streamable := strings.EqualFold(filepath.Ext(path), ".npy") && (opt.Format == "" || opt.Format == "npy") &&
		opt.LabelColumn == "" && opt.Columns == "" && !opt.Gray && opt.ResizeW == 0 && opt.MaxRows == 0
	if streamable {
		r, err := npy.OpenRows(path)
		if err == nil {
			var side weaviate.Side
			if opt.Labels != "" {
				names, err := formats.ReadLabels(opt.Labels)
				if err != nil {
					r.Close()
					return nil, side, "", nil, err
				}
				if len(names) != r.Rows() {
					r.Close()
					return nil, side, "", nil, fmt.Errorf("%s: %d labels for the %d rows of %s", opt.Labels, len(names), r.Rows(), path)
				}
				var d dataset.Dataset
				d.SetLabels(names)
				side = weaviate.Side{Labels: d.Labels, Classes: d.Classes}
				source += " labels " + opt.Labels
			}
			return r, side, source, func() { r.Close() }, nil
		}
		var ue npy.UnsupportedError
		if !errors.As(err, &ue) {
			return nil, weaviate.Side{}, "", nil, err
		}
		// Fortran order and the like: load the file whole instead.
	}
	d, err := loadData(path, opt)
	if err != nil {
		return nil, weaviate.Side{}, "", nil, err
	}
	if opt.Labels != "" {
		source += " labels " + opt.Labels
	}
	return mat32.MatrixRows(d.X), weaviate.SideOf(d), source, func() {}, nil
}
