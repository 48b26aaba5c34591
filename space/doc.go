// Package space moves through a latent space: straight (lerp) and
// spherical (slerp) interpolation between codes, paths through several
// codes, traversals that vary one dimension, attribute vectors (the mean
// code of one group minus that of another) and Gaussian distributions over
// codes — the standard normal prior of a VAE or a Gaussian fitted to the
// codes of a training set — to sample new codes from.
//
// The package is plain vector arithmetic on float32 codes; it knows nothing
// about models. A model encodes data into codes, space computes new codes,
// and the model decodes them.
//
// # Invariants
//
// Codes are rows of a *mat32.Dense or single []float32 vectors, all of the
// same length d. Results are written into a caller's dst (dst first, as in
// gonum): a nil dst, or an empty *mat32.Dense, is allocated to the right
// size; a dst of another size is a caller bug. Inputs are never modified;
// dst may alias an input vector only where a function says so.
//
// Caller bugs — vectors of different lengths, a dimension out of range,
// fewer than two steps, an unknown Method — panic with a message that
// starts with "space:". Data problems — no rows to average, too few rows or
// non-finite values to fit a Gaussian to, a malformed Gaussian read from a
// file — are returned as errors.
//
// # Determinism
//
// Sampling draws from a *rand.Rand the caller passes (dataset.NewRand gives
// one per seed), a fixed number of values per sample in row order, so the
// same seed gives the same codes.
package space
