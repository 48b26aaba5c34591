package model

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn"
	"github.com/latentlab/latent/space"
)

// Adversarial is a GAN: a generator from noise codes to rows and, while
// training, a discriminator. Its Decode is the generator; it has no
// encoder. Create one with Train or Load.
type Adversarial struct {
	mu    sync.Mutex
	cfg   Config
	card  Card
	net   *ganNet
	chunk int
}

// ganNet holds a GAN's networks.
type ganNet struct {
	gen  *nn.Sequential
	disc *nn.Sequential
}

// newAdversarial builds the networks of a validated GAN config, weights
// from rng (nil: zero). The discriminator is built only for training: a
// model file holds the generator alone, and its size is all Load checks
// against the file.
func newAdversarial(c Config, rng *rand.Rand, withDisc bool) *Adversarial {
	p, err := planFor(&c)
	if err != nil {
		panic("model: " + err.Error())
	}
	n := &ganNet{gen: buildSeq("gen", p.dec, rng)}
	markNoDecay(n.gen.Params())
	if withDisc {
		disc := append(append([]layerSpec(nil), p.enc...), layerSpec{kind: kindDense, in: p.headIn, out: 1})
		n.disc = buildSeq("disc", disc, rng)
		markNoDecay(n.disc.Params())
	}
	m := &Adversarial{cfg: c, net: n, chunk: chunkRows(p.widest(&c))}
	m.card.Architecture = p.describe(&c)
	m.card.Parameters = nn.CountParams(n.gen.Params())
	return m
}

// genTensors returns the generator's tensors: what a model file holds.
func (n *ganNet) genTensors() []*nn.Param { return nn.Tensors(n.gen) }

// Config returns the model's configuration.
func (m *Adversarial) Config() Config { return m.cfg }

// Card returns the model card.
func (m *Adversarial) Card() Card {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.card
}

// LatentDim returns the dimension of the noise codes.
func (m *Adversarial) LatentDim() int { return m.cfg.Latent }

// InputShape returns the shape of the rows the generator writes.
func (m *Adversarial) InputShape() Shape { return Shape{Dim: m.cfg.Dim, Image: m.cfg.Image} }

// Encode returns ErrNoEncoder.
func (m *Adversarial) Encode(x *mat32.Dense, labels []int) (mu, logVar *mat32.Dense, err error) {
	return nil, nil, ErrNoEncoder
}

// Decode runs the generator on the codes z and returns rows in data units.
func (m *Adversarial) Decode(z *mat32.Dense, labels []int) (*mat32.Dense, error) {
	if err := checkRows(&m.cfg, z, m.cfg.Latent, "codes", nil); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := mat32.New(z.Rows, m.cfg.Dim)
	for lo := 0; lo < z.Rows; lo += m.chunk {
		hi := min(lo+m.chunk, z.Rows)
		y := m.net.gen.Forward(z.Slice(lo, hi), nn.Eval)
		o := out.Slice(lo, hi)
		copy(o.Data, y.Data)
		m.cfg.toData(o)
	}
	return out, nil
}

// Prior returns N(0, I), the generator's noise distribution.
func (m *Adversarial) Prior() (space.Gaussian, error) { return space.StandardNormal(m.cfg.Latent), nil }

// Sample draws n noise codes with seed and runs the generator on them.
func (m *Adversarial) Sample(n int, seed uint64, labels []int) (*mat32.Dense, error) {
	return sampleModel(m, n, seed, nil)
}

// Save writes the generator to WeightsPath(p) and its config next to it.
func (m *Adversarial) Save(p string, opt SaveOptions) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return writeModel(p, &fileConfig{Model: m.cfg, Card: m.card}, m.net.genTensors(), nil, opt.DType)
}

// ganTrainer trains a GAN with the non-saturating loss: per batch one
// discriminator step on real rows (target 1) and generated ones (target
// 0), then one generator step that raises log D(G(z)) (Goodfellow et al.
// 2014, section 3), both with Adam (β₁ = 0.5, as DCGAN).
type ganTrainer struct {
	s          *session
	m          *Adversarial
	n          *ganNet
	c          *Config
	optG, optD *nn.Adam
	gps, dps   []*nn.Param

	z, both, tgt, dl, ones, dg mat32.Dense
}

func newGANTrainer(s *session, rng *rand.Rand) *ganTrainer {
	m := newAdversarial(*s.cfg, rng, true)
	t := &ganTrainer{s: s, m: m, n: m.net, c: &m.cfg, gps: m.net.gen.Params(), dps: m.net.disc.Params()}
	t.optG = nn.NewAdam(t.gps, s.opt.LR)
	t.optD = nn.NewAdam(t.dps, s.opt.LR)
	for _, o := range []*nn.Adam{t.optG, t.optD} {
		o.Beta1 = 0.5
		if t.c.WeightDecay > 0 {
			o.WeightDecay, o.Decoupled = t.c.WeightDecay, true
		}
	}
	return t
}

func (t *ganTrainer) model() Model           { return t.m }
func (t *ganTrainer) tensors() []*nn.Param   { return t.n.genTensors() }
func (t *ganTrainer) extra() []*nn.Param     { return nn.Tensors(t.n.disc) }
func (t *ganTrainer) optimizers() []*nn.Adam { return []*nn.Adam{t.optG, t.optD} }
func (t *ganTrainer) beta() float64          { return 0 }
func (t *ganTrainer) validate([]int) *Losses { return nil }
func (t *ganTrainer) finish(*session) error  { return nil }

// step trains the discriminator and then the generator on one batch.
func (t *ganTrainer) step(pos []int, epoch, batch, batches int) (Losses, error) {
	s := t.s
	B := len(pos)
	z := resize(&t.z, B, t.c.Latent)
	nn.FillNormal(z.Data, dataset.NewRand(s.opt.Seed, batchStream(purposeGANNoise, epoch, batch)))
	var l Losses
	l.D = t.discLossGrad(pos, z)
	if err := lossCheck(Losses{Loss: l.D, D: l.D}, epoch, batch, batches, 1); err != nil {
		return l, err
	}
	if err := s.gradCheck(t.dps, epoch, batch, batches, l, 1); err != nil {
		return l, err
	}
	t.optD.Step()
	// The discriminator, just updated, judges the same generated rows; the
	// gradient flows through it into the generator.
	l.G = t.genLossGrad()
	l.Loss = l.D + l.G
	if err := lossCheck(l, epoch, batch, batches, 1); err != nil {
		return l, err
	}
	if err := s.gradCheck(t.gps, epoch, batch, batches, l, 1); err != nil {
		return l, err
	}
	t.optG.Step()
	// The losses are means over the batch; the session divides the sums
	// by the rows.
	return l.scaled(float64(B)), nil
}

// discLossGrad generates rows from the codes z, runs the discriminator on
// the training rows at pos (target 1) and the generated ones (target 0),
// and returns the mean binary cross-entropy, its gradient left in the
// discriminator's parameters.
func (t *ganTrainer) discLossGrad(pos []int, z *mat32.Dense) float64 {
	s := t.s
	B, D := len(pos), t.c.Dim
	fake := t.n.gen.Forward(z, nn.Train)
	both := resize(&t.both, 2*B, D)
	for i, p := range pos {
		copy(both.Row(i), s.xn.Row(s.train[p]))
	}
	copy(both.Data[B*D:], fake.Data)
	tgt := resize(&t.tgt, 2*B, 1)
	for i := range tgt.Data {
		tgt.Data[i] = 0
		if i < B {
			tgt.Data[i] = 1
		}
	}
	logits := t.n.disc.Forward(both, nn.Train)
	dl := resize(&t.dl, 2*B, 1)
	loss := nn.BCEWithLogits(dl, logits, tgt, nn.Mean)
	nn.ZeroGrads(t.dps)
	t.n.disc.Backward(dl)
	return loss
}

// genLossGrad returns the non-saturating generator loss of the rows the
// last discLossGrad generated, mean over the batch of −log D(G(z)), its
// gradient left in the generator's parameters.
func (t *ganTrainer) genLossGrad() float64 {
	fake := &t.both
	B := fake.Rows / 2
	lf := t.n.disc.Forward(fake.Slice(B, 2*B), nn.Train)
	ones := resize(&t.ones, B, 1)
	for i := range ones.Data {
		ones.Data[i] = 1
	}
	dg := resize(&t.dg, B, 1)
	loss := nn.BCEWithLogits(dg, lf, ones, nn.Mean)
	nn.ZeroGrads(t.gps)
	t.n.gen.Backward(t.n.disc.Backward(dg))
	return loss
}

// String describes the model in one line.
func (m *Adversarial) String() string {
	return fmt.Sprintf("gan %s, noise %d → %v", m.cfg.Arch, m.cfg.Latent, m.InputShape())
}
