package weaviate

// Tests against a real Weaviate server on 127.0.0.1 (internal/weaviatetest
// builds and runs it; they are skipped, saying why, only when it cannot be
// built).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/internal/weaviatetest"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// clusteredData returns n rows of d columns in 10 Gaussian clusters, with
// labels and a metadata column, seeded.
func clusteredData(n, d int, seed uint64) (*mat32.Dense, Side) {
	rng := dataset.NewRand(seed, 0)
	centres := mat32.New(10, d)
	for i := range centres.Data {
		centres.Data[i] = float32(rng.NormFloat64() * 3)
	}
	x := mat32.New(n, d)
	side := Side{Labels: make([]int, n), Meta: []dataset.Column{{Name: "file name", Values: make([]string, n)}}}
	for c := range 10 {
		side.Classes = append(side.Classes, fmt.Sprintf("class %d", c))
	}
	for i := range n {
		c := rng.IntN(10)
		for j := range d {
			x.Set(i, j, centres.At(c, j)+float32(rng.NormFloat64()))
		}
		side.Labels[i] = c
		side.Meta[0].Values[i] = fmt.Sprintf("img_%05d.png", i)
	}
	side.Labels[3] = dataset.NoLabel
	return x, side
}

func dialCluster(t *testing.T, cl *weaviatetest.Cluster, key string) *Client {
	t.Helper()
	c, err := Dial(context.Background(), Config{Hosts: cl.Hosts(), GRPC: cl.GRPCs(), APIKey: key, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestServerSingleNode pushes a collection into one node and checks the
// neighbours against the exact search, loading it back, a scan and the
// faults a user can meet: wrong key, dimension conflict, refused objects,
// a collection dropped during queries.
func TestServerSingleNode(t *testing.T) {
	const key = "test-key-1"
	cl := weaviatetest.Start(t, weaviatetest.Options{APIKey: key})
	ctx := context.Background()
	c := dialCluster(t, cl, key)

	n, d, nq := 3000, 24, 200
	if testing.Short() {
		n, nq = 1500, 100
	}
	x, side := clusteredData(n, d, 1)
	for _, metric := range []knn.Metric{knn.Euclidean, knn.Cosine, knn.Manhattan} {
		t.Run(metric.String(), func(t *testing.T) {
			name := "Round_" + metric.String()
			col, err := c.Create(ctx, Spec{Name: name, Dim: d, Metric: metric, Meta: []string{"file name"}, Ef: 256})
			if err != nil {
				t.Fatal(err)
			}
			res, err := col.Push(ctx, mat32.MatrixRows(x), side, PushOptions{BatchSize: 256, Concurrency: 3})
			if err != nil || res.Sent != n {
				t.Fatalf("push: %+v, %v", res, err)
			}
			if cnt, err := col.Count(ctx); err != nil || cnt != n {
				t.Fatalf("count %d, %v; want %d", cnt, err, n)
			}
			// New queries near the data, against the exact answer.
			q, _ := clusteredData(nq, d, 2)
			truth, err := knn.Exact(ctx, x, q, 10, knn.ExactOptions{Metric: metric})
			if err != nil {
				t.Fatal(err)
			}
			g, err := col.Search(ctx, q, 10, SearchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Validate(n); err != nil {
				t.Fatal(err)
			}
			if r := g.Recall(truth); r < 0.99 {
				t.Fatalf("recall@10 = %.4f, want ≥ 0.99", r)
			}
			for i := range nq {
				gi, gd := g.Row(i)
				for j, row := range gi {
					want := metric.Distance(q.Row(i), x.Row(int(row)))
					if math.Abs(float64(gd[j]-want)) > 1e-3*(1+math.Abs(float64(want))) {
						t.Fatalf("query %d neighbour %d (row %d): distance %g, want %g", i, j, row, gd[j], want)
					}
				}
			}
			// Neighbours of stored rows leave the row itself out.
			rows := []int{0, 17, 999, n - 1}
			ng, err := col.Neighbors(ctx, rows, 5, SearchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			sub := mat32.New(len(rows), d)
			mat32.Gather(sub, x, rows)
			exact, _ := knn.Exact(ctx, x, sub, 6, knn.ExactOptions{Metric: metric})
			hits := 0
			for i, r := range rows {
				gi, _ := ng.Row(i)
				ei, _ := exact.Row(i)
				for _, a := range gi {
					if int(a) == r {
						t.Fatalf("row %d is its own neighbour", r)
					}
					for _, b := range ei {
						if a == b {
							hits++
						}
					}
				}
			}
			if hits < len(rows)*5-1 {
				t.Fatalf("neighbours of stored rows: %d of %d found", hits, len(rows)*5)
			}
			// Load gives the data back.
			ds, err := col.Load(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() != n || ds.Dim() != d || len(ds.Meta) != 1 || ds.Meta[0].Name != "file name" {
				t.Fatalf("loaded %d×%d, meta %v", ds.Len(), ds.Dim(), ds.Meta)
			}
			for i := range n {
				if ds.Label(i) != labelName(side, i) || ds.Meta[0].Values[i] != side.Meta[0].Values[i] {
					t.Fatalf("row %d: label %q meta %q, want %q %q", i, ds.Label(i), ds.Meta[0].Values[i], labelName(side, i), side.Meta[0].Values[i])
				}
				for j, v := range ds.X.Row(i) {
					if v != x.At(i, j) {
						t.Fatalf("row %d col %d: %g, want %g", i, j, v, x.At(i, j))
					}
				}
			}
		})
	}

	t.Run("faults", func(t *testing.T) {
		for _, k := range []string{"wrong", ""} {
			_, err := Dial(ctx, Config{Hosts: cl.Hosts(), GRPC: cl.GRPCs(), APIKey: k})
			if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), cl.Nodes[0].HTTP) {
				t.Errorf("key %q: %v; want an unauthorized error naming the node", k, err)
			}
		}
		_, err := c.Create(ctx, Spec{Name: "Round_euclidean", Dim: d + 1, Metric: knn.Euclidean})
		if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), fmt.Sprintf("dimension %d; the data has %d", d, d+1)) {
			t.Errorf("dimension conflict: %v", err)
		}

		// Objects the server refuses (a number where the schema has text)
		// come back by row and ID; the others are stored.
		col, err := c.Create(ctx, Spec{Name: "Refuse", Dim: 4, Metric: knn.Euclidean, Meta: []string{"note"}})
		if err != nil {
			t.Fatal(err)
		}
		j := pushJob{lo: 0, n: 10}
		for r := range 10 {
			o := col.object(r, []float32{float32(r), 1, 2, 3}, "", false, []string{"fine"}, col.props, "", nil)
			if r == 3 || r == 7 {
				o.Properties.NonRefProperties.Fields[col.props[0]] = structpb.NewNumberValue(42)
			}
			j.rows = append(j.rows, r)
			j.objs = append(j.objs, o)
		}
		c.retry.Attempts = 2
		failed, err := col.sendBatch(ctx, j, ConsistencyDefault)
		c.retry.Attempts = Retry{}.withDefaults().Attempts
		if err != nil || len(failed) != 2 || failed[0].Row != 3 || failed[1].Row != 7 || failed[0].ID != ObjectID(col.Name, 3) || failed[0].Err == "" {
			t.Fatalf("refused objects: %+v, %v", failed, err)
		}
		if cnt, _ := col.Count(ctx); cnt != 8 {
			t.Fatalf("%d objects stored, want 8", cnt)
		}

		// A collection dropped while queries run.
		drop, err := c.Create(ctx, Spec{Name: "Dropped", Dim: d, Metric: knn.Euclidean})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := drop.Push(ctx, mat32.MatrixRows(x), Side{}, PushOptions{}); err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		q, _ := clusteredData(400, d, 3)
		_, err = drop.Search(ctx, q, 5, SearchOptions{Concurrency: 1, Progress: func(u progress.Update) {
			once.Do(func() {
				if err := c.Drop(ctx, "Dropped"); err != nil {
					t.Error(err)
				}
			})
		}})
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"Dropped" no longer exists`) {
			t.Fatalf("search of a dropped collection: %v", err)
		}
		if _, err := c.Collection(ctx, "Dropped"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("dropped collection: %v", err)
		}
	})
}

func labelName(s Side, i int) string {
	if s.Labels[i] == dataset.NoLabel {
		return ""
	}
	return s.Classes[s.Labels[i]]
}

// TestServerClusterKill pushes into three nodes with two replicas per
// shard, kills one node with SIGKILL in the middle of the import, checks
// that the import finishes and queries keep answering, restarts the node,
// and checks that every vector is there exactly once.
func TestServerClusterKill(t *testing.T) {
	cl := weaviatetest.Start(t, weaviatetest.Options{Nodes: 3, Env: map[string]string{
		"ASYNC_REPLICATION_FREQUENCY":                      "1s",
		"ASYNC_REPLICATION_FREQUENCY_WHILE_PROPAGATING":    "500ms",
		"ASYNC_REPLICATION_ALIVE_NODES_CHECKING_FREQUENCY": "1s",
		"ASYNC_REPLICATION_PROPAGATION_DELAY":              "100ms",
		"ASYNC_REPLICATION_HASHTREE_HEIGHT":                "8",
	}})
	ctx := context.Background()
	c := dialCluster(t, cl, "")
	n, d := 6000, 16
	if testing.Short() {
		n = 3000
	}
	x, side := clusteredData(n, d, 5)
	col, err := c.Create(ctx, Spec{Name: "Replicated", Dim: d, Metric: knn.Euclidean, Meta: []string{"file name"},
		Replication: 2, AsyncReplication: true, Shards: 3, Ef: 256})
	if err != nil {
		t.Fatal(err)
	}
	victim := cl.Nodes[2]
	killed := make(chan struct{})
	var once sync.Once
	var killedAt int64
	res, err := col.Push(ctx, mat32.MatrixRows(x), side, PushOptions{BatchSize: 100, Concurrency: 2, Consistency: ConsistencyOne,
		Progress: func(u progress.Update) {
			if u.Done >= int64(n/3) {
				once.Do(func() {
					victim.Kill()
					killedAt = u.Done
					close(killed)
				})
			}
		}})
	select {
	case <-killed:
	default:
		t.Fatal("the import ended before the node was killed")
	}
	if err != nil || res.Sent != n {
		t.Fatalf("push with a node killed: %+v, %v", res, err)
	}

	// Queries keep answering with the node down.
	q, _ := clusteredData(50, d, 6)
	truth, _ := knn.Exact(ctx, x, q, 10, knn.ExactOptions{})
	g, err := col.Search(ctx, q, 10, SearchOptions{})
	if err != nil {
		t.Fatalf("search with a node down: %v", err)
	}
	if r := g.Recall(truth); r < 0.95 {
		t.Fatalf("recall@10 with a node down = %.3f", r)
	}

	if err := victim.Restart(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := cl.WaitHealthy(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	// Every vector exactly once: the count, and a scan that finds each
	// row's ID once with its vector. The restarted replica catches up
	// through async replication; wait for it.
	restarted := time.Now()
	deadline := restarted.Add(2 * time.Minute)
	var last string
	for {
		last = checkExactlyOnce(ctx, col, x)
		if last == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: %s", last)
		}
		t.Logf("after the restart: %s", last)
		time.Sleep(time.Second)
	}
	t.Logf("%s killed after %d of %d rows; every row present once %v after its restart", victim.Name, killedAt, n, time.Since(restarted).Round(time.Millisecond))
	// Each node answers for the whole collection.
	for _, nd := range cl.Nodes {
		one, err := Dial(ctx, Config{Hosts: []string{nd.HTTP}, GRPC: []string{nd.GRPC}})
		if err != nil {
			t.Fatal(err)
		}
		oc, err := one.Collection(ctx, col.Name)
		if err == nil {
			var cnt int
			cnt, err = oc.Count(ctx)
			if err == nil && cnt != n {
				err = fmt.Errorf("count %d", cnt)
			}
		}
		one.Close()
		if err != nil {
			t.Fatalf("through %s: %v", nd.Name, err)
		}
	}
}

// checkExactlyOnce returns "" when the collection holds each row of x
// exactly once, under its ID, with its vector; otherwise what is wrong.
func checkExactlyOnce(ctx context.Context, col *Collection, x *mat32.Dense) string {
	cnt, err := col.Count(ctx)
	if err != nil {
		return err.Error()
	}
	if cnt != x.Rows {
		return fmt.Sprintf("count %d, want %d", cnt, x.Rows)
	}
	seen := make([]int, x.Rows)
	var problems []string
	err = col.Scan(ctx, ScanOptions{BatchSize: 2000}, func(b *Batch) error {
		for i, r := range b.Rows {
			if r < 0 || r >= x.Rows {
				problems = append(problems, fmt.Sprintf("row %d out of range", r))
				continue
			}
			seen[r]++
			if b.IDs[i] != ObjectID(col.Name, r) {
				problems = append(problems, fmt.Sprintf("row %d has ID %s", r, b.IDs[i]))
			}
			for j, v := range b.X.Row(i) {
				if v != x.At(r, j) {
					problems = append(problems, fmt.Sprintf("row %d has another vector", r))
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		return err.Error()
	}
	var missing, dup []int
	for r, s := range seen {
		switch {
		case s == 0:
			missing = append(missing, r)
		case s > 1:
			dup = append(dup, r)
		}
	}
	if len(missing)+len(dup)+len(problems) == 0 {
		return ""
	}
	sort.Strings(problems)
	return fmt.Sprintf("%d rows missing (%v…), %d duplicated, problems %v", len(missing), head(missing), len(dup), problems[:min(3, len(problems))])
}

func head(v []int) []int { return v[:min(5, len(v))] }
