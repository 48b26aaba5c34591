package metrics

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

func TestNeighborhoodAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	cases := []struct {
		name         string
		n, dx, dy, k int
		levels       int
		block        int
	}{
		{"gemm-2d", 150, 20, 2, 7, 0, 0},
		{"gemm-2d-blocked", 150, 20, 2, 7, 0, 13},
		{"direct-both", 120, 5, 3, 10, 0, 7},
		{"ties-gemm", 130, 12, 2, 5, 2, 9},
		{"ties-direct", 90, 3, 2, 4, 1, 0},
		{"gemm-gemm", 100, 30, 16, 8, 0, 11},
		{"k1", 40, 10, 2, 1, 0, 3},
		{"large-k", 90, 10, 2, 44, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := randMatrix(rng, c.n, c.dx, c.levels)
			y := project(rng, x, c.dy, 0.5)
			if c.levels > 0 {
				for i := range y.Data {
					y.Data[i] = float32(math.Round(float64(y.Data[i])))
				}
			}
			got, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: c.k, BlockRows: c.block})
			if err != nil {
				t.Fatal(err)
			}
			wt, wc, wp := refNeighborhood(x, y, c.k)
			if got.Trustworthiness != wt || got.Continuity != wc || got.KNNPreservation != wp {
				t.Errorf("got T %v C %v P %v, brute force T %v C %v P %v", got.Trustworthiness, got.Continuity, got.KNNPreservation, wt, wc, wp)
			}
			if got.N != c.n || got.K != c.k {
				t.Errorf("N, K = %d, %d", got.N, got.K)
			}
		})
	}
}

func TestNeighborhoodOffsetData(t *testing.T) {
	// Far from the origin, the GEMM expansion loses digits; the exact
	// refinement (and centring) must still give the brute-force answer.
	rng := rand.New(rand.NewPCG(5, 5))
	x := randMatrix(rng, 120, 24, 0)
	for i := range x.Data {
		x.Data[i] += 300
	}
	y := project(rng, x, 2, 20)
	got, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: 6, BlockRows: 17})
	if err != nil {
		t.Fatal(err)
	}
	wt, wc, wp := refNeighborhood(x, y, 6)
	if got.Trustworthiness != wt || got.Continuity != wc || got.KNNPreservation != wp {
		t.Errorf("got %+v, want T %v C %v P %v", got, wt, wc, wp)
	}
}

func TestNeighborhoodIdentityAndSwap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	x := randMatrix(rng, 80, 10, 0)
	r, err := Neighborhood(context.Background(), x, x.Clone(), NeighborOptions{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if r.Trustworthiness != 1 || r.Continuity != 1 || r.KNNPreservation != 1 {
		t.Errorf("identity embedding: %+v, want all 1", r)
	}
	y := project(rng, x, 2, 1)
	a, _ := Neighborhood(context.Background(), x, y, NeighborOptions{K: 5})
	b, _ := Neighborhood(context.Background(), y, x, NeighborOptions{K: 5})
	if a.Trustworthiness != b.Continuity || a.Continuity != b.Trustworthiness || a.KNNPreservation != b.KNNPreservation {
		t.Errorf("swapping input and embedding: %+v vs %+v", a, b)
	}
}

func TestNeighborhoodDeterministicAcrossBlocksAndThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2))
	x := randMatrix(rng, 300, 40, 0)
	y := project(rng, x, 2, 2)
	want, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer mat32.SetThreads(0)
	for _, threads := range []int{1, 2, 3} {
		mat32.SetThreads(threads)
		for _, bs := range []int{1, 16, 77, 300} {
			got, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: 10, BlockRows: bs})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("threads %d, block %d: %+v, want %+v", threads, bs, got, want)
			}
		}
	}
}

func TestNeighborhoodWrappers(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2))
	x := randMatrix(rng, 60, 9, 0)
	y := project(rng, x, 2, 1)
	all, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: 4})
	if err != nil {
		t.Fatal(err)
	}
	tr, err1 := Trustworthiness(x, y, 4)
	co, err2 := Continuity(x, y, 4)
	kp, err3 := KNNPreservation(x, y, 4)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if tr != all.Trustworthiness || co != all.Continuity || kp != all.KNNPreservation {
		t.Errorf("wrappers %v %v %v, Neighborhood %+v", tr, co, kp, all)
	}
	// kNN preservation alone accepts k up to n-1.
	if _, err := KNNPreservation(x, y, 59); err != nil {
		t.Errorf("KNNPreservation k = n-1: %v", err)
	}
	// The zero options value means k = DefaultK.
	def, err := Neighborhood(context.Background(), x, y, NeighborOptions{})
	if err != nil || def.K != DefaultK {
		t.Errorf("default k: %+v, %v", def, err)
	}
}

func TestNeighborhoodBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randMatrix(rng, 20, 5, 0)
	y := randMatrix(rng, 20, 2, 0)
	nan := x.Clone()
	nan.Data[3*5+1] = float32(math.NaN())
	nan.Data[7*5] = float32(math.Inf(-1))
	infY := y.Clone()
	infY.Data[9] = float32(math.Inf(1))
	cases := []struct {
		name string
		x, y *mat32.Dense
		k    int
		want string
	}{
		{"k zero", x, y, 0, "k = 0"},
		{"k negative", x, y, -3, "k = -3"},
		{"k half", x, y, 10, "less than n/2 = 10"},
		{"k above half", x, y, 15, "less than n/2"},
		{"size mismatch", x, randMatrix(rng, 19, 2, 0), 3, "input has 20 rows but the embedding has 19"},
		{"nan input", nan, y, 3, "input: 2 NaN/Inf values (first in row 3)"},
		{"inf embedding", x, infY, 3, "embedding: 1 NaN/Inf values (first in row 4)"},
		{"nil input", nil, y, 3, "no input matrix"},
		{"empty embedding", x, &mat32.Dense{}, 3, "embedding has no rows"},
		{"no columns", &mat32.Dense{Rows: 20}, y, 3, "input has no columns"},
		{"ragged", &mat32.Dense{Rows: 20, Cols: 5, Data: make([]float32, 99)}, y, 3, "holds 99 values for 20×5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Trustworthiness(c.x, c.y, c.k)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "metrics: ") {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := KNNPreservation(x, y, 20); err == nil || !strings.Contains(err.Error(), "less than the number of points") {
		t.Errorf("KNNPreservation k = n: %v", err)
	}
}

func TestNeighborhoodCancelAndProgress(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := randMatrix(rng, 100, 12, 0)
	y := project(rng, x, 2, 1)
	var last progress.Update
	calls := 0
	_, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: 3, BlockRows: 30, Progress: func(u progress.Update) { last = u; calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 4 || last.Done != 100 || last.Total != 100 || last.Stage != "neighbourhood" {
		t.Errorf("progress: %d calls, last %+v", calls, last)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Neighborhood(ctx, x, y, NeighborOptions{K: 3}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestNeighborhoodPreservationOnly(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 1))
	x := randMatrix(rng, 50, 12, 0)
	y := project(rng, x, 2, 1)
	full, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: 6})
	if err != nil {
		t.Fatal(err)
	}
	only, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: 6, PreservationOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if only.KNNPreservation != full.KNNPreservation || only.Trustworthiness != 0 || only.Continuity != 0 {
		t.Errorf("preservation only: %+v, full %+v", only, full)
	}
	big, err := Neighborhood(context.Background(), x, y, NeighborOptions{K: 49, PreservationOnly: true})
	if err != nil || big.KNNPreservation != 1 {
		t.Errorf("k = n-1 keeps every other point: %+v, %v", big, err)
	}
}
