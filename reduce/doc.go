// Package reduce is the parent of latent's dimension reductions, one
// sub-package each: pca (exact, randomized and incremental principal
// component analysis), and the neighbour-embedding methods that build on it.
// Each has an options struct with documented defaults, a Fit that refuses
// bad input with an error, and, where the method allows it, a Transform for
// new rows and a saved model.
package reduce
