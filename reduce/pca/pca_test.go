package pca

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// checkAgainstOracle compares a fit with the oracle: explained variance
// ratios and singular values to relTol, principal-angle cosines ≥ minCos,
// and, for components whose variance is separated from its neighbours' by
// more than 1%, the same axis with the same sign.
func checkAgainstOracle(t *testing.T, p *PCA, o *oracle, relTol, minCos float64) {
	t.Helper()
	evr := p.ExplainedVarianceRatio(nil)
	sv := p.SingularValues(nil)
	// Components with no variance (beyond the rank of the centred data)
	// have arbitrary axes; compare their variances absolutely and leave
	// their axes out.
	nz := 0
	for j := range evr {
		if o.s[j] > 1e-9*o.s[0] {
			nz = j + 1
			if e := relErr(evr[j], o.evr[j]); e > relTol {
				t.Errorf("component %d: variance ratio %.9g, oracle %.9g (relative error %.2g > %.2g)", j+1, evr[j], o.evr[j], e, relTol)
			}
			if e := relErr(sv[j], o.s[j]); e > relTol {
				t.Errorf("component %d: singular value %.9g, oracle %.9g (relative error %.2g)", j+1, sv[j], o.s[j], e)
			}
		} else if sv[j] > 1e-6*o.s[0] {
			t.Errorf("component %d: singular value %.3g, oracle ≈ 0", j+1, sv[j])
		}
	}
	comps := p.Components(nil)
	cos := principalCosines(t, comps.Slice(0, nz), o)
	if cos[0] < minCos {
		t.Errorf("smallest principal-angle cosine %.9f < %.6f", cos[0], minCos)
	}
	_, d := comps.Dims()
	for j := 0; j < nz; j++ {
		sep := true
		if j > 0 && o.s[j-1]/o.s[j] < 1.01 {
			sep = false
		}
		if j+1 < len(o.s) && o.s[j]/o.s[j+1] < 1.01 {
			sep = false
		}
		if !sep {
			continue
		}
		var dot float64
		for i := 0; i < d; i++ {
			dot += float64(comps.At(j, i)) * o.vt[j][i]
		}
		if dot < math.Sqrt(minCos) {
			t.Errorf("component %d: cosine with the oracle's axis %.9f", j+1, dot)
		}
	}
}

func TestFullAgainstSVD(t *testing.T) {
	cases := []struct {
		name        string
		n, d, rank  int
		ks          []int
		wantRoute   string
		top, ratio  float64
		noise       float64
		relTol, cos float64
	}{
		{"covariance 600x40", 600, 40, 12, []int{1, 5, 12, 40}, "covariance", 10, 0.75, 0.05, 1e-9, 0.999999},
		{"svd 50x120", 50, 120, 20, []int{1, 7, 50}, "svd", 5, 0.8, 0.1, 1e-9, 0.999999},
		{"offset data 300x30", 300, 30, 30, []int{3, 30}, "covariance", 1, 0.9, 0.001, 1e-7, 0.99999},
	}
	for _, c := range cases {
		x := lowRank(11, c.n, c.d, c.rank, c.top, c.ratio, c.noise)
		o := newOracle(t, x)
		for _, k := range c.ks {
			var p PCA
			if err := p.Fit(x, Options{Components: k, Solver: SolverFull}); err != nil {
				t.Fatalf("%s k=%d: %v", c.name, k, err)
			}
			if p.Solver() != SolverFull {
				t.Errorf("%s: solver %q", c.name, p.Solver())
			}
			checkAgainstOracle(t, &p, o, c.relTol, c.cos)
			// Noise variance: the mean of the oracle's remaining variances.
			m := min(c.n, c.d)
			want := 0.0
			for j := k; j < m; j++ {
				want += o.ev[j]
			}
			if k < m {
				want /= float64(m - k)
			}
			if got := p.NoiseVariance(); math.Abs(got-want) > 1e-9*o.ev[0] {
				t.Errorf("%s k=%d: noise variance %.9g, oracle %.9g", c.name, k, got, want)
			}
		}
	}
}

func TestRandomizedAgainstSVD(t *testing.T) {
	// A spectrum that decays like real data (images, embeddings) with a
	// gap after the first ten components.
	x := lowRank(21, 3000, 200, 10, 10, 0.8, 0.2)
	o := newOracle(t, x)
	y := lowRank(22, 2000, 150, 150, 5, 0.97, 0.01)
	oy := newOracle(t, y)
	for _, route := range []int{routeData, routeScatter} {
		for _, seed := range []uint64{0, 1, 2} {
			var p PCA
			if err := p.Fit(x, Options{Components: 10, Solver: SolverRandomized, Seed: seed, route: route}); err != nil {
				t.Fatal(err)
			}
			// Stated accuracy of the randomized solver on a gapped
			// spectrum: ratios to 1e-4 relative, subspace cosines ≥ 0.9999.
			checkAgainstOracle(t, &p, o, 1e-4, 0.9999)
		}
		// Without a gap (a slowly decaying spectrum, k cutting through it)
		// the axes near the cut are not determined, but the explained
		// variance is: the sum of the ratios stays within 1e-3 of the exact
		// one.
		var p PCA
		if err := p.Fit(y, Options{Components: 20, Solver: SolverRandomized, Seed: 5, route: route}); err != nil {
			t.Fatal(err)
		}
		var got, want float64
		for j, v := range p.ExplainedVarianceRatio(nil) {
			got += v
			want += oy.evr[j]
		}
		if math.Abs(got-want) > 1e-3 {
			t.Errorf("route %d, no gap: ratio sum %.6f, exact %.6f", route, got, want)
		}
		if cos := principalCosines(t, p.Components(nil), oy); cos[len(cos)/2] < 0.999 {
			t.Errorf("route %d, no gap: median principal-angle cosine %.6f", route, cos[len(cos)/2])
		}
	}
}

// TestRandomizedRoutesAgree: applying AᵀA through the data or through the
// scatter matrix gives the same iterates, so the same seed gives the same
// fit up to float32 rounding.
func TestRandomizedRoutesAgree(t *testing.T) {
	x := lowRank(27, 4000, 90, 30, 6, 0.9, 0.3)
	if !scatterCheaper(90, 15, 7) {
		t.Fatal("the automatic route for this shape should be the scatter matrix")
	}
	var a, b PCA
	if err := a.Fit(x, Options{Components: 5, Solver: SolverRandomized, Seed: 4, route: routeData}); err != nil {
		t.Fatal(err)
	}
	if err := b.Fit(x, Options{Components: 5, Solver: SolverRandomized, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	ea, eb := a.ExplainedVarianceRatio(nil), b.ExplainedVarianceRatio(nil)
	for j := range ea {
		if relErr(ea[j], eb[j]) > 1e-5 {
			t.Errorf("ratio %d: through the data %.9f, through the scatter matrix %.9f", j, ea[j], eb[j])
		}
	}
	ca, cb := a.Components(nil), b.Components(nil)
	for i := range ca.Data {
		if math.Abs(float64(ca.Data[i]-cb.Data[i])) > 1e-4 {
			t.Fatalf("components differ at %d: %g vs %g", i, ca.Data[i], cb.Data[i])
		}
	}
}

func TestAutoSolver(t *testing.T) {
	for _, c := range []struct {
		n, d, k int
		want    string
	}{
		{500, 400, 10, SolverFull},
		{2000, 50, 10, SolverRandomized},
		{2000, 50, 40, SolverFull},
		{100, 600, 10, SolverRandomized},
	} {
		if got := chooseSolver(SolverAuto, c.n, c.d, c.k); got != c.want {
			t.Errorf("auto for %d×%d k=%d: %s, want %s", c.n, c.d, c.k, got, c.want)
		}
	}
	x := lowRank(3, 800, 30, 5, 3, 0.5, 0.1)
	var p PCA
	if err := p.Fit(x, Options{Components: 2}); err != nil {
		t.Fatal(err)
	}
	if p.Solver() != SolverRandomized {
		t.Errorf("solver %q, want randomized", p.Solver())
	}
}

func TestRoundTripAtFullRank(t *testing.T) {
	for _, c := range []struct {
		n, d   int
		solver string
		whiten bool
	}{
		{200, 16, SolverFull, false},
		{200, 16, SolverFull, true},
		{12, 30, SolverFull, false}, // k = n: the last axis has no variance
		{300, 10, SolverIncremental, true},
		{300, 10, SolverRandomized, false},
	} {
		x := lowRank(5, c.n, c.d, min(c.n, c.d), 4, 0.85, 0.3)
		k := min(c.n, c.d)
		if c.whiten && k == c.n {
			k--
		}
		var p PCA
		if err := p.Fit(x, Options{Components: k, Solver: c.solver, Whiten: c.whiten, BatchSize: 64}); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		z := p.Transform(nil, x)
		back := p.InverseTransform(nil, z)
		var worst, scale float64
		for i, v := range x.Data {
			worst = max(worst, math.Abs(float64(back.Data[i])-float64(v)))
			scale = max(scale, math.Abs(float64(v)))
		}
		if worst > 1e-5*scale {
			t.Errorf("%+v: round trip error %.3g (data scale %.3g)", c, worst, scale)
		}
	}
}

func TestWhitening(t *testing.T) {
	x := lowRank(8, 1000, 20, 6, 5, 0.6, 0.2)
	for _, solver := range []string{SolverFull, SolverRandomized, SolverIncremental} {
		// The incremental solver is exact, and so whitens exactly, only
		// when k covers the rank.
		k := 6
		if solver == SolverIncremental {
			k = 20
		}
		var p PCA
		z, err := p.FitTransform(context.Background(), nil, x, Options{Components: k, Whiten: true, Solver: solver})
		if err != nil {
			t.Fatal(err)
		}
		if !p.Whitened() {
			t.Error("Whitened() = false")
		}
		n, k := z.Dims()
		for a := 0; a < k; a++ {
			for b := a; b < k; b++ {
				var ma, mb, s float64
				for i := 0; i < n; i++ {
					ma += float64(z.At(i, a))
					mb += float64(z.At(i, b))
				}
				ma /= float64(n)
				mb /= float64(n)
				for i := 0; i < n; i++ {
					s += (float64(z.At(i, a)) - ma) * (float64(z.At(i, b)) - mb)
				}
				cov := s / float64(n-1)
				want := 0.0
				if a == b {
					want = 1
					if math.Abs(ma) > 1e-5 {
						t.Errorf("%s: whitened component %d has mean %.3g", solver, a, ma)
					}
				}
				if math.Abs(cov-want) > 1e-4 {
					t.Errorf("%s: whitened covariance (%d,%d) = %.6f, want %g", solver, a, b, cov, want)
				}
			}
		}
	}
}

func TestFitTransformMatchesTransform(t *testing.T) {
	x := lowRank(9, 2500, 120, 15, 6, 0.8, 0.1)
	for _, solver := range []string{SolverFull, SolverRandomized, "randomized-data", SolverIncremental} {
		for _, whiten := range []bool{false, true} {
			o := Options{Components: 8, Solver: solver, Whiten: whiten}
			if solver == "randomized-data" {
				o.Solver, o.route = SolverRandomized, routeData
			}
			var p PCA
			z, err := p.FitTransform(context.Background(), nil, x, o)
			if err != nil {
				t.Fatal(err)
			}
			want := p.Transform(nil, x)
			var worst, scale float64
			for i, v := range want.Data {
				worst = max(worst, math.Abs(float64(z.Data[i]-v)))
				scale = max(scale, math.Abs(float64(v)))
			}
			if worst > 1e-4*scale {
				t.Errorf("%s whiten=%v: FitTransform differs from Transform by %.3g (scale %.3g)", solver, whiten, worst, scale)
			}
		}
	}
}

func TestSignConvention(t *testing.T) {
	x := lowRank(12, 400, 25, 8, 3, 0.7, 0.1)
	for _, solver := range []string{SolverFull, SolverRandomized, SolverIncremental} {
		var p PCA
		if err := p.Fit(x, Options{Components: 8, Solver: solver}); err != nil {
			t.Fatal(err)
		}
		c := p.Components(nil)
		for j := 0; j < c.Rows; j++ {
			best, arg := float32(-1), 0
			for i, v := range c.Row(j) {
				if a := float32(math.Abs(float64(v))); a > best {
					best, arg = a, i
				}
			}
			if c.At(j, arg) <= 0 {
				t.Errorf("%s: component %d: largest entry %g is not positive", solver, j, c.At(j, arg))
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	x := lowRank(13, 5000, 100, 30, 5, 0.9, 0.1)
	for _, route := range []int{routeData, routeScatter} {
		fit := func(seed uint64, threads int) *mat32.Dense {
			mat32.SetThreads(threads)
			defer mat32.SetThreads(0)
			var p PCA
			if err := p.Fit(x, Options{Components: 10, Solver: SolverRandomized, Seed: seed, route: route}); err != nil {
				t.Fatal(err)
			}
			return p.Components(nil)
		}
		a, b := fit(7, 2), fit(7, 2)
		for i := range a.Data {
			if a.Data[i] != b.Data[i] {
				t.Fatalf("same seed, different components at %d: %g vs %g", i, a.Data[i], b.Data[i])
			}
		}
		// mat32 blocks its products by shape, not by thread count, so
		// other thread counts give the same bits.
		for _, threads := range []int{1, 3} {
			c := fit(7, threads)
			for i := range a.Data {
				if a.Data[i] != c.Data[i] {
					t.Fatalf("%d vs 2 threads: components differ at %d: %g vs %g", threads, i, a.Data[i], c.Data[i])
				}
			}
		}
	}
}

func TestIncrementalAgainstExact(t *testing.T) {
	// At full rank the incremental fit is exact, whatever the batch sizes
	// (including a last batch smaller than k).
	x := lowRank(14, 503, 12, 12, 4, 0.8, 0.2)
	o := newOracle(t, x)
	for _, bs := range []int{12, 37, 100, 503} {
		var p PCA
		if err := p.Fit(x, Options{Components: 12, Solver: SolverIncremental, BatchSize: bs}); err != nil {
			t.Fatal(err)
		}
		if p.Solver() != SolverIncremental {
			t.Errorf("solver %q", p.Solver())
		}
		checkAgainstOracle(t, &p, o, 1e-8, 0.999999)
		m := p.Mean(nil)
		want := make([]float64, 12)
		for i := 0; i < x.Rows; i++ {
			for j, v := range x.Row(i) {
				want[j] += float64(v) / float64(x.Rows)
			}
		}
		for j := range m {
			if math.Abs(float64(m[j])-want[j]) > 1e-6*(1+math.Abs(want[j])) {
				t.Errorf("batch %d: mean[%d] = %g, want %g", bs, j, m[j], want[j])
			}
		}
	}
	// Below full rank it approximates: on data with a gap after k the axes
	// and ratios are close to the exact ones.
	y := lowRank(15, 2000, 60, 6, 5, 0.8, 0.05)
	oy := newOracle(t, y)
	var p PCA
	if err := p.Fit(y, Options{Components: 6, Solver: SolverIncremental, BatchSize: 150}); err != nil {
		t.Fatal(err)
	}
	checkAgainstOracle(t, &p, oy, 2e-3, 0.999)
}

// chunkReader hands out at most step rows per Next, to test partial reads.
type chunkReader struct {
	x          *mat32.Dense
	pos, step  int
	failAt     int
	claimRows  int
	eofWithRow bool
}

func (r *chunkReader) Rows() int {
	if r.claimRows > 0 {
		return r.claimRows
	}
	return r.x.Rows
}
func (r *chunkReader) Cols() int { return r.x.Cols }
func (r *chunkReader) Next(dst *mat32.Dense) (int, error) {
	if r.failAt > 0 && r.pos >= r.failAt {
		return 0, errors.New("disk on fire")
	}
	if r.pos >= r.x.Rows {
		return 0, io.EOF
	}
	m := min(dst.Rows, r.step, r.x.Rows-r.pos)
	copy(dst.Data, r.x.Data[r.pos*r.x.Cols:(r.pos+m)*r.x.Cols])
	r.pos += m
	if r.eofWithRow && r.pos == r.x.Rows {
		return m, io.EOF
	}
	return m, nil
}

func TestFitStream(t *testing.T) {
	x := lowRank(16, 400, 10, 10, 3, 0.8, 0.1)
	var ref PCA
	if err := ref.Fit(x, Options{Components: 10, Solver: SolverFull}); err != nil {
		t.Fatal(err)
	}
	for _, eofWithRow := range []bool{false, true} {
		var p PCA
		err := p.FitStream(context.Background(), &chunkReader{x: x, step: 7, eofWithRow: eofWithRow}, Options{Components: 10, BatchSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		if p.Samples() != 400 {
			t.Errorf("samples %d", p.Samples())
		}
		a, b := p.ExplainedVarianceRatio(nil), ref.ExplainedVarianceRatio(nil)
		for j := range a {
			if relErr(a[j], b[j]) > 1e-8 {
				t.Errorf("ratio %d: stream %.10g, full %.10g", j, a[j], b[j])
			}
		}
	}
	for _, c := range []struct {
		r    *chunkReader
		o    Options
		want string
	}{
		{&chunkReader{x: x, step: 50, failAt: 100}, Options{Components: 3}, "disk on fire"},
		{&chunkReader{x: x, step: 50, claimRows: 500}, Options{Components: 3}, "announced 500 rows and gave 400"},
		{&chunkReader{x: x, step: 50}, Options{Components: 3, Solver: SolverRandomized}, "incremental solver"},
		{&chunkReader{x: x, step: 50}, Options{Components: 11}, "want 1 ≤ k ≤"},
	} {
		var p PCA
		err := p.FitStream(context.Background(), c.r, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
		if p.Fitted() {
			t.Error("PCA fitted after an error")
		}
	}
}

func TestIncrementalPartialFit(t *testing.T) {
	x := lowRank(17, 300, 8, 8, 2, 0.7, 0.1)
	inc := Incremental{Components: 4}
	for lo := 0; lo < 300; lo += 100 {
		if err := inc.PartialFit(x.Slice(lo, lo+100)); err != nil {
			t.Fatal(err)
		}
	}
	if inc.Seen() != 300 {
		t.Errorf("seen %d", inc.Seen())
	}
	p, err := inc.PCA()
	if err != nil {
		t.Fatal(err)
	}
	if _, k := p.Dims(); k != 4 {
		t.Errorf("k = %d", k)
	}
	bad := x.Slice(0, 10).Clone()
	bad.Set(3, 2, float32(math.NaN()))
	if err := inc.PartialFit(bad); err == nil || !strings.Contains(err.Error(), "first in row 303") {
		t.Errorf("NaN batch: %v", err)
	}
	if inc.Seen() != 300 {
		t.Errorf("a refused batch changed the fit: seen %d", inc.Seen())
	}
	if err := inc.PartialFit(mat32.New(5, 9)); err == nil || !strings.Contains(err.Error(), "9 columns, earlier batches 8") {
		t.Errorf("column mismatch: %v", err)
	}
	inc.Reset()
	if inc.Seen() != 0 || inc.Components != 4 {
		t.Error("Reset")
	}
	if _, err := inc.PCA(); err == nil || !strings.Contains(err.Error(), "at least 2 rows") {
		t.Errorf("empty: %v", err)
	}
	inc2 := Incremental{Components: 9}
	if err := inc2.PartialFit(x); err == nil || !strings.Contains(err.Error(), "≤ 8 columns") {
		t.Errorf("k > d: %v", err)
	}
	inc3 := Incremental{Components: 5}
	if err := inc3.PartialFit(x.Slice(0, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := inc3.PCA(); err == nil || !strings.Contains(err.Error(), "min(3, 8)") {
		t.Errorf("k > n: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	good := lowRank(18, 50, 6, 3, 2, 0.5, 0.1)
	withNaN := good.Clone()
	withNaN.Set(7, 1, float32(math.NaN()))
	withInf := good.Clone()
	withInf.Set(9, 0, float32(math.Inf(-1)))
	constant := mat32.New(10, 4)
	for i := range constant.Data {
		constant.Data[i] = 3
	}
	rank2 := mat32.New(40, 5)
	for i := 0; i < 40; i++ {
		rank2.Set(i, 0, float32(i))
		rank2.Set(i, 1, float32(i%3))
	}
	for _, c := range []struct {
		name string
		x    *mat32.Dense
		o    Options
		want string
	}{
		{"nil", nil, Options{Components: 1}, "no data"},
		{"k=0", good, Options{Components: 0}, "0 components requested; want 1 ≤ k ≤ min(rows, columns) = min(50, 6) = 6"},
		{"k<0", good, Options{Components: -3}, "-3 components"},
		{"k>d", good, Options{Components: 7}, "7 components requested"},
		{"k>n", good.Slice(0, 3), Options{Components: 4}, "min(3, 6) = 3"},
		{"one row", good.Slice(0, 1), Options{Components: 1}, "need at least 2 rows, have 1"},
		{"no rows", good.Slice(0, 0), Options{Components: 1}, "need at least 2 rows, have 0"},
		{"no columns", mat32.New(5, 0), Options{Components: 1}, "no columns"},
		{"NaN", withNaN, Options{Components: 2}, "1 NaN/Inf values (first in row 7)"},
		{"Inf", withInf, Options{Components: 2, Solver: SolverIncremental}, "first in row 9"},
		{"solver", good, Options{Components: 2, Solver: "arpack"}, `unknown solver "arpack"`},
		{"constant", constant, Options{Components: 1}, "no variance"},
		{"constant incremental", constant, Options{Components: 1, Solver: SolverIncremental}, "no variance"},
		{"oversamples", good, Options{Components: 1, Oversamples: -1}, "negative oversampling"},
		{"batch", good, Options{Components: 1, BatchSize: -1}, "negative batch size"},
		{"whiten rank-deficient", rank2, Options{Components: 3, Whiten: true, Solver: SolverFull}, "cannot whiten: component 3 has no variance"},
		{"whiten rank-deficient randomized", rank2, Options{Components: 3, Whiten: true, Solver: SolverRandomized}, "cannot whiten"},
	} {
		var p PCA
		err := p.Fit(c.x, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "pca: ") {
			t.Errorf("%s: error %q lacks the pca: prefix", c.name, err)
		}
		if p.Fitted() {
			t.Errorf("%s: fitted after an error", c.name)
		}
	}
}

func TestRankDeficientRandomized(t *testing.T) {
	// Rank 2 data asked for 4 components: the last two axes have zero
	// variance and are completed to an orthonormal set.
	x := mat32.New(600, 30)
	for i := 0; i < 600; i++ {
		a, b := float32(i%17)-8, float32(i%5)-2
		for j := 0; j < 30; j++ {
			x.Set(i, j, a*float32(j%3)+b*float32(j%2))
		}
	}
	for _, solver := range []string{SolverRandomized, "randomized-data", SolverIncremental, SolverFull} {
		o := Options{Components: 4, Solver: solver}
		if solver == "randomized-data" {
			o = Options{Components: 4, Solver: SolverRandomized, route: routeData}
		}
		var p PCA
		if err := p.Fit(x, o); err != nil {
			t.Fatalf("%s: %v", solver, err)
		}
		ev := p.ExplainedVariance(nil)
		if ev[2] > 1e-6*ev[0] || ev[3] > 1e-6*ev[0] {
			t.Errorf("%s: variances %v, want the last two ≈ 0", solver, ev)
		}
		c := p.Components(nil)
		for a := 0; a < 4; a++ {
			for b := 0; b < 4; b++ {
				var s float64
				for j := 0; j < 30; j++ {
					s += float64(c.At(a, j)) * float64(c.At(b, j))
				}
				want := 0.0
				if a == b {
					want = 1
				}
				if math.Abs(s-want) > 1e-5 {
					t.Errorf("%s: components %d·%d = %.3g", solver, a, b, s)
				}
			}
		}
	}
}

func TestInputNotModified(t *testing.T) {
	x := lowRank(19, 700, 40, 10, 3, 0.8, 0.1)
	orig := x.Clone()
	for _, solver := range []string{SolverFull, SolverRandomized, SolverIncremental} {
		var p PCA
		z, err := p.FitTransform(context.Background(), nil, x, Options{Components: 5, Solver: solver})
		if err != nil {
			t.Fatal(err)
		}
		p.InverseTransform(nil, z)
		for i := range x.Data {
			if x.Data[i] != orig.Data[i] {
				t.Fatalf("%s modified the input at %d", solver, i)
			}
		}
	}
}

func TestPanics(t *testing.T) {
	x := lowRank(20, 100, 6, 3, 2, 0.5, 0.1)
	var fitted PCA
	if err := fitted.Fit(x, Options{Components: 2}); err != nil {
		t.Fatal(err)
	}
	var unfitted PCA
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Transform unfitted", func() { unfitted.Transform(nil, x) }},
		{"Components unfitted", func() { unfitted.Components(nil) }},
		{"Save unfitted", func() { unfitted.Save(t.TempDir() + "/m.safetensors") }},
		{"Transform columns", func() { fitted.Transform(nil, mat32.New(3, 5)) }},
		{"Transform dst", func() { fitted.Transform(mat32.New(99, 2), x) }},
		{"InverseTransform columns", func() { fitted.InverseTransform(nil, mat32.New(3, 3)) }},
		{"InverseTransform dst", func() { fitted.InverseTransform(mat32.New(3, 5), mat32.New(3, 2)) }},
		{"Components dst", func() { fitted.Components(mat32.New(6, 2)) }},
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "pca: ") {
					t.Errorf("%s: recovered %v, want a panic starting with \"pca: \"", c.name, r)
				}
			}()
			c.f()
		}()
	}
}

func TestCancel(t *testing.T) {
	x := lowRank(23, 3000, 50, 10, 3, 0.8, 0.1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, solver := range []string{SolverFull, SolverRandomized, SolverIncremental} {
		var p PCA
		err := p.FitContext(ctx, x, Options{Components: 5, Solver: solver})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: error %v, want context.Canceled", solver, err)
		}
		if p.Fitted() {
			t.Errorf("%s: fitted after cancellation", solver)
		}
	}
	// Cancelled from the progress callback, in the middle of the fit.
	for _, solver := range []string{SolverFull, SolverRandomized, SolverIncremental} {
		ctx, cancel := context.WithCancel(context.Background())
		var once sync.Once
		var p PCA
		err := p.FitContext(ctx, x, Options{Components: 5, Solver: solver, BatchSize: 300, Progress: func(u progress.Update) {
			if u.Done > 0 && u.Stage != "pca: moments" {
				once.Do(cancel)
			}
		}})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: mid-fit cancel: error %v", solver, err)
		}
	}
}

func TestProgress(t *testing.T) {
	x := lowRank(24, 3000, 50, 10, 3, 0.8, 0.1)
	for _, solver := range []string{SolverFull, SolverRandomized, SolverIncremental} {
		var mu sync.Mutex
		var ups []progress.Update
		var p PCA
		err := p.Fit(x, Options{Components: 5, Solver: solver, Progress: func(u progress.Update) {
			mu.Lock()
			ups = append(ups, u)
			mu.Unlock()
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ups) < 3 {
			t.Fatalf("%s: %d updates", solver, len(ups))
		}
		last := ups[len(ups)-1]
		if last.Total == 0 || last.Done != last.Total {
			t.Errorf("%s: last update %+v is not complete", solver, last)
		}
		for _, u := range ups {
			if !strings.HasPrefix(u.Stage, "pca: ") || u.Done > u.Total {
				t.Errorf("%s: bad update %+v", solver, u)
			}
		}
	}
}

func TestRefitReplaces(t *testing.T) {
	var p PCA
	if err := p.Fit(lowRank(25, 100, 8, 4, 2, 0.5, 0.1), Options{Components: 3}); err != nil {
		t.Fatal(err)
	}
	if err := p.Fit(lowRank(26, 100, 5, 4, 2, 0.5, 0.1), Options{Components: 2, Whiten: true}); err != nil {
		t.Fatal(err)
	}
	if d, k := p.Dims(); d != 5 || k != 2 || !p.Whitened() {
		t.Errorf("after refit: d=%d k=%d whiten=%v", d, k, p.Whitened())
	}
	if err := p.Fit(mat32.New(1, 5), Options{Components: 1}); err == nil || p.Fitted() {
		t.Error("a failed refit must leave the PCA unfitted")
	}
}
