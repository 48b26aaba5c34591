//go:build amd64 && !purego

package lanes

import "golang.org/x/sys/cpu"

// Enabled reports whether Step runs the AVX2/FMA assembly.
var Enabled = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Step computes the eight lanes of l.
func Step(l *Batch) {
	if Enabled {
		stepAVX2(l)
		return
	}
	StepGo(l)
}

//go:noescape
func stepAVX2(l *Batch)
