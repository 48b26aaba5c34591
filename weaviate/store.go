package weaviate

import (
	"context"
	"errors"
	"sort"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Info describes a collection.
type Info struct {
	// Name is the collection's name.
	Name string
	// Rows is the number of objects, Dim the length of their vectors.
	Rows, Dim int
	// Metric is the metric of the vector index.
	Metric knn.Metric
	// Meta lists the metadata columns.
	Meta []string
	// Replication is the number of copies of each shard.
	Replication int
}

// Store is what the explorer, the JSON API and the neighbours command need
// from a place that holds collections of vectors with labels and metadata:
// a list, a description, the whole data of a collection that fits in
// memory, neighbour queries, and a walk over a collection too large to
// load. Client implements it over a Weaviate cluster; the embedded
// workspace can implement it over its files.
type Store interface {
	// List describes every collection.
	List(ctx context.Context) ([]Info, error)
	// Info describes one collection; a missing one wraps ErrNotFound.
	Info(ctx context.Context, name string) (Info, error)
	// Load reads a whole collection, rows in order.
	Load(ctx context.Context, name string, prog progress.Func) (*dataset.Dataset, error)
	// Search returns the k nearest rows of each row of q.
	Search(ctx context.Context, name string, q *mat32.Dense, k int) (*knn.Graph, error)
	// Neighbors returns the k nearest other rows of each of the given rows.
	Neighbors(ctx context.Context, name string, rows []int, k int) (*knn.Graph, error)
	// Scan calls fn with the collection's objects, a batch at a time.
	Scan(ctx context.Context, name string, batch int, fn func(*Batch) error) error
}

var _ Store = (*Client)(nil)

// List describes the collections that latent can open (those with a row
// property), sorted by name; others are left out.
func (c *Client) List(ctx context.Context) ([]Info, error) {
	names, err := c.Names(ctx)
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, n := range names {
		info, err := c.Info(ctx, n)
		if err != nil {
			if errors.Is(err, ErrNotFound) || ctx.Err() == nil && !Transient(err) {
				continue
			}
			return nil, err
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Info describes a collection.
func (c *Client) Info(ctx context.Context, name string) (Info, error) {
	c.forget(name)
	col, err := c.cached(ctx, name)
	if err != nil {
		return Info{}, err
	}
	n, err := col.Count(ctx)
	if err != nil {
		return Info{}, err
	}
	return Info{Name: col.Name, Rows: n, Dim: col.Dim, Metric: col.Metric, Meta: append([]string(nil), col.Meta...), Replication: col.Replication}, nil
}

// Load reads a whole collection (see Collection.Load).
func (c *Client) Load(ctx context.Context, name string, prog progress.Func) (*dataset.Dataset, error) {
	col, err := c.cached(ctx, name)
	if err != nil {
		return nil, err
	}
	return col.Load(ctx, prog)
}

// Search returns the k nearest rows of each row of q (see
// Collection.Search).
func (c *Client) Search(ctx context.Context, name string, q *mat32.Dense, k int) (*knn.Graph, error) {
	col, err := c.cached(ctx, name)
	if err != nil {
		return nil, err
	}
	g, err := col.Search(ctx, q, k, SearchOptions{})
	if errors.Is(err, ErrNotFound) {
		c.forget(col.Name)
	}
	return g, err
}

// Neighbors returns the k nearest other rows of the given rows (see
// Collection.Neighbors).
func (c *Client) Neighbors(ctx context.Context, name string, rows []int, k int) (*knn.Graph, error) {
	col, err := c.cached(ctx, name)
	if err != nil {
		return nil, err
	}
	g, err := col.Neighbors(ctx, rows, k, SearchOptions{})
	if errors.Is(err, ErrNotFound) {
		c.forget(col.Name)
	}
	return g, err
}

// Scan walks a collection (see Collection.Scan).
func (c *Client) Scan(ctx context.Context, name string, batch int, fn func(*Batch) error) error {
	col, err := c.cached(ctx, name)
	if err != nil {
		return err
	}
	return col.Scan(ctx, ScanOptions{BatchSize: batch}, fn)
}

// Fetch reads the objects of the given rows of a collection, in that order
// (see Collection.FetchRows).
func (c *Client) Fetch(ctx context.Context, name string, rows []int) (*Batch, error) {
	col, err := c.cached(ctx, name)
	if err != nil {
		return nil, err
	}
	return col.FetchRows(ctx, rows)
}
