package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/model"
)

const fashionFixture = "../../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz"

// reportModels trains a small AE and VAE on the fixture's first 1,000
// rows and returns their paths (in a temporary folder of t).
func reportModels(t *testing.T) (ae, vae string) {
	t.Helper()
	d, err := formats.Load(fashionFixture, formats.Options{MaxRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, typ := range []model.Type{model.AE, model.VAE} {
		c := model.DefaultConfig(typ, model.MLP, 4)
		c.Hidden = []int{32}
		_, err := model.Train(context.Background(), d, c, model.TrainOptions{Epochs: 2, Val: 0.2, Seed: 1, Batch: 64,
			Out: filepath.Join(dir, "small-"+string(typ))})
		if err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "small-ae"), filepath.Join(dir, "small-vae")
}

func TestReportCommand(t *testing.T) {
	ae, vae := reportModels(t)
	out := filepath.Join(t.TempDir(), "rep")
	code, stdout, stderr := runCLI(t, "report", "--model", ae, "--compare", vae+".safetensors", "--data", fashionFixture,
		"--out", out, "--methods", "pca", "--max-points", "300", "--smooth-pairs", "20", "--seed", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// Fashion-MNIST labels are shown by name; both models are there.
	for _, s := range []string{"Ankle boot", "small-ae", "small-vae", "300 rows"} {
		if !strings.Contains(string(page), s) && !strings.Contains(stdout, s) {
			t.Errorf("neither the page nor the output mention %q", s)
		}
	}
	for _, s := range []string{"wrote " + out, "Reconstruction MSE", "small-ae", "small-vae", "verdict", "Smoothness, lerp"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("output lacks %q:\n%s", s, stdout)
		}
	}

	// A full folder is refused, --force replaces the report, --json
	// prints the figures.
	code, _, stderr = runCLI(t, "report", "--model", ae, "--data", fashionFixture, "--out", out, "--methods", "")
	if code != 1 || !strings.Contains(stderr, "not empty") || !strings.Contains(stderr, "--force") {
		t.Errorf("full folder: exit %d, %s", code, stderr)
	}
	code, stdout, stderr = runCLI(t, "report", "--model", ae, "--data", fashionFixture, "--out", out, "--methods", "", "--force",
		"--max-points", "200", "--smooth-pairs", "10", "--json")
	if code != 0 {
		t.Fatalf("--force --json: exit %d: %s", code, stderr)
	}
	var r struct {
		Data struct {
			Used    int      `json:"used"`
			Classes []string `json:"classes"`
		} `json:"data"`
		Models []struct {
			Name    string `json:"name"`
			Metrics struct {
				MSE *float64 `json:"mse"`
			} `json:"metrics"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if r.Data.Used != 200 || len(r.Models) != 1 || r.Models[0].Metrics.MSE == nil || r.Data.Classes[9] != "Ankle boot" {
		t.Errorf("--json: %+v", r)
	}
	b, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if len(b) >= len(page) {
		t.Errorf("--force left the old report (%d bytes, then %d)", len(page), len(b))
	}
}

func TestReportCommandErrors(t *testing.T) {
	ae, _ := reportModels(t)
	dir := t.TempDir()
	narrow := filepath.Join(dir, "narrow.csv")
	var sb strings.Builder
	for i := range 40 {
		for j := range 5 {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strings.Repeat("1", 1+(i+j)%3))
		}
		sb.WriteByte('\n')
	}
	os.WriteFile(narrow, []byte(sb.String()), 0o644)
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	full := filepath.Join(dir, "full")
	os.Mkdir(full, 0o755)
	os.WriteFile(filepath.Join(full, "keep.txt"), []byte("x"), 0o644)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no model", []string{"report", "--data", fashionFixture, "--out", dir + "/a"}, 2, "no model"},
		{"no data", []string{"report", "--model", ae, "--out", dir + "/a"}, 2, "no data"},
		{"no out", []string{"report", "--model", ae, "--data", fashionFixture}, 2, "no output folder"},
		{"same model", []string{"report", "--model", ae, "--compare", ae, "--data", fashionFixture, "--out", dir + "/a"}, 2, "same model"},
		{"bad method", []string{"report", "--model", ae, "--data", fashionFixture, "--out", dir + "/a", "--methods", "pca,mds"}, 2, `unknown method "mds"`},
		{"bad k", []string{"report", "--model", ae, "--data", fashionFixture, "--out", dir + "/a", "-k", "0"}, 2, "-k ≥ 1"},
		{"missing model", []string{"report", "--model", dir + "/nope", "--data", fashionFixture, "--out", dir + "/a"}, 1, "nope"},
		{"shapes differ", []string{"report", "--model", ae, "--data", narrow, "--out", dir + "/a"}, 1, "reads rows of 784 values (28x28x1) but narrow has 5 values per row"},
		{"out is a file", []string{"report", "--model", ae, "--data", fashionFixture, "--out", file}, 1, "not a folder"},
		{"out under a file", []string{"report", "--model", ae, "--data", fashionFixture, "--out", file + "/rep"}, 1, "not a directory"},
		{"out not empty", []string{"report", "--model", ae, "--data", fashionFixture, "--out", full}, 1, "not empty"},
		{"class names", []string{"report", "--model", ae, "--data", fashionFixture, "--out", dir + "/a", "--class-names", "a,b"}, 2, "gives 2 names"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", c.name, code, stderr, c.code, c.want)
		}
	}
	if _, err := os.Stat(dir + "/a"); !os.IsNotExist(err) {
		t.Errorf("a failed report left its folder: %v", err)
	}
	if ents, _ := os.ReadDir(full); len(ents) != 1 {
		t.Errorf("a refused report wrote into the full folder (%d entries)", len(ents))
	}
}

func TestNameClasses(t *testing.T) {
	mk := func() *dataset.Dataset {
		d := &dataset.Dataset{Labels: []int{0, 1, 2}}
		d.Classes = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
		return d
	}
	d := mk()
	if err := nameClasses(d, "/data/Fashion-MNIST/t10k-images-idx3-ubyte.gz", ""); err != nil || d.Classes[0] != "T-shirt/top" || d.Classes[9] != "Ankle boot" {
		t.Errorf("fashion path: %v %v", err, d.Classes)
	}
	d = mk()
	if err := nameClasses(d, "/data/mnist/t10k-images-idx3-ubyte.gz", ""); err != nil || d.Classes[0] != "0" {
		t.Errorf("digits kept: %v %v", err, d.Classes)
	}
	d = mk()
	if err := nameClasses(d, "x", "fashion-mnist"); err != nil || d.Classes[5] != "Sandal" {
		t.Errorf("--class-names fashion-mnist: %v %v", err, d.Classes)
	}
	// Classes sorted another way are renamed by their number.
	d = mk()
	d.Classes = []string{"3", "1", "2", "0", "4", "5", "6", "7", "8", "9"}
	if err := nameClasses(d, "x", "a,b,c,d,e,f,g,h,i,j"); err != nil || d.Classes[0] != "d" || d.Classes[3] != "a" {
		t.Errorf("renamed by number: %v %v", err, d.Classes)
	}
	if err := nameClasses(&dataset.Dataset{}, "x", "a"); err == nil {
		t.Error("names for unlabelled data")
	}
}
