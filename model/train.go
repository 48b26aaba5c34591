package model

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn"
	"github.com/latentlab/latent/progress"
)

// TrainOptions tune Train. The zero value trains for 10 epochs in batches
// of 128 with Adam at learning rate 1e-3 (2e-4 for a GAN), without a
// validation split, from seed 0.
type TrainOptions struct {
	// Epochs is the number of passes over the training rows (10).
	Epochs int `json:"epochs"`
	// Batch is the number of rows per step (128).
	Batch int `json:"batch"`
	// LR is Adam's learning rate (1e-3; 2e-4 with β₁ = 0.5 for a GAN).
	LR float64 `json:"lr"`
	// Val is the fraction of rows held out for validation, stratified by
	// label (dataset.SplitIndices); 0 trains on every row. A GAN trains on
	// every row whatever Val says.
	Val float64 `json:"val"`
	// Patience stops training when the validation loss has not improved
	// for this many epochs (early stopping); 0 never stops early. It
	// needs Val > 0.
	Patience int `json:"patience"`
	// Seed fixes the weights, the split, the shuffling and every sample
	// drawn in training.
	Seed uint64 `json:"seed"`
	// ClipNorm, when positive, scales the gradients so that their global
	// norm is at most ClipNorm.
	ClipNorm float64 `json:"clip_norm,omitempty"`
	// Normalize is the data normalisation: "auto" (the default: none for
	// data in [0, 1], scale for other non-negative images, standardize
	// otherwise), "none", "scale" or "standardize". It is fitted on the
	// training rows and stored in the model.
	Normalize string `json:"normalize"`

	// Out is the model file to write (see WeightsPath); "" keeps the model
	// in memory only. Training writes the best model so far to Out after
	// each epoch and a checkpoint to CheckpointPath(Out) (the weights, the
	// optimiser state and the training state) from which Resume carries
	// on exactly.
	Out string `json:"-"`
	// DType is the element type of the model file's weights (F32 when
	// empty; see SaveOptions). Checkpoints are always F32.
	DType safetensors.DType `json:"-"`
	// Progress, when not nil, receives a report after every batch.
	Progress progress.Func `json:"-"`
	// EpochDone, when not nil, is called after every epoch with the
	// model as it stands (the current weights, which are not necessarily
	// the best) and the epoch's figures. It runs on the training
	// goroutine, between epochs, so it may use the model (Evaluate it,
	// say) but not keep it busy for long.
	EpochDone func(m Model, s EpochStats) `json:"-"`
}

func (o *TrainOptions) setDefaults(t Type) {
	if o.Epochs == 0 {
		o.Epochs = 10
	}
	if o.Batch == 0 {
		o.Batch = 128
	}
	if o.LR == 0 {
		o.LR = 1e-3
		if t == GAN {
			o.LR = 2e-4
		}
	}
	if o.Normalize == "" {
		o.Normalize = "auto"
	}
}

func (o *TrainOptions) check() error {
	switch {
	case o.Epochs < 1:
		return fmt.Errorf("model: %d epochs: want at least 1", o.Epochs)
	case o.Batch < 1:
		return fmt.Errorf("model: batch size %d: want at least 1", o.Batch)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("model: learning rate %g: want a finite value > 0", o.LR)
	case !(o.Val >= 0 && o.Val < 1):
		return fmt.Errorf("model: validation fraction %g: want 0 ≤ val < 1", o.Val)
	case o.Patience < 0:
		return fmt.Errorf("model: patience %d: want ≥ 0", o.Patience)
	case o.Patience > 0 && o.Val == 0:
		return errors.New("model: early stopping (patience) needs a validation split (val > 0)")
	case !(o.ClipNorm >= 0) || math.IsInf(o.ClipNorm, 0):
		return fmt.Errorf("model: gradient clip norm %g: want a finite value ≥ 0", o.ClipNorm)
	}
	switch o.Normalize {
	case "auto", dataset.NormNone, dataset.NormScale, dataset.NormStandardize:
	default:
		return fmt.Errorf("model: unknown normalisation %q (want auto, none, scale or standardize)", o.Normalize)
	}
	if o.Out != "" {
		// Fail now rather than after the first epoch.
		dir := filepath.Dir(WeightsPath(o.Out))
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("model: cannot write %s: folder %s does not exist", WeightsPath(o.Out), dir)
		}
	}
	return nil
}

// NaNError reports a training step whose loss or gradient was not finite.
// Training stops before the step's update; the model file and the
// checkpoint keep the last good state.
type NaNError struct {
	// Epoch and Batch locate the step (from 1); Batches is the number of
	// batches per epoch.
	Epoch, Batch, Batches int
	// What is "loss" or "gradient".
	What string
	// Parts holds the loss parts of the batch, per row.
	Parts Losses
	// Checkpoint is the checkpoint file left in place ("" without Out),
	// and Saved the last epoch it holds (0: none was written).
	Checkpoint string
	Saved      int
}

// Error names the epoch and batch and what was kept.
func (e *NaNError) Error() string {
	msg := fmt.Sprintf("model: epoch %d, batch %d of %d: the %s is not finite (%s); training stopped", e.Epoch, e.Batch, e.Batches, e.What, e.Parts.describe())
	switch {
	case e.Checkpoint == "":
	case e.Saved == 0:
		msg += "; no checkpoint had been written yet"
	default:
		msg += fmt.Sprintf("; the last good checkpoint (end of epoch %d) is %s", e.Saved, e.Checkpoint)
	}
	return msg + " (try a lower learning rate, gradient clipping or normalised data)"
}

func (l Losses) describe() string {
	if l.D != 0 || l.G != 0 {
		return fmt.Sprintf("D %g, G %g", l.D, l.G)
	}
	s := fmt.Sprintf("reconstruction %g", l.Recon)
	if l.KL != 0 {
		s += fmt.Sprintf(", KL %g", l.KL)
	}
	if l.Neighbor != 0 {
		s += fmt.Sprintf(", neighbour %g", l.Neighbor)
	}
	return s
}

func (l *Losses) add(o Losses) {
	l.Loss += o.Loss
	l.Recon += o.Recon
	l.KL += o.KL
	l.Neighbor += o.Neighbor
	l.D += o.D
	l.G += o.G
}

func (l Losses) scaled(f float64) Losses {
	return Losses{Loss: l.Loss * f, Recon: l.Recon * f, KL: l.KL * f, Neighbor: l.Neighbor * f, D: l.D * f, G: l.G * f}
}

// trainer is one model type's training step.
type trainer interface {
	model() Model
	// tensors are the model file's tensors; extra are the other tensors
	// a checkpoint keeps (a GAN's discriminator).
	tensors() []*nn.Param
	extra() []*nn.Param
	optimizers() []*nn.Adam
	// step trains on the training rows at the given positions of the
	// training list and returns the loss parts summed over them.
	step(pos []int, epoch, batch, batches int) (Losses, error)
	// validate returns the validation loss per row (nil: no validation).
	validate(rows []int) *Losses
	// beta is the current KL weight (0 when there is none).
	beta() float64
	// finish computes the card's metrics and fitted codes.
	finish(s *session) error
}

// session is one training run.
type session struct {
	ctx    context.Context
	d      *dataset.Dataset
	opt    TrainOptions
	cfg    *Config
	card   *Card
	xn     *mat32.Dense // normalised data
	labels []int        // class indices (conditional models)
	train  []int
	val    []int
	t      trainer
	st     checkpoint
	best   [][]float32
}

// checkpoint is the training state a checkpoint file keeps beside the
// weights and optimiser state.
type checkpoint struct {
	// Epoch is the number of epochs completed; Batch the number of
	// batches of the next one already done (after an interruption).
	Epoch int `json:"epoch"`
	Batch int `json:"batch"`
	// Partial, PartialRows and PartialSeconds carry the unfinished
	// epoch's sums.
	Partial        Losses  `json:"partial"`
	PartialRows    int     `json:"partial_rows"`
	PartialSeconds float64 `json:"partial_seconds"`
	// Steps holds each optimiser's step count.
	Steps []int `json:"steps"`
	// BestLoss is the lowest validation loss so far (valid when
	// BestEpoch > 0); BadEpochs counts epochs since it improved.
	BestLoss  float64 `json:"best_loss"`
	BestEpoch int     `json:"best_epoch"`
	BadEpochs int     `json:"bad_epochs"`
}

// Train trains a model of configuration c on d and returns it. c needs the
// type, architecture, code size and objective (DefaultConfig gives them);
// Train fills in the fields that come from the data: Dim and Image from d
// (they must agree with c if c sets them), Classes from d's classes for a
// CVAE, Normalizer as opt.Normalize asks, fitted on the training rows, and
// Likelihood (when empty) Bernoulli for data in [0, 1] after
// normalisation and Gaussian otherwise.
//
// With opt.Out set, the model file and a checkpoint are written after
// every epoch. Cancelling ctx stops training after the current batch and
// writes a checkpoint from which Resume continues; Train then returns the
// model (the best so far) and an error that wraps ctx.Err(). A loss or
// gradient that is not finite stops training with a *NaNError before the
// step's update, leaving the files of the last good epoch in place.
//
// Bad input is an error: empty or non-finite data, data whose shape does
// not suit c, a conditional model without labels, impossible options.
func Train(ctx context.Context, d *dataset.Dataset, c Config, opt TrainOptions) (Model, error) {
	s, err := setup(ctx, d, c, opt)
	if err != nil {
		return nil, err
	}
	return s.run()
}

// setup checks the input, completes c from the data and builds the model
// and its trainer.
func setup(ctx context.Context, d *dataset.Dataset, c Config, opt TrainOptions) (*session, error) {
	opt.setDefaults(c.Type)
	if err := opt.check(); err != nil {
		return nil, err
	}
	if err := checkData(d); err != nil {
		return nil, err
	}
	if c.Latent <= 0 {
		return nil, fmt.Errorf("model: latent dimension %d: want at least 1", c.Latent)
	}
	if c.Dim != 0 && c.Dim != d.Dim() {
		return nil, fmt.Errorf("model: the model takes %v, %s has %d values per row", Shape{c.Dim, c.Image}, dataName(d), d.Dim())
	}
	if c.Image.IsImage() && d.Image != c.Image {
		return nil, fmt.Errorf("model: the model takes %v images, %s holds %v", c.Image, dataName(d), d.Image)
	}
	c.Dim, c.Image = d.Dim(), d.Image
	if c.Arch == Conv && !d.Image.IsImage() {
		return nil, fmt.Errorf("model: the conv architecture needs images; %s has rows of %d values without an image shape (use --arch mlp)", dataName(d), d.Dim())
	}
	if c.Type.Conditional() {
		if d.Labels == nil || len(d.Classes) == 0 {
			return nil, fmt.Errorf("model: a conditional model needs labelled data; %s has no labels", dataName(d))
		}
		c.Classes = append([]string(nil), d.Classes...)
	}
	split, err := splitRows(d, c.Type, &opt)
	if err != nil {
		return nil, err
	}
	if len(split.Train) == 0 || (c.Type != GAN && opt.Val > 0 && len(split.Validation) == 0) {
		return nil, fmt.Errorf("model: %d rows are too few for a validation fraction of %g", d.Len(), opt.Val)
	}
	if err := fitNormalizer(&c, d, split.Train, opt.Normalize); err != nil {
		return nil, err
	}
	s := &session{ctx: ctx, d: d, opt: opt, cfg: &c, train: split.Train, val: split.Validation}
	if err := s.prepare(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := s.newTrainer(dataset.NewRand(opt.Seed, streamInit)); err != nil {
		return nil, err
	}
	return s, nil
}

// splitRows splits d's rows into training and validation as opt asks; a
// GAN trains on every row.
func splitRows(d *dataset.Dataset, t Type, opt *TrainOptions) (dataset.Split, error) {
	val := opt.Val
	if t == GAN {
		val = 0
	}
	return dataset.SplitIndices(d, val, 0, opt.Seed+streamSplit)
}

// checkData returns an error unless d is a valid, finite, non-trivial
// dataset.
func checkData(d *dataset.Dataset) error {
	if d == nil || d.X == nil {
		return errors.New("model: no data")
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("%s: %w", dataName(d), err)
	}
	if d.Len() < 2 {
		return fmt.Errorf("model: %s has %d rows; training needs at least 2", dataName(d), d.Len())
	}
	if err := dataset.CheckFinite(dataName(d), d.X); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}

// fitNormalizer fits c.Normalizer on the training rows as kind asks and
// picks the likelihood when c has none.
func fitNormalizer(c *Config, d *dataset.Dataset, train []int, kind string) error {
	lo, hi, _ := mat32.MinMax(d.X.Data)
	unit := lo >= 0 && hi <= 1
	if kind == "auto" {
		switch {
		case unit:
			kind = dataset.NormNone
		case lo >= 0 && d.Image.IsImage():
			kind = dataset.NormScale
		case c.Likelihood == Bernoulli:
			kind = dataset.NormScale
		default:
			kind = dataset.NormStandardize
		}
	}
	var n *dataset.Normalizer
	var err error
	if kind == dataset.NormNone {
		n = &dataset.Normalizer{Kind: dataset.NormNone}
	} else {
		n, err = dataset.FitNormalizer(kind, mat32.Gather(nil, d.X, train))
		if err != nil {
			return fmt.Errorf("model: %w", err)
		}
	}
	c.Normalizer = *n
	if c.Likelihood == "" {
		c.Likelihood = Gaussian
		if kind == dataset.NormScale || (kind == dataset.NormNone && unit) {
			c.Likelihood = Bernoulli
		}
	}
	return nil
}

// prepare normalises the data and maps the labels.
func (s *session) prepare() error {
	c := s.cfg
	if err := c.checkLikelihoodRange(s.d.X, dataName(s.d)); err != nil {
		return fmt.Errorf("%w (use the Gaussian likelihood or scale normalisation)", err)
	}
	s.xn = s.d.X
	if c.Normalizer.Kind != dataset.NormNone && c.Normalizer.Kind != "" {
		s.xn = s.d.X.Clone()
		if err := c.Normalizer.Apply(s.xn); err != nil {
			return fmt.Errorf("model: %w", err)
		}
	}
	if c.Type.Conditional() {
		l, err := ClassIndices(*c, s.d)
		if err != nil {
			return err
		}
		s.labels = l
	}
	return nil
}

// newTrainer builds the model and its trainer, weights from rng (nil:
// zero, to be loaded from a checkpoint).
func (s *session) newTrainer(rng *rand.Rand) error {
	if s.cfg.Type == GAN {
		s.t = newGANTrainer(s, rng)
	} else {
		t, err := newAETrainer(s, rng)
		if err != nil {
			return err
		}
		s.t = t
	}
	var card *Card
	switch m := s.t.model().(type) {
	case *Autoencoder:
		card = &m.card
	case *Adversarial:
		card = &m.card
	}
	s.card = card
	card.Data = dataName(s.d)
	card.DataRows = s.d.Len()
	card.TrainRows, card.ValRows = len(s.train), len(s.val)
	card.DataCRC = dataCRC(s.d)
	card.Training = s.opt
	return nil
}

// dataCRC returns the CRC-32C of d's values and labels, in hex.
func dataCRC(d *dataset.Dataset) string {
	tab := crc32.MakeTable(crc32.Castagnoli)
	var crc uint32
	buf := make([]byte, 0, 1<<16)
	for i, v := range d.X.Data {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) || i == len(d.X.Data)-1 {
			crc = crc32.Update(crc, tab, buf)
			buf = buf[:0]
		}
	}
	for _, l := range d.Labels {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(int32(l)))
	}
	crc = crc32.Update(crc, tab, buf)
	return fmt.Sprintf("%08x", crc)
}

// run trains from s.st to opt.Epochs.
func (s *session) run() (Model, error) {
	start := time.Now()
	B := s.opt.Batch
	n := len(s.train)
	batches := (n + B - 1) / B
	m := s.t.model()
	stopped := "completed"
	for epoch := s.st.Epoch + 1; epoch <= s.opt.Epochs; epoch++ {
		perm := dataset.NewRand(s.opt.Seed, batchStream(purposeShuffle, epoch, -1)).Perm(n)
		sums, rows, secs := s.st.Partial, s.st.PartialRows, s.st.PartialSeconds
		t0 := time.Now()
		stage := fmt.Sprintf("epoch %d/%d", epoch, s.opt.Epochs)
		for b := s.st.Batch; b < batches; b++ {
			if err := s.ctx.Err(); err != nil {
				s.st.Batch, s.st.Partial, s.st.PartialRows = b, sums, rows
				s.st.PartialSeconds = secs + time.Since(t0).Seconds()
				return m, s.interrupted(epoch, b, batches, err)
			}
			pos := perm[b*B : min((b+1)*B, n)]
			l, err := s.t.step(pos, epoch, b, batches)
			if err != nil {
				var ne *NaNError
				if errors.As(err, &ne) && s.opt.Out != "" {
					ne.Checkpoint, ne.Saved = CheckpointPath(s.opt.Out), s.savedEpoch()
				}
				return nil, err
			}
			sums.add(l)
			rows += len(pos)
			if s.opt.Progress != nil {
				el := secs + time.Since(t0).Seconds()
				s.opt.Progress.Report(progress.Update{Stage: stage, Done: int64(b + 1), Total: int64(batches),
					Message: fmt.Sprintf("loss %.4g  %.0f rows/s", sums.Loss/float64(rows), float64(rows-s.st.PartialRows)/max(el-s.st.PartialSeconds, 1e-9))})
			}
		}
		secs += time.Since(t0).Seconds()
		s.st.Batch, s.st.Partial, s.st.PartialRows, s.st.PartialSeconds = 0, Losses{}, 0, 0
		st := EpochStats{Epoch: epoch, Train: sums.scaled(1 / float64(max(rows, 1))), Beta: s.t.beta(),
			Seconds: secs, RowsPerSecond: float64(rows) / max(secs, 1e-9)}
		st.Val = s.t.validate(s.val)
		s.card.History = append(s.card.History, st)
		s.card.Epochs = epoch
		s.st.Epoch = epoch
		improved := st.Val == nil || s.st.BestEpoch == 0 || st.Val.Loss < s.st.BestLoss
		if improved {
			s.st.BadEpochs = 0
			s.st.BestEpoch = epoch
			if st.Val != nil {
				s.st.BestLoss = st.Val.Loss
			}
			s.snapshot()
		} else {
			s.st.BadEpochs++
		}
		s.card.BestEpoch = s.st.BestEpoch
		s.card.Stopped = "training"
		if err := s.saveCheckpoint(); err != nil {
			return nil, err
		}
		if improved && s.opt.Out != "" {
			if err := s.saveModel(); err != nil {
				return nil, err
			}
		}
		if s.opt.EpochDone != nil {
			s.opt.EpochDone(m, st)
		}
		if s.opt.Patience > 0 && s.st.BadEpochs >= s.opt.Patience {
			stopped = "early stopping"
			break
		}
	}
	s.restoreBest()
	s.card.Stopped = stopped
	s.card.Seconds += time.Since(start).Seconds()
	if err := s.t.finish(s); err != nil {
		return nil, err
	}
	if s.opt.Out != "" {
		if err := s.saveModel(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// savedEpoch returns the last epoch a checkpoint on disk holds.
func (s *session) savedEpoch() int {
	if _, err := os.Stat(CheckpointPath(s.opt.Out)); err != nil {
		return 0
	}
	return s.st.Epoch
}

// interrupted saves a checkpoint in the middle of an epoch and returns the
// error Train reports.
func (s *session) interrupted(epoch, batch, batches int, cause error) error {
	s.card.Stopped = "interrupted"
	if s.opt.Out == "" {
		return fmt.Errorf("model: training interrupted in epoch %d after batch %d of %d: %w", epoch, batch, batches, cause)
	}
	if err := s.saveCheckpoint(); err != nil {
		return fmt.Errorf("model: training interrupted, and the checkpoint could not be written: %v (%w)", err, cause)
	}
	if s.st.BestEpoch == 0 {
		// No finished epoch: the model file gets the current weights.
		if err := s.saveModel(); err != nil {
			return err
		}
	}
	return fmt.Errorf("model: training interrupted in epoch %d after batch %d of %d; checkpoint %s saved (resume to carry on): %w",
		epoch, batch, batches, CheckpointPath(s.opt.Out), cause)
}

// snapshot keeps a copy of the model's tensors as the best so far.
func (s *session) snapshot() {
	ts := s.t.tensors()
	if s.best == nil {
		s.best = make([][]float32, len(ts))
	}
	for i, p := range ts {
		s.best[i] = append(s.best[i][:0], p.Data...)
	}
}

// restoreBest puts the best tensors back into the model.
func (s *session) restoreBest() {
	if s.best == nil {
		return
	}
	for i, p := range s.t.tensors() {
		copy(p.Data, s.best[i])
	}
}

// saveModel writes the model file from the model's weights, which are the
// best so far wherever it is called: just after a snapshot, after
// restoreBest, or before any epoch has finished (no best yet).
func (s *session) saveModel() error {
	return writeModel(s.opt.Out, &fileConfig{Model: *s.cfg, Card: *s.card}, s.t.tensors(), nil, s.opt.DType)
}

// gradCheck computes the global gradient norm of ps, returns a NaNError
// for a non-finite one and clips it when the options ask.
func (s *session) gradCheck(ps []*nn.Param, epoch, batch, batches int, l Losses, rows int) error {
	var norm float64
	if s.opt.ClipNorm > 0 {
		norm = nn.ClipGradNorm(ps, s.opt.ClipNorm)
	} else {
		norm = nn.GradNorm(ps)
	}
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return &NaNError{Epoch: epoch, Batch: batch + 1, Batches: batches, What: "gradient", Parts: l.scaled(1 / float64(rows))}
	}
	return nil
}

// lossCheck returns a NaNError when the batch's loss is not finite.
func lossCheck(l Losses, epoch, batch, batches, rows int) error {
	if math.IsNaN(l.Loss) || math.IsInf(l.Loss, 0) {
		return &NaNError{Epoch: epoch, Batch: batch + 1, Batches: batches, What: "loss", Parts: l.scaled(1 / float64(rows))}
	}
	return nil
}
