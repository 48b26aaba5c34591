package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn"
	"github.com/latentlab/latent/space"
)

// aeTrainer trains an Autoencoder.
type aeTrainer struct {
	s   *session
	m   *Autoencoder
	n   *aeNet
	c   *Config
	ps  []*nn.Param
	opt *nn.Adam

	graph       *knn.Graph             // input-space neighbours of the training rows
	rawNeighbor bool                   // the unnormalised neighbour term (tests)
	fault       func(epoch, batch int) // called before each batch (tests inject faults)
	warmupSteps float64

	target, xin, onehot    mat32.Dense
	dout, dmu, dlv, dz, dh mat32.Dense
	vx, vd                 mat32.Dense
	lab                    []int
	mean                   []float64
	dys                    []*mat32.Dense
}

func newAETrainer(s *session, rng *rand.Rand) (*aeTrainer, error) {
	m := newAutoencoder(*s.cfg, rng)
	t := &aeTrainer{s: s, m: m, n: m.net, c: &m.cfg}
	t.ps = m.net.params()
	t.opt = nn.NewAdam(t.ps, s.opt.LR)
	if t.c.WeightDecay > 0 {
		t.opt.WeightDecay, t.opt.Decoupled = t.c.WeightDecay, true
	}
	batches := (len(s.train) + s.opt.Batch - 1) / s.opt.Batch
	t.warmupSteps = t.c.WarmupEpochs * float64(batches)
	if t.c.NeighborWeight > 0 {
		if len(s.train) < 2 {
			return nil, fmt.Errorf("model: the neighbour term needs at least 2 training rows")
		}
		k := min(t.c.NeighborK, len(s.train)-1)
		g, err := knn.BuildGraph(s.ctx, mat32.Gather(nil, s.xn, s.train), k, knn.GraphOptions{Seed: s.opt.Seed, Progress: s.opt.Progress})
		if err != nil {
			return nil, fmt.Errorf("model: neighbour graph: %w", err)
		}
		t.graph = g
	}
	return t, nil
}

func (t *aeTrainer) model() Model           { return t.m }
func (t *aeTrainer) tensors() []*nn.Param   { return t.n.tensors() }
func (t *aeTrainer) extra() []*nn.Param     { return nil }
func (t *aeTrainer) optimizers() []*nn.Adam { return []*nn.Adam{t.opt} }
func (t *aeTrainer) beta() float64          { return t.betaAt(t.opt.Steps) }

// betaAt returns the KL weight of step k (from 1): Beta, ramped up
// linearly over the warm-up steps.
func (t *aeTrainer) betaAt(k int) float64 {
	if !t.c.Type.Variational() {
		return 0
	}
	if t.warmupSteps <= 0 {
		return t.c.Beta
	}
	return t.c.Beta * min(1, float64(k)/t.warmupSteps)
}

// step trains on one batch.
func (t *aeTrainer) step(pos []int, epoch, batch, batches int) (Losses, error) {
	l, err := t.lossGrad(pos, epoch, batch, batches)
	if err != nil {
		return l, err
	}
	if err := t.s.gradCheck(t.ps, epoch, batch, batches, l, len(pos)); err != nil {
		return l, err
	}
	t.opt.Step()
	return l, nil
}

// lossGrad computes one batch's objective and leaves its gradient in the
// parameters. The batch's random draws (noise, ε, partners) come from
// streams of (seed, epoch, batch), so calling it twice gives the same
// loss.
func (t *aeTrainer) lossGrad(pos []int, epoch, batch, batches int) (Losses, error) {
	s, c, n := t.s, t.c, t.n
	if t.fault != nil {
		t.fault(epoch, batch)
	}
	B := len(pos)
	m := B
	if t.graph != nil {
		m = 2 * B
	}
	D, L := c.Dim, c.Latent
	target := resize(&t.target, m, D)
	if cap(t.lab) < m {
		t.lab = make([]int, m)
	}
	lab := t.lab[:m]
	put := func(i, r int) {
		copy(target.Row(i), s.xn.Row(r))
		if s.labels != nil {
			lab[i] = s.labels[r]
		}
	}
	for i, p := range pos {
		put(i, s.train[p])
	}
	if t.graph != nil {
		rng := dataset.NewRand(s.opt.Seed, batchStream(purposeNeighbor, epoch, batch))
		for i, p := range pos {
			idx, _ := t.graph.Row(p)
			j := int(idx[rng.IntN(len(idx))])
			if j < 0 { // an approximate graph's empty slot
				j = p
			}
			put(B+i, s.train[j])
		}
	}
	xin := target
	if c.Noise > 0 {
		xin = resize(&t.xin, m, D)
		rng := dataset.NewRand(s.opt.Seed, batchStream(purposeNoise, epoch, batch))
		sd := c.Noise
		for i, v := range target.Data {
			x := v + float32(rng.NormFloat64()*sd)
			if c.Likelihood == Bernoulli {
				x = max(0, min(1, x))
			}
			xin.Data[i] = x
		}
	}
	var oh, ohB *mat32.Dense
	if s.labels != nil {
		oh = n.oneHot(&t.onehot, lab)
		ohB = oh.Slice(0, B)
	}
	mu, lv := n.encode(xin, oh, nn.Train)
	muB := mu.Slice(0, B)
	z := muB
	var lvB *mat32.Dense
	if lv != nil {
		lvB = lv.Slice(0, B)
		n.rep.Rng = dataset.NewRand(s.opt.Seed, batchStream(purposeEps, epoch, batch))
		z = n.rep.Forward(muB, lvB, nn.Train)
	}
	out := n.decode(z, ohB, nn.Train)
	dout := resize(&t.dout, B, D)
	var l Losses
	l.Recon = reconLoss(c.Likelihood, dout, out, target.Slice(0, B))
	dmu := resize(&t.dmu, m, L)
	clear(dmu.Data)
	var dlv *mat32.Dense
	if lv != nil {
		beta := t.betaAt(t.opt.Steps + 1)
		dlv = resize(&t.dlv, m, L)
		clear(dlv.Data)
		dmuB, dlvB := dmu.Slice(0, B), dlv.Slice(0, B)
		if c.FreeBits > 0 {
			l.KL = nn.KLStdNormal(nil, nil, muB, lvB, nn.Sum)
			l.Loss += beta * nn.FreeBitsKL(dmuB, dlvB, muB, lvB, c.FreeBits, nn.Sum)
		} else {
			l.KL = nn.KLStdNormal(dmuB, dlvB, muB, lvB, nn.Sum)
			l.Loss += beta * l.KL
		}
		mat32.Scale(float32(beta), dmuB.Data)
		mat32.Scale(float32(beta), dlvB.Data)
	}
	if t.graph != nil {
		l.Neighbor = neighborTerm(dmu, mu, B, c.NeighborWeight, !t.rawNeighbor, &t.mean)
	}
	l.Loss += l.Recon + l.Neighbor
	if err := lossCheck(l, epoch, batch, batches, B); err != nil {
		return l, err
	}
	nn.ZeroGrads(t.ps)
	g := n.dec.Backward(dout)
	if oh != nil {
		g = nn.SliceCols(resize(&t.dz, B, L), g, 0, L)
	}
	if lv != nil {
		gmu, glv := n.rep.Backward(g)
		mat32.Axpy(1, gmu.Data, dmu.Data[:B*L])
		mat32.Axpy(1, glv.Data, dlv.Data[:B*L])
	} else {
		mat32.Axpy(1, g.Data, dmu.Data[:B*L])
	}
	t.dys = append(t.dys[:0], dmu)
	if lv != nil {
		t.dys = append(t.dys, dlv)
	}
	dh := n.heads.Backward(t.dys)
	if oh != nil {
		dh = nn.SliceCols(resize(&t.dh, m, n.encOut), dh, 0, n.encOut)
	}
	n.enc.Backward(dh)
	return l, nil
}

// chunks calls fn on the given rows in chunks of the model's chunk size: normalised,
// in data units (nil when withData is false), and their classes.
func (t *aeTrainer) chunks(rows []int, withData bool, fn func(xn, x *mat32.Dense, labels []int)) {
	s := t.s
	for lo := 0; lo < len(rows); lo += t.m.chunk {
		idx := rows[lo:min(lo+t.m.chunk, len(rows))]
		xn := mat32.Gather(resize(&t.vx, len(idx), s.xn.Cols), s.xn, idx)
		var x *mat32.Dense
		if withData {
			x = mat32.Gather(resize(&t.vd, len(idx), s.d.X.Cols), s.d.X, idx)
		}
		var lab []int
		if s.labels != nil {
			lab = make([]int, len(idx))
			for i, r := range idx {
				lab[i] = s.labels[r]
			}
		}
		fn(xn, x, lab)
	}
}

// validate returns the validation loss per row: reconstruction (one code
// sampled per row from a fixed stream, so epochs compare) plus Beta times
// the KL divergence.
func (t *aeTrainer) validate(rows []int) *Losses {
	if len(rows) == 0 {
		return nil
	}
	n, c := t.n, t.c
	rng := dataset.NewRand(t.s.opt.Seed, streamVal)
	var l Losses
	t.chunks(rows, false, func(xn, _ *mat32.Dense, lab []int) {
		oh := n.oneHot(&n.onehot, lab)
		mu, lv := n.encode(xn, oh, nn.Eval)
		z := mu
		if lv != nil {
			n.rep.Rng = rng
			z = n.rep.Forward(mu, lv, nn.Train)
			l.KL += nn.KLStdNormal(nil, nil, mu, lv, nn.Sum)
		}
		l.Recon += reconLoss(c.Likelihood, nil, n.decode(z, oh, nn.Eval), xn)
	})
	l.Loss = l.Recon + c.Beta*l.KL
	l = l.scaled(1 / float64(len(rows)))
	return &l
}

// finish measures the model on the validation rows (the training rows
// when there are none) and fits a Gaussian to the training codes.
func (t *aeTrainer) finish(s *session) error {
	rows, on := s.val, "validation"
	if len(rows) == 0 {
		rows, on = s.train, "training"
	}
	ev := newEvaluator(t.m, s.opt.Seed)
	t.chunks(rows, true, func(xn, x *mat32.Dense, lab []int) { ev.add(xn, x, lab) })
	mt := ev.metrics()
	s.card.Metrics, s.card.MetricsOn = &mt, on
	codes := mat32.New(len(s.train), t.c.Latent)
	k := 0
	t.chunks(s.train, false, func(xn, _ *mat32.Dense, lab []int) {
		mu, _ := t.n.encode(xn, t.n.oneHot(&t.n.onehot, lab), nn.Eval)
		copy(codes.Data[k*t.c.Latent:], mu.Data)
		k += xn.Rows
	})
	g, err := space.FitGaussian(codes)
	if err != nil {
		return fmt.Errorf("model: fitting the codes: %w", err)
	}
	s.card.Codes = &g
	return nil
}
