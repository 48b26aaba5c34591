package server

import (
	"bytes"
	"encoding/json"
	"image/png"
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
