package metrics

import (
	"context"
	"fmt"
	"math"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// DefaultFolds is the number of cross-validation folds used when
// KNNAccuracyOptions leaves Folds zero.
const DefaultFolds = 5

// foldStream is the dataset.NewRand stream that draws folds.
const foldStream = 31

// KNNAccuracyOptions tune KNNAccuracy. The zero value classifies with
// k = DefaultK over DefaultFolds folds drawn with seed 0.
type KNNAccuracyOptions struct {
	// K is the number of neighbours that vote; 0 means DefaultK.
	K int
	// Folds is the number of cross-validation folds; 0 means DefaultFolds.
	Folds int
	// Seed draws the folds (see StratifiedFolds).
	Seed uint64
	// Fold, when not nil, gives the fold (0, 1, …) of every row and
	// overrides Folds and Seed; it is read only for labelled rows.
	Fold []int
	// BlockRows is as in NeighborOptions (used above 8 columns).
	BlockRows int
	// Progress, if not nil, receives the number of rows classified (stage
	// "knn accuracy").
	Progress progress.Func
}

// KNNAccuracyResult is the outcome of a cross-validated k-NN classification.
type KNNAccuracyResult struct {
	// N is the number of labelled rows, K the neighbour count.
	N, K int
	// Mean and Std are the mean and population standard deviation of
	// FoldAccuracy.
	Mean, Std float64
	// FoldAccuracy is the fraction of each fold's rows classified right.
	FoldAccuracy []float64
}

// StratifiedFolds assigns each labelled row to one of folds folds, stratified
// by class: the rows of each class, in a seeded random order, are dealt out
// in turn after those of the classes before it (classes in order of first
// appearance), so each fold gets ⌊n_c/F⌋ or ⌈n_c/F⌉ rows of class c and the
// fold sizes differ by at most one. The per-fold class counts equal
// scikit-learn's StratifiedKFold's; the choice of rows does not. Rows
// labelled dataset.NoLabel get fold −1. Every class needs at least folds rows.
func StratifiedFolds(labels []int, folds int, seed uint64) ([]int, error) {
	if folds < 2 {
		return nil, fmt.Errorf("metrics: %d folds: need at least 2", folds)
	}
	if _, err := checkLabels(labels, len(labels)); err != nil {
		return nil, err
	}
	var order []int // classes by first appearance
	members := map[int][]int{}
	for i, l := range labels {
		if l == dataset.NoLabel {
			continue
		}
		if _, ok := members[l]; !ok {
			order = append(order, l)
		}
		members[l] = append(members[l], i)
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("metrics: no labelled rows")
	}
	for _, c := range order {
		if m := len(members[c]); m < folds {
			return nil, fmt.Errorf("metrics: class %d has %d labelled rows, fewer than the %d folds", c, m, folds)
		}
	}
	rng := dataset.NewRand(seed, foldStream)
	out := make([]int, len(labels))
	for i := range out {
		out[i] = -1
	}
	p := 0
	for _, c := range order {
		m := members[c]
		rng.Shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
		for _, i := range m {
			out[i] = p % folds
			p++
		}
	}
	return out, nil
}

// KNNAccuracy estimates how well classes separate in x: the accuracy of a
// k-nearest-neighbour classifier (uniform vote, ties to the smallest label)
// under stratified cross-validation. Rows labelled dataset.NoLabel are left
// out. Up to 8 columns the neighbours come from a k-d tree per fold; above,
// from blocked GEMM distance rows. Ties in distance go to the smaller row
// index. The result depends only on the data, labels, k and folds.
func KNNAccuracy(ctx context.Context, x *mat32.Dense, labels []int, opt KNNAccuracyOptions) (KNNAccuracyResult, error) {
	k := opt.K
	if k == 0 {
		k = DefaultK
	}
	nf := opt.Folds
	if nf == 0 {
		nf = DefaultFolds
	}
	if err := checkMatrix("data", x); err != nil {
		return KNNAccuracyResult{}, err
	}
	if _, err := checkLabels(labels, x.Rows); err != nil {
		return KNNAccuracyResult{}, err
	}
	if k < 0 {
		return KNNAccuracyResult{}, kError(k)
	}
	fold := opt.Fold
	if fold == nil {
		var err error
		if fold, err = StratifiedFolds(labels, nf, opt.Seed); err != nil {
			return KNNAccuracyResult{}, err
		}
	} else if len(fold) != x.Rows {
		return KNNAccuracyResult{}, fmt.Errorf("metrics: %d fold numbers for %d rows", len(fold), x.Rows)
	}
	xl, lab, idx := labelled(x, labels)
	n := len(idx)
	if n == 0 {
		return KNNAccuracyResult{}, fmt.Errorf("metrics: no labelled rows")
	}
	grp := make([]int32, n)
	nf = 0
	for j, i := range idx {
		f := fold[i]
		if f < 0 || f >= n {
			return KNNAccuracyResult{}, fmt.Errorf("metrics: row %d: fold %d out of range", i, f)
		}
		grp[j] = int32(f)
		nf = max(nf, f+1)
	}
	size := make([]int, nf)
	for _, f := range grp {
		size[f]++
	}
	if nf < 2 {
		return KNNAccuracyResult{}, fmt.Errorf("metrics: %d folds: need at least 2", nf)
	}
	for f, s := range size {
		if s == 0 {
			return KNNAccuracyResult{}, fmt.Errorf("metrics: fold %d has no labelled rows", f)
		}
		if n-s < k {
			return KNNAccuracyResult{}, fmt.Errorf("metrics: k = %d exceeds the %d training rows of fold %d", k, n-s, f)
		}
	}
	classes := 0
	for _, l := range lab {
		classes = max(classes, l+1)
	}
	right := make([]bool, n)
	var err error
	if xl.Cols <= directMaxDim {
		err = knnTree(ctx, xl, lab, grp, nf, k, classes, right, opt.Progress)
	} else {
		err = knnBlocks(ctx, xl, lab, grp, k, classes, right, opt.BlockRows, opt.Progress)
	}
	if err != nil {
		return KNNAccuracyResult{}, err
	}
	res := KNNAccuracyResult{N: n, K: k, FoldAccuracy: make([]float64, nf)}
	for j, ok := range right {
		if ok {
			res.FoldAccuracy[grp[j]]++
		}
	}
	for f := range res.FoldAccuracy {
		res.FoldAccuracy[f] /= float64(size[f])
		res.Mean += res.FoldAccuracy[f]
	}
	res.Mean /= float64(nf)
	for _, a := range res.FoldAccuracy {
		res.Std += (a - res.Mean) * (a - res.Mean)
	}
	res.Std = math.Sqrt(res.Std / float64(nf))
	return res, nil
}

// vote returns the label most common among the neighbours, the smallest on
// a tie; counts is a zeroed work slice of one entry per class, left zeroed.
func vote(nb []cand, lab []int, counts []int) int {
	best, bestN := -1, 0
	for _, c := range nb {
		l := lab[c.idx]
		counts[l]++
		if counts[l] > bestN || counts[l] == bestN && l < best {
			best, bestN = l, counts[l]
		}
	}
	for _, c := range nb {
		counts[lab[c.idx]] = 0
	}
	return best
}

// treeChunk is how many test rows are classified between checks of the
// context.
const treeChunk = 8192

func knnTree(ctx context.Context, x *mat32.Dense, lab []int, grp []int32, nf, k, classes int, right []bool, prog progress.Func) error {
	n := x.Rows
	done := 0
	for f := int32(0); f < int32(nf); f++ {
		var train, test []int
		for j, g := range grp {
			if g == f {
				test = append(test, j)
			} else {
				train = append(train, j)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		tree := newKDTree(x.Data, x.Cols, train)
		for lo := 0; lo < len(test); lo += treeChunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			part := test[lo:min(lo+treeChunk, len(test))]
			mat32.Parallel(len(part), mat32.Grain(len(part), 64), func(a, b int) {
				counts := make([]int, classes)
				var nb, h []cand
				for _, j := range part[a:b] {
					nb, h = tree.knn(nb, h, x.Row(j), k, -1)
					right[j] = vote(nb, lab, counts) == lab[j]
				}
			})
			done += len(part)
			prog.Report(progress.Update{Stage: "knn accuracy", Done: int64(done), Total: int64(n)})
		}
	}
	return nil
}

func knnBlocks(ctx context.Context, x *mat32.Dense, lab []int, grp []int32, k, classes int, right []bool, block int, prog progress.Func) error {
	n := x.Rows
	s := newSpace(x)
	bs := blockRows(n, block)
	buf := make([]float32, bs*n)
	for lo := 0; lo < n; lo += bs {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+bs, n)
		s.rows(buf, lo, hi)
		mat32.Parallel(hi-lo, mat32.Grain(hi-lo, 1), func(a, b int) {
			sc := new(scratch)
			counts := make([]int, classes)
			var nb []cand
			for r := a; r < b; r++ {
				i := lo + r
				nb = topK(nb, sc, buf[r*n:(r+1)*n], i, s, k, grp)
				right[i] = vote(nb, lab, counts) == lab[i]
			}
		})
		prog.Report(progress.Update{Stage: "knn accuracy", Done: int64(hi), Total: int64(n)})
	}
	return nil
}
