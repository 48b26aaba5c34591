// Package knn finds nearest neighbours: exact k-NN by blocked GEMM, the
// k-nearest-neighbour graph of a set (exact or by NN-descent) that t-SNE,
// UMAP and the quality metrics start from, and queries by label or by
// vector arithmetic on labelled embeddings. The HNSW index for repeated
// approximate queries is in the sub-package knn/hnsw.
//
// # Invariants
//
// Rows are observations. Every search returns a Graph: K neighbours per
// query row, nearest first, ties broken by the lower index, distances in
// the metric's units — true euclidean distance (not squared), 1 − cos, or
// −x·y for inner product, so that smaller is always nearer. The graph of a
// set leaves out each row itself but keeps its exact duplicates (at
// distance 0).
//
// Inputs are never modified. Bad data is an error that names the set and
// the problem: k out of range, an empty set, a column mismatch, NaN/Inf
// values (count and first row), zero vectors under the cosine metric.
// Caller bugs — an invalid Metric or Method, malformed graphs passed to
// Graph methods — panic with a message starting "knn:".
//
// # Determinism
//
// Exact searches and BuildGraph are deterministic: the same data, k,
// options and seed give a bit-identical graph at any number of threads.
// NN-descent draws its random choices from hashes of (seed, round, entry)
// instead of a shared stream, builds each random-projection tree from its
// own seeded stream, and applies the updates found in parallel partition
// by partition in a fixed order; the kept neighbours are the k best
// distinct candidates under a total order, whatever the order they arrive.
//
// # Exact search
//
// Exact computes ‖y‖² − 2x·y (or x·y) for blocks of 512 queries × 4096
// base rows with one GEMM each (OpenBLAS, see package mat32), scans each
// block row with a bounded heap, and re-ranks the best k + max(k, 8)
// candidates with directly computed distances, so duplicates come out at
// exactly 0 and ties resolve by index as the float64 oracle in the tests
// does.
//
// # The graph builder
//
// BuildGraph uses the exact search when n²·d <= ExactBudget and NN-descent
// otherwise (Dong, Charikar and Li, 2011, with the random-projection-tree
// initialisation of pynndescent): leaves of a forest of RP trees seed each
// point's list, then rounds of local joins between sampled new and old
// candidates (forward and reverse neighbours) refine it until fewer than
// Delta·n·k entries change. The first tree's leaf order also renumbers the
// points for the duration of the build so that neighbours sit near each
// other in memory, which matters once the data outgrow the caches.
package knn
