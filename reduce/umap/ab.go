package umap

import (
	"fmt"
	"math"
)

// abPoints is the number of points of the curve fit, on [0, 3·spread].
const abPoints = 300

// FindAB fits the curve 1/(1 + a·x^(2b)) by least squares to the target
// membership of embedded points at distance x: 1 up to minDist, then
// exp(−(x − minDist)/spread), on 300 evenly spaced x in [0, 3·spread]. It
// is umap-learn's find_ab_params (which calls scipy's curve_fit); the fit
// is a Levenberg–Marquardt iteration in float64 from a = b = 1 with an
// analytic Jacobian, run until the sum of squares stops falling (relative
// change below 1e-12). It agrees with umap-learn to 1e-5 relative or
// better — a ≈ 1.5769, b ≈ 0.8951 for minDist 0.1, spread 1 — where the
// remaining difference is scipy stopping earlier in a flat valley.
//
// It returns an error if spread ≤ 0, minDist < 0, minDist > spread, or the
// fit does not converge.
func FindAB(spread, minDist float64) (a, b float64, err error) {
	if !(spread > 0) || !finite(spread) || !(minDist >= 0) || !finite(minDist) || minDist > spread {
		return 0, 0, fmt.Errorf("umap: cannot fit a, b to spread %g and min-dist %g (want 0 ≤ min-dist ≤ spread, spread > 0)", spread, minDist)
	}
	xs := make([]float64, abPoints)
	ys := make([]float64, abPoints)
	for i := range xs {
		// numpy.linspace: start + i·step, with the last point exact.
		x := float64(i) * (3 * spread) / float64(abPoints-1)
		if i == abPoints-1 {
			x = 3 * spread
		}
		xs[i] = x
		if x < minDist {
			ys[i] = 1
		} else {
			ys[i] = math.Exp(-(x - minDist) / spread)
		}
	}
	a, b, ok := levenbergMarquardt(xs, ys, 1, 1)
	if !ok {
		return 0, 0, fmt.Errorf("umap: the a, b curve fit for spread %g, min-dist %g did not converge", spread, minDist)
	}
	return a, b, nil
}

// abResiduals returns the sum of squared residuals of the curve with
// parameters (a, b), and fills the Jacobian normal equations jtj (2×2,
// row-major) and jtr when they are not nil.
func abResiduals(xs, ys []float64, a, b float64, jtj *[4]float64, jtr *[2]float64) float64 {
	var ss float64
	if jtj != nil {
		*jtj = [4]float64{}
		*jtr = [2]float64{}
	}
	for i, x := range xs {
		var p, lx float64 // x^(2b) and ln x
		if x > 0 {
			lx = math.Log(x)
			p = math.Exp(2 * b * lx)
		}
		den := 1 + a*p
		f := 1 / den
		r := f - ys[i]
		ss += r * r
		if jtj == nil || x == 0 {
			continue
		}
		// ∂f/∂a = −p/den², ∂f/∂b = −a·p·2·ln x/den².
		ja := -p / (den * den)
		jb := ja * a * 2 * lx
		jtj[0] += ja * ja
		jtj[1] += ja * jb
		jtj[3] += jb * jb
		jtr[0] += ja * r
		jtr[1] += jb * r
	}
	if jtj != nil {
		jtj[2] = jtj[1]
	}
	return ss
}

// levenbergMarquardt minimises the squared residuals of the curve over
// (a, b), starting from (a0, b0), with Marquardt's diagonal scaling. It
// stops when a step reduces the sum of squares, or moves the parameters,
// by less than 1e-12 relative, or when no step reduces it any more.
func levenbergMarquardt(xs, ys []float64, a0, b0 float64) (a, b float64, ok bool) {
	const (
		tol     = 1e-12
		maxIter = 2000
	)
	a, b = a0, b0
	var jtj [4]float64
	var jtr [2]float64
	ss := abResiduals(xs, ys, a, b, &jtj, &jtr)
	lambda := 1e-3
	for it := 0; it < maxIter; it++ {
		// Solve (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr.
		m0 := jtj[0] + lambda*jtj[0]
		m3 := jtj[3] + lambda*jtj[3]
		m1 := jtj[1]
		det := m0*m3 - m1*m1
		if det == 0 || math.IsNaN(det) {
			lambda = lambda*10 + 1e-12
			if lambda > 1e30 {
				return a, b, ss < 1e-2
			}
			continue
		}
		da := -(m3*jtr[0] - m1*jtr[1]) / det
		db := -(m0*jtr[1] - m1*jtr[0]) / det
		na, nb := a+da, b+db
		nss := abResiduals(xs, ys, na, nb, nil, nil)
		if nss < ss && finite(nss) {
			rel := (ss - nss) / max(ss, 1e-300)
			step := math.Hypot(da, db) / max(math.Hypot(a, b), 1e-300)
			a, b, ss = na, nb, nss
			ss = abResiduals(xs, ys, a, b, &jtj, &jtr)
			lambda = max(lambda/10, 1e-300)
			if rel < tol || step < tol {
				return a, b, true
			}
			continue
		}
		lambda *= 10
		if lambda > 1e30 {
			// No step reduces the sum further: a minimum.
			return a, b, true
		}
	}
	return a, b, false
}
