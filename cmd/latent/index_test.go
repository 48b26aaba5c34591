package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIndexBuildQuery(t *testing.T) {
	dir := t.TempDir()
	base := writeNpy(t, dir, "base.npy", randDense(1, 500, 8))
	q := writeNpy(t, dir, "q.npy", randDense(2, 4, 8))
	idx := filepath.Join(dir, "base.hnsw")
	code, out, errOut := runCLI(t, "index", "build", "--data", base, "--out", idx, "--m", "8", "--ef-construction", "100", "--json")
	if code != 0 {
		t.Fatalf("build: exit %d: %s", code, errOut)
	}
	var rep indexReport
	if json.Unmarshal([]byte(out), &rep) != nil || rep.Vectors != 500 || rep.Dim != 8 || rep.M != 8 || rep.Bytes == 0 {
		t.Fatalf("build report: %s", out)
	}
	code, out, errOut = runCLI(t, "index", "query", "--index", idx, "--query", q, "-k", "5", "--ef", "100", "--json")
	if code != 0 {
		t.Fatalf("query: exit %d: %s", code, errOut)
	}
	var qr neighborsReport
	json.Unmarshal([]byte(out), &qr)
	_, exactOut, _ := runCLI(t, "neighbors", "--data", base, "--query", q, "-k", "5", "--json")
	var ex neighborsReport
	json.Unmarshal([]byte(exactOut), &ex)
	if len(qr.Queries) != 4 || qr.Ef != 100 {
		t.Fatalf("query report: %s", out)
	}
	hits := 0
	for i := range ex.Queries {
		for _, a := range ex.Queries[i].Neighbors {
			for _, b := range qr.Queries[i].Neighbors {
				if a.ID == b.ID {
					hits++
				}
			}
		}
	}
	if hits < 19 {
		t.Errorf("index query found %d of the 20 exact neighbours", hits)
	}
	// neighbors --index uses the saved index.
	code, out, _ = runCLI(t, "neighbors", "--data", base, "--index", idx, "--row", "3", "-k", "3")
	if code != 0 || !strings.Contains(out, "(hnsw, ef=50)") {
		t.Errorf("neighbors --index: exit %d\n%s", code, out)
	}
}

// TestIndexBuildDeterministic: one thread and a seed give identical files.
func TestIndexBuildDeterministic(t *testing.T) {
	dir := t.TempDir()
	base := writeNpy(t, dir, "base.npy", randDense(3, 300, 6))
	a, b := filepath.Join(dir, "a.hnsw"), filepath.Join(dir, "b.hnsw")
	for _, p := range []string{a, b} {
		if code, _, errOut := runCLI(t, "index", "build", "--data", base, "--out", p, "--threads", "1", "--seed", "4", "-q"); code != 0 {
			t.Fatal(errOut)
		}
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if len(ba) == 0 || !bytes.Equal(ba, bb) {
		t.Error("single-thread builds with one seed differ")
	}
}

func TestIndexBadInput(t *testing.T) {
	dir := t.TempDir()
	base := writeNpy(t, dir, "base.npy", randDense(1, 60, 4))
	other := writeNpy(t, dir, "other.npy", randDense(2, 61, 4))
	q5 := writeNpy(t, dir, "q5.npy", randDense(2, 3, 5))
	idx := filepath.Join(dir, "base.hnsw")
	if code, _, errOut := runCLI(t, "index", "build", "--data", base, "--out", idx, "-q"); code != 0 {
		t.Fatal(errOut)
	}
	good, _ := os.ReadFile(idx)
	trunc := filepath.Join(dir, "trunc.hnsw")
	os.WriteFile(trunc, good[:len(good)-7], 0o644)
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	flip := filepath.Join(dir, "flip.hnsw")
	os.WriteFile(flip, flipped, 0o644)
	missingDir := filepath.Join(dir, "no", "such", "x.hnsw")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"index"}, 2, "needs a subcommand"},
		{[]string{"index", "build", "--data", base}, 2, "--out FILE is required"},
		{[]string{"index", "build", "--data", base, "--out", idx, "--m", "1"}, 2, "--m must be in [2,1024]"},
		{[]string{"index", "build", "--data", base, "--out", idx, "--metric", "chebyshev"}, 2, `unknown metric "chebyshev"`},
		{[]string{"index", "build", "--data", base, "--out", missingDir}, 1, "no such file or directory"},
		{[]string{"index", "query", "--index", idx}, 2, "--index and --query are required"},
		{[]string{"index", "query", "--index", idx, "--query", base, "-k", "0"}, 2, "-k must be at least 1"},
		{[]string{"index", "query", "--index", idx, "--query", q5}, 1, "q5.npy has 5 columns, " + idx + " indexes vectors of 4"},
		{[]string{"index", "query", "--index", trunc, "--query", base}, 1, "trunc.hnsw: hnsw: invalid index: file is"},
		{[]string{"index", "query", "--index", flip, "--query", base}, 1, "flip.hnsw: hnsw: invalid index at byte"},
		{[]string{"index", "query", "--index", idx, "--query", base, "--data", other}, 1, "indexes 60 vectors of 4 values, but " + other + " has 61 rows"},
		{[]string{"neighbors", "--data", other, "--index", idx, "--row", "0"}, 1, "indexes 60 vectors"},
		{[]string{"neighbors", "--data", base, "--index", idx, "--row", "0", "--metric", "cosine"}, 2, "was built for euclidean"},
		{[]string{"neighbors", "--data", base, "--index", idx, "--expr", "#0"}, 2, "--expr ranks by cosine similarity, but"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
	if _, err := os.Stat(missingDir); !os.IsNotExist(err) {
		t.Error("a failed build left a file")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
