//go:build !linux

package weaviatetest

import (
	"errors"
	"syscall"
	"time"
)

// sysProcAttr sets nothing outside Linux.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// lockFile does not lock outside Linux: concurrent builds there may both
// run, and the second install replaces the first binary.
func lockFile(path string) (func(), error) { return func() {}, nil }

// cpuTime is not measured outside Linux.
func cpuTime(pid int) (time.Duration, error) {
	return 0, errors.New("CPU time of another process: Linux only")
}
