package metrics

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

func TestSilhouetteAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, c := range []struct {
		name       string
		n, d       int
		classes    int
		unlabelled float64
		levels     int
		tol        float64
	}{
		{"direct", 150, 2, 3, 0, 0, 1e-13},
		{"direct-unlabelled", 150, 3, 4, 0.2, 0, 1e-13},
		{"direct-duplicates", 120, 2, 3, 0, 1, 1e-13},
		{"gemm", 130, 20, 3, 0.1, 0, 1e-5},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := randMatrix(rng, c.n, c.d, c.levels)
			labels := randLabels(rng, c.n, c.classes, c.unlabelled)
			want := refSilhouette(x, labels)
			got, err := SilhouetteSamples(context.Background(), nil, x, labels, nil)
			if err != nil {
				t.Fatal(err)
			}
			var mean float64
			cnt := 0
			for i := range want {
				if math.IsNaN(want[i]) != math.IsNaN(got[i]) || math.Abs(got[i]-want[i]) > c.tol {
					t.Fatalf("row %d: %v, want %v", i, got[i], want[i])
				}
				if !math.IsNaN(want[i]) {
					mean += want[i]
					cnt++
				}
			}
			s, err := Silhouette(context.Background(), x, labels, SilhouetteOptions{BlockRows: 9})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s-mean/float64(cnt)) > c.tol {
				t.Errorf("score %v, want %v", s, mean/float64(cnt))
			}
		})
	}
}

func TestSilhouetteSingletonAndDuplicates(t *testing.T) {
	x := mat32.FromRows([][]float32{{0, 0}, {0, 0}, {5, 5}, {9, 9}})
	// Cluster 1 is a singleton: its row scores 0. Rows 0 and 1 coincide
	// and have a = 0: score 1.
	got, err := SilhouetteSamples(context.Background(), nil, x, []int{0, 0, 1, 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 1, 0, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %v, want %v", i, got[i], want[i])
		}
	}
	// All points equal: a = b = 0, every score 0 (scikit-learn's nan → 0).
	same := mat32.New(4, 3)
	s, err := Silhouette(context.Background(), same, []int{0, 0, 1, 1}, SilhouetteOptions{})
	if err != nil || s != 0 {
		t.Errorf("identical points: %v, %v", s, err)
	}
}

func TestSilhouetteSampling(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 7))
	x := randMatrix(rng, 300, 2, 0)
	labels := randLabels(rng, 300, 3, 0)
	for i := range labels {
		if x.At(i, 0) > 0 {
			labels[i] = 0
		}
	}
	full, _ := Silhouette(context.Background(), x, labels, SilhouetteOptions{})
	a, err := Silhouette(context.Background(), x, labels, SilhouetteOptions{SampleSize: 120, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Silhouette(context.Background(), x, labels, SilhouetteOptions{SampleSize: 120, Seed: 4})
	c, _ := Silhouette(context.Background(), x, labels, SilhouetteOptions{SampleSize: 120, Seed: 5})
	if a != b {
		t.Errorf("same seed: %v vs %v", a, b)
	}
	if a == c {
		t.Errorf("different seeds gave the same sample score %v", a)
	}
	// The sample score is that of the sampled rows.
	idx := dataset.SampleIndices(300, 120, 4)
	sl := make([]int, len(idx))
	for k, i := range idx {
		sl[k] = labels[i]
	}
	want, _ := Silhouette(context.Background(), mat32.Gather(nil, x, idx), sl, SilhouetteOptions{})
	if a != want {
		t.Errorf("sampled score %v, score of the sample %v", a, want)
	}
	if all, _ := Silhouette(context.Background(), x, labels, SilhouetteOptions{SampleSize: 300}); all != full {
		t.Errorf("sample of every row: %v, want %v", all, full)
	}
}

func TestSilhouetteBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randMatrix(rng, 10, 2, 0)
	one := make([]int, 10)
	each := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	nan := x.Clone()
	nan.Data[5] = float32(math.Inf(1))
	for _, c := range []struct {
		name   string
		x      *mat32.Dense
		labels []int
		opt    SilhouetteOptions
		want   string
	}{
		{"one cluster", x, one, SilhouetteOptions{}, "needs 2 to 9 classes among 10 labelled rows, got 1"},
		{"one per row", x, each, SilhouetteOptions{}, "among 10 labelled rows, got 10"},
		{"one cluster in sample", x, []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, SilhouetteOptions{SampleSize: 2, Seed: 1}, "needs at least 3 labelled rows, got 2"},
		{"one class in sample", x, []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, SilhouetteOptions{SampleSize: 4, Seed: 0}, "needs 2 to 3 classes among 4 labelled rows, got 1"},
		{"negative sample", x, each, SilhouetteOptions{SampleSize: -1}, "sample size -1"},
		{"short labels", x, one[:4], SilhouetteOptions{}, "4 labels for 10 rows"},
		{"inf", nan, each, SilhouetteOptions{}, "data: 1 NaN/Inf values (first in row 2)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Silhouette(context.Background(), c.x, c.labels, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, d := range []int{2, 12} {
		xx := randMatrix(rng, 50, d, 0)
		if _, err := Silhouette(ctx, xx, randLabels(rng, 50, 3, 0), SilhouetteOptions{}); !errors.Is(err, context.Canceled) {
			t.Errorf("d %d: cancelled: %v", d, err)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "metrics: SilhouetteSamples: dst") {
			t.Errorf("dst of the wrong length: panic %v", r)
		}
	}()
	SilhouetteSamples(context.Background(), make([]float64, 3), x, each[:10], nil)
}

func TestReconstructionBasics(t *testing.T) {
	x := mat32.FromRows([][]float32{{0, 1}, {1, 0.5}})
	p := mat32.FromRows([][]float32{{0, 1}, {0.5, 0.5}})
	mse, err := MSE(x, p)
	if err != nil || mse != 0.0625 {
		t.Errorf("MSE %v, %v; want 0.0625", mse, err)
	}
	rows, _ := MSERows(nil, x, p)
	if rows[0] != 0 || rows[1] != 0.125 {
		t.Errorf("MSE rows %v", rows)
	}
	// A certain and right prediction costs nothing; a certain and wrong one
	// costs the clip, 100 nats.
	b, err := BCE(mat32.FromRows([][]float32{{1, 0}}), mat32.FromRows([][]float32{{1, 0}}))
	if err != nil || b != 0 {
		t.Errorf("BCE of a perfect prediction: %v, %v", b, err)
	}
	b, _ = BCE(mat32.FromRows([][]float32{{1, 0}}), mat32.FromRows([][]float32{{0, 1}}))
	if b != 100 {
		t.Errorf("BCE of a certain wrong prediction: %v, want 100", b)
	}
}

func TestReconstructionBadInput(t *testing.T) {
	x := mat32.FromRows([][]float32{{0, 1}, {1, 0.5}})
	for _, c := range []struct {
		name string
		f    func() error
		want string
	}{
		{"shape", func() error { _, err := MSE(x, mat32.New(2, 3)); return err }, "the data is 2×2 but the reconstruction is 2×3"},
		{"rows", func() error { _, err := BCE(x, mat32.New(3, 2)); return err }, "reconstruction is 3×2"},
		{"nan", func() error {
			p := x.Clone()
			p.Data[3] = float32(math.NaN())
			_, err := MSE(x, p)
			return err
		}, "reconstruction: 1 NaN/Inf values (first in row 1)"},
		{"probability above 1", func() error {
			p := x.Clone()
			p.Data[2] = 1.5
			_, err := BCE(x, p)
			return err
		}, "reconstruction: 1 values outside [0, 1] (first in row 1)"},
		{"target below 0", func() error {
			t := x.Clone()
			t.Data[0] = -0.1
			_, err := BCE(t, x)
			return err
		}, "data: 1 values outside [0, 1] (first in row 0)"},
		{"empty", func() error { _, err := MSE(&mat32.Dense{}, &mat32.Dense{}); return err }, "data has no rows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.f()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "metrics: MSERows: dst") {
			t.Errorf("dst of the wrong length: panic %v", r)
		}
	}()
	MSERows(make([]float64, 5), x, x)
}
