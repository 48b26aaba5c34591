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
// the metric's units — true euclidean distance (not squared), 1 − cos,
// −x·y for inner product, or the Manhattan (L1) distance Σ|x−y|, so that
// smaller is always nearer. The graph of a set leaves out each row itself
// but keeps its exact duplicates (at distance 0).
//
// # Metrics
//
// Euclidean, Cosine, InnerProduct and Manhattan (ParseMetric also takes
// "l2", "angular", "dot", "l1", "cityblock" and "taxicab"). Every search —
// Exact, ExactGraph, BuildGraph by either method, GraphIndex, the HNSW
// index — takes each of them.
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
// does. Manhattan has no such GEMM identity: its exact search computes
// every distance directly with mat32's AVX2 L1 kernel, one query against a
// tile of 64 KiB of base rows per call, the queries of each block split
// among the threads; each query keeps the k least (distance, index) pairs,
// so the result does not depend on the split. On Fashion-MNIST (60,000 base images, 10,000 queries, 784 values,
// k=10) one thread spends 8.1 CPU-seconds where faiss's IndexFlatL2 spends
// 8.7 (bench/knn; both run the same OpenBLAS GEMM, which is 90% of the
// time).
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
//
// NN-descent rather than an HNSW-based graph (build an index, then query
// every point) was chosen by measurement (bench/knn -graph, k=15, recall
// against exact search on 1,000 sampled rows, CPU seconds because the
// shared machine's wall times swing 5×): on the 70,000 Fashion-MNIST images
// NN-descent costs 5.2 CPU-s at recall 0.9935, the HNSW-based graph (M=16,
// ef_construction=100, ef=30) 29.0 CPU-s at 0.9870 — and only NN-descent
// parallelises without losing determinism. On 1,000,000 generated 50-d
// points (bench/knn's blobs) it costs 28.7 CPU-s at recall 0.9923 (an
// estimated 15 s of wall time on two idle cores). Against pynndescent on the same 200,000
// clustered 50-d points (max_candidates=60, 2 threads): 4.7 CPU-s for
// recall 0.9982 against pynndescent's 14.4 CPU-s for 0.9977; on isotropic
// 50-d clusters, where exact neighbours are nearly equidistant, 7.8 CPU-s
// for 0.911 against 20.5 CPU-s for 0.928.
package knn
