package main

import (
	"fmt"
	"math"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/knn/hnsw"
	"github.com/latentlab/latent/space"
)

func init() { register(newNeighborsCmd) }

// neighborsReport is the --json output of neighbors and index query.
type neighborsReport struct {
	Metric  string        `json:"metric"`
	K       int           `json:"k"`
	Method  string        `json:"method"`
	Ef      int           `json:"ef,omitempty"`
	Queries []queryResult `json:"queries"`
}

type queryResult struct {
	Query     string     `json:"query"`
	Neighbors []neighbor `json:"neighbors"`
}

type neighbor struct {
	Rank     int     `json:"rank"`
	ID       int     `json:"id"`
	Label    string  `json:"label,omitempty"`
	Distance float64 `json:"distance"`
}

func newNeighborsCmd(a *app) *cobra.Command {
	var (
		dataPath, queryPath, label, expr, indexPath, metricName string
		row, k, ef                                              int
		exact                                                   bool
		opt, qopt                                               formats.Options
		sq                                                      storeQuery
	)
	cmd := &cobra.Command{
		Use:   "neighbors (--data BASE | --store URL --collection NAME) (--query Q | --row I | --label NAME | --expr EXPR)",
		Short: "Find the nearest neighbours of queries, a row, a label or a vector expression",
		Long: `neighbors prints the k nearest rows of BASE, nearest first, with their ids,
labels and distances (a table, or --json).

The query is one of:
  --query Q      every row of the file Q
  --row I        row I of BASE (I itself is left out of the answer)
  --label NAME   the row labelled NAME (left out of the answer), or, when
                 several rows carry NAME (a class), their mean vector
  --expr EXPR    vector arithmetic on labels and rows, e.g. "king - man + woman",
                 "0.5*#12 + 'T-shirt/top'": answered as gensim's most_similar
                 does, by cosine similarity of unit vectors, leaving out the
                 words (single rows) the expression names

The search is exact (blocked GEMM) unless --index or --ef is given: then an
HNSW index answers, the one in --index (built by "latent index build" on the
same BASE) or one built in memory for --ef. Distances are euclidean (not squared), 1−cos
for cosine, −x·y for ip (maximum inner product), or Σ|x−y| for manhattan.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			given := 0
			for _, set := range []bool{queryPath != "", cmd.Flags().Changed("row"), label != "", expr != ""} {
				if set {
					given++
				}
			}
			if given != 1 {
				return usagef("give exactly one of --query, --row, --label or --expr")
			}
			if k <= 0 {
				return usagef("-k must be at least 1, got %d", k)
			}
			if sq.url != "" || sq.collection != "" {
				return neighborsFromStore(ctx, a, cmd, sq, row, queryPath, qopt, k, metricName)
			}
			if exact && (cmd.Flags().Changed("ef") || indexPath != "") {
				return usagef("--exact does not go with --ef or --index")
			}
			metric, err := knn.ParseMetric(metricName)
			if err != nil {
				return usageError{err}
			}
			var e knn.Expr
			if expr != "" {
				if cmd.Flags().Changed("metric") && metric != knn.Cosine {
					return usagef("--expr ranks by cosine similarity; it does not go with --metric %s", metric)
				}
				metric = knn.Cosine
				if e, err = knn.ParseExpr(expr); err != nil {
					return usageError{err}
				}
			}
			base, err := loadData(dataPath, opt)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("row") && (row < 0 || row >= base.Len()) {
				return usagef("--row %d out of range: %s has %d rows", row, dataPath, base.Len())
			}
			var ix *hnsw.Index
			if indexPath != "" {
				if ix, err = hnsw.Load(indexPath); err != nil {
					return err
				}
				if err := checkIndexFits(ix, base, dataPath, indexPath); err != nil {
					return err
				}
				if expr != "" && ix.Metric() != knn.Cosine {
					return usagef("--expr ranks by cosine similarity, but %s was built for %s", indexPath, ix.Metric())
				}
				if cmd.Flags().Changed("metric") && metric != ix.Metric() {
					return usagef("--metric %s, but %s was built for %s", metric, indexPath, ix.Metric())
				}
				metric = ix.Metric()
			} else if cmd.Flags().Changed("ef") {
				bar := a.progressBar()
				ix = hnsw.New(base.Dim(), hnsw.Config{Metric: metric, Seed: a.seed, Workers: a.threads})
				err := ix.Add(ctx, base.X, bar.Func())
				bar.Finish()
				if err != nil {
					return err
				}
			}
			rep := neighborsReport{Metric: metric.String(), K: k, Method: "exact"}
			if ix != nil {
				rep.Method, rep.Ef = "hnsw", max(ef, k)
				if !cmd.Flags().Changed("ef") {
					rep.Ef = max(ix.Ef(), k)
				}
			}
			searchOne := func(q []float32, exclude []int) (*knn.Graph, error) {
				if ix != nil {
					return ix.SearchExcluding(q, k, rep.Ef, exclude)
				}
				return knn.SearchExcluding(ctx, base.X, q, k, metric, exclude)
			}
			var g *knn.Graph
			var names []string
			switch {
			case queryPath != "":
				qd, err := loadData(queryPath, qopt)
				if err != nil {
					return err
				}
				if qd.Dim() != base.Dim() {
					return fmt.Errorf("%s has %d columns, %s has %d", queryPath, qd.Dim(), dataPath, base.Dim())
				}
				bar := a.progressBar()
				if ix != nil {
					g, err = ix.SearchBatch(ctx, qd.X, k, rep.Ef, bar.Func())
				} else {
					g, err = knn.Exact(ctx, base.X, qd.X, k, knn.ExactOptions{Metric: metric, Progress: bar.Func()})
				}
				bar.Finish()
				if err != nil {
					return err
				}
				names = describeRows(qd, queryPath)
			case cmd.Flags().Changed("row"):
				g, err = searchOne(base.X.Row(row), []int{row})
				names = []string{describeRow(base, dataPath, row)}
			case label != "":
				rows, lerr := knn.Lookup(base, label)
				if lerr != nil {
					return lerr
				}
				if len(rows) == 1 {
					g, err = searchOne(base.X.Row(rows[0]), rows)
					names = []string{describeRow(base, dataPath, rows[0])}
				} else {
					mean, merr := space.MeanRows(nil, base.X, rows)
					if merr != nil {
						return merr
					}
					g, err = searchOne(mean, nil)
					names = []string{fmt.Sprintf("mean of the %d rows labelled %q", len(rows), label)}
				}
			default:
				q, exclude, verr := e.Vector(base)
				if verr != nil {
					return verr
				}
				g, err = searchOne(q, exclude)
				names = []string{e.String()}
			}
			if err != nil {
				return err
			}
			rep.Queries = collectResults(g, names, base)
			return printNeighbors(a, rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataPath, "data", "", "the base set to search (any format latent reads)")
	f.StringVar(&queryPath, "query", "", "a file of query vectors")
	f.IntVar(&row, "row", 0, "use row I of the base set as the query")
	f.StringVar(&label, "label", "", "use the row (or class mean) with this label as the query")
	f.StringVar(&expr, "expr", "", `a vector expression over labels and #rows, e.g. "king - man + woman"`)
	f.IntVarP(&k, "k", "k", 10, "neighbours per query")
	f.BoolVar(&exact, "exact", false, "search exactly (the default without --ef or --index)")
	f.IntVar(&ef, "ef", 0, "search an HNSW index with this candidate list length (at least k is used)")
	f.StringVar(&metricName, "metric", "euclidean", "euclidean, cosine, ip (inner product) or manhattan (L1)")
	f.StringVar(&indexPath, "index", "", "an HNSW index of BASE from \"latent index build\"")
	addLoadFlags(f, &opt, "")
	addLoadFlags(f, &qopt, "query-")
	addStoreFlags(cmd, &sq)
	return cmd
}

// checkIndexFits refuses an index that was not built on base.
func checkIndexFits(ix *hnsw.Index, base *dataset.Dataset, dataPath, indexPath string) error {
	if ix.Dim() != base.Dim() || ix.Len() != base.Len() {
		return fmt.Errorf("%s indexes %d vectors of %d values, but %s has %d rows of %d", indexPath, ix.Len(), ix.Dim(), dataPath, base.Len(), base.Dim())
	}
	return nil
}

// rowLabel names row i of d by its label, else its first metadata value.
func rowLabel(d *dataset.Dataset, i int) string {
	if d == nil || i < 0 || i >= d.Len() {
		return ""
	}
	if l := d.Label(i); l != "" {
		return l
	}
	if len(d.Meta) > 0 {
		return d.Meta[0].Values[i]
	}
	return ""
}

func describeRow(d *dataset.Dataset, path string, i int) string {
	s := fmt.Sprintf("row %d of %s", i, path)
	if l := rowLabel(d, i); l != "" {
		s += fmt.Sprintf(" (%s)", l)
	}
	return s
}

// describeRows describes every row of d, the queries read from path.
func describeRows(d *dataset.Dataset, path string) []string {
	names := make([]string, d.Len())
	for i := range names {
		names[i] = describeRow(d, path, i)
	}
	return names
}

// collectResults turns a graph into per-query results, dropping empty
// slots; labels come from base when it is not nil.
func collectResults(g *knn.Graph, names []string, base *dataset.Dataset) []queryResult {
	out := make([]queryResult, g.Len())
	for i := range out {
		out[i].Query = names[i]
		out[i].Neighbors = []neighbor{}
		idx, dist := g.Row(i)
		for j, id := range idx {
			if id < 0 {
				break
			}
			out[i].Neighbors = append(out[i].Neighbors, neighbor{
				Rank: j + 1, ID: int(id), Label: rowLabel(base, int(id)), Distance: float64(dist[j]),
			})
		}
	}
	return out
}

func printNeighbors(a *app, rep neighborsReport) error {
	if a.json {
		return writeJSON(a.stdout, rep)
	}
	method := rep.Method
	if rep.Method == "hnsw" {
		method = fmt.Sprintf("hnsw, ef=%d", rep.Ef)
	}
	hasLabels := false
	for _, q := range rep.Queries {
		for _, n := range q.Neighbors {
			hasLabels = hasLabels || n.Label != ""
		}
	}
	for qi, q := range rep.Queries {
		if qi > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintf(a.stdout, "%s — %d nearest by %s (%s)\n", q.Query, rep.K, rep.Metric, method)
		w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		if hasLabels {
			fmt.Fprintln(w, "rank\tid\tlabel\tdistance")
		} else {
			fmt.Fprintln(w, "rank\tid\tdistance")
		}
		for _, n := range q.Neighbors {
			d := formatDist(n.Distance)
			if hasLabels {
				fmt.Fprintf(w, "%d\t%d\t%s\t%s\n", n.Rank, n.ID, n.Label, d)
			} else {
				fmt.Fprintf(w, "%d\t%d\t%s\n", n.Rank, n.ID, d)
			}
		}
		if len(q.Neighbors) < rep.K {
			fmt.Fprintf(w, "(only %d found)\n", len(q.Neighbors))
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func formatDist(d float64) string {
	if math.Abs(d) >= 1e5 || (d != 0 && math.Abs(d) < 1e-3) {
		return fmt.Sprintf("%.4e", d)
	}
	return fmt.Sprintf("%.4f", d)
}
