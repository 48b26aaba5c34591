//go:build !amd64 || purego

package lanes

// Enabled reports whether Step runs assembly: never on this platform.
const Enabled = false

// Step computes the eight lanes of l.
func Step(l *Batch) { StepGo(l) }
