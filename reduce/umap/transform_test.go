package umap

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
)

// umap-learn 0.5.3 on the fixture (testdata/umap_fixture.py): fitted on
// the first 1,500 rows with random_state=42, transform of the last 500;
// a KNeighborsClassifier(10) fitted on the training embedding classifies
// 0.7180 of them right (0.7220 and 0.7080 with seeds 0 and 1). Ours ranges
// over 0.698–0.724 for seeds 42, 0, 1, 2, 3: with 500 rows the figure
// moves by ±0.015 from seed to seed in both tools.
const (
	umapLearnHeldout = 0.7180
	heldoutTolerance = 0.03
	fixtureTrain     = 1500
)

// umap-learn 0.5.3 as above with metric="manhattan" (testdata/umap_fixture.py,
// seed 42): 0.6880 of the held-out rows classified right (0.7100 and
// 0.6760 with seeds 0 and 1). Ours is 0.688 with seed 42 and 0.692–0.708
// with seeds 0–3.
const umapLearnHeldoutManhattan = 0.6880

// classify returns the fraction of test points whose k nearest training
// points (euclidean, ties to the lower index) vote for their label; a tied
// vote goes to the smallest label, as scikit-learn's KNeighborsClassifier.
func classify(train *mat32.Dense, trainLab []int, test *mat32.Dense, testLab []int, k int) float64 {
	right := 0
	idx := make([]int, train.Rows)
	for i := 0; i < test.Rows; i++ {
		q := test.Row(i)
		for j := range idx {
			idx[j] = j
		}
		d := make([]float32, train.Rows)
		for j := range d {
			d[j] = mat32.SqDist(q, train.Row(j))
		}
		sort.SliceStable(idx, func(a, b int) bool { return d[idx[a]] < d[idx[b]] })
		votes := map[int]int{}
		for _, j := range idx[:k] {
			votes[trainLab[j]]++
		}
		best, bestN := -1, -1
		for l, n := range votes {
			if n > bestN || (n == bestN && l < best) {
				best, bestN = l, n
			}
		}
		if best == testLab[i] {
			right++
		}
	}
	return float64(right) / float64(test.Rows)
}

// TestTransformHeldout fits the first 1,500 fixture rows and embeds the
// other 500: a 10-NN classifier on the training embedding must classify
// them about as well as umap-learn's transform does.
func TestTransformHeldout(t *testing.T) {
	d := loadFixture(t)
	x, q := d.X.Slice(0, fixtureTrain), d.X.Slice(fixtureTrain, d.X.Rows)
	o := DefaultOptions()
	o.Seed = 42
	var u UMAP
	y, err := u.FitTransform(context.Background(), nil, x, o)
	if err != nil {
		t.Fatal(err)
	}
	z, err := u.Transform(context.Background(), nil, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	acc := classify(y, d.Labels[:fixtureTrain], z, d.Labels[fixtureTrain:], 10)
	t.Logf("held-out 10-NN accuracy %.4f (umap-learn %.4f)", acc, umapLearnHeldout)
	if acc < umapLearnHeldout-heldoutTolerance {
		t.Errorf("held-out accuracy %.4f < umap-learn's %.4f − %.2f", acc, umapLearnHeldout, heldoutTolerance)
	}
	// Each row is embedded on its own: two halves give the same rows.
	z1, err := u.Transform(context.Background(), nil, q.Slice(0, 250), nil)
	if err != nil {
		t.Fatal(err)
	}
	z2, err := u.Transform(context.Background(), nil, q.Slice(250, 500), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(append(slices.Clone(z1.Data), z2.Data...), z.Data) {
		t.Error("transforming the rows in two batches differs from one batch")
	}
	if u.transformEpochs(500) != TransformEpochsSmall || u.transformEpochs(20000) != TransformEpochsLarge {
		t.Errorf("transform epochs %d, %d", u.transformEpochs(500), u.transformEpochs(20000))
	}
}

// TestTransformManhattan embeds the held-out fixture rows into a fit under
// the Manhattan metric: their neighbours are found by L1 distance, and a
// 10-NN classifier on the training embedding must classify them about as
// well as umap-learn's transform under the same metric does.
func TestTransformManhattan(t *testing.T) {
	d := loadFixture(t)
	x, q := d.X.Slice(0, fixtureTrain), d.X.Slice(fixtureTrain, d.X.Rows)
	o := DefaultOptions()
	o.Seed, o.Metric = 42, Manhattan
	var u UMAP
	y, err := u.FitTransform(context.Background(), nil, x, o)
	if err != nil {
		t.Fatal(err)
	}
	z, err := u.Transform(context.Background(), nil, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	acc := classify(y, d.Labels[:fixtureTrain], z, d.Labels[fixtureTrain:], 10)
	t.Logf("manhattan: held-out 10-NN accuracy %.4f (umap-learn %.4f)", acc, umapLearnHeldoutManhattan)
	if acc < umapLearnHeldoutManhattan-heldoutTolerance {
		t.Errorf("held-out accuracy %.4f < umap-learn's %.4f − %.2f", acc, umapLearnHeldoutManhattan, heldoutTolerance)
	}
	// A training row transforms next to its own embedding.
	zt, err := u.Transform(context.Background(), nil, x.Slice(0, 50), nil)
	if err != nil {
		t.Fatal(err)
	}
	near := 0
	for i := 0; i < 50; i++ {
		dx, dy := zt.At(i, 0)-y.At(i, 0), zt.At(i, 1)-y.At(i, 1)
		if dx*dx+dy*dy < 1 {
			near++
		}
	}
	if near < 45 {
		t.Errorf("only %d of 50 training rows transform within 1 of their own embedding", near)
	}
}

// TestSearchRecall compares the graph search of Transform with the exact
// neighbours.
func TestSearchRecall(t *testing.T) {
	d := loadFixture(t)
	x, q := d.X.Slice(0, fixtureTrain), d.X.Slice(fixtureTrain, d.X.Rows)
	for _, m := range []string{Euclidean, Cosine, Manhattan} {
		o := DefaultOptions()
		o.Metric, o.Epochs = m, 1
		var u UMAP
		if err := u.Fit(context.Background(), x, o); err != nil {
			t.Fatal(err)
		}
		km, _ := knnMetric(m)
		exact, err := knn.Exact(context.Background(), x, q, 15, knn.ExactOptions{Metric: km})
		if err != nil {
			t.Fatal(err)
		}
		g, err := u.searchNeighbours(context.Background(), q, 15, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := g.Recall(exact)
		t.Logf("%s: recall@15 %.4f", m, r)
		if r < 0.97 {
			t.Errorf("%s: recall@15 of the graph search %.4f < 0.97", m, r)
		}
		// The distances are in the metric's units, like the exact ones.
		for i := 0; i < g.Len(); i++ {
			gi, gd := g.Row(i)
			ei, ed := exact.Row(i)
			if gi[0] == ei[0] && math.Abs(float64(gd[0]-ed[0])) > 1e-4*math.Max(1, float64(ed[0])) {
				t.Fatalf("%s row %d: distance %v, exact %v", m, i, gd[0], ed[0])
			}
		}
	}
}

func TestTransformBadInput(t *testing.T) {
	x, _ := blobs(200, 2, 6, 5, 9)
	o := DefaultOptions()
	o.Metric, o.Epochs = Cosine, 10
	var u UMAP
	if err := u.Fit(context.Background(), x, o); err != nil {
		t.Fatal(err)
	}
	nan := x.Slice(0, 5).Clone()
	nan.Set(2, 1, float32(math.NaN()))
	zero := x.Slice(0, 5).Clone()
	clear(zero.Row(3))
	for _, c := range []struct {
		name string
		x    *mat32.Dense
		want string
	}{
		{"columns", mat32.New(3, 5), "5 columns, the model was fitted on 6"},
		{"NaN", nan, "row 2"},
		{"zero row", zero, "row 3 is all zeros"},
	} {
		if _, err := u.Transform(context.Background(), nil, c.x, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	z, err := u.Transform(context.Background(), nil, mat32.New(0, 6), nil)
	if err != nil || z.Rows != 0 || z.Cols != 2 {
		t.Errorf("empty transform: %v, %v", z, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := u.Transform(ctx, nil, x, nil); err != context.Canceled {
		t.Errorf("cancelled transform: %v", err)
	}
}
