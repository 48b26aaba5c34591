// Command metrics measures latent's quality metrics on Fashion-MNIST and
// prints them next to scikit-learn's from the same run
// (sklearn_metrics.py in this folder, which reads the data with the
// anchors' common.py).
//
// The input is the 784-d images (uint8 scaled to [0,1]; the 60k training
// images then the 10k test images, read with formats/idx); the embedding is
// their projection on the first two principal components (covariance
// eigenvectors, computed here in float64). For each size in -sizes (the
// first n rows) it times, with the peak resident memory of each call:
//
//   - metrics.Neighborhood (trustworthiness, continuity and kNN
//     preservation in one pass, k = -k);
//   - metrics.KNNAccuracy on the embedding (k = -k, 5 folds);
//   - metrics.Silhouette of the classes in the embedding.
//
// scikit-learn times trustworthiness(X, Y, n_neighbors=k), the anchors'
// 5-fold kNN accuracy helper and silhouette_score(Y, labels) on the same
// rows (its trustworthiness needs n×n matrices, so it runs only at the
// sizes in -anchor-sizes).
//
//	go run ./bench/metrics
//	go run ./bench/metrics -sizes 10000 -skip-anchor
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/bench/internal/proc"
	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
)

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	dir := flag.String("data", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX gz files")
	k := flag.Int("k", 10, "neighbours")
	sizes := flag.String("sizes", "10000,70000", "comma-separated numbers of rows to measure")
	anchorSizes := flag.String("anchor-sizes", "10000", "sizes at which scikit-learn also runs")
	flag.Parse()
	mat32.SetThreads(af.Threads)
	if err := run(af, *dir, *k, ints(*sizes), ints(*anchorSizes)); err != nil {
		fmt.Fprintln(os.Stderr, "bench/metrics:", err)
		os.Exit(1)
	}
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	return out
}

type figures struct {
	trust, cont, pres, acc, accStd, sil float64
	tNeigh, tAcc, tSil                  float64 // wall seconds
	cNeigh, cAcc, cSil                  float64 // CPU seconds, all threads
	mNeigh, mAcc, mSil                  float64 // peak RSS during the call, MiB
}

func run(af anchor.Flags, dir string, k int, sizes, anchorSizes []int) error {
	d, err := loadFashion(dir)
	if err != nil {
		return err
	}
	y := pca2(d.X)
	resetPeak()
	base := peakRSS()
	fmt.Printf("latent metrics, %d threads (BLAS %s), X %d×%d float32, Y = PCA-2, k = %d; resident memory with the data loaded: %.0f MiB\n",
		af.Threads, mat32.BLAS, d.X.Rows, d.X.Cols, k, base)
	tmp, err := os.MkdirTemp("", "latent-bench-metrics")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ours := map[int]figures{}
	for _, n := range sizes {
		n = min(n, d.X.Rows)
		f, err := measure(d.X.Slice(0, n), y.Slice(0, n), d.Labels[:n], k)
		if err != nil {
			return err
		}
		ours[n] = f
		fmt.Printf("RESULT metrics latent n=%d trust=%.6f cont=%.6f knn_pres=%.6f neighborhood_s=%.3f neighborhood_cpu_s=%.3f neighborhood_peak_mib=%.0f knn_acc=%.4f knn_acc_sd=%.4f knn_acc_s=%.3f knn_acc_cpu_s=%.3f knn_acc_peak_mib=%.0f silhouette=%.6f silhouette_s=%.3f silhouette_cpu_s=%.3f silhouette_peak_mib=%.0f\n",
			n, f.trust, f.cont, f.pres, f.tNeigh, f.cNeigh, f.mNeigh, f.acc, f.accStd, f.tAcc, f.cAcc, f.mAcc, f.sil, f.tSil, f.cSil, f.mSil)
	}
	if af.Skip {
		return nil
	}
	yPath := filepath.Join(tmp, "pca2.npy")
	if err := npy.Save(yPath, &dataset.Dataset{X: y}); err != nil {
		return err
	}
	fmt.Printf("\n%-6s %-16s %9s %9s %7s %9s %9s %7s %10s %10s\n", "n", "metric", "latent s", "sklearn s", "ratio", "latent", "sklearn", "ratio", "latent", "sklearn")
	fmt.Printf("%-6s %-16s %9s %9s %7s %9s %9s %7s %10s %10s\n", "", "", "wall", "wall", "", "CPU s", "CPU s", "", "value", "value")
	for _, n := range anchorSizes {
		f, ok := ours[n]
		if !ok {
			continue
		}
		rs, err := runSklearn(af, yPath, n, k)
		if err != nil {
			return err
		}
		r, ok := anchor.Find(rs, "metrics", "sklearn", "n="+strconv.Itoa(n))
		if !ok {
			return fmt.Errorf("sklearn_metrics.py printed no result for n=%d", n)
		}
		row := func(name string, ours, ourT, ourC float64, key string) {
			v, _ := r.Float(key)
			t, _ := r.Float(key + "_s")
			c, _ := r.Float(key + "_cpu_s")
			fmt.Printf("%-6d %-16s %9.3f %9.3f %6.3f× %9.3f %9.3f %6.3f× %10.6f %10.6f\n", n, name, ourT, t, ourT/t, ourC, c, ourC/c, ours, v)
		}
		row("trustworthiness", f.trust, f.tNeigh, f.cNeigh, "trust")
		row("knn accuracy", f.acc, f.tAcc, f.cAcc, "knn_acc")
		row("silhouette", f.sil, f.tSil, f.cSil, "silhouette")
	}
	fmt.Println("(ratio = latent / scikit-learn, lower is better; CPU s = user+system time of all threads, which a busy machine")
	fmt.Println(" inflates less than wall time; latent's neighbourhood time also covers continuity and kNN preservation;")
	fmt.Println(" kNN accuracies use different random folds)")
	return nil
}

func measure(x, y *mat32.Dense, labels []int, k int) (figures, error) {
	var f figures
	ctx := context.Background()
	n := x.Rows
	resetPeak()
	start, cpu := time.Now(), proc.CPUTime().Seconds()
	nb, err := metrics.Neighborhood(ctx, x, y, metrics.NeighborOptions{K: k})
	if err != nil {
		return f, err
	}
	f.tNeigh, f.cNeigh, f.mNeigh = time.Since(start).Seconds(), proc.CPUTime().Seconds()-cpu, peakRSS()
	f.trust, f.cont, f.pres = nb.Trustworthiness, nb.Continuity, nb.KNNPreservation
	fmt.Printf("  n=%d neighbourhood: %.3f s\n", n, f.tNeigh)

	resetPeak()
	start, cpu = time.Now(), proc.CPUTime().Seconds()
	acc, err := metrics.KNNAccuracy(ctx, y, labels, metrics.KNNAccuracyOptions{K: k})
	if err != nil {
		return f, err
	}
	f.tAcc, f.cAcc, f.mAcc = time.Since(start).Seconds(), proc.CPUTime().Seconds()-cpu, peakRSS()
	f.acc, f.accStd = acc.Mean, acc.Std
	fmt.Printf("  n=%d kNN accuracy: %.3f s\n", n, f.tAcc)

	resetPeak()
	start, cpu = time.Now(), proc.CPUTime().Seconds()
	f.sil, err = metrics.Silhouette(ctx, y, labels, metrics.SilhouetteOptions{})
	if err != nil {
		return f, err
	}
	f.tSil, f.cSil, f.mSil = time.Since(start).Seconds(), proc.CPUTime().Seconds()-cpu, peakRSS()
	fmt.Printf("  n=%d silhouette: %.3f s\n", n, f.tSil)
	return f, nil
}

// runSklearn runs sklearn_metrics.py (next to this file) with the anchors'
// thread settings and returns its RESULT lines.
func runSklearn(af anchor.Flags, yPath string, n, k int) ([]anchor.Result, error) {
	_, self, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(self), "sklearn_metrics.py")
	cmd := exec.Command(af.Python, script, "--anchors", af.Dir, "--embedding", yPath, "--n", strconv.Itoa(n), "--k", strconv.Itoa(k))
	t := strconv.Itoa(af.Threads)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t, "MKL_NUM_THREADS="+t)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	os.Stderr.Write(out)
	if err != nil {
		return nil, fmt.Errorf("sklearn_metrics.py: %w", err)
	}
	return anchor.Parse(out), nil
}

// loadFashion reads the 60k training then the 10k test images with their
// labels.
func loadFashion(dir string) (*dataset.Dataset, error) {
	var parts []*dataset.Dataset
	for _, name := range []string{"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"} {
		d, err := idx.Load(filepath.Join(dir, name), formats.Options{})
		if err != nil {
			return nil, err
		}
		if !d.HasLabels() {
			return nil, fmt.Errorf("%s: no labels file beside it", name)
		}
		parts = append(parts, d)
	}
	return dataset.Concat(parts[0], parts[1])
}

// pca2 projects the centred rows of x on the two leading eigenvectors of
// their covariance.
func pca2(x *mat32.Dense) *mat32.Dense {
	means := mat32.ColMeans(nil, x)
	c := x.Clone()
	for j := range means {
		means[j] = -means[j]
	}
	mat32.AddRowVec(c, means)
	cov := mat32.TMul(nil, c, c)
	d := x.Cols
	sym := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			sym.SetSym(i, j, float64(cov.At(i, j)))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, true) {
		panic("bench/metrics: eigendecomposition failed")
	}
	var vec mat.Dense
	eig.VectorsTo(&vec)
	// Eigenvalues ascend: the last two columns lead.
	p := mat32.New(d, 2)
	for i := 0; i < d; i++ {
		p.Set(i, 0, float32(vec.At(i, d-1)))
		p.Set(i, 1, float32(vec.At(i, d-2)))
	}
	return mat32.Mul(nil, c, p)
}

// resetPeak returns freed memory to the system and resets the kernel's peak
// resident set size of this process, so that the next peakRSS is the live
// data plus what the measured call adds.
func resetPeak() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns the peak resident set size (VmHWM) in MiB, or 0 when it
// cannot be read.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if kb, err := strconv.ParseFloat(f[0], 64); err == nil && slices.Contains(f, "kB") {
				return kb / 1024
			}
		}
	}
	return 0
}
