//go:build unix

// Package proc reads what the running benchmark process has used so far:
// CPU time (user plus system, all threads) and peak resident memory. On a
// machine shared with other work, CPU time says what a run cost when wall
// time says only how busy the machine was.
package proc

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time the process has used, user plus system, or
// 0 when the system does not say.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// MaxRSS returns the process's peak resident memory in MiB (getrusage's
// ru_maxrss, kilobytes on Linux), or -1 when the system does not say.
func MaxRSS() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return float64(ru.Maxrss) / 1024
}
