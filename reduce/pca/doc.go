// Package pca is principal component analysis: exact, randomized and
// incremental (out-of-core) fits, explained variance, whitening, Transform
// and InverseTransform, and a saved model.
//
//	var p pca.PCA
//	err := p.Fit(x, pca.Options{Components: 50})    // x: n×d, rows are observations
//	z := p.Transform(nil, x)                         // n×50
//	ratios := p.ExplainedVarianceRatio(nil)
//
// # Invariants
//
// Rows are observations. Inputs are never modified. Results are written
// into a caller's dst, which sizes itself when nil or empty. The zero PCA is
// ready for Fit and can be refitted. Bad data or options (k ≤ 0, k > min(n,
// d), fewer than two rows, NaN or ±Inf, data without variance) and
// numerical failures are returned as errors, and leave the PCA unfitted;
// caller bugs (Transform on an unfitted PCA, a dst or input of the wrong
// shape) panic with a message that starts with "pca:". The same data,
// options and seed give bit-identical results at any thread count: latent's
// own sums use fixed partitions, and mat32 splits its BLAS products into
// blocks fixed by shape, not by thread count.
//
// Explained variances use n − 1 (as scikit-learn); ratios divide by the
// total variance, the sum of the feature variances, computed exactly in
// float64 by every solver. NoiseVariance is the unexplained variance
// averaged over the min(n, d) − k remaining directions.
//
// Sign convention: each component is scaled so that its entry of largest
// magnitude is positive (the first such entry on a tie). This is
// scikit-learn's svd_flip applied to the components (the rule of its
// IncrementalPCA; its PCA in version 1.2 decides by the scores instead, so
// signs may differ from that), and it makes every solver and every seed
// agree on signs wherever they agree on axes.
//
// # Solvers
//
// SolverFull works in float64 throughout. When d ≤ n it accumulates the d×d
// scatter matrix from the centred rows (symmetric rank-k updates on blocks
// of 256 rows into up to four fixed partial sums) and takes its top k
// eigenpairs; when d > n it takes the thin SVD of the centred n×d data
// (gonum's Dgesvd). Both agree with a float64 SVD to about 1e-12 on
// well-separated components; the limits MaxCovarianceDim and MaxSVDValues
// keep it from running for hours.
//
// The top-k eigensolver is written here on gonum's LAPACK parts, because
// gonum's Dsyev computes all d eigenvectors and spends most of its time
// doing so: tridiagonal reduction (Dsytrd), all eigenvalues by root-free QL
// (Dsterf), the k wanted eigenvectors by inverse iteration with tridiagonal
// solves (re-orthogonalised within clusters of close eigenvalues, as
// LAPACK's Dstein), and the back-transformation (Dormqr). At d = 784,
// k = 50 it takes 0.37 of Dsyev's time; the incremental solver uses it for
// every batch.
//
// SolverRandomized is the randomized SVD of Halko, Martinsson & Tropp
// (2011) with scikit-learn's defaults: a d×(k+10) Gaussian test matrix,
// 7 power iterations when k < 0.1·min(n, d), else 4, each followed by a
// Householder QR of the d×l iterate in float64 (l = k + 10). The heavy
// products with the n×d data run in float32 through mat32 (OpenBLAS);
// everything of size d×l or l×l is float64 through gonum. The centred data
// is never formed whole (saving an n×d copy). AᵀA is applied in whichever
// of two ways takes fewer flops:
//
//   - through the data, 4·n·d·l flops per iteration: one pass over x per
//     iteration in row blocks of about 16 MB, each used twice while in
//     cache (Y_b = A_b·Q, then Z += A_bᵀ·Y_b, products with A being
//     products with x corrected by a rank-one term); the last step
//     orthonormalises Y = A·Q through the eigendecomposition of its exact
//     float64 Gram matrix and takes the SVD of the l×d matrix Uᵀ·A;
//   - through the scatter matrix C = AᵀA, about 1.25·n·d² flops once, when
//     d < 3.2·l·(q+1) (Fashion-MNIST's 784 features with k = 50): C is
//     summed in float64 from float32 products of centred 8 MB row blocks
//     (lower-triangle column blocks only), and the iteration and the last
//     step run on C in float64, with the same iterates as the first way.
//
// Normalising only the d×l side squares the conditioning within an
// iteration, which in float32 limits the resolution of components whose
// variance is below about 1e-6 of the first. On Fashion-MNIST 70,000×784 →
// 50 the first ten explained variance ratios agree with the exact solver's
// to 1e-7 relative (both ways), and those near the cut, where the spectrum
// is flat, to 1e-5 absolute (0.6% relative), as for any randomized SVD:
// the sum is 0.862528 against the exact 0.862571 (scikit-learn's
// randomized solver: 0.862535).
//
// SolverIncremental (Ross, Lim, Lin & Yang 2008, as scikit-learn's
// IncrementalPCA) folds batches of rows into the running column moments and
// the top k singular values and axes, each update being the SVD of the
// stacked (k + batch + 1)×d matrix, computed from the eigendecomposition of
// its smaller Gram matrix in float64. It equals exact PCA when k covers the
// rank of the data and approximates it otherwise. Incremental.PartialFit
// takes batches directly; PCA.FitStream reads them from a RowReader such as
// formats/npy's, so data larger than memory can be fitted.
//
// SolverAuto follows scikit-learn: full when max(n, d) ≤ 500 or
// k ≥ 0.8·min(n, d), else randomized.
//
// # Saved models
//
// Save writes a safetensors weights file (components and mean in float32,
// variances and singular values in float64) and a JSON config beside it;
// Load checks every field before use. MODEL.md describes the layout.
package pca
