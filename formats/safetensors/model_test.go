package safetensors

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type testConfig struct {
	Kind   string  `json:"kind"`
	Latent int     `json:"latent"`
	Beta   float64 `json:"beta"`
}

func TestModelRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "vae.safetensors")
	cfg := testConfig{Kind: "vae", Latent: 8, Beta: 0.5}
	ts := []Tensor{FromFloat32("enc.w", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})}
	if err := WriteModel(p, cfg, ts, map[string]string{"epoch": "3"}); err != nil {
		t.Fatal(err)
	}
	if ConfigPath(p) != filepath.Join(dir, "vae.json") {
		t.Errorf("ConfigPath = %s", ConfigPath(p))
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"vae.json", "vae.safetensors"}) {
		t.Errorf("files = %v, want the pair only", names)
	}
	var got testConfig
	f, err := ReadModel(p, &got)
	if err != nil {
		t.Fatal(err)
	}
	if got != cfg {
		t.Errorf("config = %+v, want %+v", got, cfg)
	}
	if v, _, err := f.Float32("enc.w"); err != nil || !slices.Equal(v, []float32{1, 2, 3, 4, 5, 6}) {
		t.Errorf("enc.w = %v, %v", v, err)
	}
	if f.Metadata["epoch"] != "3" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	// The weights alone are an ordinary safetensors file.
	if _, err := ReadFile(p); err != nil {
		t.Error(err)
	}
	// nil skips the config.
	if _, err := ReadModel(p, nil); err != nil {
		t.Error(err)
	}
}

// TestModelMismatchedPair simulates a crash between the two renames of a
// save: the new weights are in place, the config is the old one.
func TestModelMismatchedPair(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	cfg := testConfig{Kind: "ae", Latent: 2}
	if err := WriteModel(p, cfg, []Tensor{FromFloat32("w", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	oldCfg, _ := os.ReadFile(ConfigPath(p))
	if err := WriteModel(p, cfg, []Tensor{FromFloat32("w", []int{1}, []float32{2})}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ConfigPath(p), oldCfg, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadModel(p, &testConfig{})
	if err == nil || !strings.Contains(err.Error(), "are not a pair") || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want a mismatched-pair error naming %s", err, p)
	}
}

func TestModelBadConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	if err := WriteModel(p, testConfig{Kind: "ae"}, []Tensor{FromFloat32("w", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(ConfigPath(p))
	cases := []struct {
		name, config, want string
	}{
		{"unknown config field", strings.Replace(string(good), `"kind"`, `"kinds"`, 1), `config: json: unknown field "kinds"`},
		{"unknown envelope field", strings.Replace(string(good), `"version"`, `"versions"`, 1), `unknown field "versions"`},
		{"invalid json", string(good[:len(good)/2]), "unexpected EOF"},
		{"syntax", "{,}", "invalid JSON at byte 2"},
		{"trailing", string(good) + "{}", "data after the JSON value"},
		{"format", strings.Replace(string(good), ModelFormat, "other", 1), `format is "other"`},
		{"version", strings.Replace(string(good), `"version": 1`, `"version": 7`, 1), "version 7 is not supported"},
		{"hash", strings.Replace(string(good), `"weights_sha256": "`, `"weights_sha256": "00`, 1), "must be 64 hex digits"},
		{"no config", strings.Replace(string(good), `"config"`, `"config_"`, 1), `unknown field "config_"`},
		{"wrong type", strings.Replace(string(good), `"latent": 0`, `"latent": "x"`, 1), "cannot unmarshal string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(ConfigPath(p), []byte(c.config), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadModel(p, &testConfig{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if !strings.Contains(err.Error(), ConfigPath(p)) {
				t.Errorf("error %q does not name %s", err, ConfigPath(p))
			}
		})
	}
	os.Remove(ConfigPath(p))
	if _, err := ReadModel(p, &testConfig{}); err == nil || !strings.Contains(err.Error(), ConfigPath(p)) {
		t.Errorf("missing config: err = %v", err)
	}
}

func TestModelWriteFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	err := WriteModel(p, testConfig{}, []Tensor{{Name: "bad", DType: F32, Shape: []int{2}}}, nil)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v", err)
	}
	if err := WriteModel(p, make(chan int), nil, nil); err == nil || !strings.Contains(err.Error(), "m.json") {
		t.Fatalf("unmarshalable config: err = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}
