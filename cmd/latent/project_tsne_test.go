package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/formats/npy"
)

func TestProjectTSNE(t *testing.T) {
	data, labels, _ := projectData(t, 240, 12)
	dir := filepath.Dir(data)
	out := filepath.Join(dir, "y.npy")
	model := filepath.Join(dir, "m.safetensors")
	args := []string{"project", "--method", "tsne", "--data", data, "--labels", labels, "--perplexity", "20",
		"--early-iter", "100", "--iter", "150", "--pca-components", "6", "--seed", "3", "--json"}
	code, stdout, stderr := runCLI(t, append(args, "--out", out, "--save-model", model, "--threads", "1")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep, det := decodeProject[tsneDetails](t, stdout)
	if rep.Method != "tsne" || rep.Rows != 240 || rep.Dims != 2 || det.Gradient != "exact" || det.Iterations != 250 ||
		det.PCAComponents != 6 || det.KL == nil || !(*det.KL > 0) || det.SavedModel != model || len(det.Extent) != 4 {
		t.Errorf("report %+v %+v", rep, det)
	}
	y1, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	z, _, err := npy.ReadFile(out, npy.ReadOptions{})
	if err != nil || z.Rows != 240 || z.Cols != 2 {
		t.Fatalf("output %v: %v", z, err)
	}
	// The same seed at another thread count writes the same bytes.
	out2 := filepath.Join(dir, "y2.npy")
	if code, _, stderr := runCLI(t, append(args, "--out", out2, "--threads", "2", "--gradient", "exact")...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if y2, _ := os.ReadFile(out2); !bytes.Equal(y1, y2) {
		t.Error("--threads 1 and 2 gave different maps for one seed")
	}
	// Place rows into the saved map.
	placed := filepath.Join(dir, "p.npy")
	code, stdout, stderr = runCLI(t, "project", "--method", "tsne", "--data", data, "--max-rows", "20", "--model", model,
		"--out", placed, "--iter", "40")
	if code != 0 {
		t.Fatalf("transform: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "placed 20 rows into the map") {
		t.Errorf("transform output %q", stdout)
	}
	if p, _, err := npy.ReadFile(placed, npy.ReadOptions{}); err != nil || p.Rows != 20 || p.Cols != 2 {
		t.Errorf("placed %v: %v", p, err)
	}
	// Human-readable fit summary.
	code, stdout, _ = runCLI(t, "project", "--method", "tsne", "--data", data, "--perplexity", "10", "--iter", "20",
		"--early-iter", "20", "--dims", "3", "--gradient", "bh", "-q")
	if code != 0 || !strings.Contains(stdout, "t-SNE (bh gradient): 240 rows × 12 features → 3 dims") {
		t.Errorf("summary: exit %d, %q", code, stdout)
	}
}

func TestProjectTSNEErrors(t *testing.T) {
	data, _, _ := projectData(t, 60, 5)
	model := filepath.Join(filepath.Dir(data), "m.safetensors")
	if code, _, stderr := runCLI(t, "project", "--method", "tsne", "--data", data, "--perplexity", "10", "--iter", "10",
		"--early-iter", "10", "--save-model", model); code != 0 {
		t.Fatalf("fit: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--perplexity", "30"}, 1, "perplexity 30 is too large for 60 points"},
		{[]string{"--perplexity", "-1"}, 1, "perplexity -1"},
		{[]string{"--dims", "4"}, 1, "4 embedding dimensions"},
		{[]string{"--dims", "3", "--gradient", "fft", "--perplexity", "5"}, 1, "fft method embeds in 1 or 2 dimensions"},
		{[]string{"--gradient", "magic"}, 2, `unknown method "magic"`},
		{[]string{"--init", "spectral"}, 2, `--init "spectral": t-SNE wants pca or random`},
		{[]string{"--iter", "-5"}, 2, "must not be negative"},
		{[]string{"--solver", "full"}, 2, "--solver applies to --method pca"},
		{[]string{"--model", model, "--dof", "2"}, 2, "--dof does not apply with --model"},
		{[]string{"--model", model, "--dims", "3"}, 2, "is a 2-dimensional map"},
		{[]string{"--model", filepath.Join(filepath.Dir(data), "none.safetensors")}, 1, "none.json"},
	} {
		args := append([]string{"project", "--method", "tsne", "--data", data}, c.args...)
		code, _, stderr := runCLI(t, args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}
