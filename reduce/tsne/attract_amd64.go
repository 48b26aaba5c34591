//go:build amd64 && !purego

package tsne

import "golang.org/x/sys/cpu"

// useAVX2 reports whether the attractive term of two-dimensional maps runs
// in the AVX2/FMA assembly of attract_amd64.s.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func attract2AVX(y *float64, cols *int32, vals *float32, n int, yi *float64, out *float64)
