package metrics

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/latentlab/latent/mat32"
)

// The figures in testdata/expected.json come from scikit-learn 1.2.1 and
// torch 1.13.1 (Debian 12, /usr/bin/python3 3.11.2), written by
//
//	cd metrics/testdata && /usr/bin/python3 gen_reference.py
//
// on the data in testdata/fixture.csv and testdata/recon.csv, which the same
// script wrote (float32 values printed exactly).

type fixture struct {
	x, y          *mat32.Dense
	label, label2 []int
	fold          []int
}

func readCSV(t testing.TB, path string) (header []string, rows [][]float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		row := make([]float64, len(r))
		for j, s := range r {
			if row[j], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		rows = append(rows, row)
	}
	return recs[0], rows
}

func loadFixture(t testing.TB) fixture {
	_, rows := readCSV(t, "testdata/fixture.csv")
	n := len(rows)
	fx := fixture{x: mat32.New(n, 12), y: mat32.New(n, 2), label: make([]int, n), label2: make([]int, n), fold: make([]int, n)}
	for i, r := range rows {
		fx.label[i], fx.label2[i], fx.fold[i] = int(r[0]), int(r[1]), int(r[2])
		for j := 0; j < 12; j++ {
			fx.x.Set(i, j, float32(r[3+j]))
		}
		fx.y.Set(i, 0, float32(r[15]))
		fx.y.Set(i, 1, float32(r[16]))
	}
	return fx
}

func loadExpected(t testing.TB) map[string]any {
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func expNum(t testing.TB, exp map[string]any, key string) float64 {
	t.Helper()
	v, ok := exp[key].(float64)
	if !ok {
		t.Fatalf("expected.json has no number %q", key)
	}
	return v
}

func expList(t testing.TB, exp map[string]any, key string) []float64 {
	t.Helper()
	l, ok := exp[key].([]any)
	if !ok {
		t.Fatalf("expected.json has no list %q", key)
	}
	out := make([]float64, len(l))
	for i, v := range l {
		out[i] = v.(float64)
	}
	return out
}

func near(t testing.TB, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.10g, scikit-learn %.10g (tolerance %g)", name, got, want, tol)
	}
}

func TestTrustworthinessAgainstScikitLearn(t *testing.T) {
	fx := loadFixture(t)
	exp := loadExpected(t)
	for _, k := range []int{1, 5, 10, 30, 74} {
		r, err := Neighborhood(context.Background(), fx.x, fx.y, NeighborOptions{K: k, BlockRows: 64})
		if err != nil {
			t.Fatal(err)
		}
		// The ranks are integers, decided exactly: only the final float64
		// arithmetic differs.
		near(t, fmt.Sprintf("trustworthiness k=%d", k), r.Trustworthiness, expNum(t, exp, fmt.Sprintf("trust_k%d", k)), 1e-12)
		near(t, fmt.Sprintf("continuity k=%d", k), r.Continuity, expNum(t, exp, fmt.Sprintf("cont_k%d", k)), 1e-12)
		// Continuity(x, y) is trustworthiness(y, x).
		tr, err := Trustworthiness(fx.y, fx.x, k)
		if err != nil {
			t.Fatal(err)
		}
		near(t, fmt.Sprintf("trustworthiness(y, x) k=%d", k), tr, expNum(t, exp, fmt.Sprintf("cont_k%d", k)), 1e-12)
	}
	// sklearn refuses k ≥ n/2 = 75; so do we.
	if _, err := Trustworthiness(fx.x, fx.y, 75); err == nil {
		t.Error("k = n/2 accepted")
	}
}

func TestTrustworthinessPrecomputedAgainstScikitLearn(t *testing.T) {
	fx := loadFixture(t)
	exp := loadExpected(t)
	n := fx.x.Rows
	d := mat32.New(n, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for c, v := range fx.x.Row(i) {
				s += math.Abs(v64(v) - v64(fx.x.At(j, c)))
			}
			d.Set(i, j, float32(s))
		}
	}
	for _, k := range []int{5, 10} {
		r, err := Neighborhood(context.Background(), d, fx.y, NeighborOptions{K: k, Precomputed: true, BlockRows: 33})
		if err != nil {
			t.Fatal(err)
		}
		near(t, fmt.Sprintf("precomputed Manhattan trustworthiness k=%d", k), r.Trustworthiness, expNum(t, exp, fmt.Sprintf("trust_precomputed_manhattan_k%d", k)), 1e-12)
	}
	// Squared euclidean distances give the ranks of the data itself.
	sq := mat32.New(n, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			sq.Set(i, j, float32(sqDist64(fx.x.Row(i), fx.x.Row(j))))
		}
	}
	a, err := Neighborhood(context.Background(), sq, fx.y, NeighborOptions{K: 10, Precomputed: true})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "precomputed squared euclidean", a.Trustworthiness, expNum(t, exp, "trust_k10"), 1e-12)
	near(t, "precomputed squared euclidean continuity", a.Continuity, expNum(t, exp, "cont_k10"), 1e-12)

	bad := sq.Clone()
	bad.Set(3, 4, -1)
	for _, c := range []struct {
		x    *mat32.Dense
		want string
	}{
		{fx.x, "must be square: it is 150×12"},
		{bad, "negative value, -1 at (3, 4)"},
	} {
		if _, err := Neighborhood(context.Background(), c.x, fx.y, NeighborOptions{K: 5, Precomputed: true}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
}

func v64(v float32) float64 { return float64(v) }

func TestSilhouetteAgainstScikitLearn(t *testing.T) {
	fx := loadFixture(t)
	exp := loadExpected(t)
	for _, c := range []struct {
		name   string
		x      *mat32.Dense
		labels []int
		key    string
		tol    float64
	}{
		{"gemm", fx.x, fx.label, "silhouette_x", 1e-6},
		{"direct", fx.y, fx.label, "silhouette_y", 1e-12},
		{"direct singleton", fx.y, fx.label2, "silhouette_y_singleton", 1e-12},
		{"gemm singleton", fx.x, fx.label2, "silhouette_x_singleton", 1e-6},
	} {
		for _, bs := range []int{0, 7} {
			got, err := Silhouette(context.Background(), c.x, c.labels, SilhouetteOptions{BlockRows: bs})
			if err != nil {
				t.Fatal(err)
			}
			near(t, fmt.Sprintf("%s (block %d)", c.name, bs), got, expNum(t, exp, c.key), c.tol)
		}
	}
}

func TestKNNAccuracyAgainstScikitLearn(t *testing.T) {
	fx := loadFixture(t)
	exp := loadExpected(t)
	for _, c := range []struct {
		name string
		x    *mat32.Dense
	}{{"x", fx.x}, {"y", fx.y}} {
		for _, k := range []int{1, 10} {
			key := fmt.Sprintf("knnacc_%s_k%d", c.name, k)
			// With scikit-learn's own folds the figures must agree exactly.
			r, err := KNNAccuracy(context.Background(), c.x, fx.label, KNNAccuracyOptions{K: k, Fold: fx.fold})
			if err != nil {
				t.Fatal(err)
			}
			want := expList(t, exp, key+"_folds")
			for f, a := range r.FoldAccuracy {
				near(t, fmt.Sprintf("%s fold %d", key, f), a, want[f], 1e-12)
			}
			near(t, key+" mean", r.Mean, expNum(t, exp, key+"_mean"), 1e-12)
			near(t, key+" std", r.Std, expNum(t, exp, key+"_std"), 1e-12)
			// With our own seeded folds the estimate differs by the draw of
			// the folds only: stay within a few rows' worth.
			own, err := KNNAccuracy(context.Background(), c.x, fx.label, KNNAccuracyOptions{K: k, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			near(t, key+" mean, own folds", own.Mean, expNum(t, exp, key+"_mean"), 0.06)
		}
	}
}

func TestReconstructionAgainstTorch(t *testing.T) {
	_, rows := readCSV(t, "testdata/recon.csv")
	x, p := mat32.New(len(rows), 6), mat32.New(len(rows), 6)
	for i, r := range rows {
		for j := 0; j < 6; j++ {
			x.Set(i, j, float32(r[j]))
			p.Set(i, j, float32(r[6+j]))
		}
	}
	exp := loadExpected(t)
	bce, err := BCE(x, p)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "BCE", bce, expNum(t, exp, "bce"), 1e-12)
	mse, err := MSE(x, p)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "MSE", mse, expNum(t, exp, "mse"), 1e-12)
	rowsBCE, err := BCERows(make([]float64, len(rows)), x, p)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range expList(t, exp, "bce_rows") {
		near(t, fmt.Sprintf("BCE row %d", i), rowsBCE[i], want, 1e-12)
	}
}
