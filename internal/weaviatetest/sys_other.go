//go:build !linux

package weaviatetest

import "syscall"

// sysProcAttr sets nothing outside Linux.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// lockFile does not lock outside Linux: concurrent builds there may both
// run, and the second install replaces the first binary.
func lockFile(path string) (func(), error) { return func() {}, nil }
