package model

import (
	"errors"
	"fmt"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/space"
)

// Model is a trained latent-variable model: an encoder from data rows to
// codes (except a GAN), a decoder (generator) from codes to rows, and a
// distribution over codes to sample from. Every model in this package
// implements it; the CLI, the report and the server use models only
// through it.
//
// Data rows are in the units of the dataset the model was trained on:
// Encode applies the model's normaliser to (a copy of) its input and
// Decode inverts it. Conditional models (CVAE) need one class index per
// row (into Config().Classes; see ClassIndices); the others ignore labels
// and accept nil.
//
// Calls are safe from several goroutines: a model serialises them. A
// server that wants parallel encoding loads one model per worker.
type Model interface {
	// Config returns the model's configuration. The caller must not
	// modify its slices.
	Config() Config
	// Card returns the model card: training data, options, seed, history
	// and metrics.
	Card() Card
	// LatentDim returns the dimension of the codes.
	LatentDim() int
	// InputShape returns the shape of the rows Encode reads and Decode
	// writes.
	InputShape() Shape
	// Encode returns the code of each row of x: the mean μ of q(z|x) and
	// its log-variance log σ² for the VAEs, the code itself (and a nil
	// logVar) for the others. A GAN returns ErrNoEncoder. x must have
	// InputShape().Dim columns and finite values.
	Encode(x *mat32.Dense, labels []int) (mu, logVar *mat32.Dense, err error)
	// Decode returns the row each code decodes to: the Bernoulli
	// probabilities or the Gaussian means, in data units.
	Decode(z *mat32.Dense, labels []int) (*mat32.Dense, error)
	// Prior returns the distribution Sample draws codes from: N(0, I) for
	// the VAEs and the GAN, the Gaussian fitted to the training codes for
	// the autoencoders (an error if the model has none).
	Prior() (space.Gaussian, error)
	// Sample draws n codes from Prior with the seed and decodes them.
	Sample(n int, seed uint64, labels []int) (*mat32.Dense, error)
	// Save writes the model to path (the weights; the JSON config goes
	// next to it, see WeightsPath and safetensors.ConfigPath).
	Save(path string, opt SaveOptions) error
}

// ErrNoEncoder is returned by the Encode method of a model without an
// encoder (a GAN).
var ErrNoEncoder = errors.New("model: a GAN has no encoder; start from codes (samples of the prior) instead")

// Card is a model card: what a model was trained on and how, and how well
// it did. It is stored in the model file's JSON config.
type Card struct {
	// Architecture describes the layers in one line.
	Architecture string `json:"architecture"`
	// Parameters is the number of trainable values.
	Parameters int `json:"parameters"`
	// Data names the training data (usually its file).
	Data string `json:"data"`
	// DataRows is the number of rows of the training data; TrainRows and
	// ValRows how many of them were used for training and validation.
	DataRows  int `json:"data_rows"`
	TrainRows int `json:"train_rows"`
	ValRows   int `json:"val_rows"`
	// DataCRC is a CRC-32C of the training data's values, which Resume
	// checks.
	DataCRC string `json:"data_crc32c"`
	// Training holds the options training ran with, its seed among them.
	Training TrainOptions `json:"training"`
	// Epochs is the number of epochs completed; BestEpoch the one whose
	// weights the model holds (the lowest validation loss, or the last).
	Epochs    int `json:"epochs"`
	BestEpoch int `json:"best_epoch"`
	// Stopped says why training ended: "completed", "early stopping",
	// "interrupted".
	Stopped string `json:"stopped"`
	// Seconds is the training time.
	Seconds float64 `json:"seconds"`
	// History holds one entry per epoch.
	History []EpochStats `json:"history"`
	// Metrics are measured on the validation rows (on the training rows
	// when there are none, see MetricsOn) after training.
	Metrics   *Metrics `json:"metrics,omitempty"`
	MetricsOn string   `json:"metrics_on,omitempty"`
	// Codes is the Gaussian fitted to the codes (μ) of the training rows:
	// what an autoencoder samples from, and an alternative prior for a
	// VAE.
	Codes *space.Gaussian `json:"codes,omitempty"`
}

// EpochStats are one epoch's figures, per row.
type EpochStats struct {
	// Epoch counts from 1.
	Epoch int `json:"epoch"`
	// Train holds the means over the epoch's batches, as trained (with
	// the KL weight of each step).
	Train Losses `json:"train"`
	// Val holds the validation losses at the end of the epoch, with the
	// final KL weight (nil without validation rows).
	Val *Losses `json:"val,omitempty"`
	// Beta is the KL weight at the end of the epoch.
	Beta float64 `json:"beta,omitempty"`
	// Seconds is the epoch's training time (validation excluded) and
	// RowsPerSecond the training speed.
	Seconds       float64 `json:"seconds"`
	RowsPerSecond float64 `json:"rows_per_second"`
}

// Losses are the parts of the objective, per row.
type Losses struct {
	// Loss is the objective: Recon + β·KL + the neighbour term (AE
	// family), or D + G (GAN).
	Loss float64 `json:"loss"`
	// Recon is the reconstruction loss (nats for Bernoulli, ½·squared
	// error for Gaussian).
	Recon float64 `json:"recon,omitempty"`
	// KL is KL(q(z|x) ‖ N(0, I)) in nats (VAEs), before free bits.
	KL float64 `json:"kl,omitempty"`
	// Neighbor is the weighted neighbour term.
	Neighbor float64 `json:"neighbor,omitempty"`
	// D and G are a GAN's discriminator and generator losses (mean binary
	// cross-entropies).
	D float64 `json:"d,omitempty"`
	G float64 `json:"g,omitempty"`
}

// Metrics measure a model on a set of rows.
type Metrics struct {
	// Rows is the number of rows measured.
	Rows int `json:"rows"`
	// Recon is the reconstruction loss per row (nats for Bernoulli), from
	// one sampled code per row for the VAEs, the code itself otherwise.
	Recon float64 `json:"recon"`
	// KL is KL(q(z|x) ‖ N(0, I)) per row (VAEs).
	KL float64 `json:"kl,omitempty"`
	// NegELBO is Recon + KL, the negative evidence lower bound per row
	// (VAEs), an upper bound on −log p(x).
	NegELBO float64 `json:"neg_elbo,omitempty"`
	// MSE is the mean squared error per value of the reconstruction from
	// μ, in data units.
	MSE float64 `json:"mse"`
	// KLPerDim is each latent dimension's KL per row (VAEs);
	// ActiveDims counts those above 0.01 nats.
	KLPerDim   []float64 `json:"kl_per_dim,omitempty"`
	ActiveDims int       `json:"active_dims,omitempty"`
}

// ClassIndices maps the labels of d to the class indices of a conditional
// model (by class name), for Encode and Decode. It is an error if d has no
// labels, a row has none, or a class is one the model does not know.
func ClassIndices(c Config, d *dataset.Dataset) ([]int, error) {
	if !c.Type.Conditional() {
		return nil, nil
	}
	if d.Labels == nil {
		return nil, fmt.Errorf("model: a conditional model needs labels, %s has none", dataName(d))
	}
	index := make(map[string]int, len(c.Classes))
	for i, n := range c.Classes {
		index[n] = i
	}
	out := make([]int, len(d.Labels))
	for i, l := range d.Labels {
		if l == dataset.NoLabel {
			return nil, fmt.Errorf("model: row %d of %s has no label", i, dataName(d))
		}
		k, ok := index[d.Classes[l]]
		if !ok {
			return nil, fmt.Errorf("model: row %d of %s has class %q, which the model was not trained on", i, dataName(d), d.Classes[l])
		}
		out[i] = k
	}
	return out, nil
}

// ClassIndex returns the index of the class named name in a conditional
// model's classes.
func ClassIndex(c Config, name string) (int, error) {
	for i, n := range c.Classes {
		if n == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("model: the model has no class %q", name)
}

func dataName(d *dataset.Dataset) string {
	if d.Name != "" {
		return d.Name
	}
	return "the data"
}

// Reconstruct encodes x and decodes the codes (μ for the VAEs).
func Reconstruct(m Model, x *mat32.Dense, labels []int) (*mat32.Dense, error) {
	mu, _, err := m.Encode(x, labels)
	if err != nil {
		return nil, err
	}
	return m.Decode(mu, labels)
}

// SampleCodes returns codes drawn from q(z|x) = N(μ, σ²) for each row of
// a VAE's encoding (one draw per row, seeded); for a deterministic code
// (nil logVar) it returns a copy of mu.
func SampleCodes(mu, logVar *mat32.Dense, seed uint64) *mat32.Dense {
	z := mu.Clone()
	if logVar == nil {
		return z
	}
	if logVar.Rows != mu.Rows || logVar.Cols != mu.Cols {
		panic(fmt.Sprintf("model: SampleCodes: μ %d×%d, log σ² %d×%d", mu.Rows, mu.Cols, logVar.Rows, logVar.Cols))
	}
	rng := dataset.NewRand(seed, streamEncodeSample)
	for i, lv := range logVar.Data {
		z.Data[i] += float32(rng.NormFloat64()) * expHalf(lv)
	}
	return z
}
