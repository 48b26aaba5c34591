package umap

import "math"

// The layout's inner loop needs d^(2b) for every attractive and repulsive
// sample, hundreds of millions of times per fit, and each sample depends on
// the one before through the moving point, so latency counts. math.Pow in
// float64 costs about 20 ns; these float32 approximations are short
// polynomials evaluated in Estrin's scheme (few dependent steps), without
// divisions. log2f is within 2e-6 absolute and exp2f within 4e-7 relative,
// so powf is within about 2e-6 relative: far below what the gradient
// clipping and the learning rate do to a step. The coefficients are least
// squares fits (numpy) on the reduced ranges. They are plain Go, so the
// result is the same on every thread.

// log2 of 1+u for u in [√½−1, √2−1]: u·(c0 + c1·u + … + c5·u⁵).
const (
	lc0 = 1.4426980582925468
	lc1 = -0.7212269867202143
	lc2 = 0.48020432467776036
	lc3 = -0.3664189184328951
	lc4 = 0.3129932753562675
	lc5 = -0.1992074398277178
)

// 2^f for f in [−½, ½]: e0 + e1·f + … + e5·f⁵.
const (
	ec0 = 1.0000000491698509
	ec1 = 0.6931470026745818
	ec2 = 0.24022224246464785
	ec3 = 0.05550712204697771
	ec4 = 0.00967017806505216
	ec5 = 0.0013260918528962794
)

// log2f returns log2(x) for finite x ≥ 2^-126 (the smallest normal
// float32); smaller positive x give about −127, as if x were 2^-127.
func log2f(x float32) float32 {
	// Branch-free reduction to x = 2^e·m with m in [√½, √2): shift the
	// bits so that the exponent field rolls over at √½ (musl's logf).
	ix := math.Float32bits(x) - 0x3f3504f3
	u := math.Float32frombits(ix&0x007fffff+0x3f3504f3) - 1
	u2 := u * u
	return float32(int32(ix)>>23) + u*((lc0+lc1*u)+(lc2+lc3*u)*u2+(lc4+lc5*u)*(u2*u2))
}

// exp2f returns 2^y for y in [−126, 127]; y is clamped to that range
// first, so smaller y give 2^-126 and larger 2^127. y must not be NaN.
func exp2f(y float32) float32 {
	y = min(max(y, -126), 127)
	k := int32(y+128.5) - 128 // round to nearest: y+128.5 > 0, so truncation floors
	f := y - float32(k)       // [−½, ½]
	f2 := f * f
	p := (ec0 + ec1*f) + (ec2+ec3*f)*f2 + (ec4+ec5*f)*(f2*f2)
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// powf returns x^y for finite x > 0.
func powf(x, y float32) float32 { return exp2f(y * log2f(x)) }
