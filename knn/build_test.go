package knn

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// blobs draws n points in d dimensions around c centres whose spread
// decays along the axes, like a PCA projection of real data.
func blobs(rng *rand.Rand, n, d, c int) *mat32.Dense {
	centers := randMatrix(rng, c, d)
	x := mat32.New(n, d)
	for i := 0; i < n; i++ {
		ci := centers.Row(rng.IntN(c))
		s := 1.0
		row := x.Row(i)
		for j := range row {
			row[j] = 4*ci[j] + float32(s*rng.NormFloat64())
			s *= 0.9
		}
	}
	return x
}

func TestNNDescentRecall(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n := 6000
	if testing.Short() {
		n = 2000
	}
	x := blobs(rng, n, 24, 20)
	ctx := context.Background()
	for _, m := range []Metric{Euclidean, Cosine, Manhattan} {
		for _, k := range []int{5, 15} {
			truth, err := ExactGraph(ctx, x, k, ExactOptions{Metric: m})
			if err != nil {
				t.Fatal(err)
			}
			g, err := BuildGraph(ctx, x, k, GraphOptions{Metric: m, Method: NNDescent, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Validate(n); err != nil {
				t.Fatal(err)
			}
			r := g.Recall(truth)
			t.Logf("%v k=%d: recall %.4f", m, k, r)
			if r < 0.98 {
				t.Errorf("%v k=%d: recall %.4f, want >= 0.98", m, k, r)
			}
			// Distances must be those of the metric, for the listed pairs.
			for i := 0; i < n; i += 97 {
				idx, d := g.Row(i)
				for j := range idx {
					if idx[j] == int32(i) {
						t.Fatalf("row %d lists itself", i)
					}
					want := m.Distance(x.Row(i), x.Row(int(idx[j])))
					if diff := d[j] - want; diff > 1e-4 || diff < -1e-4 {
						t.Fatalf("%v row %d: distance %v to %d, want %v", m, i, d[j], idx[j], want)
					}
				}
			}
		}
	}
}

// TestNNDescentDuplicates: many exact copies of a few points; each copy must
// find the other copies (distance 0), never itself.
func TestNNDescentDuplicates(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	x := mat32.New(2000, 6)
	protos := randMatrix(rng, 50, 6)
	for i := 0; i < x.Rows; i++ {
		copy(x.Row(i), protos.Row(i%50))
	}
	g, err := BuildGraph(context.Background(), x, 10, GraphOptions{Method: NNDescent, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < x.Rows; i++ {
		idx, d := g.Row(i)
		for j := range idx {
			if idx[j] == int32(i) || d[j] != 0 || int(idx[j])%50 != i%50 {
				t.Fatalf("row %d: neighbour %d at %v, want another copy at 0", i, idx[j], d[j])
			}
		}
	}
}

func graphBytes(g *Graph) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, g.Indices)
	binary.Write(&b, binary.LittleEndian, g.Dists)
	return b.Bytes()
}

// TestBuildGraphDeterministic: same seed, GOMAXPROCS 1 and 4, bit-identical
// graphs; another seed, a different (approximate) graph.
func TestBuildGraphDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	n := 5000
	if testing.Short() {
		n = 2000
	}
	x := blobs(rng, n, 16, 10)
	ctx := context.Background()
	build := func(procs int, seed uint64, m Method, metric Metric) []byte {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		g, err := BuildGraph(ctx, x, 8, GraphOptions{Metric: metric, Method: m, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return graphBytes(g)
	}
	for _, metric := range []Metric{Euclidean, Manhattan} {
		for _, m := range []Method{NNDescent, ExactMethod} {
			a, b := build(1, 7, m, metric), build(4, 7, m, metric)
			if !bytes.Equal(a, b) {
				t.Errorf("%v %v: graphs differ between GOMAXPROCS 1 and 4", metric, m)
			}
			if c := build(3, 7, m, metric); !bytes.Equal(a, c) {
				t.Errorf("%v %v: graphs differ between GOMAXPROCS 1 and 3", metric, m)
			}
		}
	}
	if bytes.Equal(build(2, 7, NNDescent, Euclidean), build(2, 8, NNDescent, Euclidean)) {
		t.Log("seeds 7 and 8 gave the same graph (possible, but unusual)")
	}
}

func TestBuildGraphAuto(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	x := randMatrix(rng, 300, 5)
	ctx := context.Background()
	auto, err := BuildGraph(ctx, x, 4, GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ex, _ := ExactGraph(ctx, x, 4, ExactOptions{})
	if !bytes.Equal(graphBytes(auto), graphBytes(ex)) {
		t.Error("Auto on a small set should be the exact graph")
	}
}

func TestBuildGraphBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	x := randMatrix(rng, 50, 3)
	zero := x.Clone()
	clear(zero.Row(3))
	nan := x.Clone()
	nan.Data[40] = float32(nan.Data[40]) / 0 * 0
	ctx := context.Background()
	for _, c := range []struct {
		x    *mat32.Dense
		k    int
		opt  GraphOptions
		want string
	}{
		{x, 0, GraphOptions{}, "k=0"},
		{x, 50, GraphOptions{Method: NNDescent}, "k=50: want 1 <= k < 50"},
		{mat32.New(0, 3), 1, GraphOptions{}, "data: empty set"},
		{zero, 5, GraphOptions{Metric: Cosine, Method: NNDescent}, "zero vectors have no direction (first is row 3)"},
		{nan, 5, GraphOptions{Method: NNDescent}, "1 NaN/Inf values (first in row 13)"},
		{nan, 5, GraphOptions{Metric: Manhattan, Method: NNDescent}, "1 NaN/Inf values (first in row 13)"},
		{x, 50, GraphOptions{Metric: Manhattan}, "k=50: want 1 <= k < 50"},
	} {
		_, err := BuildGraph(ctx, c.x, c.k, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
	}
}

// TestBuildGraphCancel cancels a large build early; it must return
// context.Canceled promptly.
func TestBuildGraphCancel(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	x := blobs(rng, 60000, 16, 10)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := BuildGraph(ctx, x, 10, GraphOptions{Method: NNDescent})
	if err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("cancellation took %v", el)
	}
}

// TestAutoBudget: Auto searches a small set exactly, and by NN-descent
// when GraphOptions.ExactBudget is below the set's n²·d.
func TestAutoBudget(t *testing.T) {
	x := blobs(rand.New(rand.NewPCG(41, 42)), 300, 8, 4)
	for _, c := range []struct {
		budget float64
		stage  string
	}{{0, "exact knn"}, {300 * 300 * 8, "exact knn"}, {300*300*8 - 1, "knn graph: nn-descent"}} {
		var stages []string
		prog := progress.Func(func(u progress.Update) { stages = append(stages, u.Stage) })
		if _, err := BuildGraph(context.Background(), x, 5, GraphOptions{ExactBudget: c.budget, Progress: prog}); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(stages, c.stage) {
			t.Errorf("budget %v: stages %v, want %q", c.budget, stages, c.stage)
		}
	}
}
