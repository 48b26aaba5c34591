// Command weaviate measures latent's Weaviate backend and its out-of-core
// projection on generated data, on servers it starts on 127.0.0.1 from the
// cached weaviate-server binary (see internal/weaviatetest):
//
//   - import: throughput (vectors/s) of latent push's gRPC batch import of
//     -rows × -dim vectors (a seeded mixture of 100 Gaussian clusters) into
//     one node and into three nodes (three shards, one replica), HNSW built
//     as objects arrive (Weaviate's default);
//
//   - queries: latency p50/p99 of -queries nearVector queries (k=10) sent
//     one at a time, the throughput with -concurrency in flight, and
//     recall@10 against latent's exact search;
//
//   - stream: out-of-core UMAP (or -method) of -stream-rows × -stream-dim
//     points written to a .npy file a batch at a time (about 2 GB for 10M ×
//     50, deleted afterwards): fit on -sample rows, transform the rest in
//     batches; throughput and the peak resident memory of the process that
//     ran it (a child, so the generator's memory is not counted). With the
//     anchor, umap-learn fits the same sample and transforms -anchor-rows
//     rows of the same file (memory-mapped), for rows/s side by side.
//
//     go run ./bench/weaviate                           # everything (long)
//     go run ./bench/weaviate -skip-stream -rows 200000  # import and queries only
//     go run ./bench/weaviate -skip-import -skip-anchor  # stream only
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/latentlab/latent/bench/internal/anchor"
	"github.com/latentlab/latent/bench/internal/proc"
	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/internal/weaviatetest"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/stream"
	"github.com/latentlab/latent/weaviate"
)

func main() {
	var af anchor.Flags
	af.Register(flag.CommandLine)
	rows := flag.Int("rows", 1000000, "vectors to import")
	dim := flag.Int("dim", 128, "their dimension")
	nodes := flag.String("nodes", "1,3", "cluster sizes to import into")
	batch := flag.Int("batch", 1000, "objects per import request")
	conc := flag.Int("concurrency", 4, "import requests (and queries for the throughput figure) in flight")
	queries := flag.Int("queries", 1000, "queries for latency and recall")
	ef := flag.Int("ef", 128, "HNSW ef of the collection (search breadth)")
	skipImport := flag.Bool("skip-import", false, "skip the import and query measurements")
	skipStream := flag.Bool("skip-stream", false, "skip the out-of-core projection")
	sRows := flag.Int("stream-rows", 10000000, "rows of the out-of-core projection")
	sDim := flag.Int("stream-dim", 50, "their dimension")
	method := flag.String("method", "umap", "projection method of the stream measurement")
	sample := flag.Int("sample", 20000, "rows the projection is fitted on")
	sBatch := flag.Int("stream-batch", stream.DefaultBatchSize, "rows per transform batch")
	anchorRows := flag.Int("anchor-rows", 200000, "rows umap-learn transforms for the side-by-side figure")
	dir := flag.String("dir", "", "scratch folder for servers and data (default: a temporary folder)")
	seed := flag.Uint64("seed", 1, "seed of the generated data and the fit")
	child := flag.String("child", "", "internal: run the projection of this .npy file in this process")
	flag.Parse()
	mat32.SetThreads(af.Threads)
	if *child != "" {
		if err := runChild(*child, *method, *sample, *sBatch, *seed); err != nil {
			fmt.Fprintln(os.Stderr, "weaviate bench:", err)
			os.Exit(1)
		}
		return
	}
	scratch := *dir
	if scratch == "" {
		var err error
		if scratch, err = os.MkdirTemp("", "latent-bench-weaviate-"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(scratch)
	}
	fmt.Printf("machine: %d CPUs, GOMAXPROCS %d, %s/%s; threads %d\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, af.Threads)
	if !*skipImport {
		var sizes []int
		for _, s := range strings.Split(*nodes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 {
				fail(fmt.Errorf("-nodes %q", *nodes))
			}
			sizes = append(sizes, n)
		}
		if err := benchImport(scratch, sizes, *rows, *dim, *batch, *conc, *queries, *ef, *seed); err != nil {
			fail(err)
		}
	}
	if !*skipStream {
		if err := benchStream(af, scratch, *sRows, *sDim, *method, *sample, *sBatch, *anchorRows, *seed); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "weaviate bench:", err)
	os.Exit(1)
}

// mixture fills x with points of a mixture of c Gaussian clusters of unit
// spread whose centres are spread by scale; the centres come from seed
// alone, so every call with one seed draws from the same mixture. stream
// selects an independent run of points.
func mixture(x *mat32.Dense, c int, scale float64, seed, stream uint64) {
	crng := dataset.NewRand(seed, 1000)
	centres := mat32.New(c, x.Cols)
	for i := range centres.Data {
		centres.Data[i] = float32(crng.NormFloat64() * scale)
	}
	rng := dataset.NewRand(seed, stream)
	for i := range x.Rows {
		ci := centres.Row(rng.IntN(c))
		row := x.Row(i)
		for j := range row {
			row[j] = ci[j] + float32(rng.NormFloat64())
		}
	}
}

func benchImport(scratch string, sizes []int, n, d, batch, conc, nq, ef int, seed uint64) error {
	ctx := context.Background()
	fmt.Printf("\n== import: %d × %d float32 (100 clusters), batch %d, %d requests in flight ==\n", n, d, batch, conc)
	x := mat32.New(n, d)
	mixture(x, 100, 1.0, seed, 1)
	q := mat32.New(nq, d)
	mixture(q, 100, 1.0, seed, 2)
	t0 := time.Now()
	truth, err := knn.Exact(ctx, x, q, 10, knn.ExactOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("exact k=10 for %d queries: %.1f s (latent, the recall oracle)\n", nq, time.Since(t0).Seconds())
	for _, nodes := range sizes {
		dir := filepath.Join(scratch, fmt.Sprintf("cluster%d", nodes))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		cl, err := weaviatetest.Launch(dir, weaviatetest.Options{Nodes: nodes})
		if err != nil {
			return err
		}
		err = importOnce(ctx, cl, nodes, x, q, truth, batch, conc, ef)
		cl.Close()
		os.RemoveAll(dir)
		if err != nil {
			return err
		}
	}
	return nil
}

func importOnce(ctx context.Context, cl *weaviatetest.Cluster, nodes int, x, q *mat32.Dense, truth *knn.Graph, batch, conc, ef int) error {
	c, err := weaviate.Dial(ctx, weaviate.Config{Hosts: cl.Hosts(), GRPC: cl.GRPCs(), Timeout: 2 * time.Minute})
	if err != nil {
		return err
	}
	defer c.Close()
	col, err := c.Create(ctx, weaviate.Spec{Name: "Bench", Dim: x.Cols, Metric: knn.Euclidean, Ef: ef, Shards: nodes})
	if err != nil {
		return err
	}
	var last time.Time
	prog := func(u progress.Update) {
		if time.Since(last) > 30*time.Second {
			last = time.Now()
			fmt.Fprintf(os.Stderr, "  %d nodes: %d of %d rows\n", nodes, u.Done, u.Total)
		}
	}
	cpu0, scpu0 := proc.CPUTime(), serverCPU(cl)
	res, err := col.Push(ctx, mat32.MatrixRows(x), weaviate.Side{}, weaviate.PushOptions{BatchSize: batch, Concurrency: conc, Progress: prog})
	if err != nil {
		return err
	}
	cnt, err := col.Count(ctx)
	if err != nil {
		return err
	}
	rate := float64(res.Sent) / res.Elapsed.Seconds()
	scpu := (serverCPU(cl) - scpu0).Seconds()
	fmt.Printf("RESULT import nodes=%d rows=%d dim=%d seconds=%.1f vectors_per_s=%.0f count=%d client_cpu_s=%.1f server_cpu_s=%.1f vectors_per_server_cpu_s=%.0f\n",
		nodes, x.Rows, x.Cols, res.Elapsed.Seconds(), rate, cnt, (proc.CPUTime() - cpu0).Seconds(), scpu, float64(res.Sent)/scpu)

	// Latency: one query at a time.
	scpu0 = serverCPU(cl)
	lat := make([]time.Duration, q.Rows)
	g := knn.NewGraph(q.Rows, 10, knn.Euclidean)
	for i := range q.Rows {
		t := time.Now()
		gi, err := col.Search(ctx, q.Slice(i, i+1), 10, weaviate.SearchOptions{Concurrency: 1})
		if err != nil {
			return err
		}
		lat[i] = time.Since(t)
		idx, dist := gi.Row(0)
		ri, rd := g.Row(i)
		copy(ri, idx)
		copy(rd, dist)
	}
	qcpu := (serverCPU(cl) - scpu0).Seconds() / float64(q.Rows)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)].Microseconds()) / 1000
	}
	// Throughput with several queries in flight.
	t := time.Now()
	if _, err := col.Search(ctx, q, 10, weaviate.SearchOptions{Concurrency: conc}); err != nil {
		return err
	}
	qps := float64(q.Rows) / time.Since(t).Seconds()
	fmt.Printf("RESULT query nodes=%d queries=%d ef=%d p50_ms=%.2f p99_ms=%.2f recall10=%.4f server_cpu_ms_per_query=%.2f qps_concurrent=%.0f concurrency=%d\n",
		nodes, q.Rows, ef, pct(0.50), pct(0.99), g.Recall(truth), 1000*qcpu, qps, conc)
	return nil
}

func benchStream(af anchor.Flags, scratch string, n, d int, method string, sample, batch, anchorRows int, seed uint64) error {
	in := filepath.Join(scratch, "stream.npy")
	fmt.Printf("\n== out-of-core %s: %d × %d float32 (.npy, %.2f GB), sample %d, batch %d ==\n", method, n, d, float64(n)*float64(d)*4/1e9, sample, batch)
	t := time.Now()
	if err := generate(in, n, d, seed); err != nil {
		return err
	}
	defer os.Remove(in)
	fmt.Printf("generated in %.1f s\n", time.Since(t).Seconds())
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "-child", in, "-method", method, "-sample", strconv.Itoa(sample), "-stream-batch", strconv.Itoa(batch),
		"-seed", strconv.FormatUint(seed, 10), "-threads", strconv.Itoa(af.Threads))
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	start := time.Now()
	err = cmd.Run()
	os.Stdout.Write(out.Bytes())
	defer os.Remove(in + ".out.npy")
	if err != nil {
		return fmt.Errorf("projection: %w", err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		fmt.Printf("RESULT stream_process wall_s=%.1f cpu_s=%.1f max_rss_mb=%.0f\n", time.Since(start).Seconds(),
			time.Duration(ru.Utime.Nano()+ru.Stime.Nano()).Seconds(), float64(ru.Maxrss)/1024)
	}
	if af.Skip || method != "umap" {
		return nil
	}
	// umap-learn on the same sample and the first anchorRows rows.
	idx := filepath.Join(scratch, "sample_idx.npy")
	s := dataset.SampleIndices(n, sample, seed)
	iv := make([]int64, len(s))
	for i, v := range s {
		iv[i] = int64(v)
	}
	f, err := os.Create(idx)
	if err != nil {
		return err
	}
	if err := npy.WriteInt64(f, []int{len(iv)}, iv); err != nil {
		f.Close()
		return err
	}
	f.Close()
	defer os.Remove(idx)
	script, _ := filepath.Abs(filepath.Join(sourceDir(), "umap_stream.py"))
	_, err = af.Run(context.Background(), script, in, idx, strconv.Itoa(anchorRows)) // it echoes the RESULT lines
	return err
}

// sourceDir returns this command's source folder (for the anchor script).
func sourceDir() string {
	for _, d := range []string{"bench/weaviate", "."} {
		if _, err := os.Stat(filepath.Join(d, "umap_stream.py")); err == nil {
			return d
		}
	}
	return "bench/weaviate"
}

// generate writes n × d mixture points to path a batch at a time.
func generate(path string, n, d int, seed uint64) error {
	w, err := npy.CreateRows(path, n, d)
	if err != nil {
		return err
	}
	const b = 100000
	buf := mat32.New(b, d)
	for lo := 0; lo < n; lo += b {
		m := min(b, n-lo)
		mixture(buf.Slice(0, m), 50, 4, seed, uint64(10+lo/b))
		if err := w.Write(buf.Slice(0, m)); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

// runChild projects the file in with the stream package and prints a
// RESULT line.
func runChild(in, method string, sample, batch int, seed uint64) error {
	var mu sync.Mutex
	var last time.Time
	o := stream.Options{Method: method, Sample: sample, BatchSize: batch, Seed: seed, Checkpoint: in + ".ckpt",
		Progress: func(u progress.Update) {
			mu.Lock()
			defer mu.Unlock()
			if u.Stage == "transform" && time.Since(last) > 30*time.Second {
				last = time.Now()
				fmt.Fprintf(os.Stderr, "  transform: %d of %d rows\n", u.Done, u.Total)
			}
		}}
	res, err := stream.NPY(context.Background(), in, in+".out.npy", o)
	if err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	done := res.Rows - res.Resumed
	fmt.Printf("RESULT stream method=%s rows=%d dim=%d sample=%d batch=%d fit_s=%.1f transform_s=%.1f rows_per_s=%.0f go_heap_sys_mb=%.0f\n",
		method, res.Rows, res.Cols, res.Sampled, batch, res.Fit.Seconds(), res.Transform.Seconds(),
		float64(done)/res.Transform.Seconds(), float64(ms.HeapSys)/(1<<20))
	return nil
}

// serverCPU returns the CPU time the cluster's servers have used.
func serverCPU(cl *weaviatetest.Cluster) time.Duration {
	var t time.Duration
	for _, n := range cl.Nodes {
		d, _ := n.CPUTime()
		t += d
	}
	return t
}
