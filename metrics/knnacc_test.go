package metrics

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// randLabels returns n labels in [0, classes), with about frac of them
// NoLabel.
func randLabels(rng *rand.Rand, n, classes int, frac float64) []int {
	l := make([]int, n)
	for i := range l {
		l[i] = rng.IntN(classes)
		if rng.Float64() < frac {
			l[i] = dataset.NoLabel
		}
	}
	return l
}

func TestKNNAccuracyAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	for _, c := range []struct {
		name          string
		n, d, k, f    int
		levels, block int
		unlabelled    float64
	}{
		{"tree-2d", 200, 2, 5, 5, 0, 0, 0},
		{"tree-ties", 200, 2, 7, 4, 1, 0, 0},
		{"tree-3d-unlabelled", 180, 3, 3, 3, 2, 0, 0.2},
		{"tree-1d", 100, 1, 4, 5, 3, 0, 0},
		{"gemm", 160, 20, 5, 5, 0, 0, 0},
		{"gemm-ties-blocked", 160, 12, 6, 4, 1, 23, 0.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := randMatrix(rng, c.n, c.d, c.levels)
			labels := randLabels(rng, c.n, 3, c.unlabelled)
			// Let the labels follow the data a little, so the accuracy is
			// not chance.
			for i := range labels {
				if labels[i] != dataset.NoLabel && x.At(i, 0) > 0.5 {
					labels[i] = 2
				}
			}
			fold, err := StratifiedFolds(labels, c.f, 9)
			if err != nil {
				t.Fatal(err)
			}
			got, err := KNNAccuracy(context.Background(), x, labels, KNNAccuracyOptions{K: c.k, Folds: c.f, Seed: 9, BlockRows: c.block})
			if err != nil {
				t.Fatal(err)
			}
			want := refKNNAccuracy(x, labels, fold, c.k)
			if !slices.Equal(got.FoldAccuracy, want) {
				t.Errorf("fold accuracy %v, brute force %v", got.FoldAccuracy, want)
			}
			labelledRows := 0
			for _, l := range labels {
				if l != dataset.NoLabel {
					labelledRows++
				}
			}
			if got.N != labelledRows || got.K != c.k || len(got.FoldAccuracy) != c.f {
				t.Errorf("N %d K %d folds %d", got.N, got.K, len(got.FoldAccuracy))
			}
			var mean float64
			for _, a := range want {
				mean += a
			}
			mean /= float64(len(want))
			if math.Abs(got.Mean-mean) > 1e-15 {
				t.Errorf("mean %v, want %v", got.Mean, mean)
			}
		})
	}
}

func TestKDTreeAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, d := range []int{1, 2, 3, 8} {
		for _, levels := range []int{0, 1} {
			x := randMatrix(rng, 500, d, levels)
			var sub []int
			for i := 0; i < 500; i += 1 + i%3 {
				sub = append(sub, i)
			}
			tree := newKDTree(x.Data, d, slices.Clone(sub))
			var nb, h []cand
			for q := 0; q < 500; q += 7 {
				k := 1 + q%17
				skip := -1
				if q%2 == 0 {
					skip = sub[q%len(sub)]
				}
				var want []cand
				for _, i := range sub {
					if i != skip {
						want = append(want, cand{sqDist64(x.Row(q), x.Row(i)), i})
					}
				}
				slices.SortFunc(want, cmpCand)
				nb, h = tree.knn(nb, h, x.Row(q), k, skip)
				if !slices.Equal(nb, want[:k]) {
					t.Fatalf("d %d levels %d query %d k %d: %v, want %v", d, levels, q, k, nb, want[:k])
				}
			}
		}
	}
}

func TestStratifiedFolds(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	labels := randLabels(rng, 1003, 7, 0.05)
	labels[0] = 6 // class 6 appears first
	f, err := StratifiedFolds(labels, 5, 42)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[[2]int]int{}
	sizes := make([]int, 5)
	classN := map[int]int{}
	for i, l := range labels {
		if l == dataset.NoLabel {
			if f[i] != -1 {
				t.Fatalf("unlabelled row %d in fold %d", i, f[i])
			}
			continue
		}
		counts[[2]int{l, f[i]}]++
		sizes[f[i]]++
		classN[l]++
	}
	if slices.Max(sizes)-slices.Min(sizes) > 1 {
		t.Errorf("fold sizes %v differ by more than one", sizes)
	}
	for c, m := range classN {
		for fo := 0; fo < 5; fo++ {
			if got := counts[[2]int{c, fo}]; got != m/5 && got != m/5+1 {
				t.Errorf("class %d (%d rows) has %d rows in fold %d", c, m, got, fo)
			}
		}
	}
	again, _ := StratifiedFolds(labels, 5, 42)
	other, _ := StratifiedFolds(labels, 5, 43)
	if !slices.Equal(f, again) {
		t.Error("same seed, different folds")
	}
	if slices.Equal(f, other) {
		t.Error("different seeds, same folds")
	}
}

func TestStratifiedFoldsMatchScikitLearnCounts(t *testing.T) {
	// scikit-learn's StratifiedKFold gives each fold the class counts of
	// every F-th row of the labels sorted by first appearance; so do we.
	fx := loadFixture(t)
	ours, err := StratifiedFolds(fx.label, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	count := func(fold []int) map[[2]int]int {
		m := map[[2]int]int{}
		for i, l := range fx.label {
			m[[2]int{l, fold[i]}]++
		}
		return m
	}
	a, b := count(ours), count(fx.fold)
	for key, v := range b {
		if a[key] != v {
			t.Errorf("class %d fold %d: %d rows, scikit-learn %d", key[0], key[1], a[key], v)
		}
	}
}

func TestKNNAccuracyDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	x := randMatrix(rng, 400, 2, 0)
	labels := randLabels(rng, 400, 4, 0)
	defer mat32.SetThreads(0)
	var first KNNAccuracyResult
	for i, threads := range []int{1, 2, 4} {
		mat32.SetThreads(threads)
		r, err := KNNAccuracy(context.Background(), x, labels, KNNAccuracyOptions{Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = r
		} else if !slices.Equal(r.FoldAccuracy, first.FoldAccuracy) || r.Mean != first.Mean || r.Std != first.Std {
			t.Fatalf("threads %d: %+v, want %+v", threads, r, first)
		}
	}
}

func TestKNNAccuracyBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	x := randMatrix(rng, 30, 2, 0)
	labels := randLabels(rng, 30, 2, 0)
	few := slices.Clone(labels)
	few[0], few[1] = 5, 5
	negative := slices.Clone(labels)
	negative[4] = -2
	none := make([]int, 30)
	for i := range none {
		none[i] = dataset.NoLabel
	}
	nan := x.Clone()
	nan.Data[11] = float32(math.NaN())
	for _, c := range []struct {
		name   string
		x      *mat32.Dense
		labels []int
		opt    KNNAccuracyOptions
		want   string
	}{
		{"labels short", x, labels[:29], KNNAccuracyOptions{}, "29 labels for 30 rows"},
		{"class too small", x, few, KNNAccuracyOptions{Folds: 3}, "class 5 has 2 labelled rows, fewer than the 3 folds"},
		{"one fold", x, labels, KNNAccuracyOptions{Folds: 1}, "1 folds: need at least 2"},
		{"negative k", x, labels, KNNAccuracyOptions{K: -1}, "k = -1"},
		{"k too large", x, labels, KNNAccuracyOptions{K: 25, Folds: 5}, "k = 25 exceeds the 24 training rows"},
		{"bad label", x, negative, KNNAccuracyOptions{}, "row 4: label -2"},
		{"no labels", x, none, KNNAccuracyOptions{}, "no labelled rows"},
		{"nan", nan, labels, KNNAccuracyOptions{}, "data: 1 NaN/Inf values (first in row 5)"},
		{"fold length", x, labels, KNNAccuracyOptions{Fold: make([]int, 3)}, "3 fold numbers for 30 rows"},
		{"single fold given", x, labels, KNNAccuracyOptions{Fold: make([]int, 30)}, "1 folds"},
		{"empty fold given", x, labels, KNNAccuracyOptions{Fold: func() []int {
			f := make([]int, 30)
			for i := range f {
				f[i] = 2 * (i % 2)
			}
			return f
		}()}, "fold 1 has no labelled rows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := KNNAccuracy(context.Background(), c.x, c.labels, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestKNNAccuracyCancelAndProgress(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, d := range []int{2, 10} {
		x := randMatrix(rng, 100, d, 0)
		labels := randLabels(rng, 100, 2, 0)
		var last progress.Update
		if _, err := KNNAccuracy(context.Background(), x, labels, KNNAccuracyOptions{Progress: func(u progress.Update) { last = u }}); err != nil {
			t.Fatal(err)
		}
		if last.Done != 100 || last.Total != 100 || last.Stage != "knn accuracy" {
			t.Errorf("d %d: last progress %+v", d, last)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := KNNAccuracy(ctx, x, labels, KNNAccuracyOptions{}); !errors.Is(err, context.Canceled) {
			t.Errorf("d %d: cancelled: %v", d, err)
		}
	}
}
