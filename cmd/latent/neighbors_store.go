package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/weaviate"
)

// storeQuery is where neighbors asks when the base set is a collection of a
// Weaviate cluster instead of a file.
type storeQuery struct {
	url, collection string
}

// addStoreFlags adds --store and --collection to neighbors, and a word
// about them to its help.
func addStoreFlags(cmd *cobra.Command, q *storeQuery) {
	cmd.Long += storeNeighborsHelp
	f := cmd.Flags()
	f.StringVar(&q.url, "store", "", "ask the Weaviate cluster weaviate://HOST:PORT[,HOST:PORT...] instead of --data (key from $WEAVIATE_API_KEY)")
	f.StringVar(&q.collection, "collection", "", "the collection of --store to search")
}

// storeNeighborsHelp is the part of neighbors' help about --store.
const storeNeighborsHelp = `

With --store weaviate://HOST:PORT --collection NAME instead of --data, the
base set is a collection pushed to Weaviate ("latent push") and its vector
index answers --row or --query, in the collection's metric; labels come
from the collection.`

// neighborsFromStore answers neighbors --store: the k nearest rows of the
// collection to its row (row >= 0) or to every row of queryPath.
func neighborsFromStore(ctx context.Context, a *app, cmd *cobra.Command, q storeQuery, row int, queryPath string, qopt formats.Options, k int, metricName string) error {
	flags := cmd.Flags()
	switch {
	case q.url == "" || q.collection == "":
		return usagef("--store and --collection go together")
	case flags.Changed("data"):
		return usagef("--data and --store are two base sets: give one")
	case flags.Changed("label") || flags.Changed("expr"):
		return usagef("--store answers --row or --query, not --label or --expr")
	case flags.Changed("index") || flags.Changed("ef") || flags.Changed("exact"):
		return usagef("--store searches the collection's own index: --index, --ef and --exact do not apply")
	}
	cfg, err := storeConfig(q.url)
	if err != nil {
		return err
	}
	c, err := weaviate.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	info, err := c.Info(ctx, q.collection)
	if err != nil {
		return err
	}
	if flags.Changed("metric") {
		m, err := knn.ParseMetric(metricName)
		if err != nil {
			return usageError{err}
		}
		if m != info.Metric {
			return usagef("--metric %s, but the collection %s is indexed for %s", m, info.Name, info.Metric)
		}
	}
	where := fmt.Sprintf("%s/%s", cfg, info.Name)
	rep := neighborsReport{Metric: info.Metric.String(), K: k, Method: "weaviate"}
	var g *knn.Graph
	var names []string
	var asked []int // rows of the collection named in the queries
	if queryPath != "" {
		qd, err := loadData(queryPath, qopt)
		if err != nil {
			return err
		}
		if qd.Dim() != info.Dim {
			return fmt.Errorf("%s has %d columns, %s has %d", queryPath, qd.Dim(), where, info.Dim)
		}
		if k > info.Rows {
			return usagef("-k %d, but %s has %d rows", k, where, info.Rows)
		}
		if g, err = c.Search(ctx, info.Name, qd.X, k); err != nil {
			return err
		}
		names = describeRows(qd, queryPath)
	} else {
		if row < 0 || row >= info.Rows {
			return usagef("--row %d out of range: %s has %d rows", row, where, info.Rows)
		}
		if k > info.Rows-1 {
			return usagef("-k %d, but %s has %d other rows", k, where, info.Rows-1)
		}
		if g, err = c.Neighbors(ctx, info.Name, []int{row}, k); err != nil {
			return err
		}
		asked = []int{row}
	}
	labels, err := storeLabels(ctx, c, info.Name, g, asked)
	if err != nil {
		return err
	}
	if len(asked) > 0 {
		name := fmt.Sprintf("row %d of %s", row, where)
		if l := labels[row]; l != "" {
			name += fmt.Sprintf(" (%s)", l)
		}
		names = []string{name}
	}
	rep.Queries = collectResults(g, names, nil)
	for _, qr := range rep.Queries {
		for j := range qr.Neighbors {
			qr.Neighbors[j].Label = labels[qr.Neighbors[j].ID]
		}
	}
	return printNeighbors(a, rep)
}

// storeLabels reads the label (else the first metadata value) of every row
// that g names, and of the rows in extra, from the collection.
func storeLabels(ctx context.Context, c *weaviate.Client, name string, g *knn.Graph, extra []int) (map[int]string, error) {
	seen := map[int]bool{}
	rows := []int{}
	add := func(r int) {
		if r >= 0 && !seen[r] {
			seen[r] = true
			rows = append(rows, r)
		}
	}
	for _, r := range extra {
		add(r)
	}
	for i := range g.Len() {
		idx, _ := g.Row(i)
		for _, r := range idx {
			add(int(r))
		}
	}
	slices.Sort(rows)
	out := make(map[int]string, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	b, err := c.Fetch(ctx, name, rows)
	if err != nil {
		return nil, err
	}
	for i, r := range b.Rows {
		l := b.Labels[i]
		if l == "" && len(b.Meta) > 0 {
			l = b.Meta[0][i]
		}
		out[r] = l
	}
	return out, nil
}
