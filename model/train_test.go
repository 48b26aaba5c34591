package model

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// TestSeededTrainingIdentical: on one thread, two runs from one seed give
// bit-identical weights and histories; another seed gives other weights.
func TestSeededTrainingIdentical(t *testing.T) {
	d := blobs(200, 20, 4, 21)
	for _, typ := range []Type{VAE, DAE, CVAE, GAN} {
		c := smallConfig(typ, MLP, 4)
		if typ == VAE {
			c.NeighborWeight = 1
		}
		run := func(seed uint64) ([]float32, Card) {
			var m Model
			withThreads(1, func() {
				var err error
				m, err = Train(context.Background(), d, c, TrainOptions{Epochs: 2, Batch: 32, Val: 0.2, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
			})
			return flat(tensorsOf(m)), m.Card()
		}
		a, ca := run(7)
		b, cb := run(7)
		if !sameBits(a, b) {
			t.Errorf("%s: two runs from seed 7 differ", typ)
		}
		for i := range ca.History {
			if ca.History[i].Train != cb.History[i].Train {
				t.Errorf("%s: epoch %d losses %+v and %+v", typ, i+1, ca.History[i].Train, cb.History[i].Train)
			}
		}
		if o, _ := run(8); sameBits(a, o) {
			t.Errorf("%s: seeds 7 and 8 gave the same weights", typ)
		}
	}
}

// TestResumeExact: training interrupted (after an epoch, or in the middle
// of one by cancelling the context) and resumed from its checkpoint ends
// with the weights of the uninterrupted run, bit for bit, on one thread.
func TestResumeExact(t *testing.T) {
	d := blobs(160, 16, 3, 22)
	for _, typ := range []Type{VAE, GAN} {
		c := smallConfig(typ, MLP, 3)
		if typ == VAE {
			c.Noise, c.WarmupEpochs, c.NeighborWeight = 0.1, 2, 0.5
		}
		opt := TrainOptions{Epochs: 4, Batch: 16, Val: 0.2, Seed: 3}
		var want []float32
		var wantCard Card
		withThreads(1, func() {
			m, err := Train(context.Background(), d, c, opt)
			if err != nil {
				t.Fatal(err)
			}
			want, wantCard = flat(tensorsOf(m)), m.Card()
		})
		// Two epochs, then two more.
		dir := t.TempDir()
		o := opt
		o.Epochs, o.Out = 2, filepath.Join(dir, "a")
		withThreads(1, func() {
			if _, err := Train(context.Background(), d, c, o); err != nil {
				t.Fatal(err)
			}
			m, err := Resume(context.Background(), d, TrainOptions{Epochs: 4, Out: o.Out})
			if err != nil {
				t.Fatal(err)
			}
			if got := flat(tensorsOf(m)); !sameBits(got, want) {
				t.Errorf("%s: resumed after epoch 2: weights differ", typ)
			}
			if card := m.Card(); len(card.History) != 4 || card.History[3].Train != wantCard.History[3].Train || card.Training.Epochs != 4 {
				t.Errorf("%s: resumed card %+v", typ, card)
			}
		})
		// Cancelled in the middle of epoch 3.
		o.Epochs, o.Out = 4, filepath.Join(dir, "b")
		ctx, cancel := context.WithCancel(context.Background())
		o.Progress = func(u progress.Update) {
			if u.Stage == "epoch 3/4" && u.Done == 3 {
				cancel()
			}
		}
		withThreads(1, func() {
			m, err := Train(ctx, d, c, o)
			if !errors.Is(err, context.Canceled) || m == nil {
				t.Fatalf("%s: cancelled: %v, %v", typ, m, err)
			}
			if !strings.Contains(err.Error(), "epoch 3 after batch 3 of ") {
				t.Errorf("%s: %v", typ, err)
			}
			saved, err := Load(o.Out)
			if err != nil {
				t.Fatal(err)
			}
			if saved.Card().Epochs != 2 {
				t.Errorf("%s: the model file holds %d epochs, want 2", typ, saved.Card().Epochs)
			}
			o.Progress = nil
			r, err := Resume(context.Background(), d, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := flat(tensorsOf(r)); !sameBits(got, want) {
				t.Errorf("%s: resumed in epoch 3: weights differ", typ)
			}
		})
		// Finished: nothing to resume; other data: refused.
		_, err := Resume(context.Background(), d, TrainOptions{Out: o.Out})
		wantErr(t, "finished", err, "has finished 4 of 4 epochs")
		other := blobs(160, 16, 3, 23)
		other.Name = "other"
		_, err = Resume(context.Background(), other, TrainOptions{Out: o.Out, Epochs: 6})
		wantErr(t, "other data", err, "other is not the data")
	}
}

// TestNaNStops: weights that turn NaN in the middle of epoch 3 stop
// training with an error naming the epoch and batch; the model file and
// checkpoint of epoch 2 stay on disk and load.
func TestNaNStops(t *testing.T) {
	d := blobs(128, 16, 3, 24)
	c := smallConfig(VAE, MLP, 3)
	dir := t.TempDir()
	out := filepath.Join(dir, "m")
	s := mustSetup(t, d, c, TrainOptions{Epochs: 5, Batch: 16, Seed: 1, Out: out})
	tr := s.t.(*aeTrainer)
	tr.fault = func(epoch, batch int) {
		if epoch == 3 && batch == 4 {
			tr.ps[0].Data[5] = float32(math.NaN())
		}
	}
	_, err := s.run()
	var ne *NaNError
	if !errors.As(err, &ne) {
		t.Fatalf("want a NaNError, got %v", err)
	}
	for _, want := range []string{"epoch 3, batch 5 of 8", "loss is not finite", "end of epoch 2", CheckpointPath(out)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	m, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Card().Epochs != 2 {
		t.Errorf("model file after NaN: %d epochs", m.Card().Epochs)
	}
	r, err := Resume(context.Background(), d, TrainOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if r.Card().Epochs != 5 {
		t.Errorf("resumed after NaN: %d epochs", r.Card().Epochs)
	}
}

// TestNaNFromData: a learning rate far too high on unnormalised data makes
// the loss overflow in the first epoch; training stops with a NaNError
// before any update that would spread NaN, and says no checkpoint was
// written.
func TestNaNFromData(t *testing.T) {
	d := blobs(64, 8, 2, 25)
	mat32.Scale(3e18, d.X.Data)
	c := smallConfig(AE, MLP, 2)
	c.Likelihood = Gaussian
	out := filepath.Join(t.TempDir(), "m")
	_, err := Train(context.Background(), d, c, TrainOptions{Epochs: 2, Batch: 16, Normalize: "none", Out: out})
	var ne *NaNError
	if !errors.As(err, &ne) {
		t.Fatalf("want a NaNError, got %v", err)
	}
	if ne.Epoch != 1 || !strings.Contains(err.Error(), "no checkpoint had been written yet") {
		t.Errorf("%v", err)
	}
	if _, err := os.Stat(out + ".safetensors"); err == nil {
		t.Error("a model file was written")
	}
}

// TestTrainBadInput: unusable data and options are errors that say what
// is wrong.
func TestTrainBadInput(t *testing.T) {
	ctx := context.Background()
	d := blobs(40, 16, 2, 26)
	nan := blobs(40, 16, 2, 26)
	nan.X.Data[100] = float32(math.Inf(1))
	unl := blobs(40, 16, 2, 26)
	unl.Labels, unl.Classes = nil, nil
	vae := smallConfig(VAE, MLP, 3)
	wrongDim := vae
	wrongDim.Dim = 10
	conv := smallConfig(VAE, Conv, 3)
	bern := vae
	bern.Likelihood = Bernoulli
	big := blobs(40, 16, 2, 26)
	mat32.Scale(-2, big.X.Data)
	for _, c := range []struct {
		name string
		d    *dataset.Dataset
		c    Config
		o    TrainOptions
		want string
	}{
		{"latent 0", d, smallConfig(VAE, MLP, 0), TrainOptions{}, "latent dimension 0"},
		{"latent -1", d, smallConfig(AE, MLP, -1), TrainOptions{}, "latent dimension -1"},
		{"shape", d, wrongDim, TrainOptions{}, "the model takes 10 values, blobs has 16 values per row"},
		{"conv without images", d, conv, TrainOptions{}, "needs images"},
		{"cvae without labels", unl, smallConfig(CVAE, MLP, 3), TrainOptions{}, "needs labelled data"},
		{"NaN data", nan, vae, TrainOptions{}, "1 NaN/Inf values (first in row 6)"},
		{"one row", &dataset.Dataset{Name: "one", X: mat32.New(1, 16)}, vae, TrainOptions{}, "one has 1 rows"},
		{"no data", &dataset.Dataset{}, vae, TrainOptions{}, "no data"},
		{"val", d, vae, TrainOptions{Val: 1}, "validation fraction 1"},
		{"patience", d, vae, TrainOptions{Patience: 2}, "needs a validation split"},
		{"epochs", d, vae, TrainOptions{Epochs: -1}, "-1 epochs"},
		{"lr", d, vae, TrainOptions{LR: math.NaN()}, "learning rate NaN"},
		{"normalize", d, vae, TrainOptions{Normalize: "log"}, `unknown normalisation "log"`},
		{"out folder", d, vae, TrainOptions{Out: "/no/such/folder/m"}, "folder /no/such/folder does not exist"},
		{"bernoulli range", big, bern, TrainOptions{Normalize: "none"}, "needs values in [0, 1]"},
		{"beta", d, func() Config { c := vae; c.Beta = -1; return c }(), TrainOptions{}, "beta -1"},
		{"activation", d, func() Config { c := vae; c.Activation = "gelu"; return c }(), TrainOptions{}, `unknown activation "gelu"`},
		{"tiny image", imageBlobs(20, 3, 2, 1), func() Config { c := conv; c.Channels = []int{2, 2, 2}; return c }(), TrainOptions{}, "convolution 1"},
	} {
		_, err := Train(ctx, c.d, c.c, c.o)
		wantErr(t, c.name, err, c.want)
	}
}

// TestEarlyStopping: a model that overfits stops after Patience epochs
// without improvement, and keeps the weights of its best epoch.
func TestEarlyStopping(t *testing.T) {
	d := blobs(48, 32, 24, 27) // two rows per prototype: memorisable
	c := smallConfig(VAE, MLP, 8)
	c.Hidden = []int{128, 64}
	dir := t.TempDir()
	m, err := Train(context.Background(), d, c, TrainOptions{Epochs: 400, Batch: 8, LR: 3e-3, Val: 0.25, Patience: 5, Seed: 2, Out: filepath.Join(dir, "m")})
	if err != nil {
		t.Fatal(err)
	}
	card := m.Card()
	if card.Stopped != "early stopping" || card.Epochs >= 400 || card.Epochs != card.BestEpoch+5 {
		t.Fatalf("stopped %q after %d epochs, best %d", card.Stopped, card.Epochs, card.BestEpoch)
	}
	best := card.History[card.BestEpoch-1].Val.Loss
	for _, h := range card.History {
		if h.Val.Loss < best {
			t.Errorf("epoch %d has validation loss %g below the best epoch's %g", h.Epoch, h.Val.Loss, best)
		}
	}
	// The model holds the best epoch's weights: its validation loss.
	s := mustSetup(t, d, c, TrainOptions{Val: 0.25, Seed: 2})
	tr := s.t.(*aeTrainer)
	for i, p := range tr.n.tensors() {
		copy(p.Data, tensorsOf(m)[i].Data)
	}
	if got := tr.validate(s.val).Loss; math.Abs(got-best) > 1e-9*math.Abs(best) {
		t.Errorf("model's validation loss %g, best epoch's %g", got, best)
	}
	// So does the model file.
	saved, err := Load(filepath.Join(dir, "m"))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range tensorsOf(saved) {
		if !sameBits(p.Data, tensorsOf(m)[i].Data) {
			t.Errorf("the model file's %s differs from the model's", p.Name)
		}
	}
	t.Logf("stopped after %d epochs, best %d (validation loss %.3f)", card.Epochs, card.BestEpoch, best)
}
