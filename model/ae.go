package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn"
	"github.com/latentlab/latent/space"
)

// evalChunk is the most rows Encode, Decode and Evaluate push through the
// networks at once: large enough for the GEMMs to run at speed. For wide
// layers the chunk is smaller (see chunkRows), so that the layers' buffers
// stay near 8 MB each whatever the row size.
const evalChunk = 512

// chunkValues bounds the values of one layer's output for one chunk.
const chunkValues = 1 << 21

// chunkRows returns how many rows to run at once through networks whose
// widest layer has width values.
func chunkRows(width int) int { return max(1, min(evalChunk, chunkValues/max(width, 1))) }

// widest returns the largest layer width of p.
func (p *plan) widest(c *Config) int {
	w := max(c.Dim, c.Latent+len(c.Classes))
	for _, s := range append(append([]layerSpec(nil), p.enc...), p.dec...) {
		w = max(w, s.width())
	}
	return w
}

// Autoencoder is a model of the autoencoder family: AE, DAE, VAE (β-VAE)
// and CVAE. Create one with NewAutoencoder, Train or Load.
type Autoencoder struct {
	mu   sync.Mutex
	cfg  Config
	card Card
	plan *plan
	net  *aeNet

	xbuf  mat32.Dense // Encode/Decode scratch
	chunk int         // rows per Encode/Decode chunk
}

// aeNet holds the layers of an autoencoder.
type aeNet struct {
	enc    *nn.Sequential
	mu, lv *nn.Dense // lv is nil for deterministic codes
	heads  *nn.Branch
	rep    *nn.Reparam
	dec    *nn.Sequential

	latent, classes, encOut int
	hc, zc, onehot          mat32.Dense
}

// NewAutoencoder returns an untrained model of the autoencoder family for
// c (which must be complete: see Config.Validate), its weights initialised
// from seed as PyTorch initialises its Linear and Conv layers.
func NewAutoencoder(c Config, seed uint64) (*Autoencoder, error) {
	if c.Type == GAN {
		return nil, fmt.Errorf("model: NewAutoencoder: type %s is not an autoencoder", c.Type)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return newAutoencoder(c, dataset.NewRand(seed, streamInit)), nil
}

// newAutoencoder builds the networks of a validated c, initialised from
// rng (nil: zero weights, for a model about to be loaded).
func newAutoencoder(c Config, rng *rand.Rand) *Autoencoder {
	p, err := planFor(&c)
	if err != nil {
		panic("model: " + err.Error()) // c was validated
	}
	n := &aeNet{latent: c.Latent, classes: len(c.Classes), encOut: p.encOut}
	n.enc = buildSeq("enc", p.enc, rng)
	n.mu = nn.NewDense(p.headIn, p.headOut, nn.Linear(), rng)
	nn.Prefix("mu", n.mu.Params())
	heads := []nn.Layer{n.mu}
	if p.heads == 2 {
		n.lv = nn.NewDense(p.headIn, p.headOut, nn.Linear(), rng)
		nn.Prefix("logvar", n.lv.Params())
		heads = append(heads, n.lv)
	}
	n.heads = nn.NewBranch("", heads...)
	n.rep = nn.NewReparam(nil)
	n.dec = buildSeq("dec", p.dec, rng)
	m := &Autoencoder{cfg: c, plan: p, net: n, chunk: chunkRows(p.widest(&c))}
	m.card.Architecture = p.describe(&c)
	m.card.Parameters = nn.CountParams(n.params())
	markNoDecay(n.params())
	return m
}

// params returns the trainable tensors: encoder, heads, decoder.
func (n *aeNet) params() []*nn.Param {
	return append(append(n.enc.Params(), n.heads.Params()...), n.dec.Params()...)
}

// tensors returns every tensor a model file holds.
func (n *aeNet) tensors() []*nn.Param {
	return append(append(nn.Tensors(n.enc), append(n.heads.Params(), n.heads.Buffers()...)...), nn.Tensors(n.dec)...)
}

// encode runs the encoder and heads on x (normalised rows) with the
// one-hot classes (nil for unconditional models).
func (n *aeNet) encode(x, onehot *mat32.Dense, mode nn.Mode) (mu, logVar *mat32.Dense) {
	h := n.enc.Forward(x, mode)
	if onehot != nil {
		h = nn.ConcatCols(resize(&n.hc, h.Rows, h.Cols+onehot.Cols), h, onehot)
	}
	outs := n.heads.Forward(h, mode)
	if len(outs) == 2 {
		return outs[0], outs[1]
	}
	return outs[0], nil
}

// decode runs the decoder on codes z and returns its logits (Bernoulli)
// or means (Gaussian), in normalised units.
func (n *aeNet) decode(z, onehot *mat32.Dense, mode nn.Mode) *mat32.Dense {
	if onehot != nil {
		z = nn.ConcatCols(resize(&n.zc, z.Rows, z.Cols+onehot.Cols), z, onehot)
	}
	return n.dec.Forward(z, mode)
}

// oneHot returns the one-hot matrix of labels (nil when the model is not
// conditional).
func (n *aeNet) oneHot(buf *mat32.Dense, labels []int) *mat32.Dense {
	if n.classes == 0 {
		return nil
	}
	m := resize(buf, len(labels), n.classes)
	clear(m.Data)
	for i, l := range labels {
		m.Data[i*n.classes+l] = 1
	}
	return m
}

// resize reshapes m to r×c, reusing its storage when it is large enough.
func resize(m *mat32.Dense, r, c int) *mat32.Dense {
	if cap(m.Data) < r*c {
		m.Data = make([]float32, r*c)
	}
	m.Rows, m.Cols, m.Data = r, c, m.Data[:r*c]
	return m
}

// Config returns the model's configuration.
func (m *Autoencoder) Config() Config { return m.cfg }

// Card returns the model card.
func (m *Autoencoder) Card() Card {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.card
}

// LatentDim returns the code dimension.
func (m *Autoencoder) LatentDim() int { return m.cfg.Latent }

// InputShape returns the shape of a data row.
func (m *Autoencoder) InputShape() Shape { return Shape{Dim: m.cfg.Dim, Image: m.cfg.Image} }

// checkRows returns an error unless x has cols columns and finite values,
// and labels suit a conditional model.
func checkRows(c *Config, x *mat32.Dense, cols int, what string, labels []int) error {
	if x == nil || x.Rows == 0 {
		return fmt.Errorf("model: no %s", what)
	}
	if x.Cols != cols {
		if what == "data" {
			return fmt.Errorf("model: the data have %d values per row, the model takes %v", x.Cols, Shape{c.Dim, c.Image})
		}
		return fmt.Errorf("model: the codes have %d values, the model's latent dimension is %d", x.Cols, c.Latent)
	}
	if n, row := mat32.CountNonFinite(x); n > 0 {
		return fmt.Errorf("model: the %s hold %d NaN/Inf values (first in row %d)", what, n, row)
	}
	if !c.Type.Conditional() {
		return nil
	}
	if len(labels) != x.Rows {
		return fmt.Errorf("model: a conditional model needs one class per row: %d classes for %d rows", len(labels), x.Rows)
	}
	for i, l := range labels {
		if l < 0 || l >= len(c.Classes) {
			return fmt.Errorf("model: row %d: class %d outside the model's %d classes", i, l, len(c.Classes))
		}
	}
	return nil
}

// normalized copies rows [lo, hi) of x into buf and applies the model's
// normaliser.
func (c *Config) normalized(buf *mat32.Dense, x *mat32.Dense, lo, hi int) *mat32.Dense {
	b := resize(buf, hi-lo, x.Cols)
	copy(b.Data, x.Data[lo*x.Cols:hi*x.Cols])
	if err := c.Normalizer.Apply(b); err != nil {
		panic("model: " + err.Error()) // the normaliser was validated against Dim
	}
	return b
}

// toData turns decoder outputs (logits or means, normalised units) into
// data units in place.
func (c *Config) toData(out *mat32.Dense) {
	if c.Likelihood == Bernoulli && c.Type != GAN {
		for i, v := range out.Data {
			out.Data[i] = sigmoid32(v)
		}
	}
	if err := c.Normalizer.Invert(out); err != nil {
		panic("model: " + err.Error())
	}
}

func sigmoid32(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

func expHalf(lv float32) float32 { return float32(math.Exp(0.5 * float64(lv))) }

// Encode returns μ and log σ² (VAEs) or the code and nil (AE, DAE) of each
// row of x.
func (m *Autoencoder) Encode(x *mat32.Dense, labels []int) (mu, logVar *mat32.Dense, err error) {
	if err := checkRows(&m.cfg, x, m.cfg.Dim, "data", labels); err != nil {
		return nil, nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	L := m.cfg.Latent
	mu = mat32.New(x.Rows, L)
	if m.net.lv != nil {
		logVar = mat32.New(x.Rows, L)
	}
	for lo := 0; lo < x.Rows; lo += m.chunk {
		hi := min(lo+m.chunk, x.Rows)
		xb := m.cfg.normalized(&m.xbuf, x, lo, hi)
		var lab []int
		if labels != nil {
			lab = labels[lo:hi]
		}
		a, b := m.net.encode(xb, m.net.oneHot(&m.net.onehot, lab), nn.Eval)
		copy(mu.Data[lo*L:hi*L], a.Data)
		if logVar != nil {
			copy(logVar.Data[lo*L:hi*L], b.Data)
		}
	}
	return mu, logVar, nil
}

// Decode returns the rows the codes z decode to, in data units.
func (m *Autoencoder) Decode(z *mat32.Dense, labels []int) (*mat32.Dense, error) {
	if err := checkRows(&m.cfg, z, m.cfg.Latent, "codes", labels); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	D := m.cfg.Dim
	out := mat32.New(z.Rows, D)
	for lo := 0; lo < z.Rows; lo += m.chunk {
		hi := min(lo+m.chunk, z.Rows)
		var lab []int
		if labels != nil {
			lab = labels[lo:hi]
		}
		y := m.net.decode(z.Slice(lo, hi), m.net.oneHot(&m.net.onehot, lab), nn.Eval)
		o := out.Slice(lo, hi)
		copy(o.Data, y.Data)
		m.cfg.toData(o)
	}
	return out, nil
}

// Prior returns N(0, I) for the VAEs and the Gaussian fitted to the
// training codes for AE and DAE.
func (m *Autoencoder) Prior() (space.Gaussian, error) {
	if m.cfg.Type.Variational() {
		return space.StandardNormal(m.cfg.Latent), nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.card.Codes == nil {
		return space.Gaussian{}, fmt.Errorf("model: this %s has no Gaussian fitted to its training codes to sample from", m.cfg.Type)
	}
	return *m.card.Codes, nil
}

// Sample draws n codes from Prior and decodes them.
func (m *Autoencoder) Sample(n int, seed uint64, labels []int) (*mat32.Dense, error) {
	return sampleModel(m, n, seed, labels)
}

// sampleModel draws n codes from m's prior with seed and decodes them.
func sampleModel(m Model, n int, seed uint64, labels []int) (*mat32.Dense, error) {
	if n <= 0 {
		return nil, fmt.Errorf("model: %d samples requested", n)
	}
	g, err := m.Prior()
	if err != nil {
		return nil, err
	}
	z, err := g.Sample(nil, n, 1, dataset.NewRand(seed, streamPrior))
	if err != nil {
		return nil, err
	}
	return m.Decode(z, labels)
}

// Evaluate measures the model on the rows x (data units) with their
// classes (conditional models): the reconstruction loss from one code
// sampled per row with seed (VAEs; the code itself otherwise), the KL
// divergence and the negative ELBO per row, and the mean squared error of
// the reconstruction from μ per value, as anchors/bench_vae.py measures
// its PyTorch VAE.
func (m *Autoencoder) Evaluate(x *mat32.Dense, labels []int, seed uint64) (Metrics, error) {
	if err := checkRows(&m.cfg, x, m.cfg.Dim, "data", labels); err != nil {
		return Metrics{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.cfg.checkLikelihoodRange(x, "the data"); err != nil {
		return Metrics{}, err
	}
	ev := newEvaluator(m, seed)
	for lo := 0; lo < x.Rows; lo += m.chunk {
		hi := min(lo+m.chunk, x.Rows)
		xb := m.cfg.normalized(&m.xbuf, x, lo, hi)
		var lab []int
		if labels != nil {
			lab = labels[lo:hi]
		}
		ev.add(xb, x.Slice(lo, hi), lab)
	}
	return ev.metrics(), nil
}

// evaluator accumulates Metrics over chunks of rows.
type evaluator struct {
	m        *Autoencoder
	rng      *rand.Rand
	rows     int
	recon    float64
	kl       float64
	se       float64
	values   int
	klPerDim []float64
	out      mat32.Dense
}

func newEvaluator(m *Autoencoder, seed uint64) *evaluator {
	return &evaluator{m: m, rng: dataset.NewRand(seed, streamEval)}
}

// add measures one chunk: xn normalised, x in data units (nil to skip the
// squared error).
func (e *evaluator) add(xn, x *mat32.Dense, labels []int) {
	n, c := e.m.net, &e.m.cfg
	oh := n.oneHot(&n.onehot, labels)
	mu, lv := n.encode(xn, oh, nn.Eval)
	z := mu
	if lv != nil {
		n.rep.Rng = e.rng
		z = n.rep.Forward(mu, lv, nn.Train)
		e.kl += nn.KLStdNormal(nil, nil, mu, lv, nn.Sum)
		pd := nn.KLPerDim(nil, mu, lv)
		if e.klPerDim == nil {
			e.klPerDim = make([]float64, len(pd))
		}
		for j, v := range pd {
			e.klPerDim[j] += v
		}
	}
	out := n.decode(z, oh, nn.Eval)
	e.recon += reconLoss(c.Likelihood, nil, out, xn)
	e.rows += xn.Rows
	if x == nil {
		return
	}
	if lv != nil {
		out = n.decode(mu, oh, nn.Eval)
	}
	o := resize(&e.out, out.Rows, out.Cols)
	copy(o.Data, out.Data)
	c.toData(o)
	for i, v := range o.Data {
		d := float64(v) - float64(x.Data[i])
		e.se += d * d
	}
	e.values += len(o.Data)
}

func (e *evaluator) metrics() Metrics {
	r := float64(max(e.rows, 1))
	mt := Metrics{Rows: e.rows, Recon: e.recon / r}
	if e.values > 0 {
		mt.MSE = e.se / float64(e.values)
	}
	if e.klPerDim != nil {
		mt.KL = e.kl / r
		mt.NegELBO = mt.Recon + mt.KL
		mt.KLPerDim = make([]float64, len(e.klPerDim))
		for j, v := range e.klPerDim {
			mt.KLPerDim[j] = v / r
			if v/r > 0.01 {
				mt.ActiveDims++
			}
		}
	}
	return mt
}

// reconLoss returns the reconstruction loss of the decoder output out
// against target (both normalised), summed over the batch, and writes its
// gradient into grad when grad is not nil.
func reconLoss(l Likelihood, grad, out, target *mat32.Dense) float64 {
	if l == Bernoulli {
		return nn.BCEWithLogits(grad, out, target, nn.Sum)
	}
	v := nn.MSE(grad, out, target, nn.Sum)
	if grad != nil {
		mat32.Scale(0.5, grad.Data)
	}
	return 0.5 * v
}

// checkLikelihoodRange returns an error when a Bernoulli model is given
// data outside [0, 1] after normalisation.
func (c *Config) checkLikelihoodRange(x *mat32.Dense, what string) error {
	if c.Likelihood != Bernoulli || x.Rows == 0 {
		return nil
	}
	lo, hi, _ := mat32.MinMax(x.Data)
	l, h := lo, hi
	if c.Normalizer.Kind == dataset.NormScale {
		span := c.Normalizer.Max - c.Normalizer.Min
		if span == 0 {
			span = 1
		}
		l, h = (lo-c.Normalizer.Min)/span, (hi-c.Normalizer.Min)/span
	}
	if l < -1e-6 || h > 1+1e-6 {
		return fmt.Errorf("model: the Bernoulli likelihood needs values in [0, 1], %s span [%g, %g] after normalisation", what, l, h)
	}
	return nil
}
