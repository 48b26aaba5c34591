package umap

import (
	"context"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

const (
	// exactQueryBudget is the largest training rows × query rows ×
	// features for which Transform searches exactly (about a second of
	// GEMM); above it, it walks the training neighbour graph with a
	// knn.GraphIndex.
	exactQueryBudget = 2e10
	// searchBlock is the number of new rows between progress reports and
	// cancellation checks of the transform's layout.
	searchBlock = 1024
)

// neighbours returns the k nearest training rows of every row of q
// (prepared like the training data): exactly for small problems, else by
// walking the training neighbour graph (its index built once and kept).
func (u *UMAP) neighbours(ctx context.Context, q *mat32.Dense, k int, prog progress.Func) (*knn.Graph, error) {
	n := u.data.Rows
	if float64(n)*float64(q.Rows)*float64(q.Cols) <= exactQueryBudget {
		metric, _ := knnMetric(u.opt.Metric)
		return knn.Exact(ctx, u.data, q, k, knn.ExactOptions{Metric: metric, Progress: prog})
	}
	return u.searchNeighbours(ctx, q, k, prog)
}

// searchNeighbours finds the k nearest training rows of every row of q by
// walking the training neighbour graph with knn's graph search (default
// settings: 128 entries, a result list of 24, slack 0.1). The
// index is built on first use and kept.
func (u *UMAP) searchNeighbours(ctx context.Context, q *mat32.Dense, k int, prog progress.Func) (*knn.Graph, error) {
	u.indexOnce.Do(func() { u.index, u.indexErr = knn.NewGraphIndex(u.data, u.graph) })
	if u.indexErr != nil {
		return nil, u.indexErr
	}
	return u.index.Search(ctx, q, k, knn.SearchOptions{Progress: prog})
}
