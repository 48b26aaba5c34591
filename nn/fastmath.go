package nn

import "math"

// Float32 versions of exp, log1p(exp(−a)) and tanh for the elementwise
// passes. The standard library works in float64 and costs several times
// more per value; these use the classic range reduction plus a short
// minimax polynomial and are accurate to about 2 ulp in float32, which is
// all the float32 pipeline can use.

const (
	log2e   = 1.44269504088896341
	ln2Hi   = 0.693359375
	ln2Lo   = -2.12194440e-4
	expMax  = 88.72283
	expMin  = -87.33654
	sqrt2m1 = 0.41421356237309503
)

// expf returns e^x in float32. It returns 0 below about −87.3 (where the
// result would be subnormal) and +Inf above about 88.7.
func expf(x float32) float32 {
	if x != x {
		return x
	}
	if x > expMax {
		return float32(math.Inf(1))
	}
	if x < expMin {
		return 0
	}
	// Round x·log2e to the nearest integer by conversion (math.Floor is a
	// function call on baseline amd64).
	f := x * log2e
	var ni int32
	if f >= 0 {
		ni = int32(f + 0.5)
	} else {
		ni = int32(f - 0.5)
	}
	n := float32(ni)
	r := x - n*ln2Hi - n*ln2Lo
	z := r * r
	p := ((((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r+5.0000001201e-1)*z + r + 1)
	// n is in [−126, 128]; 2^n is built in two halves so 2^128 stays finite
	// until the final product.
	h := ni / 2
	return p * math.Float32frombits(uint32(h+127)<<23) * math.Float32frombits(uint32(ni-h+127)<<23)
}

// log1pf returns log(1+e) for e in [0, 1].
func log1pf(e float32) float32 {
	var x, k float32
	if e < sqrt2m1 {
		x = e // 1+e = 2⁰·(1+e): the polynomial argument is e itself, exact.
	} else {
		x = (e - 1) * 0.5 // 1+e = 2¹·(1 + (e−1)/2)
		k = 1
	}
	z := x * x
	y := ((((((((7.0376836292e-2*x-1.1514610310e-1)*x+1.1676998740e-1)*x-1.2420140846e-1)*x+1.4249322787e-1)*x-1.6668057665e-1)*x+2.0000714765e-1)*x-2.4999993993e-1)*x + 3.3333331174e-1) * x * z
	y += ln2Lo * k
	y -= 0.5 * z
	return x + y + ln2Hi*k
}

// sigmoidf returns 1/(1+e^{−x}) without overflow for any x.
func sigmoidf(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + expf(-x))
	}
	e := expf(x)
	return e / (1 + e)
}

// tanhf returns tanh(x).
func tanhf(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	if a < 0.625 {
		z := x * x
		return ((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)*z*x + x
	}
	if a > 9.1 { // tanh rounds to ±1 in float32
		if x < 0 {
			return -1
		}
		return 1
	}
	e := expf(-2 * a)
	t := (1 - e) / (1 + e)
	if x < 0 {
		return -t
	}
	return t
}
