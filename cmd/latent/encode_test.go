package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
)

// readRows reads an .npy file's matrix.
func readRows(t *testing.T, p string) *mat32.Dense {
	t.Helper()
	m, _, err := npy.ReadFile(p, npy.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestModelCommands runs every command that uses a model on a small VAE
// trained on fixture images, and checks what they write.
func TestModelCommands(t *testing.T) {
	dir := t.TempDir()
	m := trainTiny(t, dir)
	p := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return stdout
	}
	// encode: μ, samples, log-variances.
	out := run("encode", "--model", m, "--data", fixture, "--max-rows", "100", "--out", p("z.npy"), "--logvar", p("lv.npy"))
	if !strings.Contains(out, "encoded 100 rows") || !strings.Contains(out, "KL") {
		t.Errorf("encode: %s", out)
	}
	z := readRows(t, p("z.npy"))
	if z.Rows != 100 || z.Cols != 4 {
		t.Fatalf("codes %d×%d", z.Rows, z.Cols)
	}
	run("encode", "--model", m, "--data", fixture, "--max-rows", "100", "--out", p("zs.npy"), "--sample", "--seed", "2")
	if zs := readRows(t, p("zs.npy")); zs.Data[0] == z.Data[0] {
		t.Error("--sample wrote μ")
	}
	// decode to a data file and to a picture.
	run("decode", "--model", m, "--codes", p("z.npy"), "--out", p("x.npy"))
	if x := readRows(t, p("x.npy")); x.Rows != 100 || x.Cols != 784 {
		t.Errorf("decoded %d×%d", x.Rows, x.Cols)
	}
	run("decode", "--model", m, "--codes", p("z.npy"), "--out", p("x.png"), "--cols", "10")
	if w, h := pngSize(t, p("x.png")); w < 400 || h < 400 {
		t.Errorf("decode picture %d×%d", w, h)
	}
	// reconstruct: metrics, a picture and the rows.
	out = run("reconstruct", "--model", m, "--data", fixture, "--max-rows", "200", "--out", p("r.png"), "--n", "8")
	for _, want := range []string{"MSE per value", "negative ELBO/row", "wrote"} {
		if !strings.Contains(out, want) {
			t.Errorf("reconstruct output lacks %q: %s", want, out)
		}
	}
	var rr reconstructReport
	if err := json.Unmarshal([]byte(run("reconstruct", "--model", m, "--data", fixture, "--max-rows", "200", "--json")), &rr); err != nil {
		t.Fatal(err)
	}
	if rr.Metrics.Rows != 200 || !(rr.Metrics.MSE > 0 && rr.Metrics.MSE < 0.2) || rr.Metrics.NegELBO <= rr.Metrics.Recon {
		t.Errorf("reconstruct metrics %+v", rr.Metrics)
	}
	// sample: prior and fitted, with codes.
	run("sample", "--model", m, "--n", "9", "--out", p("s.png"), "--codes", p("sz.npy"))
	if sz := readRows(t, p("sz.npy")); sz.Rows != 9 || sz.Cols != 4 {
		t.Errorf("sampled codes %d×%d", sz.Rows, sz.Cols)
	}
	out = run("sample", "--model", m, "--n", "5", "--out", p("s.npy"), "--fitted")
	if !strings.Contains(out, "fitted to the") {
		t.Errorf("sample --fitted: %s", out)
	}
	run("sample", "--model", m, "--n", "5", "--out", p("s2.npy"), "--data", fixture, "--max-rows", "50")
	a, b := readRows(t, p("s.npy")), readRows(t, p("s2.npy"))
	if a.Rows != 5 || b.Rows != 5 {
		t.Errorf("samples %d and %d rows", a.Rows, b.Rows)
	}
	// interpolate between rows, labels and prior draws.
	run("interpolate", "--model", m, "--data", fixture, "--max-rows", "300", "--from", "0", "--to", "#1", "--steps", "7", "--out", p("i.png"), "--vectors", p("iv.npy"))
	iv := readRows(t, p("iv.npy"))
	if iv.Rows != 7 || iv.Cols != 4 {
		t.Errorf("path %d×%d", iv.Rows, iv.Cols)
	}
	for j := 0; j < 4; j++ {
		// One row encoded alone rounds differently from a batch (GEMM
		// blocking): equal to float32 rounding.
		if !near32(iv.At(0, j), z.At(0, j)) || !near32(iv.At(6, j), z.At(1, j)) {
			t.Fatalf("path ends %v %v, codes %v %v", iv.Row(0), iv.Row(6), z.Row(0), z.Row(1))
		}
	}
	run("interpolate", "--model", m, "--data", fixture, "--max-rows", "300", "--from", "label:7", "--to", "5", "--method", "lerp", "--out", p("i2.npy"))
	var ir interpolateReport
	if err := json.Unmarshal([]byte(run("interpolate", "--model", m, "--from", "prior:1", "--to", "z:1,0,0,0", "--steps", "3", "--out", p("i3.png"), "--json")), &ir); err != nil {
		t.Fatal(err)
	}
	if len(ir.Codes) != 3 || ir.Codes[2][0] != 1 || ir.Codes[2][1] != 0 {
		t.Errorf("interpolate --json codes %v", ir.Codes)
	}
	// traverse and arith.
	run("traverse", "--model", m, "--dims", "0,3", "--steps", "5", "--out", p("t.png"))
	run("traverse", "--model", m, "--top", "2", "--base", "#3", "--data", fixture, "--max-rows", "10", "--out", p("t2.npy"))
	if tr := readRows(t, p("t2.npy")); tr.Rows != 18 {
		t.Errorf("traverse --top 2: %d rows, want 2×9", tr.Rows)
	}
	out = run("arith", "--model", m, "--data", fixture, "--max-rows", "300", "--add", "7", "--sub", "label:5", "--base", "3", "--base", "prior:2", "--scales", "0,1,2", "--out", p("a.png"), "--vectors", p("av.npy"))
	if !strings.Contains(out, "attribute vector 7 − 5") {
		t.Errorf("arith: %s", out)
	}
	av := readRows(t, p("av.npy"))
	if av.Rows != 6 {
		t.Fatalf("arith codes: %d rows", av.Rows)
	}
	for j := 0; j < 4; j++ { // scale 0 is the base itself: row 3's code
		if !near32(av.At(0, j), z.At(3, j)) {
			t.Fatalf("arith scale 0: %v, code of row 3 %v", av.Row(0), z.Row(3))
		}
	}
}

// TestModelCommandsBadInput: unusable input is an error that says why.
func TestModelCommandsBadInput(t *testing.T) {
	dir := t.TempDir()
	m := trainTiny(t, dir)
	g := filepath.Join(dir, "gan")
	if code, _, stderr := runCLI(t, "train", "--data", fixture, "--max-rows", "100", "--model-type", "gan", "--hidden", "8", "--latent", "2", "--epochs", "1", "--out", g, "-q"); code != 0 {
		t.Fatal(stderr)
	}
	narrow := writeNpy(t, dir, "narrow.npy", mat32.New(5, 10))
	vecs := writeNpy(t, dir, "vecs.npy", mat32.New(5, 6))
	vm := filepath.Join(dir, "vm")
	if code, _, stderr := runCLI(t, "train", "--data", vecs, "--model-type", "ae", "--hidden", "4", "--latent", "2", "--epochs", "1", "--val", "0", "--out", vm, "-q"); code != 0 {
		t.Fatal(stderr)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no model", []string{"encode", "--data", fixture, "--out", "x.npy"}, 2, "give --model"},
		{"missing model", []string{"encode", "--model", filepath.Join(dir, "none"), "--data", fixture, "--out", "x.npy"}, 1, "shipped models: fashion-ae, fashion-vae"},
		{"data shape", []string{"encode", "--model", m, "--data", narrow, "--out", filepath.Join(dir, "z.npy")}, 1, "the data have 10 values per row, the model takes 784 values (28x28x1)"},
		{"codes shape", []string{"decode", "--model", m, "--codes", narrow, "--out", filepath.Join(dir, "x.npy")}, 1, "narrow.npy has 10 values per row; the model's codes have 4"},
		{"reconstruct shape", []string{"reconstruct", "--model", m, "--data", narrow}, 1, "the data have 10 values per row"},
		{"GAN encode", []string{"encode", "--model", g, "--data", fixture, "--max-rows", "5", "--out", filepath.Join(dir, "z.npy")}, 1, "a GAN has no encoder"},
		{"sample n", []string{"sample", "--model", m, "--n", "0", "--out", "s.png"}, 2, "--n must be at least 1"},
		{"steps", []string{"interpolate", "--model", m, "--from", "prior:1", "--to", "prior:2", "--steps", "1", "--out", "i.png"}, 2, "--steps must be at least 2"},
		{"method", []string{"interpolate", "--model", m, "--from", "prior:1", "--to", "prior:2", "--method", "cubic", "--out", "i.png"}, 2, "lerp or slerp"},
		{"row without data", []string{"interpolate", "--model", m, "--from", "3", "--to", "prior:2", "--out", filepath.Join(dir, "i.png")}, 1, "no data were given"},
		{"row out of range", []string{"interpolate", "--model", m, "--data", fixture, "--max-rows", "10", "--from", "30", "--to", "1", "--out", filepath.Join(dir, "i.png")}, 1, "row 30 out of range"},
		{"unknown label", []string{"interpolate", "--model", m, "--data", fixture, "--max-rows", "10", "--from", "label:Boots", "--to", "1", "--out", filepath.Join(dir, "i.png")}, 1, `"Boots" is not a label`},
		{"code length", []string{"interpolate", "--model", m, "--from", "z:1,2", "--to", "prior:1", "--out", filepath.Join(dir, "i.png")}, 1, "has 2 values, the latent dimension is 4"},
		{"dim", []string{"traverse", "--model", m, "--dim", "9", "--out", "t.png"}, 2, "dimension 9 out of range"},
		{"dims list", []string{"traverse", "--model", m, "--dims", "0,1x", "--out", filepath.Join(dir, "t.png")}, 2, `"1x" is not a non-negative integer`},
		{"traverse choice", []string{"traverse", "--model", m, "--out", "t.png"}, 2, "exactly one of --dim"},
		{"top for ae", []string{"traverse", "--model", vm, "--top", "2", "--out", filepath.Join(dir, "t.npy")}, 1, "only a VAE's model card"},
		{"picture of vectors", []string{"sample", "--model", vm, "--n", "2", "--out", filepath.Join(dir, "s.png")}, 1, "the model's rows are not images"},
		{"class for vae", []string{"sample", "--model", m, "--class", "3", "--out", "s.png"}, 2, "--class is for conditional models"},
		{"arith without data", []string{"arith", "--model", m, "--add", "7", "--out", "a.png"}, 2, "give --data"},
		{"arith scales", []string{"arith", "--model", m, "--data", fixture, "--add", "7", "--scales", "1,x", "--out", "a.png"}, 2, `"x" is not a number`},
		{"logvar for ae", []string{"encode", "--model", vm, "--data", vecs, "--out", filepath.Join(dir, "z.npy"), "--logvar", filepath.Join(dir, "l.npy")}, 2, "need a variational model"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, code, stderr, c.code, c.want)
		}
	}
}

func near32(a, b float32) bool {
	d := a - b
	return d <= 1e-5*(1+abs32(b)) && -d <= 1e-5*(1+abs32(b))
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
