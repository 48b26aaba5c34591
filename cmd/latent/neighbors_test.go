package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

// writeWords writes a GloVe-style text file: a word and its values per line.
func writeWords(t *testing.T, dir string, words []string, rows [][]float32) string {
	t.Helper()
	var sb strings.Builder
	for i, w := range words {
		sb.WriteString(w)
		for _, v := range rows[i] {
			fmt.Fprintf(&sb, " %g", v)
		}
		sb.WriteString("\n")
	}
	p := filepath.Join(dir, "words.txt")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var testWords = []string{"king", "queen", "man", "woman", "prince", "princess", "boy", "girl", "apple"}
var testVecs = [][]float32{
	{0.304, -1.462, 0.893, 0.197, -0.948, -0.395},
	{0.143, -0.976, 0.52, 1.989, -2.607, -1.917},
	{0.332, -0.296, 0.07, -0.664, 0.442, 0.682},
	{-0.633, 0.216, 0.066, 1.029, -0.666, -0.54},
	{0.223, -0.08, 1.244, -0.565, -0.831, -1.436},
	{-0.116, 0.55, 1.094, 0.938, -2.317, -2.905},
	{-0.203, 0.512, 0.571, -1.984, 1.135, 0.209},
	{0.19, 0.925, 0.615, 0.065, -0.689, -2.17},
	{-0.199, -0.74, 0.415, 0.441, 2.653, -0.252},
}

// writeNpy writes x as a .npy file.
func writeNpy(t *testing.T, dir, name string, x *mat32.Dense) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := formats.Save(p, &dataset.Dataset{X: x}, "npy"); err != nil {
		t.Fatal(err)
	}
	return p
}

func randDense(seed uint64, r, c int) *mat32.Dense {
	rng := rand.New(rand.NewPCG(seed, 0))
	m := mat32.New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

func TestNeighborsExpr(t *testing.T) {
	words := writeWords(t, t.TempDir(), testWords, testVecs)
	code, out, errOut := runCLI(t, "neighbors", "--data", words, "--expr", "king - man + woman", "-k", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "king - man + woman — 3 nearest by cosine") ||
		!strings.Contains(lines[2], "queen") || !strings.Contains(lines[3], "princess") || !strings.Contains(lines[4], "girl") {
		t.Fatalf("output:\n%s", out)
	}
	code, out, _ = runCLI(t, "neighbors", "--data", words, "--expr", "king - man + woman", "-k", "2", "--json")
	var rep neighborsReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("json: exit %d, %s", code, out)
	}
	if rep.Metric != "cosine" || len(rep.Queries) != 1 || len(rep.Queries[0].Neighbors) != 2 || rep.Queries[0].Neighbors[0].Label != "queen" {
		t.Fatalf("json report %+v", rep)
	}
	// gensim 4.2.0 gives similarity 0.945587 for queen on these vectors.
	if d := rep.Queries[0].Neighbors[0].Distance; d < 1-0.945588 || d > 1-0.945586 {
		t.Errorf("queen at distance %v, want 1-0.945587", d)
	}
}

func TestNeighborsRowAndLabel(t *testing.T) {
	dir := t.TempDir()
	words := writeWords(t, dir, testWords, testVecs)
	for _, args := range [][]string{
		{"--row", "0"},
		{"--label", "king"},
		{"--label", "king", "--ef", "20"},
	} {
		code, out, errOut := runCLI(t, append([]string{"neighbors", "--data", words, "-k", "8", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var rep neighborsReport
		json.Unmarshal([]byte(out), &rep)
		ns := rep.Queries[0].Neighbors
		if len(ns) != 8 {
			t.Fatalf("%v: %d neighbours, want all 8 other rows", args, len(ns))
		}
		for _, n := range ns {
			if n.ID == 0 {
				t.Errorf("%v: the query row itself is in the answer", args)
			}
		}
	}
	// A label carried by several rows is a class: its mean is the query and
	// nothing is left out.
	cls := writeWords(t, t.TempDir(), []string{"a", "a", "b", "c"}, [][]float32{{1, 0}, {0, 1}, {0.5, 0.5}, {-1, -1}})
	code, out, errOut := runCLI(t, "neighbors", "--data", cls, "--label", "a", "-k", "2")
	if code != 0 || !strings.Contains(out, "mean of the 2 rows labelled \"a\"") || !strings.Contains(strings.Split(out, "\n")[2], " 2 ") {
		t.Fatalf("class label: exit %d\n%s%s", code, out, errOut)
	}
}

func TestNeighborsQueryFileExactAndHNSW(t *testing.T) {
	dir := t.TempDir()
	base := writeNpy(t, dir, "base.npy", randDense(1, 400, 8))
	q := writeNpy(t, dir, "q.npy", randDense(2, 5, 8))
	var reps [2]neighborsReport
	for i, extra := range [][]string{{"--exact"}, {"--ef", "200"}} {
		code, out, errOut := runCLI(t, append([]string{"neighbors", "--data", base, "--query", q, "-k", "4", "--json"}, extra...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, errOut)
		}
		json.Unmarshal([]byte(out), &reps[i])
	}
	if reps[1].Method != "hnsw" || reps[1].Ef != 200 || reps[0].Method != "exact" || len(reps[0].Queries) != 5 {
		t.Fatalf("reports %+v %+v", reps[0].Method, reps[1].Method)
	}
	for i := range reps[0].Queries {
		for j, n := range reps[0].Queries[i].Neighbors {
			if m := reps[1].Queries[i].Neighbors[j]; m.ID != n.ID {
				t.Errorf("query %d rank %d: hnsw %d, exact %d", i, j, m.ID, n.ID)
			}
		}
	}
	code, out, _ := runCLI(t, "neighbors", "--data", base, "--query", q, "-k", "2")
	if code != 0 || strings.Count(out, "2 nearest by euclidean (exact)") != 5 || !strings.Contains(out, "rank  id   distance") {
		t.Errorf("table output (exit %d):\n%s", code, out)
	}
}

// TestNeighborsManhattan: --metric manhattan (or l1) answers by Σ|x−y|,
// exactly and from an HNSW index, for a row and for a query file.
func TestNeighborsManhattan(t *testing.T) {
	dir := t.TempDir()
	x := randDense(5, 300, 7)
	base := writeNpy(t, dir, "base.npy", x)
	q := writeNpy(t, dir, "q.npy", randDense(6, 3, 7))
	var reps [3]neighborsReport
	for i, extra := range [][]string{
		{"--row", "4", "--metric", "manhattan"},
		{"--query", q, "--metric", "l1"},
		// One build thread: a graph built on several can leave a row
		// unreachable, and then even ef = n misses it.
		{"--query", q, "--metric", "manhattan", "--ef", "300", "--threads", "1"},
	} {
		code, out, errOut := runCLI(t, append([]string{"neighbors", "--data", base, "-k", "5", "--json"}, extra...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &reps[i]); err != nil {
			t.Fatal(err)
		}
		if reps[i].Metric != "manhattan" {
			t.Errorf("%v: metric %q, want manhattan", extra, reps[i].Metric)
		}
	}
	// The row's answer, against brute force in float64.
	type pair struct {
		d  float64
		id int
	}
	var all []pair
	for j := 0; j < x.Rows; j++ {
		if j == 4 {
			continue
		}
		var d float64
		for c := 0; c < x.Cols; c++ {
			d += math.Abs(float64(x.At(4, c)) - float64(x.At(j, c)))
		}
		all = append(all, pair{d, j})
	}
	sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d })
	for r, n := range reps[0].Queries[0].Neighbors {
		if n.ID != all[r].id || math.Abs(n.Distance-all[r].d) > 1e-5*all[r].d {
			t.Errorf("row 4 rank %d: %d at %v, want %d at %v", r, n.ID, n.Distance, all[r].id, all[r].d)
		}
	}
	if reps[2].Method != "hnsw" {
		t.Fatalf("method %q, want hnsw", reps[2].Method)
	}
	for i := range reps[1].Queries {
		for j, n := range reps[1].Queries[i].Neighbors {
			if m := reps[2].Queries[i].Neighbors[j]; m.ID != n.ID || m.Distance != n.Distance {
				t.Errorf("query %d rank %d: hnsw %d at %v, exact %d at %v", i, j, m.ID, m.Distance, n.ID, n.Distance)
			}
		}
	}
}

func TestNeighborsBadInput(t *testing.T) {
	dir := t.TempDir()
	words := writeWords(t, dir, testWords, testVecs)
	base := writeNpy(t, dir, "base.npy", randDense(1, 50, 4))
	q5 := writeNpy(t, dir, "q5.npy", randDense(2, 3, 5))
	nanX := randDense(3, 20, 4)
	nanX.Set(6, 1, float32(math.NaN()))
	nan := writeNpy(t, dir, "nan.npy", nanX)
	zeroX := randDense(4, 20, 4)
	clear(zeroX.Row(9))
	zero := writeNpy(t, dir, "zero.npy", zeroX)
	empty := writeNpy(t, dir, "empty.npy", mat32.New(0, 4))
	corrupt := filepath.Join(dir, "corrupt.hnsw")
	os.WriteFile(corrupt, []byte("LTNTHNSW garbage"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--data", base}, 2, "exactly one of --query, --row, --label or --expr"},
		{[]string{"--data", base, "--row", "1", "--label", "x"}, 2, "exactly one of"},
		{[]string{"--data", base, "--row", "1", "-k", "0"}, 2, "-k must be at least 1"},
		{[]string{"--data", base, "--row", "1", "-k", "50"}, 1, "k=50: only 49 rows are left"},
		{[]string{"--data", base, "--query", base, "-k", "51"}, 1, "k=51: want 1 <= k <= 50"},
		{[]string{"--data", base, "--row", "50"}, 2, "--row 50 out of range"},
		{[]string{"--data", base, "--row", "1", "--exact", "--ef", "10"}, 2, "--exact does not go with"},
		{[]string{"--data", base, "--row", "1", "--metric", "chebyshev"}, 2, `unknown metric "chebyshev"`},
		{[]string{"--data", words, "--expr", "king", "--metric", "ip"}, 2, "--expr ranks by cosine"},
		{[]string{"--data", words, "--expr", "king +"}, 2, "ends with an operator"},
		{[]string{"--data", words, "--expr", "kingg"}, 1, `"kingg" is not a label`},
		{[]string{"--data", base, "--query", q5}, 1, "q5.npy has 5 columns"},
		{[]string{"--data", nan, "--row", "0"}, 1, "1 NaN/Inf values (first in row 6)"},
		{[]string{"--data", base, "--query", nan}, 1, "queries: 1 NaN/Inf values (first in row 6)"},
		{[]string{"--data", zero, "--row", "0", "--metric", "cosine"}, 1, "1 zero vectors have no direction (first is row 9)"},
		{[]string{"--data", empty, "--row", "0"}, 2, "--row 0 out of range: "},
		{[]string{"--data", empty, "--query", base}, 1, "empty set"},
		{[]string{"--data", base, "--row", "0", "--index", corrupt}, 1, "corrupt.hnsw: "},
		{[]string{"--data", base, "--row", "0", "--index", filepath.Join(dir, "none.hnsw")}, 1, "no such file"},
	} {
		code, _, errOut := runCLI(t, append([]string{"neighbors"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

// TestNeighborsExprWithIndex answers an expression from a cosine index and
// must agree with the exact answer on this tiny set.
func TestNeighborsExprWithIndex(t *testing.T) {
	dir := t.TempDir()
	words := writeWords(t, dir, testWords, testVecs)
	idx := filepath.Join(dir, "words.hnsw")
	if code, _, errOut := runCLI(t, "index", "build", "--data", words, "--out", idx, "--metric", "cosine", "-q"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runCLI(t, "neighbors", "--data", words, "--index", idx, "--expr", "king - man + woman", "-k", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.Contains(lines[0], "(hnsw, ef=50)") || !strings.Contains(lines[2], "queen") || !strings.Contains(lines[3], "princess") {
		t.Errorf("output:\n%s", out)
	}
}
