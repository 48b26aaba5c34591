// Package report builds the HTML report on a model, or on two models side
// by side (the AE-against-VAE view): one self-contained page with the
// model cards, training curves, reconstructions, samples from the prior,
// lerp and slerp interpolations, traversals, PCA / t-SNE / UMAP maps of
// the codes coloured by label, KL per dimension, and a metrics table with,
// for two models, a one-line verdict per metric.
//
//	r, err := report.Build(ctx, data, []report.Subject{{Name: "ae", Model: ae}, {Name: "vae", Model: vae}}, report.Options{Seed: 1})
//	err = r.WriteDir("latent-report", false) // latent-report/index.html and report.json
//
// # What is measured
//
// Every figure and metric is computed on the same rows: the data's, or
// Options.MaxPoints of them drawn without replacement with the seed. The
// codes are the encoder's means μ. With n rows, d values per row and k
// neighbours (Options.K):
//
//   - Reconstruction MSE and BCE: metrics.MSE and metrics.BCE of decode(μ)
//     against the rows, per value (BCE only when both are in [0, 1]).
//   - −ELBO and KL (VAEs): the model's own objective on the rows, in nats
//     per row, with one code sampled per row (model.Autoencoder's
//     Evaluate); KL per dimension: ½(μ_j² + σ_j² − log σ_j² − 1) averaged
//     over the rows, computed from the encoder's output.
//   - Active units: dimensions j with Var over the rows of μ_j above
//     ActiveVariance (Burda et al. 2016), defined for every model; for
//     VAEs also the dimensions with KL above 0.01 nats.
//   - Trustworthiness and continuity of the codes as an embedding of the
//     rows, and the kNN accuracy of the codes (stratified 5-fold, seed):
//     metrics.Neighborhood and metrics.KNNAccuracy with k.
//   - Smoothness: metrics.Smoothness over Options.SmoothPairs pairs of
//     rows drawn with the seed (the same pairs for every model, lerp and
//     slerp), Options.SmoothSteps decoded points per pair; the midpoint
//     reference set is the rows used, all of them (ReferenceSample −1). The
//     table shows the mean of max_j d_j / mean_j d_j (and its maximum)
//     and the mean midpoint ratio; the detail table adds the anchor's
//     step_ratio = max_j d_j / Σ_j d_j (our ratio / (T − 1)), straightness
//     and step_cv, as anchors/bench_interp.py defines them (TestAnchorInterp
//     runs that script's code and metrics.Smoothness on the same decoders
//     and pairs: they agree pair by pair to 3e-6).
//   - Train/validation gap: from the model card's history, validation
//     minus training loss at the best epoch, both as reconstruction + KL
//     (unweighted by β, without the neighbour term); when the card has no
//     validation losses, the loss measured on the report's rows minus the
//     last epoch's training loss, which is a held-out gap only if those
//     rows were not trained on (the page says which it is).
//   - Maps: PCA (2 components), t-SNE (perplexity min(30, n/3 − 1), the
//     package's other defaults) and UMAP (15 neighbours, the package's
//     defaults) of μ, each with its trustworthiness against μ.
//
// Verdicts compare the two models' values of each ranked metric (higher or
// lower is better, as each row says); values within EvenTolerance of each
// other (relative; for the train/validation gap, relative to the training
// loss) are called even. The smoothness and midpoint rows are
// averages over the same random pairs for both models, so their verdict is
// a paired one: even unless the mean of the per-pair differences exceeds
// twice its standard error. Descriptive rows (KL, active units, training
// time) are not ranked.
//
// # Invariants
//
// The page needs nothing but itself: styles are inline, every image is a
// PNG data: URI, there is no script, and nothing is fetched. The same
// models, data and options give the same page, byte for byte, at a given
// thread count (t-SNE and UMAP are bit-identical at any thread count;
// BLAS-backed encoders agree to rounding).
//
// Bad input is an error, never a panic: no model or more than MaxModels,
// a model whose input width differs from the data's ("model M reads rows
// of 784 values (28x28x1) but D has 50 values per row"), data with NaN or
// ±Inf values, too few rows, an unknown projection method. What a model
// or the data cannot show is left out with a note on the page instead:
// image views of rows that are not images (errors.Is(err, viz.ErrNotImage)),
// maps and code metrics of a model without an encoder (a GAN, whose
// smoothness is then measured between samples of its prior), samples of an
// autoencoder without a fitted Gaussian, label views without labels.
// Build stops with ctx.Err() when ctx is cancelled.
//
// WriteDir never leaves a half-written report: a new folder is built under
// a temporary name and renamed into place; an existing folder must be
// empty unless force is set, and then only index.html and report.json are
// replaced (each atomically), other files left alone. CheckDir runs the
// same checks before any work, so that a command can refuse early.
//
// A conditional model (CVAE) encodes and reconstructs the rows with their
// classes and decodes generated codes (samples cycle through the classes;
// paths and traversals) with its first class.
package report
