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
// come from knn.BuildGraph (exact up to n²·d = 1e12, NN-descent beyond); a
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
// re-centred after each step. The points are renumbered internally in the
// Cuthill–McKee order of P, so that neighbours in P sit close in memory.
// The attractive forces are a sparse sum over P; the repulsive forces and
// their normalisation Z are
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
//     (1, y₁, y₂): Z follows from the symmetry of the interpolated kernel,
//     less each point's interpolated self-interaction, computed exactly.
//     The grid spacing moves in quarter octaves and the grid keeps 10%
//     headroom, so the kernel's spectrum is recomputed only about once
//     every 15 iterations.
//
// Auto uses Exact up to AutoExactMax points, FFT in one dimension and in
// two from AutoFFTMin points, Barnes-Hut otherwise.
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
// dsp/fourier transforms one vector at a time at 0.3–0.6 GFLOP/s; the
// gradient needs, per iteration, a complex and a real two-dimensional
// convolution of grids 100–1000 nodes a side. internal/fft runs each
// butterfly across a row of 32 columns with a twiddle constant for the row,
// in AVX2/FMA assembly (radix 2, 3, 4 and 5, two complex values per
// instruction; plain Go elsewhere and with the purego tag), never permutes
// (the forward transform leaves digit-reversed order, which the inverse
// takes), skips the zero padding, fuses forward transform, kernel product
// and inverse transform per column chunk while it is in cache, and packs
// pairs of real columns into complex ones for the real grid
// (BenchmarkConv2: a 180×180 convolution in 0.75 ms of one core, against
// 11 ms with gonum). The attractive term of two-dimensional maps, a
// gather over P's neighbours, also has an AVX2 kernel (0.6 ns an entry
// instead of 1.5; BenchmarkAttract). On the project machine a 10,000-point
// Fashion-MNIST map takes about 6.5 s of CPU time in all (neighbours
// included), 70,000 points about 38 s, with a peak of about 1 GB.
package tsne
