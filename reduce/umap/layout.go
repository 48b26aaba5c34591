package umap

import (
	"context"
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/umap/internal/lanes"
)

// layoutParams are the constants of the SGD layout.
type layoutParams struct {
	a, b     float32
	gamma    float32 // repulsion strength
	alpha    float32 // initial learning rate
	negRate  int
	epochs   int
	seed     uint64
	progress progress.Func
	// blocks, when > 0, overrides layoutBlocks (for tests).
	blocks int
	// substeps, when > 0, overrides layoutSubsteps (for tests).
	substeps int
}

// gradClip bounds each coordinate of a gradient step, as umap-learn's
// clip; repulsionEps keeps the repulsive gradient finite at distance 0.
// They are the lanes kernel's, which the two-dimensional layout runs on.
const (
	gradClip     = lanes.Clip
	repulsionEps = lanes.RepulsionEps
)

func clip(v float32) float32 {
	if v > gradClip {
		return gradClip
	}
	if v < -gradClip {
		return -gradClip
	}
	return v
}

// sqDist returns the squared euclidean distance between two points.
func sqDist(u, v []float32) float32 {
	var d2 float32
	for d := range u {
		x := u[d] - v[d]
		d2 += x * x
	}
	return d2
}

// attraction returns the coefficient of the attractive gradient at squared
// distance d2, −2ab·d^(2(b−1))/(1 + a·d^(2b)), or 0 at distance 0.
func attraction(d2, a, b float32) float32 {
	if !(d2 > 0) {
		return 0
	}
	l := lanes.Log2(d2)
	return -2 * a * b * lanes.Exp2((b-1)*l) / (a*lanes.Exp2(b*l) + 1)
}

// repel adds to step the clipped repulsive step (before the learning rate)
// of the point cur away from other: gradClip in every coordinate when the
// two coincide.
func repel(step, cur, other []float32, a, b, gamma float32) {
	d2 := sqDist(cur, other)
	if !(d2 > 0) {
		for d := range step {
			step[d] += gradClip
		}
		return
	}
	coef := 2 * gamma * b / ((repulsionEps + d2) * (a*lanes.Exp2(b*lanes.Log2(d2)) + 1))
	for d := range cur {
		step[d] += clip(coef * (cur[d] - other[d]))
	}
}

// edgeSchedule holds, for every edge of a graph in CSR order, the number
// of epochs between its samples (eps = max weight / weight) and the epoch
// of its next sample, as umap-learn's epochs_per_sample and
// epoch_of_next_sample.
type edgeSchedule struct {
	eps, next []float32
}

func newSchedule(g *csr) edgeSchedule {
	var top float32
	for _, v := range g.val {
		top = max(top, v)
	}
	s := edgeSchedule{eps: make([]float32, len(g.val)), next: make([]float32, len(g.val))}
	for e, v := range g.val {
		s.eps[e] = top / v
		s.next[e] = s.eps[e]
	}
	return s
}

// Block partition of the fit layout. The vertices are cut into
// layoutBlocks(n) ranges of consecutive indices; see the package doc
// ("Determinism and parallelism") for the update rules.
const (
	maxBlocks      = 256
	verticesPerBlk = 256
	// layoutSubsteps is the number of steps each epoch is cut into: in
	// step s every block walks the s-th part of its vertices, and the
	// pulls on other blocks and the snapshot are brought up to date
	// between steps.
	layoutSubsteps = 8
)

// layoutBlocks returns the number of vertex blocks for n vertices: a
// function of n only, never of the thread count.
func layoutBlocks(n int) int {
	return max(1, min(maxBlocks, n/verticesPerBlk))
}

// rngStream returns the random stream of block id in epoch e: the PCG
// generator of dataset.NewRand, used directly rather than through a
// rand.Rand because the layout draws hundreds of millions of numbers.
func rngStream(seed uint64, e, id int) *rand.PCG {
	return rand.NewPCG(seed^0x5851f42d4c957f2d, mix64(uint64(e)<<32|uint64(uint32(id))))
}

// mix64 is the splitmix64 finaliser.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a number in [0, n) from 64 random bits (Lemire's
// multiply-shift; the bias is below n/2^64).
func below(r uint64, n uint64) uint64 {
	hi, _ := bits.Mul64(r, n)
	return hi
}

// optimizeFit runs the SGD layout of the symmetric graph g on emb (n×dim,
// row-major, updated in place). Every sampled edge pulls both its ends
// together and pushes its head away from NegativeSampleRate random points.
//
// Vertices are split into fixed blocks that run in parallel, and each
// epoch into layoutSubsteps steps; in step s every block walks the s-th
// part of its vertices. Within a block, updates are applied at once and in
// edge order (as umap-learn's single-threaded loop does); positions of
// other blocks' vertices are read from a snapshot taken at the start of
// the step, and the pulls on them are queued and added after the step, in
// block order. The result depends on the seed and the data only.
func optimizeFit(ctx context.Context, emb []float32, dim int, g *csr, p layoutParams) error {
	n := g.rows
	nb := layoutBlocks(n)
	if p.blocks > 0 {
		nb = p.blocks
	}
	sub := p.substeps
	if sub <= 0 {
		sub = layoutSubsteps
	}
	sched := newSchedule(g)
	snap := make([]float32, len(emb))
	copy(snap, emb)
	// queued[s*nb+t] holds the pulls that block s puts on block t's
	// vertices: dim+1 values each, the vertex index (as float32 bits) first.
	queued := make([][]float32, nb*nb)
	rngs := make([]*rand.PCG, nb)
	start := func(b int) int { return int(int64(b) * int64(n) / int64(nb)) }
	blockID := make([]uint8, n)
	for b := 0; b < nb; b++ {
		for v := start(b); v < start(b+1); v++ {
			blockID[v] = uint8(b)
		}
	}
	for epoch := 0; epoch < p.epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		alpha := p.alpha * (1 - float32(epoch)/float32(p.epochs))
		for blk := range rngs {
			rngs[blk] = rngStream(p.seed, epoch, blk)
		}
		for st := 0; st < sub; st++ {
			mat32.Parallel(nb, 1, func(blo, bhi int) {
				for blk := blo; blk < bhi; blk++ {
					lo, hi := start(blk), start(blk+1)
					plo, phi := lo+(hi-lo)*st/sub, lo+(hi-lo)*(st+1)/sub
					out := queued[blk*nb : (blk+1)*nb]
					for t := range out {
						out[t] = out[t][:0]
					}
					if dim == 2 {
						epochBlock2(emb, snap, g, &sched, lo, hi, plo, phi, n, blockID, epoch, alpha, p, rngs[blk], out)
					} else {
						epochBlock(emb, snap, dim, g, &sched, lo, hi, plo, phi, n, blockID, epoch, alpha, p, rngs[blk], out)
					}
				}
			})
			// Add the queued pulls, target block by target block, sources
			// in order, and refresh the snapshot of the target block.
			mat32.Parallel(nb, 1, func(tlo, thi int) {
				for t := tlo; t < thi; t++ {
					for s := 0; s < nb; s++ {
						q := queued[s*nb+t]
						for o := 0; o < len(q); o += dim + 1 {
							v := int(math.Float32bits(q[o]))
							row := emb[v*dim : (v+1)*dim]
							for d := range row {
								row[d] += q[o+1+d]
							}
						}
					}
					copy(snap[start(t)*dim:start(t+1)*dim], emb[start(t)*dim:start(t+1)*dim])
				}
			})
		}
		p.progress.Report(progress.Update{Stage: "umap layout", Done: int64(epoch + 1), Total: int64(p.epochs)})
	}
	return nil
}

// epochBlock runs one epoch over the vertices [lo, hi) of one block, for
// any dimension.
func epochBlock(emb, snap []float32, dim int, g *csr, s *edgeSchedule, lo, hi, plo, phi, n int, blockID []uint8, epoch int, alpha float32, p layoutParams, rng *rand.PCG, out [][]float32) {
	a, b := p.a, p.b
	fe := float32(epoch)
	nn := uint64(n)
	other := make([]float32, dim)
	pull := make([]float32, dim)
	step := make([]float32, dim)
	for i := plo; i < phi; i++ {
		cur := emb[i*dim : (i+1)*dim]
		for e := g.ptr[i]; e < g.ptr[i+1]; e++ {
			if s.next[e] > fe {
				continue
			}
			j := int(g.idx[e])
			own := j >= lo && j < hi
			if own {
				copy(other, emb[j*dim:(j+1)*dim])
			} else {
				copy(other, snap[j*dim:(j+1)*dim])
			}
			coef := attraction(sqDist(cur, other), a, b)
			t := -1
			if !own {
				t = int(blockID[j])
				out[t] = append(out[t], math.Float32frombits(uint32(j)))
			}
			for d := range cur {
				gd := clip(coef*(cur[d]-other[d])) * alpha
				pull[d] = gd
				if own {
					emb[j*dim+d] -= gd
				} else {
					out[t] = append(out[t], -gd)
				}
			}
			s.next[e] += s.eps[e]
			// As in epochBlock2, the negatives are evaluated at the same
			// position as the attraction.
			clear(step)
			for r := 0; r < p.negRate; r++ {
				k := int(below(rng.Uint64(), nn))
				if k == i {
					continue
				}
				src := snap
				if k >= lo && k < hi {
					src = emb
				}
				repel(step, cur, src[k*dim:(k+1)*dim], a, b, p.gamma)
			}
			for d := range cur {
				cur[d] += pull[d] + step[d]*alpha
			}
		}
	}
}

// epochBlock2 is epochBlock for two dimensions: the attraction of an edge
// sample and its negative samples go through lanes.Step together, eight
// lanes at a time.
func epochBlock2(emb, snap []float32, g *csr, s *edgeSchedule, lo, hi, plo, phi, n int, blockID []uint8, epoch int, alpha float32, p layoutParams, rng *rand.PCG, out [][]float32) {
	fe := float32(epoch)
	nn := uint64(n)
	var lb lanes.Batch
	lb.SetParams(p.a, p.b, p.gamma)
	lb.Att[0], lb.Act[0] = -1, -1
	for i := plo; i < phi; i++ {
		cx, cy := emb[2*i], emb[2*i+1]
		for e := g.ptr[i]; e < g.ptr[i+1]; e++ {
			if s.next[e] > fe {
				continue
			}
			j := int(g.idx[e])
			own := j >= lo && j < hi
			if own {
				lb.X[0], lb.Y[0] = emb[2*j], emb[2*j+1]
			} else {
				lb.X[0], lb.Y[0] = snap[2*j], snap[2*j+1]
			}
			lb.CX, lb.CY = cx, cy
			// Lane 0 is the attraction, lanes 1–7 the first negative
			// samples; more than seven take further batches.
			r := drawNegatives(&lb, 1, p.negRate, rng, nn, i, lo, hi, emb, snap)
			lanes.Step(&lb)
			gx, gy := lb.OutX[0]*alpha, lb.OutY[0]*alpha
			var sx, sy float32
			for l := 1; l < 8; l++ {
				sx += lb.OutX[l]
				sy += lb.OutY[l]
			}
			if r < p.negRate {
				lb.Att[0] = 0
				for r < p.negRate {
					r += drawNegatives(&lb, 0, p.negRate-r, rng, nn, i, lo, hi, emb, snap)
					lanes.Step(&lb)
					for l := 0; l < 8; l++ {
						sx += lb.OutX[l]
						sy += lb.OutY[l]
					}
				}
				lb.Att[0], lb.Act[0] = -1, -1
			}
			if own {
				emb[2*j] -= gx
				emb[2*j+1] -= gy
			} else {
				t := blockID[j]
				out[t] = append(out[t], math.Float32frombits(uint32(j)), -gx, -gy)
			}
			s.next[e] += s.eps[e]
			cx += gx + sx*alpha
			cy += gy + sy*alpha
			emb[2*i], emb[2*i+1] = cx, cy
		}
	}
}

// drawNegatives fills lanes from, from+1, … 7 of lb with up to want
// negative samples for vertex i (own block [lo, hi) read live, others from
// the snapshot), marking unused lanes and a sample of i itself inactive,
// and returns the number drawn.
func drawNegatives(lb *lanes.Batch, from, want int, rng *rand.PCG, nn uint64, i, lo, hi int, emb, snap []float32) int {
	r := 0
	for l := from; l < 8; l++ {
		lb.Act[l] = 0
		if r == want {
			continue
		}
		k := int(below(rng.Uint64(), nn))
		r++
		switch {
		case k == i:
		case k >= lo && k < hi:
			lb.X[l], lb.Y[l], lb.Act[l] = emb[2*k], emb[2*k+1], -1
		default:
			lb.X[l], lb.Y[l], lb.Act[l] = snap[2*k], snap[2*k+1], -1
		}
	}
	return r
}
