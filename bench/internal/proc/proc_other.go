//go:build !unix

// Package proc reads what the running benchmark process has used so far;
// on this system it cannot.
package proc

import "time"

// CPUTime returns 0: the system does not say.
func CPUTime() time.Duration { return 0 }

// MaxRSS returns -1: the system does not say.
func MaxRSS() float64 { return -1 }
