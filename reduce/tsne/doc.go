// Package tsne embeds high-dimensional rows in one to three dimensions with
// t-distributed stochastic neighbour embedding (van der Maaten and Hinton
// 2008), following openTSNE (Poličar et al. 2019) in its defaults and
// optimisation, with the FFT-accelerated interpolation gradient of FIt-SNE
// (Linderman et al. 2019) for large maps, Barnes-Hut for three dimensions,
// and Transform to place new rows into a fitted map.
//
// # The algorithm
//
// Affinities: each row's k = min(n−1, 3·perplexity) nearest neighbours
// come from knn.BuildGraph (exact when cheap, NN-descent otherwise); a
// bisection on the Gaussian precision of each row matches the entropy of
// its conditional distribution to ln(perplexity) (or averages several
// perplexities, Options.Perplexities); P = (C + Cᵀ)/Σ is symmetric, sparse,
// and sums to 1. Optionally the rows are first reduced by PCA
// (Options.PCAComponents), as is customary for image data.
//
// Embedding: starting from the PCA of the input scaled to standard
// deviation 1e-4 (or random, or given), gradient descent with momentum and
// delta-bar-delta gains minimises KL(P‖Q), Q the normalised kernel
// (1 + d²/α)^−α of the embedding distances (α = Options.DoF, 1 for the
// Cauchy kernel). The first 250 iterations exaggerate P by 12 with momentum
// 0.5, the next 750 use momentum 0.8; the learning rate is
// max(n/exaggeration, 50) in each phase, in openTSNE's units (the gradient
// without its factor 4); each step is capped at length 5; the embedding is
// re-centred after each step. The attractive forces are a sparse sum over
// P; the repulsive forces and their normalisation Z are
//
//   - Exact: all pairs, O(n²), for up to AutoExactMax points and as the
//     oracle of the others;
//   - BarnesHut: a 2^dims-ary space-partitioning tree of cells of at most 8
//     points, rebuilt each iteration from a radix sort of Morton keys; a cell
//     of side w at distance d from its centre of mass counts as one body
//     when w < θ·d;
//   - FFT: the kernel is interpolated on a regular grid (spacing 0.5,
//     four-point Lagrange stencils centred on each point), the grid
//     convolved with the kernel by zero-padded FFTs, and the potentials
//     interpolated back. Only three charges are needed in two dimensions
//     (1, y₁, y₂): Z follows from the symmetry of the interpolated kernel.
//
// Auto uses Exact up to AutoExactMax points, FFT in one and two
// dimensions and Barnes-Hut in three.
//
// # Accuracy of the gradient methods
//
// On a clustered 600-point embedding spread over ±25 units (the test
// TestApproximateRepulsionAgainstExact), against the exact sums: the total
// relative error of the repulsive forces is below 3% and that of Z below
// 1% for Barnes-Hut at θ = 0.5 (measured 0.4–1.6%, worst in one
// dimension) and for the default FFT grid (measured 1.6–2.2%); Barnes-Hut
// with θ → 0 equals the exact sums to 1e-10, and the FFT method on a grid
// of spacing 0.05 with six-point stencils to 1e-4. The exact gradient
// agrees with central finite differences of the KL divergence.
//
// # Determinism
//
// The same data, Options and Seed give a bit-identical embedding at any
// GOMAXPROCS: the neighbour graph and the randomized PCA are deterministic
// by seed; every parallel loop works on fixed chunks that write disjoint
// outputs; sums across chunks (Z, the KL divergence, the grid charges) are
// reduced in a fixed order; no floating-point atomics, no map iteration.
// Results may differ between machines with and without AVX2.
//
// # Errors and panics
//
// Bad input is an error, never a panic or a NaN embedding: fewer than 4
// rows, NaN/Inf values, all rows identical, perplexity ≤ 0 or ≥ n/3, Dims
// outside 1–3 (FFT: 1–2), out-of-range options, a model file that is
// malformed or from another kind of model, Transform data of the wrong
// width. Zero distances and duplicate rows are handled (affinities of
// equidistant neighbours are uniform). An optimisation that diverges
// returns an error. Cancelling the context returns ctx.Err() within one
// iteration. Caller bugs — a dst of the wrong shape — panic with a message
// starting "tsne:".
//
// # Hand-written kernels
//
// The FFT (internal/fft) is written for this package because gonum's
// dsp/fourier transforms one vector at a time at 0.3–0.6 GFLOP/s, about a
// fifth of the speed of a transform that runs each butterfly across a row
// of columns (BenchmarkConv2); the gradient needs two complex and two real
// two-dimensional transforms of 400–1600 points a side per iteration. The
// Barnes-Hut tree and the interpolation are specific to t-SNE.
package tsne
