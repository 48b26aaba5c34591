package formats

import (
	"fmt"
	"sync"
)

// LabelsReader reads per-row class labels from a labels file of one
// format. Packages that read such files register one with RegisterLabels.
type LabelsReader struct {
	// Name names the format in errors and help texts.
	Name string
	// Match reports whether the reader takes a file that starts with head
	// (its first 512 bytes, decompressed when the file is gzip).
	Match func(head []byte) bool
	// Read returns one label per row; an empty string means no label.
	Read func(path string) ([]string, error)
	// Fallback marks the reader used when no other matches, whatever its
	// Match says, so that its errors explain the refusal (text files with
	// one label per line have no magic number to match).
	Fallback bool
}

var (
	labelsMu      sync.RWMutex
	labelsReaders []LabelsReader
)

// RegisterLabels adds a labels reader. It panics if the name is taken.
func RegisterLabels(r LabelsReader) {
	labelsMu.Lock()
	defer labelsMu.Unlock()
	for _, o := range labelsReaders {
		if o.Name == r.Name {
			panic("formats: labels reader " + r.Name + " registered twice")
		}
	}
	labelsReaders = append(labelsReaders, r)
}

// ReadLabels reads a labels file of any registered kind — an IDX labels
// file (plain or gzip), an integer .npy array, a text file with one label
// per line — and returns one label per row. The reader is chosen by the
// file's first bytes; a file no reader takes is an error naming it.
func ReadLabels(path string) ([]string, error) {
	head, err := peek(path)
	if err != nil {
		return nil, err
	}
	if head == nil {
		return nil, fmt.Errorf("%s: labels file is a folder", path)
	}
	labelsMu.RLock()
	var pick, fallback *LabelsReader
	for i := range labelsReaders {
		r := &labelsReaders[i]
		if r.Fallback {
			if fallback == nil {
				fallback = r
			}
			continue
		}
		if pick == nil && r.Match(head) {
			pick = r
		}
	}
	labelsMu.RUnlock()
	if pick == nil {
		pick = fallback
	}
	if pick == nil {
		return nil, fmt.Errorf("%s: not a labels file latent reads (IDX, integer .npy, or text with one label per line)", path)
	}
	return pick.Read(path)
}
