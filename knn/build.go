package knn

import (
	"context"
	"fmt"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Method chooses how BuildGraph finds neighbours.
type Method int

const (
	// Auto searches exactly when that is cheap (see ExactBudget) and uses
	// NN-descent otherwise.
	Auto Method = iota
	// ExactMethod computes the exact graph by blocked GEMM.
	ExactMethod
	// NNDescent builds an approximate graph by nearest-neighbour descent.
	NNDescent
)

// String returns the method's name.
func (m Method) String() string {
	switch m {
	case Auto:
		return "auto"
	case ExactMethod:
		return "exact"
	case NNDescent:
		return "nndescent"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ExactBudget is the largest n²·d for which Auto computes the exact graph.
// At 2e10 — 20,000 rows of 50 values, 5,000 rows of 784 — the exact graph
// costs about one CPU-second; beyond it NN-descent is 5-13× cheaper at
// recall ≥ 0.999 (measured on clustered data: 50,000×50 exact 6.3 CPU-s,
// NN-descent 1.1 CPU-s at recall 0.9997; 25,000×784 exact 14.1 CPU-s,
// NN-descent 1.1 CPU-s at recall 0.9999). Under Manhattan, whose exact
// search computes every distance directly, a graph at the budget costs
// about 1 CPU-second on 784-value rows, 2 on 50-value rows and 5 on
// 16-value rows (BenchmarkExactManhattan).
const ExactBudget = 2e10

// GraphOptions tune BuildGraph. The zero value builds a euclidean graph,
// exactly when cheap, with seed 0.
type GraphOptions struct {
	// Metric is the metric to rank by.
	Metric Metric
	// Method picks exact or approximate search; Auto decides by size.
	Method Method
	// ExactBudget is the largest n²·d for which Auto searches exactly;
	// 0 means the package's ExactBudget. Exact search costs the same at
	// any k while NN-descent grows with k, so callers that ask for many
	// neighbours (t-SNE's 3 × perplexity) raise it.
	ExactBudget float64
	// Seed fixes the random choices of the approximate builder. The same
	// data, k, options and seed give the same graph at any thread count.
	Seed uint64
	// NNDescent tunes the approximate builder.
	NNDescent NNDescentOptions
	// Progress, when not nil, receives reports as the work advances.
	Progress progress.Func
}

// BuildGraph returns the k-nearest-neighbour graph of the rows of x, each
// row's own index left out (duplicates of it are kept, at distance 0). It is
// the neighbour graph t-SNE, UMAP and the quality metrics start from.
//
// The result is deterministic: for a given x, k and opt it is bit-identical
// at any GOMAXPROCS, for both methods.
//
// Bad input is an error: k <= 0 or k >= x.Rows, NaN/Inf values, zero
// vectors under Cosine. Cancelling ctx returns ctx.Err() within one block
// of work (well under a second on the benchmark sizes).
func BuildGraph(ctx context.Context, x *mat32.Dense, k int, opt GraphOptions) (*Graph, error) {
	opt.Metric.check("BuildGraph")
	if err := checkInput(x, "data", 2); err != nil {
		return nil, err
	}
	if k <= 0 || k >= x.Rows {
		return nil, fmt.Errorf("knn: k=%d: want 1 <= k < %d (the number of rows)", k, x.Rows)
	}
	method := opt.Method
	if method == Auto {
		method = NNDescent
		budget := opt.ExactBudget
		if budget <= 0 {
			budget = ExactBudget
		}
		if float64(x.Rows)*float64(x.Rows)*float64(x.Cols) <= budget {
			method = ExactMethod
		}
	}
	switch method {
	case ExactMethod:
		return exact(ctx, x, x, k, true, ExactOptions{Metric: opt.Metric, Progress: opt.Progress})
	case NNDescent:
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nnDescent(ctx, x, k, opt.Metric, opt.Seed, opt.NNDescent, opt.Progress)
	}
	panic(fmt.Sprintf("knn: BuildGraph: invalid method %d", int(method)))
}
