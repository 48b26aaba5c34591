package anchor

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestParse(t *testing.T) {
	out := []byte("== x ==\nRESULT knn hnswlib ef=20 threads=2 search_time_s=0.766 qps=13047 recall10=0.9788\nnoise\nRESULT gemm dtype=float32 shape=sq1024 gflops_median=198.0\n")
	rs := Parse(out)
	if len(rs) != 2 {
		t.Fatalf("%d results", len(rs))
	}
	r, ok := Find(rs, "knn", "hnswlib", "ef=20")
	if !ok {
		t.Fatal("knn line not found")
	}
	if q, ok := r.Float("qps"); !ok || q != 13047 {
		t.Fatalf("qps = %v %v", q, ok)
	}
	if _, ok := Find(rs, "knn", "ef=50"); ok {
		t.Fatal("found a line that is not there")
	}
	if g, _ := rs[1].Float("gflops_median"); g != 198 {
		t.Fatalf("gflops = %v", g)
	}
}

// TestRunIn runs a script in another directory than the anchors' and
// reads its RESULT line and the thread count it was given.
func TestRunIn(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "s.py")
	if err := os.WriteFile(script, []byte("import os\nprint('RESULT t cwd_ok=%d threads=%s' % (os.path.exists('s.py'), os.environ['OMP_NUM_THREADS']))\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := Flags{Dir: t.TempDir(), Python: py, Threads: 3}
	rs, err := f.RunIn(context.Background(), dir, script)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Find(rs, "t", "cwd_ok=1", "threads=3"); !ok {
		t.Fatalf("results %+v", rs)
	}
}
