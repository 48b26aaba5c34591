package space

import (
	"math"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func norm64(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

func angle(a, b []float32) float64 {
	var ab float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
	}
	return math.Acos(max(-1, min(1, ab/(norm64(a)*norm64(b)))))
}

func TestLerp(t *testing.T) {
	a, b := []float32{1, 2, 3}, []float32{3, 2, -1}
	for _, c := range []struct {
		t    float64
		want []float32
	}{{0, a}, {1, b}, {0.5, []float32{2, 2, 1}}, {0.25, []float32{1.5, 2, 2}}, {2, []float32{5, 2, -5}}} {
		got := Lerp(nil, a, b, c.t)
		for i := range got {
			if !near(float64(got[i]), float64(c.want[i]), 1e-6) {
				t.Errorf("Lerp t=%g: %v, want %v", c.t, got, c.want)
				break
			}
		}
	}
	// dst may be an input.
	x := []float32{1, 2, 3}
	Lerp(x, x, b, 1)
	if x[0] != 3 || x[2] != -1 {
		t.Errorf("Lerp into a: %v", x)
	}
}

// TestSlerpNumpy compares with the textbook formula evaluated by numpy:
// slerp([1,0,0], [0,2,0], t) at t = 0.5 and 0.25.
func TestSlerpNumpy(t *testing.T) {
	a, b := []float32{1, 0, 0}, []float32{0, 2, 0}
	for _, c := range []struct {
		t    float64
		want []float64
	}{{0.5, []float64{0.70710678, 1.41421356, 0}}, {0.25, []float64{0.92387953, 0.76536686, 0}}} {
		got := Slerp(nil, a, b, c.t)
		for i := range got {
			if !near(float64(got[i]), c.want[i], 1e-6) {
				t.Errorf("Slerp t=%g: %v, want %v", c.t, got, c.want)
				break
			}
		}
	}
}

// TestSlerpGeometry: for random codes of equal norm, every point of a
// slerp has that norm and lies at angle t·Ω from a, while the lerp
// midpoint is shorter.
func TestSlerpGeometry(t *testing.T) {
	rng := dataset.NewRand(1, 0)
	for trial := 0; trial < 20; trial++ {
		a, b := make([]float32, 16), make([]float32, 16)
		for i := range a {
			a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		nb := norm64(b)
		na := norm64(a)
		for i := range b {
			b[i] = float32(float64(b[i]) * na / nb)
		}
		omega := angle(a, b)
		for _, tt := range []float64{0, 0.1, 0.5, 0.9, 1} {
			p := Slerp(nil, a, b, tt)
			if !near(norm64(p), na, 1e-4*na) {
				t.Fatalf("slerp norm %g, want %g", norm64(p), na)
			}
			if tt > 0 && !near(angle(a, p), tt*omega, 1e-3) {
				t.Fatalf("slerp angle %g, want %g", angle(a, p), tt*omega)
			}
		}
		if m := norm64(Lerp(nil, a, b, 0.5)); m >= na {
			t.Fatalf("lerp midpoint norm %g not below %g", m, na)
		}
	}
}

func TestSlerpFallsBackToLerp(t *testing.T) {
	for _, c := range []struct{ a, b []float32 }{
		{[]float32{1, 2}, []float32{2, 4}},   // parallel
		{[]float32{1, 2}, []float32{-1, -2}}, // antiparallel
		{[]float32{0, 0}, []float32{3, 4}},   // zero
	} {
		s, l := Slerp(nil, c.a, c.b, 0.3), Lerp(nil, c.a, c.b, 0.3)
		for i := range s {
			if s[i] != l[i] {
				t.Errorf("Slerp(%v, %v) = %v, Lerp %v", c.a, c.b, s, l)
			}
		}
	}
}

func TestPath(t *testing.T) {
	a, b := []float32{1, 0.1, -3}, []float32{-2, 5, 0.7}
	for _, m := range []Method{Linear, Spherical} {
		p := Path(nil, a, b, 7, m)
		if p.Rows != 7 || p.Cols != 3 {
			t.Fatalf("%v: %d×%d", m, p.Rows, p.Cols)
		}
		for j := range a {
			if p.At(0, j) != a[j] || p.At(6, j) != b[j] {
				t.Fatalf("%v: ends %v %v", m, p.Row(0), p.Row(6))
			}
		}
		mid := Interpolate(nil, a, b, 0.5, m)
		for j := range mid {
			if !near(float64(p.At(3, j)), float64(mid[j]), 1e-6) {
				t.Fatalf("%v: middle %v, want %v", m, p.Row(3), mid)
			}
		}
	}
	w := mat32.FromRows([][]float32{{0, 0}, {1, 0}, {1, 1}})
	p := PathThrough(nil, w, 4, Linear)
	if p.Rows != 9 {
		t.Fatalf("PathThrough: %d rows", p.Rows)
	}
	want := [][]float32{{0, 0}, {0.25, 0}, {0.5, 0}, {0.75, 0}, {1, 0}, {1, 0.25}, {1, 0.5}, {1, 0.75}, {1, 1}}
	for i, r := range want {
		if !near(float64(p.At(i, 0)), float64(r[0]), 1e-6) || !near(float64(p.At(i, 1)), float64(r[1]), 1e-6) {
			t.Errorf("PathThrough row %d: %v, want %v", i, p.Row(i), r)
		}
	}
}

func TestTraverseAndLinspace(t *testing.T) {
	v := Linspace(-3, 3, 7)
	if len(v) != 7 || v[0] != -3 || v[3] != 0 || v[6] != 3 {
		t.Fatalf("Linspace: %v", v)
	}
	if v := Linspace(2, 5, 1); len(v) != 1 || v[0] != 2 {
		t.Fatalf("Linspace n=1: %v", v)
	}
	base := []float32{1, 2, 3}
	tr := Traverse(nil, base, 1, v)
	for i := 0; i < tr.Rows; i++ {
		if tr.At(i, 0) != 1 || tr.At(i, 2) != 3 || float64(tr.At(i, 1)) != v[i] {
			t.Fatalf("Traverse row %d: %v", i, tr.Row(i))
		}
	}
	if base[1] != 2 {
		t.Fatal("Traverse modified base")
	}
}

func TestAttributeVector(t *testing.T) {
	z := mat32.FromRows([][]float32{{1, 0}, {3, 0}, {0, 2}, {0, 4}, {9, 9}})
	v, err := AttributeVector(nil, z, []int{0, 1}, []int{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if v[0] != 2 || v[1] != -3 {
		t.Fatalf("attribute vector %v, want [2 -3]", v)
	}
	m, _ := MeanRows(nil, z, nil)
	if m[0] != 2.6 || m[1] != 3 {
		t.Fatalf("MeanRows all: %v", m)
	}
	out := AddScaled(nil, []float32{1, 1}, v, []float64{0, 1, -0.5})
	want := [][]float32{{1, 1}, {3, -2}, {0, 2.5}}
	for i, r := range want {
		if out.At(i, 0) != r[0] || out.At(i, 1) != r[1] {
			t.Errorf("AddScaled row %d: %v, want %v", i, out.Row(i), r)
		}
	}
	for _, c := range []struct {
		with, without []int
		msg           string
	}{{nil, []int{1}, "no codes with"}, {[]int{1}, nil, "no codes without"}} {
		if _, err := AttributeVector(nil, z, c.with, c.without); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("AttributeVector(%v, %v): %v, want %q", c.with, c.without, err, c.msg)
		}
	}
	if _, err := MeanRows(nil, z, []int{}); err == nil {
		t.Error("MeanRows of no rows: no error")
	}
}

// TestFitGaussianNumpy compares with numpy: z.mean(0), np.cov(z.T) and
// np.linalg.cholesky(np.cov(z.T)) for the 5×3 matrix below.
func TestFitGaussianNumpy(t *testing.T) {
	z := mat32.FromRows([][]float32{{1, 2, 0.5}, {3, 5, -1}, {4, 4, 2}, {0, 1, 1}, {2, 2.5, 0}})
	g, err := FitGaussian(z)
	if err != nil {
		t.Fatal(err)
	}
	wantMean := []float64{2, 2.9, 0.5}
	wantCov := []float64{2.5, 2.25, 0.125, 2.25, 2.55, -0.5625, 0.125, -0.5625, 1.25}
	wantL := []float64{1.58113883, 0, 0, 1.42302495, 0.72456884, 0, 0.07905694, -0.93158851, 0.61310102}
	for i, w := range wantMean {
		if !near(g.Mean[i], w, 1e-6) {
			t.Errorf("mean %v, want %v", g.Mean, wantMean)
			break
		}
	}
	for i, w := range wantCov {
		if !near(g.Cov[i], w, 1e-6) {
			t.Errorf("cov %v, want %v", g.Cov, wantCov)
			break
		}
	}
	l, err := cholesky(g.Cov, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range wantL {
		if !near(l[i], w, 1e-6) {
			t.Errorf("cholesky %v, want %v", l, wantL)
			break
		}
	}
	if err := g.Validate(); err != nil {
		t.Error(err)
	}
}

// TestGaussianSampleMoments: 20,000 samples have the Gaussian's mean and
// covariance within sampling error, and one seed gives one set.
func TestGaussianSampleMoments(t *testing.T) {
	g := Gaussian{Mean: []float64{1, -2}, Cov: []float64{4, 1.5, 1.5, 1}}
	const n = 20000
	s, err := g.Sample(nil, n, 1, dataset.NewRand(3, 0))
	if err != nil {
		t.Fatal(err)
	}
	f, err := FitGaussian(s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range g.Mean {
		if !near(f.Mean[i], g.Mean[i], 0.05) {
			t.Errorf("sample mean %v, want %v", f.Mean, g.Mean)
		}
	}
	for i := range g.Cov {
		if !near(f.Cov[i], g.Cov[i], 0.1) {
			t.Errorf("sample cov %v, want %v", f.Cov, g.Cov)
			break
		}
	}
	again, _ := g.Sample(nil, n, 1, dataset.NewRand(3, 0))
	for i := range s.Data {
		if s.Data[i] != again.Data[i] {
			t.Fatal("same seed, different samples")
		}
	}
	// Temperature 0 gives the mean.
	z, _ := g.Sample(nil, 2, 0, dataset.NewRand(3, 0))
	if z.At(1, 0) != 1 || z.At(1, 1) != -2 {
		t.Errorf("temperature 0: %v", z.Row(1))
	}
	p := StandardNormal(3)
	s3, _ := p.Sample(nil, 5000, 1, dataset.NewRand(4, 0))
	f3, _ := FitGaussian(s3)
	for j := 0; j < 3; j++ {
		if !near(f3.Cov[j*3+j], 1, 0.08) || !near(f3.Mean[j], 0, 0.05) {
			t.Errorf("standard normal: mean %v cov %v", f3.Mean, f3.Cov)
		}
	}
}

// TestFitGaussianSingular: codes that lie on a line (rank 1) get a ridge
// and still sample.
func TestFitGaussianSingular(t *testing.T) {
	z := mat32.New(50, 3)
	for i := 0; i < 50; i++ {
		v := float32(i) / 10
		z.Set(i, 0, v)
		z.Set(i, 1, 2*v)
		z.Set(i, 2, 1)
	}
	g, err := FitGaussian(z)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Sample(nil, 3, 1, dataset.NewRand(1, 0)); err != nil {
		t.Fatal(err)
	}
}

func TestGaussianErrors(t *testing.T) {
	nan := mat32.FromRows([][]float32{{1, 2}, {float32(math.NaN()), 0}, {3, 3}})
	if _, err := FitGaussian(nan); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN codes: %v", err)
	}
	if _, err := FitGaussian(mat32.New(1, 4)); err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("one code: %v", err)
	}
	for _, c := range []struct {
		g   Gaussian
		msg string
	}{
		{Gaussian{}, "dimension 0"},
		{Gaussian{Mean: []float64{0, math.Inf(1)}}, "mean[1]"},
		{Gaussian{Mean: []float64{0, 0}, Cov: []float64{1, 0, 0}}, "3 values"},
		{Gaussian{Mean: []float64{0, 0}, Cov: []float64{1, 0.5, 0.4, 1}}, "not symmetric"},
		{Gaussian{Mean: []float64{0, 0}, Cov: []float64{1, 2, 2, 1}}, "not positive definite"},
		{Gaussian{Mean: []float64{0, 0}, Cov: []float64{1, math.NaN(), math.NaN(), 1}}, "is NaN"},
	} {
		if err := c.g.Validate(); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Validate(%v): %v, want %q", c.g, err, c.msg)
		}
	}
}

func TestParseMethod(t *testing.T) {
	for s, want := range map[string]Method{"lerp": Linear, "slerp": Spherical, "linear": Linear} {
		if m, err := ParseMethod(s); err != nil || m != want {
			t.Errorf("ParseMethod(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseMethod("cubic"); err == nil || !strings.Contains(err.Error(), "lerp or slerp") {
		t.Errorf("ParseMethod(cubic): %v", err)
	}
	if Spherical.String() != "slerp" || Linear.String() != "lerp" {
		t.Error("String")
	}
}

func TestPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Lerp lengths":     func() { Lerp(nil, []float32{1}, []float32{1, 2}, 0.5) },
		"Lerp dst":         func() { Lerp(make([]float32, 3), []float32{1}, []float32{1}, 0.5) },
		"Path steps":       func() { Path(nil, []float32{1}, []float32{2}, 1, Linear) },
		"Path dst":         func() { Path(mat32.New(3, 3), []float32{1}, []float32{2}, 4, Linear) },
		"Traverse dim":     func() { Traverse(nil, []float32{1, 2}, 2, []float64{0}) },
		"PathThrough":      func() { PathThrough(nil, mat32.New(1, 2), 3, Linear) },
		"Interpolate":      func() { Interpolate(nil, []float32{1}, []float32{2}, 0.5, Method(7)) },
		"MeanRows range":   func() { MeanRows(nil, mat32.New(2, 2), []int{2}) },
		"StandardNormal 0": func() { StandardNormal(0) },
		"Linspace 0":       func() { Linspace(0, 1, 0) },
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", name)
					return
				}
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "space: ") {
					t.Errorf("%s: panic %v does not start with \"space: \"", name, r)
				}
			}()
			f()
		}()
	}
}
