package pca_test

import (
	"fmt"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/reduce/pca"
)

// The ten points of Lindsay Smith's PCA tutorial. scikit-learn 1.2.1
// (PCA(n_components=1, svd_solver="full") on the same float32 array) gives
// explained_variance_ratio_ [0.9631814], noise_variance_ 0.049083397,
// components_ [[-0.6778733 -0.7351787]] and, for the first three rows,
// transform [-0.82797015, 1.7775803, -0.9921975]; latent's sign convention
// (largest entry of each component positive) flips the axis, and so the
// scores. The output is rounded to what float32 data determines.
func Example() {
	x := mat32.FromRows([][]float32{
		{2.5, 2.4}, {0.5, 0.7}, {2.2, 2.9}, {1.9, 2.2}, {3.1, 3.0},
		{2.3, 2.7}, {2, 1.6}, {1, 1.1}, {1.5, 1.6}, {1.1, 0.9},
	})
	var p pca.PCA
	if err := p.Fit(x, pca.Options{Components: 1, Solver: pca.SolverFull}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ratio %.6f, noise variance %.6f\n", p.ExplainedVarianceRatio(nil)[0], p.NoiseVariance())
	c := p.Components(nil)
	fmt.Printf("axis [%.6f %.6f]\n", c.At(0, 0), c.At(0, 1))
	z := p.Transform(nil, x.Slice(0, 3))
	fmt.Printf("scores %.5f %.5f %.5f\n", z.At(0, 0), z.At(1, 0), z.At(2, 0))
	back := p.InverseTransform(nil, z.Slice(0, 1))
	fmt.Printf("first row rebuilt [%.5f %.5f]\n", back.At(0, 0), back.At(0, 1))
	// Output:
	// ratio 0.963181, noise variance 0.049083
	// axis [0.677873 0.735179]
	// scores 0.82797 -1.77758 0.99220
	// first row rebuilt [2.37126 2.51871]
}
