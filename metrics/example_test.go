package metrics_test

import (
	"context"
	"fmt"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
)

// Ten points on a spiral in 3-D and a 2-D embedding that keeps all but two
// of them in order. scikit-learn 1.2.1 gives the same figures:
// trustworthiness(x, y, n_neighbors=2) = 0.961538 and
// trustworthiness(y, x, n_neighbors=2) = 0.853846 (the continuity).
func ExampleNeighborhood() {
	x := mat32.FromRows([][]float32{
		{1, 0, 0}, {0.8, 0.6, 0.1}, {0.3, 0.95, 0.2}, {-0.3, 0.95, 0.3}, {-0.8, 0.6, 0.4},
		{-1, 0, 0.5}, {-0.8, -0.6, 0.6}, {-0.3, -0.95, 0.7}, {0.3, -0.95, 0.8}, {0.8, -0.6, 0.9},
	})
	y := mat32.FromRows([][]float32{
		{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0},
		{5, 0}, {6, 0}, {8, 0}, {7, 0}, {9, 0},
	})
	r, err := metrics.Neighborhood(context.Background(), x, y, metrics.NeighborOptions{K: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("trustworthiness %.4f\ncontinuity %.4f\nkNN preservation %.4f\n", r.Trustworthiness, r.Continuity, r.KNNPreservation)
	// Output:
	// trustworthiness 0.9615
	// continuity 0.8538
	// kNN preservation 0.7500
}

// Two well-separated groups and one point between them. scikit-learn 1.2.1:
// silhouette_score(x, labels) = 0.700436.
func ExampleSilhouette() {
	x := mat32.FromRows([][]float32{{0, 0}, {0, 1}, {1, 0}, {10, 10}, {10, 11}, {11, 10}, {5, 5}})
	labels := []int{0, 0, 0, 1, 1, 1, 1}
	s, err := metrics.Silhouette(context.Background(), x, labels, metrics.SilhouetteOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("silhouette %.4f\n", s)
	// Output:
	// silhouette 0.7004
}

// A reconstruction scored as PyTorch 1.13 scores it (on the same float32
// values in float64): binary_cross_entropy = 0.302549, mse_loss = 0.025000.
func ExampleBCE() {
	x := mat32.FromRows([][]float32{{0, 0, 1, 1}, {0, 0.5, 0.5, 1}})
	p := mat32.FromRows([][]float32{{0.1, 0, 0.9, 0.8}, {0.2, 0.5, 0.4, 0.7}})
	bce, _ := metrics.BCE(x, p)
	mse, _ := metrics.MSE(x, p)
	fmt.Printf("BCE %.4f\nMSE %.4f\n", bce, mse)
	// Output:
	// BCE 0.3025
	// MSE 0.0250
}

// Two classes that a 2-D embedding separates except for one point in the
// wrong group: leave-one-fold-out 3-NN gets 9 of 10 right whichever folds
// are drawn.
func ExampleKNNAccuracy() {
	x := mat32.FromRows([][]float32{
		{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0.5, 0.5},
		{10, 10}, {10, 11}, {11, 10}, {11, 11}, {10.5, 10.5},
	})
	labels := []int{0, 0, 0, 0, 1, 1, 1, 1, 1, 1}
	r, err := metrics.KNNAccuracy(context.Background(), x, labels, metrics.KNNAccuracyOptions{K: 3, Folds: 2, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mean %.2f over %d folds\n", r.Mean, len(r.FoldAccuracy))
	// Output:
	// mean 0.90 over 2 folds
}
