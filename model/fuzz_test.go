package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/latentlab/latent/mat32"
)

// pair returns a model file pair from raw config JSON and weights bytes,
// with the weights' real SHA-256 in the envelope, so that the fuzzer
// reaches this package's checks instead of stopping at the checksum.
func pair(config, weights []byte) fstest.MapFS {
	sum := sha256.Sum256(weights)
	env := fmt.Sprintf(`{"format":"latent.model","version":1,"weights_sha256":%q,"config":%s}`, hex.EncodeToString(sum[:]), config)
	return fstest.MapFS{"f.safetensors": {Data: weights}, "f.json": {Data: []byte(env)}}
}

// FuzzLoad feeds arbitrary configs and weights files to LoadFS (the same
// checks as Load, without the disk). It must never panic; a model it
// accepts must encode and decode a row. The seed corpus
// (testdata/fuzz/FuzzLoad) holds small valid models of every type and
// architecture, written by TestWriteFuzzCorpus.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{}`), []byte{})
	f.Add([]byte(`{"model":{"type":"vae","arch":"mlp","dim":4,"latent":0}}`), []byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"))
	f.Fuzz(func(t *testing.T, config, weights []byte) {
		m, err := LoadFS(pair(config, weights), "f")
		if err != nil {
			return
		}
		shape := m.InputShape()
		if shape.Dim > 1<<16 {
			return // valid, but too big to run here
		}
		var labels []int
		if m.Config().Type.Conditional() {
			labels = []int{0}
		}
		if m.Config().Type.HasEncoder() {
			x := mat32.New(1, shape.Dim)
			if _, _, err := m.Encode(x, labels); err != nil {
				t.Fatalf("loaded model cannot encode: %v", err)
			}
		}
		if _, err := m.Decode(mat32.New(1, m.LatentDim()), labels); err != nil {
			t.Fatalf("loaded model cannot decode: %v", err)
		}
	})
}

// TestWriteFuzzCorpus regenerates FuzzLoad's seed corpus from small
// trained models when LATENT_WRITE_CORPUS is set.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("LATENT_WRITE_CORPUS") == "" {
		t.Skip("set LATENT_WRITE_CORPUS=1 to rewrite testdata/fuzz/FuzzLoad")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzLoad")
	os.MkdirAll(dir, 0o755)
	for _, tc := range []struct {
		typ  Type
		arch Arch
	}{{AE, MLP}, {VAE, MLP}, {CVAE, MLP}, {GAN, MLP}, {VAE, Conv}, {GAN, Conv}} {
		d := blobs(16, 16, 2, 1)
		if tc.arch == Conv {
			d = imageBlobs(16, 4, 2, 1)
		}
		c := DefaultConfig(tc.typ, tc.arch, 2)
		c.Hidden = []int{3}
		c.Channels = nil
		if tc.arch == Conv {
			c.Channels, c.Hidden = []int{2}, nil
		}
		out := filepath.Join(t.TempDir(), "m")
		if _, err := Train(t.Context(), d, c, TrainOptions{Epochs: 1, Batch: 8, Seed: 1, Out: out}); err != nil {
			t.Fatal(err)
		}
		w, _ := os.ReadFile(out + ".safetensors")
		raw, _ := os.ReadFile(out + ".json")
		var env envelope
		if err := decodeStrict(raw, &env); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", []byte(env.Config), w)
		if err := os.WriteFile(filepath.Join(dir, string(tc.typ)+"-"+string(tc.arch)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParseRef: ParseRef never panics, and what it accepts is consistent:
// a row is non-negative, a label or path is not empty, a code has values.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"12", "#3", "label:Sneaker", "Sandal", "file:x.npy", "prior:42", "z:1,-0.5,2", "z:", "label:", "-1", "prior:-1", "#", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s, func(p string) bool { return p == "x.npy" })
		if err != nil {
			return
		}
		switch r.Kind {
		case RefRow:
			if r.Row < 0 {
				t.Fatalf("%q: row %d", s, r.Row)
			}
		case RefLabel, RefFile:
			if r.Name == "" {
				t.Fatalf("%q: empty name", s)
			}
		case RefCode:
			if len(r.Code) == 0 {
				t.Fatalf("%q: no values", s)
			}
		}
	})
}
