package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/store"
)

// clustered returns n rows of d values around 20 Gaussian centres.
func clustered(n, d int, seed uint64) *dataset.Dataset {
	r := dataset.NewRand(seed, 3)
	centres := mat32.New(20, d)
	for i := range centres.Data {
		centres.Data[i] = float32(r.NormFloat64() * 4)
	}
	x := mat32.New(n, d)
	names := make([]string, n)
	for i := range n {
		c := r.IntN(20)
		names[i] = fmt.Sprint(c)
		row, cr := x.Row(i), centres.Row(c)
		for j := range row {
			row[j] = cr[j] + float32(r.NormFloat64())
		}
	}
	ds := &dataset.Dataset{X: x}
	ds.SetLabels(names)
	return ds
}

// TestLoadNeighbors sends concurrent neighbour queries over loopback TCP and
// requires every one to succeed. The default run is small; with
// LATENT_LOAD_FULL=1 it is 50 clients × 2,000 queries on 70,000 points
// (through the HNSW index), and it logs the latency percentiles.
func TestLoadNeighbors(t *testing.T) {
	n, dim, clients, queries := 5_000, 32, 8, 100
	full := os.Getenv("LATENT_LOAD_FULL") == "1"
	if full {
		n, clients, queries = 70_000, 50, 2_000
	}
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	info, err := st.AddDataset(ctx, "load", "", clustered(n, dim, 1))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st, ExactMaxRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}, Timeout: 30 * time.Second}

	// Build the index first (the first hnsw query waits for it).
	t0 := time.Now()
	res, err := http.Get(fmt.Sprintf("%s/api/datasets/%s/neighbors?row=0&method=hnsw", ts.URL, info.ID))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("warm-up: %v %v", err, res)
	}
	res.Body.Close()
	build := time.Since(t0)

	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute) // bounded however slow the machine
	defer cancel()
	lat := make([][]time.Duration, clients)
	errs := make([]int, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := dataset.NewRand(uint64(c), 11)
			for range queries {
				if ctx.Err() != nil {
					errs[c]++
					return
				}
				url := fmt.Sprintf("%s/api/datasets/%s/neighbors?row=%d&k=10", ts.URL, info.ID, r.IntN(n))
				q0 := time.Now()
				res, err := client.Get(url)
				if err != nil {
					errs[c]++
					continue
				}
				var out neighborsResponse
				err = json.NewDecoder(res.Body).Decode(&out)
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 || len(out.Rows) != 10 || out.Method != "hnsw" {
					errs[c]++
					continue
				}
				lat[c] = append(lat[c], time.Since(q0))
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	var all []time.Duration
	failed := 0
	for c := range clients {
		all = append(all, lat[c]...)
		failed += errs[c]
	}
	if failed > 0 {
		t.Fatalf("%d of %d queries failed", failed, clients*queries)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	t.Logf("%d points × %d dims, index built in %v; %d clients × %d queries: %d ok in %v (%.0f/s), p50 %v, p99 %v, max %v",
		n, dim, build.Round(time.Millisecond), clients, queries, len(all), wall.Round(time.Millisecond),
		float64(len(all))/wall.Seconds(), pct(0.5), pct(0.99), all[len(all)-1])
}

// BenchmarkNeighborsHandler measures one neighbour query through the
// handler (no network) on 70,000 × 32 points with the HNSW index.
func BenchmarkNeighborsHandler(b *testing.B) {
	st, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	info, err := st.AddDataset(context.Background(), "bench", "", clustered(70_000, 32, 1))
	if err != nil {
		b.Fatal(err)
	}
	srv, _ := New(Config{Store: st, ExactMaxRows: 1000})
	defer srv.Close()
	h := srv.Handler()
	query := func(row int, method string) int {
		req := httptest.NewRequest("GET", fmt.Sprintf("/api/datasets/%s/neighbors?row=%d&k=10&method=%s", info.ID, row, method), nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	if query(0, "hnsw") != 200 {
		b.Fatal("warm-up failed")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if query(i*7919%70_000, "auto") != 200 {
			b.Fatal("query failed")
		}
	}
}
