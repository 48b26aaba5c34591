package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// fixture is the 2,000-image Fashion-MNIST test fixture (labels beside it).
const fixture = "../../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz"

// trainTiny trains a small VAE (or another type) on 300 fixture images and
// returns the model path.
func trainTiny(t *testing.T, dir string, extra ...string) string {
	t.Helper()
	out := filepath.Join(dir, "m")
	args := append([]string{"train", "--data", fixture, "--max-rows", "300", "--hidden", "32", "--latent", "4",
		"--epochs", "2", "--batch", "32", "--out", out, "-q"}, extra...)
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("train: exit %d\n%s%s", code, stdout, stderr)
	}
	return out
}

func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m")
	code, stdout, stderr := runCLI(t, "train", "--data", fixture, "--max-rows", "300", "--hidden", "32", "--latent", "4",
		"--epochs", "2", "--batch", "32", "--out", out, "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"epoch 1/2  train", "epoch 2/2", "val ", "KL", "mlp vae, latent 4", "completed after 2 epochs", "−ELBO", "wrote " + out + ".safetensors"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{".safetensors", ".json", ".ckpt.safetensors", ".ckpt.json"} {
		if _, err := os.Stat(out + f); err != nil {
			t.Error(err)
		}
	}
	// Resume for one more epoch; the JSON report has the card.
	code, stdout, stderr = runCLI(t, "train", "--data", fixture, "--max-rows", "300", "--out", out, "--resume", "--epochs", "3", "--json")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	var rep struct {
		Model string
		Card  struct {
			Epochs   int
			History  []json.RawMessage
			Training struct{ Seed uint64 }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if rep.Card.Epochs != 3 || len(rep.Card.History) != 3 || rep.Card.Training.Seed != 3 {
		t.Errorf("resumed card: %+v", rep.Card)
	}
	// F16 weights are half the size.
	half := filepath.Join(dir, "h")
	if code, _, stderr := runCLI(t, "train", "--data", fixture, "--max-rows", "300", "--hidden", "32", "--latent", "4", "--epochs", "1", "--out", half, "--dtype", "f16", "-q"); code != 0 {
		t.Fatal(stderr)
	}
	a, _ := os.Stat(out + ".safetensors")
	b, _ := os.Stat(half + ".safetensors")
	if b.Size()*10 > a.Size()*6 {
		t.Errorf("f16 file %d bytes, f32 %d", b.Size(), a.Size())
	}
}

func TestTrainCommandTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains five small models")
	}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--model-type", "ae"},
		{"--model-type", "dae", "--noise", "0.2"},
		{"--model-type", "cvae"},
		{"--model-type", "vae", "--beta", "4", "--warmup", "1", "--free-bits", "0.1", "--neighbor-weight", "1", "--weight-decay", "0.01"},
		{"--model-type", "gan"},
		{"--model-type", "vae", "--arch", "conv", "--channels", "4,8", "--hidden", "none"},
	} {
		out := filepath.Join(dir, strings.Join(args, ""))
		all := append([]string{"train", "--data", fixture, "--max-rows", "200", "--hidden", "16", "--latent", "3", "--epochs", "1", "--batch", "50", "--out", out, "-q"}, args...)
		if code, stdout, stderr := runCLI(t, all...); code != 0 {
			t.Errorf("%v: exit %d: %s%s", args, code, stdout, stderr)
		}
	}
}

func TestTrainCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	rng := dataset.NewRand(1, 0)
	x := mat32.New(50, 6)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	vec := writeNpy(t, dir, "vec.npy", x)
	nan := x.Clone()
	nan.Data[13] = float32(math.NaN())
	nanPath := writeNpy(t, dir, "nan.npy", nan)
	out := filepath.Join(dir, "m")
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no data", []string{"--out", out}, 2, "give --data"},
		{"no out", []string{"--data", vec}, 2, "give --out"},
		{"latent 0", []string{"--data", vec, "--out", out, "--latent", "0"}, 2, "--latent must be at least 1"},
		{"latent -2", []string{"--data", vec, "--out", out, "--latent", "-2"}, 2, "--latent must be at least 1, got -2"},
		{"type", []string{"--data", vec, "--out", out, "--model-type", "flow"}, 2, `unknown model type "flow"`},
		{"arch", []string{"--data", vec, "--out", out, "--arch", "rnn"}, 2, `unknown architecture "rnn"`},
		{"conv without images", []string{"--data", vec, "--out", out, "--arch", "conv"}, 1, "needs images"},
		{"beta for ae", []string{"--data", vec, "--out", out, "--model-type", "ae", "--beta", "2"}, 2, "--beta is for the variational types"},
		{"cvae unlabelled", []string{"--data", vec, "--out", out, "--model-type", "cvae"}, 1, "needs labelled data"},
		{"dtype", []string{"--data", vec, "--out", out, "--dtype", "f8"}, 2, `--dtype "f8"`},
		{"hidden", []string{"--data", vec, "--out", out, "--hidden", "32,x"}, 2, `"x" is not a positive integer`},
		{"NaN data", []string{"--data", nanPath, "--out", out}, 1, "NaN/Inf values (first in row 2)"},
		{"val", []string{"--data", vec, "--out", out, "--val", "1.5"}, 1, "validation fraction 1.5"},
		{"bernoulli", []string{"--data", vec, "--out", out, "--likelihood", "bernoulli", "--normalize", "none"}, 1, "needs values in [0, 1]"},
		{"resume nothing", []string{"--data", vec, "--out", filepath.Join(dir, "none"), "--resume"}, 1, "none.ckpt"},
		{"resume with options", []string{"--data", vec, "--out", out, "--resume", "--latent", "3"}, 2, "--latent cannot change"},
		{"missing file", []string{"--data", filepath.Join(dir, "nope.npy"), "--out", out}, 1, "nope.npy"},
	} {
		code, _, stderr := runCLI(t, append([]string{"train", "-q"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, code, stderr, c.code, c.want)
		}
	}
}

// TestTrainCommandInterrupted: a cancelled run (Ctrl-C) writes a
// checkpoint and the current model, says how to carry on, and --resume
// finishes the training.
func TestTrainCommandInterrupted(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var so, se bytes.Buffer
	code := run(ctx, []string{"train", "--data", fixture, "--max-rows", "200", "--hidden", "16", "--latent", "3", "--epochs", "2", "--out", out, "-q"}, &so, &se)
	if code != 1 || !strings.Contains(se.String(), "interrupted in epoch 1 after batch 0") || !strings.Contains(se.String(), "resume") {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	for _, f := range []string{".safetensors", ".ckpt.safetensors"} {
		if _, err := os.Stat(out + f); err != nil {
			t.Error(err)
		}
	}
	code, stdout, stderr := runCLI(t, "train", "--data", fixture, "--max-rows", "200", "--out", out, "--resume")
	if code != 0 || !strings.Contains(stdout, "epoch 2/2") {
		t.Fatalf("resume: exit %d: %s%s", code, stdout, stderr)
	}
}
