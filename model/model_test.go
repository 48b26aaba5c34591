package model

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// TestTinyVAEOverfits: a VAE with far more parameters than rows memorises
// 32 rows of random prototypes: by the last epoch its training loss has
// fallen far below its loss on 32 held-out rows, which it cannot predict
// and which got worse after an early minimum; the model keeps the weights
// of that minimum.
func TestTinyVAEOverfits(t *testing.T) {
	d := blobs(64, 32, 64, 31) // every row its own random prototype
	d.Labels, d.Classes = nil, nil
	c := smallConfig(VAE, MLP, 8)
	c.Hidden = []int{128, 64}
	c.Likelihood = Gaussian // its floor is 0, where Bernoulli's is the rows' entropy
	m, err := Train(context.Background(), d, c, TrainOptions{Epochs: 300, Batch: 8, LR: 2e-3, Val: 0.5, Seed: 3, Normalize: "standardize"})
	if err != nil {
		t.Fatal(err)
	}
	card := m.Card()
	h := card.History
	first, last := h[0], h[len(h)-1]
	best := h[card.BestEpoch-1]
	t.Logf("train loss %.2f → %.2f; validation %.2f → %.2f (best %.2f at epoch %d)", first.Train.Loss, last.Train.Loss, first.Val.Loss, last.Val.Loss, best.Val.Loss, card.BestEpoch)
	if last.Train.Loss > 0.6*last.Val.Loss {
		t.Errorf("last epoch: training loss %.2f not far below validation %.2f", last.Train.Loss, last.Val.Loss)
	}
	if last.Train.Loss > 0.7*first.Train.Loss {
		t.Errorf("training loss %.2f → %.2f: too little learning", first.Train.Loss, last.Train.Loss)
	}
	if last.Val.Loss < 1.1*best.Val.Loss || card.BestEpoch >= len(h)/2 {
		t.Errorf("validation loss %.2f at the end, best %.2f at epoch %d: no overfitting", last.Val.Loss, best.Val.Loss, card.BestEpoch)
	}
	// The model holds the best epoch's weights, not the overfitted ones.
	a := m.(*Autoencoder)
	ev, err := a.Evaluate(d.X, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ev.NegELBO > 1.2*best.Val.Loss {
		t.Errorf("the model's −ELBO on all rows %.2f, the best epoch's validation loss %.2f", ev.NegELBO, best.Val.Loss)
	}
}

// TestConditionalDecoding: a CVAE decodes one code to different rows for
// different classes, each near its class's prototype.
func TestConditionalDecoding(t *testing.T) {
	d := blobs(300, 16, 3, 32)
	c := smallConfig(CVAE, MLP, 2)
	m, err := Train(context.Background(), d, c, TrainOptions{Epochs: 40, Batch: 32, LR: 3e-3, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	z := mat32.New(3, 2) // the prior's mean, three times
	out, err := m.Decode(z, []int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 3; k++ {
		// Distance to each class's mean row.
		best, bestD := -1, math.Inf(1)
		for cl := 0; cl < 3; cl++ {
			var rows []int
			for i, l := range d.Labels {
				if l == cl {
					rows = append(rows, i)
				}
			}
			mean := mat32.ColMeans(nil, mat32.Gather(nil, d.X, rows))
			if dd := float64(mat32.SqDist(out.Row(k), mean)); dd < bestD {
				best, bestD = cl, dd
			}
		}
		if best != k {
			t.Errorf("decoding with class %d gives a row nearest class %d", k, best)
		}
	}
	if _, err := ClassIndex(m.Config(), "b"); err != nil {
		t.Error(err)
	}
	if _, err := ClassIndex(m.Config(), "zz"); err == nil {
		t.Error("unknown class: no error")
	}
}

// TestGANLearns: a GAN on two-prototype data produces rows whose mean is
// closer to the data's mean than the untrained generator's, in [0, 1],
// and its samples are seeded.
func TestGANLearns(t *testing.T) {
	d := imageBlobs(256, 8, 2, 33)
	dataMean := mat32.ColMeans(nil, d.X)
	dist := func(m Model) float64 {
		x, err := m.Sample(256, 5, nil)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, _ := mat32.MinMax(x.Data)
		if lo < 0 || hi > 1 {
			t.Errorf("samples span [%g, %g]", lo, hi)
		}
		return float64(mat32.SqDist(mat32.ColMeans(nil, x), dataMean))
	}
	for _, arch := range []Arch{MLP, Conv} {
		c := smallConfig(GAN, arch, 4)
		if arch == Conv {
			c.Channels = []int{16, 32}
		}
		s := mustSetup(t, d, c, TrainOptions{Epochs: 1, Seed: 6})
		before := dist(s.t.model())
		m, err := Train(context.Background(), d, c, TrainOptions{Epochs: 30, Batch: 32, Seed: 6})
		if err != nil {
			t.Fatal(err)
		}
		after := dist(m)
		t.Logf("%s: squared distance of the sample mean to the data mean %.3f → %.3f", arch, before, after)
		if after > before/2 {
			t.Errorf("%s: the generator did not move toward the data (%.3f → %.3f)", arch, before, after)
		}
		a, _ := m.Sample(4, 9, nil)
		b, _ := m.Sample(4, 9, nil)
		if !sameBits(a.Data, b.Data) {
			t.Errorf("%s: same seed, different samples", arch)
		}
		h := m.Card().History
		if h[0].Train.D == 0 || h[0].Train.G == 0 {
			t.Errorf("%s: no GAN losses in the history: %+v", arch, h[0].Train)
		}
	}
}

// TestPriorAndSample: VAEs sample from N(0, I); autoencoders from the
// Gaussian fitted to their training codes, which matches the codes.
func TestPriorAndSample(t *testing.T) {
	d := blobs(200, 16, 4, 34)
	for _, typ := range []Type{AE, VAE} {
		m, err := Train(context.Background(), d, smallConfig(typ, MLP, 3), TrainOptions{Epochs: 5, Batch: 32, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		g, err := m.Prior()
		if err != nil {
			t.Fatal(err)
		}
		if typ == VAE && (g.Cov != nil || g.Mean[0] != 0) {
			t.Errorf("VAE prior %+v", g)
		}
		if typ == AE {
			mu, _, _ := m.Encode(d.X, nil)
			mean := mat32.ColMeans(nil, mu)
			for j := range mean {
				if math.Abs(float64(mean[j])-g.Mean[j]) > 1e-4*(1+math.Abs(g.Mean[j])) {
					t.Errorf("AE prior mean %v, codes' mean %v", g.Mean, mean)
				}
			}
		}
		x, err := m.Sample(5, 1, nil)
		if err != nil || x.Rows != 5 || x.Cols != 16 {
			t.Fatalf("%s: Sample: %v %v", typ, x, err)
		}
	}
	// An autoencoder without a fitted Gaussian cannot sample.
	c := smallConfig(AE, MLP, 3)
	c.Dim, c.Likelihood, c.Normalizer = 16, Bernoulli, dataset.Normalizer{Kind: dataset.NormNone}
	m, err := NewAutoencoder(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Sample(2, 1, nil)
	wantErr(t, "no codes", err, "no Gaussian fitted")
}

// TestSampleCodes: codes drawn from q(z|x) have the encoder's mean and
// variance.
func TestSampleCodes(t *testing.T) {
	mu := mat32.New(4000, 2)
	lv := mat32.New(4000, 2)
	for i := 0; i < 4000; i++ {
		mu.Set(i, 0, 1)
		lv.Set(i, 1, float32(math.Log(4)))
	}
	z := SampleCodes(mu, lv, 3)
	m := mat32.ColMeans(nil, z)
	s := mat32.ColStds(nil, z, m)
	if math.Abs(float64(m[0])-1) > 0.05 || math.Abs(float64(s[1])-2) > 0.1 || math.Abs(float64(s[0])-1) > 0.05 {
		t.Errorf("sampled codes: mean %v std %v", m, s)
	}
	if c := SampleCodes(mu, nil, 3); !sameBits(c.Data, mu.Data) {
		t.Error("deterministic codes changed")
	}
}

func TestConfigValidate(t *testing.T) {
	base := DefaultConfig(VAE, MLP, 8)
	base.Dim, base.Likelihood = 16, Bernoulli
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Type = "x" }, `unknown model type "x"`},
		{func(c *Config) { c.Arch = "rnn" }, `unknown architecture "rnn"`},
		{func(c *Config) { c.Likelihood = "poisson" }, `unknown likelihood "poisson"`},
		{func(c *Config) { c.Dim = 0 }, "0 values per row"},
		{func(c *Config) { c.Hidden = make([]int, 40) }, "40 hidden layers"},
		{func(c *Config) { c.Hidden = []int{0} }, "width 0"},
		{func(c *Config) { c.Channels = []int{4} }, "channels are for the conv"},
		{func(c *Config) { c.Arch = Conv; c.Channels = []int{4} }, "needs image data"},
		{func(c *Config) { c.Classes = []string{"a"} }, "classes are for conditional"},
		{func(c *Config) { c.Type = CVAE }, "needs 1 to"},
		{func(c *Config) { c.FreeBits = math.Inf(1) }, "free bits +Inf"},
		{func(c *Config) { c.NeighborWeight, c.NeighborK = 1, 0 }, "neighbour k 0"},
		{func(c *Config) { c.Normalizer = dataset.Normalizer{Kind: "log"} }, `unknown normalisation "log"`},
		{func(c *Config) { c.Normalizer = dataset.Normalizer{Kind: dataset.NormScale, Max: float32(math.NaN())} }, "not finite"},
		{func(c *Config) {
			c.Normalizer = dataset.Normalizer{Kind: dataset.NormStandardize, Mean: make([]float32, 16), Std: make([]float32, 16)}
		}, "Bernoulli likelihood needs values in [0, 1]"},
		{func(c *Config) {
			c.Arch, c.Channels, c.Hidden = Conv, []int{2}, nil
			c.Image = dataset.ImageShape{Height: 4, Width: 4, Channels: 1}
			c.Dim = 16
			c.Image.Width = 5
			c.Dim = 20
		}, "different parity"},
	} {
		cfg := base
		c.edit(&cfg)
		wantErr(t, c.want, cfg.Validate(), c.want)
	}
	if err := base.Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
	for _, s := range []string{"ae", "vae", "dae", "cvae", "gan"} {
		if _, err := ParseType(s); err != nil {
			t.Error(err)
		}
	}
	if l, err := ParseLikelihood("mse"); err != nil || l != Gaussian {
		t.Errorf("ParseLikelihood(mse) = %v, %v", l, err)
	}
	if !strings.Contains(Shape{784, dataset.ImageShape{Height: 28, Width: 28, Channels: 1}}.String(), "28x28x1") {
		t.Error("Shape.String")
	}
}

// TestWeightDecay: with weight decay the weights end smaller than
// without, and the biases are exempt.
func TestWeightDecay(t *testing.T) {
	d := blobs(128, 16, 3, 35)
	norm := func(wd float64) (w, b float64) {
		c := smallConfig(AE, MLP, 3)
		c.WeightDecay = wd
		m, err := Train(context.Background(), d, c, TrainOptions{Epochs: 10, Batch: 16, LR: 1e-2, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tensorsOf(m) {
			var s float64
			for _, v := range p.Data {
				s += float64(v) * float64(v)
			}
			if p.Bias {
				b += s
			} else {
				w += s
			}
		}
		return w, b
	}
	w0, _ := norm(0)
	w1, _ := norm(5)
	t.Logf("squared weight norm %.2f without decay, %.2f with", w0, w1)
	if w1 > 0.7*w0 {
		t.Errorf("weight decay 5: squared weight norm %.2f, %.2f without", w1, w0)
	}
}
