package tsne

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// labelledBlobs returns n points in d dimensions in c well-separated
// clusters and each point's cluster.
func labelledBlobs(seed uint64, n, d, c int) (*mat32.Dense, []int) {
	x := mat32.New(n, d)
	labels := make([]int, n)
	rng := newTestRand(seed)
	for i := 0; i < n; i++ {
		k := i % c
		labels[i] = k
		for j := 0; j < d; j++ {
			centre := 0.0
			if j == k%d {
				centre = 20 * float64(1+k/d)
			}
			x.Data[i*d+j] = float32(centre + rng.NormFloat64())
		}
	}
	return x, labels
}

// nnAgreement returns the fraction of points whose nearest neighbour in y
// has their label.
func nnAgreement(y *mat32.Dense, labels []int) float64 {
	ok := 0
	for i := 0; i < y.Rows; i++ {
		best, bj := math.Inf(1), -1
		for j := 0; j < y.Rows; j++ {
			if j == i {
				continue
			}
			if d := float64(mat32.SqDist(y.Row(i), y.Row(j))); d < best {
				best, bj = d, j
			}
		}
		if labels[bj] == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(y.Rows)
}

// quick returns options for short test runs.
func quick(o Options) Options {
	if o.EarlyIter == 0 {
		o.EarlyIter = 100
	}
	if o.Iter == 0 {
		o.Iter = 200
	}
	return o
}

func TestFitSeparatesClusters(t *testing.T) {
	x, labels := labelledBlobs(1, 400, 8, 4)
	for _, c := range []struct {
		dims   int
		method Method
	}{{2, Exact}, {2, BarnesHut}, {2, FFT}, {1, FFT}, {1, BarnesHut}, {3, BarnesHut}, {3, Exact}} {
		t.Run(fmt.Sprintf("dims=%d/%v", c.dims, c.method), func(t *testing.T) {
			m, err := Fit(context.Background(), x, quick(Options{Dims: c.dims, Method: c.method, Perplexity: 20}))
			if err != nil {
				t.Fatal(err)
			}
			y := m.Embedding(nil)
			if y.Rows != 400 || y.Cols != c.dims {
				t.Fatalf("embedding is %d×%d", y.Rows, y.Cols)
			}
			if cnt, _ := mat32.CountNonFinite(y); cnt > 0 {
				t.Fatalf("%d non-finite values", cnt)
			}
			if a := nnAgreement(y, labels); a < 0.99 {
				t.Errorf("nearest-neighbour label agreement %.3f, want ≥ 0.99", a)
			}
			if m.Method() != c.method || m.Iterations() != 300 || !(m.KL() > 0) {
				t.Errorf("method %v, %d iterations, KL %g", m.Method(), m.Iterations(), m.KL())
			}
		})
	}
}

func TestFitDeterministicAcrossThreads(t *testing.T) {
	x, _ := labelledBlobs(2, 500, 10, 5)
	cases := []Options{
		{Method: FFT},
		{Method: BarnesHut},
		{Method: Exact, Dims: 3},
		{Method: FFT, Dims: 1, DoF: 0.7},
		{Method: FFT, KNN: knn.NNDescent, Init: InitRandom, Seed: 7},
		{Method: BarnesHut, PCAComponents: 4, Seed: 3},
	}
	if testing.Short() {
		cases = cases[:2]
	}
	for _, o := range cases {
		t.Run(fmt.Sprintf("%v/dims=%d/knn=%v", o.Method, o.Dims, o.KNN), func(t *testing.T) {
			o = quick(o)
			o.EarlyIter, o.Iter = 60, 60
			var ref []float32
			defer mat32.SetThreads(runtime.GOMAXPROCS(0))
			for _, procs := range []int{1, 3} {
				mat32.SetThreads(procs)
				m, err := Fit(context.Background(), x, o)
				if err != nil {
					t.Fatal(err)
				}
				y := m.Embedding(nil).Data
				if ref == nil {
					ref = y
					continue
				}
				for i := range y {
					if y[i] != ref[i] {
						t.Fatalf("GOMAXPROCS=%d: value %d is %v, with 1 thread %v", procs, i, y[i], ref[i])
					}
				}
			}
		})
	}
}

func TestKLDecreases(t *testing.T) {
	x, _ := labelledBlobs(3, 300, 6, 3)
	var kls []float64
	var last progress.Update
	_, err := Fit(context.Background(), x, Options{Method: Exact, Progress: func(u progress.Update) {
		if u.Stage == "optimize" && u.Done%klEvery == 0 {
			var kl float64
			if _, err := fmt.Sscanf(u.Message, "KL %g", &kl); err == nil {
				kls = append(kls, kl)
			}
		}
		last = u
	}})
	if err != nil {
		t.Fatal(err)
	}
	if last.Stage != "optimize" || last.Done != 1000 || last.Total != 1000 {
		t.Errorf("last progress %+v, want optimize 1000/1000", last)
	}
	if len(kls) != 20 {
		t.Fatalf("%d KL reports, want 20: %v", len(kls), kls)
	}
	// After the early phase (whose KL is of the exaggerated map), the KL
	// divergence must fall: each report at most 1e-3 above the previous and
	// the last well below the first.
	main := kls[5:]
	for i := 1; i < len(main); i++ {
		if main[i] > main[i-1]+1e-3 {
			t.Errorf("KL rose from %.5f to %.5f at report %d: %v", main[i-1], main[i], i+5, kls)
		}
	}
	if !(main[len(main)-1] < main[0]) {
		t.Errorf("KL did not decrease over the main phase: %v", kls)
	}
}

func TestFitBadInput(t *testing.T) {
	x, _ := labelledBlobs(4, 60, 5, 3)
	nan := x.Clone()
	nan.Data[17] = float32(math.NaN())
	inf := x.Clone()
	inf.Data[3] = float32(math.Inf(-1))
	same := mat32.New(50, 3)
	for i := range same.Data {
		same.Data[i] = 1.5
	}
	badInit := mat32.New(60, 2)
	badInit.Data[5] = float32(math.NaN())
	cases := []struct {
		name string
		x    *mat32.Dense
		o    Options
		want string
	}{
		{"nil data", nil, Options{}, "no data"},
		{"no columns", mat32.New(10, 0), Options{}, "no data"},
		{"three rows", x.Slice(0, 3), Options{Perplexity: 0.5}, "need at least 4 points"},
		{"NaN", nan, Options{Perplexity: 5}, "NaN/Inf values (first in row 3)"},
		{"Inf", inf, Options{Perplexity: 5}, "NaN/Inf values (first in row 0)"},
		{"identical rows", same, Options{Perplexity: 5}, "all 50 rows are identical"},
		{"perplexity ≥ n/3", x, Options{Perplexity: 20}, "perplexity 20 is too large for 60 points"},
		{"default perplexity too large", x, Options{}, "perplexity 30 is too large"},
		{"negative perplexity", x, Options{Perplexity: -1}, "perplexity -1: want a positive number"},
		{"NaN perplexity", x, Options{Perplexity: math.NaN()}, "perplexity NaN"},
		{"multiscale bad", x, Options{Perplexities: []float64{5, 0}}, "perplexity 0"},
		{"dims 4", x, Options{Perplexity: 5, Dims: 4}, "4 embedding dimensions"},
		{"dims -1", x, Options{Perplexity: 5, Dims: -1}, "-1 embedding dimensions"},
		{"fft in 3-D", x, Options{Perplexity: 5, Dims: 3, Method: FFT}, "fft method embeds in 1 or 2 dimensions"},
		{"bad method", x, Options{Perplexity: 5, Method: Method(9)}, "invalid method"},
		{"given without array", x, Options{Perplexity: 5, Init: InitGiven}, "without an initial embedding"},
		{"given wrong shape", x, Options{Perplexity: 5, Init: InitGiven, InitY: mat32.New(59, 2)}, "is 59×2, want 60×2"},
		{"given NaN", x, Options{Perplexity: 5, Init: InitGiven, InitY: badInit}, "initial embedding has 1 NaN/Inf"},
		{"negative theta", x, Options{Perplexity: 5, Theta: -0.5}, "theta -0.5"},
		{"negative learning rate", x, Options{Perplexity: 5, LearningRate: -3}, "learning rate -3"},
		{"momentum 1", x, Options{Perplexity: 5, Momentum: 1}, "momentum 1"},
		{"negative dof", x, Options{Perplexity: 5, DoF: -2}, "degrees of freedom -2"},
		{"interpolation points", x, Options{Perplexity: 5, InterpPoints: 12}, "12 interpolation points"},
		{"neighbours ≥ n", x, Options{Perplexity: 5, Neighbors: 60}, "60 neighbours"},
		{"negative PCA", x, Options{Perplexity: 5, PCAComponents: -1}, "-1 PCA components"},
		{"infinite exaggeration", x, Options{Perplexity: 5, EarlyExaggeration: math.Inf(1)}, "early exaggeration +Inf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Fit(context.Background(), c.x, c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got model %v, error %v; want an error containing %q", m != nil, err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "tsne: ") {
				t.Errorf("error %q lacks the tsne: prefix", err)
			}
		})
	}
}

func TestFitHardButValidInput(t *testing.T) {
	rng := newTestRand(5)
	cases := map[string]*mat32.Dense{}
	// Half the rows are exact duplicates of one point.
	dup := mat32.New(200, 4)
	for i := range dup.Data {
		if i >= 400 {
			dup.Data[i] = float32(rng.NormFloat64())
		}
	}
	cases["half duplicates"] = dup
	// Two distinct points, each repeated.
	two := mat32.New(120, 3)
	for i := 60; i < 120; i++ {
		two.Data[i*3] = 1
	}
	cases["two points repeated"] = two
	// Huge and tiny scales.
	huge := mat32.New(150, 5)
	tiny := mat32.New(150, 5)
	for i := range huge.Data {
		v := rng.NormFloat64()
		huge.Data[i] = float32(1e30 * v)
		tiny.Data[i] = float32(1e-30 * v)
	}
	cases["huge values"] = huge
	cases["tiny values"] = tiny
	// One column, embedded in two dimensions.
	line := mat32.New(100, 1)
	for i := range line.Data {
		line.Data[i] = float32(i)
	}
	cases["one column"] = line
	for name, x := range cases {
		for _, method := range []Method{Exact, BarnesHut, FFT} {
			t.Run(name+"/"+method.String(), func(t *testing.T) {
				m, err := Fit(context.Background(), x, quick(Options{Perplexity: 10, Method: method}))
				if err != nil {
					t.Fatal(err)
				}
				y := m.Embedding(nil)
				if cnt, row := mat32.CountNonFinite(y); cnt > 0 {
					t.Fatalf("%d non-finite values, first in row %d", cnt, row)
				}
				if math.IsNaN(m.KL()) {
					t.Error("KL is NaN")
				}
			})
		}
	}
}

func TestFitCancel(t *testing.T) {
	x, _ := labelledBlobs(6, 2000, 10, 5)
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	_, err := Fit(ctx, x, Options{Method: BarnesHut, Progress: func(u progress.Update) {
		if u.Stage == "optimize" && u.Done == 5 {
			cancel()
			cancelled = time.Now()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if d := time.Since(cancelled); d > 2*time.Second {
		t.Errorf("returned %v after the cancellation", d)
	}
	// Cancelled before starting.
	if _, err := Fit(ctx, x, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("pre-cancelled: error %v", err)
	}
}

func TestParseNames(t *testing.T) {
	for i, name := range Methods {
		if m, err := ParseMethod(name); err != nil || m != Method(i) || m.String() != name {
			t.Errorf("ParseMethod(%q) = %v, %v", name, m, err)
		}
	}
	for i, name := range Inits {
		if v, err := ParseInit(name); err != nil || v != Init(i) || v.String() != name {
			t.Errorf("ParseInit(%q) = %v, %v", name, v, err)
		}
	}
	if _, err := ParseMethod("umap"); err == nil || !strings.Contains(err.Error(), "known: auto, exact, bh, fft") {
		t.Errorf("ParseMethod(umap): %v", err)
	}
	if _, err := ParseInit("spectral"); err == nil {
		t.Error("ParseInit(spectral) succeeded")
	}
	if m, _ := ParseMethod("Barnes-Hut"); m != BarnesHut {
		t.Error("barnes-hut alias")
	}
}

func TestEmbeddingShapePanics(t *testing.T) {
	x, _ := labelledBlobs(7, 40, 3, 2)
	m, err := Fit(context.Background(), x, Options{Perplexity: 5, EarlyIter: -1, Iter: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "tsne: Embedding:") {
			t.Errorf("recovered %v", r)
		}
	}()
	m.Embedding(mat32.New(40, 3))
}

func TestPhases(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want []phase
	}{
		{Options{}, []phase{{250, 12, 0.5, 10000.0 / 12, "early exaggeration"}, {750, 1, 0.8, 10000, "main"}}},
		{Options{EarlyIter: -1, Iter: 100, LearningRate: 7}, []phase{{100, 1, 0.8, 7, "main"}}},
		{Options{LateExaggeration: 4, LateIter: 100, EarlyExaggeration: 20, Momentum: 0.3},
			[]phase{{250, 20, 0.3, 500, "early exaggeration"}, {650, 1, 0.8, 10000, "main"}, {100, 4, 0.8, 2500, "late exaggeration"}}},
		{Options{LateExaggeration: 2}, []phase{{250, 12, 0.5, 10000.0 / 12, "early exaggeration"}, {750, 2, 0.8, 5000, "late exaggeration"}}},
	} {
		cfg, err := c.o.resolve(10000, 5)
		if err != nil {
			t.Fatal(err)
		}
		got := cfg.phases()
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%+v: phases %v, want %v", c.o, got, c.want)
		}
	}
	// Tiny data: the learning rate floor.
	cfg, _ := Options{Perplexity: 5}.resolve(100, 3)
	if lr := cfg.phases()[0].learnRate; lr != minLearningRate {
		t.Errorf("learning rate for 100 points %g, want %d", lr, minLearningRate)
	}
}
