package proc

import (
	"runtime"
	"testing"
)

// TestUsage: busy work shows as CPU time, and a live allocation as
// resident memory.
func TestUsage(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("getrusage units checked on Linux only")
	}
	before := CPUTime()
	x := 0.0
	for i := 0; i < 50_000_000; i++ {
		x += float64(i % 7)
	}
	if CPUTime() <= before || x == 0 {
		t.Fatalf("CPU time did not grow: %v → %v", before, CPUTime())
	}
	b := make([]byte, 64<<20)
	for i := range b {
		b[i] = 1
	}
	if m := MaxRSS(); m < 64 {
		t.Fatalf("peak RSS %.0f MiB with 64 MiB live", m)
	}
	runtime.KeepAlive(b)
}
