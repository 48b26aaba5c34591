package weaviate

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// SearchOptions configures Collection.Search.
type SearchOptions struct {
	// Concurrency is the number of queries in flight; 0 means
	// DefaultConcurrency.
	Concurrency int
	// Exclude, when not nil, holds one row number per query that is left
	// out of that query's answer (the query's own row), or -1.
	Exclude []int
	// Progress, when not nil, receives the number of queries answered
	// (stage "search").
	Progress progress.Func
}

// Count returns the number of objects in the collection.
func (col *Collection) Count(ctx context.Context) (int, error) {
	var count int64
	err := col.c.do(ctx, func(ctx context.Context, n *node) error {
		r, err := n.rpc.Aggregate(col.c.grpcCtx(ctx), &pb.AggregateRequest{Collection: col.Name, ObjectsCount: true})
		if err != nil {
			return grpcError(n, "count "+col.Name, err)
		}
		count = r.GetSingleResult().GetObjectsCount()
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("weaviate: collection %q no longer exists: %w", col.Name, err)
	}
	return int(count), err
}

// Search returns the k nearest stored rows of each row of q, by the
// collection's metric, as a knn.Graph: nearest first, neighbours named by
// their row numbers, distances in knn's units (Weaviate's squared
// euclidean distance is turned into the euclidean distance; cosine gives
// 1−cos and dot −x·y as knn does). Queries run Concurrency at a time. A
// query whose collection has fewer than k rows gets its row padded with
// -1 and +Inf. An HNSW index answers approximately: the recall depends on
// the collection's Ef (see Spec).
//
// A collection deleted while the queries run gives an error wrapping
// ErrNotFound. q must have Dim columns and finite values; otherwise an
// error says which row is wrong.
func (col *Collection) Search(ctx context.Context, q *mat32.Dense, k int, opt SearchOptions) (*knn.Graph, error) {
	if k <= 0 {
		return nil, fmt.Errorf("weaviate: search %q: k = %d", col.Name, k)
	}
	if q.Cols != col.Dim {
		return nil, fmt.Errorf("weaviate: search %q: queries have %d columns, the collection %d", col.Name, q.Cols, col.Dim)
	}
	if opt.Exclude != nil && len(opt.Exclude) != q.Rows {
		return nil, fmt.Errorf("weaviate: search %q: %d rows to exclude for %d queries", col.Name, len(opt.Exclude), q.Rows)
	}
	if err := dataset.CheckFinite("weaviate: search "+col.Name+": queries", q); err != nil {
		return nil, err
	}
	if col.Metric == knn.Cosine {
		for i := range q.Rows {
			if mat32.Norm(q.Row(i)) == 0 {
				return nil, fmt.Errorf("weaviate: search %q: query %d is a zero vector, which has no direction under the cosine metric", col.Name, i)
			}
		}
	}
	g := knn.NewGraph(q.Rows, k, col.Metric)
	err := col.parallel(ctx, q.Rows, opt.Concurrency, opt.Progress, "search", func(ctx context.Context, i int) error {
		ex := -1
		if opt.Exclude != nil {
			ex = opt.Exclude[i]
		}
		limit := k
		if ex >= 0 {
			limit++
		}
		req := &pb.SearchRequest{
			Collection: col.Name,
			Limit:      uint32(limit),
			NearVector: &pb.NearVector{Vectors: []*pb.Vectors{{VectorBytes: vectorBytes(q.Row(i)), Type: pb.Vectors_VECTOR_TYPE_SINGLE_FP32}}},
		}
		return col.searchInto(ctx, g, i, ex, req)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Neighbors returns the k nearest other rows of each stored row in rows,
// found through the index with nearObject queries (each row's own object
// is left out). Rows that are not in the collection are an error wrapping
// ErrNotFound.
func (col *Collection) Neighbors(ctx context.Context, rows []int, k int, opt SearchOptions) (*knn.Graph, error) {
	if k <= 0 {
		return nil, fmt.Errorf("weaviate: neighbours in %q: k = %d", col.Name, k)
	}
	g := knn.NewGraph(len(rows), k, col.Metric)
	err := col.parallel(ctx, len(rows), opt.Concurrency, opt.Progress, "search", func(ctx context.Context, i int) error {
		if rows[i] < 0 {
			return fmt.Errorf("weaviate: neighbours in %q: row %d", col.Name, rows[i])
		}
		req := &pb.SearchRequest{
			Collection: col.Name,
			Limit:      uint32(k + 1),
			NearObject: &pb.NearObject{Id: ObjectID(col.Name, rows[i])},
		}
		return col.searchInto(ctx, g, i, rows[i], req)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// searchInto runs one search and writes row i of g, leaving out row ex.
func (col *Collection) searchInto(ctx context.Context, g *knn.Graph, i, ex int, req *pb.SearchRequest) error {
	req.Metadata = &pb.MetadataRequest{Uuid: true, Distance: true}
	req.Properties = &pb.PropertiesRequest{NonRefProperties: []string{PropRow}}
	req.Uses_127Api = true
	var results []*pb.SearchResult
	err := col.c.do(ctx, func(ctx context.Context, n *node) error {
		r, err := n.rpc.Search(col.c.grpcCtx(ctx), req)
		if err != nil {
			e := grpcError(n, "search "+col.Name, err)
			if req.NearObject != nil && errors.Is(e, ErrNotFound) && !notFoundMessage(e.Msg) {
				return fmt.Errorf("weaviate: row %d is not in %q: %w", ex, col.Name, ErrNotFound)
			}
			return e
		}
		results = r.Results
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			if _, cerr := col.c.Collection(ctx, col.Name); errors.Is(cerr, ErrNotFound) {
				return fmt.Errorf("weaviate: collection %q no longer exists (deleted while querying): %w", col.Name, ErrNotFound)
			}
		}
		return err
	}
	idx, dist := g.Row(i)
	j := 0
	for _, r := range results {
		row, ok := rowOf(r.GetProperties())
		if !ok {
			return fmt.Errorf("weaviate: search %q: object %s has no %q property", col.Name, r.GetMetadata().GetId(), PropRow)
		}
		if row == ex || j == len(idx) {
			continue
		}
		idx[j] = int32(row)
		dist[j] = col.distance(r.GetMetadata().GetDistance())
		j++
	}
	sortRow(idx[:j], dist[:j])
	return nil
}

// distance converts a Weaviate distance to knn's units.
func (col *Collection) distance(d float32) float32 {
	if col.Metric == knn.Euclidean {
		return float32(math.Sqrt(float64(max(d, 0))))
	}
	return d
}

// sortRow orders neighbours by (distance, index), as knn.Graph wants.
func sortRow(idx []int32, dist []float32) {
	sort.Sort(byDist{idx, dist})
}

type byDist struct {
	idx  []int32
	dist []float32
}

func (b byDist) Len() int { return len(b.idx) }
func (b byDist) Less(i, j int) bool {
	if b.dist[i] != b.dist[j] {
		return b.dist[i] < b.dist[j]
	}
	return b.idx[i] < b.idx[j]
}
func (b byDist) Swap(i, j int) {
	b.idx[i], b.idx[j] = b.idx[j], b.idx[i]
	b.dist[i], b.dist[j] = b.dist[j], b.dist[i]
}

// rowOf reads the row property of a result.
func rowOf(p *pb.PropertiesResult) (int, bool) {
	v, ok := p.GetNonRefProps().GetFields()[PropRow]
	if !ok {
		return 0, false
	}
	switch x := v.GetKind().(type) {
	case *pb.Value_IntValue:
		return int(x.IntValue), true
	case *pb.Value_NumberValue:
		return int(x.NumberValue), true
	}
	return 0, false
}

// parallel runs fn for i in [0, n) with conc calls at a time, stopping at
// the first error.
func (col *Collection) parallel(ctx context.Context, n, conc int, prog progress.Func, stage string, fn func(ctx context.Context, i int) error) error {
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		done  int64
		next  int
		wg    sync.WaitGroup
	)
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
					return
				}
				mu.Lock()
				done++
				d := done
				if prog != nil && (d%256 == 0 || int(d) == n) {
					prog.Report(progress.Update{Stage: stage, Done: d, Total: int64(n)})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// intArray encodes int64 values for a gRPC filter.
func intArray(rows []int) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = int64(r)
	}
	return out
}

// numbersFromBytes decodes little-endian float64 values.
func numbersFromBytes(b []byte) []float64 {
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}
