package main

// Tests of serve --store and neighbors --store: usage errors without a
// cluster, and the whole path against a real single-node Weaviate server
// (internal/weaviatetest builds and runs it; the test is skipped, saying
// why, only when it cannot be built).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/internal/weaviatetest"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
)

// closedAddr returns a loopback address that nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestStoreFlagsUsage(t *testing.T) {
	dir := t.TempDir()
	base := writeNpy(t, dir, "base.npy", randDense(3, 20, 4))
	addr := closedAddr(t)
	ws := filepath.Join(dir, "ws")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--workspace", ws, "--addr", "127.0.0.1:0", "--store", "localhost:8080"}, 2, "want weaviate://"},
		{[]string{"serve", "--workspace", ws, "--addr", "127.0.0.1:0", "--store", "weaviate://" + addr}, 1, addr},
		{[]string{"neighbors", "--store", "weaviate://" + addr, "--row", "1"}, 2, "--store and --collection go together"},
		{[]string{"neighbors", "--collection", "C", "--row", "1"}, 2, "--store and --collection go together"},
		{[]string{"neighbors", "--store", "weaviate://" + addr, "--collection", "C", "--data", base, "--row", "1"}, 2, "give one"},
		{[]string{"neighbors", "--store", "weaviate://" + addr, "--collection", "C", "--label", "x"}, 2, "not --label or --expr"},
		{[]string{"neighbors", "--store", "weaviate://" + addr, "--collection", "C", "--row", "1", "--ef", "50"}, 2, "do not apply"},
		{[]string{"neighbors", "--store", "http://" + addr, "--collection", "C", "--row", "1"}, 2, "want weaviate://"},
		{[]string{"neighbors", "--store", "weaviate://" + addr, "--collection", "C", "--row", "1"}, 1, addr},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

// clusteredNpy writes n×d seeded rows in 8 clusters and their labels as
// .npy files, and returns the paths and the matrix.
func clusteredNpy(t *testing.T, dir string, n, d int) (string, string, *mat32.Dense) {
	t.Helper()
	rng := dataset.NewRand(11, 0)
	centres := mat32.New(8, d)
	for i := range centres.Data {
		centres.Data[i] = float32(rng.NormFloat64() * 4)
	}
	x := mat32.New(n, d)
	labels := make([]int64, n)
	for i := range n {
		c := rng.IntN(8)
		labels[i] = int64(c)
		for j := range d {
			x.Set(i, j, centres.At(c, j)+float32(rng.NormFloat64()))
		}
	}
	xp := filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(xp, x); err != nil {
		t.Fatal(err)
	}
	lp := filepath.Join(dir, "labels.npy")
	f, err := os.Create(lp)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.WriteInt64(f, []int{n}, labels); err != nil {
		t.Fatal(err)
	}
	return xp, lp, x
}

// getJSON fetches url and decodes the answer, failing unless the status is
// want.
func getJSON(t *testing.T, method, url string, body any, want int, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, res.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
}

// overlap counts the rows two neighbour lists share.
func overlap(a []int32, b []int) int {
	in := map[int]bool{}
	for _, v := range b {
		in[v] = true
	}
	n := 0
	for _, v := range a {
		if in[int(v)] {
			n++
		}
	}
	return n
}

// TestServeWeaviateStore pushes a small dataset to a real Weaviate server,
// serves it with --store beside a workspace, and checks the listing, the
// neighbours (against the exact local search, through the API and through
// neighbors --store), a projection job and the refusal to delete.
func TestServeWeaviateStore(t *testing.T) {
	const key = "serve-store-key"
	cl := weaviatetest.Start(t, weaviatetest.Options{APIKey: key})
	t.Setenv("WEAVIATE_API_KEY", key)
	dir := t.TempDir()
	n, d, k := 800, 8, 10
	xp, lp, x := clusteredNpy(t, dir, n, d)
	code, _, stderr := runCLI(t, "push", "--data", xp, "--labels", lp, "--store", cl.URL(), "--collection", "Served")
	if code != 0 {
		t.Fatalf("push: exit %d: %s", code, stderr)
	}
	ws := filepath.Join(dir, "ws")
	src := filepath.Join(dir, "points.csv")
	os.WriteFile(src, []byte("a,b\n1,2\n3,4\n5,6\n"), 0o644)
	if code, _, errOut := runCLI(t, "import", src, "--workspace", ws); code != 0 {
		t.Fatal(errOut)
	}
	url := startServe(t, "--workspace", ws, "--store", cl.URL())

	type entry struct {
		ID, Name, Store, Collection, Metric, Source string
		Rows, Dim                                   int
		Labelled                                    bool
	}
	var list struct{ Datasets []entry }
	getJSON(t, "GET", url+"/api/datasets", nil, 200, &list)
	var ds entry
	stores := map[string]int{}
	for _, e := range list.Datasets {
		stores[e.Store]++
		if e.Collection == "Served" {
			ds = e
		}
	}
	if ds.ID == "" || ds.Store != "weaviate" || ds.Source != "weaviate" || ds.Rows != n || ds.Dim != d || ds.Metric != "euclidean" || stores["workspace"] != 1 {
		t.Fatalf("listing %+v", list)
	}
	var got entry
	getJSON(t, "GET", url+"/api/datasets/"+ds.ID, nil, 200, &got)
	if !got.Labelled || got.Rows != n {
		t.Fatalf("entry %+v", got)
	}

	// Neighbours through Weaviate's index agree with the exact search.
	ctx := context.Background()
	hits, total := 0, 0
	var row17 []int32
	for _, r := range []int{0, 17, 399, 799} {
		var nb struct {
			Rows      []int32
			Distances []float32
			Metric    string
			Method    string
		}
		getJSON(t, "GET", fmt.Sprintf("%s/api/datasets/%s/neighbors?row=%d&k=%d", url, ds.ID, r, k), nil, 200, &nb)
		if nb.Method != "weaviate" || nb.Metric != "euclidean" || len(nb.Rows) != k {
			t.Fatalf("row %d: %+v", r, nb)
		}
		want, err := knn.SearchExcluding(ctx, x, x.Row(r), k, knn.Euclidean, []int{r})
		if err != nil {
			t.Fatal(err)
		}
		wi, wd := want.Row(0)
		exact := make([]int, len(wi))
		for i, v := range wi {
			exact[i] = int(v)
		}
		hits += overlap(nb.Rows, exact)
		total += k
		if nb.Rows[0] == wi[0] && (nb.Distances[0]-wd[0] > 1e-3*wd[0] || wd[0]-nb.Distances[0] > 1e-3*wd[0]) {
			t.Errorf("row %d: distance %g, exact %g", r, nb.Distances[0], wd[0])
		}
		if r == 17 {
			row17 = nb.Rows
		}
	}
	if recall := float64(hits) / float64(total); recall < 0.95 {
		t.Fatalf("recall@%d against the exact search: %.3f", k, recall)
	}
	var vnb struct{ Rows []int32 }
	getJSON(t, "POST", url+"/api/datasets/"+ds.ID+"/neighbors", map[string]any{"vector": x.Row(17), "k": 3}, 200, &vnb)
	if len(vnb.Rows) != 3 || vnb.Rows[0] != 17 {
		t.Fatalf("vector neighbours %v", vnb.Rows)
	}

	// neighbors --store answers as the API does, in the local command's format.
	code, out, stderr := runCLI(t, "neighbors", "--store", cl.URL(), "--collection", "Served", "--row", "17", "-k", fmt.Sprint(k), "--json")
	var rep neighborsReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Queries) != 1 || rep.Method != "weaviate" || rep.Metric != "euclidean" {
		t.Fatalf("neighbors --store: exit %d, %s %s", code, out, stderr)
	}
	var cli []int
	for _, nb := range rep.Queries[0].Neighbors {
		cli = append(cli, nb.ID)
		if nb.Label == "" {
			t.Fatalf("neighbour without its label: %+v", nb)
		}
	}
	if overlap(row17, cli) != k || !strings.Contains(rep.Queries[0].Query, "row 17 of weaviate://") {
		t.Fatalf("neighbors --store %+v, API %v", rep.Queries[0], row17)
	}
	code, out, _ = runCLI(t, "neighbors", "--store", cl.URL(), "--collection", "Served", "--row", "17", "-k", "3")
	if code != 0 || !strings.Contains(out, "3 nearest by euclidean (weaviate)") || !strings.Contains(out, "rank  id") {
		t.Fatalf("neighbors --store table: exit %d\n%s", code, out)
	}
	qp := writeNpy(t, dir, "q.npy", mat32.FromRows([][]float32{x.Row(5), x.Row(600)}))
	code, out, stderr = runCLI(t, "neighbors", "--store", cl.URL(), "--collection", "Served", "--query", qp, "-k", "4", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Queries) != 2 || rep.Queries[0].Neighbors[0].ID != 5 || rep.Queries[1].Neighbors[0].ID != 600 {
		t.Fatalf("neighbors --store --query: exit %d, %s %s", code, out, stderr)
	}
	code, _, stderr = runCLI(t, "neighbors", "--store", cl.URL(), "--collection", "Served", "--row", "1", "--metric", "cosine")
	if code != 2 || !strings.Contains(stderr, "indexed for euclidean") {
		t.Fatalf("another metric: exit %d, %s", code, stderr)
	}

	// A projection job on the collection completes and is kept in the workspace.
	var job struct{ ID, State, Error string }
	getJSON(t, "POST", url+"/api/jobs", map[string]any{"kind": "project", "dataset": ds.ID, "params": map[string]any{"method": "pca"}}, 202, &job)
	deadline := time.Now().Add(60 * time.Second)
	for job.State != "done" {
		if job.State == "failed" || job.State == "cancelled" || time.Now().After(deadline) {
			t.Fatalf("projection job %+v", job)
		}
		time.Sleep(100 * time.Millisecond)
		getJSON(t, "GET", url+"/api/jobs/"+job.ID, nil, 200, &job)
	}
	var projs struct{ Projections []struct{ Rows, Dims int } }
	getJSON(t, "GET", url+"/api/datasets/"+ds.ID+"/projections", nil, 200, &projs)
	if len(projs.Projections) != 1 || projs.Projections[0].Rows != n {
		t.Fatalf("projections %+v", projs)
	}

	// The collection is not dropped through the API.
	getJSON(t, "DELETE", url+"/api/datasets/"+ds.ID, nil, 405, nil)
	getJSON(t, "GET", url+"/api/datasets/Served", nil, 200, &got)
	if got.ID != ds.ID {
		t.Fatalf("after refused delete: %+v", got)
	}
}
