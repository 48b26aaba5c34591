//go:build unix

// Command umap measures latent's UMAP on Fashion-MNIST and prints it next
// to umap-learn 0.5.3 from the same run: ../shared/anchors/bench_umap.py
// (fits of the first 10,000 training images and of all 70,000, 784-d,
// n_neighbors 15, min_dist 0.1, warm numba, seeded) and umap_transform.py
// in this folder (fit on the 60,000 training images, transform of the
// 10,000 test images). Every latent measurement runs in a child process of
// its own so that its peak memory (max RSS) is its own; umap-learn's is the
// max RSS of its process, which holds its largest fit.
//
//	go run ./bench/umap                       # everything, ~10 minutes on 2 cores
//	go run ./bench/umap -skip-anchor          # latent only
//	go run ./bench/umap -runs fit10k,fit70k   # a subset
//	go run ./bench/umap -runs million -skip-anchor   # 1,000,000 points, 50-d clusters
//
// Quality: trustworthiness(10) (10k run), 10-NN accuracy under 5-fold
// stratified cross-validation on the embedding (latent's folds differ from
// scikit-learn's in which rows they hold, not in their class counts), and
// for the transform the accuracy of a 10-NN classifier fitted on the
// training embedding, scored on the transformed test images.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/bench/internal/proc"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/umap"
)

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	dir := flag.String("data", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX gz files")
	runs := flag.String("runs", "fit10k,fit70k,transform", "latent runs: fit10k, fit70k, transform, million")
	child := flag.String("child", "", "internal: run one measurement in this process")
	seed := flag.Uint64("seed", 42, "seed of the latent runs")
	million := flag.Int("million-rows", 1000000, "rows of the million run")
	flag.Parse()
	mat32.SetThreads(af.Threads)
	if *child != "" {
		if err := runChild(*child, *dir, *seed, *million); err != nil {
			fmt.Fprintln(os.Stderr, "bench/umap:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(af, *dir, strings.Split(*runs, ","), *seed, *million); err != nil {
		fmt.Fprintln(os.Stderr, "bench/umap:", err)
		os.Exit(1)
	}
}

// measured is one process's RESULT lines and peak memory.
type measured struct {
	results []anchor.Result
	maxRSS  int64 // bytes
	wall    time.Duration
	cpu     time.Duration // user + system
}

// runProcess runs name with args in dir, echoing its output to stderr, and
// returns its RESULT lines and max RSS.
func runProcess(dir string, env []string, name string, args ...string) (measured, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	os.Stderr.Write(out.Bytes())
	m := measured{results: anchor.Parse(out.Bytes()), wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	fmt.Fprintf(os.Stderr, "(%s: wall %.1f s, cpu %.1f s, max RSS %s)\n", filepath.Base(name), m.wall.Seconds(), m.cpu.Seconds(), mb(m.maxRSS))
	if err != nil {
		return m, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return m, nil
}

func run(af anchor.Flags, dir string, runs []string, seed uint64, million int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	t := strconv.Itoa(af.Threads)
	ours := map[string]measured{}
	for _, r := range runs {
		fmt.Fprintf(os.Stderr, "== latent %s ==\n", r)
		m, err := runProcess("", nil, self, "-child", r, "-data", dir, "-threads", t,
			"-seed", strconv.FormatUint(seed, 10), "-million-rows", strconv.Itoa(million))
		if err != nil {
			return err
		}
		ours[r] = m
	}
	var anc, tr measured
	if !af.Skip {
		env := []string{"OMP_NUM_THREADS=" + t, "OPENBLAS_NUM_THREADS=" + t, "MKL_NUM_THREADS=" + t, "NUMBA_NUM_THREADS=" + t}
		if slices.Contains(runs, "fit10k") || slices.Contains(runs, "fit70k") {
			fmt.Fprintln(os.Stderr, "== umap-learn: bench_umap.py ==")
			if anc, err = runProcess(af.Dir, env, af.Python, "bench_umap.py"); err != nil {
				return err
			}
		}
		if slices.Contains(runs, "transform") || slices.Contains(runs, "fit70k") {
			fmt.Fprintln(os.Stderr, "== umap-learn: umap_transform.py ==")
			script := filepath.Join(sourceDir(), "umap_transform.py")
			args := []string{script}
			if slices.Contains(runs, "fit70k") {
				args = append(args, "fit70k")
			}
			if tr, err = runProcess(af.Dir, env, af.Python, args...); err != nil {
				return err
			}
		}
	}
	report(ours, anc, tr, af)
	return nil
}

// sourceDir returns this folder: the working directory's bench/umap when
// run from the repository root, else the working directory.
func sourceDir() string {
	for _, d := range []string{"bench/umap", "."} {
		if _, err := os.Stat(filepath.Join(d, "umap_transform.py")); err == nil {
			abs, _ := filepath.Abs(d)
			return abs
		}
	}
	return "bench/umap"
}

func mb(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/1e6) }

func report(ours map[string]measured, anc, tr measured, af anchor.Flags) {
	fmt.Printf("\nUMAP, Fashion-MNIST, %d threads, n_neighbors 15, min_dist 0.1 (latent %s; umap-learn from the same run)\n", af.Threads, mat32.BLAS)
	fmt.Printf("%-34s %12s %12s %8s\n", "", "latent", "umap-learn", "ratio")
	row := func(name string, a, b float64, ok bool, unit string) {
		if !ok {
			fmt.Printf("%-34s %12s %12s\n", name, fmtv(a, unit), "n/a")
			return
		}
		fmt.Printf("%-34s %12s %12s %7.2f×\n", name, fmtv(a, unit), fmtv(b, unit), a/b)
	}
	get := func(rs []anchor.Result, task, key string, want ...string) (float64, bool) {
		r, ok := anchor.Find(rs, task, want...)
		if !ok {
			return 0, false
		}
		return r.Float(key)
	}
	if m, ok := ours["fit10k"]; ok {
		t, _ := get(m.results, "umap", "time_s", "latent", "n=10000")
		tw, _ := get(m.results, "umap", "trustworthiness10", "latent", "n=10000")
		acc, _ := get(m.results, "umap", "knn10_acc_5fold", "latent", "n=10000")
		at, ok := get(anc.results, "umap", "time_s", "warm", "n=10000", "random_state=42")
		row("fit 10k: time (warm)", t, at, ok, "s")
		atw, ok := get(anc.results, "umap", "trustworthiness10", "warm", "n=10000", "random_state=42")
		row("fit 10k: trustworthiness(10)", tw, atw, ok, "")
		aacc, ok := get(anc.results, "umap", "knn10_acc_5fold", "warm", "n=10000", "random_state=42")
		row("fit 10k: 10-NN accuracy", acc, aacc, ok, "")
		fmt.Printf("%-34s %12s\n", "fit 10k: peak memory", mb(m.maxRSS))
	}
	if m, ok := ours["fit70k"]; ok {
		t, _ := get(m.results, "umap", "time_s", "latent", "n=70000")
		acc, _ := get(m.results, "umap", "knn10_acc_5fold", "latent", "n=70000")
		at, ok := get(anc.results, "umap", "time_s", "warm", "n=70000", "random_state=42")
		row("fit 70k: time (warm, seeded)", t, at, ok, "s")
		atu, ok := get(anc.results, "umap", "time_s", "warm", "n=70000", "random_state=None")
		row("fit 70k: time vs unseeded (parallel)", t, atu, ok, "s")
		cpu, _ := get(m.results, "umap", "cpu_s", "latent", "n=70000")
		acpu, ok := get(tr.results, "umapcpu", "cpu_s", "fit", "n=70000")
		row("fit 70k: CPU time (all threads)", cpu, acpu, ok, "s")
		aw, ok := get(tr.results, "umapcpu", "time_s", "fit", "n=70000")
		row("fit 70k: time, 2nd umap-learn run", t, aw, ok, "s")
		aacc, ok := get(anc.results, "umap", "knn10_acc_5fold", "warm", "n=70000", "random_state=42")
		row("fit 70k: 10-NN accuracy", acc, aacc, ok, "")
		row("fit 70k: peak memory (umap-learn: all fits)", float64(m.maxRSS)/1e6, float64(anc.maxRSS)/1e6, anc.maxRSS > 0, "MB")
	}
	if m, ok := ours["transform"]; ok {
		ft, _ := get(m.results, "umaptransform", "time_s", "latent", "fit")
		tt, _ := get(m.results, "umaptransform", "time_s", "latent", "transform")
		acc, _ := get(m.results, "umaptransform", "heldout_knn10_acc", "latent", "transform")
		aft, ok := get(tr.results, "umaptransform", "time_s", "fit", "n=60000")
		row("fit 60k (transform run)", ft, aft, ok, "s")
		att, ok := get(tr.results, "umaptransform", "time_s", "transform", "second")
		row("transform 10k (umap-learn warm)", tt, att, ok, "s")
		tc, _ := get(m.results, "umaptransform", "cpu_s", "latent", "transform")
		atc, ok := get(tr.results, "umaptransform", "cpu_s", "transform", "second")
		row("transform 10k: CPU time", tc, atc, ok, "s")
		aacc, ok := get(tr.results, "umaptransform", "heldout_knn10_acc", "transform", "second")
		row("transform 10k: held-out 10-NN acc.", acc, aacc, ok, "")
		row("transform run: peak memory", float64(m.maxRSS)/1e6, float64(tr.maxRSS)/1e6, tr.maxRSS > 0, "MB")
	}
	if m, ok := ours["million"]; ok {
		r, _ := anchor.Find(m.results, "umap", "latent", "million")
		fmt.Printf("%-34s %s, peak memory %s\n", "1,000,000 × 50 clusters", r.Line, mb(m.maxRSS))
	}
	fmt.Println("(ratio = latent / umap-learn; times exclude loading the data)")
}

func fmtv(v float64, unit string) string {
	switch unit {
	case "s":
		return fmt.Sprintf("%.2f s", v)
	case "MB":
		return fmt.Sprintf("%.0f MB", v)
	}
	return fmt.Sprintf("%.4f", v)
}

// load returns the 60,000 training images followed by the 10,000 test
// images, in [0, 1] like the anchor's loader, with labels. It decodes the
// bytes straight into one matrix so that loading does not set the peak
// memory of the measurement.
func load(dir string) (*mat32.Dense, []int, error) {
	var imgs, labs [][]byte
	rows, cols := 0, 0
	for _, name := range []string{"train", "t10k"} {
		b, err := readGz(filepath.Join(dir, name+"-images-idx3-ubyte.gz"))
		if err != nil {
			return nil, nil, err
		}
		if len(b) < 16 || binary.BigEndian.Uint32(b) != 0x803 {
			return nil, nil, fmt.Errorf("%s: not an IDX image file", name)
		}
		n := int(binary.BigEndian.Uint32(b[4:]))
		c := int(binary.BigEndian.Uint32(b[8:])) * int(binary.BigEndian.Uint32(b[12:]))
		if cols != 0 && c != cols || len(b) != 16+n*c {
			return nil, nil, fmt.Errorf("%s: %d bytes for %d images of %d", name, len(b), n, c)
		}
		cols = c
		rows += n
		imgs = append(imgs, b[16:])
		l, err := readGz(filepath.Join(dir, name+"-labels-idx1-ubyte.gz"))
		if err != nil {
			return nil, nil, err
		}
		if len(l) != 8+n {
			return nil, nil, fmt.Errorf("%s: %d label bytes for %d images", name, len(l), n)
		}
		labs = append(labs, l[8:])
	}
	x := mat32.New(rows, cols)
	labels := make([]int, 0, rows)
	at := 0
	for f, b := range imgs {
		for _, v := range b {
			x.Data[at] = float32(v) / 255
			at++
		}
		for _, v := range labs[f] {
			labels = append(labels, int(v))
		}
	}
	imgs, labs = nil, nil
	debug.FreeOSMemory()
	return x, labels, nil
}

func readGz(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return io.ReadAll(zr)
}

// runChild runs one measurement and prints its RESULT line.
func runChild(what, dir string, seed uint64, million int) error {
	ctx := context.Background()
	o := umap.DefaultOptions()
	o.Seed = seed
	var st stageTimer
	o.Progress = st.report
	if what == "million" {
		x := clusters(million, 50, 20, seed)
		var u umap.UMAP
		start, cpu0 := time.Now(), proc.CPUTime()
		if err := u.Fit(ctx, x, o); err != nil {
			return err
		}
		el := time.Since(start).Seconds()
		fmt.Printf("RESULT umap latent million n=%d d=%d time_s=%.2f cpu_s=%.2f %s\n", x.Rows, x.Cols, el, (proc.CPUTime() - cpu0).Seconds(), st.done())
		return nil
	}
	xall, labels, err := load(dir)
	if err != nil {
		return err
	}
	switch what {
	case "fit10k", "fit70k":
		n := 10000
		if what == "fit70k" {
			n = xall.Rows
		}
		x := xall.Slice(0, n)
		start, cpu0 := time.Now(), proc.CPUTime()
		var u umap.UMAP
		y, err := u.FitTransform(ctx, nil, x, o)
		if err != nil {
			return err
		}
		el, cpu := time.Since(start).Seconds(), (proc.CPUTime() - cpu0).Seconds()
		acc, err := metrics.KNNAccuracy(ctx, y, labels[:n], metrics.KNNAccuracyOptions{K: 10, Folds: 5})
		if err != nil {
			return err
		}
		line := fmt.Sprintf("RESULT umap latent n=%d seed=%d time_s=%.3f cpu_s=%.2f n_epochs=%d knn10_acc_5fold=%.4f %s", n, seed, el, cpu, u.Options().Epochs, acc.Mean, st.done())
		if n == 10000 {
			tw, err := metrics.Trustworthiness(x, y, 10)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" trustworthiness10=%.4f", tw)
		}
		fmt.Println(line)
	case "transform":
		train, test := xall.Slice(0, 60000), xall.Slice(60000, 70000)
		start, cpu0 := time.Now(), proc.CPUTime()
		var u umap.UMAP
		y, err := u.FitTransform(ctx, nil, train, o)
		if err != nil {
			return err
		}
		fmt.Printf("RESULT umaptransform latent fit n=60000 time_s=%.3f cpu_s=%.2f %s\n", time.Since(start).Seconds(), (proc.CPUTime() - cpu0).Seconds(), st.done())
		start, cpu0 = time.Now(), proc.CPUTime()
		z, err := u.Transform(ctx, nil, test, st.report)
		if err != nil {
			return err
		}
		el := time.Since(start).Seconds()
		cpu := (proc.CPUTime() - cpu0).Seconds()
		stages := st.done()
		// Held-out accuracy: fold 0 (train) classifies fold 1 (test).
		all := mat32.New(70000, y.Cols)
		copy(all.Data, y.Data)
		copy(all.Data[len(y.Data):], z.Data)
		fold := make([]int, 70000)
		for i := 60000; i < 70000; i++ {
			fold[i] = 1
		}
		acc, err := metrics.KNNAccuracy(ctx, all, labels, metrics.KNNAccuracyOptions{K: 10, Fold: fold})
		if err != nil {
			return err
		}
		fmt.Printf("RESULT umaptransform latent transform n=10000 time_s=%.3f cpu_s=%.2f heldout_knn10_acc=%.4f %s\n", el, cpu, acc.FoldAccuracy[1], stages)
	default:
		return fmt.Errorf("unknown run %q", what)
	}
	return nil
}

// clusters returns n rows of d values around c Gaussian centres (seeded):
// the stand-in for a million-point embedding.
func clusters(n, d, c int, seed uint64) *mat32.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := make([]float64, c*d)
	for i := range centres {
		centres[i] = 4 * rng.NormFloat64()
	}
	x := mat32.New(n, d)
	mat32.Parallel(n, 1<<14, func(lo, hi int) {
		r := rand.New(rand.NewPCG(seed, uint64(lo)+2))
		for i := lo; i < hi; i++ {
			k := r.IntN(c)
			row := x.Row(i)
			s := 0.5 + float64(k%4)*0.25
			for j := range row {
				row[j] = float32(centres[k*d+j] + s*r.NormFloat64())
			}
		}
	})
	return x
}

// stageTimer records how long each progress stage of a fit takes.
type stageTimer struct {
	stage    string
	start    time.Time
	startCPU time.Duration
	stages   []string
}

func (t *stageTimer) report(u progress.Update) {
	if u.Stage == t.stage {
		return
	}
	t.close()
	t.stage, t.start, t.startCPU = u.Stage, time.Now(), proc.CPUTime()
}

func (t *stageTimer) close() {
	if t.stage != "" {
		name := strings.NewReplacer(" ", "_", ":", "").Replace(t.stage)
		t.stages = append(t.stages, fmt.Sprintf("%s_s=%.2f %s_cpu_s=%.2f", name, time.Since(t.start).Seconds(), name, (proc.CPUTime()-t.startCPU).Seconds()))
	}
}

// done returns the stages' times as key=value words and resets t.
func (t *stageTimer) done() string {
	t.close()
	s := strings.Join(t.stages, " ")
	*t = stageTimer{}
	return s
}
