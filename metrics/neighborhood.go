package metrics

import (
	"context"
	"fmt"
	"slices"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// DefaultK is the neighbour count used when an options struct leaves K zero.
const DefaultK = 10

// NeighborOptions tune Neighborhood. The zero value uses k = DefaultK and an
// automatic block size.
type NeighborOptions struct {
	// K is the number of neighbours; 0 means DefaultK.
	K int
	// BlockRows is how many rows of pairwise distances are held at once per
	// space; 0 picks about 64 MiB worth. It changes memory and speed, never
	// the result.
	BlockRows int
	// Progress, if not nil, receives the number of rows done (stage
	// "neighbourhood").
	Progress progress.Func
	// PreservationOnly computes kNN preservation alone, leaving
	// Trustworthiness and Continuity zero: k may then be up to n − 1, and
	// the rank counting is skipped.
	PreservationOnly bool
	// Precomputed says that the input x is not data but the n×n matrix of
	// input-space distances (or squared distances, or any increasing
	// function of them: only their order matters), as scikit-learn's
	// metric="precomputed". Its diagonal is ignored; values must be finite
	// and non-negative.
	Precomputed bool
}

// NeighborScores holds the neighbourhood metrics of an embedding; see the
// package documentation for their definitions.
type NeighborScores struct {
	// N is the number of points and K the neighbour count.
	N, K int
	// Trustworthiness is T(k): are the embedding's neighbours true ones?
	Trustworthiness float64
	// Continuity is C(k): are the input's neighbours kept in the embedding?
	Continuity float64
	// KNNPreservation is the mean fraction of the k input neighbours that are
	// among the k embedding neighbours.
	KNNPreservation float64
}

// Neighborhood computes trustworthiness, continuity and kNN preservation of
// the embedding y of the input x (same rows) in one blocked pass. It needs
// 1 ≤ k < n/2 (k < n with PreservationOnly). Memory beyond the inputs is
// two blocks of distance rows, plus a centred copy of a GEMM-route input
// when centring shrinks its norms (see the package documentation).
func Neighborhood(ctx context.Context, x, y *mat32.Dense, opt NeighborOptions) (NeighborScores, error) {
	return neighborhood(ctx, x, y, opt, !opt.PreservationOnly)
}

// Trustworthiness returns T(k) of the embedding y of x, matching
// sklearn.manifold.trustworthiness(x, y, n_neighbors=k). It needs 1 ≤ k < n/2.
func Trustworthiness(x, y *mat32.Dense, k int) (float64, error) {
	if k <= 0 {
		return 0, kError(k)
	}
	r, err := neighborhood(context.Background(), x, y, NeighborOptions{K: k}, true)
	return r.Trustworthiness, err
}

// Continuity returns C(k) of the embedding y of x, which equals
// sklearn.manifold.trustworthiness(y, x, n_neighbors=k). It needs 1 ≤ k < n/2.
func Continuity(x, y *mat32.Dense, k int) (float64, error) {
	if k <= 0 {
		return 0, kError(k)
	}
	r, err := neighborhood(context.Background(), x, y, NeighborOptions{K: k}, true)
	return r.Continuity, err
}

// KNNPreservation returns the mean fraction of each point's k input
// neighbours that are among its k embedding neighbours. It needs 1 ≤ k < n.
func KNNPreservation(x, y *mat32.Dense, k int) (float64, error) {
	if k <= 0 {
		return 0, kError(k)
	}
	r, err := neighborhood(context.Background(), x, y, NeighborOptions{K: k}, false)
	return r.KNNPreservation, err
}

func kError(k int) error {
	return fmt.Errorf("metrics: k = %d: need at least 1 neighbour", k)
}

func neighborhood(ctx context.Context, x, y *mat32.Dense, opt NeighborOptions, ranks bool) (NeighborScores, error) {
	k := opt.K
	if k == 0 {
		k = DefaultK
	}
	if err := checkPair(x, y); err != nil {
		return NeighborScores{}, err
	}
	n := x.Rows
	if opt.Precomputed {
		if x.Cols != n {
			return NeighborScores{}, fmt.Errorf("metrics: a precomputed distance matrix must be square: it is %d×%d", n, x.Cols)
		}
		for j, v := range x.Data {
			if v < 0 {
				return NeighborScores{}, fmt.Errorf("metrics: the precomputed distance matrix holds a negative value, %g at (%d, %d)", v, j/n, j%n)
			}
		}
	}
	switch {
	case k < 0:
		return NeighborScores{}, kError(k)
	case ranks && 2*k >= n:
		return NeighborScores{}, fmt.Errorf("metrics: k = %d must be less than n/2 = %g for trustworthiness and continuity (%d points)", k, float64(n)/2, n)
	case k >= n:
		return NeighborScores{}, fmt.Errorf("metrics: k = %d must be less than the number of points, %d", k, n)
	}
	var sx *space
	if opt.Precomputed {
		sx = newPrecomputed(x)
	} else {
		sx = newSpace(x)
	}
	sy := newSpace(y)
	bs := blockRows(n, opt.BlockRows)
	dx := make([]float32, bs*n)
	dy := make([]float32, bs*n)
	trust := make([]int64, n)
	cont := make([]int64, n)
	kept := make([]int32, n)
	for lo := 0; lo < n; lo += bs {
		if err := ctx.Err(); err != nil {
			return NeighborScores{}, err
		}
		hi := min(lo+bs, n)
		sx.rows(dx, lo, hi)
		sy.rows(dy, lo, hi)
		mat32.Parallel(hi-lo, mat32.Grain(hi-lo, 1), func(a, b int) {
			sc := new(scratch)
			var nx, ny, onlyX, onlyY []cand
			for r := a; r < b; r++ {
				i := lo + r
				rx, ry := dx[r*n:(r+1)*n], dy[r*n:(r+1)*n]
				ny = topK(ny, sc, ry, i, sy, k, nil)
				nx = topK(nx, sc, rx, i, sx, k, nil)
				onlyX, onlyY = difference(onlyX[:0], onlyY[:0], nx, ny)
				kept[i] = int32(k - len(onlyY))
				if !ranks {
					continue
				}
				// Embedding neighbours missing from the input's: their
				// input ranks; and the converse.
				for t := range onlyY {
					onlyY[t].d = sx.exact(i, onlyY[t].idx)
				}
				for t := range onlyX {
					onlyX[t].d = sy.exact(i, onlyX[t].idx)
				}
				trust[i] = rankExcess(sc, rx, i, sx, onlyY, k)
				cont[i] = rankExcess(sc, ry, i, sy, onlyX, k)
			}
		})
		opt.Progress.Report(progress.Update{Stage: "neighbourhood", Done: int64(hi), Total: int64(n)})
	}
	var sumT, sumC, sumK int64
	for i := range n {
		sumT += trust[i]
		sumC += cont[i]
		sumK += int64(kept[i])
	}
	fn, fk := float64(n), float64(k)
	norm := 2 / (fn * fk * (2*fn - 3*fk - 1))
	res := NeighborScores{N: n, K: k, KNNPreservation: float64(sumK) / (fn * fk)}
	if ranks {
		res.Trustworthiness = 1 - float64(sumT)*norm
		res.Continuity = 1 - float64(sumC)*norm
	}
	return res, nil
}

// difference returns the members of a not in b and those of b not in a
// (by index), appended to da and db.
func difference(da, db, a, b []cand) ([]cand, []cand) {
	inA, inB := member(a), member(b)
	for _, c := range a {
		if !inB(c.idx) {
			da = append(da, c)
		}
	}
	for _, c := range b {
		if !inA(c.idx) {
			db = append(db, c)
		}
	}
	return da, db
}

// member returns a membership test for the indices of s.
func member(s []cand) func(int) bool {
	if len(s) <= 32 {
		return func(idx int) bool {
			for _, c := range s {
				if c.idx == idx {
					return true
				}
			}
			return false
		}
	}
	ids := make([]int, len(s))
	for i, c := range s {
		ids[i] = c.idx
	}
	slices.Sort(ids)
	return func(idx int) bool {
		_, ok := slices.BinarySearch(ids, idx)
		return ok
	}
}
