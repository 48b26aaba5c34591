// Package metrics judges a latent space or a projection of it: how well a
// low-dimensional embedding keeps the neighbourhoods of its input
// (trustworthiness, continuity, kNN preservation), how well classes separate
// in it (kNN classification accuracy, silhouette score), how well a model
// reconstructs its input (mean squared error, binary cross-entropy), and how
// evenly a decoder moves along interpolations between codes and how close
// their midpoints stay to real data (Smoothness; its exact definitions are in
// its doc comment).
//
// Rows are observations. Every function here runs on 70,000 points and more
// in memory proportional to (block rows)·n, never n×n: pairwise distances are
// produced a block of rows at a time and reduced before the next block.
//
// # Definitions
//
// Distances are euclidean throughout. Let X (the input) and Y (the
// embedding) have the same n rows, and let k be the neighbour count.
//
// Neighbour order. For a point i, the other points are ordered by their
// distance to i, ties broken by the smaller row index; the point itself is
// never its own neighbour. r_X(i, j) is the position (1-based) of j in that
// order in X, and N_X(i) the first k points of it; r_Y and N_Y likewise in Y.
// This is scikit-learn's convention (1.2: the diagonal of the distance matrix
// is set to +Inf before a row-wise argsort, so self ranks last), with ties
// resolved the way a stable sort resolves them. (numpy's default argsort is
// not stable, so on exactly equal distances scikit-learn's ranks are
// whatever its sort produced; without ties the two agree exactly.) As in
// scikit-learn, the input may instead be given as a precomputed n×n matrix
// of distances (NeighborOptions.Precomputed); only the order of each row's
// values matters.
//
// Trustworthiness (Venna and Kaski 2001; sklearn.manifold.trustworthiness):
//
//	T(k) = 1 − 2/(n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_Y(i) \ N_X(i)} (r_X(i,j) − k)
//
// It penalises embedding neighbours that were not input neighbours, in
// proportion to how far they were in the input. It requires 1 ≤ k < n/2, as
// scikit-learn does, so that T lies in [0, 1].
//
// Continuity swaps the roles, C(k) = T computed with X and Y exchanged:
//
//	C(k) = 1 − 2/(n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_X(i) \ N_Y(i)} (r_Y(i,j) − k)
//
// so Continuity(X, Y) equals scikit-learn's trustworthiness(Y, X).
//
// kNN preservation is the mean recall of the input neighbours in the
// embedding: (1/n) Σ_i |N_X(i) ∩ N_Y(i)| / k, for 1 ≤ k < n.
//
// kNN classification accuracy: the labelled rows are split into F folds,
// stratified by class; each fold in turn is classified by majority vote of
// its k nearest neighbours among the other F−1 folds (uniform weights; a tied
// vote goes to the smallest label, as scikit-learn's KNeighborsClassifier
// does). The result is the accuracy of each fold, their mean and their
// population standard deviation (numpy's std, ddof 0). Folds are drawn as
// StratifiedFolds says; their class counts equal those of scikit-learn's
// StratifiedKFold, but which row lands in which fold is not the same as
// scikit-learn's for the same seed.
//
// Silhouette (Rousseeuw 1987; sklearn.metrics.silhouette_score): for row i of
// cluster c with n_c ≥ 2 members,
//
//	a(i) = Σ_{j ∈ c, j ≠ i} d(i,j) / (n_c − 1)
//	b(i) = min over clusters c' ≠ c of Σ_{j ∈ c'} d(i,j) / n_c'
//	s(i) = (b(i) − a(i)) / max(a(i), b(i))
//
// with s(i) = 0 when n_c = 1 or when a(i) = b(i) = 0. The score is the mean
// of s over the rows. The number of clusters L must satisfy 2 ≤ L ≤ n − 1.
// With a sample size m < n, the score is computed on m rows drawn uniformly
// without replacement (dataset.SampleIndices with the seed).
//
// Rows labelled dataset.NoLabel take no part in kNN accuracy or silhouette:
// they are neither classified, nor neighbours, nor cluster members.
//
// Reconstruction, with x the data and p the reconstruction, both r×c:
//
//	MSE = (1/(r·c)) Σ (x − p)²
//	BCE = −(1/(r·c)) Σ [x·max(ln p, −100) + (1 − x)·max(ln(1 − p), −100)]
//
// The clip of the logarithm at −100 is PyTorch's BCELoss convention, so a
// prediction of exactly 0 or 1 gives a finite loss. The per-row variants
// average over the c values of each row.
//
// # Exactness and determinism
//
// The input-space distances come from one float32 GEMM per block
// (‖x‖² + ‖y‖² − 2x·y), whose rounding could reorder two nearly equal
// distances. Neighbour sets and ranks are therefore decided exactly: each
// float32 distance carries a proven error bound (γ_d of the dot products and
// norms, plus the centring, a few ulps times ‖x_i‖² + ‖x_j‖²), and any
// comparison that falls within the bound is redone in float64 from the
// original float32 values. Neighbour sets, ranks and hence trustworthiness,
// continuity, kNN preservation and kNN accuracy do not depend on the BLAS
// library, its threads or the block size; they agree with a float64
// brute-force computation except where two distances differ by less than
// float64 rounding. Each row's contribution is an integer (a rank excess or a
// count) summed exactly, so results are bit-identical across runs and thread
// counts. Silhouette sums float64 distances per row in a fixed order and is
// likewise deterministic; on the GEMM route its far pairs carry float32
// rounding (about 1e-6 relative), while close pairs — under 1/64 of
// ‖x_i‖² + ‖x_j‖², where the expansion's cancellation would dominate — are
// recomputed in float64.
//
// Data far from the origin are centred before the GEMM, and data whose
// magnitude would overflow or underflow float32 squares are scaled by a
// power of two; both leave the order of distances untouched.
//
// Low-dimensional data (at most 8 columns, embeddings in practice) skips
// GEMM: distances are computed directly in float64, and kNN classification
// there uses a k-d tree per fold. These hand-written kernels exist because a
// GEMM over 2 columns is all overhead, and no library provides the fused
// "distance row → top-k and ranks" reduction that keeps memory at
// O(block·n).
//
// # Errors and panics
//
// Data problems are returned as errors prefixed "metrics:": empty or
// mismatched matrices (naming both sizes), NaN or ±Inf values (with their
// count and first row), a k out of range, labels that cannot support the
// metric (one class for silhouette, classes smaller than the fold count for
// kNN accuracy). A cancelled context stops the work between blocks and
// returns the context's error. Caller bugs — a dst slice of the wrong
// length — panic with a message starting "metrics:".
package metrics
