package pca

import "github.com/latentlab/latent/mat32"

// colMoments holds per-column running statistics in float64: the count of
// rows, the means and the sums of squared deviations from the means (M2).
type colMoments struct {
	n    int
	mean []float64
	m2   []float64
}

// merge folds b into m (Chan, Golub & LeVeque's pairwise update).
func (m *colMoments) merge(b *colMoments) {
	if b.n == 0 {
		return
	}
	if m.n == 0 {
		m.n = b.n
		m.mean = append(m.mean[:0], b.mean...)
		m.m2 = append(m.m2[:0], b.m2...)
		return
	}
	n := m.n + b.n
	wa, wb := float64(m.n), float64(b.n)
	for j := range m.mean {
		delta := b.mean[j] - m.mean[j]
		m.mean[j] += delta * wb / float64(n)
		m.m2[j] += b.m2[j] + delta*delta*wa*wb/float64(n)
	}
	m.n = n
}

// totalVariance returns the sum of the column variances (ddof 1).
func (m *colMoments) totalVariance() float64 {
	if m.n < 2 {
		return 0
	}
	var s float64
	for _, v := range m.m2 {
		s += v
	}
	return s / float64(m.n-1)
}

// statBlock is the number of rows whose moments are computed in two passes
// while they sit in cache; statMaxParts bounds the fixed partial results.
const (
	statBlock    = 256
	statMaxParts = 16
)

// blockMoments returns the exact two-pass moments of the rows of x.
func blockMoments(x *mat32.Dense, acc *colMoments) {
	d := x.Cols
	acc.n = x.Rows
	acc.mean = resize(acc.mean, d)
	acc.m2 = resize(acc.m2, d)
	clear(acc.mean)
	clear(acc.m2)
	if x.Rows == 0 {
		return
	}
	for i := 0; i < x.Rows; i++ {
		row := x.Row(i)
		for j, v := range row {
			acc.mean[j] += float64(v)
		}
	}
	inv := 1 / float64(x.Rows)
	for j := range acc.mean {
		acc.mean[j] *= inv
	}
	for i := 0; i < x.Rows; i++ {
		row := x.Row(i)
		for j, v := range row {
			dv := float64(v) - acc.mean[j]
			acc.m2[j] += dv * dv
		}
	}
}

// columnMoments returns the column means and M2 of x. Rows are taken in
// blocks of statBlock (two passes each, in cache) grouped into at most
// statMaxParts fixed parts that run in parallel and are merged in order, so
// the result depends on x alone, not on the thread count.
func columnMoments(x *mat32.Dense) *colMoments {
	n := x.Rows
	blocks := (n + statBlock - 1) / statBlock
	parts := min(blocks, statMaxParts)
	total := &colMoments{mean: make([]float64, x.Cols), m2: make([]float64, x.Cols)}
	if parts == 0 {
		return total
	}
	perPart := (blocks + parts - 1) / parts
	res := make([]colMoments, parts)
	mat32.Parallel(parts, 1, func(lo, hi int) {
		var blk colMoments
		for p := lo; p < hi; p++ {
			for b := p * perPart; b < min((p+1)*perPart, blocks); b++ {
				blockMoments(x.Slice(b*statBlock, min((b+1)*statBlock, n)), &blk)
				res[p].merge(&blk)
			}
		}
	})
	for p := range res {
		total.merge(&res[p])
	}
	return total
}

func resize(s []float64, n int) []float64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float64, n)
}
