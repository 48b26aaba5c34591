package tsne

import (
	"context"
	"testing"

	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/idx"
	"github.com/latentlab/latent/metrics"
)

// scikit-learn's figures on the committed fixture (the first 2,000
// Fashion-MNIST test images): TSNE(n_components=2, perplexity=30,
// init="pca", random_state=0, n_jobs=2) after PCA(n_components=50,
// svd_solver="randomized", random_state=0), trustworthiness(X784, Y,
// n_neighbors=10) and the mean 10-NN accuracy under 5-fold
// StratifiedKFold(shuffle=True, random_state=0). Measured with
// scikit-learn 1.2.1, numpy 1.24.2, Debian's /usr/bin/python3, by
// testdata/sklearn_fixture.py:
//
//	OMP_NUM_THREADS=2 /usr/bin/python3 reduce/tsne/testdata/sklearn_fixture.py
//
// which printed, for random_state 0, 1 and 2: KL 0.9046 each,
// trustworthiness 0.9859, 0.9860, 0.9861, accuracy 0.7575, 0.7575, 0.7570.
const (
	sklearnFixtureTrust = 0.9859
	sklearnFixtureAcc   = 0.7575
	// Tolerances: the metrics package draws its folds differently from
	// scikit-learn (same class counts, other rows), which moves the
	// accuracy by about ±0.01 on 2,000 points.
	fixtureTrustTol = 0.002
	fixtureAccTol   = 0.015
)

func TestQualityOnFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 2,000 points")
	}
	d, err := formats.Load("../../testdata/fashion-mnist/t10k-images-idx3-ubyte.gz", formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []Method{Auto, FFT} {
		m, err := Fit(context.Background(), d.X, Options{PCAComponents: 50, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		y := m.Embedding(nil)
		tw, err := metrics.Trustworthiness(d.X, y, 10)
		if err != nil {
			t.Fatal(err)
		}
		acc, err := metrics.KNNAccuracy(context.Background(), y, d.Labels, metrics.KNNAccuracyOptions{K: 10, Folds: 5})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("latent (%v): KL %.4f, trustworthiness(10) %.4f, 10-NN accuracy %.4f; scikit-learn: KL 0.9046, %.4f, %.4f",
			m.Method(), m.KL(), tw, acc.Mean, sklearnFixtureTrust, sklearnFixtureAcc)
		if tw < sklearnFixtureTrust-fixtureTrustTol {
			t.Errorf("%v: trustworthiness %.4f, want ≥ %.4f (scikit-learn %.4f − %g)", m.Method(), tw, sklearnFixtureTrust-fixtureTrustTol, sklearnFixtureTrust, fixtureTrustTol)
		}
		if acc.Mean < sklearnFixtureAcc-fixtureAccTol {
			t.Errorf("%v: 10-NN accuracy %.4f, want ≥ %.4f (scikit-learn %.4f − %g)", m.Method(), acc.Mean, sklearnFixtureAcc-fixtureAccTol, sklearnFixtureAcc, fixtureAccTol)
		}
		if m.KL() > 0.9046 {
			t.Errorf("%v: KL %.4f above scikit-learn's 0.9046", m.Method(), m.KL())
		}
	}
}
