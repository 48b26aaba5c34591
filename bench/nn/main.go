// Command nn trains the anchor's MLP VAE (../shared/anchors/bench_vae.py:
// 784-512-256-(μ, log σ² of 20) / 20-256-512-784, ReLU, sigmoid output,
// BCE(sum) + KL, Adam 1e-3, batch 128, float32) on Fashion-MNIST with
// latent's nn package for a few epochs, then runs the same network in
// PyTorch for the same number of epochs (bench/nn/vae_epochs.py, which
// reuses bench_vae.py) and prints both: median epoch time, its ratio, and
// the test negative ELBO and reconstruction MSE after each epoch.
//
//	go run ./bench/nn                 # 3 epochs each
//	go run ./bench/nn -epochs 1 -skip-anchor
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/all"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/nn"
)

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	epochs := flag.Int("epochs", 3, "training epochs for each side")
	data := flag.String("data", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX gz files")
	seed := flag.Uint64("seed", 0, "seed for weights, shuffling and sampling")
	flag.Parse()
	mat32.SetThreads(af.Threads)
	if err := run(af, *epochs, *data, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "bench/nn:", err)
		os.Exit(1)
	}
}

func run(af anchor.Flags, epochs int, dir string, seed uint64) error {
	train, err := formats.Load(filepath.Join(dir, "train-images-idx3-ubyte.gz"), formats.Options{})
	if err != nil {
		return err
	}
	test, err := formats.Load(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), formats.Options{})
	if err != nil {
		return err
	}
	fmt.Printf("latent nn (%s GEMM), %d threads, MLP VAE on %d×%d Fashion-MNIST, %d epochs; load average %s\n",
		mat32.BLAS, af.Threads, train.X.Rows, train.X.Cols, epochs, loadavg())
	v := newVAE(seed)
	fmt.Printf("%d parameters\n", nn.CountParams(v.params()))
	opt := nn.NewAdam(v.params(), 1e-3)
	var times []float64
	elbos, mses := map[string]float64{}, map[string]float64{}
	for ep := 1; ep <= epochs; ep++ {
		t0 := time.Now()
		loss := v.epoch(train.X, opt, dataset.NewRand(seed, uint64(100+ep)))
		dt := time.Since(t0).Seconds()
		times = append(times, dt)
		elbo, mse := v.evaluate(test.X, seed)
		elbos[fmt.Sprint(ep)], mses[fmt.Sprint(ep)] = elbo, mse
		fmt.Printf("RESULT vae_nn epoch=%d epoch_time_s=%.3f train_loss_per_img=%.3f test_neg_elbo=%.3f test_mse_per_pixel=%.6f\n",
			ep, dt, loss/float64(train.X.Rows), elbo, mse)
	}
	ours := median(times)
	fmt.Printf("RESULT vae_nn median_epoch_time_s=%.3f\n", ours)
	if af.Skip {
		return nil
	}
	fmt.Printf("PyTorch, load average %s\n", loadavg())
	rs, err := af.Run(context.Background(), scriptPath(), fmt.Sprint(epochs))
	if err != nil {
		return err
	}
	fmt.Printf("done, load average %s\n", loadavg())
	var torch float64
	for _, r := range rs {
		if t, ok := r.Float("median_epoch_time_s"); ok && r.Task == "vae_torch" {
			torch = t
		}
	}
	if torch == 0 {
		return fmt.Errorf("no median epoch time from PyTorch")
	}
	fmt.Printf("\n%-28s %10s %10s %8s\n", "MLP VAE, batch 128", "latent", "PyTorch", "ratio")
	fmt.Printf("%-28s %10.2f %10.2f %8.2f\n", "median epoch time (s)", ours, torch, ours/torch)
	for _, r := range rs {
		e, ok := r.Values["epoch"]
		if r.Task != "vae_torch" || !ok {
			continue
		}
		te, _ := r.Float("test_neg_elbo")
		tm, _ := r.Float("test_mse_per_pixel")
		fmt.Printf("%-28s %10.3f %10.3f\n", "test −ELBO, epoch "+e, elbos[e], te)
		fmt.Printf("%-28s %10.5f %10.5f\n", "test MSE/pixel, epoch "+e, mses[e], tm)
	}
	fmt.Println("(times on a shared machine: compare runs made at a similar load average)")
	return nil
}

// loadavg returns the 1-, 5- and 15-minute load averages, or "n/a".
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// scriptPath returns the absolute path of vae_epochs.py beside this file.
func scriptPath() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		p := filepath.Join(filepath.Dir(file), "vae_epochs.py")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := filepath.Abs(filepath.Join("bench", "nn", "vae_epochs.py"))
	return p
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
