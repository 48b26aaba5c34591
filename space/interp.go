package space

import (
	"fmt"
	"math"

	"github.com/latentlab/latent/mat32"
)

// Method is an interpolation method.
type Method int

const (
	// Linear interpolates along the straight line: (1−t)·a + t·b.
	Linear Method = iota
	// Spherical interpolates along the great circle between the directions
	// of a and b (Shoemake 1985; White 2016, "Sampling generative
	// networks"): sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b, Ω the angle
	// between a and b. In a high-dimensional Gaussian prior, codes lie near
	// a sphere and the midpoint of a straight line is atypically close to
	// the origin; slerp keeps the norm near that of the ends.
	Spherical
)

// String returns "lerp" or "slerp".
func (m Method) String() string {
	switch m {
	case Linear:
		return "lerp"
	case Spherical:
		return "slerp"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod returns the method named s ("lerp" or "slerp").
func ParseMethod(s string) (Method, error) {
	switch s {
	case "lerp", "linear":
		return Linear, nil
	case "slerp", "spherical":
		return Spherical, nil
	}
	return 0, fmt.Errorf("space: unknown interpolation method %q (want lerp or slerp)", s)
}

// vecDst returns dst if it has length n, a new slice if dst is nil, and
// panics otherwise.
func vecDst(dst []float32, n int, op string) []float32 {
	if dst == nil {
		return make([]float32, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("space: %s: dst has length %d, want %d", op, len(dst), n))
	}
	return dst
}

func sameLen(op string, a, b []float32) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("space: %s: vectors of length %d and %d", op, len(a), len(b)))
	}
}

// Lerp writes (1−t)·a + t·b into dst (allocated when nil) and returns it.
// dst may be a or b.
func Lerp(dst, a, b []float32, t float64) []float32 {
	sameLen("Lerp", a, b)
	dst = vecDst(dst, len(a), "Lerp")
	for i := range a {
		dst[i] = float32((1-t)*float64(a[i]) + t*float64(b[i]))
	}
	return dst
}

// slerpMinSin is the sin Ω below which Slerp falls back to Lerp: the two
// directions are (anti)parallel and the great circle is not defined, or
// the ratio of sines loses all precision.
const slerpMinSin = 1e-6

// Slerp writes the spherical interpolation between a and b at t into dst
// (allocated when nil) and returns it. It equals Lerp when a or b is zero
// or when they are parallel or antiparallel (sin Ω < 1e-6). dst may be a
// or b.
func Slerp(dst, a, b []float32, t float64) []float32 {
	sameLen("Slerp", a, b)
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return Lerp(dst, a, b, t)
	}
	c := max(-1, min(1, ab/math.Sqrt(aa*bb)))
	omega := math.Acos(c)
	s := math.Sin(omega)
	if s < slerpMinSin {
		return Lerp(dst, a, b, t)
	}
	wa := math.Sin((1-t)*omega) / s
	wb := math.Sin(t*omega) / s
	dst = vecDst(dst, len(a), "Slerp")
	for i := range a {
		dst[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
	}
	return dst
}

// Interpolate writes the point at t between a and b by method m into dst.
func Interpolate(dst, a, b []float32, t float64, m Method) []float32 {
	switch m {
	case Linear:
		return Lerp(dst, a, b, t)
	case Spherical:
		return Slerp(dst, a, b, t)
	}
	panic(fmt.Sprintf("space: unknown interpolation method %d", int(m)))
}

// Path writes steps evenly spaced points from a to b, both included, as the
// rows of dst (steps×len(a); allocated when nil or empty) and returns it.
// It panics if steps < 2.
func Path(dst *mat32.Dense, a, b []float32, steps int, m Method) *mat32.Dense {
	sameLen("Path", a, b)
	if steps < 2 {
		panic(fmt.Sprintf("space: Path: %d steps, want at least 2", steps))
	}
	dst = mat32.Reuse(dst, steps, len(a), "space: Path")
	for s := 0; s < steps; s++ {
		Interpolate(dst.Row(s), a, b, float64(s)/float64(steps-1), m)
	}
	// The ends are the inputs exactly, whatever the rounding of t·Ω.
	copy(dst.Row(0), a)
	copy(dst.Row(steps-1), b)
	return dst
}

// PathThrough writes a path through the rows of waypoints, in order:
// stepsPerLeg points from each waypoint up to (not including) the next,
// and the last waypoint at the end, so (w−1)·stepsPerLeg + 1 rows for w
// waypoints. It panics if there are fewer than 2 waypoints or stepsPerLeg
// < 1.
func PathThrough(dst, waypoints *mat32.Dense, stepsPerLeg int, m Method) *mat32.Dense {
	w := waypoints.Rows
	if w < 2 || stepsPerLeg < 1 {
		panic(fmt.Sprintf("space: PathThrough: %d waypoints, %d steps per leg", w, stepsPerLeg))
	}
	d := waypoints.Cols
	dst = mat32.Reuse(dst, (w-1)*stepsPerLeg+1, d, "space: PathThrough")
	for leg := 0; leg < w-1; leg++ {
		a, b := waypoints.Row(leg), waypoints.Row(leg+1)
		for s := 0; s < stepsPerLeg; s++ {
			r := dst.Row(leg*stepsPerLeg + s)
			if s == 0 {
				copy(r, a)
				continue
			}
			Interpolate(r, a, b, float64(s)/float64(stepsPerLeg), m)
		}
	}
	copy(dst.Row(dst.Rows-1), waypoints.Row(w-1))
	return dst
}

// Linspace returns n evenly spaced values from lo to hi, both included
// (just lo when n is 1). It panics if n < 1.
func Linspace(lo, hi float64, n int) []float64 {
	if n < 1 {
		panic(fmt.Sprintf("space: Linspace: %d values", n))
	}
	v := make([]float64, n)
	for i := range v {
		if n == 1 {
			v[i] = lo
			break
		}
		v[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	if n > 1 {
		v[n-1] = hi
	}
	return v
}

// Traverse writes one row per value into dst (len(values)×len(base);
// allocated when nil or empty): base with dimension dim set to the value.
// It is the latent traversal that shows what one dimension encodes. It
// panics if dim is out of range.
func Traverse(dst *mat32.Dense, base []float32, dim int, values []float64) *mat32.Dense {
	if dim < 0 || dim >= len(base) {
		panic(fmt.Sprintf("space: Traverse: dimension %d of %d", dim, len(base)))
	}
	dst = mat32.Reuse(dst, len(values), len(base), "space: Traverse")
	for i, v := range values {
		r := dst.Row(i)
		copy(r, base)
		r[dim] = float32(v)
	}
	return dst
}
