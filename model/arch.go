package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/nn"
)

// The convolutions' fixed geometry: 4×4 windows, stride 2, padding 1, so
// each layer halves the side (rounding down), as in DCGAN.
const (
	convKernel  = 4
	convStride  = 2
	convPadding = 1
)

// leakySlope is the discriminator's LeakyReLU slope (DCGAN's 0.2).
const leakySlope = 0.2

type layerKind uint8

const (
	kindDense layerKind = iota
	kindConv
	kindConvT
	kindBatchNorm
	kindAct
)

// layerSpec is one layer of a network before it is built: enough to count
// its parameters without allocating them, and to build it.
type layerSpec struct {
	kind          layerKind
	in, out       int // widths (Dense); channels (BatchNorm: out)
	inImg, outImg dataset.ImageShape
	outPad        int
	act           nn.Act
	noInputGrad   bool
}

// params returns the number of values the layer stores (trainable ones and
// buffers), as int64 so that hostile sizes cannot overflow.
func (s layerSpec) params() int64 {
	switch s.kind {
	case kindDense:
		return int64(s.in)*int64(s.out) + int64(s.out)
	case kindConv:
		return int64(s.outImg.Channels)*convKernel*convKernel*int64(s.inImg.Channels) + int64(s.outImg.Channels)
	case kindConvT:
		return int64(s.inImg.Channels)*convKernel*convKernel*int64(s.outImg.Channels) + int64(s.outImg.Channels)
	case kindBatchNorm:
		return 4 * int64(s.out)
	}
	return 0
}

// width returns the layer's output width.
func (s layerSpec) width() int {
	switch s.kind {
	case kindConv, kindConvT:
		return s.outImg.Size()
	}
	return s.out
}

func (s layerSpec) build(rng *rand.Rand) nn.Layer {
	switch s.kind {
	case kindDense:
		d := nn.NewDense(s.in, s.out, s.act, rng)
		d.NoInputGrad = s.noInputGrad
		return d
	case kindConv:
		c := nn.NewConv2D(s.inImg, s.outImg.Channels, convKernel, convStride, convPadding, s.act, rng)
		c.NoInputGrad = s.noInputGrad
		return c
	case kindConvT:
		c := nn.NewConvTranspose2D(s.inImg, s.outImg.Channels, convKernel, convStride, convPadding, s.outPad, s.act, rng)
		c.NoInputGrad = s.noInputGrad
		return c
	case kindBatchNorm:
		return nn.NewBatchNorm(s.out)
	case kindAct:
		return nn.NewActivation(s.act)
	}
	panic(fmt.Sprintf("model: unknown layer kind %d", s.kind))
}

// plan is a model's networks before they are built.
type plan struct {
	// enc maps a data row to the features the heads read (AE family), or
	// is the discriminator body (GAN).
	enc []layerSpec
	// encOut is the width of enc's output (Dim when enc is empty).
	encOut int
	// heads is the number of code heads (1 for AE and DAE, 2 for the
	// VAEs: μ and log σ²), each Dense(encOut + classes → Latent); for a
	// GAN, 1: the discriminator's logit, Dense(encOut → 1).
	heads, headIn, headOut int
	// dec maps a code (plus the one-hot class) to a row of logits or means
	// (AE family), or is the generator (GAN).
	dec []layerSpec
}

// params returns the number of values the model stores.
func (p *plan) params() int64 {
	var n int64
	for _, s := range p.enc {
		n += s.params()
	}
	for _, s := range p.dec {
		n += s.params()
	}
	n += int64(p.heads) * (int64(p.headIn)*int64(p.headOut) + int64(p.headOut))
	return n
}

// outAct is the activation of the last decoder layer: the identity for the
// AE family (the loss works on logits or means) and for a Gaussian GAN;
// the sigmoid for a Bernoulli GAN, whose generator output goes straight to
// the discriminator.
func outAct(c *Config) nn.Act {
	if c.Type == GAN && c.Likelihood == Bernoulli {
		return nn.Sigmoid()
	}
	return nn.Linear()
}

// planFor returns the networks c describes, or an error when the shapes do
// not work out (an image too small for the convolutions, a side whose
// parity changes between height and width).
func planFor(c *Config) (*plan, error) {
	p := &plan{}
	act, err := parseActivation(c.Activation)
	if err != nil {
		return nil, err
	}
	hiddenAct := act
	if c.Type == GAN {
		hiddenAct = nn.LeakyReLU(leakySlope)
	}
	// Encoder or discriminator body.
	in := c.Dim
	var shapes []dataset.ImageShape // image shape before each convolution, then after the last
	if c.Arch == Conv {
		s := c.Image
		shapes = append(shapes, s)
		for i, ch := range c.Channels {
			o, err := nn.ConvOut(s, ch, convKernel, convStride, convPadding)
			if err != nil {
				return nil, fmt.Errorf("model: convolution %d on %v images: %w", i, s, err)
			}
			if (s.Height-2*o.Height != s.Width-2*o.Width) || s.Height-2*o.Height > 1 || s.Height < 2 || s.Width < 2 {
				return nil, fmt.Errorf("model: convolution %d: a %v image cannot be mirrored by a transposed convolution (height and width of different parity)", i, s)
			}
			p.enc = append(p.enc, layerSpec{kind: kindConv, inImg: s, outImg: o, act: hiddenAct})
			s = o
			shapes = append(shapes, s)
		}
		in = s.Size()
	}
	for _, w := range c.Hidden {
		p.enc = append(p.enc, layerSpec{kind: kindDense, in: in, out: w, act: hiddenAct})
		in = w
	}
	p.encOut = in
	if len(p.enc) > 0 && c.Type != GAN {
		p.enc[0].noInputGrad = true // its input is data
	}
	// Heads.
	switch {
	case c.Type == GAN:
		p.heads, p.headIn, p.headOut = 1, p.encOut, 1
	case c.Type.Variational():
		p.heads, p.headIn, p.headOut = 2, p.encOut+len(c.Classes), c.Latent
	default:
		p.heads, p.headIn, p.headOut = 1, p.encOut, c.Latent
	}
	// Decoder or generator.
	in = c.Latent + len(c.Classes)
	genBN := c.Type == GAN && c.Arch == Conv
	for i := len(c.Hidden) - 1; i >= 0; i-- {
		p.dec = append(p.dec, layerSpec{kind: kindDense, in: in, out: c.Hidden[i], act: act})
		in = c.Hidden[i]
	}
	if c.Arch == MLP {
		p.dec = append(p.dec, layerSpec{kind: kindDense, in: in, out: c.Dim, act: outAct(c)})
		return p, nil
	}
	last := shapes[len(shapes)-1]
	if genBN {
		p.dec = append(p.dec, layerSpec{kind: kindDense, in: in, out: last.Size()},
			layerSpec{kind: kindBatchNorm, out: last.Channels},
			layerSpec{kind: kindAct, act: act, out: last.Size()})
	} else {
		p.dec = append(p.dec, layerSpec{kind: kindDense, in: in, out: last.Size(), act: act})
	}
	for i := len(c.Channels) - 1; i >= 0; i-- {
		from, to := shapes[i+1], shapes[i]
		a := act
		if i == 0 {
			a = outAct(c)
		}
		pad := to.Height - 2*from.Height
		spec := layerSpec{kind: kindConvT, inImg: from, outImg: to, outPad: pad, act: a}
		if genBN && i > 0 {
			spec.act = nn.Linear()
			p.dec = append(p.dec, spec, layerSpec{kind: kindBatchNorm, out: to.Channels},
				layerSpec{kind: kindAct, act: act, out: to.Size()})
			continue
		}
		p.dec = append(p.dec, spec)
	}
	return p, nil
}

// buildSeq builds specs into a Sequential named name.
func buildSeq(name string, specs []layerSpec, rng *rand.Rand) *nn.Sequential {
	layers := make([]nn.Layer, len(specs))
	for i, s := range specs {
		layers[i] = s.build(rng)
	}
	return nn.NewSequential(name, layers...)
}

// markNoDecay exempts biases and normalisation parameters from weight
// decay.
func markNoDecay(ps []*nn.Param) {
	for _, p := range ps {
		if p.Bias || p.FanIn == 0 {
			p.NoDecay = true
		}
	}
}

// describe returns a one-line summary of the networks, for the model card.
func (p *plan) describe(c *Config) string {
	layer := func(s layerSpec) string {
		switch s.kind {
		case kindDense:
			return fmt.Sprintf("dense %d→%d %s", s.in, s.out, s.act)
		case kindConv:
			return fmt.Sprintf("conv %v→%v %s", s.inImg, s.outImg, s.act)
		case kindConvT:
			return fmt.Sprintf("convT %v→%v %s", s.inImg, s.outImg, s.act)
		case kindBatchNorm:
			return fmt.Sprintf("batchnorm %d", s.out)
		}
		return s.act.String()
	}
	var out string
	join := func(prefix string, specs []layerSpec) {
		out += prefix + ":"
		for i, s := range specs {
			if i > 0 {
				out += ","
			}
			out += " " + layer(s)
		}
		out += "; "
	}
	if c.Type == GAN {
		join("discriminator", p.enc)
		out += fmt.Sprintf("logit: dense %d→1; ", p.headIn)
		join("generator", p.dec)
	} else {
		join("encoder", p.enc)
		names := "μ"
		if p.heads == 2 {
			names = "μ, log σ²"
		}
		out += fmt.Sprintf("heads (%s): dense %d→%d; ", names, p.headIn, p.headOut)
		join("decoder", p.dec)
	}
	return out[:len(out)-2]
}
