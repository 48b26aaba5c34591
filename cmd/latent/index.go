package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/knn/hnsw"
)

func init() { register(newIndexCmd) }

// indexReport is the --json output of index build.
type indexReport struct {
	Path           string  `json:"path"`
	Vectors        int     `json:"vectors"`
	Dim            int     `json:"dim"`
	Metric         string  `json:"metric"`
	M              int     `json:"m"`
	EfConstruction int     `json:"ef_construction"`
	Ef             int     `json:"ef"`
	Seconds        float64 `json:"seconds"`
	Bytes          int64   `json:"bytes"`
}

func newIndexCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Build and query a saved HNSW index for fast approximate neighbours",
		Long: `index builds an HNSW index of a data set and saves it to a file
(format: knn/hnsw/FORMAT.md), and answers queries from that file. The index
holds the vectors, so queries need only the index; --data adds labels.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usagef("index needs a subcommand: build or query")
		},
	}
	cmd.AddCommand(newIndexBuildCmd(a), newIndexQueryCmd(a))
	return cmd
}

func newIndexBuildCmd(a *app) *cobra.Command {
	var (
		dataPath, out, metricName string
		m, efC, ef                int
		opt                       formats.Options
	)
	cmd := &cobra.Command{
		Use:   "build --data BASE --out FILE",
		Short: "Build an HNSW index of BASE and save it",
		Long: `build indexes every row of BASE (row i becomes id i) and writes FILE
atomically. Insertion runs on --threads workers; with --threads 1 the index is
a function of the data and --seed (bit-identical files), with more threads the
links (not the recall) vary from run to run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out FILE is required")
			}
			if m < 2 || m > 1024 {
				return usagef("--m must be in [2,1024], got %d", m)
			}
			if efC < 1 || ef < 1 {
				return usagef("--ef-construction and --ef must be at least 1")
			}
			metric, err := knn.ParseMetric(metricName)
			if err != nil {
				return usageError{err}
			}
			d, err := loadData(dataPath, opt)
			if err != nil {
				return err
			}
			ix := hnsw.New(d.Dim(), hnsw.Config{M: m, EfConstruction: efC, Ef: ef, Metric: metric, Seed: a.seed, Workers: a.threads})
			bar := a.progressBar()
			start := time.Now()
			err = ix.Add(cmd.Context(), d.X, bar.Func())
			bar.Finish()
			if err != nil {
				return err
			}
			secs := time.Since(start).Seconds()
			if err := ix.Save(out); err != nil {
				return err
			}
			rep := indexReport{Path: out, Vectors: ix.Len(), Dim: ix.Dim(), Metric: metric.String(), M: m, EfConstruction: efC, Ef: ef, Seconds: secs}
			if st, err := os.Stat(out); err == nil {
				rep.Bytes = st.Size()
			}
			if a.json {
				return writeJSON(a.stdout, rep)
			}
			fmt.Fprintf(a.stdout, "indexed %d vectors of %d values (%s, M=%d, ef_construction=%d) in %.1fs; wrote %s (%s)\n",
				rep.Vectors, rep.Dim, rep.Metric, m, efC, secs, out, humanBytes(rep.Bytes))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataPath, "data", "", "the data to index (any format latent reads)")
	f.StringVar(&out, "out", "", "the index file to write")
	f.IntVar(&m, "m", hnsw.DefaultM, "neighbours per node (layer 0 keeps twice as many)")
	f.IntVar(&efC, "ef-construction", hnsw.DefaultEfConstruction, "candidate list length while building")
	f.IntVar(&ef, "ef", hnsw.DefaultEf, "default candidate list length of queries, saved in the index")
	f.StringVar(&metricName, "metric", "euclidean", "euclidean, cosine, ip (inner product) or manhattan (L1)")
	addLoadFlags(f, &opt, "")
	return cmd
}

func newIndexQueryCmd(a *app) *cobra.Command {
	var (
		indexPath, queryPath, dataPath string
		k, ef                          int
		qopt, dopt                     formats.Options
	)
	cmd := &cobra.Command{
		Use:   "query --index FILE --query Q",
		Short: "Find the k nearest indexed vectors of every row of Q",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if indexPath == "" || queryPath == "" {
				return usagef("--index and --query are required")
			}
			if k <= 0 {
				return usagef("-k must be at least 1, got %d", k)
			}
			ix, err := hnsw.Load(indexPath)
			if err != nil {
				return err
			}
			var base *dataset.Dataset
			if dataPath != "" {
				if base, err = loadData(dataPath, dopt); err != nil {
					return err
				}
				if err := checkIndexFits(ix, base, dataPath, indexPath); err != nil {
					return err
				}
			}
			qd, err := loadData(queryPath, qopt)
			if err != nil {
				return err
			}
			if qd.Dim() != ix.Dim() {
				return fmt.Errorf("%s has %d columns, %s indexes vectors of %d", queryPath, qd.Dim(), indexPath, ix.Dim())
			}
			if !cmd.Flags().Changed("ef") {
				ef = ix.Ef()
			}
			bar := a.progressBar()
			g, err := ix.SearchBatch(cmd.Context(), qd.X, k, ef, bar.Func())
			bar.Finish()
			if err != nil {
				return err
			}
			rep := neighborsReport{Metric: ix.Metric().String(), K: k, Method: "hnsw", Ef: max(ef, k), Queries: collectResults(g, describeRows(qd, queryPath), base)}
			return printNeighbors(a, rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&indexPath, "index", "", "the index file from \"latent index build\"")
	f.StringVar(&queryPath, "query", "", "a file of query vectors")
	f.StringVar(&dataPath, "data", "", "the data the index was built from, for labels (optional)")
	f.IntVarP(&k, "k", "k", 10, "neighbours per query")
	f.IntVar(&ef, "ef", 0, "candidate list length (default: the index's; at least k is used)")
	addLoadFlags(f, &qopt, "query-")
	addLoadFlags(f, &dopt, "")
	return cmd
}
