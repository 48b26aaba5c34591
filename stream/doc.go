// Package stream projects data larger than memory: it fits PCA, UMAP or
// t-SNE on a seeded sample of the rows, then places every other row with
// the fitted model's transform, a batch at a time, reading from a .npy file
// (formats/npy's row reader) or from a Weaviate collection (its cursor),
// and writing the coordinates to a .npy file or back to the collection.
//
// # Invariants
//
//   - Memory is bounded by the batch and the sample, not by the number of
//     rows: one batch of input and output, the sample and the model.
//   - The sample is dataset.SampleIndices(n, Sample, Seed): the same input
//     and options give the same sample, model and coordinates. Sampled rows
//     get the coordinates of the fit (UMAP's and t-SNE's embedding, PCA's
//     projection); the others the transform.
//   - The output of a resumed run equals that of an uninterrupted one:
//     the model is saved after the fit and read back on resumption, and the
//     batches of a .npy input are cut at positions that depend only on the
//     number of rows and the batch size (UMAP's transform runs more epochs
//     for runs of at most 10,000 rows, so the cut matters). A collection is
//     read in pages of at most 10,000 objects, so every UMAP transform
//     there is of the small kind.
//   - Output files appear only complete: coordinates go to OUT.partial,
//     renamed to OUT at the end; with a checkpoint, each batch is synced
//     before the checkpoint (see ../weaviate/FORMAT.md) records it.
//   - Bad input (a file that is not a C-order .npy, NaN values in the
//     sample, an empty collection, a checkpoint of another job) is an error
//     naming the file or collection; nothing panics on it.
//
// # Performance
//
// bench/weaviate on 2 cores: UMAP of 10,000,000 generated 50-d points from
// a 2.0 GB .npy, fitted on 20,000 rows (2.4 s) and transformed in batches
// of 65,536 at 64,417 rows/s with a peak resident memory of 124 MB;
// umap-learn 0.5.3 in the same run transformed 200,000 rows of the same
// file at 2,179 rows/s with 2,374 MB.
package stream
