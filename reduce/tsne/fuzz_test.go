package tsne

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/mat32"
)

// FuzzLoad feeds Load a weights file and a config from the fuzzer, paired
// by a correct SHA-256 so that both reach the model decoder: Load must
// never panic, and a model it accepts must be usable.
func FuzzLoad(f *testing.F) {
	// One thread: the fuzzer runs many small inputs, where BLAS helper
	// threads only add scheduling noise.
	mat32.SetThreads(1)
	cfg, tensors := validParts()
	var w bytes.Buffer
	if err := safetensors.Write(&w, tensors, nil); err != nil {
		f.Fatal(err)
	}
	c, _ := json.Marshal(cfg)
	f.Add(w.Bytes(), c)
	cfg.Projected, cfg.ReferenceDims, cfg.Features = false, 2, 2
	c2, _ := json.Marshal(cfg)
	var w2 bytes.Buffer
	safetensors.Write(&w2, tensors[:2], nil)
	f.Add(w2.Bytes(), c2)
	f.Add(w.Bytes(), []byte(`{"kind":"tsne","version":1,"rows":6}`))
	f.Add([]byte{}, c)
	f.Fuzz(func(t *testing.T, weights, config []byte) {
		if !json.Valid(config) {
			return
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "m.safetensors")
		if err := os.WriteFile(path, weights, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(weights)
		env, _ := json.Marshal(map[string]any{"format": safetensors.ModelFormat, "version": safetensors.ModelVersion,
			"weights_sha256": hex.EncodeToString(sum[:]), "config": json.RawMessage(config)})
		if err := os.WriteFile(safetensors.ConfigPath(path), env, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(path)
		if err != nil {
			return
		}
		x := mat32.New(2, m.Features())
		y, err := m.Transform(context.Background(), nil, x, TransformOptions{Iter: 3, Perplexity: 1})
		if err == nil {
			if c, _ := mat32.CountNonFinite(y); c > 0 {
				t.Fatalf("a loaded model placed points at NaN/Inf: %v", y.Data)
			}
		}
		m.Embedding(nil)
	})
}
