package pca

import (
	"math"
	"testing"

	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/idx"
)

// scikit-learn's figures on the committed fixture ../../testdata/fashion-mnist
// (the first 2,000 Fashion-MNIST test images, scaled to [0,1]), from
// scikit-learn 1.2.1 with numpy 1.24.2 (Debian's /usr/bin/python3), by
//
//	OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 reduce/pca/testdata/sklearn_fashion.py
//
// which fits PCA(n_components=50, svd_solver="full"|"randomized",
// random_state=0) and IncrementalPCA(n_components=50, batch_size=500) and
// prints the explained variance ratios of the first 10 components, their
// sum over 50, and noise_variance_.
var sklearnFixture = map[string]struct {
	evr10 []float64
	sum50 float64
	noise float64
}{
	SolverFull: {[]float64{0.300455302, 0.173954606, 0.059081420, 0.048978828, 0.037833173,
		0.034362771, 0.023842555, 0.018532852, 0.013702597, 0.012829782}, 0.869596143, 0.011973883},
	SolverRandomized: {[]float64{0.300455123, 0.173954621, 0.059081413, 0.048978828, 0.037833158,
		0.034362786, 0.023842538, 0.018532820, 0.013702578, 0.012829785}, 0.869549372, 0.0119781858},
	// scikit-learn's IncrementalPCA averages the remaining singular values
	// of its last stacked batch for noise_variance_ (0.00461168157); latent
	// averages the variance the components leave unexplained, so the noise
	// variance is checked against the full solver's.
	SolverIncremental: {[]float64{0.300455202, 0.173954382, 0.059080324, 0.048977574, 0.037831959,
		0.034361732, 0.023840989, 0.018530519, 0.013698222, 0.012825888}, 0.867356351, 0.011973883},
}

func TestFashionFixture(t *testing.T) {
	d, err := idx.Load("../../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz", formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.X.Rows != 2000 || d.X.Cols != 784 {
		t.Fatalf("fixture is %d×%d", d.X.Rows, d.X.Cols)
	}
	for _, c := range []struct {
		solver string
		evrTol float64 // relative, per ratio of the first 10
		sumTol float64 // absolute, sum over 50
		noise  float64 // relative, against the full solver's noise variance
	}{
		// Exact in float64 against scikit-learn's float32 LAPACK SVD.
		{SolverFull, 1e-5, 1e-6, 1e-5},
		// Randomized solvers with different random matrices agree on the
		// leading ratios to 1e-5 and on the sum to 1e-4.
		{SolverRandomized, 1e-5, 1e-4, 1e-2},
		// The same algorithm on the same batches: it reproduces
		// IncrementalPCA, and stays within 3e-3 of the exact sum.
		{SolverIncremental, 1e-6, 1e-6, 0.03},
	} {
		if testing.Short() && c.solver == SolverIncremental {
			continue
		}
		ref := sklearnFixture[c.solver]
		var p PCA
		if err := p.Fit(d.X, Options{Components: 50, Solver: c.solver, BatchSize: 500}); err != nil {
			t.Fatal(err)
		}
		evr := p.ExplainedVarianceRatio(nil)
		var sum float64
		for j, v := range evr {
			sum += v
			if j < 10 {
				if e := relErr(v, ref.evr10[j]); e > c.evrTol {
					t.Errorf("%s: ratio %d = %.9f, scikit-learn %.9f (relative error %.2g > %.2g)", c.solver, j+1, v, ref.evr10[j], e, c.evrTol)
				}
			}
		}
		if math.Abs(sum-ref.sum50) > c.sumTol {
			t.Errorf("%s: ratio sum over 50 = %.9f, scikit-learn %.9f", c.solver, sum, ref.sum50)
		}
		if math.Abs(sum-sklearnFixture[SolverFull].sum50) > 3e-3 {
			t.Errorf("%s: ratio sum over 50 = %.9f, exact %.9f", c.solver, sum, sklearnFixture[SolverFull].sum50)
		}
		if e := relErr(p.NoiseVariance(), ref.noise); e > c.noise {
			t.Errorf("%s: noise variance %.9g, scikit-learn %.9g (relative error %.2g)", c.solver, p.NoiseVariance(), ref.noise, e)
		}
	}
}
