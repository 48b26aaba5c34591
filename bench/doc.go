// Package bench holds latent's side-by-side benchmarks: one command per hot
// path (bench/gemm, bench/knn, bench/pca, ...) that measures latent and runs
// the matching reference script from ../shared/anchors in the same run, then
// prints both figures in the anchor's units and their ratio. Absolute times
// drift on shared machines; only ratios from one run are quoted.
//
// Run one with, for example:
//
//	go run ./bench/gemm
//	go run ./bench/gemm -anchors ../shared/anchors -skip-anchor
package bench
