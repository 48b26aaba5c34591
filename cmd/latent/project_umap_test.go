package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latentlab/latent/formats/npy"
)

func TestProjectUMAP(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "y.npy")
	model := filepath.Join(dir, "m.safetensors")
	args := []string{"project", "--method", "umap", "--data", fixture, "--max-rows", "600",
		"--epochs", "50", "--seed", "3", "--out", out, "--save-model", model, "--json", "-q"}
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep, det := decodeProject[umapDetails](t, stdout)
	if rep.Method != "umap" || rep.Rows != 600 || rep.Dims != 2 || det.Neighbors != 15 || det.Epochs != 50 ||
		det.Metric != "euclidean" || det.SavedModel != model || det.A < 1.57 || det.A > 1.58 {
		t.Errorf("report %+v %+v", rep, det)
	}
	y, _, err := npy.ReadFile(out, npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The same seed at another thread count gives the same file.
	out2 := filepath.Join(dir, "y2.npy")
	args2 := slices.Clone(args)
	args2[slices.Index(args2, out)] = out2
	args2 = append(slices.DeleteFunc(args2, func(s string) bool { return s == "--save-model" || s == model }), "--threads", "1")
	if code, _, stderr := runCLI(t, args2...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	y2, _, err := npy.ReadFile(out2, npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(y.Data, y2.Data) {
		t.Error("--threads 1 gives another embedding than the default")
	}
	// Apply the model to new rows.
	code, stdout, stderr = runCLI(t, "project", "--method", "umap", "--model", model, "--data", fixture, "--max-rows", "700", "--json", "-q")
	if code != 0 {
		t.Fatalf("transform: exit %d: %s", code, stderr)
	}
	rep, det = decodeProject[umapDetails](t, stdout)
	if rep.Rows != 700 || det.Model != model || det.FittedRows != 600 {
		t.Errorf("transform report %+v %+v", rep, det)
	}
	// Text output, supervised.
	code, stdout, stderr = runCLI(t, "project", "--method", "umap", "--data", fixture, "--max-rows", "300", "--epochs", "20", "--supervised", "--target-weight", "0.7", "-q")
	if code != 0 || !strings.Contains(stdout, "supervised (target weight 0.7)") || !strings.Contains(stdout, "a=1.5769") {
		t.Errorf("supervised: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestProjectUMAPManhattan fits under --metric manhattan (given as l1),
// saves the model and applies it to more rows.
func TestProjectUMAPManhattan(t *testing.T) {
	model := filepath.Join(t.TempDir(), "m.safetensors")
	code, stdout, stderr := runCLI(t, "project", "--method", "umap", "--data", fixture, "--max-rows", "300",
		"--epochs", "20", "--metric", "l1", "--save-model", model, "--json", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep, det := decodeProject[umapDetails](t, stdout)
	if rep.Rows != 300 || det.Metric != "manhattan" {
		t.Errorf("report %+v %+v", rep, det)
	}
	code, stdout, stderr = runCLI(t, "project", "--method", "umap", "--model", model, "--data", fixture, "--max-rows", "350", "--json", "-q")
	if code != 0 {
		t.Fatalf("transform: exit %d: %s", code, stderr)
	}
	if rep, det = decodeProject[umapDetails](t, stdout); rep.Rows != 350 || det.Metric != "manhattan" || det.FittedRows != 300 {
		t.Errorf("transform report %+v %+v", rep, det)
	}
}

func TestProjectUMAPErrors(t *testing.T) {
	data, _, _ := projectData(t, 40, 5)
	model := filepath.Join(filepath.Dir(data), "m.safetensors")
	if code, _, stderr := runCLI(t, "project", "--method", "umap", "--data", data, "--epochs", "5", "--neighbors", "5", "--save-model", model, "-q"); code != 0 {
		t.Fatalf("fit: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--neighbors", "1"}, 2, "--neighbors must be at least 2"},
		{[]string{"--min-dist", "2"}, 2, "larger than --spread"},
		{[]string{"--spread", "0"}, 2, "--spread must be positive"},
		{[]string{"--metric", "hamming"}, 2, `unknown metric "hamming"`},
		{[]string{"--init", "pca2"}, 2, "--init must be"},
		{[]string{"--epochs", "-3"}, 2, "--epochs"},
		{[]string{"--target-weight", "2"}, 2, "--target-weight"},
		{[]string{"--supervised"}, 2, "--supervised needs labels"},
		{[]string{"--neighbors", "40"}, 1, "fewer than the 40 rows"},
		{[]string{"--model", model, "--neighbors", "4"}, 2, "--neighbors does not apply with --model"},
		{[]string{"--model", model, "--dims", "3"}, 2, "the model"},
		{[]string{"--solver", "full"}, 2, "--solver applies to --method pca"},
	} {
		args := append([]string{"project", "--method", "umap", "--data", data, "-q"}, c.args...)
		code, _, stderr := runCLI(t, args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
	other, _, _ := projectData(t, 10, 7)
	if code, _, stderr := runCLI(t, "project", "--method", "umap", "--model", model, "--data", other, "-q"); code != 1 || !strings.Contains(stderr, "expects 5") {
		t.Errorf("column mismatch: exit %d, %q", code, stderr)
	}
}
