package tsne

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
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

// FuzzFit fits small matrices built from arbitrary bytes (any float32 bit
// pattern: NaN, ±Inf, huge, tiny, duplicates) with arbitrary options: Fit
// must return an error or a finite embedding, and never panic.
func FuzzFit(f *testing.F) {
	mat32.SetThreads(1)
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"), uint8(2), uint8(3), uint8(0), float32(2))
	f.Add(bytes.Repeat([]byte{0x7f, 0x7f, 0xff, 0xff}, 24), uint8(1), uint8(2), uint8(2), float32(1.5))
	f.Add(bytes.Repeat([]byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0}, 10), uint8(3), uint8(1), uint8(1), float32(1))
	f.Add(bytes.Repeat([]byte{1, 0, 0, 0}, 40), uint8(2), uint8(2), uint8(3), float32(3))
	// Valid data: 40 rows of 3 values in two groups, fitted by each method.
	var valid []byte
	for i := 0; i < 120; i++ {
		v := float32(i%7) + 10*float32(i/60)
		valid = binary.LittleEndian.AppendUint32(valid, math.Float32bits(v))
	}
	for m := uint8(0); m < 4; m++ {
		f.Add(valid, uint8(2), uint8(m%3+1), m, float32(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, cols, dims, method uint8, perp float32) {
		d := int(cols%4) + 1
		n := min(len(data)/(4*d), 40)
		if n == 0 {
			return
		}
		x := mat32.New(n, d)
		for i := range x.Data {
			x.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		o := Options{Dims: int(dims%4) + 0, Method: Method(method % 4), Perplexity: float64(perp),
			EarlyIter: 15, Iter: 15, Seed: 1}
		m, err := Fit(context.Background(), x, o)
		if err != nil {
			return
		}
		y := m.Embedding(nil)
		if c, r := mat32.CountNonFinite(y); c > 0 {
			t.Fatalf("%d non-finite values in the embedding (row %d) of %v with %+v", c, r, x.Data, o)
		}
		if math.IsNaN(m.KL()) {
			t.Fatalf("KL is NaN for %v with %+v", x.Data, o)
		}
	})
}
