// Package nn is latent's neural-network layer kit: layers with explicit
// forward and backward passes on mat32 matrices, losses that return their
// value and gradient, optimisers, initialisers and the containers a model
// (autoencoder, VAE, GAN) is assembled from.
//
// # Invariants
//
// A batch is a *mat32.Dense with one observation per row, float32. Images
// are rows in HWC order (dataset.ImageShape), so an image batch is NHWC and
// flattening or reshaping between convolutional and dense layers is free:
// there are no Flatten or Reshape layers because there is nothing for them
// to do.
//
// Layer.Forward returns a matrix owned by the layer and reused by the next
// Forward; Backward returns ∂loss/∂input in another owned matrix and adds
// (never overwrites) the parameter gradients into Param.Grad, so a
// training step is ZeroGrads → Forward → loss → Backward → Optimizer.Step.
// Buffers grow to the largest batch seen and are then reused, so a
// training loop allocates no matrices per batch. A layer keeps a reference
// to its input for Backward: the caller must not change it in between.
//
// A layer owns mutable buffers, so one layer (and one model) must not run
// Forward or Backward from two goroutines at once; a server that encodes
// concurrently holds one copy of the model per worker.
//
// Every tensor of a model is a *Param with a dotted name ("enc.0.weight"),
// a shape and float32 data, which maps one-to-one onto a named F32 tensor
// in a safetensors file. Dense stores its weight out×in like PyTorch's
// nn.Linear, so the anchor's PyTorch state dict has the same names and
// shapes; convolution weights keep the channel of the image side last (see
// Conv2D, ConvTranspose2D).
//
// Shape mismatches, Backward without Forward and impossible layer
// parameters are caller bugs and panic with a message starting "nn:".
// Numerical trouble (a NaN loss) is not checked per element; losses return
// NaN and ClipGradNorm returns a non-finite norm for the caller to act on.
// Models that take their configuration from a file validate it first with
// ConvOut, ConvTransposeOut and ParseInit, which return errors.
//
// # Speed
//
// Dense and convolution layers are one GEMM each way (mat32.Sgemm, OpenBLAS
// by default); the convolutions use im2col/col2im around the GEMM, in
// chunks of images whose column buffer stays under 32 MiB. Everything else
// is arranged so that the GEMMs dominate: the bias is written into the
// output before the GEMM accumulates onto it, the activation is fused into
// Dense and the convolutions (applied in place; its derivative and the bias
// gradient computed in one pass), the first layer can skip its input
// gradient (NoInputGrad), and the two passes that scalar Go does slowly —
// the Adam update and the BCE-with-logits loss with its exp and log — are
// AVX2/FMA assembly on amd64 (internal/kern), with Go fallbacks elsewhere
// and a float32 exp/log1p/tanh (fastmath.go) for the remaining loops.
//
// Elementwise passes run on one goroutine unless a matrix holds more than
// 256k values: on the MLP VAE step, splitting the shorter passes into 4k-
// or 16k-value chunks across goroutines changed nothing measurable (7.9 ms
// per step either way, paired runs), so they stay on one goroutine and
// allocate nothing. About 1 ms of the step's 7.9 ms is spent outside the
// GEMMs, half of it in the Adam update over 1.08M parameters, which is
// bound by memory traffic (BenchmarkMLPVAEPhases).
//
// # Determinism
//
// Weights come from initialisers driven by a *rand.Rand (dataset.NewRand),
// and Dropout and Reparam draw from their own *rand.Rand, so one seed gives
// one run. Every reduction nn does itself (loss sums, bias and
// normalisation gradients, batch statistics) is split into chunks fixed
// by the data's shape and combined in order, and mat32 splits each GEMM
// into shape-determined blocks computed by single-threaded BLAS calls, so
// no result depends on the number of threads: the same seed gives the same
// bits on one thread and on many (TestDeterministicAcrossThreads).
package nn
