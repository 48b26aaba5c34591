package model

// Random streams. Every random choice of a run comes from
// dataset.NewRand(seed, stream) with one of these streams, so a seed fixes
// the whole run, and the per-batch streams (shuffling per epoch; noise,
// ε and neighbour draws per batch) let a run resumed from a checkpoint in
// the middle of an epoch draw exactly what the uninterrupted run drew.
const (
	streamInit         uint64 = 1 // weight initialisation
	streamPrior        uint64 = 2 // Sample
	streamEval         uint64 = 3 // Evaluate's sampled codes
	streamEncodeSample uint64 = 4 // SampleCodes
	streamVal          uint64 = 5 // validation loss's sampled codes
	streamSplit        uint64 = 6 // train/validation split (seed offset)

	purposeShuffle  uint64 = 1
	purposeEps      uint64 = 2
	purposeNoise    uint64 = 3
	purposeNeighbor uint64 = 4
	purposeGANNoise uint64 = 5
)

// batchStream returns the stream of one purpose in one batch of one
// epoch (batch −1 for per-epoch draws such as the shuffle).
func batchStream(purpose uint64, epoch, batch int) uint64 {
	return 1<<63 | purpose<<56 | uint64(epoch)<<28 | uint64(batch+1)&(1<<28-1)
}
