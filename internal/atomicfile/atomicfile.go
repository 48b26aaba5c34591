// Package atomicfile writes files so that a reader, a crash or a cancelled
// command never sees a half-written one: data goes to a temporary file in
// the same directory, is synced, and is renamed over the target only when
// complete.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File is a pending atomic write: a buffered writer on a temporary file
// that becomes path on Commit. Create one with Create; call exactly one of
// Commit or Abort (Abort after Commit does nothing, so `defer f.Abort()` is
// the usual pattern).
type File struct {
	*bufio.Writer
	f    *os.File
	path string
	tmp  string
	done bool
	// NoSync skips the fsync before the rename. The rename is still atomic
	// (a reader sees the old or the new file), but after a power failure
	// the new file may be empty. For writing many small files, followed by
	// one SyncDir or syscall.Sync.
	NoSync bool
}

// Create starts an atomic write of path.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &File{Writer: bufio.NewWriterSize(f, 1<<20), f: f, path: path, tmp: f.Name()}, nil
}

// Name returns the target path.
func (a *File) Name() string { return a.path }

// Commit flushes, syncs and renames the temporary file over the target.
// On error the temporary file is removed and the target left untouched.
func (a *File) Commit() error {
	if a.done {
		return fmt.Errorf("%s: atomic write already finished", a.path)
	}
	err := a.Flush()
	if err == nil && !a.NoSync {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(a.tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(a.tmp, a.path)
	}
	a.done = true
	if err != nil {
		os.Remove(a.tmp)
		return fmt.Errorf("%s: %w", a.path, err)
	}
	if !a.NoSync {
		SyncDir(filepath.Dir(a.path))
	}
	return nil
}

// Abort discards the temporary file. It does nothing after Commit.
func (a *File) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.tmp)
}

// Write creates or replaces path with what write produces. If write returns
// an error (or panics), the target is left untouched and the temporary file
// removed. The writer passed to write is buffered.
func Write(path string, write func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}

// WriteBytes atomically replaces path with data.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// SyncDir makes renames in dir durable; errors are ignored because some
// file systems do not support syncing a directory.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
