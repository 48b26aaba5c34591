// Package formats opens any data file latent reads as a dataset.Dataset and
// writes datasets back out. Each format lives in its own sub-package with a
// codec over io.Reader/io.Writer and a Markdown spec next to it; the
// sub-packages register themselves here, like image formats in package
// image, and the program imports them all through formats/all.
//
// Load picks a format by the name in Options.Format, else by the first
// registered format whose Match accepts the path and its first bytes.
package formats

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/latentlab/latent/dataset"
)

// Options tune how a file is read. The zero value reads with each format's
// defaults.
type Options struct {
	// Format forces a format by name ("npy", "idx", "tsv", ...).
	Format string
	// Labels is a separate file of per-row labels (an IDX labels file, a
	// metadata.tsv, a text file with one label per line, or an integer .npy).
	Labels string
	// LabelColumn names the metadata or CSV column to use as class labels.
	LabelColumn string
	// Columns selects the vector columns of a CSV file: a comma-separated
	// list of names or 0-based indices and ranges such as "2-785". Empty
	// means every numeric column except the label column.
	Columns string
	// Gray converts images to one channel; otherwise images keep three
	// channels (RGB) unless every image in the folder is grayscale.
	Gray bool
	// ResizeW and ResizeH, when both > 0, resize every image to that size.
	ResizeW, ResizeH int
	// MaxRows, when > 0, stops reading after that many rows.
	MaxRows int
}

// Format describes one registered file format.
type Format struct {
	// Name is the short name used in Options.Format and --format flags.
	Name string
	// Description is one line for help texts.
	Description string
	// Match reports whether the format reads path, given up to the first
	// 512 bytes of the file (decompressed when the file is gzip). A
	// directory has head == nil.
	Match func(path string, head []byte) bool
	// Load reads the file (or directory) at path.
	Load func(path string, opt Options) (*dataset.Dataset, error)
	// Save writes d to path, atomically; nil when the format is read-only.
	Save func(path string, d *dataset.Dataset) error
}

var (
	mu       sync.RWMutex
	registry []Format
)

// Register adds a format. It panics if the name is taken.
func Register(f Format) {
	mu.Lock()
	defer mu.Unlock()
	for _, g := range registry {
		if g.Name == f.Name {
			panic("formats: format " + f.Name + " registered twice")
		}
	}
	registry = append(registry, f)
}

// List returns the registered formats in registration order.
func List() []Format {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(registry)
}

// Lookup returns the format called name.
func Lookup(name string) (Format, bool) {
	for _, f := range List() {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// Detect returns the format that reads path.
func Detect(path string) (Format, error) {
	head, err := peek(path)
	if err != nil {
		return Format{}, err
	}
	for _, f := range List() {
		if f.Match != nil && f.Match(path, head) {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("%s: unknown file format (known: %s)", path, strings.Join(names(), ", "))
}

// Load reads path as a dataset.
func Load(path string, opt Options) (*dataset.Dataset, error) {
	var f Format
	if opt.Format != "" {
		var ok bool
		if f, ok = Lookup(opt.Format); !ok {
			return nil, fmt.Errorf("unknown format %q (known: %s)", opt.Format, strings.Join(names(), ", "))
		}
	} else {
		var err error
		if f, err = Detect(path); err != nil {
			return nil, err
		}
	}
	d, err := f.Load(path, opt)
	if err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Save writes d to path in the named format, or the format whose Match
// accepts the path's name when format is "".
func Save(path string, d *dataset.Dataset, format string) error {
	var f Format
	if format != "" {
		var ok bool
		if f, ok = Lookup(format); !ok {
			return fmt.Errorf("unknown format %q (known: %s)", format, strings.Join(names(), ", "))
		}
	} else {
		found := false
		for _, g := range List() {
			if g.Save != nil && g.Match != nil && g.Match(path, nil) {
				f, found = g, true
				break
			}
		}
		if !found {
			return fmt.Errorf("%s: cannot tell the output format from the name; use --format", path)
		}
	}
	if f.Save == nil {
		return fmt.Errorf("%s: format %s cannot be written", path, f.Name)
	}
	return f.Save(path, d)
}

func names() []string {
	var n []string
	for _, f := range List() {
		n = append(n, f.Name)
	}
	return n
}

// peek returns the first bytes of path, decompressed if it is gzip, or nil
// for a directory.
func peek(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, nil
	}
	buf := make([]byte, 512)
	n, err := io.ReadFull(fh, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	buf = buf[:n]
	if IsGzip(buf) {
		zr, err := gzip.NewReader(bytes.NewReader(buf))
		if err == nil {
			out := make([]byte, 512)
			m, _ := io.ReadFull(zr, out)
			return out[:m], nil
		}
	}
	return buf, nil
}

// IsGzip reports whether head starts with the gzip magic number.
func IsGzip(head []byte) bool { return len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b }

// HasSuffix reports whether path ends in one of the suffixes, ignoring case
// and a trailing ".gz".
func HasSuffix(path string, suffixes ...string) bool {
	p := strings.ToLower(strings.TrimSuffix(strings.ToLower(path), ".gz"))
	for _, s := range suffixes {
		if strings.HasSuffix(p, strings.ToLower(s)) {
			return true
		}
	}
	return false
}
