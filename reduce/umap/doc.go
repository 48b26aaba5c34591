// Package umap is uniform manifold approximation and projection (McInnes,
// Healy and Melville 2018): a neighbour-graph embedding of rows into a few
// dimensions, with supervised fits, Transform of new rows, and a saved
// model. It follows umap-learn 0.5.3's algorithm and defaults, and gives a
// bit-identical embedding for a seed at any thread count while using all
// of them.
//
//	var u umap.UMAP
//	o := umap.DefaultOptions() // 15 neighbours, min_dist 0.1, 2-D
//	o.Seed = 42
//	y, err := u.FitTransform(ctx, nil, x, o)     // x: n×d, rows are observations
//	z, err := u.Transform(ctx, nil, xNew, nil)   // new rows, training embedding fixed
//	err = u.Save("m.safetensors")                // m.safetensors + m.json
//
// # Invariants
//
// Rows are observations. Inputs are never modified; Fit keeps a reference
// to its input (for Transform and Save) unless it had to change it.
// Results are written into a caller's dst, which sizes itself when nil or
// empty. The zero UMAP is ready for Fit. Bad data or options — Neighbors
// < 2 or ≥ rows, MinDist > Spread, NaN or ±Inf, zero rows under Cosine,
// an unknown metric, labels of the wrong length — are returned as errors
// and leave the UMAP unfitted; caller bugs (Transform on an unfitted UMAP,
// a dst of the wrong shape) panic with a message that
// starts with "umap:". On one machine, the same data, options and seed give
// a bit-identical embedding and Transform at any GOMAXPROCS (see
// "Determinism and parallelism"), whatever the Init; CPUs with and without
// AVX2 agree to rounding.
//
// Duplicate rows are allowed: an exact duplicate is its twin's nearest
// neighbour at distance 0, gets membership 1, and is pulled onto it while
// the repulsion pushes all coinciding points apart by the clipped step, as
// in umap-learn; a group of more than Neighbors identical rows becomes a
// connected component of its own. Disconnected neighbour graphs are laid
// out component by component (see Initialisation).
//
// # The algorithm
//
// Neighbours: the Neighbors−1 nearest other rows of every row, from
// knn.BuildGraph (exact for small data, NN-descent for large), under the
// euclidean, cosine or Manhattan (L1) metric; Correlation is cosine on
// row-centred copies. umap-learn's n_neighbors counts the point itself,
// and so does Neighbors. Under Manhattan the exact search computes every
// distance directly (there is no GEMM form), and the layout of several
// components measures their centroids by L1 distance too; on the first
// 2,000 Fashion-MNIST test images a Manhattan fit (seed 42) has
// trustworthiness(10) 0.9769 where umap-learn's has 0.9770.
//
// Fuzzy simplicial set: for each row, ρ is the distance to its nearest
// neighbour at positive distance (LocalConnectivity-th, interpolated) and σ
// is found by 64 steps of bisection (tolerance 1e-5) such that
// Σ_j exp(−(d_j − ρ)/σ) = log2(Neighbors)·Bandwidth, with σ at least 1e-3
// of the mean neighbour distance; the directed membership of neighbour j is
// exp(−(d_j − ρ)/σ), 1 within ρ. The graph is the fuzzy union
// W + Wᵀ − W∘Wᵀ, mixed with the intersection W∘Wᵀ by SetOpMixRatio. A
// supervised fit multiplies the weights of edges between different classes
// by exp(−2.5/(1 − TargetWeight)) and of edges touching unlabelled rows by
// exp(−1), rescales each row to a largest weight of 1, and takes the fuzzy
// union again (umap-learn's categorical intersection and
// reset_local_connectivity). Edges lighter than max/Epochs are dropped.
//
// Embedded similarity: 1/(1 + a·d^(2b)), with a and b fitted to MinDist and
// Spread by FindAB (Levenberg–Marquardt, as scipy's curve_fit).
//
// Initialisation: InitSpectral takes, for each connected component of the
// graph, the eigenvectors of the normalised Laplacian I − D^(−½)WD^(−½)
// with the smallest eigenvalues after the trivial one, found by LOBPCG
// (internal/lobpcg; constrained orthogonal to the known trivial vector D^½·1,
// residual tolerance 1e-4 like umap-learn's eigsh tolerance, at most 300
// iterations). With several components, each is embedded on its own,
// scaled to half the distance to the nearest other component's spot, and
// placed on a layout of the components: ±unit vectors for up to 2·dim of
// them, as umap-learn, else a spectral embedding of the components'
// centroids with affinities exp(−(d/s)²), where s is the largest distance
// from a centroid to its nearest other one. (umap-learn uses exp(−d²) in
// the data's own units, which underflows to a disconnected graph, and
// places components arbitrarily, once centroids are more than about 27
// apart, e.g. for raw pixel values.) Components of fewer than 2·dim rows
// are placed uniformly at random around their spot.
// InitRandom draws uniformly in [−10, 10]; InitPCA projects on the first
// principal components. Spectral and PCA starts are scaled to a largest
// coordinate of 10 with Gaussian noise of deviation 1e-4 added; every start
// is then mapped onto [0, 10] in each dimension.
//
// Layout: stochastic gradient descent over Epochs epochs (default 500 up to
// 10,000 rows, 200 above). An edge of weight w is sampled every max/w
// epochs; each sample pulls both ends together with the gradient of
// log(1/(1 + a·d^(2b))) and pushes the head away from NegativeSampleRate
// uniformly drawn rows with the gradient of RepulsionStrength·log(1 − …)
// (d² offset by 0.001); every coordinate of every step is clipped to ±4,
// and the learning rate falls linearly from LearningRate to 0. The
// attraction of an edge sample and its negative samples are evaluated at
// the same position and their clipped steps added (umap-learn moves the
// point after each; the difference is below the noise of the sampling, and
// it lets the six gradients run in parallel in the processor). Each
// positive sample draws exactly NegativeSampleRate negatives (umap-learn's
// count varies by one with the rounding of its sampling schedule, with the
// same mean).
//
// Transform: the new rows' Neighbors nearest training rows (exact for small
// problems, else a best-first walk of the training neighbour graph joined
// with its reverse edges by knn.GraphIndex with its defaults: 128 fixed
// entry rows, 24 candidates, slack 0.1; recall@15 0.982 for the 10,000
// Fashion-MNIST test images against the 60,000 training images, 0.988 with
// 32 candidates), memberships with the local connectivity reduced by one,
// a start at the membership-weighted mean of the neighbours' embeddings,
// and the SGD with the training embedding fixed, a quarter of the learning
// rate and a third of the epochs (100, or 30 for more than 10,000 new
// rows, after a default fit), as umap-learn's transform.
//
// # Determinism and parallelism
//
// umap-learn's parallel layout is Hogwild: threads update shared
// coordinates without locks, so a seeded run must fall back to one thread.
// Here the layout is parallel and deterministic. The vertices are cut into
// B = min(256, ⌊n/256⌋) (at least 1) blocks of consecutive rows, a
// function of n alone, and every epoch into 8 steps. In step s the blocks
// run in parallel, each walking the edges of the s-th eighth of its own
// vertices in order and drawing its negative samples from a PCG stream
// seeded by (seed, epoch, block). A block updates its own vertices in
// place, immediately, as umap-learn's sequential loop does; it reads other
// blocks' vertices from a snapshot taken at the start of the step; and the
// pulls its edges put on other blocks' vertices are queued and added after
// the step, target block by target block, source blocks in order. Every
// floating-point operation therefore happens in an order fixed by n, the
// graph and the seed, never by scheduling, and the result is bit-identical
// at any GOMAXPROCS.
//
// The price is that other blocks' positions are up to one step old. With
// whole epochs as the step, that staleness cost quality: on the first
// 10,000 Fashion-MNIST training images trustworthiness(10) fell from 0.979
// (one block, umap-learn's order) to 0.976. With 4 steps per epoch it is
// 0.979, with 8 (the choice) 0.979, with 16 0.980, the same as one block
// and as umap-learn (0.9795), as is 10-NN accuracy (0.767–0.771 against
// 0.765); see TestSequentialEquivalentQuality and bench/umap. Reading the
// negative samples from the snapshot costs nothing measurable. The steps
// add two synchronisations each, some 3,200 per 200-epoch fit: tens of
// milliseconds on an idle machine.
//
// Everything else is parallel over fixed chunks of rows (ρ/σ, the graph
// union, the eigensolver's products and its reductions, summed in chunk
// order), and Transform embeds each new row on its own with its own random
// stream, so new rows do not depend on each other or on the thread count.
//
// The layout's inner loop computes d^(2b) with float32 polynomial
// approximations of log2 and exp2 (relative error about 1e-5) instead of
// math.Pow: a fit draws hundreds of millions of samples. In two dimensions
// the attraction of an edge sample and its negative samples are evaluated
// together, eight lanes at a time, by an AVX2/FMA assembly kernel
// (internal/lanes; plain Go on other CPUs, equal to rounding), which made
// the layout 1.7 times faster than scalar Go.
//
// # Performance
//
// bench/umap runs latent and umap-learn 0.5.3 (warm numba, seeded) in the
// same run on Fashion-MNIST, 2 threads, 15 neighbours, min_dist 0.1; on
// the 2-core project machine, otherwise quiet, it measured:
//
//	                         latent      umap-learn
//	fit 10,000 × 784         3.1 s       8.2 s      trustworthiness(10) 0.9793 vs 0.9792
//	fit 70,000 × 784         16.5 s      29.6 s     10-NN accuracy 0.780 vs 0.782
//	  CPU time, all threads  31.8 s      35.0 s
//	  peak memory (max RSS)  0.91 GB     2.72 GB
//	transform 10,000 → 60k   0.92 s      5.7 s      held-out 10-NN accuracy 0.769 vs 0.769
//
// A fit of 1,000,000 rows of 50 values (20 Gaussian clusters) took 253 s
// (495 s of CPU: neighbours 49, spectral start 38, layout 401) with a peak
// of 2.0 GB, where umap-learn users report running out of memory.
//
// # Saved models
//
// Save writes a safetensors weights file (training rows, embedding and
// neighbour graph) and a JSON config (every option, a and b), atomically as
// a pair; Load checks every field of files that may come from anywhere.
// MODEL.md describes the layout.
package umap
