package server

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/latentlab/latent/store"
)

// TestGenerativeModels trains small models of package model through "train"
// jobs and uses them through the model endpoints.
func TestGenerativeModels(t *testing.T) {
	f := newFixture(t, Config{})
	kinds := []string{"vae", "ae"}
	if testing.Short() {
		kinds = kinds[:1]
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			var j jobView
			f.doJSON("POST", "/api/jobs", map[string]any{"kind": "train", "dataset": f.ds.ID,
				"params": map[string]any{"kind": kind, "name": kind + "-small", "latent": 3, "hidden": []int{32}, "epochs": 3, "batch": 32, "seed": 1}}, 202, &j)
			end, events := f.waitJob(j.ID)
			if end.State != store.JobDone {
				t.Fatalf("train job %+v (events %v)", end, events)
			}
			var res struct{ Model string }
			json.Unmarshal(end.Result, &res)
			var m store.Model
			f.doJSON("GET", "/api/models/"+res.Model, nil, 200, &m)
			if m.Kind != kind || len(m.Files) != 2 {
				t.Fatalf("model %+v", m)
			}
			base := "/api/models/" + m.ID
			var enc struct{ Latent [][]float32 }
			f.doJSON("POST", base+"/encode", map[string]any{"rows": []int{0, 1, 2}}, 200, &enc)
			if len(enc.Latent) != 3 || len(enc.Latent[0]) != 3 {
				t.Fatalf("encode %+v", enc)
			}
			for _, call := range []struct {
				path string
				body map[string]any
			}{
				{"/sample", map[string]any{"n": 4, "seed": 2}},
				{"/interpolate", map[string]any{"a": 0, "b": 2, "steps": 6}},
				{"/decode", map[string]any{"latent": enc.Latent}},
			} {
				b, _ := json.Marshal(call.body)
				res, out := f.do("POST", base+call.path, bytes.NewReader(b), "Content-Type", "application/json")
				if res.StatusCode != 200 {
					t.Fatalf("%s: %d %s", call.path, res.StatusCode, out)
				}
				if _, err := png.Decode(bytes.NewReader(out)); err != nil {
					t.Fatalf("%s: %v", call.path, err)
				}
			}
		})
	}
	for _, tc := range []struct{ params, msg string }{
		{`{"kind":"vae","name":"x","latent":-1}`, "latent = -1"},
		{`{"kind":"vae","name":"x","arch":"rnn"}`, "arch"},
		{`{"kind":"vae","name":"x","epochs":-3}`, "must not be negative"},
		{`{"kind":"vae","name":"x","hidden":[0]}`, "hidden width"},
		{`{"kind":"vae","name":"x","colour":"red"}`, "unknown field"},
	} {
		res, b := f.do("POST", "/api/jobs", strings.NewReader(`{"kind":"train","dataset":"`+f.ds.ID+`","params":`+tc.params+`}`), "Content-Type", "application/json")
		if res.StatusCode != 400 || !strings.Contains(string(b), tc.msg) {
			t.Errorf("%s: %d %s, want 400 with %q", tc.params, res.StatusCode, b, tc.msg)
		}
	}
}

// TestEncodeAndProjectEmbedding encodes a dataset with a model and projects
// the codes: a map of the model's latent space, one point per row.
func TestEncodeAndProjectEmbedding(t *testing.T) {
	f := newFixture(t, Config{})
	var j jobView
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "train", "dataset": f.ds.ID,
		"params": map[string]any{"kind": "vae", "name": "v", "latent": 4, "hidden": []int{32}, "epochs": 3}}, 202, &j)
	if end, _ := f.waitJob(j.ID); end.State != store.JobDone {
		t.Fatalf("train %+v", end)
	}
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "encode", "dataset": f.ds.ID, "params": map[string]any{"model": "v"}}, 202, &j)
	end, events := f.waitJob(j.ID)
	if end.State != store.JobDone || !containsStr(events, "progress") {
		t.Fatalf("encode %+v %v", end, events)
	}
	var res struct{ Embedding string }
	json.Unmarshal(end.Result, &res)
	var list struct{ Embeddings []store.Embedding }
	f.doJSON("GET", "/api/datasets/"+f.ds.ID+"/embeddings", nil, 200, &list)
	if len(list.Embeddings) != 1 || list.Embeddings[0].ID != res.Embedding || list.Embeddings[0].Dims != 4 || list.Embeddings[0].Rows != 300 {
		t.Fatalf("embeddings %+v", list)
	}
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "project", "dataset": f.ds.ID,
		"params": map[string]any{"method": "pca", "embedding": res.Embedding, "name": "latent map"}}, 202, &j)
	end, _ = f.waitJob(j.ID)
	var pres struct{ Projection string }
	json.Unmarshal(end.Result, &pres)
	var p store.Projection
	f.doJSON("GET", "/api/projections/"+pres.Projection, nil, 200, &p)
	if end.State != store.JobDone || p.Rows != 300 || p.Name != "latent map" || !strings.Contains(string(p.Params), res.Embedding) {
		t.Fatalf("projection of the embedding %+v %+v", end, p)
	}
	for _, tc := range []struct{ body, msg string }{
		{`{"kind":"encode","dataset":"` + f.ds.ID + `","params":{}}`, "model is required"},
		{`{"kind":"encode","dataset":"` + f.ds.ID + `","params":{"model":"nope"}}`, "no model"},
		{`{"kind":"project","dataset":"` + f.ds.ID + `","params":{"method":"pca","dims":5,"embedding":"` + res.Embedding + `"}}`, "dims = 5"},
		{`{"kind":"project","dataset":"` + f.ds.ID + `","params":{"method":"pca","embedding":"em_0123456789abcdef"}}`, "no embedding"},
	} {
		res, b := f.do("POST", "/api/jobs", strings.NewReader(tc.body), "Content-Type", "application/json")
		if res.StatusCode < 400 || res.StatusCode >= 500 || !strings.Contains(string(b), tc.msg) {
			t.Errorf("%s: %d %s, want a client error with %q", tc.body, res.StatusCode, b, tc.msg)
		}
	}
	f.doJSON("DELETE", "/api/embeddings/"+res.Embedding, nil, 204, nil)
}

// TestConditionalModel trains a CVAE through a job and uses it through the
// model endpoints: dataset rows take their labels, free codes and vectors
// need a class, samples cycle through the classes.
func TestConditionalModel(t *testing.T) {
	f := newFixture(t, Config{})
	var j jobView
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "train", "dataset": f.ds.ID,
		"params": map[string]any{"kind": "cvae", "name": "cvae-small", "latent": 2, "hidden": []int{16}, "epochs": 2, "batch": 32, "seed": 1}}, 202, &j)
	end, events := f.waitJob(j.ID)
	if end.State != store.JobDone {
		t.Fatalf("train job %+v (events %v)", end, events)
	}
	var res struct{ Model string }
	json.Unmarshal(end.Result, &res)
	base := "/api/models/" + res.Model
	var enc struct{ Latent [][]float32 }
	f.doJSON("POST", base+"/encode", map[string]any{"rows": []int{0, 1, 2}}, 200, &enc)
	if len(enc.Latent) != 3 || len(enc.Latent[0]) != 2 {
		t.Fatalf("encode %+v", enc)
	}
	// Row 0 as a vector, with its class, gives the same code.
	d, err := f.st.LoadDataset(context.Background(), f.ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	var enc2 struct{ Latent [][]float32 }
	f.doJSON("POST", base+"/encode", map[string]any{"vectors": [][]float32{d.X.Row(0)}, "class": d.Classes[d.Labels[0]]}, 200, &enc2)
	near := func(a, b []float32) bool {
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-5 {
				return false
			}
		}
		return len(a) == len(b)
	}
	// (Equal up to rounding: one row and three rows take other GEMM paths.)
	if !near(enc2.Latent[0], enc.Latent[0]) {
		t.Fatalf("row 0 as a vector of class %s encodes to %v, as a row to %v", d.Classes[d.Labels[0]], enc2.Latent[0], enc.Latent[0])
	}
	f.doJSON("POST", base+"/encode", map[string]any{"vectors": [][]float32{d.X.Row(0)}, "class": d.Classes[(d.Labels[0]+1)%3]}, 200, &enc2)
	if near(enc2.Latent[0], enc.Latent[0]) {
		t.Fatal("the class given makes no difference to the code")
	}
	for _, c := range []struct {
		path   string
		body   map[string]any
		status int
		msg    string
	}{
		{"/decode", map[string]any{"latent": enc.Latent, "format": "json"}, 422, "give class"},
		{"/decode", map[string]any{"latent": enc.Latent, "class": "round", "format": "json"}, 422, "the model knows 3 classes"},
		{"/decode", map[string]any{"latent": enc.Latent, "class": "bottom", "format": "json"}, 200, ""},
		{"/encode", map[string]any{"vectors": [][]float32{make([]float32, 64)}}, 422, "give class"},
		{"/sample", map[string]any{"n": 6, "seed": 2, "format": "json"}, 200, ""},
		{"/sample", map[string]any{"n": 2, "class": "top-left", "format": "json"}, 200, ""},
		{"/interpolate", map[string]any{"a": 0, "b": 2, "steps": 5, "format": "json"}, 200, ""},
		{"/interpolate", map[string]any{"a": 0, "b": 2, "steps": 5, "class": "bottom", "format": "json"}, 200, ""},
	} {
		b, _ := json.Marshal(c.body)
		res, out := f.do("POST", base+c.path, bytes.NewReader(b), "Content-Type", "application/json")
		if res.StatusCode != c.status || !strings.Contains(string(out), c.msg) {
			t.Errorf("%s %s: %d %.200s, want %d with %q", c.path, b, res.StatusCode, out, c.status, c.msg)
		}
	}
	// An encode job codes every row with its own label.
	f.doJSON("POST", "/api/jobs", map[string]any{"kind": "encode", "dataset": f.ds.ID, "params": map[string]any{"model": res.Model}}, 202, &j)
	if end, events := f.waitJob(j.ID); end.State != store.JobDone {
		t.Fatalf("encode job %+v (events %v)", end, events)
	}
}
