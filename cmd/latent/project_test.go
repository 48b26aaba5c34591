package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/reduce/pca"
)

// projectData writes a seeded n×d .npy file with a few strong directions
// and a labels file, and returns their paths and the matrix.
func projectData(t *testing.T, n, d int) (data, labels string, x *mat32.Dense) {
	t.Helper()
	rng := rand.New(rand.NewPCG(4, 2))
	x = mat32.New(n, d)
	var lab strings.Builder
	for i := 0; i < n; i++ {
		a, b := 3*rng.NormFloat64(), rng.NormFloat64()
		for j := 0; j < d; j++ {
			x.Set(i, j, float32(a*math.Sin(float64(j))+b*math.Cos(float64(3*j))+0.1*rng.NormFloat64()+1))
		}
		lab.WriteString([]string{"cat", "dog", "owl"}[i%3] + "\n")
	}
	dir := t.TempDir()
	data = filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(data, x); err != nil {
		t.Fatal(err)
	}
	labels = filepath.Join(dir, "labels.txt")
	if err := os.WriteFile(labels, []byte(lab.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return data, labels, x
}

// decodeProject decodes the --json output of project, with the method's
// details as a T.
func decodeProject[T any](t *testing.T, out string) (projectReport, T) {
	t.Helper()
	var rep projectReport
	var det T
	rep.Result = &det
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bad JSON %q: %v", out, err)
	}
	return rep, det
}

func TestProjectPCA(t *testing.T) {
	data, labels, x := projectData(t, 300, 12)
	dir := filepath.Dir(data)
	out := filepath.Join(dir, "y.npy")
	model := filepath.Join(dir, "m.safetensors")
	code, stdout, stderr := runCLI(t, "project", "--data", data, "--labels", labels, "--dims", "3",
		"--solver", "full", "--out", out, "--save-model", model, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep, det := decodeProject[pcaDetails](t, stdout)
	if rep.Method != "pca" || rep.Rows != 300 || rep.Dims != 3 || rep.Out != out || det.Solver != "full" || det.SavedModel != model {
		t.Errorf("report %+v %+v", rep, det)
	}
	var ref pca.PCA
	z, err := ref.FitTransform(context.Background(), nil, x, pca.Options{Components: 3, Solver: "full"})
	if err != nil {
		t.Fatal(err)
	}
	for j, r := range ref.ExplainedVarianceRatio(nil) {
		if det.ExplainedVarianceRatio[j] != r {
			t.Errorf("ratio %d: %v, library %v", j, det.ExplainedVarianceRatio[j], r)
		}
	}
	got, _, err := npy.ReadFile(out, npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != 300 || got.Cols != 3 {
		t.Fatalf("output %d×%d", got.Rows, got.Cols)
	}
	for i := range z.Data {
		if got.Data[i] != z.Data[i] {
			t.Fatalf("output differs from the library's at %d: %g vs %g", i, got.Data[i], z.Data[i])
		}
	}
	// The saved model applied to the same data gives the same projection,
	// and the table names the model.
	out2 := filepath.Join(dir, "y2.npy")
	code, stdout, stderr = runCLI(t, "project", "--data", data, "--model", model, "--out", out2)
	if code != 0 {
		t.Fatalf("--model: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "PCA model "+model) || !strings.Contains(stdout, "cumulative") {
		t.Errorf("table: %q", stdout)
	}
	if !strings.Contains(stderr, "wrote "+out2+": 300×3") {
		t.Errorf("stderr: %q", stderr)
	}
	got2, _, err := npy.ReadFile(out2, npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got.Data {
		if got.Data[i] != got2.Data[i] {
			t.Fatalf("applied model differs at %d", i)
		}
	}
	// Labels travel into formats that hold them.
	tsv := filepath.Join(dir, "y.tsv")
	if code, _, stderr := runCLI(t, "project", "--data", data, "--labels", labels, "--out", tsv, "-q"); code != 0 {
		t.Fatalf("tsv: exit %d: %s", code, stderr)
	}
}

func TestProjectTableAndSolvers(t *testing.T) {
	data, _, x := projectData(t, 400, 10)
	for _, solver := range []string{"auto", "randomized", "incremental"} {
		code, stdout, stderr := runCLI(t, "project", "--data", data, "--dims", "2", "--solver", solver, "--seed", "3", "--whiten")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", solver, code, stderr)
		}
		if !strings.Contains(stdout, "whitened") || !strings.Contains(stdout, "explained ") || !strings.Contains(stderr, "not written") {
			t.Errorf("%s: stdout %q stderr %q", solver, stdout, stderr)
		}
	}
	// The incremental solver streams a .npy input; its answer is the
	// library's incremental fit.
	out := filepath.Join(t.TempDir(), "z.npy")
	code, stdout, stderr := runCLI(t, "project", "--data", data, "--dims", "4", "--solver", "incremental", "--batch-size", "64", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("stream: exit %d: %s", code, stderr)
	}
	_, det := decodeProject[pcaDetails](t, stdout)
	var ref pca.PCA
	want, err := ref.FitTransform(context.Background(), nil, x, pca.Options{Components: 4, Solver: "incremental", BatchSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	for j, r := range ref.ExplainedVarianceRatio(nil) {
		if math.Abs(det.ExplainedVarianceRatio[j]-r) > 1e-12 {
			t.Errorf("stream ratio %d: %v, library %v", j, det.ExplainedVarianceRatio[j], r)
		}
	}
	got, _, err := npy.ReadFile(out, npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Data {
		if math.Abs(float64(got.Data[i]-want.Data[i])) > 1e-5 {
			t.Fatalf("stream output differs at %d: %g vs %g", i, got.Data[i], want.Data[i])
		}
	}
}

func TestProjectErrors(t *testing.T) {
	data, _, x := projectData(t, 50, 6)
	dir := filepath.Dir(data)
	model := filepath.Join(dir, "m.safetensors")
	if code, _, stderr := runCLI(t, "project", "--data", data, "--dims", "2", "--save-model", model, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	bad := x.Clone()
	bad.Set(17, 3, float32(math.NaN()))
	nanPath := filepath.Join(dir, "nan.npy")
	if err := npy.WriteFile(nanPath, bad); err != nil {
		t.Fatal(err)
	}
	wide := filepath.Join(dir, "wide.npy")
	if err := npy.WriteFile(wide, mat32.New(50, 7)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.npy")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "give --data"},
		{[]string{"--data", data, "--method", "tsne-ish"}, 2, `unknown --method "tsne-ish"`},
		{[]string{"--data", data, "--dims", "0"}, 2, "--dims must be at least 1"},
		{[]string{"--data", data, "--model", model, "--save-model", model}, 2, "cannot be combined"},
		{[]string{"--data", data, "--model", model, "--solver", "full"}, 2, "--solver does not apply with --model"},
		{[]string{"--data", data, "--model", model, "--dims", "3"}, 2, "--dims 3, but the model"},
		{[]string{"--data", data, "extra"}, 2, "unknown command"},
		{[]string{"--data", data, "--dims", "7"}, 1, "7 components requested"},
		{[]string{"--data", data, "--solver", "arpack"}, 1, `unknown solver "arpack"`},
		{[]string{"--data", nanPath}, 1, nanPath + ": 1 NaN/Inf values (first in row 17)"},
		{[]string{"--data", nanPath, "--solver", "incremental"}, 1, "first in row 17"},
		{[]string{"--data", filepath.Join(dir, "missing.npy")}, 1, "missing.npy"},
		{[]string{"--data", wide, "--model", model}, 1, "has 7 columns; the model " + model + " expects 6"},
		{[]string{"--data", data, "--model", filepath.Join(dir, "nomodel.safetensors")}, 1, "nomodel"},
	} {
		args := append([]string{"project", "--out", out}, c.args...)
		code, _, stderr := runCLI(t, args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: the output was written despite the error", c.args)
			os.Remove(out)
		}
	}
}

func TestProjectCancelled(t *testing.T) {
	data, _, _ := projectData(t, 2000, 40)
	out := filepath.Join(filepath.Dir(data), "y.npy")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, solver := range []string{"full", "randomized", "incremental"} {
		var o, e bytes.Buffer
		code := run(ctx, []string{"project", "--data", data, "--solver", solver, "--out", out}, &o, &e)
		if code != 1 || !strings.Contains(e.String(), "canceled") {
			t.Errorf("%s: exit %d, stderr %q", solver, code, e.String())
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: output written after cancellation", solver)
		}
	}
}

func TestProjectInitIsRefusedForPCA(t *testing.T) {
	code, _, errOut := runCLI(t, "project", "--method", "pca", "--data", fixture, "--init", "random")
	if code != 2 || !strings.Contains(errOut, "--init applies to --method tsne or umap, not pca") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}
