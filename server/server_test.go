package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/store"
)

// fixture is a test server over a workspace with one image dataset
// ("shapes"), its PCA projection and a PCA model.
type fixture struct {
	t    *testing.T
	st   *store.Store
	srv  *Server
	ts   *httptest.Server
	ds   store.Dataset
	proj store.Projection
}

// shapes returns n 8×8 grey images in three classes (a bright square in a
// class-specific corner, plus noise), with a metadata column.
func shapes(n int, seed uint64) *dataset.Dataset {
	r := dataset.NewRand(seed, 7)
	x := mat32.New(n, 64)
	names := make([]string, n)
	ids := make([]string, n)
	for i := range n {
		c := i % 3
		names[i] = []string{"top-left", "top-right", "bottom"}[c]
		ids[i] = fmt.Sprintf("item-%04d", i)
		row := x.Row(i)
		for p := range row {
			yy, xx := p/8, p%8
			v := 0.1 * r.Float64()
			switch {
			case c == 0 && yy < 4 && xx < 4, c == 1 && yy < 4 && xx >= 4, c == 2 && yy >= 4:
				v += 0.8
			}
			row[p] = float32(v)
		}
	}
	d := &dataset.Dataset{Name: "shapes", X: x, Image: dataset.ImageShape{Height: 8, Width: 8, Channels: 1}, SourceType: "float32"}
	d.SetLabels(names)
	d.Meta = []dataset.Column{{Name: "id", Values: ids}}
	return d
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	d := shapes(300, 1)
	ds, err := st.AddDataset(ctx, "shapes", "test", d)
	if err != nil {
		t.Fatal(err)
	}
	y := mat32.New(d.Len(), 2)
	for i := range y.Rows {
		// Distinct positions: (class, i mod 10) picks i mod 30 and i/30 the rest.
		y.Row(i)[0] = float32(d.Labels[i])*1.5 + 0.1*float32(i%10)
		y.Row(i)[1] = 0.1 * float32(i/30)
	}
	proj, err := st.AddProjection(ctx, ds.ID, "fixed", "test", nil, nil, y)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store = st
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &fixture{t: t, st: st, srv: srv, ts: ts, ds: ds, proj: proj}
}

// do sends a request and returns the response with its body read.
func (f *fixture) do(method, path string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b
}

// doJSON sends v as JSON and decodes the answer into out (when not nil),
// failing unless the status is want.
func (f *fixture) doJSON(method, path string, v any, want int, out any) {
	f.t.Helper()
	var body io.Reader
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
	}
	res, b := f.do(method, path, body, "Content-Type", "application/json")
	if res.StatusCode != want {
		f.t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// waitJob follows a job's event stream to its end and returns the final job.
func (f *fixture) waitJob(id string) (jobView, []string) {
	f.t.Helper()
	res, err := http.Get(f.ts.URL + "/api/jobs/" + id + "/events")
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		f.t.Fatalf("events content type %q", ct)
	}
	var events []string
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
			events = append(events, e)
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok && event == "end" {
			var j jobView
			if err := json.Unmarshal([]byte(d), &j); err != nil {
				f.t.Fatal(err)
			}
			return j, events
		}
	}
	f.t.Fatalf("event stream of job %s ended without an end event (events %v)", id, events)
	return jobView{}, nil
}

// TestErrors checks the status code and error code of bad requests on every
// route, through the one error envelope.
func TestErrors(t *testing.T) {
	f := newFixture(t, Config{MaxBody: 4096, MaxUpload: 1 << 16})
	ds, pj := f.ds.ID, f.proj.ID
	missingDS := "ds_0123456789abcdef"
	tests := []struct {
		method, path, body string
		status             int
		code, msg          string
	}{
		{"GET", "/api/nope", "", 404, CodeNotFound, "no API route"},
		{"GET", "/api/datasets/" + missingDS, "", 404, CodeNotFound, "no dataset"},
		{"GET", "/api/datasets/no-such-name", "", 404, CodeNotFound, "no dataset"},
		{"DELETE", "/api/datasets/..%2F..%2Fetc", "", 404, CodeNotFound, "no dataset"},
		{"GET", "/api/datasets/" + ds + "/rows/300", "", 404, CodeNotFound, "has 300 rows"},
		{"GET", "/api/datasets/" + ds + "/rows/-1", "", 400, CodeBadRequest, "want a row number"},
		{"GET", "/api/datasets/" + ds + "/rows/x/image", "", 400, CodeBadRequest, "want a row number"},
		{"GET", "/api/datasets/" + ds + "/rows/1/image?scale=99", "", 400, CodeBadRequest, "scale"},
		{"GET", "/api/datasets/" + ds + "/codes?by=meta:nope", "", 404, CodeNotFound, "no metadata column"},
		{"GET", "/api/datasets/" + ds + "/codes?by=colour", "", 400, CodeBadRequest, "want \"label\""},
		{"GET", "/api/datasets/" + ds + "/search", "", 400, CodeBadRequest, "q is required"},
		{"GET", "/api/datasets/" + ds + "/search?q=(&regex=1", "", 400, CodeBadRequest, "regular expression"},
		{"GET", "/api/datasets/" + ds + "/neighbors", "", 400, CodeBadRequest, "row is required"},
		{"GET", "/api/datasets/" + ds + "/neighbors?row=1&k=0", "", 400, CodeBadRequest, "k="},
		{"GET", "/api/datasets/" + ds + "/neighbors?row=1&k=5000", "", 400, CodeBadRequest, "k="},
		{"GET", "/api/datasets/" + ds + "/neighbors?row=1&metric=chebyshev", "", 400, CodeBadRequest, "metric"},
		{"GET", "/api/datasets/" + ds + "/neighbors?row=1&method=magic", "", 400, CodeBadRequest, "method"},
		{"GET", "/api/datasets/" + ds + "/neighbors?row=999", "", 404, CodeNotFound, "row 999"},
		{"GET", "/api/datasets/" + ds + "/neighbors?row=1&k=300", "", 422, CodeUnprocessable, "only 299 other rows"},
		{"POST", "/api/datasets/" + ds + "/neighbors", `{"vector":[1,2]}`, 422, CodeUnprocessable, "has 64 columns"},
		{"POST", "/api/datasets/" + ds + "/neighbors", `{"row":1,"vector":[1]}`, 400, CodeBadRequest, "exactly one"},
		{"POST", "/api/datasets/" + ds + "/neighbors", `{"row":1,"extra":1}`, 400, CodeBadRequest, "unknown field"},
		{"POST", "/api/datasets/" + ds + "/neighbors", `{"row":1} {}`, 400, CodeBadRequest, "after the JSON"},
		{"POST", "/api/datasets/" + ds + "/neighbors", ``, 400, CodeBadRequest, "empty request body"},
		{"POST", "/api/datasets/" + ds + "/neighbors", `{"vector":[` + strings.Repeat("1,", 5000) + `1]}`, 413, CodeTooLarge, "larger than 4096"},
		{"GET", "/api/projections/" + pj + "/export?format=xls", "", 400, CodeBadRequest, "want csv or npy"},
		{"GET", "/api/projections/pj_0123456789abcdef/points", "", 404, CodeNotFound, "no projection"},
		{"GET", "/api/projections/../points", "", 404, CodeNotFound, ""},
		{"GET", "/api/projections/x/points", "", 400, CodeBadRequest, "not a projection ID"},
		{"POST", "/api/jobs", `{"kind":"project"}`, 400, CodeBadRequest, "dataset is required"},
		{"POST", "/api/jobs", `{"kind":"dance","dataset":"` + ds + `"}`, 400, CodeBadRequest, "unknown job kind"},
		{"POST", "/api/jobs", `{"kind":"project","dataset":"` + missingDS + `"}`, 404, CodeNotFound, "no dataset"},
		{"POST", "/api/jobs", `{"kind":"project","dataset":"` + ds + `","params":{"method":"mds"}}`, 400, CodeBadRequest, "unknown method"},
		{"POST", "/api/jobs", `{"kind":"project","dataset":"` + ds + `","params":{"method":"pca","dims":7}}`, 400, CodeBadRequest, "dims = 7"},
		{"POST", "/api/jobs", `{"kind":"project","dataset":"` + ds + `","params":{"method":"pca","colour":1}}`, 400, CodeBadRequest, "unknown field"},
		{"POST", "/api/jobs", `{"kind":"metrics","dataset":"` + ds + `","params":{"projection":"` + pj + `","k":200}}`, 422, CodeUnprocessable, "k = 200"},
		{"POST", "/api/jobs", `{"kind":"train","dataset":"` + ds + `","params":{"kind":"pca","name":"m","latent":100}}`, 422, CodeUnprocessable, "latent = 100"},
		{"POST", "/api/jobs", `{"kind":"train","dataset":"` + ds + `","params":{"kind":"transformer","name":"m"}}`, 400, CodeBadRequest, "params.kind"},
		{"POST", "/api/jobs", `{"kind":"train","dataset":"` + ds + `","params":{"kind":"pca","name":""}}`, 400, CodeBadRequest, "empty name"},
		{"GET", "/api/jobs/jb_0123456789abcdef", "", 404, CodeNotFound, "no job"},
		{"GET", "/api/jobs/nope/events", "", 400, CodeBadRequest, "not a job ID"},
		{"DELETE", "/api/jobs/jb_0123456789abcdef", "", 404, CodeNotFound, "no job"},
		{"POST", "/api/datasets/" + ds + "/bookmarks", `{"name":"v","state":[1]}`, 400, CodeBadRequest, "not a JSON object"},
		{"POST", "/api/datasets/" + ds + "/bookmarks", `{"name":"","state":{}}`, 400, CodeBadRequest, "empty name"},
		{"DELETE", "/api/bookmarks/bm_0123456789abcdef", "", 404, CodeNotFound, "no bookmark"},
		{"GET", "/api/models/md_0123456789abcdef", "", 404, CodeNotFound, "no model"},
		{"POST", "/api/models/nope/sample", `{}`, 404, CodeNotFound, "no model"},
		{"POST", "/api/datasets?name=x&format=nope", "1,2\n", 400, CodeBadRequest, "unknown format"},
		{"POST", "/api/datasets?name=x&filename=a.csv", "", 422, CodeUnprocessable, "empty"},
		{"POST", "/api/datasets?name=x&filename=a.npy", "not numpy at all", 422, CodeUnprocessable, "a.npy"},
		{"POST", "/api/datasets?name=shapes&filename=a.csv", "1,2\n3,4\n", 409, CodeConflict, "already called"},
		{"POST", "/api/datasets?name=%20x&filename=a.csv", "1,2\n3,4\n", 400, CodeBadRequest, "space"},
		{"POST", "/api/datasets?name=x&filename=a.csv", strings.Repeat("1,2\n", 20000), 413, CodeTooLarge, "limit"},
		{"POST", "/api/datasets?name=x&filename=a.csv", "a,b\n1,NaN\n3,4\n", 422, CodeUnprocessable, "NaN"},
		{"PUT", "/index.html", "", 405, CodeMethod, "not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			res, b := f.do(tc.method, tc.path, body, "Content-Type", "application/json")
			if res.StatusCode != tc.status {
				t.Fatalf("status %d (%s), want %d", res.StatusCode, b, tc.status)
			}
			var e envelope
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatalf("not an error envelope: %s", b)
			}
			if e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.msg) {
				t.Fatalf("error %+v, want code %s with %q", e.Error, tc.code, tc.msg)
			}
		})
	}
	// Nothing was left in the scratch folder by the failed uploads.
	if ents, _ := os.ReadDir(f.st.TempDir()); len(ents) != 0 {
		t.Fatalf("%d scratch entries left", len(ents))
	}
}

func TestDatasetEndpoints(t *testing.T) {
	f := newFixture(t, Config{})
	var list struct{ Datasets []store.Dataset }
	f.doJSON("GET", "/api/datasets", nil, 200, &list)
	if len(list.Datasets) != 1 || list.Datasets[0].ID != f.ds.ID {
		t.Fatalf("list %+v", list)
	}
	var info store.Dataset
	f.doJSON("GET", "/api/datasets/shapes", nil, 200, &info)
	if info.Rows != 300 || info.Dim != 64 || info.Image.Width != 8 {
		t.Fatalf("info %+v", info)
	}

	// Colour codes: uint16 per row, category order as in categories.
	var cats struct {
		Categories []string
		Counts     []int
	}
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/categories?by=label", nil, 200, &cats)
	if len(cats.Categories) != 3 || cats.Counts[0] != 100 {
		t.Fatalf("categories %+v", cats)
	}
	res, b := f.do("GET", "/api/datasets/"+f.ds.ID+"/codes?by=label", nil)
	if res.StatusCode != 200 || len(b) != 600 || res.Header.Get("X-Latent-Code-Width") != "2" {
		t.Fatalf("codes: %d, %d bytes, %v", res.StatusCode, len(b), res.Header)
	}
	// Row 1 is "top-right", which sorts last.
	if c := binary.LittleEndian.Uint16(b[2:]); cats.Categories[c] != "top-right" {
		t.Fatalf("code of row 1 = %d (%s)", c, cats.Categories[c])
	}
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/categories?by=meta:id", nil, 200, &cats)
	if len(cats.Categories) != 300 {
		t.Fatalf("%d id categories", len(cats.Categories))
	}

	var row rowInfo
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/rows/4", nil, 200, &row)
	if row.Index != 4 || row.Label != "top-right" || row.Meta["id"] != "item-0004" || !row.Image {
		t.Fatalf("row %+v", row)
	}
	res, b = f.do("GET", "/api/datasets/"+f.ds.ID+"/rows/4/image?scale=3", nil)
	img, err := png.Decode(bytes.NewReader(b))
	if res.StatusCode != 200 || err != nil || img.Bounds().Dx() != 24 {
		t.Fatalf("thumbnail: %d %v", res.StatusCode, err)
	}
	// Row 4 is top-right: its top-right pixel is bright, bottom-left dark.
	if r, _, _, _ := img.At(23, 0).RGBA(); r < 0x8000 {
		t.Fatalf("top-right pixel of a top-right image is dark")
	}
	if r, _, _, _ := img.At(0, 23).RGBA(); r > 0x4000 {
		t.Fatalf("bottom-left pixel of a top-right image is bright")
	}

	var found struct {
		Count int
		Rows  []int
	}
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/search?q=TOP-", nil, 200, &found)
	if found.Count != 200 {
		t.Fatalf("substring search found %d", found.Count)
	}
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/search?q=^item-00[0-4]5$&regex=1&by=meta:id", nil, 200, &found)
	if found.Count != 5 || found.Rows[0] != 5 || found.Rows[4] != 45 {
		t.Fatalf("regex search %+v", found)
	}
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/search?q=item&limit=3", nil, 200, &found)
	if found.Count != 300 || len(found.Rows) != 3 {
		t.Fatalf("limited search %+v", found)
	}

	// Binary points and exports.
	res, b = f.do("GET", "/api/projections/"+f.proj.ID+"/points", nil)
	if res.StatusCode != 200 || len(b) != 300*2*4 || res.Header.Get("X-Latent-Dims") != "2" {
		t.Fatalf("points: %d %d bytes", res.StatusCode, len(b))
	}
	if v := math.Float32frombits(binary.LittleEndian.Uint32(b[8:])); v != float32(2)*1.5+0.1*float32(1) { // "top-right" is class 2
		t.Fatalf("x of row 1 = %v", v)
	}
	res, b = f.do("GET", "/api/projections/"+f.proj.ID+"/export?format=csv", nil)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if res.StatusCode != 200 || len(lines) != 301 || lines[0] != "row,x1,x2,label" || !strings.HasSuffix(lines[2], ",top-right") {
		t.Fatalf("csv: %d, %d lines, %q %q", res.StatusCode, len(lines), lines[0], lines[2])
	}
	res, b = f.do("GET", "/api/projections/"+f.proj.ID+"/export?format=npy", nil)
	if res.StatusCode != 200 || !bytes.HasPrefix(b, []byte("\x93NUMPY")) {
		t.Fatalf("npy export: %d", res.StatusCode)
	}
	var projs struct{ Projections []store.Projection }
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/projections", nil, 200, &projs)
	if len(projs.Projections) != 1 {
		t.Fatalf("projections %+v", projs)
	}

	// Bookmarks.
	var bm store.Bookmark
	f.doJSON("POST", "/api/datasets/"+f.ds.ID+"/bookmarks", map[string]any{"name": "view 1", "state": map[string]any{"zoom": 2}}, 201, &bm)
	var bms struct{ Bookmarks []store.Bookmark }
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/bookmarks", nil, 200, &bms)
	if len(bms.Bookmarks) != 1 || string(bms.Bookmarks[0].State) != `{"zoom":2}` {
		t.Fatalf("bookmarks %+v", bms)
	}
	f.doJSON("DELETE", "/api/bookmarks/"+bm.ID, nil, 204, nil)

	// Delete removes the dataset and its projections.
	f.doJSON("DELETE", "/api/datasets/"+f.ds.ID, nil, 204, nil)
	f.doJSON("GET", "/api/projections/"+f.proj.ID, nil, 404, nil)
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/rows/1", nil, 404, nil)
}

func TestUpload(t *testing.T) {
	f := newFixture(t, Config{})
	// Raw body.
	var info store.Dataset
	res, b := f.do("POST", "/api/datasets?filename=points.csv&label_column=kind", strings.NewReader("a,b,kind\n1,2,x\n3,4,y\n5,6,x\n"))
	if res.StatusCode != 201 {
		t.Fatalf("raw upload: %d %s", res.StatusCode, b)
	}
	json.Unmarshal(b, &info)
	if info.Name != "points" || info.Rows != 3 || info.Dim != 2 || !info.Labelled || info.Source != "points.csv" {
		t.Fatalf("raw upload: %+v", info)
	}
	if res.Header.Get("Location") != "/api/datasets/"+info.ID {
		t.Fatalf("Location %q", res.Header.Get("Location"))
	}
	// Multipart with a separate labels file and a file name that tries to
	// climb out of the workspace.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("name", "multi")
	fw, _ := mw.CreateFormFile("file", "../../../etc/vectors.tsv")
	fw.Write([]byte("1\t0\n0\t1\n1\t1\n"))
	lw, _ := mw.CreateFormFile("labels", "labels.txt")
	lw.Write([]byte("a\nb\na\n"))
	mw.Close()
	res, b = f.do("POST", "/api/datasets", &body, "Content-Type", mw.FormDataContentType())
	if res.StatusCode != 201 {
		t.Fatalf("multipart upload: %d %s", res.StatusCode, b)
	}
	json.Unmarshal(b, &info)
	if info.Name != "multi" || info.Rows != 3 || len(info.Classes) != 2 || info.Source != "vectors.tsv" {
		t.Fatalf("multipart upload: %+v", info)
	}
	d, err := f.st.LoadDataset(context.Background(), info.ID)
	if err != nil || d.Label(1) != "b" {
		t.Fatalf("stored upload: %v %v", d, err)
	}
	// Two file parts are refused.
	body.Reset()
	mw = multipart.NewWriter(&body)
	for range 2 {
		fw, _ := mw.CreateFormFile("file", "v.csv")
		fw.Write([]byte("1,2\n3,4\n"))
	}
	mw.Close()
	res, b = f.do("POST", "/api/datasets", &body, "Content-Type", mw.FormDataContentType())
	if res.StatusCode != 400 || !strings.Contains(string(b), "more than one") {
		t.Fatalf("two file parts: %d %s", res.StatusCode, b)
	}
	// Nothing outside the workspace was written.
	if _, err := os.Stat(filepath.Join(filepath.Dir(f.st.Dir()), "etc")); !os.IsNotExist(err) {
		t.Fatalf("upload escaped the workspace")
	}
}

func TestNeighbors(t *testing.T) {
	f := newFixture(t, Config{ExactMaxRows: 100}) // 300 rows: HNSW
	var exact, approx neighborsResponse
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/neighbors?row=3&k=10&method=exact", nil, 200, &exact)
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/neighbors?row=3&k=10&method=hnsw", nil, 200, &approx)
	if exact.Method != "exact" || approx.Method != "hnsw" || len(exact.Rows) != 10 {
		t.Fatalf("methods %s %s", exact.Method, approx.Method)
	}
	same := 0
	for _, a := range approx.Rows {
		for _, e := range exact.Rows {
			if a == e {
				same++
			}
		}
		if a == 3 {
			t.Fatal("a row is its own neighbour")
		}
		if a%3 != 0 {
			t.Fatalf("neighbour %d of row 3 is of another class", a)
		}
	}
	if same < 9 {
		t.Fatalf("HNSW recall %d/10", same)
	}
	// The index was kept for the next run.
	if _, err := os.Stat(filepath.Join(f.st.Dir(), "blobs", "datasets", f.ds.ID, "index-euclidean.hnsw")); err != nil {
		t.Fatal(err)
	}
	// A free vector: row 3 itself finds row 3 first at distance 0.
	d, _ := f.st.LoadDataset(context.Background(), f.ds.ID)
	var byVec neighborsResponse
	f.doJSON("POST", "/api/datasets/"+f.ds.ID+"/neighbors", map[string]any{"vector": d.X.Row(3), "k": 3, "metric": "cosine", "method": "exact"}, 200, &byVec)
	if byVec.Rows[0] != 3 || byVec.Distances[0] > 1e-6 || byVec.Metric != "cosine" {
		t.Fatalf("vector query %+v", byVec)
	}
}

func TestProjectionJobs(t *testing.T) {
	f := newFixture(t, Config{})
	cases := []map[string]any{
		{"method": "pca", "dims": 3},
		{"method": "tsne", "iter": 100, "perplexity": 10},
		{"method": "umap", "epochs": 50, "neighbors": 10},
	}
	for _, params := range cases {
		t.Run(params["method"].(string), func(t *testing.T) {
			var j jobView
			f.doJSON("POST", "/api/jobs", map[string]any{"kind": "project", "dataset": f.ds.ID, "params": params}, 202, &j)
			if j.State != store.JobQueued {
				t.Fatalf("new job %+v", j)
			}
			end, events := f.waitJob(j.ID)
			if end.State != store.JobDone {
				t.Fatalf("job %+v (events %v)", end, events)
			}
			var res struct{ Projection string }
			json.Unmarshal(end.Result, &res)
			var p store.Projection
			f.doJSON("GET", "/api/projections/"+res.Projection, nil, 200, &p)
			if p.Method != params["method"] || p.Rows != 300 {
				t.Fatalf("projection %+v", p)
			}
			if !containsStr(events, "progress") {
				t.Fatalf("no progress events: %v", events)
			}
		})
	}
	// Metrics of the last projection.
	projs, _ := f.st.Projections(context.Background(), f.ds.ID)
	var j jobView
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "metrics", "dataset": f.ds.ID, "params": map[string]any{"projection": projs[0].ID}}, 202, &j)
	end, _ := f.waitJob(j.ID)
	var m map[string]float64
	json.Unmarshal(end.Result, &m)
	if end.State != store.JobDone || m["trustworthiness"] < 0.8 || m["knn_accuracy"] < 0.9 {
		t.Fatalf("metrics job %+v", end)
	}
	var jobs struct{ Jobs []jobView }
	f.doJSON("GET", "/api/jobs", nil, 200, &jobs)
	if len(jobs.Jobs) != 4 {
		t.Fatalf("%d jobs listed", len(jobs.Jobs))
	}
	// A finished job cannot be cancelled.
	f.doJSON("DELETE", "/api/jobs/"+j.ID, nil, 409, nil)
}

func containsStr(a []string, s string) bool {
	for _, v := range a {
		if v == s {
			return true
		}
	}
	return false
}

func TestCancelJob(t *testing.T) {
	f := newFixture(t, Config{})
	var j jobView
	// Far more epochs than the test will wait for.
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "project", "dataset": f.ds.ID,
		"params": map[string]any{"method": "umap", "epochs": 1_000_000}}, 202, &j)
	// Wait until it runs.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var cur jobView
		f.doJSON("GET", "/api/jobs/"+j.ID, nil, 200, &cur)
		if cur.State == store.JobRunning && cur.Progress != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job did not start: %+v", cur)
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.doJSON("POST", "/api/jobs/"+j.ID+"/cancel", nil, 202, nil)
	end, _ := f.waitJob(j.ID)
	if end.State != store.JobCancelled {
		t.Fatalf("cancelled job %+v", end)
	}
	if ps, _ := f.st.Projections(context.Background(), f.ds.ID); len(ps) != 1 {
		t.Fatalf("a cancelled job stored a projection")
	}
}

func TestModelEndpoints(t *testing.T) {
	f := newFixture(t, Config{})
	var j jobView
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "train", "dataset": f.ds.ID,
		"params": map[string]any{"kind": "pca", "name": "linear", "latent": 4}}, 202, &j)
	end, _ := f.waitJob(j.ID)
	if end.State != store.JobDone {
		t.Fatalf("train job %+v", end)
	}
	var res struct{ Model string }
	json.Unmarshal(end.Result, &res)
	var m store.Model
	f.doJSON("GET", "/api/models/linear", nil, 200, &m)
	if m.ID != res.Model || m.Kind != "pca" || m.DatasetID != f.ds.ID {
		t.Fatalf("model %+v", m)
	}
	base := "/api/models/" + m.ID
	var enc struct{ Latent [][]float32 }
	f.doJSON("POST", base+"/encode", map[string]any{"rows": []int{0, 1}}, 200, &enc)
	if len(enc.Latent) != 2 || len(enc.Latent[0]) != 4 {
		t.Fatalf("encode %+v", enc)
	}
	var dec struct{ Rows [][]float32 }
	f.doJSON("POST", base+"/decode", map[string]any{"latent": enc.Latent, "format": "json"}, 200, &dec)
	d, _ := f.st.LoadDataset(context.Background(), f.ds.ID)
	// A 4-component PCA of three clean clusters reconstructs them closely.
	var mse float64
	for j, v := range dec.Rows[1] {
		e := float64(v - d.X.Row(1)[j])
		mse += e * e / 64
	}
	if len(dec.Rows) != 2 || mse > 0.01 {
		t.Fatalf("decode: %d rows, mse %g", len(dec.Rows), mse)
	}
	for _, call := range []struct {
		path string
		body map[string]any
	}{
		{"/decode", map[string]any{"latent": enc.Latent}},
		{"/sample", map[string]any{"n": 6, "seed": 3}},
		{"/interpolate", map[string]any{"a": 0, "b": 1, "steps": 5, "mode": "slerp"}},
	} {
		b, _ := json.Marshal(call.body)
		res, out := f.do("POST", base+call.path, bytes.NewReader(b), "Content-Type", "application/json")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("%s: %d %s", call.path, res.StatusCode, out)
		}
		if _, err := png.Decode(bytes.NewReader(out)); err != nil {
			t.Fatalf("%s: %v", call.path, err)
		}
	}
	// Lerp and slerp take different paths between the same ends.
	var lerp, slerp struct{ Rows [][]float32 }
	f.doJSON("POST", base+"/interpolate", map[string]any{"a": 0, "b": 1, "steps": 3, "format": "json"}, 200, &lerp)
	f.doJSON("POST", base+"/interpolate", map[string]any{"a": 0, "b": 1, "steps": 3, "mode": "slerp", "format": "json"}, 200, &slerp)
	if len(lerp.Rows) != 3 || lerp.Rows[1][10] == slerp.Rows[1][10] || lerp.Rows[0][10] != slerp.Rows[0][10] {
		t.Fatalf("lerp and slerp: %v %v", lerp.Rows[1][10], slerp.Rows[1][10])
	}
	// Sampling is deterministic by seed.
	var s1, s2 struct{ Rows [][]float32 }
	f.doJSON("POST", base+"/sample", map[string]any{"n": 2, "seed": 9, "format": "json"}, 200, &s1)
	f.doJSON("POST", base+"/sample", map[string]any{"n": 2, "seed": 9, "format": "json"}, 200, &s2)
	if s1.Rows[1][5] != s2.Rows[1][5] {
		t.Fatal("samples differ for one seed")
	}
	bad := []struct {
		path, body string
		status     int
		msg        string
	}{
		{"/encode", `{}`, 400, "exactly one"},
		{"/encode", `{"rows":[9999]}`, 404, "row 9999"},
		{"/encode", `{"vectors":[[1,2]]}`, 422, "has 2 values"},
		{"/decode", `{"latent":[[1,2,3,4]],"format":"gif"}`, 400, "want png or json"},
		{"/decode", `{"latent":[]}`, 400, "latent is empty"},
		{"/sample", `{"n":100000}`, 400, "n = 100000"},
		{"/interpolate", `{"a":0}`, 400, "a and b"},
		{"/interpolate", `{"a":0,"b":1,"steps":1000}`, 400, "steps"},
		{"/interpolate", `{"a":0,"b":1,"mode":"spline"}`, 400, "mode"},
	}
	for _, tc := range bad {
		res, b := f.do("POST", base+tc.path, strings.NewReader(tc.body), "Content-Type", "application/json")
		if res.StatusCode != tc.status || !strings.Contains(string(b), tc.msg) {
			t.Errorf("%s %s: %d %s, want %d with %q", tc.path, tc.body, res.StatusCode, b, tc.status, tc.msg)
		}
	}
	// A second model of the same name is a conflict.
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "train", "dataset": f.ds.ID,
		"params": map[string]any{"kind": "pca", "name": "linear", "latent": 4}}, 409, nil)
	f.doJSON("DELETE", base, nil, 204, nil)
	f.doJSON("POST", base+"/sample", map[string]any{}, 404, nil)
}

func TestSecurity(t *testing.T) {
	f := newFixture(t, Config{Token: "s3cret", CORSOrigin: "https://app.example"})
	res, b := f.do("GET", "/api/datasets", nil)
	if res.StatusCode != 401 || !strings.Contains(string(b), CodeUnauthorized) || res.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d %s", res.StatusCode, b)
	}
	res, _ = f.do("GET", "/api/datasets", nil, "Authorization", "Bearer wrong")
	if res.StatusCode != 401 {
		t.Fatalf("wrong token: %d", res.StatusCode)
	}
	res, _ = f.do("GET", "/api/datasets", nil, "Authorization", "Bearer s3cret", "Origin", "https://app.example")
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("token: %d %v", res.StatusCode, res.Header)
	}
	res, _ = f.do("GET", "/api/datasets", nil, "Authorization", "Bearer s3cret", "Origin", "https://evil.example")
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS allowed another origin")
	}
	res, _ = f.do("OPTIONS", "/api/datasets", nil, "Origin", "https://app.example")
	if res.StatusCode != 204 || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
	// The explorer's files are public (they hold no data); the API is not.
	res, _ = f.do("GET", "/", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("explorer: %d", res.StatusCode)
	}
	// Without --cors no CORS header is ever sent.
	g := newFixture(t, Config{})
	res, _ = g.do("GET", "/api/datasets", nil, "Origin", "https://app.example")
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS header without CORSOrigin")
	}
	for _, tc := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"localhost:0", "", true},
		{"[::1]:8080", "", true},
		{"0.0.0.0:8080", "", false},
		{":8080", "", false},
		{"192.0.2.1:80", "", false},
		{"0.0.0.0:8080", "t", true},
	} {
		if err := CheckAddr(tc.addr, tc.token); (err == nil) != tc.ok {
			t.Errorf("CheckAddr(%q, %q) = %v", tc.addr, tc.token, err)
		}
	}
}

func TestOpenAPICoversRoutes(t *testing.T) {
	f := newFixture(t, Config{})
	res, b := f.do("GET", "/api/openapi", nil)
	if res.StatusCode != 200 {
		t.Fatalf("openapi: %d", res.StatusCode)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	routes := f.srv.routeTable()
	for _, rt := range routes {
		r := rt.pattern
		method, path, _ := strings.Cut(r, " ")
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("route %s is not in openapi.json", r)
			continue
		}
		if _, ok := ops[strings.ToLower(method)]; !ok {
			t.Errorf("route %s: method not in openapi.json", r)
		}
	}
	n := 0
	for _, ops := range doc.Paths {
		n += len(ops)
	}
	if n != len(routes) {
		t.Errorf("openapi.json documents %d operations, the server has %d routes", n, len(routes))
	}
}

// TestTimeoutsSet checks that the HTTP server is built with every timeout.
func TestTimeoutsSet(t *testing.T) {
	h := NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	if h.ReadHeaderTimeout == 0 || h.ReadTimeout == 0 || h.WriteTimeout == 0 || h.IdleTimeout == 0 {
		t.Fatalf("timeouts %+v", h)
	}
}

// TestEventStreamOutlivesWriteTimeout runs the handler under an
// http.Server whose write timeout is shorter than a job: the event stream
// lifts its own deadline and still delivers the end of the job.
func TestEventStreamOutlivesWriteTimeout(t *testing.T) {
	f := newFixture(t, Config{})
	hs := NewHTTPServer("127.0.0.1:0", f.srv.Handler())
	hs.WriteTimeout = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String()
	var j jobView
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "project", "dataset": f.ds.ID,
		"params": map[string]any{"method": "umap", "epochs": 1_000_000}}, 202, &j)
	res, err := http.Get(url + "/api/jobs/" + j.ID + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	go func() {
		time.Sleep(1200 * time.Millisecond) // four write timeouts
		f.doJSON("DELETE", "/api/jobs/"+j.ID, nil, 202, nil)
	}()
	b, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(b), "event: end") || !strings.Contains(string(b), `"state":"cancelled"`) {
		t.Fatalf("event stream cut short: %q", b)
	}
}

func TestDevUI(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>edited page</p>"), 0o644)
	f := newFixture(t, Config{DevUI: dir})
	res, b := f.do("GET", "/", nil)
	if res.StatusCode != 200 || !strings.Contains(string(b), "edited page") {
		t.Fatalf("dev UI: %d %s", res.StatusCode, b)
	}
	// The built-in explorer otherwise.
	g := newFixture(t, Config{})
	res, b = g.do("GET", "/app.js", nil)
	if res.StatusCode != 200 || !strings.Contains(string(b), "import { Scatter }") {
		t.Fatalf("embedded UI: %d", res.StatusCode)
	}
	if _, err := New(Config{Store: f.st, DevUI: filepath.Join(dir, "index.html")}); err == nil {
		t.Fatal("a file as --dev-ui was accepted")
	}
}

func TestCacheEviction(t *testing.T) {
	// Room for one 300×64 matrix (76,800 bytes) but not two.
	f := newFixture(t, Config{CacheBytes: 100_000})
	ctx := context.Background()
	other, err := f.st.AddDataset(ctx, "other", "", shapes(300, 2))
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.srv.cache.get(ctx, f.ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.cache.get(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	f.srv.cache.mu.Lock()
	_, hasA := f.srv.cache.entries[f.ds.ID]
	_, hasB := f.srv.cache.entries[other.ID]
	f.srv.cache.mu.Unlock()
	if hasA || !hasB {
		t.Fatalf("after loading a second dataset over budget: first kept %v, second kept %v", hasA, hasB)
	}
	// The evicted dataset loads again on demand.
	again, err := f.srv.cache.get(ctx, f.ds.ID)
	if err != nil || again == a || again.d.Len() != 300 {
		t.Fatalf("reload: %v", err)
	}
}
