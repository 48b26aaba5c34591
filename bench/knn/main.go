// Command knn measures latent's nearest-neighbour search on Fashion-MNIST
// (60,000 base images, 10,000 queries, 784 values, euclidean, k=10) and
// prints it next to faiss and hnswlib from ../shared/anchors/bench_knn.py,
// run in the same process tree right after, in the anchor's units:
// exact queries/s, HNSW build seconds, and queries/s and recall@10 per ef,
// with latent's queries/s interpolated at hnswlib's recall for an
// equal-recall ratio.
//
// With -graph it also times the all-kNN graph builder (k=15) on the 70,000
// images and on 1,000,000 generated 50-d points, with recall against exact
// search on a sample of rows, and compares NN-descent with an HNSW-based
// graph (build, then query every point).
//
//	go run ./bench/knn                  # search, with the anchor
//	go run ./bench/knn -skip-anchor -graph
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/bench/internal/proc"
	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/all"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/knn/hnsw"
	"github.com/latentlab/latent/mat32"
)

var efs = []int{10, 20, 50, 100}

type point struct {
	ef                     int
	qps, qps1, cpuQPS, rec float64
}

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	dir := flag.String("fmnist", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX files")
	graph := flag.Bool("graph", false, "also time the all-kNN graph builder (70k×784 and 1M×50)")
	search := flag.Bool("search", true, "time exact and HNSW search (and run the anchor)")
	big := flag.Int("big", 1000000, "rows of the generated 50-d set for -graph (0 skips it)")
	hnswGraph := flag.Bool("hnsw-graph", true, "with -graph, also time the HNSW-based graph for comparison")
	cpu := flag.Bool("cpu", true, "also compare single-thread CPU time with faiss and hnswlib (robust to a busy machine)")
	flag.Parse()
	mat32.SetThreads(af.Threads)
	ctx := context.Background()

	load := func(name string, rows int) *dataset.Dataset {
		d, err := formats.Load(filepath.Join(*dir, name), formats.Options{MaxRows: rows})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return d
	}
	train := load("train-images-idx3-ubyte.gz", 0)
	test := load("t10k-images-idx3-ubyte.gz", 0)
	fmt.Printf("latent kNN (%s), %d threads; base %d×%d, queries %d\n", mat32.BLAS, af.Threads, train.Len(), train.Dim(), test.Len())

	if *search {
		runSearch(ctx, af, train.X, test.X)
	}
	if *cpu {
		runCPU(ctx, af, train.X, test.X)
		mat32.SetThreads(af.Threads)
	}
	if *graph {
		all := mat32.New(train.Len()+test.Len(), train.Dim())
		copy(all.Data, train.X.Data)
		copy(all.Data[len(train.X.Data):], test.X.Data)
		runGraph(ctx, "fmnist70k", all, 15, *hnswGraph)
		if *big > 0 {
			runGraph(ctx, fmt.Sprintf("blobs%dx50", *big), blobs(*big, 50, 100, 7), 15, *hnswGraph)
		}
	}
}

func runSearch(ctx context.Context, af anchor.Flags, base, queries *mat32.Dense) {
	const k = 10
	// Exact: three runs, the anchor's protocol (faiss: min of 3).
	var exact *knn.Graph
	var times, cpus []float64
	for r := 0; r < 3; r++ {
		t, c := time.Now(), proc.CPUTime()
		g, err := knn.Exact(ctx, base, queries, k, knn.ExactOptions{})
		times = append(times, time.Since(t).Seconds())
		cpus = append(cpus, (proc.CPUTime() - c).Seconds())
		must(err)
		exact = g
	}
	sort.Float64s(times)
	sort.Float64s(cpus)
	exactQPS := float64(queries.Rows) / times[0]
	fmt.Printf("RESULT knn latent exact time_s_min=%.3f time_s_median=%.3f qps=%.0f cpu_s_min=%.3f (3 runs)\n", times[0], times[1], exactQPS, cpus[0])

	ix := hnsw.New(base.Cols, hnsw.Config{M: 16, EfConstruction: 200, Seed: 100})
	t, c := time.Now(), proc.CPUTime()
	must(ix.Add(ctx, base, nil))
	build := time.Since(t).Seconds()
	fmt.Printf("RESULT knn latent hnsw build M=16 efC=200 threads=%d time_s=%.3f cpu_s=%.3f\n", af.Threads, build, (proc.CPUTime() - c).Seconds())
	var pts []point
	for _, ef := range efs {
		p := point{ef: ef}
		for _, threads := range []int{af.Threads, 1} {
			runtime.GOMAXPROCS(threads)
			var ts, cs []float64
			var g *knn.Graph
			for r := 0; r < 3; r++ {
				t, c := time.Now(), proc.CPUTime()
				var err error
				g, err = ix.SearchBatch(ctx, queries, k, ef, nil)
				must(err)
				ts = append(ts, time.Since(t).Seconds())
				cs = append(cs, (proc.CPUTime() - c).Seconds())
			}
			sort.Float64s(ts)
			sort.Float64s(cs)
			qps := float64(queries.Rows) / ts[1]
			if threads == 1 {
				p.qps1 = qps
			} else {
				p.qps, p.rec = qps, g.Recall(exact)
				p.cpuQPS = float64(queries.Rows) / cs[1]
			}
		}
		runtime.GOMAXPROCS(af.Threads)
		fmt.Printf("RESULT knn latent hnsw ef=%d threads=%d qps=%.0f qps_1thread=%.0f qps_per_cpu_s=%.0f recall10=%.4f (median of 3)\n", ef, af.Threads, p.qps, p.qps1, p.cpuQPS, p.rec)
		pts = append(pts, p)
	}
	if af.Skip {
		return
	}
	rs, err := af.Run(ctx, "bench_knn.py")
	must(err)
	fmt.Printf("\nFashion-MNIST 60k base / 10k queries, 784-d euclidean, k=10, %d threads, same run\n", af.Threads)
	if r, ok := anchor.Find(rs, "knn", "faiss_flat_l2"); ok {
		f, _ := r.Float("qps")
		fmt.Printf("%-34s %10.0f q/s   faiss IndexFlatL2 %8.0f q/s   %5.2f×\n", "exact", exactQPS, f, exactQPS/f)
	}
	if r, ok := anchor.Find(rs, "knn", "hnswlib", "build"); ok {
		f, _ := r.Float("time_s")
		fmt.Printf("%-34s %10.1f s     hnswlib           %8.1f s     %5.2f× the time\n", "HNSW build M=16 efC=200", build, f, build/f)
	}
	fmt.Printf("\nwall time; latent: median of 3 runs, hnswlib: one run (its script's protocol)\n")
	fmt.Printf("%-6s %22s %22s %22s\n", "", "latent", "hnswlib", "latent at hnswlib's")
	fmt.Printf("%-6s %10s %11s %10s %11s %22s\n", "ef", "recall@10", "q/s", "recall@10", "q/s", "recall: q/s (ratio)")
	for _, p := range pts {
		r, ok := anchor.Find(rs, "knn", "hnswlib", fmt.Sprintf("ef=%d", p.ef), fmt.Sprintf("threads=%d", af.Threads))
		if !ok {
			continue
		}
		hq, _ := r.Float("qps")
		hr, _ := r.Float("recall10")
		ratio := atRecall(pts, p, hr, hq, false)
		fmt.Printf("%-6d %10.4f %11.0f %10.4f %11.0f %22s\n", p.ef, p.rec, p.qps, hr, hq, ratio)
	}
	fmt.Printf("\none thread:\n")
	for _, p := range pts {
		r, ok := anchor.Find(rs, "knn", "hnswlib", fmt.Sprintf("ef=%d", p.ef), "threads=1")
		if !ok {
			continue
		}
		hq, _ := r.Float("qps")
		hr, _ := r.Float("recall10")
		ratio := atRecall(pts, p, hr, hq, true)
		fmt.Printf("%-6d %10.4f %11.0f %10.4f %11.0f %22s\n", p.ef, p.rec, p.qps1, hr, hq, ratio)
	}
}

//go:embed anchor_cpu.py
var anchorCPU []byte

// runCPU measures latent on one thread in CPU seconds, then runs
// anchor_cpu.py, which measures faiss and hnswlib the same way, and prints
// the ratios. CPU time does not grow while a process waits for a busy
// machine, so these ratios hold up where wall-time ones do not.
func runCPU(ctx context.Context, af anchor.Flags, base, queries *mat32.Dense) {
	const k = 10
	mat32.SetThreads(1)
	c := proc.CPUTime()
	exact, err := knn.Exact(ctx, base, queries, k, knn.ExactOptions{})
	must(err)
	exactCPU := (proc.CPUTime() - c).Seconds()
	fmt.Printf("RESULT knncpu latent exact threads=1 cpu_s=%.3f qps_per_cpu_s=%.0f\n", exactCPU, float64(queries.Rows)/exactCPU)
	ix := hnsw.New(base.Cols, hnsw.Config{M: 16, EfConstruction: 200, Seed: 100, Workers: 1})
	c = proc.CPUTime()
	must(ix.Add(ctx, base, nil))
	buildCPU := (proc.CPUTime() - c).Seconds()
	fmt.Printf("RESULT knncpu latent hnsw build threads=1 cpu_s=%.3f\n", buildCPU)
	var pts []point
	for _, ef := range efs {
		c = proc.CPUTime()
		g, err := ix.SearchBatch(ctx, queries, k, ef, nil)
		must(err)
		cs := (proc.CPUTime() - c).Seconds()
		p := point{ef: ef, qps: float64(queries.Rows) / cs, rec: g.Recall(exact)}
		fmt.Printf("RESULT knncpu latent hnsw ef=%d threads=1 cpu_s=%.3f qps_per_cpu_s=%.0f recall10=%.4f\n", ef, cs, p.qps, p.rec)
		pts = append(pts, p)
	}
	if af.Skip {
		return
	}
	script := filepath.Join(os.TempDir(), fmt.Sprintf("latent-anchor-cpu-%d.py", os.Getpid()))
	must(os.WriteFile(script, anchorCPU, 0o644))
	defer os.Remove(script)
	cmd := exec.CommandContext(ctx, af.Python, script, af.Dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	os.Stderr.Write(out)
	must(err)
	rs := anchor.Parse(out)
	fmt.Printf("\none thread, CPU seconds (same data and settings as the anchor)\n")
	if r, ok := anchor.Find(rs, "knncpu", "faiss_flat_l2"); ok {
		f, _ := r.Float("cpu_s")
		fmt.Printf("%-28s latent %8.2f s   faiss IndexFlatL2 %8.2f s   %5.2f× the CPU\n", "exact, 10k queries", exactCPU, f, exactCPU/f)
	}
	if r, ok := anchor.Find(rs, "knncpu", "hnswlib", "build"); ok {
		f, _ := r.Float("cpu_s")
		fmt.Printf("%-28s latent %8.2f s   hnswlib           %8.2f s   %5.2f× the CPU\n", "HNSW build M=16 efC=200", buildCPU, f, buildCPU/f)
	}
	fmt.Printf("%-6s %10s %14s %10s %14s %26s\n", "ef", "recall@10", "q/CPU-s", "recall@10", "q/CPU-s", "latent at hnswlib's recall")
	for _, p := range pts {
		r, ok := anchor.Find(rs, "knncpu", "hnswlib", fmt.Sprintf("ef=%d", p.ef))
		if !ok {
			continue
		}
		hq, _ := r.Float("qps_per_cpu_s")
		hr, _ := r.Float("recall10")
		ratio := atRecall(pts, p, hr, hq, false)
		fmt.Printf("%-6d %10.4f %14.0f %10.4f %14.0f %26s\n", p.ef, p.rec, p.qps, hr, hq, ratio)
	}
}

// atRecall formats latent's queries/s at hnswlib's recall hr and the
// ratio to hnswlib's hq; beyond the end of latent's curve it compares at
// the same ef and says so.
func atRecall(pts []point, p point, hr, hq float64, one bool) string {
	if at := qpsAtRecall(pts, hr, one); at > 0 {
		return fmt.Sprintf("%.0f (%.2f×)", at, at/hq)
	}
	q := p.qps
	if one {
		q = p.qps1
	}
	return fmt.Sprintf("same ef: %.2f×", q/hq)
}

// qpsAtRecall interpolates latent's queries/s at recall r along its ef
// curve (log q/s linear in recall); 0 when r is beyond the curve.
func qpsAtRecall(pts []point, r float64, one bool) float64 {
	q := func(p point) float64 {
		if one {
			return p.qps1
		}
		return p.qps
	}
	if len(pts) == 0 || r > pts[len(pts)-1].rec {
		return 0
	}
	if r <= pts[0].rec {
		return q(pts[0])
	}
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		if r <= b.rec {
			f := (r - a.rec) / (b.rec - a.rec)
			return math.Exp(math.Log(q(a)) + f*(math.Log(q(b))-math.Log(q(a))))
		}
	}
	return 0
}

// runGraph times BuildGraph (NN-descent) and, optionally, an HNSW-based
// graph, with recall@k against exact search for 1,000 sampled rows.
func runGraph(ctx context.Context, name string, x *mat32.Dense, k int, withHNSW bool) {
	n := x.Rows
	sample := make([]int, 1000)
	for i := range sample {
		sample[i] = int(uint64(i) * uint64(n) / uint64(len(sample)))
	}
	truth, err := knn.Exact(ctx, x, mat32.Gather(nil, x, sample), k+1, knn.ExactOptions{})
	must(err)
	recall := func(g *knn.Graph) float64 {
		hits := 0
		for s, i := range sample {
			gi, _ := g.Row(i)
			ti, _ := truth.Row(s)
			for _, a := range gi {
				for _, b := range ti {
					if a == b && int(b) != i {
						hits++
						break
					}
				}
			}
		}
		return float64(hits) / float64(len(sample)*k)
	}
	t, c := time.Now(), proc.CPUTime()
	g, err := knn.BuildGraph(ctx, x, k, knn.GraphOptions{Method: knn.NNDescent, Seed: 1})
	must(err)
	fmt.Printf("RESULT knngraph latent nndescent data=%s n=%d d=%d k=%d time_s=%.3f cpu_s=%.3f recall=%.4f (1000 sampled rows)\n",
		name, n, x.Cols, k, time.Since(t).Seconds(), (proc.CPUTime() - c).Seconds(), recall(g))
	if !withHNSW {
		return
	}
	for _, efC := range []int{100} {
		t, c = time.Now(), proc.CPUTime()
		ix := hnsw.New(x.Cols, hnsw.Config{M: 16, EfConstruction: efC})
		must(ix.Add(ctx, x, nil))
		bt := time.Since(t).Seconds()
		gq, err := ix.SearchBatch(ctx, x, k+1, 2*k, nil)
		must(err)
		// Drop each row itself (the first hit) to get the graph.
		hg := knn.NewGraph(n, k, knn.Euclidean)
		for i := 0; i < n; i++ {
			qi, qd := gq.Row(i)
			hi, hd := hg.Row(i)
			j := 0
			for t := range qi {
				if qi[t] != int32(i) && j < k {
					hi[j], hd[j] = qi[t], qd[t]
					j++
				}
			}
		}
		fmt.Printf("RESULT knngraph latent hnsw-based data=%s n=%d d=%d k=%d M=16 efC=%d ef=%d build_s=%.3f total_s=%.3f cpu_s=%.3f recall=%.4f\n",
			name, n, x.Cols, k, efC, 2*k, bt, time.Since(t).Seconds(), (proc.CPUTime() - c).Seconds(), recall(hg))
	}
}

// blobs generates n points in d dimensions around c centres, with a spread
// that decays along the axes (0.92^j), like a PCA projection of real data.
func blobs(n, d, c int, seed uint64) *mat32.Dense {
	rng := rand.New(rand.NewPCG(seed, 0))
	centers := make([]float32, c*d)
	for i := range centers {
		centers[i] = float32(4 * rng.NormFloat64())
	}
	x := mat32.New(n, d)
	for i := 0; i < n; i++ {
		ci := centers[rng.IntN(c)*d:]
		s := 1.0
		row := x.Row(i)
		for j := range row {
			row[j] = ci[j] + float32(s*rng.NormFloat64())
			s *= 0.92
		}
	}
	return x
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
