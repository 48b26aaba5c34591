package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/model"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/viz"
)

var (
	compareOnce sync.Once
	compareRep  *Report
	compareErr  error
)

// compareReport is the AE-against-VAE report on 400 held-out rows with all
// three maps, built once for the tests that look at it.
func compareReport(t *testing.T) *Report {
	t.Helper()
	d, ae, vae := testData(t, 400)
	compareOnce.Do(func() {
		compareRep, compareErr = Build(context.Background(), d, []Subject{{"tiny-ae", ae}, {"tiny-vae", vae}},
			Options{Seed: 3, SmoothPairs: 30})
	})
	if compareErr != nil {
		t.Fatal(compareErr)
	}
	return compareRep
}

// decodeURI decodes a figure's PNG data URI.
func decodeURI(t *testing.T, f *Figure) image.Image {
	t.Helper()
	const prefix = "data:image/png;base64,"
	s := string(f.URI)
	if !strings.HasPrefix(s, prefix) {
		t.Fatalf("%q: not a PNG data URI: %.40s", f.Title, s)
	}
	b, err := base64.StdEncoding.DecodeString(s[len(prefix):])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// inked returns the fraction of pixels that are not near-white and the
// number of distinct grey levels (coarsely) in img.
func inked(img image.Image) (frac float64, levels int) {
	r := img.Bounds()
	seen := map[uint32]bool{}
	var n int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr < 0xf000 || cg < 0xf000 || cb < 0xf000 {
				n++
			}
			seen[(cr>>12)<<8|(cg>>12)<<4|cb>>12] = true
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy()), len(seen)
}

// Golden checks on the pictures: each decodes to the size it claims, the
// size is in the range its layout implies, and it is not blank.
func TestFigures(t *testing.T) {
	r := compareReport(t)
	type want struct {
		minW, maxW, minH, maxH int
		minInk                 float64
	}
	for _, m := range r.Models {
		checks := map[string]struct {
			f *Figure
			w want
		}{
			// 10 columns of 56-pixel cells (28×28 at scale 2), with labels.
			"reconstructions": {m.Recon, want{560, 1000, 4 * 56, 4*56 + 120, 0.3}},
			"samples":         {m.Samples, want{560, 900, 3 * 56, 3*56 + 80, 0.3}},
			// 8 strips of 10 images plus the two framed ends.
			"interpolations": {m.Interp, want{12 * 56, 12*56 + 260, 8 * 56, 8*56 + 140, 0.3}},
			// 6 dimensions (the code has 6) by 7 values.
			"traversals": {m.Traversal, want{7 * 56, 7*56 + 260, 6 * 56, 6*56 + 120, 0.3}},
			"curves":     {m.Curves, want{600, 900, 300, 300, 0.02}},
		}
		if m.Config.Type == model.VAE {
			checks["kl"] = struct {
				f *Figure
				w want
			}{m.KL, want{560, 560, 340, 340, 0.02}}
		}
		for _, mp := range m.Maps {
			checks[mp.Title] = struct {
				f *Figure
				w want
			}{mp, want{mapWidth, mapWidth, mapHeight, mapHeight, 0.03}}
		}
		for name, c := range checks {
			if c.f == nil || c.f.URI == "" {
				t.Errorf("%s %s: no picture (%+v)", m.Name, name, c.f)
				continue
			}
			img := decodeURI(t, c.f)
			b := img.Bounds()
			if b.Dx() != c.f.Width || b.Dy() != c.f.Height {
				t.Errorf("%s %s: PNG is %d×%d, figure says %d×%d", m.Name, name, b.Dx(), b.Dy(), c.f.Width, c.f.Height)
			}
			if b.Dx() < c.w.minW || b.Dx() > c.w.maxW || b.Dy() < c.w.minH || b.Dy() > c.w.maxH {
				t.Errorf("%s %s: %d×%d, want width %d–%d and height %d–%d", m.Name, name, b.Dx(), b.Dy(), c.w.minW, c.w.maxW, c.w.minH, c.w.maxH)
			}
			frac, levels := inked(img)
			if frac < c.w.minInk || levels < 8 {
				t.Errorf("%s %s: %.1f%% of the pixels inked, %d colour levels: blank?", m.Name, name, 100*frac, levels)
			}
			if c.f.Caption == "" {
				t.Errorf("%s %s: no caption", m.Name, name)
			}
		}
		if len(m.Maps) != 3 {
			t.Errorf("%s: %d maps, want PCA, t-SNE and UMAP", m.Name, len(m.Maps))
		}
	}
	if r.Models[0].KL != nil {
		t.Error("the autoencoder has KL bars")
	}
}

func TestMetricsTable(t *testing.T) {
	r := compareReport(t)
	rows := map[string]Row{}
	for _, row := range r.Table {
		rows[row.Key] = row
		if len(row.Values) != 2 || len(row.Raw) != 2 || row.Verdict == "" || row.Definition == "" {
			t.Errorf("row %s: %d values, verdict %q", row.Key, len(row.Values), row.Verdict)
		}
	}
	for _, k := range []string{"mse", "bce", "neg_elbo", "kl", "kl_per_dim", "active_units", "trustworthiness", "continuity",
		"knn_accuracy", "smooth_lerp", "midpoint_lerp", "smooth_slerp", "midpoint_slerp", "gap", "training_time"} {
		if _, ok := rows[k]; !ok {
			t.Errorf("no %s row", k)
		}
	}
	ae, vae := r.Models[0].Metrics, r.Models[1].Metrics
	if ae.NegELBO != nil || vae.NegELBO == nil || ae.KLPerDim != nil || len(vae.KLPerDim) != 6 {
		t.Errorf("ELBO: AE %v, VAE %v; KL per dim: AE %v, VAE %v", ae.NegELBO, vae.NegELBO, ae.KLPerDim, vae.KLPerDim)
	}
	if rows["neg_elbo"].Verdict != "not comparable (measured for one model only)" || rows["kl"].Verdict != "not ranked" {
		t.Errorf("verdicts: −ELBO %q, KL %q", rows["neg_elbo"].Verdict, rows["kl"].Verdict)
	}
	// The KL per dimension sums to the KL the model measures itself (the
	// same formula, one from the encoder's output, one from Evaluate).
	var sum float64
	for _, v := range vae.KLPerDim {
		sum += v
	}
	if math.Abs(sum-*vae.KL) > 1e-3*math.Max(1, *vae.KL) {
		t.Errorf("KL per dimension sums to %g, the model's KL is %g", sum, *vae.KL)
	}
	for _, m := range []Metrics{ae, vae} {
		for name, v := range map[string]*float64{"trust": m.Trustworthiness, "cont": m.Continuity, "knn": m.KNNAccuracy} {
			if v == nil || !(*v > 0.3 && *v <= 1) {
				t.Errorf("%s = %v", name, v)
			}
		}
		if m.Lerp == nil || m.Slerp == nil || m.Lerp.Pairs != 30 || m.Lerp.RatioMean < 1 || m.Lerp.RefRows != 400 {
			t.Errorf("smoothness %+v", m.Lerp)
		}
		if m.Gap == nil || !strings.Contains(m.GapKind, "validation") {
			t.Errorf("gap %v (%s)", m.Gap, m.GapKind)
		}
		if len(m.MapTrust) != 3 {
			t.Errorf("map trustworthiness %v", m.MapTrust)
		}
	}
	// Both models are scored on the same smoothness pairs.
	for i := range ae.Lerp.PerPair {
		a, b := ae.Lerp.PerPair[i], vae.Slerp.PerPair[i]
		if a.A != b.A || a.B != b.B {
			t.Fatalf("pair %d: (%d, %d) for the AE, (%d, %d) for the VAE", i, a.A, a.B, b.A, b.B)
		}
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(js.String(), "data:image") {
		t.Error("the JSON holds images")
	}
}

func TestVerdict(t *testing.T) {
	for _, c := range []struct {
		better string
		a, b   float64
		want   string
	}{
		{Lower, 1, 2, "A is better"},
		{Lower, 2, 1, "B is better"},
		{Higher, 0.9, 0.8, "A is better"},
		{Higher, 0.8, 0.9, "B is better"},
		{Higher, 0.900, 0.902, "even (within 0.5%)"},
		{Info, 1, 2, "not ranked"},
		{Lower, -3, -1, "A is better"},
	} {
		if got := verdict(c.better, "A", "B", &c.a, &c.b, 0); got != c.want {
			t.Errorf("%s %g vs %g: %q, want %q", c.better, c.a, c.b, got, c.want)
		}
	}
	// A gap of 1.97 against 1.96 nats is even on losses of 240.
	g1, g2 := 1.97, 1.96
	if got := verdict(Lower, "A", "B", &g1, &g2, 240); !strings.HasPrefix(got, "even") {
		t.Errorf("gap: %q", got)
	}
	x := 1.0
	if got := verdict(Lower, "A", "B", &x, nil, 0); !strings.Contains(got, "not comparable") {
		t.Errorf("missing value: %q", got)
	}
	// Paired: a consistent small difference is significant, noise is not.
	a := []float64{1.1, 1.2, 1.3, 1.4, 1.5, 1.6}
	b := []float64{1.0, 1.1, 1.2, 1.3, 1.4, math.NaN()}
	if got := pairedVerdict(Lower, "A", "B", a, b); got != "B is better" {
		t.Errorf("paired: %q", got)
	}
	c := []float64{1.2, 1.1, 1.4, 1.3, 1.6, 1.5}
	if got := pairedVerdict(Lower, "A", "B", a, c); !strings.HasPrefix(got, "even") {
		t.Errorf("paired noise: %q", got)
	}
	if got := pairedVerdict(Lower, "A", "B", a, c[:3]); got != "" {
		t.Errorf("unpaired: %q", got)
	}
}

func TestHTML(t *testing.T) {
	r := compareReport(t)
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	// Self-contained: nothing to fetch, no script.
	for _, bad := range []string{`src="http`, `href="http`, `<script`, `<link`, `@import`, `url(`, "ZgotmplZ"} {
		if strings.Contains(html, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	imgs := regexp.MustCompile(`<img src="([^"]*)"`).FindAllStringSubmatch(html, -1)
	// Per model: curves, reconstructions, samples, interpolations,
	// traversals, 3 maps; the VAE's KL bars.
	if len(imgs) != 2*8+1 {
		t.Errorf("%d images, want %d", len(imgs), 2*8+1)
	}
	for _, m := range imgs {
		if !strings.HasPrefix(m[1], "data:image/png;base64,") {
			t.Errorf("image source %.40q", m[1])
		}
	}
	for _, s := range []string{"T-shirt/top", "Ankle boot", "tiny-ae is better", "Smoothness in detail", "anchor step_ratio", "Model card", r.Models[1].Card.Architecture} {
		if !strings.Contains(html, s) {
			t.Errorf("the page does not mention %q", s)
		}
	}
}

func TestWriteDir(t *testing.T) {
	r := compareReport(t)
	root := t.TempDir()

	// A new folder appears complete, with nothing else left next to it.
	dir := filepath.Join(root, "rep")
	if err := r.WriteDir(dir, false); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{IndexFile, JSONFile} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if ents, _ := os.ReadDir(root); len(ents) != 1 {
		t.Errorf("%d entries next to the report, want 1", len(ents))
	}

	// A non-empty folder is refused, before and at the end.
	if err := CheckDir(dir, false); !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "--force") {
		t.Errorf("CheckDir on a full folder: %v", err)
	}
	if err := r.WriteDir(dir, false); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("WriteDir on a full folder: %v", err)
	}
	// --force replaces the report and leaves other files alone.
	keep := filepath.Join(dir, "notes.txt")
	os.WriteFile(keep, []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(dir, IndexFile), []byte("old"), 0o644)
	if err := r.WriteDir(dir, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, IndexFile)); len(b) < 1000 {
		t.Error("--force did not replace index.html")
	}
	if b, _ := os.ReadFile(keep); string(b) != "mine" {
		t.Error("--force touched another file")
	}
	// A name with a trailing slash is the same new folder.
	slash := filepath.Join(root, "slash") + "/"
	if err := r.WriteDir(slash, false); err != nil {
		t.Fatalf("%s: %v", slash, err)
	}
	if _, err := os.Stat(filepath.Join(root, "slash", IndexFile)); err != nil {
		t.Error(err)
	}
	// An existing empty folder is used.
	empty := filepath.Join(root, "empty")
	os.Mkdir(empty, 0o755)
	if err := r.WriteDir(empty, false); err != nil {
		t.Fatal(err)
	}

	// Unwritable places.
	file := filepath.Join(root, "file")
	os.WriteFile(file, nil, 0o644)
	for _, c := range []struct{ dir, want string }{
		{file, "is not a folder"},
		{filepath.Join(file, "rep"), "not a directory"},
		{filepath.Join(root, "missing", "rep"), "no such file"},
		{"", "no output folder"},
	} {
		if err := CheckDir(c.dir, false); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckDir(%q): %v, want %q", c.dir, err, c.want)
		}
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(root, "ro")
		os.Mkdir(ro, 0o555)
		if err := CheckDir(filepath.Join(ro, "rep"), false); err == nil || !strings.Contains(err.Error(), "cannot write") {
			t.Errorf("read-only parent: %v", err)
		}
	}

	// A report that fails to render leaves nothing behind.
	bad := *r
	bad.Models = []*ModelReport{{Name: "x", Metrics: Metrics{MSE: f64(math.NaN())}}}
	failed := filepath.Join(root, "failed")
	if err := bad.WriteDir(failed, false); err == nil {
		t.Fatal("a report with a NaN value was written")
	}
	if _, err := os.Stat(failed); !os.IsNotExist(err) {
		t.Errorf("a failed write left %s: %v", failed, err)
	}
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a failed write left %s", e.Name())
		}
	}
}

func TestBuildBadInput(t *testing.T) {
	d, ae, vae := testData(t, 200)
	ctx := context.Background()
	narrow := &dataset.Dataset{Name: "narrow.csv", X: mat32.New(100, 50)}
	for i := range narrow.X.Data {
		narrow.X.Data[i] = float32(i % 7)
	}
	nan := d.Subset([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23})
	nan.X = nan.X.Clone()
	nan.X.Data[5] = float32(math.NaN())
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	pca := Options{Methods: []string{PCA}, SmoothPairs: 5}
	for _, c := range []struct {
		name string
		ctx  context.Context
		d    *dataset.Dataset
		subj []Subject
		opt  Options
		want string
	}{
		{"no model", ctx, d, nil, pca, "no model"},
		{"three models", ctx, d, []Subject{{"a", ae}, {"b", vae}, {"c", ae}}, pca, "at most 2"},
		{"same name", ctx, d, []Subject{{"a", ae}, {"a", vae}}, pca, "two models are called"},
		{"no name", ctx, d, []Subject{{"", ae}}, pca, "has no name"},
		{"nil model", ctx, d, []Subject{{"a", nil}}, pca, "missing"},
		{"shapes differ", ctx, narrow, []Subject{{"tiny-ae", ae}}, pca, "model tiny-ae reads rows of 784 values (28x28x1) but narrow.csv has 50 values per row"},
		{"NaN data", ctx, nan, []Subject{{"a", ae}}, pca, "NaN"},
		{"no data", ctx, nil, []Subject{{"a", ae}}, pca, "no data"},
		{"unknown method", ctx, d, []Subject{{"a", ae}}, Options{Methods: []string{"isomap"}}, `unknown projection method "isomap"`},
		{"few points", ctx, d, []Subject{{"a", ae}}, Options{MaxPoints: 10}, "too few"},
		{"few rows", ctx, d.Head(15), []Subject{{"a", ae}}, pca, "has 15 rows"},
		{"cancelled", cancelled, d, []Subject{{"a", ae}}, pca, "context canceled"},
	} {
		_, err := Build(c.ctx, c.d, c.subj, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// Vector data (no image shape anywhere): the maps and metrics, and a note
// instead of the image views.
func TestNonImageData(t *testing.T) {
	d := clusters(240, 8)
	c := model.DefaultConfig(model.VAE, model.MLP, 3)
	c.Hidden = []int{16}
	m, err := model.Train(context.Background(), d, c, model.TrainOptions{Epochs: 2, Seed: 2, Batch: 32})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Build(context.Background(), d, []Subject{{"vec", m}}, Options{Methods: []string{PCA, UMAP}, SmoothPairs: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Image {
		t.Error("vector data taken for images")
	}
	mr := r.Models[0]
	if mr.Recon != nil || mr.Samples != nil || mr.Interp != nil || mr.Traversal != nil {
		t.Error("image views of vector data")
	}
	if len(mr.Maps) != 2 || mr.Maps[0].URI == "" || mr.Metrics.Trustworthiness == nil || mr.Metrics.Lerp == nil {
		t.Errorf("maps %v, trust %v, smoothness %v", mr.Maps, mr.Metrics.Trustworthiness, mr.Metrics.Lerp)
	}
	if !strings.Contains(strings.Join(r.Notes, " "), "not images") {
		t.Errorf("notes %q", r.Notes)
	}
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page.String(), `id="reconstructions"`) || !strings.Contains(page.String(), "not images") {
		t.Error("the page shows image sections for vector data, or no note")
	}
	// The fallback the image views take on ErrNotImage.
	b := &builder{}
	f, err := b.figure(nil, errNotImage(), "x")
	if f != nil || err != nil || len(b.notes) != 1 {
		t.Errorf("ErrNotImage: figure %v, error %v, notes %q", f, err, b.notes)
	}
}

// clusters returns n rows of dim values around three centres, labelled.
func clusters(n, dim int) *dataset.Dataset {
	x := mat32.New(n, dim)
	labels := make([]int, n)
	rng := dataset.NewRand(5, 0)
	for i := range n {
		c := i % 3
		labels[i] = c
		for j := range dim {
			x.Data[i*dim+j] = float32(float64(c*(j%3)) + 0.3*rng.NormFloat64())
		}
	}
	return &dataset.Dataset{Name: "clusters", X: x, Labels: labels, Classes: []string{"a", "b", "c"}}
}

// A GAN has no encoder: no maps or code metrics, smoothness between
// samples of its prior.
func TestGAN(t *testing.T) {
	d, _, _ := testData(t, 300)
	c := model.DefaultConfig(model.GAN, model.MLP, 4)
	c.Hidden = []int{32}
	g, err := model.Train(context.Background(), d, c, model.TrainOptions{Epochs: 1, Seed: 2, Batch: 64})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Build(context.Background(), d, []Subject{{"gan", g}}, Options{Methods: []string{PCA}, SmoothPairs: 10})
	if err != nil {
		t.Fatal(err)
	}
	mr := r.Models[0]
	if mr.Metrics.Lerp == nil || mr.Metrics.Trustworthiness != nil || mr.Recon != nil || mr.Samples == nil || mr.Samples.URI == "" {
		t.Errorf("smoothness %v, trust %v, recon %v, samples %v", mr.Metrics.Lerp, mr.Metrics.Trustworthiness, mr.Recon, mr.Samples)
	}
	if len(mr.Maps) != 1 || mr.Maps[0].Missing == "" || len(mr.Notes) == 0 {
		t.Errorf("maps %+v, notes %q", mr.Maps, mr.Notes)
	}
}

// The same models, data and options give the same page.
func TestDeterministic(t *testing.T) {
	d, ae, vae := testData(t, 200)
	var pages [2]bytes.Buffer
	for i := range pages {
		r, err := Build(context.Background(), d, []Subject{{"ae", ae}, {"vae", vae}}, Options{Methods: []string{PCA, UMAP}, SmoothPairs: 10, Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.WriteHTML(&pages[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(pages[0].Bytes(), pages[1].Bytes()) {
		t.Error("two builds with the same seed differ")
	}
}

func errNotImage() error { return fmt.Errorf("viz: rows of 8 values: %w", viz.ErrNotImage) }

// BenchmarkBuild times a comparison report on the 2,000 fixture rows with
// every map (small models, so the report's own work dominates).
func BenchmarkBuild(b *testing.B) {
	d, ae, vae := testData(b, 2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(context.Background(), d, []Subject{{"ae", ae}, {"vae", vae}}, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// Labels that are all missing: the views fall back to unlabelled ones.
func TestNoLabelledRows(t *testing.T) {
	d, ae, _ := testData(t, 100) // a copy: Subset copies the labels
	for i := range d.Labels {
		d.Labels[i] = dataset.NoLabel
	}
	r, err := Build(context.Background(), d, []Subject{{"ae", ae}}, Options{Methods: []string{PCA}, SmoothPairs: 5})
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Models[0]; m.Recon == nil || m.Interp == nil || m.Metrics.KNNAccuracy != nil {
		t.Errorf("recon %v, interp %v, kNN accuracy %v", m.Recon, m.Interp, m.Metrics.KNNAccuracy)
	}
}

// Cancelling in the middle (here from the progress reports, during the
// t-SNE map) stops the build with the context's error.
func TestCancelMidway(t *testing.T) {
	d, ae, _ := testData(t, 300)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stages []string
	prog := func(u progress.Update) {
		if u.Stage == "report" {
			stages = append(stages, u.Message)
		}
		if strings.HasSuffix(u.Message, "t-SNE map") {
			cancel()
		}
	}
	_, err := Build(ctx, d, []Subject{{"ae", ae}}, Options{Methods: []string{TSNE, UMAP}, SmoothPairs: 5, Progress: prog})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if last := stages[len(stages)-1]; !strings.HasSuffix(last, "t-SNE map") {
		t.Errorf("stages %q: went on after cancelling", stages)
	}
}
