package tsne

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Defaults of TransformOptions fields left at zero: openTSNE's for
// TSNEEmbedding.transform.
const (
	DefaultTransformPerplexity   = 5
	DefaultTransformIter         = 250
	DefaultTransformLearningRate = 0.1
	DefaultTransformExaggeration = 1.5
	DefaultTransformMomentum     = 0.8
	DefaultTransformMaxGradNorm  = 0.25
)

// TransformOptions configures Model.Transform. The zero value gives
// openTSNE's defaults: perplexity 5 over 15 neighbours, each new point
// started at the median of its neighbours' positions and moved for 250
// iterations at learning rate 0.1, exaggeration 1.5 and momentum 0.8, its
// gradient clipped to norm 0.25.
type TransformOptions struct {
	// Perplexity of the new points' affinities to the reference points;
	// 0 means DefaultTransformPerplexity. It must be below the number of
	// reference rows.
	Perplexity float64
	// Neighbors is the number of reference neighbours per new point; 0
	// means min(reference rows, ⌊3·Perplexity⌋).
	Neighbors int
	// Iter is the number of iterations; 0 means DefaultTransformIter, a
	// negative value none (the points stay at their initial positions).
	Iter int
	// LearningRate, Exaggeration and Momentum of the optimisation; 0 means
	// the defaults above.
	LearningRate, Exaggeration, Momentum float64
	// MaxGradNorm clips each point's gradient to this length; 0 means
	// DefaultTransformMaxGradNorm, a negative value no clipping.
	MaxGradNorm float64
	// Theta is the Barnes-Hut accuracy of the repulsion from the reference
	// embedding; 0 means DefaultTheta.
	Theta float64
	// Progress, when not nil, receives the number of points placed (stage
	// "transform").
	Progress progress.Func
}

// Transform places the rows of x (m×Features()) into the model's embedding
// with the reference points fixed (openTSNE's prepare_partial and
// optimize): each new point gets affinities to its nearest reference rows
// at the transform perplexity, starts at the median of their positions,
// and follows the t-SNE gradient of its own KL divergence, attracted by its
// neighbours and repelled by all reference points (Barnes-Hut), never by
// the other new points. The result is written into dst (m×Dims(),
// allocated when nil or empty) and returned.
//
// Each point is optimised independently, so the result for a row does not
// depend on the other rows or the thread count. Errors: a column count
// that does not match the model, NaN/Inf values, options out of range, or
// ctx.Err() when cancelled. It panics if dst has the wrong shape.
func (m *Model) Transform(ctx context.Context, dst, x *mat32.Dense, opt TransformOptions) (*mat32.Dense, error) {
	if x == nil {
		return nil, fmt.Errorf("tsne: Transform: no data")
	}
	dims := m.Dims()
	dst = mat32.Reuse(dst, x.Rows, dims, "tsne: Transform")
	if x.Cols != m.features {
		return nil, fmt.Errorf("tsne: Transform: the data has %d columns, the model expects %d", x.Cols, m.features)
	}
	if x.Rows == 0 {
		return dst, nil
	}
	if err := dataset.CheckFinite("tsne: Transform: data", x); err != nil {
		return nil, err
	}
	o, err := opt.resolve(m.Len())
	if err != nil {
		return nil, err
	}
	q := x
	if m.scale != 1 {
		q = x.Clone()
		mat32.Scale(m.scale, q.Data)
	}
	if m.proj != nil {
		q = m.proj.apply(q)
	}
	g, err := knn.Exact(ctx, m.ref, q, o.Neighbors, knn.ExactOptions{})
	if err != nil {
		return nil, fmt.Errorf("tsne: Transform: neighbours: %w", err)
	}
	cond, err := conditional(ctx, g, []float64{o.Perplexity}, nil)
	if err != nil {
		return nil, err
	}
	// The fixed reference: a Barnes-Hut tree over its embedding.
	n := m.Len()
	ref := make([]float64, n*dims)
	for i, v := range m.emb.Data {
		ref[i] = float64(v)
	}
	tree := newBHTree(dims, o.Theta)
	tree.build(ref, n)

	rows, k := x.Rows, g.K
	const chunk = 64
	chunks := (rows + chunk - 1) / chunk
	for c0 := 0; c0 < chunks; c0 += 16 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c1 := min(c0+16, chunks)
		mat32.Parallel(c1-c0, 1, func(lo, hi int) {
			st := newPointState(dims)
			for c := c0 + lo; c < c0+hi; c++ {
				for i := c * chunk; i < min((c+1)*chunk, rows); i++ {
					idx, _ := g.Row(i)
					st.place(dst.Row(i), idx, cond[i*k:(i+1)*k], ref, tree, m.dof, &o)
				}
			}
		})
		o.Progress.Report(progress.Update{Stage: "transform", Done: int64(min(c1*chunk, rows)), Total: int64(rows)})
	}
	return dst, nil
}

// resolve fills in the defaults for a reference of n points.
func (o TransformOptions) resolve(n int) (TransformOptions, error) {
	if o.Perplexity == 0 {
		o.Perplexity = DefaultTransformPerplexity
	}
	if err := positive("transform perplexity", o.Perplexity); err != nil {
		return o, err
	}
	if o.Perplexity >= float64(n) {
		return o, fmt.Errorf("tsne: transform perplexity %g is too large for a reference of %d points", o.Perplexity, n)
	}
	if o.Neighbors == 0 {
		o.Neighbors = min(n, max(1, int(3*o.Perplexity)))
	}
	if o.Neighbors < 1 || o.Neighbors > n {
		return o, fmt.Errorf("tsne: %d transform neighbours: want 1 ≤ k ≤ %d (the reference rows)", o.Neighbors, n)
	}
	switch {
	case o.Iter == 0:
		o.Iter = DefaultTransformIter
	case o.Iter < 0:
		o.Iter = 0
	}
	if o.LearningRate == 0 {
		o.LearningRate = DefaultTransformLearningRate
	}
	if o.Exaggeration == 0 {
		o.Exaggeration = DefaultTransformExaggeration
	}
	if o.Momentum == 0 {
		o.Momentum = DefaultTransformMomentum
	}
	switch {
	case o.MaxGradNorm == 0:
		o.MaxGradNorm = DefaultTransformMaxGradNorm
	case o.MaxGradNorm < 0:
		o.MaxGradNorm = math.Inf(1)
	}
	if o.Theta == 0 {
		o.Theta = DefaultTheta
	}
	if err := cmp.Or(
		positive("transform learning rate", o.LearningRate),
		positive("transform exaggeration", o.Exaggeration),
		positive("transform theta", o.Theta),
	); err != nil {
		return o, err
	}
	if !(o.MaxGradNorm > 0) { // +Inf: no clipping
		return o, fmt.Errorf("tsne: transform maximum gradient norm %g: want a positive number", o.MaxGradNorm)
	}
	if !(o.Momentum >= 0 && o.Momentum < 1) {
		return o, fmt.Errorf("tsne: transform momentum %g: want [0, 1)", o.Momentum)
	}
	return o, nil
}

// pointState is one worker's scratch for placing points.
type pointState struct {
	dims               int
	y, upd, gains, pos []float64
	stack              []int32
	coords             []float64
}

func newPointState(dims int) *pointState {
	return &pointState{dims: dims, y: make([]float64, dims), upd: make([]float64, dims),
		gains: make([]float64, dims), stack: make([]int32, 0, 256)}
}

// place optimises one new point with neighbours idx (conditional
// affinities p) against the fixed reference embedding ref and writes it
// into out.
func (st *pointState) place(out []float32, idx []int32, p, ref []float64, tree *bhTree, dof float64, o *TransformOptions) {
	dims := st.dims
	// Start at the per-coordinate median of the neighbours' positions.
	for a := 0; a < dims; a++ {
		st.coords = st.coords[:0]
		for _, j := range idx {
			if j >= 0 {
				st.coords = append(st.coords, ref[int(j)*dims+a])
			}
		}
		slices.Sort(st.coords)
		c := len(st.coords)
		if c%2 == 1 {
			st.y[a] = st.coords[c/2]
		} else {
			st.y[a] = (st.coords[c/2-1] + st.coords[c/2]) / 2
		}
		st.upd[a], st.gains[a] = 0, 1
	}
	var attr, rep [3]float64
	var d [3]float64
	for it := 0; it < o.Iter; it++ {
		attr = [3]float64{}
		for t, j := range idx {
			if j < 0 || p[t] == 0 {
				continue
			}
			d2 := 0.0
			for a := 0; a < dims; a++ {
				d[a] = st.y[a] - ref[int(j)*dims+a]
				d2 += d[a] * d[a]
			}
			base := 1 / (1 + d2/dof)
			for a := 0; a < dims; a++ {
				attr[a] += p[t] * base * d[a]
			}
		}
		rep = [3]float64{}
		zi := tree.traverse(-1, st.y, dof, &rep, st.stack)
		norm2 := 0.0
		var g [3]float64
		for a := 0; a < dims; a++ {
			g[a] = o.Exaggeration * attr[a]
			if zi > 0 { // 0 only when every reference point underflows
				g[a] -= rep[a] / zi
			}
			norm2 += g[a] * g[a]
		}
		if norm2 > o.MaxGradNorm*o.MaxGradNorm {
			s := o.MaxGradNorm / math.Sqrt(norm2)
			for a := 0; a < dims; a++ {
				g[a] *= s
			}
		}
		for a := 0; a < dims; a++ {
			if st.upd[a]*g[a] < 0 {
				st.gains[a] += gainUp
			} else {
				st.gains[a] = max(st.gains[a]*gainDown, minGain)
			}
			st.upd[a] = o.Momentum*st.upd[a] - o.LearningRate*st.gains[a]*g[a]
			st.y[a] += st.upd[a]
		}
	}
	for a := 0; a < dims; a++ {
		out[a] = float32(st.y[a])
	}
}
