// Command viz times latent's 70,000-point scatter on Fashion-MNIST and
// prints it next to matplotlib's from the same run (mpl_scatter.py in this
// folder).
//
// The points are the 60k training then 10k test images (uint8 scaled to
// [0,1], read with formats/idx) projected on their first two principal
// components (reduce/pca), coloured by class. latent draws them with
// viz.Scatter at 960×800 pixels with its automatic point size and opacity;
// matplotlib draws the same points, shuffled, at the same size, radius and
// opacity, with axes and a legend. Each side's time is the best of
// -repeats runs from the points to the file written, as PNG and as SVG;
// the pictures are left in -out for a look.
//
//	go run ./bench/viz
//	go run ./bench/viz -skip-anchor -out /tmp/vizbench
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/internal/atomicfile"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/reduce/pca"
	"github.com/latentlab/latent/viz"
)

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	dir := flag.String("data", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX gz files")
	out := flag.String("out", "", "folder for the pictures (default: a temporary folder)")
	repeats := flag.Int("repeats", 3, "runs per measurement; the best is kept")
	flag.Parse()
	mat32.SetThreads(af.Threads)
	if err := run(af, *dir, *out, *repeats); err != nil {
		fmt.Fprintln(os.Stderr, "bench/viz:", err)
		os.Exit(1)
	}
}

func run(af anchor.Flags, dir, out string, repeats int) error {
	if out == "" {
		tmp, err := os.MkdirTemp("", "latent-bench-viz-")
		if err != nil {
			return err
		}
		out = tmp
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	d, err := loadFashion(dir)
	if err != nil {
		return err
	}
	var model pca.PCA
	z, err := model.FitTransform(context.Background(), nil, d.X, pca.Options{Components: 2, Solver: pca.SolverFull})
	if err != nil {
		return err
	}
	names := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	if len(d.Classes) == len(names) {
		for k, c := range d.Classes {
			if i, err := strconv.Atoi(c); err == nil && i >= 0 && i < len(names) {
				d.Classes[k] = names[i]
			}
		}
	}
	colors := viz.ByLabels(d)
	opt := viz.ScatterOptions{Width: 960, Height: 800, AxisLabels: []string{"PC 1", "PC 2"}, Title: "Fashion-MNIST, PCA"}

	ours := map[string]float64{}
	size := map[string]int64{}
	for _, ext := range []string{"png", "svg"} {
		path := filepath.Join(out, "latent."+ext)
		best := 0.0
		for r := range repeats {
			runtime.GC()
			start := time.Now()
			f, err := viz.Scatter(z, colors, opt)
			if err != nil {
				return err
			}
			if err := f.Save(path); err != nil {
				return err
			}
			if s := time.Since(start).Seconds(); r == 0 || s < best {
				best = s
			}
		}
		ours[ext] = best
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		size[ext] = st.Size()
		fmt.Printf("latent %s: %.3f s, %d bytes (%s)\n", ext, best, st.Size(), path)
	}
	if af.Skip {
		return nil
	}
	yPath, lPath := filepath.Join(out, "embedding.npy"), filepath.Join(out, "labels.npy")
	if err := npy.WriteFile(yPath, z); err != nil {
		return err
	}
	if err := writeLabels(lPath, d.Labels); err != nil {
		return err
	}
	_, self, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(self), "mpl_scatter.py")
	cmd := exec.Command(af.Python, script, "--embedding", yPath, "--labels", lPath, "--out", out, "--repeats", strconv.Itoa(repeats))
	t := strconv.Itoa(af.Threads)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t, "MKL_NUM_THREADS="+t)
	cmd.Stderr = os.Stderr
	mo, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("mpl_scatter.py: %w", err)
	}
	r, ok := anchor.Find(anchor.Parse(mo), "viz", "matplotlib")
	if !ok {
		return fmt.Errorf("mpl_scatter.py printed no result")
	}
	fmt.Printf("\n70,000-point scatter, 960×800, best of %d (matplotlib %s)\n", repeats, r.Values["version"])
	fmt.Printf("%-4s %10s %12s %8s %12s %14s\n", "", "latent s", "matplotlib s", "ratio", "latent bytes", "matplotlib bytes")
	for _, ext := range []string{"png", "svg"} {
		ms, _ := r.Float(ext + "_s")
		mb, _ := r.Float(ext + "_bytes")
		fmt.Printf("%-4s %10.3f %12.3f %7.2f× %12d %14.0f\n", ext, ours[ext], ms, ours[ext]/ms, size[ext], mb)
	}
	fmt.Println("(ratio = latent / matplotlib, lower is better; latent's SVG embeds the points as one image,")
	fmt.Println(" matplotlib's writes 70,000 vector markers)")
	return nil
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

// writeLabels writes the class indices as an int64 .npy file.
func writeLabels(path string, labels []int) error {
	v := make([]int64, len(labels))
	for i, l := range labels {
		v[i] = int64(l)
	}
	return atomicfile.Write(path, func(w io.Writer) error { return npy.WriteInt64(w, []int{len(v)}, v) })
}
