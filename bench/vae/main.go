// Command vae trains the anchor's MLP VAE and plain autoencoder
// (../shared/anchors/bench_vae.py: 784-512-256-(μ, log σ² of 20) /
// 20-256-512-784, ReLU, sigmoid output, BCE(sum) + KL, Adam 1e-3, batch
// 128, 10 epochs, float32) on Fashion-MNIST 60k/10k through latent's
// model.Train — the library path "latent train" takes — and then runs
// bench_vae.py itself in the same process tree and prints both sides:
// median epoch time and its ratio, and the test figures after every epoch
// (negative ELBO with one sampled code per image, seeded; MSE per pixel of
// the reconstruction from μ; the AE's BCE and MSE). It also times epochs
// of the convolutional VAE (model.DefaultConfig(vae, conv, 20)).
//
// The anchor script runs in a temporary directory so that the model files
// it saves do not touch the anchors' results folder.
//
//	go run ./bench/vae                      # everything: about 10 minutes on 2 idle cores
//	go run ./bench/vae -skip-anchor -epochs 2 -conv-epochs 0
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/all"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/model"
)

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	epochs := flag.Int("epochs", 10, "training epochs of the MLP VAE and AE")
	convEpochs := flag.Int("conv-epochs", 2, "epochs of the convolutional VAE to time (0: skip)")
	data := flag.String("data", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX gz files")
	seed := flag.Uint64("seed", 0, "seed for weights, shuffling and sampling")
	flag.Parse()
	mat32.SetThreads(af.Threads)
	if err := run(af, *epochs, *convEpochs, *data, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "bench/vae:", err)
		os.Exit(1)
	}
}

// side is one model's figures.
type side struct {
	times  []float64
	final  model.Metrics
	byEpoc []model.Metrics
}

func run(af anchor.Flags, epochs, convEpochs int, dir string, seed uint64) error {
	train, err := formats.Load(filepath.Join(dir, "train-images-idx3-ubyte.gz"), formats.Options{})
	if err != nil {
		return err
	}
	test, err := formats.Load(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), formats.Options{})
	if err != nil {
		return err
	}
	fmt.Printf("latent model.Train (%s GEMM), %d threads, Fashion-MNIST %d train / %d test, %d epochs, Go %s\n",
		mat32.BLAS, af.Threads, train.Len(), test.Len(), epochs, runtime.Version())
	ours := map[string]*side{}
	for _, kind := range []model.Type{model.VAE, model.AE} {
		s, err := trainMLP(kind, train, test, epochs, seed)
		if err != nil {
			return err
		}
		ours[string(kind)] = s
	}
	var conv []float64
	if convEpochs > 0 {
		c := model.DefaultConfig(model.VAE, model.Conv, 20)
		m, err := model.Train(context.Background(), train, c, model.TrainOptions{Epochs: convEpochs, Batch: 128, LR: 1e-3, Seed: seed,
			EpochDone: func(_ model.Model, s model.EpochStats) {
				conv = append(conv, s.Seconds)
				fmt.Printf("RESULT conv_vae_latent epoch=%d epoch_time_s=%.3f train_loss_per_img=%.3f\n", s.Epoch, s.Seconds, s.Train.Loss)
			}})
		if err != nil {
			return err
		}
		fmt.Printf("conv VAE: %s, %d parameters\n", m.Card().Architecture, m.Card().Parameters)
	}
	if af.Skip {
		report(ours, nil, conv)
		return nil
	}
	rs, err := runAnchor(af)
	if err != nil {
		return err
	}
	report(ours, rs, conv)
	return nil
}

// trainMLP trains the anchor's MLP model of the given kind and measures it
// on the test set after every epoch.
func trainMLP(kind model.Type, train, test *dataset.Dataset, epochs int, seed uint64) (*side, error) {
	c := model.DefaultConfig(kind, model.MLP, 20) // hidden 512, 256: the anchor's network
	s := &side{}
	name := string(kind) + "_latent"
	_, err := model.Train(context.Background(), train, c, model.TrainOptions{Epochs: epochs, Batch: 128, LR: 1e-3, Seed: seed,
		EpochDone: func(m model.Model, st model.EpochStats) {
			s.times = append(s.times, st.Seconds)
			mt, err := m.(*model.Autoencoder).Evaluate(test.X, nil, 1234)
			if err != nil {
				panic(err)
			}
			s.byEpoc = append(s.byEpoc, mt)
			s.final = mt
			if kind == model.VAE {
				fmt.Printf("RESULT %s epoch=%d epoch_time_s=%.3f train_loss_per_img=%.3f test_neg_elbo=%.3f test_bce=%.3f test_kl=%.3f test_mse_per_pixel=%.6f active_dims=%d\n",
					name, st.Epoch, st.Seconds, st.Train.Loss, mt.NegELBO, mt.Recon, mt.KL, mt.MSE, mt.ActiveDims)
			} else {
				fmt.Printf("RESULT %s epoch=%d epoch_time_s=%.3f train_loss_per_img=%.3f test_bce=%.3f test_mse_per_pixel=%.6f\n",
					name, st.Epoch, st.Seconds, st.Train.Loss, mt.Recon, mt.MSE)
			}
		}})
	if err != nil {
		return nil, err
	}
	fmt.Printf("RESULT %s median_epoch_time_s=%.3f total_train_time_s=%.2f\n", name, median(s.times), sum(s.times))
	return s, nil
}

// runAnchor runs bench_vae.py from a temporary directory (it saves its
// models under ./results) and returns its RESULT lines.
func runAnchor(af anchor.Flags) ([]anchor.Result, error) {
	tmp, err := os.MkdirTemp("", "latent-bench-vae-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(filepath.Join(tmp, "results"), 0o755); err != nil {
		return nil, err
	}
	t0 := time.Now()
	rs, err := af.RunIn(context.Background(), tmp, filepath.Join(af.Dir, "bench_vae.py"))
	if err != nil {
		return nil, err
	}
	fmt.Printf("anchor wall time %.0f s\n", time.Since(t0).Seconds())
	return rs, nil
}

// report prints the side-by-side table.
func report(ours map[string]*side, rs []anchor.Result, conv []float64) {
	fmt.Printf("\n%-44s %12s %12s %8s\n", "10 epochs, batch 128, 2 threads", "latent", "PyTorch", "ratio")
	row := func(name string, a, b float64, format string) {
		if b == 0 {
			fmt.Printf("%-44s %12s %12s\n", name, fmt.Sprintf(format, a), "—")
			return
		}
		fmt.Printf("%-44s %12s %12s %8.2f\n", name, fmt.Sprintf(format, a), fmt.Sprintf(format, b), a/b)
	}
	anchorValue := func(task, key string, epoch int) float64 {
		for _, r := range rs {
			if r.Task != task {
				continue
			}
			if epoch > 0 && r.Values["epoch"] != strconv.Itoa(epoch) {
				continue
			}
			if v, ok := r.Float(key); ok {
				return v
			}
		}
		return 0
	}
	v, a := ours["vae"], ours["ae"]
	last := len(v.times)
	row("VAE median epoch time (s)", median(v.times), anchorValue("vae", "median_epoch_time_s", 0), "%.2f")
	row(fmt.Sprintf("VAE test neg-ELBO after epoch %d (nats/img)", last), v.final.NegELBO, anchorValue("vae", "test_neg_elbo", last), "%.2f")
	row(fmt.Sprintf("VAE test KL after epoch %d (nats/img)", last), v.final.KL, anchorValue("vae", "test_kl", last), "%.2f")
	row(fmt.Sprintf("VAE test MSE/pixel after epoch %d", last), v.final.MSE, anchorValue("vae", "test_mse_per_pixel", last), "%.5f")
	row("AE median epoch time (s)", median(a.times), anchorValue("ae", "median_epoch_time_s", 0), "%.2f")
	row(fmt.Sprintf("AE test BCE after epoch %d (nats/img)", last), a.final.Recon, anchorValue("ae", "test_bce", last), "%.2f")
	row(fmt.Sprintf("AE test MSE/pixel after epoch %d", last), a.final.MSE, anchorValue("ae", "test_mse_per_pixel", last), "%.5f")
	if len(conv) > 0 {
		row("conv VAE median epoch time (s)", median(conv), 0, "%.2f")
	}
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func sum(x []float64) float64 {
	var t float64
	for _, v := range x {
		t += v
	}
	return t
}
