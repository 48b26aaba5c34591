package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/store"
	"github.com/latentlab/latent/weaviate"
)

// fakeRemote is an in-memory weaviate.Store: collections answered by exact
// search, with an error to inject and counts of the calls.
type fakeRemote struct {
	mu    sync.Mutex
	cols  map[string]*fakeCollection
	err   error // returned by every call when set
	calls map[string]int
}

type fakeCollection struct {
	d      *dataset.Dataset
	metric knn.Metric
}

func newFakeRemote() *fakeRemote {
	return &fakeRemote{cols: map[string]*fakeCollection{}, calls: map[string]int{}}
}

func (f *fakeRemote) add(name string, d *dataset.Dataset, m knn.Metric) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cols[name] = &fakeCollection{d: d, metric: m}
}

func (f *fakeRemote) remove(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.cols, name)
}

func (f *fakeRemote) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeRemote) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// col returns a collection, counting the call.
func (f *fakeRemote) col(op, name string) (*fakeCollection, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	if f.err != nil {
		return nil, f.err
	}
	c, ok := f.cols[name]
	if !ok {
		return nil, &weaviate.Error{Addr: "fake", Op: op, Msg: "no collection " + name, Err: weaviate.ErrNotFound}
	}
	return c, nil
}

func infoOf(name string, c *fakeCollection) weaviate.Info {
	var meta []string
	for _, m := range c.d.Meta {
		meta = append(meta, m.Name)
	}
	return weaviate.Info{Name: name, Rows: c.d.Len(), Dim: c.d.Dim(), Metric: c.metric, Meta: meta, Replication: 1}
}

func (f *fakeRemote) List(ctx context.Context) ([]weaviate.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["list"]++
	if f.err != nil {
		return nil, f.err
	}
	var out []weaviate.Info
	for name, c := range f.cols {
		out = append(out, infoOf(name, c))
	}
	return out, nil
}

func (f *fakeRemote) Info(ctx context.Context, name string) (weaviate.Info, error) {
	c, err := f.col("info", name)
	if err != nil {
		return weaviate.Info{}, err
	}
	return infoOf(name, c), nil
}

func (f *fakeRemote) Load(ctx context.Context, name string, prog progress.Func) (*dataset.Dataset, error) {
	c, err := f.col("load", name)
	if err != nil {
		return nil, err
	}
	d := *c.d
	d.X = &mat32.Dense{Rows: c.d.X.Rows, Cols: c.d.X.Cols, Data: append([]float32(nil), c.d.X.Data...)}
	return &d, nil
}

func (f *fakeRemote) Search(ctx context.Context, name string, q *mat32.Dense, k int) (*knn.Graph, error) {
	c, err := f.col("search", name)
	if err != nil {
		return nil, err
	}
	return knn.Exact(ctx, c.d.X, q, k, knn.ExactOptions{Metric: c.metric})
}

func (f *fakeRemote) Neighbors(ctx context.Context, name string, rows []int, k int) (*knn.Graph, error) {
	c, err := f.col("neighbors", name)
	if err != nil {
		return nil, err
	}
	g := knn.NewGraph(len(rows), k, c.metric)
	for i, r := range rows {
		if r < 0 || r >= c.d.Len() {
			return nil, fmt.Errorf("row %d is not in %q: %w", r, name, weaviate.ErrNotFound)
		}
		one, err := knn.SearchExcluding(ctx, c.d.X, c.d.X.Row(r), k, c.metric, []int{r})
		if err != nil {
			return nil, err
		}
		idx, dist := one.Row(0)
		gi, gd := g.Row(i)
		copy(gi, idx)
		copy(gd, dist)
	}
	return g, nil
}

func (f *fakeRemote) Scan(ctx context.Context, name string, batch int, fn func(*weaviate.Batch) error) error {
	return fmt.Errorf("fake: no scan")
}

// remoteFixture is a server over the usual workspace and a fake remote
// holding "Clusters" (euclidean, labelled) and "shapes" (cosine, the
// name of the workspace's dataset).
func remoteFixture(t *testing.T, cfg Config) (*fixture, *fakeRemote) {
	t.Helper()
	fr := newFakeRemote()
	fr.add("Clusters", clustered(400, 16, 3), knn.Euclidean)
	fr.add("shapes", shapes(90, 5), knn.Cosine)
	cfg.Remote = fr
	return newFixture(t, cfg), fr
}

// listed returns the datasets the server lists, by name.
func (f *fixture) listed() (map[string]datasetView, map[string]any) {
	f.t.Helper()
	var raw map[string]json.RawMessage
	f.doJSON("GET", "/api/datasets", nil, 200, &raw)
	var list []datasetView
	if err := json.Unmarshal(raw["datasets"], &list); err != nil {
		f.t.Fatal(err)
	}
	out := map[string]datasetView{}
	for _, d := range list {
		out[d.Name] = d
	}
	var rest map[string]any
	if e, ok := raw["remote_error"]; ok {
		json.Unmarshal(e, &rest)
	}
	return out, rest
}

// TestRemoteDatasets opens collections of a remote store through every
// dataset endpoint the explorer uses.
func TestRemoteDatasets(t *testing.T) {
	f, fr := remoteFixture(t, Config{})
	list, rerr := f.listed()
	if rerr != nil || len(list) != 3 {
		t.Fatalf("listed %v (remote error %v)", list, rerr)
	}
	local, cl, sh := list["shapes"], list["Clusters"], list["shapes (weaviate)"]
	if local.Store != "workspace" || local.ID != f.ds.ID {
		t.Fatalf("local entry %+v", local)
	}
	for _, v := range []datasetView{cl, sh} {
		if v.Store != "weaviate" || v.Source != "weaviate" || !store.ValidID(store.KindDataset, v.ID) || v.ID == f.ds.ID {
			t.Fatalf("remote entry %+v", v)
		}
	}
	if cl.Collection != "Clusters" || cl.Rows != 400 || cl.Dim != 16 || cl.Metric != "euclidean" || sh.Collection != "shapes" || sh.Metric != "cosine" {
		t.Fatalf("remote entries %+v %+v", cl, sh)
	}
	// Listing again links nothing new.
	if again, _ := f.listed(); again["Clusters"].ID != cl.ID || len(again) != 3 {
		t.Fatalf("second listing %v", again)
	}

	// The entry, by ID or by collection name, loads the collection.
	var got datasetView
	f.doJSON("GET", "/api/datasets/Clusters", nil, 200, &got)
	if got.ID != cl.ID || !got.Labelled || len(got.Classes) < 10 || got.Rows != 400 || got.Collection != "Clusters" {
		t.Fatalf("entry %+v", got)
	}
	if fr.count("load") != 1 {
		t.Fatalf("%d loads", fr.count("load"))
	}
	base := "/api/datasets/" + cl.ID
	var cats struct {
		Categories []string
		Counts     []int
	}
	f.doJSON("GET", base+"/categories?by=label", nil, 200, &cats)
	total, one := 0, -1
	for i, c := range cats.Counts {
		total += c
		if cats.Categories[i] == "1" {
			one = c
		}
	}
	if len(cats.Categories) != len(got.Classes) || total != 400 || one <= 0 {
		t.Fatalf("categories %+v", cats)
	}
	res, b := f.do("GET", base+"/codes?by=label", nil)
	if res.StatusCode != 200 || len(b) != 800 || res.Header.Get("X-Latent-Rows") != "400" {
		t.Fatalf("codes: %d, %d bytes", res.StatusCode, len(b))
	}
	var row rowInfo
	f.doJSON("GET", base+"/rows/7", nil, 200, &row)
	if row.Index != 7 || row.Label == "" {
		t.Fatalf("row %+v", row)
	}
	var found struct {
		Count int
		Rows  []int
	}
	f.doJSON("GET", base+"/search?q=^1$&regex=1&by=label", nil, 200, &found)
	if found.Count != one {
		t.Fatalf("search found %d, want %d", found.Count, one)
	}

	// Neighbours come from the remote index and agree with exact search.
	d := clustered(400, 16, 3)
	want, err := knn.SearchExcluding(context.Background(), d.X, d.X.Row(5), 10, knn.Euclidean, []int{5})
	if err != nil {
		t.Fatal(err)
	}
	wantIdx, _ := want.Row(0)
	var nb neighborsResponse
	f.doJSON("GET", base+"/neighbors?row=5&k=10", nil, 200, &nb)
	if nb.Method != "weaviate" || nb.Metric != "euclidean" || fmt.Sprint(nb.Rows) != fmt.Sprint(wantIdx) || fr.count("neighbors") != 1 {
		t.Fatalf("neighbours %+v, want %v", nb, wantIdx)
	}
	f.doJSON("POST", base+"/neighbors", map[string]any{"vector": d.X.Row(5), "k": 3}, 200, &nb)
	if nb.Method != "weaviate" || len(nb.Rows) != 3 || nb.Rows[0] != 5 || fr.count("search") != 1 {
		t.Fatalf("vector neighbours %+v", nb)
	}
	f.doJSON("GET", base+"/neighbors?row=5&k=10&method=exact", nil, 200, &nb)
	if nb.Method != "exact" || fmt.Sprint(nb.Rows) != fmt.Sprint(wantIdx) {
		t.Fatalf("exact neighbours %+v", nb)
	}
	f.doJSON("GET", "/api/datasets/"+sh.ID+"/neighbors?row=0&k=4", nil, 200, &nb)
	if nb.Method != "weaviate" || nb.Metric != "cosine" || len(nb.Rows) != 4 {
		t.Fatalf("cosine collection's neighbours %+v", nb)
	}
	for _, tc := range []struct {
		path string
		code int
	}{
		{base + "/neighbors?row=5&metric=cosine", 422},
		{base + "/neighbors?row=400", 404},
		{base + "/neighbors?row=1&k=400", 422},
	} {
		res, b := f.do("GET", tc.path, nil)
		if res.StatusCode != tc.code || !strings.Contains(string(b), `"error"`) {
			t.Errorf("%s: %d %s, want %d", tc.path, res.StatusCode, b, tc.code)
		}
	}
	res, b = f.do("POST", base+"/neighbors", strings.NewReader(`{"vector":[1,2],"k":3}`))
	if res.StatusCode != 422 {
		t.Errorf("short vector: %d %s", res.StatusCode, b)
	}

	// Projection jobs, an export, a bookmark: kept in the workspace.
	for _, params := range []map[string]any{
		{"method": "umap", "epochs": 30, "neighbors": 10},
		{"method": "tsne", "iter": 100, "perplexity": 10},
		{"method": "pca"},
	} {
		var j jobView
		f.doJSON("POST", "/api/jobs", map[string]any{"kind": "project", "dataset": cl.ID, "params": params}, 202, &j)
		end, events := f.waitJob(j.ID)
		if end.State != store.JobDone || j.DatasetID != cl.ID {
			t.Fatalf("%v job %+v (events %v)", params["method"], end, events)
		}
	}
	var projs struct{ Projections []store.Projection }
	f.doJSON("GET", base+"/projections", nil, 200, &projs)
	if len(projs.Projections) != 3 || projs.Projections[0].Rows != 400 || projs.Projections[0].Method != "pca" {
		t.Fatalf("projections %+v", projs)
	}
	res, b = f.do("GET", "/api/projections/"+projs.Projections[0].ID+"/export?format=csv", nil)
	if res.StatusCode != 200 || strings.Count(string(b), "\n") != 401 || !strings.HasPrefix(string(b), "row,x1,x2,label\n") {
		t.Fatalf("export: %d %.80s", res.StatusCode, b)
	}
	f.doJSON("POST", base+"/bookmarks", map[string]any{"name": "view", "state": map[string]int{"zoom": 2}}, 201, nil)
	var bms struct{ Bookmarks []store.Bookmark }
	f.doJSON("GET", base+"/bookmarks", nil, 200, &bms)
	if len(bms.Bookmarks) != 1 {
		t.Fatalf("bookmarks %+v", bms)
	}

	// Deleting a collection through the API is refused.
	res, b = f.do("DELETE", base, nil)
	var e envelope
	if res.StatusCode != http.StatusMethodNotAllowed || json.Unmarshal(b, &e) != nil || e.Error.Code != CodeMethod || res.Header.Get("Allow") != "GET" {
		t.Fatalf("delete: %d %s", res.StatusCode, b)
	}
	if _, err := fr.Info(context.Background(), "Clusters"); err != nil {
		t.Fatal(err)
	}

	// A collection that grows is loaded again.
	fr.add("Clusters", clustered(500, 16, 3), knn.Euclidean)
	f.doJSON("GET", base, nil, 200, &got)
	if got.Rows != 500 || fr.count("load") != 2 {
		t.Fatalf("after growing: %+v, %d loads", got, fr.count("load"))
	}
	f.doJSON("GET", base+"/rows/499", nil, 200, &row)
}

// TestRemoteErrors maps the remote store's failures to statuses.
func TestRemoteErrors(t *testing.T) {
	f, fr := remoteFixture(t, Config{})
	list, _ := f.listed()
	cl := list["Clusters"]
	base := "/api/datasets/" + cl.ID
	check := func(path string, code int, ecode, msg string) {
		t.Helper()
		res, b := f.do("GET", path, nil)
		var e envelope
		if res.StatusCode != code || json.Unmarshal(b, &e) != nil || e.Error.Code != ecode || !strings.Contains(e.Error.Message, msg) {
			t.Errorf("GET %s: %d %s; want %d %s with %q", path, res.StatusCode, b, code, ecode, msg)
		}
	}

	fr.setErr(&weaviate.Error{Addr: "10.0.0.1:8080", Op: "list collections", Err: weaviate.ErrUnreachable})
	got, rerr := f.listed()
	if len(got) != 1 || got["shapes"].Store != "workspace" || rerr["code"] != CodeUnavailable {
		t.Fatalf("listing while unreachable: %v %v", got, rerr)
	}
	check(base, 503, CodeUnavailable, "10.0.0.1:8080")
	check(base+"/neighbors?row=1", 503, CodeUnavailable, "unreachable")
	check("/api/datasets/"+f.ds.ID+"/categories?by=label", 200, "", "") // local data still served
	res, _ := f.do("GET", "/api/datasets/"+f.ds.ID+"/neighbors?row=1", nil)
	if res.StatusCode != 200 {
		t.Errorf("local neighbours while the remote store is unreachable: %d", res.StatusCode)
	}

	fr.setErr(&weaviate.Error{Addr: "10.0.0.1:8080", Op: "schema", Status: 401, Err: weaviate.ErrUnauthorized})
	check(base+"/codes", 502, CodeBadGateway, "WEAVIATE_API_KEY")
	fr.setErr(&weaviate.Error{Addr: "10.0.0.1:8080", Op: "search", Status: 500, Msg: "boom"})
	check(base+"/neighbors?row=1", 503, CodeUnavailable, "boom")
	fr.setErr(&weaviate.Error{Addr: "10.0.0.1:8080", Op: "search", Status: 422, Msg: "odd"})
	check(base+"/neighbors?row=1", 502, CodeBadGateway, "odd")
	fr.setErr(nil)

	fr.remove("Clusters")
	check(base, 404, CodeNotFound, "no longer exists")
	check(base+"/neighbors?row=1", 404, CodeNotFound, "Clusters")
	check("/api/datasets/Nowhere", 404, CodeNotFound, "Nowhere")
	if got, _ := f.listed(); len(got) != 2 {
		t.Fatalf("listing after the collection went: %v", got)
	}
}

// TestRemoteLimits: a collection larger than the cache may hold is not
// loaded, but its neighbours are still answered; links are hidden and
// refused by a server without the remote store.
func TestRemoteLimits(t *testing.T) {
	f, _ := remoteFixture(t, Config{CacheBytes: 10_000})
	list, _ := f.listed()
	cl := list["Clusters"]
	var v datasetView
	f.doJSON("GET", "/api/datasets/"+cl.ID, nil, 200, &v)
	if v.Rows != 400 || v.Labelled {
		t.Fatalf("entry of a large collection %+v", v)
	}
	res, b := f.do("GET", "/api/datasets/"+cl.ID+"/codes", nil)
	if res.StatusCode != 422 || !strings.Contains(string(b), "more than the server may hold") {
		t.Fatalf("loading a large collection: %d %s", res.StatusCode, b)
	}
	var nb neighborsResponse
	f.doJSON("GET", "/api/datasets/"+cl.ID+"/neighbors?row=2&k=5", nil, 200, &nb)
	if len(nb.Rows) != 5 || nb.Method != "weaviate" {
		t.Fatalf("neighbours %+v", nb)
	}

	srv, err := New(Config{Store: f.st})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	g := &fixture{t: t, st: f.st, srv: srv}
	g.ts = httptest.NewServer(srv.Handler())
	defer g.ts.Close()
	if got, _ := g.listed(); len(got) != 1 || got["shapes"].ID != f.ds.ID {
		t.Fatalf("without the remote store: %v", got)
	}
	res, b = g.do("GET", "/api/datasets/"+cl.ID+"/rows/0", nil)
	if res.StatusCode != 503 || !strings.Contains(string(b), "--store") {
		t.Fatalf("a link without the remote store: %d %s", res.StatusCode, b)
	}
}
