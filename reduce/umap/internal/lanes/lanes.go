// Package lanes evaluates the clipped gradient steps of UMAP's layout for
// one point against up to eight others at once: the attraction to an edge's
// other end and the repulsion from negative samples. The layout spends
// nearly all its time here; on amd64 CPUs with AVX2 and FMA an assembly
// kernel computes the eight lanes in one pass (about three times the speed
// of the scalar code), elsewhere StepGo does. Both compute the same formulas
// with the same polynomial approximations of log2 and exp2; their results
// agree to rounding (the assembly fuses multiply-adds), and each is
// deterministic.
package lanes

import "math"

// Batch is one batch of lanes. The layout fills X, Y, Att, Act and the
// constants, calls Step, and reads OutX and OutY.
type Batch struct {
	// X, Y are the other points' coordinates.
	X, Y [8]float32
	// Att is −1 on attraction lanes, 0 on repulsion lanes; Act is −1 on the
	// lanes in use, 0 on the others (their output is 0).
	Att, Act [8]int32
	// OutX, OutY receive each lane's step before the learning rate: the
	// gradient coefficient times (point − other), clipped to ±4; a
	// repulsion lane at distance 0 gives +4 in both coordinates, an
	// attraction lane at distance 0 gives 0.
	OutX, OutY [8]float32
	// CX, CY are the point's coordinates.
	CX, CY float32
	// A, B are the curve parameters; BM1 = B − 1, AB2 = −2·A·B and
	// G2B = 2·γ·B (γ the repulsion strength).
	A, B, BM1, AB2, G2B float32
}

// SetParams fills the constants from a, b and the repulsion strength.
func (l *Batch) SetParams(a, b, gamma float32) {
	l.A, l.B, l.BM1, l.AB2, l.G2B = a, b, b-1, -2*a*b, 2*gamma*b
}

// Constants shared with the assembly.
const (
	// Clip bounds every coordinate of a step.
	Clip = 4
	// RepulsionEps is added to d² in the repulsion's denominator.
	RepulsionEps = 0.001
	// minNormal is the smallest normal float32, the floor of d² for log2.
	minNormal = 0x1p-126
)

// log2 of 1+u for u in [√½−1, √2−1]: u·(c0 + c1·u + … + c5·u⁵), a least
// squares fit (numpy) within 1e-5.
const (
	lc0 = 1.4426980582925468
	lc1 = -0.7212269867202143
	lc2 = 0.48020432467776036
	lc3 = -0.3664189184328951
	lc4 = 0.3129932753562675
	lc5 = -0.1992074398277178
)

// 2^f for f in [−½, ½]: e0 + e1·f + … + e5·f⁵, within 4e-7 relative.
const (
	ec0 = 1.0000000491698509
	ec1 = 0.6931470026745818
	ec2 = 0.24022224246464785
	ec3 = 0.05550712204697771
	ec4 = 0.00967017806505216
	ec5 = 0.0013260918528962794
)

// Log2 returns log2(x) for finite x ≥ 2^-126 (smaller positive x give
// about −127), within about 1e-5.
func Log2(x float32) float32 {
	// Branch-free reduction to x = 2^e·m with m in [√½, √2): shift the
	// bits so that the exponent field rolls over at √½ (musl's logf).
	ix := math.Float32bits(x) - 0x3f3504f3
	u := math.Float32frombits(ix&0x007fffff+0x3f3504f3) - 1
	u2 := u * u
	return float32(int32(ix)>>23) + u*((lc0+lc1*u)+(lc2+lc3*u)*u2+(lc4+lc5*u)*(u2*u2))
}

// Exp2 returns 2^y for y in [−126, 127]; y is clamped to that range first.
// y must not be NaN.
func Exp2(y float32) float32 {
	y = min(max(y, -126), 127)
	k := int32(y+128.5) - 128 // round to nearest: y+128.5 > 0, so truncation floors
	f := y - float32(k)       // [−½, ½]
	f2 := f * f
	p := (ec0 + ec1*f) + (ec2+ec3*f)*f2 + (ec4+ec5*f)*(f2*f2)
	return p * math.Float32frombits(uint32(k+127)<<23)
}

func clip(v float32) float32 {
	if v > Clip {
		return Clip
	}
	if v < -Clip {
		return -Clip
	}
	return v
}

// StepGo is Step in plain Go.
func StepGo(l *Batch) {
	for i := range l.X {
		if l.Act[i] == 0 {
			l.OutX[i], l.OutY[i] = 0, 0
			continue
		}
		dx, dy := l.CX-l.X[i], l.CY-l.Y[i]
		d2 := dx*dx + dy*dy
		lg := Log2(max(d2, minNormal))
		pb := Exp2(l.B * lg)
		var coef float32
		if l.Att[i] != 0 {
			coef = l.AB2 * Exp2(l.BM1*lg) / (l.A*pb + 1)
		} else {
			if d2 == 0 {
				l.OutX[i], l.OutY[i] = Clip, Clip
				continue
			}
			coef = l.G2B / ((RepulsionEps + d2) * (l.A*pb + 1))
		}
		l.OutX[i], l.OutY[i] = clip(coef*dx), clip(coef*dy)
	}
}
