package model

import (
	"context"
	"errors"
	"fmt"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/nn"
)

// saveCheckpoint writes the checkpoint: the model's tensors, the other
// trainable tensors, each optimiser's state (prefixed "opt<i>."), the best
// weights so far (prefixed "best.") and the training state.
func (s *session) saveCheckpoint() error {
	if s.opt.Out == "" {
		return nil
	}
	opts := s.t.optimizers()
	s.st.Steps = s.st.Steps[:0]
	var extra []safetensors.Tensor
	for _, p := range s.t.extra() {
		extra = append(extra, safetensors.FromFloat32(p.Name, p.Shape, p.Data))
	}
	for i, o := range opts {
		s.st.Steps = append(s.st.Steps, o.Steps)
		for _, p := range o.State() {
			extra = append(extra, safetensors.FromFloat32(fmt.Sprintf("opt%d.%s", i, p.Name), p.Shape, p.Data))
		}
	}
	if s.best != nil {
		for i, p := range s.t.tensors() {
			extra = append(extra, safetensors.FromFloat32("best."+p.Name, p.Shape, s.best[i]))
		}
	}
	st := s.st
	st.Steps = append([]int(nil), s.st.Steps...)
	fc := &fileConfig{Model: *s.cfg, Card: *s.card, Checkpoint: &st}
	return writeModel(CheckpointPath(s.opt.Out), fc, s.t.tensors(), extra, safetensors.F32)
}

// checkSizes returns an error when the weights file f holds fewer values
// than the model of c stores, before anything is allocated for them.
func checkSizes(c *Config, f *safetensors.File) error {
	p, err := planFor(c)
	if err != nil {
		return err
	}
	var have int64
	for i := range f.Tensors {
		have += int64(f.Tensors[i].Len())
	}
	if want := p.params(); want > have {
		return fmt.Errorf("the config describes %d values, the file holds %d", want, have)
	}
	return nil
}

// Resume continues the training whose checkpoint belongs to the model
// file opt.Out (see CheckpointPath) on the same data d, from where it
// stopped: after the last finished epoch, or after the batch at which it
// was interrupted. The configuration and the training options come from
// the checkpoint, except opt.Epochs (0 keeps the checkpoint's; a larger
// value trains longer), Out, DType, Progress and EpochDone. With the same
// thread count the resumed run gives the weights the uninterrupted run
// would have given, bit for bit.
//
// It is an error if d is not the data the checkpoint was trained on
// (shape, or CRC-32C of the values and labels), or if the checkpoint has
// already finished the epochs asked for.
func Resume(ctx context.Context, d *dataset.Dataset, opt TrainOptions) (Model, error) {
	if opt.Out == "" {
		return nil, errors.New("model: Resume needs the model file whose checkpoint to resume (Out)")
	}
	ck := CheckpointPath(opt.Out)
	var fc fileConfig
	f, err := safetensors.ReadModel(ck, &fc)
	if err != nil {
		return nil, err
	}
	if fc.Checkpoint == nil {
		return nil, fmt.Errorf("%s: not a training checkpoint", ck)
	}
	c := fc.Model
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", ck, err)
	}
	if err := checkSizes(&c, f); err != nil {
		return nil, fmt.Errorf("%s: %w", ck, err)
	}
	o := fc.Card.Training
	if opt.Epochs > 0 {
		o.Epochs = opt.Epochs
	}
	o.Out, o.DType, o.Progress, o.EpochDone = opt.Out, opt.DType, opt.Progress, opt.EpochDone
	if err := o.check(); err != nil {
		return nil, err
	}
	st := *fc.Checkpoint
	if st.Epoch >= o.Epochs {
		return nil, fmt.Errorf("model: %s has finished %d of %d epochs; ask for more epochs to train on", ck, st.Epoch, o.Epochs)
	}
	if err := checkData(d); err != nil {
		return nil, err
	}
	if d.Dim() != c.Dim || (c.Image.IsImage() && d.Image != c.Image) {
		return nil, fmt.Errorf("model: the checkpoint's model takes %v, %s has %d values per row", Shape{c.Dim, c.Image}, dataName(d), d.Dim())
	}
	if crc := dataCRC(d); crc != fc.Card.DataCRC {
		return nil, fmt.Errorf("model: %s is not the data %s was trained on (CRC-32C %s, the checkpoint records %s for %q)", dataName(d), ck, crc, fc.Card.DataCRC, fc.Card.Data)
	}
	split, err := splitRows(d, c.Type, &o)
	if err != nil {
		return nil, err
	}
	s := &session{ctx: ctx, d: d, opt: o, cfg: &c, train: split.Train, val: split.Validation}
	if err := s.prepare(); err != nil {
		return nil, err
	}
	if err := s.newTrainer(nil); err != nil {
		return nil, err
	}
	if err := loadTensors(s.t.tensors(), f, ""); err != nil {
		return nil, fmt.Errorf("%s: %w", ck, err)
	}
	if err := loadTensors(s.t.extra(), f, ""); err != nil {
		return nil, fmt.Errorf("%s: %w", ck, err)
	}
	opts := s.t.optimizers()
	if len(st.Steps) != len(opts) {
		return nil, fmt.Errorf("%s: %d optimiser step counts for %d optimisers", ck, len(st.Steps), len(opts))
	}
	for i, op := range opts {
		if err := loadTensors(op.State(), f, fmt.Sprintf("opt%d.", i)); err != nil {
			return nil, fmt.Errorf("%s: %w", ck, err)
		}
		op.Steps = st.Steps[i]
	}
	if f.Tensor("best."+s.t.tensors()[0].Name) != nil {
		ts := s.t.tensors()
		copies := make([]*nn.Param, len(ts))
		for i, p := range ts {
			copies[i] = &nn.Param{Name: p.Name, Shape: p.Shape, Data: make([]float32, len(p.Data))}
		}
		if err := loadTensors(copies, f, "best."); err != nil {
			return nil, fmt.Errorf("%s: %w", ck, err)
		}
		s.best = make([][]float32, len(ts))
		for i, p := range copies {
			s.best[i] = p.Data
		}
	}
	arch, params := s.card.Architecture, s.card.Parameters
	*s.card = fc.Card
	s.card.Architecture, s.card.Parameters = arch, params
	s.card.Training = o
	s.st = st
	return s.run()
}
