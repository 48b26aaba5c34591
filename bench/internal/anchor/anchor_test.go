package anchor

import "testing"

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
