package nn

import (
	"fmt"
	"math"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn/internal/kern"
)

// Reduction says how a loss's per-element values are combined.
type Reduction uint8

const (
	// Sum adds every element's loss (PyTorch reduction="sum"; the VAE
	// convention: nats per batch).
	Sum Reduction = iota
	// BatchMean sums over each row and averages over rows: the loss per
	// observation.
	BatchMean
	// Mean averages over every element (PyTorch reduction="mean").
	Mean
)

// String names the reduction.
func (r Reduction) String() string {
	switch r {
	case Sum:
		return "sum"
	case BatchMean:
		return "batchmean"
	case Mean:
		return "mean"
	}
	return fmt.Sprintf("Reduction(%d)", uint8(r))
}

// scale returns the factor that turns a sum over a rows×cols loss into r.
func (r Reduction) scale(rows, cols int) float64 {
	switch r {
	case Sum:
		return 1
	case BatchMean:
		return 1 / float64(max(rows, 1))
	case Mean:
		return 1 / float64(max(rows*cols, 1))
	}
	panic(fmt.Sprintf("nn: unknown reduction %d", r))
}

// rowsReduce runs fn over fixed chunks of rows in parallel and returns the
// sum of fn's results taken in chunk order. The chunks depend only on rows
// and cols, so the result is the same at any number of threads.
func rowsReduce(rows, cols int, fn func(lo, hi int) float64) float64 {
	grain := max(1, elemGrain/max(cols, 1))
	chunks := (rows + grain - 1) / grain
	if chunks <= 1 {
		return fn(0, rows)
	}
	part := make([]float64, chunks)
	mat32.Parallel(rows, grain, func(lo, hi int) { part[lo/grain] = fn(lo, hi) })
	var s float64
	for _, v := range part {
		s += v
	}
	return s
}

// lossGrad checks the shapes of a loss's operands and returns the
// gradient's data (nil when grad is nil).
func lossGrad(op string, grad, x, target *mat32.Dense) []float32 {
	checkSame(op, x, target)
	if grad == nil {
		return nil
	}
	checkSame(op, grad, x)
	return grad.Data
}

// BCEWithLogits returns the binary cross-entropy between sigmoid(logits)
// and target (values in [0, 1]), computed stably from the logits as
// max(x,0) − x·t + log(1+e^{−|x|}), reduced by r. When grad is not nil it
// receives ∂loss/∂logits = (sigmoid(x) − t)·scale; grad may be logits
// itself.
func BCEWithLogits(grad, logits, target *mat32.Dense, r Reduction) float64 {
	g := lossGrad("BCEWithLogits", grad, logits, target)
	s := r.scale(logits.Rows, logits.Cols)
	fs := float32(s)
	c := logits.Cols
	total := rowsReduce(logits.Rows, c, func(lo, hi int) float64 {
		x := logits.Data[lo*c : hi*c]
		t := target.Data[lo*c : hi*c]
		var acc float64
		head := 0
		if useKern {
			head = len(x) &^ 7
			var gk []float32
			if g != nil {
				gk = g[lo*c : lo*c+head]
			}
			acc = kern.BCELogits(gk, x[:head], t[:head], fs)
		}
		for i := head; i < len(x); i++ {
			v := x[i]
			tv := t[i]
			a := v
			if a < 0 {
				a = -a
			}
			e := expf(-a)
			acc += float64(max(v, 0) - v*tv + log1pf(e))
			if g != nil {
				var p float32
				if v >= 0 {
					p = 1 / (1 + e)
				} else {
					p = e / (1 + e)
				}
				g[lo*c+i] = (p - tv) * fs
			}
		}
		return acc
	})
	return total * s
}

// BCE returns the binary cross-entropy of probabilities p against target,
// −(t·log p + (1−t)·log(1−p)) with each log clipped at −100 as PyTorch's
// binary_cross_entropy does, reduced by r. When grad is not nil it
// receives ∂loss/∂p = (p − t)/max(p(1−p), 1e−12)·scale. Prefer
// BCEWithLogits, which is exact where this one clips.
func BCE(grad, p, target *mat32.Dense, r Reduction) float64 {
	g := lossGrad("BCE", grad, p, target)
	s := r.scale(p.Rows, p.Cols)
	c := p.Cols
	total := rowsReduce(p.Rows, c, func(lo, hi int) float64 {
		x := p.Data[lo*c : hi*c]
		t := target.Data[lo*c : hi*c]
		var acc float64
		for i, v := range x {
			pv, tv := float64(v), float64(t[i])
			acc -= tv*max(math.Log(pv), -100) + (1-tv)*max(math.Log1p(-pv), -100)
			if g != nil {
				g[lo*c+i] = float32((pv - tv) / max(pv*(1-pv), 1e-12) * s)
			}
		}
		return acc
	})
	return total * s
}

// MSE returns the squared error Σ (x − t)², reduced by r. When grad is not
// nil it receives 2(x − t)·scale.
func MSE(grad, x, target *mat32.Dense, r Reduction) float64 {
	g := lossGrad("MSE", grad, x, target)
	s := r.scale(x.Rows, x.Cols)
	fs := float32(2 * s)
	c := x.Cols
	total := rowsReduce(x.Rows, c, func(lo, hi int) float64 {
		xs := x.Data[lo*c : hi*c]
		t := target.Data[lo*c : hi*c]
		var acc float64
		for i, v := range xs {
			d := v - t[i]
			acc += float64(d * d)
			if g != nil {
				g[lo*c+i] = d * fs
			}
		}
		return acc
	})
	return total * s
}

const halfLog2Pi = 0.9189385332046727 // ½·log(2π)

// GaussianNLL returns the negative log-likelihood of target under
// N(mean, e^{logVar}) elementwise, ½(log 2π + logVar + (t−μ)²e^{−logVar})
// (the full form, with the constant), reduced by r. Parametrising by the
// log variance keeps it finite without PyTorch's variance clamp. When the
// gradients are not nil they receive ∂loss/∂mean and ∂loss/∂logVar.
func GaussianNLL(gradMean, gradLogVar, mean, logVar, target *mat32.Dense, r Reduction) float64 {
	gm := lossGrad("GaussianNLL", gradMean, mean, target)
	gv := lossGrad("GaussianNLL", gradLogVar, logVar, target)
	s := r.scale(mean.Rows, mean.Cols)
	fs := float32(s)
	c := mean.Cols
	total := rowsReduce(mean.Rows, c, func(lo, hi int) float64 {
		var acc float64
		for i := lo * c; i < hi*c; i++ {
			lv := logVar.Data[i]
			inv := expf(-lv)
			d := mean.Data[i] - target.Data[i]
			q := d * d * inv
			acc += halfLog2Pi + 0.5*float64(lv+q)
			if gm != nil {
				gm[i] = d * inv * fs
			}
			if gv != nil {
				gv[i] = 0.5 * (1 - q) * fs
			}
		}
		return acc
	})
	return total * s
}

// KLStdNormal returns KL(N(μ, e^{logVar}) ‖ N(0, I)) summed over the
// latent dimensions (columns) and reduced over the batch by r:
// Σ ½(μ² + e^{logVar} − 1 − logVar). When the gradients are not nil they
// receive ∂/∂μ = μ·scale and ∂/∂logVar = ½(e^{logVar} − 1)·scale.
func KLStdNormal(gradMu, gradLogVar, mu, logVar *mat32.Dense, r Reduction) float64 {
	gm := lossGrad("KLStdNormal", gradMu, mu, logVar)
	gv := lossGrad("KLStdNormal", gradLogVar, logVar, mu)
	s := r.scale(mu.Rows, mu.Cols)
	fs := float32(s)
	c := mu.Cols
	total := rowsReduce(mu.Rows, c, func(lo, hi int) float64 {
		var acc float64
		for i := lo * c; i < hi*c; i++ {
			m, lv := mu.Data[i], logVar.Data[i]
			e := expf(lv)
			acc += 0.5 * float64(m*m+e-1-lv)
			if gm != nil {
				gm[i] = m * fs
			}
			if gv != nil {
				gv[i] = 0.5 * (e - 1) * fs
			}
		}
		return acc
	})
	return total * s
}

// klElem is one element's KL divergence from N(0, 1), in float64.
func klElem(m, lv float32) float64 {
	mm, l := float64(m), float64(lv)
	return 0.5 * (mm*mm + math.Exp(l) - 1 - l)
}

// KLPerSample writes each row's KL divergence (summed over its latent
// dimensions) into dst (length mu.Rows; allocated if empty) and returns it.
func KLPerSample(dst []float64, mu, logVar *mat32.Dense) []float64 {
	checkSame("KLPerSample", mu, logVar)
	dst = reuseF64(dst, mu.Rows, "KLPerSample")
	for i := range dst {
		var s float64
		m, l := mu.Row(i), logVar.Row(i)
		for j := range m {
			s += klElem(m[j], l[j])
		}
		dst[i] = s
	}
	return dst
}

// KLPerDim writes each latent dimension's KL divergence summed over the
// batch into dst (length mu.Cols; allocated if empty) and returns it.
// Divided by the number of rows it is the nats each dimension carries, the
// figure for per-dimension reports and for spotting collapsed dimensions.
func KLPerDim(dst []float64, mu, logVar *mat32.Dense) []float64 {
	checkSame("KLPerDim", mu, logVar)
	dst = reuseF64(dst, mu.Cols, "KLPerDim")
	clear(dst)
	for i := 0; i < mu.Rows; i++ {
		m, l := mu.Row(i), logVar.Row(i)
		for j := range m {
			dst[j] += klElem(m[j], l[j])
		}
	}
	return dst
}

// FreeBitsKL returns the KL term with "free bits" (Kingma et al. 2016):
// each latent dimension's KL, averaged over the batch, counts as at least
// lambda nats, Σ_j max(KL_j, λ), so the optimiser gains nothing by pushing
// a dimension below λ. With r == Sum the value is rows times that (nats
// per batch, like KLStdNormal with Sum); with Mean it is further divided
// by the number of dimensions. Dimensions below λ get a zero gradient.
func FreeBitsKL(gradMu, gradLogVar, mu, logVar *mat32.Dense, lambda float64, r Reduction) float64 {
	gm := lossGrad("FreeBitsKL", gradMu, mu, logVar)
	gv := lossGrad("FreeBitsKL", gradLogVar, logVar, mu)
	if lambda < 0 || math.IsNaN(lambda) {
		panic(fmt.Sprintf("nn: FreeBitsKL: lambda %g", lambda))
	}
	n, c := mu.Rows, mu.Cols
	perDim := KLPerDim(nil, mu, logVar)
	s := r.scale(n, c)
	floor := lambda * float64(n)
	var total float64
	for j, k := range perDim {
		active := k >= floor
		total += max(k, floor)
		if gm == nil && gv == nil {
			continue
		}
		for i := 0; i < n; i++ {
			o := i*c + j
			var dm, dv float32
			if active {
				dm = float32(float64(mu.Data[o]) * s)
				dv = float32(0.5 * (math.Exp(float64(logVar.Data[o])) - 1) * s)
			}
			if gm != nil {
				gm[o] = dm
			}
			if gv != nil {
				gv[o] = dv
			}
		}
	}
	return total * s
}

func reuseF64(dst []float64, n int, op string) []float64 {
	if len(dst) == 0 {
		if cap(dst) >= n {
			return dst[:n]
		}
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("nn: %s: dst has length %d, want %d", op, len(dst), n))
	}
	return dst
}
