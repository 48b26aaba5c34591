package nn

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// sinSeq returns s·sin(a·i + b) for i < n, the deterministic inputs the
// PyTorch fixtures below were computed from.
func sinSeq(n int, a, b, s float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(s * math.Sin(a*float64(i)+b))
	}
	return out
}

// permute copies src, laid out with the given dims, into the order perm
// (perm[k] = which source axis becomes axis k).
func permute(src []float32, dims []int, perm []int) []float32 {
	n := len(dims)
	strides := make([]int, n)
	s := 1
	for k := n - 1; k >= 0; k-- {
		strides[k] = s
		s *= dims[k]
	}
	outDims := make([]int, n)
	for k, p := range perm {
		outDims[k] = dims[p]
	}
	out := make([]float32, len(src))
	idx := make([]int, n)
	for o := range out {
		off := 0
		for k := range idx {
			off += idx[k] * strides[perm[k]]
		}
		out[o] = src[off]
		for k := n - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < outDims[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out
}

func closeTo(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > tol*max(1, math.Abs(want[i])) {
			t.Errorf("%s[%d] = %.7g, want %.7g", name, i, got[i], want[i])
		}
	}
}

// TestConvMatchesPyTorch pins the layouts: PyTorch 1.13's conv2d and
// conv_transpose2d (anchors' torch, float64) on the same numbers, with
// the weights permuted from PyTorch's order to nn's.
func TestConvMatchesPyTorch(t *testing.T) {
	// torch.nn.functional.conv2d(x (1,2,5,4), w (3,2,3,3), b, stride=2, padding=1)
	c := NewConv2D(dataset.ImageShape{Height: 5, Width: 4, Channels: 2}, 3, 3, 2, 1, Linear(), nil)
	copy(c.W.Data, permute(sinSeq(3*2*3*3, 1.3, 0.2, 1), []int{3, 2, 3, 3}, []int{0, 2, 3, 1}))
	copy(c.B.Data, sinSeq(3, 2.1, 0.3, 1))
	x := mat32.FromSlice(1, 40, permute(sinSeq(40, 0.7, 0.1, 1), []int{2, 5, 4}, []int{1, 2, 0}))
	y := c.Forward(x, Eval)
	if c.Out != (dataset.ImageShape{Height: 3, Width: 2, Channels: 3}) {
		t.Fatalf("conv output shape %v", c.Out)
	}
	closeTo(t, "conv2d", y.Data, []float64{-0.8679577, -1.7004873, 0.9521346, -1.6679462, 0.4263007, 1.0662852, -1.9822149, 0.2281389, 1.4444563, -2.1270925, 0.3833047, 1.5392967, 0.0286982, 1.3630987, -0.932454, -1.6326682, 0.4296075, 1.0299408}, 2e-6)

	// conv_transpose2d(x (1,2,3,2), w (2,3,3,3), b, stride=2, padding=1, output_padding=1)
	ct := NewConvTranspose2D(dataset.ImageShape{Height: 3, Width: 2, Channels: 2}, 3, 3, 2, 1, 1, Linear(), nil)
	copy(ct.W.Data, permute(sinSeq(2*3*3*3, 0.6, 0.5, 1), []int{2, 3, 3, 3}, []int{0, 2, 3, 1}))
	copy(ct.B.Data, sinSeq(3, 1.7, 0.6, 1))
	x = mat32.FromSlice(1, 12, permute(sinSeq(12, 0.9, 0.4, 1), []int{2, 3, 2}, []int{1, 2, 0}))
	y = ct.Forward(x, Eval)
	if ct.Out != (dataset.ImageShape{Height: 6, Width: 4, Channels: 3}) {
		t.Fatalf("conv transpose output shape %v", ct.Out)
	}
	closeTo(t, "conv_transpose2d", y.Data, []float64{0.5426662, 1.3717735, 0.0598959, 0.6587355, 1.5262424, 0.1399073, 0.8955088, 1.3755892, -0.288103, 0.5309169, 1.215215, -0.1270878, -0.4840847, -0.3811485, -1.1384874, -0.9989439, -0.3851926, -0.6287618, -0.8009261, 0.0049045, -0.3315958, -0.654414, -0.5199446, -1.1443438, 0.9979583, 0.9027213, -0.9908043, 0.7660387, 0.4068883, -1.3882881, 0.772483, 0.3110267, -1.5164177, 1.1501784, 0.7403992, -1.3490737, -0.0843325, 0.9515807, 0.1535079, 0.5079609, 1.2225883, -0.0947723, 1.1233925, 1.7424544, -0.0502933, 0.5566194, 1.5143756, 0.2269598, 0.3897182, 0.0482882, -1.4671694, 0.3790341, 0.1191278, -1.3665626, 0.1393325, 0.3133409, -0.8803296, 0.3322981, 0.2786064, -1.1173867, 1.3433666, 1.2415456, -0.9061138, 1.2479754, 1.1553256, -0.9201691, 0.8659614, 0.653784, -1.1748049, 1.0202352, 0.9326358, -0.9751083}, 2e-6)
}

// naiveConv is the textbook convolution, in float64, NHWC.
func naiveConv(x []float32, in dataset.ImageShape, w, b []float32, oc, k, s, p int) []float64 {
	oh := (in.Height+2*p-k)/s + 1
	ow := (in.Width+2*p-k)/s + 1
	out := make([]float64, oh*ow*oc)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			for o := 0; o < oc; o++ {
				acc := float64(b[o])
				for ky := 0; ky < k; ky++ {
					for kx := 0; kx < k; kx++ {
						iy, ix := oy*s-p+ky, ox*s-p+kx
						if iy < 0 || iy >= in.Height || ix < 0 || ix >= in.Width {
							continue
						}
						for c := 0; c < in.Channels; c++ {
							acc += float64(x[(iy*in.Width+ix)*in.Channels+c]) * float64(w[((o*k+ky)*k+kx)*in.Channels+c])
						}
					}
				}
				out[(oy*ow+ox)*oc+o] = acc
			}
		}
	}
	return out
}

func TestConvAgainstNaiveAndAdjoint(t *testing.T) {
	rng := dataset.NewRand(20, 0)
	in := dataset.ImageShape{Height: 7, Width: 6, Channels: 3}
	for _, cs := range convCases {
		name := fmt.Sprintf("k%d s%d p%d", cs.k, cs.s, cs.p)
		c := NewConv2D(in, 4, cs.k, cs.s, cs.p, Linear(), rng)
		x := randMat(rng, 2, in.Size(), 1)
		y := c.Forward(x, Eval)
		for i := 0; i < 2; i++ {
			closeTo(t, "conv "+name, y.Row(i), naiveConv(x.Row(i), in, c.W.Data, c.B.Data, 4, cs.k, cs.s, cs.p), 1e-5)
		}
		// The transposed convolution with the same weights is the adjoint:
		// ⟨conv(x), u⟩ = ⟨x, convT(u)⟩ (biases zero).
		op := in.Height - ((c.Out.Height-1)*cs.s - 2*cs.p + cs.k)
		if op < 0 || op >= cs.s || in.Width-((c.Out.Width-1)*cs.s-2*cs.p+cs.k) != op {
			continue
		}
		ct := NewConvTranspose2D(c.Out, in.Channels, cs.k, cs.s, cs.p, op, Linear(), nil)
		copy(ct.W.Data, c.W.Data)
		clear(c.B.Data)
		u := randMat(rng, 2, c.Out.Size(), 1)
		lhs := dotLoss(c.Forward(x, Eval), u)
		rhs := dotLoss(ct.Forward(u, Eval), x)
		if math.Abs(lhs-rhs) > 1e-4*max(1, math.Abs(lhs)) {
			t.Errorf("%s op%d: ⟨conv x, u⟩ = %v, ⟨x, convT u⟩ = %v", name, op, lhs, rhs)
		}
	}
}

// TestLossesMatchPyTorch compares with torch.nn.functional on the same
// numbers (PyTorch 1.13, float64).
func TestLossesMatchPyTorch(t *testing.T) {
	x := mat32.FromSlice(2, 3, sinSeq(6, 1.1, 0.2, 4))
	tg := mat32.FromSlice(2, 3, sinSeq(6, 0.8, 0.5, 1))
	for i := range tg.Data {
		tg.Data[i] = tg.Data[i]*0.5 + 0.5
	}
	p := mat32.New(2, 3)
	for i, v := range x.Data {
		p.Data[i] = sigmoidf(v)
	}
	lv := mat32.FromSlice(2, 3, sinSeq(6, 0.5, 0.3, 1))
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"binary_cross_entropy_with_logits sum", BCEWithLogits(nil, x, tg, Sum), 3.0922920785225863},
		{"binary_cross_entropy mean", BCE(nil, p, tg, Mean), 0.5153820130870977},
		{"mse_loss sum", MSE(nil, x, tg, Sum), 38.1038349188514},
		{"gaussian_nll_loss(full=True) mean", GaussianNLL(nil, nil, x, lv, tg, Mean), 2.811843971149253},
	} {
		if math.Abs(c.got-c.want) > 1e-6*math.Abs(c.want) {
			t.Errorf("%s = %.9g, PyTorch %.9g", c.name, c.got, c.want)
		}
	}
}

func TestKLParts(t *testing.T) {
	rng := dataset.NewRand(21, 0)
	mu, lv := randMat(rng, 5, 3, 1), randMat(rng, 5, 3, 0.5)
	total := KLStdNormal(nil, nil, mu, lv, Sum)
	perSample := KLPerSample(nil, mu, lv)
	perDim := KLPerDim(nil, mu, lv)
	var a, b, direct float64
	for _, v := range perSample {
		a += v
	}
	for _, v := range perDim {
		b += v
	}
	for i := range mu.Data {
		m, l := float64(mu.Data[i]), float64(lv.Data[i])
		direct += 0.5 * (m*m + math.Exp(l) - 1 - l)
	}
	for _, v := range []float64{total, a, b} {
		if math.Abs(v-direct) > 1e-5*direct {
			t.Errorf("KL total %v / per sample %v / per dim %v, direct %v", total, a, b, direct)
		}
	}
	if got := KLStdNormal(nil, nil, mu, lv, BatchMean); math.Abs(got-direct/5) > 1e-5 {
		t.Errorf("batchmean %v, want %v", got, direct/5)
	}
	// Free bits below every dimension's KL change nothing; above every one
	// the value is the floor.
	if got := FreeBitsKL(nil, nil, mu, lv, 0, Sum); math.Abs(got-direct) > 1e-5*direct {
		t.Errorf("free bits 0: %v, want %v", got, direct)
	}
	g1, g2 := mat32.New(5, 3), mat32.New(5, 3)
	if got := FreeBitsKL(g1, g2, mu, lv, 100, BatchMean); math.Abs(got-300) > 1e-9 {
		t.Errorf("free bits 100: %v, want 300", got)
	}
	for i := range g1.Data {
		if g1.Data[i] != 0 || g2.Data[i] != 0 {
			t.Fatal("free bits: clamped dimensions must get zero gradient")
		}
	}
}

// TestOptimizersMatchPyTorch runs four steps on fixed gradients and
// compares with torch.optim (PyTorch 1.13, float32) on the same numbers.
func TestOptimizersMatchPyTorch(t *testing.T) {
	for _, c := range []struct {
		name string
		mk   func(ps []*Param) Optimizer
		want []float64
	}{
		{"Adam(lr=0.01, weight_decay=0.1)", func(ps []*Param) Optimizer {
			a := NewAdam(ps, 0.01)
			a.WeightDecay = 0.1
			return a
		}, []float64{0.05983517, 0.80140102, 0.90838438, 0.30893403, -0.5422852}},
		{"AdamW(lr=0.01, weight_decay=0.1)", func(ps []*Param) Optimizer { return NewAdamW(ps, 0.01, 0.1) },
			[]float64{0.05949465, 0.79809958, 0.90486568, 0.30801541, -0.54101497}},
		{"SGD(lr=0.1, momentum=0.9, weight_decay=0.01)", func(ps []*Param) Optimizer {
			s := NewSGD(ps, 0.1, 0.9)
			s.WeightDecay = 0.01
			return s
		}, []float64{-1.0651927, -0.83379143, -0.47103754, -0.39737055, -0.70764345}},
		{"SGD(lr=0.1, momentum=0.9, nesterov=True)", func(ps []*Param) Optimizer {
			s := NewSGD(ps, 0.1, 0.9)
			s.Nesterov = true
			return s
		}, []float64{-1.46485519, -1.41180873, -0.833911, -0.40866536, -0.56880671}},
	} {
		withKern(t, func(on bool) {
			p := newParam("w", 5)
			copy(p.Data, sinSeq(5, 0.9, 0.1, 1))
			opt := c.mk([]*Param{p})
			for step := 1; step <= 4; step++ {
				copy(p.Grad, sinSeq(5, 0.3*float64(step), 0.7, 2))
				opt.Step()
			}
			closeTo(t, fmt.Sprintf("%s kernel=%v", c.name, on), p.Data, c.want, 2e-6)
		})
	}
}

func TestSchedulesAndClipping(t *testing.T) {
	p := newParam("w", 3)
	copy(p.Grad, []float32{3, 4, 0})
	if n := ClipGradNorm([]*Param{p}, 1); math.Abs(n-5) > 1e-6 {
		t.Errorf("norm before clipping %v, want 5", n)
	}
	if n := GradNorm([]*Param{p}); math.Abs(n-1) > 1e-5 {
		t.Errorf("norm after clipping %v, want 1", n)
	}
	if n := ClipGradNorm([]*Param{p}, 10); math.Abs(n-1) > 1e-5 || math.Abs(GradNorm([]*Param{p})-1) > 1e-5 {
		t.Error("clipping above the norm must not change the gradients")
	}
	s := Warmup(2, StepDecay(3, 0.5))
	want := []float64{0.5, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25}
	for i, w := range want {
		if got := s(i + 1); math.Abs(got-w) > 1e-12 {
			t.Errorf("warmup+step decay at step %d: %v, want %v", i+1, got, w)
		}
	}
	cd := CosineDecay(10, 0.1)
	if cd(1) != 1 || math.Abs(cd(6)-0.55) > 1e-12 || math.Abs(cd(11)-0.1) > 1e-12 || math.Abs(cd(50)-0.1) > 1e-12 {
		t.Errorf("cosine decay: %v %v %v", cd(1), cd(6), cd(11))
	}
	// The schedule scales the step: with factor 0 Adam leaves p alone.
	q := newParam("q", 2)
	copy(q.Grad, []float32{1, -1})
	a := NewAdam([]*Param{q}, 0.1)
	a.Schedule = func(int) float64 { return 0 }
	a.Step()
	if q.Data[0] != 0 || q.Data[1] != 0 {
		t.Errorf("Adam with zero learning rate moved %v", q.Data)
	}
}

func TestInitStatistics(t *testing.T) {
	const in, out = 400, 300
	for _, c := range []struct {
		scheme Init
		std    float64 // expected standard deviation of the weights
		bias   bool    // whether biases are random
	}{
		{InitTorch, 1 / math.Sqrt(3*in), true},
		{InitHeUniform, math.Sqrt(2.0 / in), false},
		{InitHeNormal, math.Sqrt(2.0 / in), false},
		{InitXavierUniform, math.Sqrt(2.0 / (in + out)), false},
		{InitXavierNormal, math.Sqrt(2.0 / (in + out)), false},
	} {
		d := NewDense(in, out, Linear(), nil)
		InitParams(d.Params(), c.scheme, dataset.NewRand(1, 0))
		var s, ss float64
		for _, v := range d.W.Data {
			s += float64(v)
			ss += float64(v) * float64(v)
		}
		n := float64(len(d.W.Data))
		std := math.Sqrt(ss/n - (s/n)*(s/n))
		if math.Abs(std-c.std) > 0.01*c.std || math.Abs(s/n) > 0.01*c.std {
			t.Errorf("%v: weight mean %.3g std %.4g, want 0 and %.4g", c.scheme, s/n, std, c.std)
		}
		nonzero := false
		for _, v := range d.B.Data {
			if math.Abs(float64(v)) > 1/math.Sqrt(in) {
				t.Errorf("%v: bias %v outside ±1/√fanIn", c.scheme, v)
			}
			nonzero = nonzero || v != 0
		}
		if nonzero != c.bias {
			t.Errorf("%v: random biases %v, want %v", c.scheme, nonzero, c.bias)
		}
		if got, err := ParseInit(c.scheme.String()); err != nil || got != c.scheme {
			t.Errorf("ParseInit(%q) = %v, %v", c.scheme.String(), got, err)
		}
	}
	a := NewDense(5, 4, ReLU(), dataset.NewRand(3, 0))
	b := NewDense(5, 4, ReLU(), dataset.NewRand(3, 0))
	if fmt.Sprint(a.W.Data) != fmt.Sprint(b.W.Data) {
		t.Error("same seed, different weights")
	}
	if _, err := ParseInit("glorot"); err == nil || !strings.Contains(err.Error(), "unknown initialisation") {
		t.Errorf("ParseInit(glorot) error %v", err)
	}
}

func TestBatchNormRunningStats(t *testing.T) {
	rng := dataset.NewRand(22, 0)
	b := NewBatchNorm(2)
	x := randMat(rng, 3, 4, 2) // 3 images of 2 pixels × 2 channels
	y := b.Forward(x, Train)
	for c := 0; c < 2; c++ {
		var vals []float64
		for p := 0; p < 6; p++ {
			vals = append(vals, float64(x.Data[p*2+c]))
		}
		var m, v, ym, yv float64
		for i, a := range vals {
			m += a / 6
			ym += float64(y.Data[i*2+c]) / 6
		}
		for i, a := range vals {
			v += (a - m) * (a - m)
			d := float64(y.Data[i*2+c]) - ym
			yv += d * d / 6
		}
		if math.Abs(ym) > 1e-6 || math.Abs(yv-v/6/(v/6+1e-5)) > 1e-5 {
			t.Errorf("channel %d: output mean %v variance %v", c, ym, yv)
		}
		if rm := float64(b.RunningMean.Data[c]); math.Abs(rm-0.1*m) > 1e-6 {
			t.Errorf("running mean %v, want %v", rm, 0.1*m)
		}
		if rv := float64(b.RunningVar.Data[c]); math.Abs(rv-(0.9+0.1*v/5)) > 1e-6 {
			t.Errorf("running var %v, want %v (unbiased)", rv, 0.9+0.1*v/5)
		}
	}
	// Eval mode uses the running statistics.
	ye := b.Forward(x, Eval)
	want := (float64(x.Data[0]) - float64(b.RunningMean.Data[0])) / math.Sqrt(float64(b.RunningVar.Data[0])+1e-5)
	if math.Abs(float64(ye.Data[0])-want) > 1e-6 {
		t.Errorf("eval output %v, want %v", ye.Data[0], want)
	}
	if len(Tensors(b)) != 4 || Tensors(b)[3].Name != "running_var" || Tensors(b)[3].Grad != nil {
		t.Error("BatchNorm tensors: want weight, bias, running_mean, running_var (buffers without gradients)")
	}
}

func TestDropoutBehaviour(t *testing.T) {
	x := mat32.New(200, 100)
	for i := range x.Data {
		x.Data[i] = 1
	}
	d := NewDropout(0.3, dataset.NewRand(1, 0))
	y := d.Forward(x, Train)
	kept := 0
	for _, v := range y.Data {
		switch v {
		case 0:
		case float32(1 / 0.7):
			kept++
		default:
			t.Fatalf("dropout output %v, want 0 or 1/0.7", v)
		}
	}
	if f := float64(kept) / float64(len(y.Data)); math.Abs(f-0.7) > 0.01 {
		t.Errorf("kept fraction %v, want 0.7", f)
	}
	if d.Forward(x, Eval) != x {
		t.Error("Eval mode must return the input unchanged")
	}
	d2 := NewDropout(0.3, dataset.NewRand(1, 0))
	if fmt.Sprint(d2.Forward(x, Train).Data[:50]) != fmt.Sprint(NewDropout(0.3, dataset.NewRand(1, 0)).Forward(x, Train).Data[:50]) {
		t.Error("same seed, different masks")
	}
}

func TestNamesAndCounts(t *testing.T) {
	rng := dataset.NewRand(1, 0)
	enc := NewSequential("enc", NewDense(4, 3, ReLU(), rng), NewBatchNorm(3), NewDense(3, 2, Linear(), rng))
	var names []string
	for _, p := range Tensors(enc) {
		names = append(names, p.Name)
	}
	want := "enc.0.weight enc.0.bias enc.1.weight enc.1.bias enc.2.weight enc.2.bias enc.1.running_mean enc.1.running_var"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names %q\nwant  %q", got, want)
	}
	if n := CountParams(Tensors(enc)); n != 4*3+3+3+3+3*2+2 {
		t.Errorf("CountParams = %d", n)
	}
	v := newMLPVAE(784, 512, 256, 20, ReLU(), rng)
	// The anchor's PyTorch VAE has 1,082,680 parameters (results/vae.txt).
	if n := CountParams(v.params()); n != 1082680 {
		t.Errorf("MLP VAE has %d parameters, PyTorch's 1082680", n)
	}
	if s := v.params()[0].Shape; len(s) != 2 || s[0] != 512 || s[1] != 784 {
		t.Errorf("first weight shape %v, want [512 784] like nn.Linear", s)
	}
}

// mustPanic asserts that f panics with a message starting with "nn:" and
// containing want.
func mustPanic(t *testing.T, name, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
			return
		}
		msg := fmt.Sprint(r)
		if !strings.HasPrefix(msg, "nn:") && !strings.HasPrefix(msg, "mat32:") || !strings.Contains(msg, want) {
			t.Errorf("%s: panic %q, want an nn: message containing %q", name, msg, want)
		}
	}()
	f()
}

func TestCallerBugsPanic(t *testing.T) {
	rng := dataset.NewRand(1, 0)
	img := dataset.ImageShape{Height: 4, Width: 4, Channels: 1}
	mustPanic(t, "dense columns", "input has 5 columns, want 4", func() { NewDense(4, 2, Linear(), rng).Forward(mat32.New(2, 5), Train) })
	mustPanic(t, "backward first", "Backward without a Forward", func() { NewDense(4, 2, Linear(), rng).Backward(mat32.New(2, 2)) })
	mustPanic(t, "backward shape", "Backward gradient is 3×2", func() {
		d := NewDense(4, 2, Linear(), rng)
		d.Forward(mat32.New(2, 4), Train)
		d.Backward(mat32.New(3, 2))
	})
	mustPanic(t, "loss shapes", "shapes 2×3 and 2×4 differ", func() { MSE(nil, mat32.New(2, 3), mat32.New(2, 4), Sum) })
	mustPanic(t, "conv stride", "stride 0", func() { NewConv2D(img, 2, 3, 0, 1, Linear(), rng) })
	mustPanic(t, "conv kernel", "kernel 6 larger", func() { NewConv2D(img, 2, 6, 1, 0, Linear(), rng) })
	mustPanic(t, "convT output padding", "output padding 2", func() { NewConvTranspose2D(img, 2, 3, 2, 1, 2, Linear(), rng) })
	mustPanic(t, "batchnorm channels", "not a multiple of 3 channels", func() { NewBatchNorm(3).Forward(mat32.New(2, 4), Train) })
	mustPanic(t, "dropout p", "probability 1 not in [0, 1)", func() { NewDropout(1, rng) })
	mustPanic(t, "leaky slope", "slope -0.1", func() { LeakyReLU(-0.1) })
	mustPanic(t, "branch", "2 gradients for 1 heads", func() { NewBranch("", NewDense(2, 2, Linear(), rng)).Backward(make([]*mat32.Dense, 2)) })
	mustPanic(t, "sequential", "layer 1 returned no input gradient", func() {
		second := NewDense(3, 2, Linear(), rng)
		second.NoInputGrad = true
		s := NewSequential("", NewDense(2, 3, Linear(), rng), second)
		s.Forward(mat32.New(1, 2), Train)
		s.Backward(mat32.New(1, 2))
	})
	mustPanic(t, "clip", "max norm 0", func() { ClipGradNorm(nil, 0) })
	if _, err := ConvOut(img, 2, 3, 1, 3); err == nil || !strings.Contains(err.Error(), "padding 3 not in [0, kernel 3)") {
		t.Errorf("ConvOut error %v", err)
	}
	if _, err := ConvTransposeOut(dataset.ImageShape{}, 2, 3, 1, 0, 0); err == nil || !strings.Contains(err.Error(), "not an image") {
		t.Errorf("ConvTransposeOut error %v", err)
	}
}

func TestConcatAndSliceCols(t *testing.T) {
	a := mat32.FromRows([][]float32{{1, 2}, {3, 4}})
	b := mat32.FromRows([][]float32{{5}, {6}})
	c := ConcatCols(nil, a, b)
	if fmt.Sprint(c.Data) != "[1 2 5 3 4 6]" {
		t.Errorf("ConcatCols = %v", c.Data)
	}
	if s := SliceCols(nil, c, 1, 3); fmt.Sprint(s.Data) != "[2 5 4 6]" || s.Cols != 2 {
		t.Errorf("SliceCols = %v", s)
	}
	mustPanic(t, "concat rows", "part 1 has 1 rows", func() { ConcatCols(nil, a, mat32.New(1, 1)) })
	mustPanic(t, "slice range", "columns [2,4) of 3", func() { SliceCols(nil, c, 2, 4) })
	mustPanic(t, "dst shape", "dst is 1×1, want 2×3", func() { ConcatCols(mat32.New(1, 1), a, b) })
}

// TestBiasGradientChunks checks the fused activation/bias backward pass
// on shapes that need several row chunks and narrow (convolution-like) or
// wide rows, against float64 column sums.
func TestBiasGradientChunks(t *testing.T) {
	rng := dataset.NewRand(23, 0)
	for _, sh := range []struct{ n, c int }{{20011, 32}, {9000, 40}, {700, 515}, {3, 5}} {
		for _, a := range []Act{Linear(), ReLU(), Tanh()} {
			y := randMat(rng, sh.n, sh.c, 1)
			a.apply(y.Data)
			dy := randMat(rng, sh.n, sh.c, 1)
			gb := make([]float32, sh.c)
			var g actGrad
			dz := g.backward(dy, y, a, gb)
			want := make([]float64, sh.c)
			wantDz := make([]float32, len(dy.Data))
			a.backward(wantDz, dy.Data, y.Data)
			for i, v := range wantDz {
				want[i%sh.c] += float64(v)
				if dz.Data[i] != v {
					t.Fatalf("%v %dx%d: dz[%d] = %v, want %v", a, sh.n, sh.c, i, dz.Data[i], v)
				}
			}
			for j := range gb {
				if math.Abs(float64(gb[j])-want[j]) > 1e-4*math.Sqrt(float64(sh.n)) {
					t.Errorf("%v %dx%d: bias gradient %d = %v, want %v", a, sh.n, sh.c, j, gb[j], want[j])
				}
			}
		}
	}
}
