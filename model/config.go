package model

import (
	"errors"
	"fmt"
	"math"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/nn"
)

// Type is the kind of model.
type Type string

// The model types.
const (
	// AE is a deterministic autoencoder: the code is a point.
	AE Type = "ae"
	// VAE is a variational autoencoder (Kingma and Welling 2014): the
	// encoder gives a Gaussian q(z|x) = N(μ, σ²) per row, trained with the
	// reparameterisation trick against the prior N(0, I); with Beta ≠ 1 it
	// is a β-VAE (Higgins et al. 2017).
	VAE Type = "vae"
	// DAE is a denoising autoencoder (Vincent et al. 2008): an AE trained to
	// reconstruct clean rows from rows with Gaussian noise added.
	DAE Type = "dae"
	// CVAE is a conditional VAE (Sohn et al. 2015): encoder and decoder
	// also see the row's class (one-hot), so the code need not carry it.
	CVAE Type = "cvae"
	// GAN is a generative adversarial network (Goodfellow et al. 2014) with
	// the non-saturating generator loss; with Arch Conv it is a small
	// DCGAN (Radford et al. 2016). It has a generator (Decode) and no
	// encoder.
	GAN Type = "gan"
)

// ParseType returns the type named s.
func ParseType(s string) (Type, error) {
	switch t := Type(s); t {
	case AE, VAE, DAE, CVAE, GAN:
		return t, nil
	}
	return "", fmt.Errorf("model: unknown model type %q (want ae, vae, dae, cvae or gan)", s)
}

// Variational reports whether the type has a Gaussian encoder (VAE, CVAE).
func (t Type) Variational() bool { return t == VAE || t == CVAE }

// Conditional reports whether the type takes class labels (CVAE).
func (t Type) Conditional() bool { return t == CVAE }

// HasEncoder reports whether the type can encode data (all but GAN).
func (t Type) HasEncoder() bool { return t != GAN }

// Arch is the network architecture.
type Arch string

// The architectures.
const (
	// MLP is fully connected layers with ReLU, for any data.
	MLP Arch = "mlp"
	// Conv is stride-2 4×4 convolutions (transposed convolutions in the
	// decoder or generator), for image data.
	Conv Arch = "conv"
)

// ParseArch returns the architecture named s.
func ParseArch(s string) (Arch, error) {
	switch a := Arch(s); a {
	case MLP, Conv:
		return a, nil
	}
	return "", fmt.Errorf("model: unknown architecture %q (want mlp or conv)", s)
}

// Likelihood is the distribution the decoder's output parametrises, which
// fixes the reconstruction loss.
type Likelihood string

// The likelihoods.
const (
	// Bernoulli: the decoder gives a probability per value (sigmoid of its
	// logits); the reconstruction loss is the binary cross-entropy summed
	// over values, in nats. For data in [0, 1] such as images.
	Bernoulli Likelihood = "bernoulli"
	// Gaussian: the decoder gives the mean of a unit-variance Gaussian per
	// value; the reconstruction loss is ½·Σ(x − x̂)², the negative
	// log-likelihood without its constant. For standardised real data.
	Gaussian Likelihood = "gaussian"
)

// ParseLikelihood returns the likelihood named s ("bce" and "mse" are
// accepted as the losses' names).
func ParseLikelihood(s string) (Likelihood, error) {
	switch s {
	case "bernoulli", "bce":
		return Bernoulli, nil
	case "gaussian", "mse":
		return Gaussian, nil
	}
	return "", fmt.Errorf("model: unknown likelihood %q (want bernoulli or gaussian)", s)
}

// Config describes a model: what it is, the shape of its data, its
// architecture, how the data are normalised, and the objective it is
// trained with. It is stored, as JSON, in the model file next to the
// weights, and the weights are checked against it when the file is loaded.
type Config struct {
	// Type is the kind of model.
	Type Type `json:"type"`
	// Arch is the network architecture.
	Arch Arch `json:"arch"`
	// Dim is the number of values per data row.
	Dim int `json:"dim"`
	// Image is the layout of a row when the rows are images (required by
	// Conv), or zero.
	Image dataset.ImageShape `json:"image"`
	// Latent is the dimension of the code (for GAN, of the noise).
	Latent int `json:"latent"`
	// Hidden lists the widths of the fully connected hidden layers in
	// encoder (or discriminator) order; the decoder (or generator) uses
	// them in reverse. With Conv they follow the convolutions.
	Hidden []int `json:"hidden"`
	// Activation is the hidden layers' activation: "relu" (the default
	// when empty), "leaky_relu" (slope 0.01) or "tanh". A GAN's
	// discriminator always uses LeakyReLU with slope 0.2, as DCGAN.
	Activation string `json:"activation,omitempty"`
	// Channels lists the output channels of each stride-2 4×4 convolution
	// of the encoder (or discriminator), for Conv; the decoder mirrors
	// them with transposed convolutions. Each halves the image's side
	// (rounding down).
	Channels []int `json:"channels,omitempty"`
	// Classes names the classes a CVAE is conditioned on; the one-hot
	// input has one column per class.
	Classes []string `json:"classes,omitempty"`
	// Likelihood fixes the reconstruction loss and the output layer.
	Likelihood Likelihood `json:"likelihood"`
	// Normalizer maps data to the units the network sees; Encode applies
	// it and Decode inverts it.
	Normalizer dataset.Normalizer `json:"normalizer"`

	// Beta weighs the KL term of a VAE (1: the ELBO; > 1: a β-VAE).
	Beta float64 `json:"beta"`
	// WarmupEpochs raises the KL weight linearly from 0 to Beta over this
	// many epochs of steps (KL annealing, Bowman et al. 2016); 0 means no
	// warm-up.
	WarmupEpochs float64 `json:"warmup_epochs"`
	// FreeBits is the KL, in nats per latent dimension, below which a
	// dimension is not penalised (Kingma et al. 2016); 0 means none.
	FreeBits float64 `json:"free_bits"`
	// Noise is the standard deviation of the Gaussian noise a DAE adds to
	// its inputs, in normalised units (clipped to [0, 1] for Bernoulli
	// data).
	Noise float64 `json:"noise"`
	// NeighborWeight weighs the neighbour-preserving term (see the package
	// documentation); 0 turns it off.
	NeighborWeight float64 `json:"neighbor_weight"`
	// NeighborK is the number of input-space neighbours each row's partner
	// is drawn from.
	NeighborK int `json:"neighbor_k"`
	// WeightDecay is AdamW's decoupled weight decay on the weights (not
	// the biases or normalisation parameters); 0 means none.
	WeightDecay float64 `json:"weight_decay"`
}

// Limits on a configuration, checked by Validate so that a hostile file
// cannot make Load allocate without bound.
const (
	MaxDim        = 1 << 22 // values per row (a 1024×1024 RGBA image)
	MaxLatent     = 1 << 16
	MaxWidth      = 1 << 16 // hidden-layer width
	MaxChannels   = 1 << 12
	MaxLayers     = 32
	MaxClasses    = 1 << 16
	MaxParameters = 1 << 30 // trainable values
)

// DefaultConfig returns the configuration of a model of type t and
// architecture a with the given code size, with the documented defaults:
// hidden layers 512 and 256 (MLP) or none after the convolutions (Conv),
// convolution channels 32 and 64 (64 and 128 for a GAN), β = 1 for the
// VAEs, noise 0.3 for a DAE, NeighborK 10. The data-dependent fields (Dim,
// Image, Classes, Likelihood, Normalizer) are left for Train to fill in
// from the training data.
func DefaultConfig(t Type, a Arch, latent int) Config {
	c := Config{Type: t, Arch: a, Latent: latent, NeighborK: 10}
	switch a {
	case MLP:
		c.Hidden = []int{512, 256}
	case Conv:
		c.Channels = []int{32, 64}
		if t == GAN {
			c.Channels = []int{64, 128}
		}
	}
	if t == GAN && a == MLP {
		c.Hidden = []int{512, 256}
	}
	if t.Variational() {
		c.Beta = 1
	}
	if t == DAE {
		c.Noise = 0.3
	}
	return c
}

// Validate checks c for consistency and against the limits above. It is
// called on every configuration read from a file and before training.
func (c *Config) Validate() error {
	if _, err := ParseType(string(c.Type)); err != nil {
		return err
	}
	if _, err := ParseArch(string(c.Arch)); err != nil {
		return err
	}
	if _, err := ParseLikelihood(string(c.Likelihood)); err != nil {
		return err
	}
	if _, err := parseActivation(c.Activation); err != nil {
		return err
	}
	if c.Latent <= 0 || c.Latent > MaxLatent {
		return fmt.Errorf("model: latent dimension %d: want 1 to %d", c.Latent, MaxLatent)
	}
	if c.Dim <= 0 || c.Dim > MaxDim {
		return fmt.Errorf("model: %d values per row: want 1 to %d", c.Dim, MaxDim)
	}
	if c.Image != (dataset.ImageShape{}) {
		if !c.Image.IsImage() || c.Image.Height > MaxDim || c.Image.Width > MaxDim || c.Image.Channels > MaxDim ||
			int64(c.Image.Height)*int64(c.Image.Width)*int64(c.Image.Channels) != int64(c.Dim) {
			return fmt.Errorf("model: image shape %v does not hold the %d values of a row", c.Image, c.Dim)
		}
	}
	if len(c.Hidden) > MaxLayers {
		return fmt.Errorf("model: %d hidden layers, at most %d", len(c.Hidden), MaxLayers)
	}
	for i, w := range c.Hidden {
		if w <= 0 || w > MaxWidth {
			return fmt.Errorf("model: hidden layer %d has width %d: want 1 to %d", i, w, MaxWidth)
		}
	}
	if len(c.Channels) > MaxLayers {
		return fmt.Errorf("model: %d convolution layers, at most %d", len(c.Channels), MaxLayers)
	}
	for i, ch := range c.Channels {
		if ch <= 0 || ch > MaxChannels {
			return fmt.Errorf("model: convolution %d has %d channels: want 1 to %d", i, ch, MaxChannels)
		}
	}
	if c.Arch == Conv {
		if !c.Image.IsImage() {
			return errors.New("model: the conv architecture needs image data (rows with an image shape)")
		}
		if len(c.Channels) == 0 {
			return errors.New("model: the conv architecture needs at least one convolution (channels)")
		}
	} else if len(c.Channels) > 0 {
		return errors.New("model: channels are for the conv architecture only")
	}
	if c.Type.Conditional() {
		if len(c.Classes) < 1 || len(c.Classes) > MaxClasses {
			return fmt.Errorf("model: a conditional model needs 1 to %d classes, has %d", MaxClasses, len(c.Classes))
		}
	} else if len(c.Classes) > 0 {
		return fmt.Errorf("model: classes are for conditional models only (type %s)", c.Type)
	}
	if err := c.checkNormalizer(); err != nil {
		return err
	}
	if c.Likelihood == Bernoulli && c.Normalizer.Kind == dataset.NormStandardize {
		return errors.New("model: the Bernoulli likelihood needs values in [0, 1]; standardised data are not (use scale or none, or the Gaussian likelihood)")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"beta", c.Beta}, {"warm-up epochs", c.WarmupEpochs}, {"free bits", c.FreeBits}, {"noise", c.Noise},
		{"neighbour weight", c.NeighborWeight}, {"weight decay", c.WeightDecay}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return fmt.Errorf("model: %s %g: want a finite value ≥ 0", f.name, f.v)
		}
	}
	if c.NeighborWeight > 0 {
		if c.Type == GAN {
			return errors.New("model: a GAN has no encoder for the neighbour term")
		}
		if c.NeighborK < 1 || c.NeighborK > 1024 {
			return fmt.Errorf("model: neighbour k %d: want 1 to 1024", c.NeighborK)
		}
	}
	p, err := planFor(c)
	if err != nil {
		return err
	}
	if n := p.params(); n > MaxParameters {
		return fmt.Errorf("model: %d parameters, at most %d", n, MaxParameters)
	}
	return nil
}

func (c *Config) checkNormalizer() error {
	n := &c.Normalizer
	switch n.Kind {
	case dataset.NormNone, "":
		if n.Mean != nil || n.Std != nil {
			return errors.New("model: normaliser none has means or deviations")
		}
	case dataset.NormScale:
		if !finite32(n.Min) || !finite32(n.Max) {
			return fmt.Errorf("model: scale normaliser range [%g, %g] is not finite", n.Min, n.Max)
		}
	case dataset.NormStandardize:
		if len(n.Mean) != c.Dim || len(n.Std) != c.Dim {
			return fmt.Errorf("model: standardize normaliser has %d means and %d deviations for %d values per row", len(n.Mean), len(n.Std), c.Dim)
		}
		for i := range n.Mean {
			if !finite32(n.Mean[i]) || !finite32(n.Std[i]) || n.Std[i] < 0 {
				return fmt.Errorf("model: standardize normaliser value %d is not finite (mean %g, std %g)", i, n.Mean[i], n.Std[i])
			}
		}
	default:
		return fmt.Errorf("model: unknown normalisation %q", n.Kind)
	}
	return nil
}

// parseActivation returns the hidden activation named s.
func parseActivation(s string) (nn.Act, error) {
	switch s {
	case "", "relu":
		return nn.ReLU(), nil
	case "leaky_relu":
		return nn.LeakyReLU(0.01), nil
	case "tanh":
		return nn.Tanh(), nil
	}
	return nn.Act{}, fmt.Errorf("model: unknown activation %q (want relu, leaky_relu or tanh)", s)
}

func finite32(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// Shape describes the rows a model reads (Encode) and writes (Decode).
type Shape struct {
	// Dim is the number of values per row.
	Dim int
	// Image is the image layout of a row, or zero.
	Image dataset.ImageShape
}

// String formats the shape as "784 values (28x28x1)" or "50 values".
func (s Shape) String() string {
	if s.Image.IsImage() {
		return fmt.Sprintf("%d values (%v)", s.Dim, s.Image)
	}
	return fmt.Sprintf("%d values", s.Dim)
}
