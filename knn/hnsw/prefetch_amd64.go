//go:build amd64 && !purego

package hnsw

// prefetch asks the CPU to start loading the first 256 bytes at p into the
// caches; the hardware prefetcher follows the rest of a vector once the
// distance kernel streams through it.
//
//go:noescape
func prefetch(p *float32)
