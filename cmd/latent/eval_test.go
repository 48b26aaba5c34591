package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
)

// evalFiles writes an n×d input around three centres, a noisy 2-D
// projection of it and a labels file (one class name per line) into a
// temporary folder.
func evalFiles(t *testing.T, n, d int) (dir string, x, y *mat32.Dense, labels []int) {
	t.Helper()
	dir = t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	x = mat32.New(n, d)
	y = mat32.New(n, 2)
	labels = make([]int, n)
	var names []string
	for i := 0; i < n; i++ {
		c := i % 3
		labels[i] = c
		names = append(names, []string{"coat", "shirt", "shoe"}[c])
		for j := 0; j < d; j++ {
			x.Set(i, j, float32(3*float64(c*(j%2))+rng.NormFloat64()))
		}
		y.Set(i, 0, x.At(i, 0)+x.At(i, 1)+float32(rng.NormFloat64()))
		y.Set(i, 1, x.At(i, 2)-x.At(i, 3)+float32(rng.NormFloat64()))
	}
	save := func(name string, m *mat32.Dense) {
		if err := npy.Save(filepath.Join(dir, name), &dataset.Dataset{X: m}); err != nil {
			t.Fatal(err)
		}
	}
	save("x.npy", x)
	save("y.npy", y)
	if err := os.WriteFile(filepath.Join(dir, "labels.txt"), []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, x, y, labels
}

func TestEvalTableAndJSON(t *testing.T) {
	dir, x, y, labels := evalFiles(t, 120, 6)
	in, emb, lab := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy"), filepath.Join(dir, "labels.txt")
	ctx := context.Background()
	nb, err := metrics.Neighborhood(ctx, x, y, metrics.NeighborOptions{K: 7})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := metrics.KNNAccuracy(ctx, y, labels, metrics.KNNAccuracyOptions{K: 7, Folds: 4, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	sil, err := metrics.Silhouette(ctx, y, labels, metrics.SilhouetteOptions{})
	if err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCLI(t, "eval", "--input", in, "--embedding", emb, "--labels", lab, "-k", "7", "--folds", "4", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Compare with runs of spaces collapsed: the table's column widths
	// depend on the values.
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		fmt.Sprintf("trustworthiness %.4f", nb.Trustworthiness),
		fmt.Sprintf("continuity %.4f", nb.Continuity),
		fmt.Sprintf("knn_preservation %.4f", nb.KNNPreservation),
		fmt.Sprintf("knn_accuracy %.4f ± %.4f over 4 folds, 3 classes", acc.Mean, acc.Std),
		fmt.Sprintf("silhouette %.4f 3 classes", sil),
		"(120 rows) judged against", "k = 7",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = runCLI(t, "eval", "--input", in, "--embedding", emb, "--labels", lab, "-k", "7", "--folds", "4", "--seed", "3", "--json")
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errOut)
	}
	var rep evalReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if rep.Rows != 120 || rep.K != 7 || rep.Classes != 3 ||
		*rep.Trustworthiness != nb.Trustworthiness || *rep.Continuity != nb.Continuity || *rep.KNNPreservation != nb.KNNPreservation ||
		rep.KNNAccuracy.Mean != acc.Mean || len(rep.KNNAccuracy.Folds) != 4 || *rep.Silhouette != sil {
		t.Errorf("--json report %+v does not match the library", rep)
	}
}

func TestEvalMetricSelection(t *testing.T) {
	dir, _, _, _ := evalFiles(t, 60, 4)
	in, emb, lab := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy"), filepath.Join(dir, "labels.txt")
	// Without labels, only the neighbourhood metrics.
	code, out, errOut := runCLI(t, "eval", "--input", in, "--embedding", emb, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"trustworthiness"`) || strings.Contains(out, "knn_accuracy") || strings.Contains(out, "silhouette") {
		t.Errorf("no labels: %s", out)
	}
	// Label metrics alone need no input; labels then go with the embedding.
	code, out, errOut = runCLI(t, "eval", "--embedding", emb, "--labels", lab, "--metrics", "sil, knnacc", "--silhouette-sample", "30")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "trustworthiness") || !strings.Contains(out, "knn_accuracy") || !strings.Contains(out, "30 sampled rows") {
		t.Errorf("label metrics only: %s", out)
	}
	// kNN preservation alone accepts k above n/2.
	code, out, errOut = runCLI(t, "eval", "--input", in, "--embedding", emb, "--metrics", "knnpres", "-k", "40")
	if code != 0 || !strings.Contains(out, "knn_preservation") || strings.Contains(out, "trustworthiness") {
		t.Errorf("knnpres k=40: exit %d, %s%s", code, out, errOut)
	}
}

func TestEvalBadInput(t *testing.T) {
	dir, x, y, _ := evalFiles(t, 40, 4)
	in, emb, lab := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy"), filepath.Join(dir, "labels.txt")
	write := func(name string, m *mat32.Dense) string {
		p := filepath.Join(dir, name)
		if err := npy.Save(p, &dataset.Dataset{X: m}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	short := write("short.npy", y.Slice(0, 39))
	nan := y.Clone()
	nan.Set(5, 1, float32(math.NaN()))
	nan.Set(9, 0, float32(math.Inf(1)))
	nanPath := write("nan.npy", nan)
	one := filepath.Join(dir, "one.txt")
	os.WriteFile(one, []byte(strings.Repeat("a\n", 40)), 0o644)
	rare := filepath.Join(dir, "rare.txt")
	os.WriteFile(rare, []byte("b\nb\n"+strings.Repeat("a\n", 38)), 0o644)
	_ = x
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no embedding", []string{"--input", in}, 2, "no --embedding"},
		{"k zero", []string{"--input", in, "--embedding", emb, "-k", "0"}, 2, "-k 0"},
		{"k negative", []string{"--input", in, "--embedding", emb, "-k", "-2"}, 2, "-k -2"},
		{"k half", []string{"--input", in, "--embedding", emb, "-k", "20"}, 1, "k = 20 must be less than n/2 = 20"},
		{"unknown metric", []string{"--input", in, "--embedding", emb, "--metrics", "trust,foo"}, 2, `unknown metric "foo"`},
		{"trust without input", []string{"--embedding", emb, "--metrics", "trust"}, 2, "trustworthiness needs --input"},
		{"accuracy without labels", []string{"--input", in, "--embedding", emb, "--metrics", "knnacc"}, 2, "knn_accuracy needs class labels"},
		{"nothing to do", []string{"--embedding", emb}, 2, "nothing to compute"},
		{"one fold", []string{"--embedding", emb, "--labels", lab, "--folds", "1"}, 2, "--folds 1"},
		{"negative sample", []string{"--embedding", emb, "--labels", lab, "--silhouette-sample", "-5"}, 2, "--silhouette-sample -5"},
		{"size mismatch", []string{"--input", in, "--embedding", short}, 1, "x.npy has 40 rows but " + short + " has 39"},
		{"nan", []string{"--input", in, "--embedding", nanPath}, 1, nanPath + ": 2 NaN/Inf values (first in row 5)"},
		{"one class", []string{"--embedding", emb, "--labels", one, "--metrics", "sil"}, 1, "silhouette needs 2 to 39 classes among 40 labelled rows, got 1"},
		{"rare class", []string{"--embedding", emb, "--labels", rare, "--metrics", "knnacc"}, 1, "has 2 labelled rows, fewer than the 5 folds"},
		{"missing file", []string{"--embedding", filepath.Join(dir, "none.npy"), "--labels", lab}, 1, "none.npy"},
		{"extra argument", []string{"--embedding", emb, "extra"}, 2, "unknown command"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"eval"}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, c.code, c.want)
			}
			if out != "" {
				t.Errorf("stdout not empty on error: %q", out)
			}
		})
	}
}

func TestEvalCancelled(t *testing.T) {
	dir, _, _, _ := evalFiles(t, 40, 4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"eval", "--input", filepath.Join(dir, "x.npy"), "--embedding", filepath.Join(dir, "y.npy")}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "context canceled") {
		t.Errorf("cancelled: exit %d, stderr %q", code, errb.String())
	}
}
