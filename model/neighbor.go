package model

import (
	"github.com/latentlab/latent/mat32"
)

// neighborTerm computes the neighbour-preserving term of one batch and adds
// its gradient into dmu. The rows of mu are the codes of the batch: rows i
// and B+i (i < B) are a row and its partner, a neighbour drawn from the
// row's k nearest neighbours in input space. With m = 2B codes, L
// dimensions, and for each dimension j the batch mean μ̄_j,
//
//	A_j = Σ_{i<B} (μ_ij − μ_{B+i,j})²         (partners' squared distance along j)
//	S_j = (2/m) Σ_a (μ_aj − μ̄_j)²             (mean squared distance along j over all m² ordered pairs)
//	term = (w/L) · Σ_j A_j / S_j
//
// that is w·B times the mean over dimensions of the ratio of the squared
// distance between neighbours to that between any two codes of the batch.
//
// Dividing each dimension by its own spread is the anti-collapse
// mechanism. Each ratio is unchanged when its dimension is scaled, so the
// term cannot be lowered by shrinking the space (which a decoder undoes by
// scaling its weights up: the raw w·Σ_j A_j shrinks the codes toward a
// point) nor by shrinking some dimensions and keeping the one where
// neighbours are closest (which a single ratio of sums, w·A/S, rewards:
// it concentrates the spread in fewer dimensions at large weights). It is
// lowered only by bringing neighbours together relative to the spread of
// each dimension, and its gradient −(w/L)·A_j/S_j²·∂S_j/∂μ pushes the
// codes apart along j as it pulls neighbours together. TestNeighborTerm
// measures both collapses and their absence. With normalize false the term
// is the raw w·Σ_j A_j (for that test).
//
// The gradients: ∂A_j/∂μ_ij = 2(μ_ij − μ_{B+i,j}) (the partner's is its
// negative) and ∂S_j/∂μ_aj = (4/m)(μ_aj − μ̄_j) (the terms through μ̄_j
// cancel because the deviations sum to zero).
func neighborTerm(dmu, mu *mat32.Dense, B int, w float64, normalize bool, buf *[]float64) float64 {
	m, L := mu.Rows, mu.Cols
	if !normalize {
		var A float64
		g := float32(2 * w)
		for i := 0; i < B; i++ {
			a, b := mu.Row(i), mu.Row(B+i)
			ga, gb := dmu.Row(i), dmu.Row(B+i)
			for j := range a {
				d := a[j] - b[j]
				A += float64(d) * float64(d)
				ga[j] += g * d
				gb[j] -= g * d
			}
		}
		return w * A
	}
	if cap(*buf) < 3*L {
		*buf = make([]float64, 3*L)
	}
	mean, A, S := (*buf)[:L], (*buf)[L:2*L], (*buf)[2*L:3*L]
	clear(*buf)
	for a := 0; a < m; a++ {
		for j, v := range mu.Row(a) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(m)
	}
	for a := 0; a < m; a++ {
		for j, v := range mu.Row(a) {
			d := float64(v) - mean[j]
			S[j] += d * d
		}
	}
	for i := 0; i < B; i++ {
		a, b := mu.Row(i), mu.Row(B+i)
		for j := range a {
			d := float64(a[j]) - float64(b[j])
			A[j] += d * d
		}
	}
	var term float64
	wl := w / float64(L)
	for j := range S {
		S[j] *= 2 / float64(m)
		if S[j] < 1e-30 {
			// A dimension on which every code is equal has nothing to
			// compare; it contributes neither value nor gradient.
			S[j], A[j] = 0, 0
			continue
		}
		term += wl * A[j] / S[j]
	}
	for i := 0; i < B; i++ {
		a, b := mu.Row(i), mu.Row(B+i)
		ga, gb := dmu.Row(i), dmu.Row(B+i)
		for j := range a {
			if S[j] == 0 {
				continue
			}
			gA := 2 * wl / S[j]
			gS := wl * A[j] / (S[j] * S[j]) * 4 / float64(m)
			d := float64(a[j]) - float64(b[j])
			ga[j] += float32(gA*d - gS*(float64(a[j])-mean[j]))
			gb[j] += float32(-gA*d - gS*(float64(b[j])-mean[j]))
		}
	}
	return term
}
