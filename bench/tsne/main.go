// Command tsne measures latent's t-SNE on Fashion-MNIST and prints it next
// to scikit-learn's (../shared/anchors/bench_tsne.py) from the same run.
//
// The 10k case is the anchor's: the first 10,000 training images (float32
// in [0,1]) reduced to 50 dimensions by PCA (latent's randomized PCA here,
// scikit-learn's there), then a 2-D t-SNE at perplexity 30 for 1000
// iterations with the given number of threads; timed separately: the PCA
// and the t-SNE. Quality: trustworthiness(10) against the 784-d images and
// 10-NN accuracy under 5-fold stratified cross-validation, both from
// latent's metrics package (scikit-learn's from its own). latent's t-SNE
// runs twice, before and after the anchor, and the faster run is compared.
//
// With -full, the same pipeline then runs on all 70,000 images (60k
// training followed by 10k test) in a child process, which reports its
// wall time and peak memory (max RSS from getrusage).
//
//	go run ./bench/tsne
//	go run ./bench/tsne -full
//	go run ./bench/tsne -n 70000 -skip-anchor
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/bench/internal/proc"
	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/pca"
	"github.com/latentlab/latent/reduce/tsne"
)

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	dir := flag.String("data", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX gz files")
	n := flag.Int("n", 10000, "rows: the first n training images, or 70000 for all training and test images")
	full := flag.Bool("full", false, "also run all 70,000 images in a child process (time and peak memory)")
	seed := flag.Uint64("seed", 0, "seed")
	method := flag.String("method", "auto", "gradient method (auto, exact, bh, fft)")
	trust := flag.Bool("trust", true, "compute trustworthiness(10) (on 70,000 rows it takes minutes)")
	runs := flag.Int("runs", 2, "timed t-SNE runs (around the anchor when it runs)")
	place := flag.Int("transform", 1000, "place this many test images into the map with Transform (0: none)")
	verbose := flag.Bool("v", false, "print progress")
	flag.Parse()
	mat32.SetThreads(af.Threads)
	m, err := tsne.ParseMethod(*method)
	if err == nil {
		err = run(af, *dir, *n, *seed, m, *trust, *runs, *place, *verbose)
	}
	if err == nil && *full {
		err = child(af, *seed, *method)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/tsne:", err)
		os.Exit(1)
	}
}

// load returns the first n training images, or all 70,000 images.
func load(dir string, n int) (*dataset.Dataset, error) {
	train, err := formats.Load(filepath.Join(dir, "train-images-idx3-ubyte.gz"), formats.Options{MaxRows: min(n, 60000)})
	if err != nil {
		return nil, err
	}
	if n <= 60000 {
		return train, nil
	}
	test, err := formats.Load(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), formats.Options{MaxRows: n - 60000})
	if err != nil {
		return nil, err
	}
	return dataset.Concat(train, test)
}

type result struct {
	pcaS, tsneS, cpuS, kl, trust, acc float64
	iters                             int
	method                            string
}

func run(af anchor.Flags, dir string, n int, seed uint64, method tsne.Method, trust bool, runs, place int, verbose bool) error {
	wall := time.Now()
	d, err := load(dir, n)
	if err != nil {
		return err
	}
	fmt.Printf("latent t-SNE, %d threads (%s BLAS), Fashion-MNIST %d×%d → PCA 50 → 2-D, perplexity 30, seed %d\n",
		af.Threads, mat32.BLAS, d.X.Rows, d.X.Cols, seed)
	var pf progress.Func
	if verbose {
		start := time.Now()
		pf = func(u progress.Update) {
			if u.Done == u.Total || (u.Stage == "optimize" && u.Done%100 == 0) {
				fmt.Fprintf(os.Stderr, "  %7.2fs %s %d/%d %s\n", time.Since(start).Seconds(), u.Stage, u.Done, u.Total, u.Message)
			}
		}
	}
	var model *tsne.Model
	var proj pca.PCA
	measure := func() (result, *mat32.Dense, error) {
		var r result
		start := time.Now()
		p := &proj
		x50, err := p.FitTransform(context.Background(), nil, d.X, pca.Options{Components: 50, Solver: pca.SolverRandomized, Seed: seed})
		if err != nil {
			return r, nil, err
		}
		r.pcaS = time.Since(start).Seconds()
		start = time.Now()
		cpu := proc.CPUTime().Seconds()
		m, err := tsne.Fit(context.Background(), x50, tsne.Options{Seed: seed, Method: method, Progress: pf})
		if err != nil {
			return r, nil, err
		}
		r.tsneS = time.Since(start).Seconds()
		r.cpuS = proc.CPUTime().Seconds() - cpu
		r.kl, r.iters, r.method = m.KL(), m.Iterations(), m.Method().String()
		model = m
		fmt.Printf("  run: PCA %.3f s, t-SNE %.3f s (%s; %.3f s of CPU time), KL %.4f\n", r.pcaS, r.tsneS, r.method, r.cpuS, r.kl)
		return r, m.Embedding(nil), nil
	}
	best, y, err := measure()
	if err != nil {
		return err
	}
	total := time.Since(wall).Seconds()
	rss := proc.MaxRSS()
	var rs []anchor.Result
	if !af.Skip && n == 10000 {
		if rs, err = af.Run(context.Background(), "bench_tsne.py", strconv.FormatUint(seed, 10)); err != nil {
			return err
		}
	}
	for i := 1; i < runs; i++ {
		r, _, err := measure()
		if err != nil {
			return err
		}
		if r.tsneS < best.tsneS {
			best.tsneS, best.cpuS, best.pcaS = r.tsneS, r.cpuS, min(best.pcaS, r.pcaS)
		}
	}
	acc, err := metrics.KNNAccuracy(context.Background(), y, d.Labels, metrics.KNNAccuracyOptions{K: 10, Folds: 5})
	if err != nil {
		return err
	}
	best.acc = acc.Mean
	best.trust = -1
	if trust {
		if best.trust, err = metrics.Trustworthiness(d.X, y, 10); err != nil {
			return err
		}
	}
	if place > 0 && n <= 60000 {
		if err := placeTest(dir, model, &proj, y, d.Labels, place); err != nil {
			return err
		}
	}
	fmt.Printf("RESULT tsne latent n=%d threads=%d method=%s pca_time_s=%.3f time_s=%.3f cpu_s=%.3f kl=%.4f n_iter=%d trustworthiness10=%.4f knn10_acc_5fold=%.4f first_run_wall_s=%.1f max_rss_mb=%.0f\n",
		d.X.Rows, af.Threads, best.method, best.pcaS, best.tsneS, best.cpuS, best.kl, best.iters, best.trust, best.acc, total, rss)
	if rs == nil {
		return nil
	}
	sk, ok := anchor.Find(rs, "tsne", "seed="+strconv.FormatUint(seed, 10))
	if !ok {
		return fmt.Errorf("no t-SNE result from the anchor")
	}
	skPCA, _ := anchor.Find(rs, "tsne_pca50")
	f := func(r anchor.Result, k string) float64 { v, _ := r.Float(k); return v }
	fmt.Printf("\n%-26s %12s %12s %8s\n", "10k, PCA-50 → t-SNE", "latent", "sklearn", "ratio")
	fmt.Printf("%-26s %12.3f %12.3f %7.3f×\n", "PCA time, s", best.pcaS, f(skPCA, "time_s"), best.pcaS/f(skPCA, "time_s"))
	fmt.Printf("%-26s %12.3f %12.3f %7.3f×\n", "t-SNE time, s", best.tsneS, f(sk, "time_s"), best.tsneS/f(sk, "time_s"))
	fmt.Printf("%-26s %12.4f %12.4f\n", "KL divergence", best.kl, f(sk, "kl"))
	fmt.Printf("%-26s %12.4f %12.4f\n", "trustworthiness(10)", best.trust, f(sk, "trustworthiness10"))
	fmt.Printf("%-26s %12.4f %12.4f\n", "10-NN accuracy (5-fold)", best.acc, f(sk, "knn10_acc_5fold"))
	fmt.Println("(ratio = latent / sklearn, lower is better; targets: time ≤ 0.25×, trustworthiness ≥ 0.99, accuracy ≥ 0.80)")
	return nil
}

// placeTest places the first count test images into the map (through the
// same PCA) and reports the time and how often the nearest training point
// in the map has the new image's label.
func placeTest(dir string, m *tsne.Model, p *pca.PCA, ref *mat32.Dense, refLabels []int, count int) error {
	test, err := formats.Load(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), formats.Options{MaxRows: count})
	if err != nil {
		return err
	}
	x50 := p.Transform(nil, test.X)
	start := time.Now()
	y, err := m.Transform(context.Background(), nil, x50, tsne.TransformOptions{})
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	ok := 0
	for i := 0; i < y.Rows; i++ {
		best, bj := float32(-1), -1
		for j := 0; j < ref.Rows; j++ {
			if d := mat32.SqDist(y.Row(i), ref.Row(j)); bj < 0 || d < best {
				best, bj = d, j
			}
		}
		if refLabels[bj] == test.Labels[i] {
			ok++
		}
	}
	fmt.Printf("RESULT tsne latent transform rows=%d time_s=%.3f nn_label_agreement=%.4f\n", y.Rows, secs, float64(ok)/float64(y.Rows))
	return nil
}

// child reruns this command on all 70,000 images in a fresh process, so
// that its peak memory is its own.
func child(af anchor.Flags, seed uint64, method string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Println("\nall 70,000 images, in a child process:")
	cmd := exec.Command(exe, "-n", "70000", "-skip-anchor", "-runs", "1", "-trust=true",
		"-threads", strconv.Itoa(af.Threads), "-seed", strconv.FormatUint(seed, 10), "-method", method)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return err
	}
	var ru *syscall.Rusage
	if cmd.ProcessState != nil {
		ru, _ = cmd.ProcessState.SysUsage().(*syscall.Rusage)
	}
	if ru != nil {
		fmt.Printf("child: wall %.1f s including loading and metrics, max RSS %.0f MB (targets: t-SNE ≤ 180 s, ≤ 3072 MB)\n",
			time.Since(start).Seconds(), float64(ru.Maxrss)/1024)
	}
	return nil
}
