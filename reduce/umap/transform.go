package umap

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/umap/internal/lanes"
)

// Epochs of a transform when the fit used the default number: more for a
// small batch of new points, as umap-learn does.
const (
	TransformEpochsSmall = 100
	TransformEpochsLarge = 30
)

// transformEpochs returns the number of epochs a transform of q rows runs:
// a third of the fit's epochs when they were given, else 100 for up to
// SmallData rows and 30 above (umap-learn's rule).
func (u *UMAP) transformEpochs(q int) int {
	if u.epochsGiven {
		return max(1, u.opt.Epochs/3)
	}
	if q <= SmallData {
		return TransformEpochsSmall
	}
	return TransformEpochsLarge
}

// Transform embeds new rows x into the fitted embedding and writes their
// coordinates into dst (x.Rows×Components; allocated if nil or empty),
// which it returns. The training embedding does not move. As umap-learn's
// transform: each new row's Neighbors nearest training rows get fuzzy
// memberships (with local connectivity reduced by one), the row starts at
// the membership-weighted mean of their embeddings, and an SGD with a
// quarter of the learning rate pulls it towards them and pushes it away
// from random training points, for a third of the fit's epochs (or 100, or
// 30 for more than 10,000 rows, when the fit used the default).
//
// Each new row is embedded independently of the others, so the result for
// a row does not depend on the thread count, on the order of the rows, or
// on the other rows of its batch, except through the epoch rule above
// (batches of up to 10,000 rows and larger ones differ after a default
// fit). Two deviations from umap-learn serve this: an edge of weight w is
// sampled every 1/w epochs (umap-learn: max/w, max the batch's largest
// weight, close to 1 for all but tiny batches), and σ's floor is scaled
// by the training rows' mean neighbour distance (umap-learn: the batch's).
//
// Bad input is an error: a column count other than the training data's,
// NaN or ±Inf values, rows without direction under Cosine or Correlation.
// It panics if u is not fitted or dst has the wrong shape. prog, when not
// nil, receives reports of the neighbour search and the layout. Cancelling
// ctx returns ctx.Err().
func (u *UMAP) Transform(ctx context.Context, dst, x *mat32.Dense, prog progress.Func) (*mat32.Dense, error) {
	u.mustFit("Transform")
	if x == nil || x.Rows == 0 {
		return mat32.Reuse(dst, 0, u.emb.Cols, "umap: Transform"), nil
	}
	if x.Cols != u.data.Cols {
		return nil, fmt.Errorf("umap: transform: rows have %d columns, the model was fitted on %d", x.Cols, u.data.Cols)
	}
	dst = mat32.Reuse(dst, x.Rows, u.emb.Cols, "umap: Transform")
	if err := dataset.CheckFinite("umap: transform", x); err != nil {
		return nil, err
	}
	q, err := prepare(x, u.opt.Metric, "umap: transform")
	if err != nil {
		return nil, err
	}
	k := u.opt.Neighbors
	g, err := u.neighbours(ctx, q, k, prog)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("umap: transform: %w", err)
	}
	w := transformMemberships(g, u.opt.LocalConnectivity, u.opt.Bandwidth, u.meanNeighbourDistance())
	initTransform(dst, w, g, u.emb)
	epochs := u.transformEpochs(x.Rows)
	p := layoutParams{
		a: float32(u.a), b: float32(u.b),
		gamma: float32(u.opt.RepulsionStrength), alpha: float32(u.opt.LearningRate) / 4,
		negRate: u.opt.NegativeSampleRate, epochs: epochs, seed: u.opt.Seed,
	}
	if err := optimizeTransform(ctx, dst, x, u.emb, g, w, p, prog); err != nil {
		return nil, err
	}
	return dst, nil
}

// meanNeighbourDistance returns the mean distance of the training rows to
// their neighbours, the floor scale of σ in a transform.
func (u *UMAP) meanNeighbourDistance() float64 {
	var total float64
	cnt := 0
	for _, d := range u.graph.Dists {
		if !math.IsInf(float64(d), 1) {
			total += float64(d)
			cnt++
		}
	}
	return total / float64(max(cnt, 1))
}

// transformMemberships returns the memberships (rows of g.K) of new points
// to their training neighbours: ρ and σ with local connectivity reduced by
// one (so ρ is 0 by default) and, as in umap-learn, the nearest neighbour
// left out of the σ sum. σ is floored at 1e-3 of meanDist, the training
// rows' mean neighbour distance (umap-learn takes the mean over the batch
// of new rows, which would make a row depend on the others).
func transformMemberships(g *knn.Graph, localConn, bandwidth, meanDist float64) []float32 {
	n, k := g.Len(), g.K
	w := make([]float32, n*k)
	lc := max(0, localConn-1)
	mat32.Parallel(n, rowGrain, func(lo, hi int) {
		buf := make([]float32, 0, k)
		for i := lo; i < hi; i++ {
			idx, dist := g.Row(i)
			buf = buf[:0]
			for p, j := range idx {
				if j >= 0 {
					buf = append(buf, dist[p])
				}
			}
			if len(buf) == 0 {
				continue
			}
			rho, sigma := smoothKNN(buf, k, lc, bandwidth, meanDist)
			for p, j := range idx {
				if j >= 0 {
					w[i*k+p] = membership(dist[p], rho, sigma)
				}
			}
		}
	})
	return w
}

// initTransform places each new point at the membership-weighted mean of
// its neighbours' embeddings; a point with a full membership (an exact
// duplicate of a training row) goes onto that row's embedding, and a point
// whose memberships all vanished onto its nearest neighbour's.
func initTransform(dst *mat32.Dense, w []float32, g *knn.Graph, emb *mat32.Dense) {
	k, dim := g.K, emb.Cols
	mat32.Parallel(dst.Rows, rowGrain, func(lo, hi int) {
		acc := make([]float64, dim)
		for i := lo; i < hi; i++ {
			idx, _ := g.Row(i)
			out := dst.Row(i)
			clear(acc)
			var sum float64
			full := -1
			for p, j := range idx {
				if j < 0 {
					continue
				}
				v := w[i*k+p]
				if v == 1 && full < 0 {
					full = int(j)
				}
				sum += float64(v)
				for d, e := range emb.Row(int(j)) {
					acc[d] += float64(v) * float64(e)
				}
			}
			switch {
			case full >= 0:
				copy(out, emb.Row(full))
			case sum > 0:
				for d := range out {
					out[d] = float32(acc[d] / sum)
				}
			case idx[0] >= 0:
				copy(out, emb.Row(int(idx[0])))
			}
		}
	})
}

// optimizeTransform runs the transform's SGD on the new points dst, each
// on its own: its edges to the training points (weight w, sampled every
// 1/w epochs, dropped below 1/epochs) pull it, random training points push
// it, and the training embedding emb stays fixed. Point i draws its
// negative samples from its own random stream, so points are independent
// of each other: the stream is seeded by the seed and a hash of the row's
// values, so equal rows get equal embeddings. (umap-learn samples every
// max/w epochs, max the largest weight of the batch, which is near 1 for
// any batch of more than a few rows but would make a row depend on the
// others.)
func optimizeTransform(ctx context.Context, dst, x, emb *mat32.Dense, g *knn.Graph, w []float32, p layoutParams, prog progress.Func) error {
	const top = 1
	n, k, dim := dst.Rows, g.K, dst.Cols
	nt := uint64(emb.Rows)
	a, b := p.a, p.b
	limit := top / float32(p.epochs)
	for b0 := 0; b0 < n; b0 += searchBlock {
		if err := ctx.Err(); err != nil {
			return err
		}
		b1 := min(b0+searchBlock, n)
		mat32.Parallel(b1-b0, 64, func(lo, hi int) {
			eps := make([]float32, k)
			next := make([]float32, k)
			step := make([]float32, dim)
			pull := make([]float32, dim)
			for i := b0 + lo; i < b0+hi; i++ {
				idx, _ := g.Row(i)
				cur := dst.Row(i)
				for p2, j := range idx {
					eps[p2], next[p2] = 0, 0
					if v := w[i*k+p2]; j >= 0 && v >= limit && v > 0 {
						eps[p2] = top / v
						next[p2] = eps[p2]
					}
				}
				rng := rand.NewPCG(p.seed^0x7472616e73666f72, rowHash(x.Row(i)))
				if dim == 2 {
					transformPoint2(cur, idx, eps, next, emb, rng, p)
					continue
				}
				for epoch := 0; epoch < p.epochs; epoch++ {
					alpha := p.alpha * (1 - float32(epoch)/float32(p.epochs))
					fe := float32(epoch)
					for e, j := range idx {
						if eps[e] == 0 || next[e] > fe {
							continue
						}
						other := emb.Row(int(j))
						coef := attraction(sqDist(cur, other), a, b)
						for d := range cur {
							pull[d] = clip(coef*(cur[d]-other[d])) * alpha
						}
						next[e] += eps[e]
						clear(step)
						for r := 0; r < p.negRate; r++ {
							repel(step, cur, emb.Row(int(below(rng.Uint64(), nt))), a, b, p.gamma)
						}
						for d := range cur {
							cur[d] += pull[d] + step[d]*alpha
						}
					}
				}
			}
		})
		prog.Report(progress.Update{Stage: "umap transform: layout", Done: int64(b1), Total: int64(n)})
	}
	return nil
}

// rowHash mixes the bits of a row's values into a stream number.
func rowHash(row []float32) uint64 {
	h := uint64(len(row))
	for _, v := range row {
		h = mix64(h ^ uint64(math.Float32bits(v)))
	}
	return h
}

// transformPoint2 is the transform's SGD of one new point in two
// dimensions, through lanes.Step like the fit's layout: lane 0 pulls the
// point towards a training neighbour, lanes 1… push it from random
// training points.
func transformPoint2(cur []float32, idx []int32, eps, next []float32, emb *mat32.Dense, rng *rand.PCG, p layoutParams) {
	nt := uint64(emb.Rows)
	var lb lanes.Batch
	lb.SetParams(p.a, p.b, p.gamma)
	cx, cy := cur[0], cur[1]
	for epoch := 0; epoch < p.epochs; epoch++ {
		alpha := p.alpha * (1 - float32(epoch)/float32(p.epochs))
		fe := float32(epoch)
		for e, j := range idx {
			if eps[e] == 0 || next[e] > fe {
				continue
			}
			next[e] += eps[e]
			lb.CX, lb.CY = cx, cy
			lb.X[0], lb.Y[0] = emb.Data[2*j], emb.Data[2*j+1]
			lb.Att[0], lb.Act[0] = -1, -1
			var gx, gy, sx, sy float32
			for r, l := 0, 1; r < p.negRate || l == 1; l = 0 {
				for ; l < 8; l++ {
					lb.Act[l] = 0
					if r < p.negRate {
						k := below(rng.Uint64(), nt)
						lb.X[l], lb.Y[l], lb.Act[l] = emb.Data[2*k], emb.Data[2*k+1], -1
						r++
					}
				}
				lanes.Step(&lb)
				l0 := 0
				if lb.Att[0] != 0 {
					gx, gy = lb.OutX[0]*alpha, lb.OutY[0]*alpha
					l0 = 1
				}
				for l := l0; l < 8; l++ {
					sx += lb.OutX[l]
					sy += lb.OutY[l]
				}
				lb.Att[0] = 0
			}
			cx += gx + sx*alpha
			cy += gy + sy*alpha
		}
	}
	cur[0], cur[1] = cx, cy
}
