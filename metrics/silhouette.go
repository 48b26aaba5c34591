package metrics

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// closePair is the fraction of ‖x_i‖² + ‖x_l‖² below which a GEMM squared
// distance is recomputed exactly for the silhouette.
const closePair = 0x1p-6

// SilhouetteOptions tune Silhouette. The zero value scores every row.
type SilhouetteOptions struct {
	// SampleSize, when > 0 and below the number of labelled rows, scores
	// that many rows drawn uniformly without replacement (the rows' clusters
	// are then the sampled rows only, as in scikit-learn's sample_size).
	SampleSize int
	// Seed draws the sample.
	Seed uint64
	// BlockRows is as in NeighborOptions (used above 8 columns).
	BlockRows int
	// Progress, if not nil, receives the number of rows scored (stage
	// "silhouette").
	Progress progress.Func
}

// Silhouette returns the mean silhouette coefficient of the clusters given by
// labels in x (euclidean), as sklearn.metrics.silhouette_score does; rows
// labelled dataset.NoLabel are left out. It needs 2 ≤ clusters ≤ rows − 1.
// Time is O(n²·d), memory O(block·n).
func Silhouette(ctx context.Context, x *mat32.Dense, labels []int, opt SilhouetteOptions) (float64, error) {
	if err := checkMatrix("data", x); err != nil {
		return 0, err
	}
	if _, err := checkLabels(labels, x.Rows); err != nil {
		return 0, err
	}
	if opt.SampleSize < 0 {
		return 0, fmt.Errorf("metrics: silhouette sample size %d is negative", opt.SampleSize)
	}
	xl, lab, _ := labelled(x, labels)
	if opt.SampleSize > 0 && opt.SampleSize < len(lab) {
		idx := dataset.SampleIndices(len(lab), opt.SampleSize, opt.Seed)
		sl := make([]int, len(idx))
		for k, i := range idx {
			sl[k] = lab[i]
		}
		xl, lab = mat32.Gather(nil, xl, idx), sl
	}
	s, err := silhouetteSamples(ctx, nil, xl, lab, opt.BlockRows, opt.Progress)
	if err != nil {
		return 0, err
	}
	var sum float64
	for _, v := range s {
		sum += v
	}
	return sum / float64(len(s)), nil
}

// SilhouetteSamples writes the silhouette coefficient of every row of x into
// dst (length x.Rows; allocated when empty) and returns it; rows labelled
// dataset.NoLabel get NaN and take no part. It panics if dst has another
// non-zero length.
func SilhouetteSamples(ctx context.Context, dst []float64, x *mat32.Dense, labels []int, prog progress.Func) ([]float64, error) {
	if err := checkMatrix("data", x); err != nil {
		return nil, err
	}
	if len(dst) != 0 && len(dst) != x.Rows {
		panic(fmt.Sprintf("metrics: SilhouetteSamples: dst has length %d, want %d", len(dst), x.Rows))
	}
	if _, err := checkLabels(labels, x.Rows); err != nil {
		return nil, err
	}
	if len(dst) == 0 {
		dst = make([]float64, x.Rows)
	}
	xl, lab, idx := labelled(x, labels)
	if len(idx) == x.Rows {
		return silhouetteSamples(ctx, dst, xl, lab, 0, prog)
	}
	s, err := silhouetteSamples(ctx, nil, xl, lab, 0, prog)
	if err != nil {
		return nil, err
	}
	for i := range dst {
		dst[i] = math.NaN()
	}
	for k, i := range idx {
		dst[i] = s[k]
	}
	return dst, nil
}

// silhouetteSamples scores every row of x, all labelled.
func silhouetteSamples(ctx context.Context, dst []float64, x *mat32.Dense, lab []int, block int, prog progress.Func) ([]float64, error) {
	n := x.Rows
	// Clusters are the labels present, renumbered densely.
	dense := map[int]int32{}
	cl := make([]int32, n)
	var size []float64
	for i, l := range lab {
		c, ok := dense[l]
		if !ok {
			c = int32(len(size))
			dense[l] = c
			size = append(size, 0)
		}
		cl[i] = c
		size[c]++
	}
	if n < 3 {
		return nil, fmt.Errorf("metrics: silhouette needs at least 3 labelled rows, got %d", n)
	}
	if nc := len(size); nc < 2 || nc > n-1 {
		return nil, fmt.Errorf("metrics: silhouette needs 2 to %d classes among %d labelled rows, got %d", n-1, n, nc)
	}
	if dst == nil {
		dst = make([]float64, n)
	}
	nc := len(size)
	score := func(i int, sum []float64) {
		own := cl[i]
		if size[own] < 2 {
			dst[i] = 0
			return
		}
		a := sum[own] / (size[own] - 1)
		b := math.Inf(1)
		for c, s := range sum {
			if int32(c) != own {
				b = min(b, s/size[c])
			}
		}
		if m := max(a, b); m > 0 {
			dst[i] = (b - a) / m
		} else {
			dst[i] = 0
		}
	}
	if x.Cols <= directMaxDim {
		return silhouetteDirect(ctx, dst, x, cl, size, score, prog)
	}
	s := newSpace(x)
	bs := blockRows(n, block)
	buf := make([]float32, bs*n)
	for lo := 0; lo < n; lo += bs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+bs, n)
		s.rows(buf, lo, hi)
		mat32.Parallel(hi-lo, mat32.Grain(hi-lo, 1), func(a, b int) {
			sum := make([]float64, nc)
			for r := a; r < b; r++ {
				i := lo + r
				clear(sum)
				ni := float64(s.norms[i])
				for l, v := range buf[r*n : (r+1)*n] {
					if l == i {
						continue
					}
					d := float64(v)
					if d < closePair*(ni+float64(s.norms[l])) {
						// The expansion's cancellation dominates close
						// pairs (and sqrt magnifies it): recompute.
						d = s.exact(i, l)
					}
					sum[cl[l]] += math.Sqrt(d)
				}
				score(i, sum)
			}
		})
		prog.Report(progress.Update{Stage: "silhouette", Done: int64(hi), Total: int64(n)})
	}
	return dst, nil
}

// silhouetteDirect scores the rows of a low-dimensional x. The points are
// copied to float64 grouped by cluster, so that each row's distance sum to a
// cluster runs over a contiguous segment in four independent partial sums
// (fixed order, so deterministic). A row's distance to itself is exactly 0
// and adds nothing.
func silhouetteDirect(ctx context.Context, dst []float64, x *mat32.Dense, cl []int32, size []float64, score func(int, []float64), prog progress.Func) ([]float64, error) {
	n, d := x.Rows, x.Cols
	nc := len(size)
	start := make([]int, nc+1)
	for _, c := range cl {
		start[c+1]++
	}
	for c := range nc {
		start[c+1] += start[c]
	}
	pos := slices.Clone(start[:nc])
	pts := make([]float64, n*d)
	for i, c := range cl {
		j := pos[c]
		pos[c]++
		for k := range d {
			pts[j*d+k] = float64(x.Data[i*d+k])
		}
	}
	const chunk = 2048
	for lo := 0; lo < n; lo += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+chunk, n)
		mat32.Parallel(hi-lo, mat32.Grain(hi-lo, 8), func(a, b int) {
			sum := make([]float64, nc)
			q := make([]float64, d)
			for i := lo + a; i < lo+b; i++ {
				for k := range d {
					q[k] = float64(x.Data[i*d+k])
				}
				for c := range nc {
					seg := pts[start[c]*d : start[c+1]*d]
					if d == 2 {
						sum[c] = segSum2(seg, q[0], q[1])
					} else {
						sum[c] = segSum(seg, q)
					}
				}
				score(i, sum)
			}
		})
		prog.Report(progress.Update{Stage: "silhouette", Done: int64(hi), Total: int64(n)})
	}
	return dst, nil
}

// segSum2 returns Σ_j ‖p_j − q‖ over the 2-D points p of seg, with the
// distance computed as sqDist64 does.
func segSum2(seg []float64, q0, q1 float64) float64 {
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+8 <= len(seg); j += 8 {
		p := seg[j : j+8 : j+8]
		a0, a1 := p[0]-q0, p[1]-q1
		b0, b1 := p[2]-q0, p[3]-q1
		c0, c1 := p[4]-q0, p[5]-q1
		d0, d1 := p[6]-q0, p[7]-q1
		s0 += math.Sqrt(float64(a0*a0) + float64(a1*a1))
		s1 += math.Sqrt(float64(b0*b0) + float64(b1*b1))
		s2 += math.Sqrt(float64(c0*c0) + float64(c1*c1))
		s3 += math.Sqrt(float64(d0*d0) + float64(d1*d1))
	}
	for ; j < len(seg); j += 2 {
		a0, a1 := seg[j]-q0, seg[j+1]-q1
		s0 += math.Sqrt(float64(a0*a0) + float64(a1*a1))
	}
	return (s0 + s1) + (s2 + s3)
}

// segSum returns Σ_j ‖p_j − q‖ over the len(q)-dimensional points of seg.
func segSum(seg, q []float64) float64 {
	d := len(q)
	var s float64
	for j := 0; j < len(seg); j += d {
		p := seg[j : j+d : j+d]
		var t float64
		for k, v := range q {
			u := p[k] - v
			t += float64(u * u)
		}
		s += math.Sqrt(t)
	}
	return s
}
