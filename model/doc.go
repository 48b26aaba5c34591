// Package model builds latent spaces: autoencoders (AE, denoising DAE), the
// variational family (VAE, β-VAE with KL warm-up and free bits, conditional
// CVAE) and a GAN (MLP or a small DCGAN with the non-saturating loss), with
// fully connected networks for any data and convolutional ones for images,
// trained with a loop that validates, stops early, checkpoints, resumes and
// survives Ctrl-C. Every model implements Model: Encode, Decode, Sample,
// Prior, and a model card.
//
// # Invariants
//
// Rows are observations, in the units of the training data. A model holds
// the normaliser fitted on its training rows (Config.Normalizer): Encode
// applies it to a copy of its input and Decode inverts it, so callers never
// see normalised values. Inputs are never modified. Encode and Decode check
// their input — column count, finite values, one class per row for a CVAE
// — and return errors; Train and Load check the data, the options and the
// files and return errors that name the file or the data and the problem.
// Only caller bugs panic, with messages starting "model:".
//
// Models serialise their calls (a mutex), because nn layers own their
// buffers; load one model per goroutine for parallel encoding.
//
// # Objective
//
// Per batch of B rows, summed over the batch as anchors/bench_vae.py and
// PyTorch's VAE example do (nats per batch for Bernoulli data):
//
//	recon    Σ BCE(sigmoid(logits), x)            (Bernoulli, data in [0, 1])
//	         ½ Σ (x̂ − x)²                        (Gaussian with unit variance)
//	KL       β_t · Σ_rows Σ_j KL(N(μ_j, σ_j²) ‖ N(0, 1))            (VAE, CVAE)
//	         β_t · B · Σ_j max(KL_j, λ)           with free bits λ (KL_j per row)
//	neighbour (w/L) · Σ_j A_j / S_j                (see below)
//
// β_t = Beta · min(1, t / (WarmupEpochs · batches per epoch)) at step t,
// or Beta without warm-up. Noise > 0 trains on inputs with Gaussian noise
// added (clipped to [0, 1] for Bernoulli data) against the clean rows: a
// denoising autoencoder (DAE defaults it to 0.3). WeightDecay is AdamW's
// decoupled decay of the weights (biases and normalisation parameters are
// exempt). Reconstructions in the history and metrics use the same sums,
// divided by the number of rows.
//
// The neighbour-preserving term pulls together the codes of rows that are
// neighbours in input space. Before training, the k-nearest-neighbour
// graph of the (normalised) training rows is built with knn.BuildGraph
// (exact, or NN-descent for large data); each batch row i is paired with
// one of its k neighbours drawn at random, the pairs are encoded together
// (2B codes μ), and for each code dimension j
//
//	A_j = Σ_i (μ_ij − μ_partner(i),j)²,   S_j = (2/2B) Σ_a (μ_aj − μ̄_j)²,
//
// S_j being the mean squared distance along j between any two of the
// batch's 2B codes. The term is (w/L)·Σ_j A_j/S_j: w·B times the mean over
// dimensions of the neighbours' squared distance relative to the spread.
// Dividing each dimension by its own spread is what prevents collapse: the
// term does not change when a dimension is scaled, so it gains nothing from
// shrinking the space toward a point (which the raw Σ A_j does, the
// decoder scaling its weights up to compensate), nor from shrinking all
// dimensions but one (which a single ratio of sums rewards). Its gradient
// pulls partners together and, through S_j, pushes all codes apart along j.
// TestNeighborTerm shows the raw form shrinking the codes and this one
// keeping their spread while bringing neighbours closer. The term adds
// one encoder pass over the B partners per batch.
//
// GAN: per batch one discriminator step on B real rows (target 1) and B
// generated ones (target 0), then one generator step on the same codes
// minimising −log D(G(z)) (the non-saturating loss), Adam with β₁ = 0.5.
//
// # Architectures
//
// MLP: Dense layers of the widths Config.Hidden with ReLU (or the
// configured activation), the decoder mirroring them. Conv: stride-2 4×4
// convolutions with padding 1 (Config.Channels; each halves the image's
// side), then the Hidden dense layers; the decoder is a Dense layer to the
// last feature map followed by transposed convolutions back to the image
// (output padding chosen so that odd sides come back exactly). The VAEs
// have two linear heads, "mu" and "logvar"; AE and DAE one, "mu" (the
// code). A CVAE appends the one-hot class to the features the heads read
// and to the code the decoder reads. A GAN's discriminator uses LeakyReLU
// 0.2 and a linear logit; a conv GAN's generator has batch normalisation
// after each layer but the last (DCGAN). The decoder's last layer is
// linear: its output is logits (Bernoulli, the sigmoid is folded into the
// loss) or means (Gaussian); a GAN's generator ends in a sigmoid for
// Bernoulli data. Weights are initialised as PyTorch initialises Linear and
// Conv layers, from the seed.
//
// # Files
//
// A model is a pair of files written atomically by
// safetensors.WriteModel: NAME.safetensors holds the tensors, named as in
// nn ("enc.0.weight", "mu.bias", "dec.2.weight", "gen.1.running_mean"),
// in F32 or, on request, F16 or BF16; NAME.json holds the Config, the model
// card (training data, options and seed, per-epoch history, metrics, the
// Gaussian fitted to the training codes) and the weights' SHA-256. Load
// checks the config against limits and for consistency, checks that the
// weights file holds at least the values the config describes before
// allocating them, and then every tensor's presence, type, shape and
// finiteness; a tensor the model does not use is an error too. A training
// checkpoint, NAME.ckpt.safetensors beside it, also holds the optimiser
// state ("opt0.…"), the best weights ("best.…") and the training state.
//
// # Training
//
// Train splits the rows (dataset.SplitIndices, stratified by label),
// shuffles each epoch with its own seeded stream, and after each epoch
// records the training and validation losses and their parts, writes the
// checkpoint and, when the validation loss improved, the model file.
// Patience stops it early; the model keeps the weights of its best epoch.
// Cancelling the context finishes the current batch and writes a
// checkpoint that Resume continues from, in the middle of the epoch. A
// loss or gradient that is not finite stops training before the update,
// with a *NaNError naming the epoch and batch, and leaves the files of the
// last good epoch in place.
//
// # Determinism
//
// Every random draw comes from dataset.NewRand(seed, stream) with a stream
// per purpose and, inside training, per (epoch, batch): the initial weights,
// the split, each epoch's shuffle, each batch's ε, noise and partners. The
// nn layers reduce in fixed chunks. So one seed, one thread count and one
// BLAS give bit-identical weights, and a run resumed from any checkpoint
// gives the weights of the run that was not interrupted
// (TestSeededTrainingIdentical, TestResumeExact). Across thread counts
// results agree to rounding only (OpenBLAS blocks its GEMMs by thread
// count; see package nn).
//
// # Speed
//
// Training is nn's layers with nothing in between that copies more than a
// batch: rows are gathered into a reused batch buffer, the losses write
// their gradients in place, and the elementwise passes are fused into the
// GEMM layers. The anchor's MLP VAE (784-512-256-20, batch 128) runs an
// epoch of the 60,000 Fashion-MNIST images at about a third of PyTorch's
// time on the same two cores; bench/vae measures it next to
// anchors/bench_vae.py, with the test figures of both.
package model
