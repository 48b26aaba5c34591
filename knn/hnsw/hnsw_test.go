package hnsw

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// clustered draws n points around c centres in d dimensions, with a spread
// that decays along the axes as in a PCA projection of real data. (With
// isotropic clusters in 24 dimensions exact neighbours are nearly
// equidistant and hnswlib itself reaches only 0.91 recall@10 at ef=64.)
func clustered(seed uint64, n, d, c int) *mat32.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	centers := make([][]float32, c)
	for i := range centers {
		centers[i] = make([]float32, d)
		for j := range centers[i] {
			centers[i][j] = float32(3 * rng.NormFloat64())
		}
	}
	x := mat32.New(n, d)
	for i := 0; i < n; i++ {
		ci := centers[rng.IntN(c)]
		s := 1.0
		for j, v := range ci {
			x.Data[i*d+j] = v + float32(s*rng.NormFloat64())
			s *= 0.85
		}
	}
	return x
}

func build(t testing.TB, x *mat32.Dense, cfg Config) *Index {
	t.Helper()
	ix := New(x.Cols, cfg)
	if err := ix.Add(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestRecall(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 2500
	}
	all := clustered(1, n+300, 24, 20)
	x, q := all.Slice(0, n), all.Slice(n, n+300)
	ctx := context.Background()
	for _, m := range []knn.Metric{knn.Euclidean, knn.Cosine, knn.InnerProduct, knn.Manhattan} {
		ix := build(t, x, Config{Metric: m, M: 12, EfConstruction: 100, Seed: 1})
		truth, err := knn.Exact(ctx, x, q, 10, knn.ExactOptions{Metric: m})
		if err != nil {
			t.Fatal(err)
		}
		g, err := ix.SearchBatch(ctx, q, 10, 64, nil)
		if err != nil {
			t.Fatal(err)
		}
		const want = 0.95
		t.Logf("%v: recall@10 %.4f", m, g.Recall(truth))
		if r := g.Recall(truth); r < want {
			t.Errorf("%v: recall@10 %.4f, want >= %.2f", m, r, want)
		}
		// The distances are the metric's.
		for i := 0; i < q.Rows; i += 37 {
			idx, d := g.Row(i)
			for j := range idx {
				want := m.Distance(q.Row(i), x.Row(int(idx[j])))
				if math.Abs(float64(d[j]-want)) > 1e-4*(1+math.Abs(float64(want))) {
					t.Fatalf("%v: query %d: distance %v to %d, want %v", m, i, d[j], idx[j], want)
				}
			}
		}
		// Single searches agree with the batch.
		ids, ds, err := ix.Search(q.Row(5), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		bi, bd := g.Row(5)
		for j := range ids {
			if ids[j] != bi[j] || ds[j] != bd[j] {
				t.Fatalf("%v: Search and SearchBatch differ at %d", m, j)
			}
		}
	}
}

// TestAddLater builds in two steps; the second batch must be found as well
// as the first, with ids continuing in row order.
func TestAddLater(t *testing.T) {
	x := clustered(3, 3000, 16, 10)
	ix := New(16, Config{M: 10, EfConstruction: 80})
	ctx := context.Background()
	if err := ix.Add(ctx, x.Slice(0, 1000), nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.Add(ctx, x.Slice(1000, 3000), nil); err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 3000 {
		t.Fatalf("Len %d, want 3000", ix.Len())
	}
	for _, i := range []int{0, 999, 1000, 2999} {
		ids, d, err := ix.Search(x.Row(i), 1, 50)
		if err != nil || ids[0] != int32(i) || d[0] != 0 {
			t.Errorf("row %d: found %v at %v (%v)", i, ids, d, err)
		}
	}
	truth, _ := knn.Exact(ctx, x, x.Slice(0, 200), 10, knn.ExactOptions{})
	g, _ := ix.SearchBatch(ctx, x.Slice(0, 200), 10, 50, nil)
	if r := g.Recall(truth); r < 0.95 {
		t.Errorf("recall %.4f after two Adds", r)
	}
}

// TestSerialBuildDeterministic: one worker and a seed give the same bytes;
// a parallel build still gives good recall.
func TestSerialBuildDeterministic(t *testing.T) {
	x := clustered(4, 1500, 12, 8)
	enc := func(ix *Index) []byte {
		var b bytes.Buffer
		if _, err := ix.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a := enc(build(t, x, Config{Workers: 1, Seed: 9, M: 8}))
	b := enc(build(t, x, Config{Workers: 1, Seed: 9, M: 8}))
	if !bytes.Equal(a, b) {
		t.Error("two serial builds with one seed differ")
	}
	c := enc(build(t, x, Config{Workers: 1, Rand: rand.New(rand.NewPCG(5, 5)), M: 8}))
	if bytes.Equal(a, c) {
		t.Error("a different level generator gave the same graph")
	}
	p := build(t, x, Config{Workers: 4, Seed: 9, M: 8})
	truth, _ := knn.ExactGraph(context.Background(), x, 5, knn.ExactOptions{})
	g, _ := p.SearchBatch(context.Background(), x, 6, 40, nil)
	// Drop each row's own index (found first) to compare with the graph.
	hits := 0
	for i := 0; i < x.Rows; i++ {
		idx, _ := g.Row(i)
		want, _ := truth.Row(i)
		for _, a := range idx {
			for _, b := range want {
				if a == b {
					hits++
				}
			}
		}
	}
	if r := float64(hits) / float64(5*x.Rows); r < 0.95 {
		t.Errorf("parallel build: recall %.4f", r)
	}
}

func TestSaveLoad(t *testing.T) {
	all := clustered(6, 850, 10, 6)
	x, q := all.Slice(0, 800), all.Slice(800, 850)
	dir := t.TempDir()
	ctx := context.Background()
	for _, m := range []knn.Metric{knn.Euclidean, knn.Cosine, knn.InnerProduct, knn.Manhattan} {
		ix := build(t, x, Config{Metric: m, M: 6, EfConstruction: 40, Ef: 33})
		path := filepath.Join(dir, m.String()+".hnsw")
		if err := ix.Save(path); err != nil {
			t.Fatal(err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if back.Len() != ix.Len() || back.Metric() != m || back.M() != 6 || back.Ef() != 33 || back.EfConstruction() != 40 || back.Dim() != 10 {
			t.Fatalf("%v: loaded index differs in its settings", m)
		}
		g1, _ := ix.SearchBatch(ctx, q, 7, 0, nil)
		g2, _ := back.SearchBatch(ctx, q, 7, 0, nil)
		if !equalGraphs(g1, g2) {
			t.Errorf("%v: answers differ after save and load", m)
		}
		// The loaded index takes more points.
		if err := back.Add(ctx, q, nil); err != nil || back.Len() != 850 {
			t.Errorf("%v: Add after Load: %v, Len %d", m, err, back.Len())
		}
	}
	// Saving to a folder that does not exist fails and leaves nothing.
	bad := filepath.Join(dir, "missing", "x.hnsw")
	if err := New(3, Config{}).Save(bad); err == nil {
		t.Error("Save into a missing folder succeeded")
	}
	// A failed save leaves the previous file intact.
	path := filepath.Join(dir, "keep.hnsw")
	ix := build(t, x, Config{M: 4})
	ix.Save(path)
	before, _ := os.ReadFile(path)
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if os.Getuid() != 0 {
		if err := build(t, q, Config{M: 4}).Save(path); err == nil {
			t.Error("Save into a read-only folder succeeded")
		}
		after, _ := os.ReadFile(path)
		if !bytes.Equal(before, after) {
			t.Error("failed save changed the file")
		}
	}
}

func equalGraphs(a, b *knn.Graph) bool {
	if a.K != b.K || len(a.Indices) != len(b.Indices) {
		return false
	}
	for i := range a.Indices {
		if a.Indices[i] != b.Indices[i] || a.Dists[i] != b.Dists[i] {
			return false
		}
	}
	return true
}

func TestEmptyAndTiny(t *testing.T) {
	ix := New(3, Config{})
	if _, _, err := ix.Search([]float32{1, 2, 3}, 1, 0); err == nil || !strings.Contains(err.Error(), "k=1: want 1 <= k <= 0") {
		t.Errorf("empty index: %v", err)
	}
	var b bytes.Buffer
	ix.WriteTo(&b)
	back, err := Read(&b)
	if err != nil || back.Len() != 0 {
		t.Fatalf("empty round trip: %v", err)
	}
	ix.Add(context.Background(), mat32.FromRows([][]float32{{0, 0, 0}, {1, 0, 0}}), nil)
	g, err := ix.SearchBatch(context.Background(), mat32.FromRows([][]float32{{0.9, 0, 0}}), 2, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if idx, d := g.Row(0); idx[0] != 1 || idx[1] != 0 || math.Abs(float64(d[0])-0.1) > 1e-6 {
		t.Errorf("tiny index: %v %v", idx, d)
	}
	if _, err := ix.SearchBatch(context.Background(), mat32.FromRows([][]float32{{0.9, 0, 0}}), 3, 0, nil); err == nil {
		t.Error("k above the index size accepted")
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	ix := build(t, clustered(8, 100, 4, 3), Config{})
	cos := build(t, clustered(8, 100, 4, 3), Config{Metric: knn.Cosine})
	nan := clustered(9, 5, 4, 2)
	nan.Data[9] = float32(math.NaN())
	zero := clustered(9, 5, 4, 2)
	clear(zero.Row(2))
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"add dims", ix.Add(ctx, mat32.New(2, 5), nil), "data have 5 columns, index has 4"},
		{"add nan", ix.Add(ctx, nan, nil), "1 NaN/Inf values (first in row 2)"},
		{"add zero cosine", cos.Add(ctx, zero, nil), "cosine metric: 1 zero vectors have no direction (first is row 2)"},
		{"search dims", second(ix.Search([]float32{1, 2}, 3, 0)), "query has 2 values, index has 4"},
		{"search k", second(ix.Search([]float32{1, 2, 3, 4}, 0, 0)), "k=0"},
		{"search k above n", second(ix.Search([]float32{1, 2, 3, 4}, 101, 0)), "k=101: want 1 <= k <= 100"},
		{"search nan", second(ix.Search([]float32{1, float32(math.Inf(1)), 3, 4}, 1, 0)), "NaN/Inf"},
		{"search zero cosine", second(cos.Search([]float32{0, 0, 0, 0}, 1, 0)), "query is a zero vector"},
		{"batch dims", third(ix.SearchBatch(ctx, mat32.New(2, 3), 1, 0, nil)), "queries have 3 columns, index has 4"},
		{"batch empty", third(ix.SearchBatch(ctx, mat32.New(0, 4), 1, 0, nil)), "queries: empty set"},
		{"batch nan", third(ix.SearchBatch(ctx, nan, 1, 0, nil)), "queries: 1 NaN/Inf values"},
		{"batch zero cosine", third(cos.SearchBatch(ctx, zero, 1, 0, nil)), "queries: cosine metric: 1 zero vectors"},
		{"batch k", third(ix.SearchBatch(ctx, nan.Slice(0, 1), -2, 0, nil)), "k=-2"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, c.err, c.want)
		}
	}
	if ix.Len() != 100 || cos.Len() != 100 {
		t.Errorf("failed Adds changed the index: %d, %d", ix.Len(), cos.Len())
	}
}

func second[A, B any](_ A, _ B, err error) error { return err }
func third[A any](_ A, err error) error          { return err }

func TestPanics(t *testing.T) {
	for _, f := range []func(){
		func() { New(0, Config{}) },
		func() { New(3, Config{M: 1}) },
		func() { New(3, Config{Metric: knn.Metric(7)}) },
		func() { New(3, Config{}).Vector(0) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "hnsw:") {
					t.Errorf("recover() = %v, want an hnsw: panic", r)
				}
			}()
			f()
		}()
	}
}

func TestCancel(t *testing.T) {
	x := clustered(10, 4000, 16, 5)
	ix := New(16, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := ix.Add(ctx, x, func(u progress.Update) {
		n++
		if u.Done >= 1024 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Add: %v, want context.Canceled", err)
	}
	got := ix.Len()
	if got < 1024 || got >= 4000 {
		t.Fatalf("after cancel, Len %d", got)
	}
	// What was inserted is a consistent index: every stored row finds itself.
	for i := 0; i < got; i += 97 {
		ids, _, err := ix.Search(x.Row(i), 1, 32)
		if err != nil || ids[0] != int32(i) {
			t.Fatalf("row %d: %v %v", i, ids, err)
		}
	}
	var b bytes.Buffer
	ix.WriteTo(&b)
	if _, err := Read(&b); err != nil {
		t.Fatalf("cancelled index does not round-trip: %v", err)
	}
	if _, err := ix.SearchBatch(ctx, x.Slice(0, 10), 3, 0, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("SearchBatch on a cancelled context: %v", err)
	}
}

func TestSearchExcluding(t *testing.T) {
	x := clustered(30, 500, 6, 4)
	ix := build(t, x, Config{M: 8})
	g, err := ix.SearchExcluding(x.Row(7), 5, 40, []int{7})
	if err != nil {
		t.Fatal(err)
	}
	truth, _ := knn.SearchExcluding(context.Background(), x, x.Row(7), 5, knn.Euclidean, []int{7})
	if r := g.Recall(truth); r < 0.8 {
		t.Errorf("recall %.2f", r)
	}
	idx, _ := g.Row(0)
	for _, i := range idx {
		if i == 7 {
			t.Error("excluded id returned")
		}
	}
	if _, err := ix.SearchExcluding(x.Row(0), 0, 0, nil); err == nil {
		t.Error("k=0 accepted")
	}
}
