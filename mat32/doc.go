// Package mat32 is latent's dense float32 matrix and the one place that owns
// numeric kernels: GEMM, dot products, squared distances, row norms and
// reductions, and the row-parallel loop every other package uses.
//
// # Invariants
//
// A Dense is row-major and rows are observations: row i is
// Data[i*Cols:(i+1)*Cols]. There is no stride; a view of a contiguous range
// of rows (Slice) shares the backing array and costs nothing. Functions write
// their result into a caller-supplied dst; a nil or zero-sized dst is
// allocated with the right shape. Inputs are never modified unless they are
// also the dst.
//
// Caller bugs — shape mismatches, out-of-range indices — panic with a message
// that starts with "mat32:". Data-dependent conditions (NaN, Inf) are not
// checked here; callers that must refuse them use CountNonFinite.
//
// # GEMM route
//
// Matrix products go to OpenBLAS's cblas_sgemm through cgo when the package is
// built with cgo (the default). On the project machine (2 cores, Zen 4)
// OpenBLAS 0.3.21 reaches 120-210 GFLOP/s on the shapes latent uses, the same
// as numpy (which calls the same library), while gonum's pure-Go blas32 reaches
// 22-26 GFLOP/s and a hand-written AVX2 kernel 65-177: only OpenBLAS meets the
// "within 20% of numpy" bar on every shape, so it is the default. Building
// with the "purego" tag (or with CGO_ENABLED=0) swaps in gonum's blas32, so
// the module still builds where libopenblas-dev is absent, about 8× slower
// on GEMM-bound work. BLAS reports which route was compiled in.
//
// Products are split into blocks of rows or columns whose shapes depend only
// on the product's shape, and each block is one single-threaded BLAS call
// run on a goroutine (OpenBLAS's own threading is switched off). So a
// product is bit-identical on one thread and on many, which latent's
// "same seed, same output at any --threads" promise rests on; OpenBLAS's
// threading would change the rounding of about one element in ten. Measured
// against OpenBLAS's threading on the shapes above, the blocks run at
// 0.9–1.3× its speed. SetThreads sets the number of threads (GOMAXPROCS).
//
// # Vector kernels
//
// Dot, SqDist and Axpy on long vectors use hand-written AVX2/FMA assembly on
// amd64 CPUs that have it (about 5× a plain Go loop at 784 dimensions; a cgo
// call into BLAS costs more than the work for short vectors), and plain Go
// elsewhere. Results are the same to rounding, not bit-identical, between the
// two; within one machine they are deterministic.
package mat32
