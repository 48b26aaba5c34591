package model

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/mat32"
)

// trainSmall trains a small model of type t for two epochs.
func trainSmall(t *testing.T, typ Type, arch Arch, out string) (Model, *dataset.Dataset) {
	t.Helper()
	d := blobs(96, 16, 3, 11)
	if arch == Conv {
		d = imageBlobs(64, 8, 2, 11)
	}
	c := smallConfig(typ, arch, 3)
	m, err := Train(context.Background(), d, c, TrainOptions{Epochs: 2, Batch: 16, Val: 0.25, Seed: 1, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	return m, d
}

// outputs returns a model's codes, log-variances and decoded rows for d.
func outputs(t *testing.T, m Model, d *dataset.Dataset) [][]float32 {
	t.Helper()
	labels, err := ClassIndices(m.Config(), d)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float32
	z := mat32.New(d.Len(), m.LatentDim())
	if m.Config().Type.HasEncoder() {
		mu, lv, err := m.Encode(d.X, labels)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mu.Data)
		if lv != nil {
			out = append(out, lv.Data)
		}
		z = mu
	} else {
		for i := range z.Data {
			z.Data[i] = float32(i%7) / 7
		}
	}
	x, err := m.Decode(z, labels)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, x.Data)
}

// TestSaveLoadIdentical: a model saved and loaded gives bit-identical
// codes and decodings, for every type and architecture, and its card and
// config survive.
func TestSaveLoadIdentical(t *testing.T) {
	for _, tc := range []struct {
		typ  Type
		arch Arch
	}{{AE, MLP}, {VAE, MLP}, {DAE, MLP}, {CVAE, MLP}, {GAN, MLP}, {VAE, Conv}, {GAN, Conv}} {
		if testing.Short() && tc.arch == Conv {
			continue
		}
		dir := t.TempDir()
		name := filepath.Join(dir, "m")
		m, d := trainSmall(t, tc.typ, tc.arch, name)
		want := outputs(t, m, d)
		if _, err := os.Stat(name + ".safetensors"); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(name + ".json"); err != nil {
			t.Fatal(err)
		}
		got, err := Load(name)
		if err != nil {
			t.Fatalf("%s/%s: %v", tc.typ, tc.arch, err)
		}
		for i, g := range outputs(t, got, d) {
			if !sameBits(g, want[i]) {
				t.Errorf("%s/%s: output %d differs after loading", tc.typ, tc.arch, i)
			}
		}
		if gc, wc := got.Card(), m.Card(); gc.Epochs != 2 || gc.Architecture != wc.Architecture || len(gc.History) != 2 || gc.Stopped != "completed" {
			t.Errorf("%s/%s: card %+v", tc.typ, tc.arch, gc)
		}
		if tc.typ != GAN && got.Card().Metrics == nil {
			t.Errorf("%s/%s: no metrics in the card", tc.typ, tc.arch)
		}
		// Save again from the loaded model: the same weights file.
		again := filepath.Join(dir, "again")
		if err := got.Save(again, SaveOptions{}); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(name + ".safetensors")
		b, _ := os.ReadFile(again + ".safetensors")
		if string(a) != string(b) {
			t.Errorf("%s/%s: re-saved weights differ", tc.typ, tc.arch)
		}
	}
}

// TestSaveHalf: F16 and BF16 files are half the size and decode to within
// the types' rounding.
func TestSaveHalf(t *testing.T) {
	dir := t.TempDir()
	m, d := trainSmall(t, VAE, MLP, "")
	want := outputs(t, m, d)
	full := filepath.Join(dir, "full")
	if err := m.Save(full, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	fs, _ := os.Stat(full + ".safetensors")
	for _, tc := range []struct {
		dt  safetensors.DType
		tol float64
	}{{safetensors.F16, 2e-2}, {safetensors.BF16, 8e-2}} {
		p := filepath.Join(dir, string(tc.dt))
		if err := m.Save(p, SaveOptions{DType: tc.dt}); err != nil {
			t.Fatal(err)
		}
		hs, _ := os.Stat(p + ".safetensors")
		if hs.Size() > fs.Size()*6/10 {
			t.Errorf("%s file %d bytes, F32 %d", tc.dt, hs.Size(), fs.Size())
		}
		got, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range outputs(t, got, d) {
			var worst float64
			for j := range g {
				worst = max(worst, math.Abs(float64(g[j]-want[i][j])))
			}
			if worst > tc.tol {
				t.Errorf("%s: output %d differs by up to %g", tc.dt, i, worst)
			}
		}
	}
	if err := m.Save(filepath.Join(dir, "x"), SaveOptions{DType: safetensors.I64}); err == nil || !strings.Contains(err.Error(), "cannot store weights as I64") {
		t.Errorf("I64 storage: %v", err)
	}
}

// TestHalfConversion checks toHalf against the values numpy's float16
// rounds to: np.float16(x) for the inputs below.
func TestHalfConversion(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want uint16
	}{
		{0, 0x0000}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, {1e-8, 0x0000},
		{0.1, 0x2e66}, {1.0009765625, 0x3c01}, {1.00048828125, 0x3c00}, {1.00146484375, 0x3c02},
		{6.103515625e-05, 0x0400}, {5.960464477539063e-08, 0x0001}, {3e-5, 0x01f7}, {float32(math.Inf(-1)), 0xfc00},
	} {
		if got := toHalf(c.in); got != c.want {
			t.Errorf("toHalf(%g) = %#04x, want %#04x", c.in, got, c.want)
		}
		if c.want&0x7c00 != 0x7c00 {
			// Read back as Load reads F16 weights.
			tn := safetensors.Tensor{DType: safetensors.F16, Shape: []int{1}, Data: []byte{byte(c.want), byte(c.want >> 8)}}
			back, err := tn.Float32s(nil)
			if err != nil || toHalf(back[0]) != c.want {
				t.Errorf("round trip of %#04x through %v: %v", c.want, back, err)
			}
		}
	}
	if _, err := toTensor("w", []int{1}, []float32{70000}, safetensors.F16); err == nil || !strings.Contains(err.Error(), "beyond float16's range") {
		t.Errorf("F16 overflow: %v", err)
	}
	if _, err := toTensor("w", []int{2}, []float32{float32(math.Inf(1)), float32(math.NaN())}, safetensors.F16); err != nil {
		t.Errorf("F16 of Inf and NaN: %v", err)
	}
	if toBFloat16(1) != 0x3f80 || toBFloat16(-0.5) != 0xbf00 {
		t.Errorf("bfloat16: %#04x %#04x", toBFloat16(1), toBFloat16(-0.5))
	}
}

// TestLoadFS loads a model from an fs.FS (as package models does from its
// embed.FS) with the same checks as Load.
func TestLoadFS(t *testing.T) {
	dir := t.TempDir()
	m, d := trainSmall(t, AE, MLP, filepath.Join(dir, "m"))
	w, _ := os.ReadFile(filepath.Join(dir, "m.safetensors"))
	c, _ := os.ReadFile(filepath.Join(dir, "m.json"))
	fsys := fstest.MapFS{"m.safetensors": {Data: w}, "m.json": {Data: c}}
	got, err := LoadFS(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := outputs(t, m, d)
	for i, g := range outputs(t, got, d) {
		if !sameBits(g, want[i]) {
			t.Errorf("output %d differs", i)
		}
	}
	bad := append([]byte(nil), w...)
	bad[len(bad)-1] ^= 1
	if _, err := LoadFS(fstest.MapFS{"m.safetensors": {Data: bad}, "m.json": {Data: c}}, "m"); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("changed weights: %v", err)
	}
	if _, err := LoadFS(fsys, "none"); err == nil {
		t.Error("missing model: no error")
	}
}

// writeFile writes a model file pair with the given config and tensors,
// with a matching checksum, so that the tests reach the checks of this
// package.
func writeFile(t *testing.T, dir, name string, cfg any, ts []safetensors.Tensor) string {
	t.Helper()
	p := filepath.Join(dir, name+".safetensors")
	if err := safetensors.WriteModel(p, cfg, ts, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoadBadFiles: a model file that is corrupt, truncated or hostile is
// an error naming the file and the problem, never a panic or a huge
// allocation.
func TestLoadBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	m, _ := trainSmall(t, VAE, MLP, good)
	a := m.(*Autoencoder)
	var fc fileConfig
	raw, _ := os.ReadFile(good + ".json")
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(env.Config, &fc); err != nil {
		t.Fatal(err)
	}
	tensors := func(skip string, edit func(*safetensors.Tensor)) []safetensors.Tensor {
		var ts []safetensors.Tensor
		for _, p := range a.net.tensors() {
			if p.Name == skip {
				continue
			}
			tt := safetensors.FromFloat32(p.Name, p.Shape, p.Data)
			if edit != nil {
				edit(&tt)
			}
			ts = append(ts, tt)
		}
		return ts
	}
	cfgWith := func(edit func(*fileConfig)) *fileConfig {
		c := fc
		c.Model.Hidden = append([]int(nil), fc.Model.Hidden...)
		edit(&c)
		return &c
	}
	wb, _ := os.ReadFile(good + ".safetensors")
	truncated := filepath.Join(dir, "trunc")
	os.WriteFile(truncated+".safetensors", wb[:len(wb)/2], 0o644)
	os.WriteFile(truncated+".json", raw, 0o644)
	mismatched := filepath.Join(dir, "mismatch")
	os.WriteFile(mismatched+".safetensors", wb, 0o644)
	os.WriteFile(mismatched+".json", []byte(strings.Replace(string(raw), env.WeightsSHA256, strings.Repeat("0", 64), 1)), 0o644)
	hugeHeader := filepath.Join(dir, "huge")
	hb := append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, wb[8:]...)
	os.WriteFile(hugeHeader+".safetensors", hb, 0o644)
	os.WriteFile(hugeHeader+".json", raw, 0o644)

	cases := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "none"), "no such file"},
		{"truncated", truncated, "unexpected EOF"},
		{"checksum", mismatched, "does not match"},
		{"header length", hugeHeader, "header"},
		{"latent 0", writeFile(t, dir, "l0", cfgWith(func(c *fileConfig) { c.Model.Latent = 0 }), tensors("", nil)), "latent dimension 0"},
		{"latent -3", writeFile(t, dir, "ln", cfgWith(func(c *fileConfig) { c.Model.Latent = -3 }), tensors("", nil)), "latent dimension -3"},
		{"huge width", writeFile(t, dir, "hw", cfgWith(func(c *fileConfig) { c.Model.Hidden[0] = 1 << 30 }), tensors("", nil)), "width 1073741824"},
		{"more than the file", writeFile(t, dir, "mf", cfgWith(func(c *fileConfig) { c.Model.Hidden = []int{20000, 20000} }), tensors("", nil)), "the weights file holds"},
		{"shape", writeFile(t, dir, "sh", cfgWith(func(c *fileConfig) { c.Model.Hidden[1] = 11 }), tensors("", nil)), "the architecture needs"},
		{"missing tensor", writeFile(t, dir, "mt", &fc, tensors("", func(tt *safetensors.Tensor) {
			if tt.Name == "logvar.bias" {
				tt.Name = "logvar.b"
			}
		})), `"logvar.bias" is missing`},
		{"extra tensor", writeFile(t, dir, "et", &fc, append(tensors("", nil), safetensors.FromFloat32("extra", []int{1}, []float32{1}))), `"extra" is not part`},
		{"dtype", writeFile(t, dir, "dt", &fc, tensors("", func(tt *safetensors.Tensor) {
			if tt.Name == "mu.bias" {
				*tt = safetensors.FromInt64(tt.Name, tt.Shape, make([]int64, tt.Len()))
			}
		})), `"mu.bias" is I64`},
		{"NaN weight", writeFile(t, dir, "nan", &fc, tensors("", func(tt *safetensors.Tensor) {
			if tt.Name == "dec.0.weight" {
				v, _ := tt.Float32s(nil)
				v[3] = float32(math.NaN())
				*tt = safetensors.FromFloat32(tt.Name, tt.Shape, v)
			}
		})), `"dec.0.weight" holds a non-finite value at 3`},
		{"unknown type", writeFile(t, dir, "ut", cfgWith(func(c *fileConfig) { c.Model.Type = "flow" }), tensors("", nil)), `unknown model type "flow"`},
		{"image shape", writeFile(t, dir, "is", cfgWith(func(c *fileConfig) { c.Model.Image = dataset.ImageShape{Height: 3, Width: 3, Channels: 1} }), tensors("", nil)), "image shape 3x3x1"},
		{"normaliser", writeFile(t, dir, "no", cfgWith(func(c *fileConfig) {
			c.Model.Normalizer = dataset.Normalizer{Kind: dataset.NormStandardize, Mean: []float32{1}, Std: []float32{1}}
		}), tensors("", nil)), "1 means and 1 deviations"},
		{"codes", writeFile(t, dir, "co", cfgWith(func(c *fileConfig) {
			g := *c.Card.Codes
			g.Cov = []float64{1}
			c.Card.Codes = &g
		}), tensors("", nil)), "covariance has 1 values"},
		{"checkpoint", CheckpointPath(good), "training checkpoint"},
		{"unknown field", writeFile(t, dir, "uf", map[string]any{"model": fc.Model, "card": fc.Card, "surprise": 1}, tensors("", nil)), "unknown field"},
	}
	for _, c := range cases {
		_, err := Load(c.path)
		wantErr(t, c.name, err, c.want)
		if err != nil && c.name != "missing" && c.name != "checkpoint" && !strings.Contains(err.Error(), filepath.Base(strings.TrimSuffix(c.path, ".safetensors"))) {
			t.Errorf("%s: error %q does not name the file", c.name, err)
		}
	}
}

// TestEncodeBadInput: data that does not suit the model is an error.
func TestEncodeBadInput(t *testing.T) {
	m, d := trainSmall(t, CVAE, MLP, "")
	labels, _ := ClassIndices(m.Config(), d)
	nan := d.X.Clone()
	nan.Data[40] = float32(math.NaN())
	z := mat32.New(3, 3)
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"columns", func() error { _, _, err := m.Encode(mat32.New(4, 15), labels[:4]); return err }(), "the data have 15 values per row, the model takes 16 values"},
		{"NaN", func() error { _, _, err := m.Encode(nan, labels); return err }(), "1 NaN/Inf values (first in row 2)"},
		{"no labels", func() error { _, _, err := m.Encode(d.X, nil); return err }(), "one class per row"},
		{"bad label", func() error { _, err := m.Decode(z, []int{0, 1, 7}); return err }(), "class 7 outside"},
		{"latent", func() error { _, err := m.Decode(mat32.New(2, 4), []int{0, 0}); return err }(), "the codes have 4 values, the model's latent dimension is 3"},
		{"empty", func() error { _, _, err := m.Encode(mat32.New(0, 16), nil); return err }(), "no data"},
		{"samples", func() error { _, err := m.Sample(0, 1, nil); return err }(), "0 samples"},
	} {
		wantErr(t, c.name, c.err, c.want)
	}
	other := &dataset.Dataset{Name: "other", X: mat32.New(2, 16), Labels: []int{0, 1}, Classes: []string{"a", "zz"}}
	_, err := ClassIndices(m.Config(), other)
	wantErr(t, "unknown class", err, `class "zz", which the model was not trained on`)
	_, err = ClassIndices(m.Config(), &dataset.Dataset{Name: "u", X: mat32.New(2, 16)})
	wantErr(t, "unlabelled", err, "u has none")
	g, _ := trainSmall(t, GAN, MLP, "")
	_, _, err = g.Encode(d.X, nil)
	if err != ErrNoEncoder {
		t.Errorf("GAN Encode: %v", err)
	}
}
