// Command pca measures latent's PCA on all 70,000 Fashion-MNIST images
// (784 → 50, float32 in [0,1], the 60k training images then the 10k test
// images) and prints it next to scikit-learn's PCA
// (../shared/anchors/bench_pca.py) from the same run: time of a
// fit-and-transform (minimum and median of -repeats runs), the sum of the
// explained variance ratios, the reconstruction error per pixel, and the
// principal angles between the randomized and exact subspaces.
//
//	go run ./bench/pca
//	go run ./bench/pca -skip-anchor -solvers randomized,full,incremental
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/reduce/pca"
)

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	dir := flag.String("data", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX gz files")
	k := flag.Int("k", 50, "components")
	repeats := flag.Int("repeats", 3, "timed runs per solver")
	solvers := flag.String("solvers", "randomized,full", "comma-separated solvers to time (randomized, full, incremental)")
	flag.Parse()
	mat32.SetThreads(af.Threads)
	if err := run(af, *dir, *k, *repeats, strings.Split(*solvers, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "bench/pca:", err)
		os.Exit(1)
	}
}

type figures struct {
	min, median float64
	evrSum, mse float64
	comps       *mat32.Dense
}

func run(af anchor.Flags, dir string, k, repeats int, solvers []string) error {
	x, err := loadFashion(dir)
	if err != nil {
		return err
	}
	fmt.Printf("latent PCA (%s), %d threads, X %d×%d float32 → %d; fit+transform timed, %d runs\n",
		mat32.BLAS, af.Threads, x.Rows, x.Cols, k, repeats)
	ours := map[string]figures{}
	for _, s := range solvers {
		f, err := measure(x, k, repeats, s)
		if err != nil {
			return err
		}
		ours[s] = f
		fmt.Printf("RESULT pca latent solver=%s time_min_s=%.3f time_median_s=%.3f evr_sum=%.6f recon_mse_per_pixel=%.6f\n",
			s, f.min, f.median, f.evrSum, f.mse)
	}
	if r, ok := ours["randomized"]; ok {
		if f, ok := ours["full"]; ok {
			lo, mean := subspaceCosines(r.comps, f.comps)
			fmt.Printf("RESULT pca latent subspace_agreement min_cos_principal_angle=%.6f mean_cos=%.6f\n", lo, mean)
		}
	}
	if af.Skip {
		return nil
	}
	rs, err := af.Run(context.Background(), "bench_pca.py")
	if err != nil {
		return err
	}
	fmt.Printf("\n%-12s %12s %12s %8s %12s %12s %10s\n", "solver", "latent s", "sklearn s", "ratio", "latent EVR", "sklearn EVR", "ΔEVR")
	for _, s := range solvers {
		f := ours[s]
		r, ok := anchor.Find(rs, "pca", "solver="+s)
		if !ok {
			fmt.Printf("%-12s %12.3f %12s\n", s, f.min, "n/a")
			continue
		}
		t, _ := r.Float("time_min_s")
		e, _ := r.Float("evr_sum")
		fmt.Printf("%-12s %12.3f %12.3f %7.2f× %12.6f %12.6f %+10.6f\n", s, f.min, t, f.min/t, f.evrSum, e, f.evrSum-e)
	}
	fmt.Println("(times are minimums over the runs; ratio = latent / sklearn, lower is better)")
	return nil
}

func measure(x *mat32.Dense, k, repeats int, solver string) (figures, error) {
	var times []float64
	var p pca.PCA
	var z *mat32.Dense
	for r := 0; r < repeats; r++ {
		start := time.Now()
		var err error
		z, err = p.FitTransform(context.Background(), nil, x, pca.Options{Components: k, Solver: solver})
		if err != nil {
			return figures{}, fmt.Errorf("%s: %w", solver, err)
		}
		times = append(times, time.Since(start).Seconds())
		fmt.Printf("  %s run %d: %.3f s\n", solver, r, times[r])
	}
	var f figures
	slices.Sort(times)
	f.min, f.median = times[0], times[len(times)/2]
	for _, v := range p.ExplainedVarianceRatio(nil) {
		f.evrSum += v
	}
	back := p.InverseTransform(nil, z)
	var se float64
	for i, v := range back.Data {
		d := float64(v) - float64(x.Data[i])
		se += d * d
	}
	f.mse = se / float64(len(x.Data))
	f.comps = p.Components(nil)
	return f, nil
}

// subspaceCosines returns the smallest and the mean cosine of the principal
// angles between the row spaces of a and b (both k×d, orthonormal rows).
func subspaceCosines(a, b *mat32.Dense) (lo, mean float64) {
	k, d := a.Dims()
	m := mat.NewDense(k, k, nil)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			var s float64
			for c := 0; c < d; c++ {
				s += float64(a.At(i, c)) * float64(b.At(j, c))
			}
			m.Set(i, j, s)
		}
	}
	var svd mat.SVD
	svd.Factorize(m, mat.SVDNone)
	v := svd.Values(nil)
	lo = math.Inf(1)
	for _, c := range v {
		lo = min(lo, c)
		mean += c
	}
	return lo, mean / float64(len(v))
}

// loadFashion reads the 60k training then the 10k test images, scaled to
// [0,1] like the anchor's loader.
func loadFashion(dir string) (*mat32.Dense, error) {
	var parts []*dataset.Dataset
	for _, name := range []string{"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"} {
		d, err := idx.Load(filepath.Join(dir, name), formats.Options{})
		if err != nil {
			return nil, err
		}
		parts = append(parts, d)
	}
	d, err := dataset.Concat(parts[0], parts[1])
	if err != nil {
		return nil, err
	}
	return d.X, nil
}
