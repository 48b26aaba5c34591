package mat32

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Parallel calls fn on disjoint chunks [lo, hi) that together cover [0, n),
// on up to runtime.GOMAXPROCS(0) goroutines, and returns when all are done.
// Chunks are at least grain long (grain <= 0 means 1) and are handed out
// dynamically, so the chunk boundaries — but not which goroutine runs which
// chunk — are fixed by n and grain alone. A fn that writes only its own
// chunk's outputs is therefore deterministic at any thread count.
func Parallel(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain <= 0 {
		grain = 1
	}
	workers := runtime.GOMAXPROCS(0)
	chunks := (n + grain - 1) / grain
	if workers > chunks {
		workers = chunks
	}
	if workers <= 1 {
		for lo := 0; lo < n; lo += grain {
			fn(lo, min(lo+grain, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo := c * grain
				fn(lo, min(lo+grain, n))
			}
		}()
	}
	wg.Wait()
}

// Grain returns a chunk length for Parallel that gives each of the
// GOMAXPROCS workers about four chunks of n items, and at least minGrain.
func Grain(n, minGrain int) int {
	g := n / (4 * runtime.GOMAXPROCS(0))
	return max(g, minGrain, 1)
}
