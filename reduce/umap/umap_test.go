package umap

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/progress"
)

var (
	fixtureOnce sync.Once
	fixture     *dataset.Dataset
	fixtureErr  error
)

// loadFixture returns the committed Fashion-MNIST fixture: the first 2,000
// test images in [0, 1] and their labels.
func loadFixture(t testing.TB) *dataset.Dataset {
	t.Helper()
	fixtureOnce.Do(func() {
		fixture, fixtureErr = formats.Load("../../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz", formats.Options{})
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixture
}

// Figures of umap-learn 0.5.3 on the fixture (testdata/umap_fixture.py,
// /usr/bin/python3 on Debian 12: umap-learn 0.5.3, scikit-learn 1.2.1,
// numpy 1.24.2): UMAP(n_neighbors=15, min_dist=0.1, random_state=42).
// fit_transform(X) has trustworthiness(10) 0.9780 and 10-NN accuracy under
// 5-fold StratifiedKFold(shuffle=True, random_state=0) 0.7235. Over seeds
// 42, 0, 1, 2, 3 they range over 0.9767–0.9780 and 0.7235–0.7380.
const (
	umapLearnTrust  = 0.9780
	umapLearnKNNAcc = 0.7235
	trustTolerance  = 0.002 // about the seed-to-seed spread
	knnAccTolerance = 0.01  // our folds hold other rows than scikit-learn's
)

// umap-learn 0.5.3 on the fixture under metric="manhattan", otherwise as
// above (testdata/umap_fixture.py, seed 42; trustworthiness measured in the
// euclidean input space). Seeds 0 and 1 give 0.9765 and 0.9751, 0.7355
// and 0.7330.
const (
	umapLearnManhattanTrust  = 0.9770
	umapLearnManhattanKNNAcc = 0.7380
)

// TestFixtureQuality fits the fixture with umap-learn's defaults and seed
// 42 and compares trustworthiness and kNN accuracy with umap-learn's.
func TestFixtureQuality(t *testing.T) {
	d := loadFixture(t)
	o := DefaultOptions()
	o.Seed = 42
	var u UMAP
	y, err := u.FitTransform(context.Background(), nil, d.X, o)
	if err != nil {
		t.Fatal(err)
	}
	tw, err := metrics.Trustworthiness(d.X, y, 10)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := metrics.KNNAccuracy(context.Background(), y, d.Labels, metrics.KNNAccuracyOptions{K: 10, Folds: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trustworthiness(10) %.4f (umap-learn %.4f), 10-NN accuracy %.4f (umap-learn %.4f)", tw, umapLearnTrust, acc.Mean, umapLearnKNNAcc)
	if tw < umapLearnTrust-trustTolerance {
		t.Errorf("trustworthiness %.4f < umap-learn's %.4f − %.3f", tw, umapLearnTrust, trustTolerance)
	}
	if acc.Mean < umapLearnKNNAcc-knnAccTolerance {
		t.Errorf("kNN accuracy %.4f < umap-learn's %.4f − %.3f", acc.Mean, umapLearnKNNAcc, knnAccTolerance)
	}
	if a, b := u.AB(); math.Abs(a-1.5769) > 1e-3 || math.Abs(b-0.8951) > 1e-3 {
		t.Errorf("a, b = %v, %v", a, b)
	}
	if u.Options().Epochs != 500 || u.Samples() != 2000 {
		t.Errorf("epochs %d, samples %d", u.Options().Epochs, u.Samples())
	}
}

// TestFixtureManhattan fits the fixture under the Manhattan metric with
// umap-learn's defaults and seed 42: the neighbour graph must hold L1
// distances, and the embedding must keep the neighbourhoods about as well
// as umap-learn's does under the same metric.
func TestFixtureManhattan(t *testing.T) {
	d := loadFixture(t)
	o := DefaultOptions()
	o.Seed, o.Metric = 42, "cityblock"
	var u UMAP
	y, err := u.FitTransform(context.Background(), nil, d.X, o)
	if err != nil {
		t.Fatal(err)
	}
	if u.Options().Metric != Manhattan || u.graph.Metric != knn.Manhattan {
		t.Fatalf("metric %q, graph metric %v", u.Options().Metric, u.graph.Metric)
	}
	for i := 0; i < d.X.Rows; i += 199 {
		idx, dist := u.graph.Row(i)
		for p, j := range idx {
			if want := knn.Manhattan.Distance(d.X.Row(i), d.X.Row(int(j))); dist[p] != want {
				t.Fatalf("row %d: distance %v to %d, want the L1 distance %v", i, dist[p], j, want)
			}
		}
	}
	tw, err := metrics.Trustworthiness(d.X, y, 10)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := metrics.KNNAccuracy(context.Background(), y, d.Labels, metrics.KNNAccuracyOptions{K: 10, Folds: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("manhattan: trustworthiness(10) %.4f (umap-learn %.4f), 10-NN accuracy %.4f (umap-learn %.4f)", tw, umapLearnManhattanTrust, acc.Mean, umapLearnManhattanKNNAcc)
	if tw < umapLearnManhattanTrust-trustTolerance {
		t.Errorf("trustworthiness %.4f < umap-learn's %.4f − %.3f", tw, umapLearnManhattanTrust, trustTolerance)
	}
	if acc.Mean < umapLearnManhattanKNNAcc-knnAccTolerance {
		t.Errorf("kNN accuracy %.4f < umap-learn's %.4f − %.3f", acc.Mean, umapLearnManhattanKNNAcc, knnAccTolerance)
	}
}

// withProcs runs f with GOMAXPROCS set to p.
func withProcs(p int, f func()) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(p))
	f()
}

// TestDeterministicAcrossThreads checks that a fit and a transform are
// bit-identical at GOMAXPROCS 1, 2 and 4, for a size with several layout
// blocks and both neighbour searches.
func TestDeterministicAcrossThreads(t *testing.T) {
	d := loadFixture(t)
	x := d.X.Slice(0, 1800)
	q := d.X.Slice(1800, 2000)
	o := DefaultOptions()
	o.Seed = 7
	o.Epochs = 60
	if testing.Short() {
		o.Epochs = 20
	}
	type result struct{ fit, tr, search []float32 }
	run := func(p int) (r result) {
		withProcs(p, func() {
			var u UMAP
			y, err := u.FitTransform(context.Background(), nil, x, o)
			if err != nil {
				t.Fatal(err)
			}
			z, err := u.Transform(context.Background(), nil, q, nil)
			if err != nil {
				t.Fatal(err)
			}
			g, err := u.searchNeighbours(context.Background(), q, 15, nil)
			if err != nil {
				t.Fatal(err)
			}
			r = result{y.Data, z.Data, g.Dists}
		})
		return r
	}
	ref := run(1)
	if layoutBlocks(x.Rows) < 2 {
		t.Fatalf("%d rows make %d layout blocks; the test needs several", x.Rows, layoutBlocks(x.Rows))
	}
	for _, p := range []int{2, 4} {
		r := run(p)
		if !slices.Equal(ref.fit, r.fit) {
			t.Errorf("GOMAXPROCS %d: the fit differs from GOMAXPROCS 1", p)
		}
		if !slices.Equal(ref.tr, r.tr) {
			t.Errorf("GOMAXPROCS %d: the transform differs from GOMAXPROCS 1", p)
		}
		if !slices.Equal(ref.search, r.search) {
			t.Errorf("GOMAXPROCS %d: the graph search differs from GOMAXPROCS 1", p)
		}
	}
}

// TestSequentialEquivalentQuality compares the block-parallel layout with a
// single block (umap-learn's sequential update order) on the same graph
// and start: the quality must agree within the seed-to-seed spread.
func TestSequentialEquivalentQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("several fits")
	}
	d := loadFixture(t)
	o, _ := DefaultOptions().check(d.X.Rows)
	g, data, err := fitGraph(context.Background(), d.X, &o)
	if err != nil {
		t.Fatal(err)
	}
	a, b, _ := FindAB(1, 0.1)
	var sumPar, sumSeq float64
	for seed := uint64(1); seed <= 3; seed++ {
		o.Seed = seed
		for _, blocks := range []int{0, 1} {
			emb, err := initialLayout(context.Background(), g.csr, data, &o)
			if err != nil {
				t.Fatal(err)
			}
			p := layoutParams{a: float32(a), b: float32(b), gamma: 1, alpha: 1, negRate: 5, epochs: o.Epochs, seed: seed, blocks: blocks}
			if err := optimizeFit(context.Background(), emb.Data, 2, g.csr, p); err != nil {
				t.Fatal(err)
			}
			tw, _ := metrics.Trustworthiness(d.X, emb, 10)
			if blocks == 1 {
				sumSeq += tw
			} else {
				sumPar += tw
			}
		}
	}
	t.Logf("mean trustworthiness over 3 seeds: %d blocks %.4f, 1 block %.4f", layoutBlocks(d.X.Rows), sumPar/3, sumSeq/3)
	if sumPar/3 < sumSeq/3-trustTolerance {
		t.Errorf("block-parallel trustworthiness %.4f is below the sequential %.4f", sumPar/3, sumSeq/3)
	}
}

// blobs returns n rows in c well-separated Gaussian clusters in d
// dimensions, and their cluster labels.
func blobs(n, c, d int, sep float64, seed uint64) (*mat32.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, 3))
	centers := make([]float64, c*d)
	for i := range centers {
		centers[i] = sep * rng.NormFloat64()
	}
	x := mat32.New(n, d)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		labels[i] = i % c
		for j := 0; j < d; j++ {
			x.Set(i, j, float32(centers[labels[i]*d+j]+rng.NormFloat64()))
		}
	}
	return x, labels
}

// TestDisconnectedAndDuplicates fits data whose neighbour graph falls into
// components (far clusters, a block of identical rows) and checks that the
// clusters come out separated and everything is finite.
func TestDisconnectedAndDuplicates(t *testing.T) {
	x, labels := blobs(600, 6, 10, 1000, 3)
	// 40 copies of one far row: more than Neighbors, so a component of
	// its own.
	dup := mat32.New(640, 10)
	copy(dup.Data, x.Data)
	for i := 600; i < 640; i++ {
		for j := range dup.Row(i) {
			dup.Set(i, j, 5000)
		}
	}
	labels = append(labels, slices.Repeat([]int{6}, 40)...)
	// Under Manhattan the components are placed by L1 distances between
	// their centroids.
	for _, m := range []string{Euclidean, Manhattan} {
		o := DefaultOptions()
		o.Seed, o.Epochs, o.Metric = 1, 100, m
		g, _, err := fitGraph(context.Background(), dup, &o)
		if err != nil {
			t.Fatal(err)
		}
		if _, nc := components(g.csr); nc < 7 {
			t.Fatalf("%s: %d components, want at least 7", m, nc)
		}
		var u UMAP
		y, err := u.FitTransform(context.Background(), nil, dup, o)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := mat32.CountNonFinite(y); c != 0 {
			t.Fatalf("%s: %d non-finite coordinates", m, c)
		}
		acc, err := metrics.KNNAccuracy(context.Background(), y, labels, metrics.KNNAccuracyOptions{K: 5})
		if err != nil {
			t.Fatal(err)
		}
		if acc.Mean < 0.99 {
			t.Errorf("%s: kNN accuracy of separated clusters %.3f, want ≥ 0.99", m, acc.Mean)
		}
	}
}

// TestSupervised checks that labels pull the classes apart.
func TestSupervised(t *testing.T) {
	d := loadFixture(t)
	x, lab := d.X.Slice(0, 1000), d.Labels[:1000]
	o := DefaultOptions()
	o.Seed = 3
	o.Epochs = 200
	var plain, sup UMAP
	y0, err := plain.FitTransform(context.Background(), nil, x, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Labels = slices.Clone(lab)
	for i := 0; i < len(o.Labels); i += 10 {
		o.Labels[i] = dataset.NoLabel // some unknown
	}
	y1, err := sup.FitTransform(context.Background(), nil, x, o)
	if err != nil {
		t.Fatal(err)
	}
	a0, _ := metrics.KNNAccuracy(context.Background(), y0, lab, metrics.KNNAccuracyOptions{K: 10})
	a1, _ := metrics.KNNAccuracy(context.Background(), y1, lab, metrics.KNNAccuracyOptions{K: 10})
	t.Logf("10-NN accuracy: unsupervised %.4f, supervised %.4f", a0.Mean, a1.Mean)
	if a1.Mean < 0.9 || a1.Mean < a0.Mean+0.1 {
		t.Errorf("supervised accuracy %.4f, unsupervised %.4f: want ≥ 0.9 and 0.1 better", a1.Mean, a0.Mean)
	}
}

// TestBadInput checks that bad data and options are errors naming the
// problem.
func TestBadInput(t *testing.T) {
	x, _ := blobs(50, 2, 4, 5, 1)
	nan := x.Clone()
	nan.Set(7, 2, float32(math.NaN()))
	inf := x.Clone()
	inf.Set(3, 0, float32(math.Inf(-1)))
	zero := x.Clone()
	clear(zero.Row(9))
	constant := x.Clone()
	for j := range constant.Row(4) {
		constant.Set(4, j, 2)
	}
	def := DefaultOptions
	with := func(f func(o *Options)) Options { o := def(); f(&o); return o }
	for _, c := range []struct {
		name string
		x    *mat32.Dense
		o    Options
		want string
	}{
		{"empty", mat32.New(0, 3), def(), "empty"},
		{"no columns", &mat32.Dense{Rows: 5}, def(), "empty"},
		{"zero options", x, Options{}, "neighbors=0"},
		{"one neighbour", x, with(func(o *Options) { o.Neighbors = 1 }), "at least 2"},
		{"neighbors ≥ rows", x, with(func(o *Options) { o.Neighbors = 50 }), "fewer than the 50 rows"},
		{"min-dist > spread", x, with(func(o *Options) { o.MinDist = 2 }), "larger than spread"},
		{"negative min-dist", x, with(func(o *Options) { o.MinDist = -1 }), "min-dist"},
		{"zero spread", x, with(func(o *Options) { o.Spread = 0 }), "spread"},
		{"only a", x, with(func(o *Options) { o.A = 1 }), "both"},
		{"negative epochs", x, with(func(o *Options) { o.Epochs = -1 }), "epochs"},
		{"components", x, with(func(o *Options) { o.Components = 0 }), "components"},
		{"learning rate", x, with(func(o *Options) { o.LearningRate = 0 }), "learning rate"},
		{"negative rate", x, with(func(o *Options) { o.NegativeSampleRate = 0 }), "negative sample rate"},
		{"mix ratio", x, with(func(o *Options) { o.SetOpMixRatio = 1.5 }), "mix ratio"},
		{"target weight", x, with(func(o *Options) { o.TargetWeight = -0.5 }), "target weight"},
		{"unknown metric", x, with(func(o *Options) { o.Metric = "hamming" }), `unknown metric "hamming"`},
		{"unknown init", x, with(func(o *Options) { o.Init = "tsne" }), "unknown init"},
		{"labels length", x, with(func(o *Options) { o.Labels = []int{1, 2} }), "2 labels for 50 rows"},
		{"bad label", x, with(func(o *Options) { o.Labels = slices.Repeat([]int{-2}, 50) }), "label -2"},
		{"NaN", nan, def(), "row 7"},
		{"Inf", inf, def(), "row 3"},
		{"zero row, cosine", zero, with(func(o *Options) { o.Metric = Cosine }), "row 9 is all zeros"},
		{"constant row, correlation", constant, with(func(o *Options) { o.Metric = Correlation }), "row 4 is constant"},
	} {
		var u UMAP
		err := u.Fit(context.Background(), c.x, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if u.Fitted() {
			t.Errorf("%s: the UMAP is fitted after an error", c.name)
		}
	}
}

// TestMetrics fits under every available metric on data where they agree
// on the clusters.
func TestMetrics(t *testing.T) {
	x, labels := blobs(400, 4, 8, 10, 2)
	for j := range x.Data {
		x.Data[j] += 40 // keep rows away from the origin for cosine
	}
	for _, m := range []string{Euclidean, Cosine, Correlation, "L2", Manhattan, "l1"} {
		o := DefaultOptions()
		o.Metric, o.Seed, o.Epochs = m, 1, 100
		var u UMAP
		y, err := u.FitTransform(context.Background(), nil, x, o)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		acc, _ := metrics.KNNAccuracy(context.Background(), y, labels, metrics.KNNAccuracyOptions{K: 5})
		if acc.Mean < 0.95 {
			t.Errorf("%s: kNN accuracy %.3f", m, acc.Mean)
		}
	}
}

// TestInits fits with every initialisation and 3 components.
func TestInits(t *testing.T) {
	x, labels := blobs(300, 3, 6, 8, 5)
	for _, init := range []string{InitSpectral, InitRandom, InitPCA, ""} {
		o := DefaultOptions()
		o.Init, o.Seed, o.Epochs, o.Components = init, 2, 100, 3
		var u UMAP
		y, err := u.FitTransform(context.Background(), nil, x, o)
		if err != nil {
			t.Fatalf("init %q: %v", init, err)
		}
		if y.Cols != 3 {
			t.Fatalf("init %q: %d columns", init, y.Cols)
		}
		acc, _ := metrics.KNNAccuracy(context.Background(), y, labels, metrics.KNNAccuracyOptions{K: 5})
		if acc.Mean < 0.95 {
			t.Errorf("init %q: kNN accuracy %.3f", init, acc.Mean)
		}
	}
}

// TestCancelAndProgress checks epoch reports and cancellation.
func TestCancelAndProgress(t *testing.T) {
	x, _ := blobs(300, 3, 5, 5, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var epochs []int64
	o := DefaultOptions()
	o.Epochs = 30
	o.Progress = func(u progress.Update) {
		if u.Stage == "umap layout" {
			epochs = append(epochs, u.Done)
			if u.Total != 30 {
				t.Errorf("total %d", u.Total)
			}
			if u.Done == 10 {
				cancel()
			}
		}
	}
	var u UMAP
	err := u.Fit(ctx, x, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if len(epochs) != 10 || epochs[0] != 1 || epochs[9] != 10 {
		t.Errorf("epoch reports %v", epochs)
	}
	if u.Fitted() {
		t.Error("fitted after cancellation")
	}
}

func TestShapePanics(t *testing.T) {
	x, _ := blobs(100, 2, 3, 5, 1)
	o := DefaultOptions()
	o.Epochs = 5
	var u UMAP
	if err := u.Fit(context.Background(), x, o); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(){
		"unfitted transform": func() { var v UMAP; v.Transform(context.Background(), nil, x, nil) },
		"unfitted embedding": func() { var v UMAP; v.Embedding(nil) },
		"dst shape":          func() { u.Embedding(mat32.New(3, 3)) },
		"transform dst":      func() { u.Transform(context.Background(), mat32.New(1, 2), x, nil) },
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.HasPrefix(r.(string), "umap:") {
					t.Errorf("%s: recovered %v, want a umap: panic", name, r)
				}
			}()
			f()
		}()
	}
}

// TestDeterministicPCAInit checks that the PCA start is as thread-count
// independent as the others (mat32 blocks its products by shape).
func TestDeterministicPCAInit(t *testing.T) {
	d := loadFixture(t)
	x := d.X.Slice(0, 1200)
	o := DefaultOptions()
	o.Seed = 3
	o.Epochs = 20
	o.Init = InitPCA
	var ref []float32
	for _, p := range []int{1, 3} {
		withProcs(p, func() {
			var u UMAP
			y, err := u.FitTransform(context.Background(), nil, x, o)
			if err != nil {
				t.Fatal(err)
			}
			if ref == nil {
				ref = y.Data
			} else if !slices.Equal(ref, y.Data) {
				t.Errorf("GOMAXPROCS %d: the PCA-initialised fit differs from GOMAXPROCS 1", p)
			}
		})
	}
}
