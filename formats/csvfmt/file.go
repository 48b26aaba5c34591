package csvfmt

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/tsv"
	"github.com/latentlab/latent/internal/atomicfile"
)

func init() {
	formats.Register(formats.Format{
		Name:        "csv",
		Description: "CSV with a header row: numeric vector columns, a label column, metadata",
		Match: func(path string, head []byte) bool {
			return formats.HasSuffix(path, ".csv")
		},
		Load: Load,
		Save: Save,
	})
}

// Load reads the CSV file at path (gzip-compressed or not). opt.Columns,
// opt.LabelColumn and opt.MaxRows work as in ReadOptions. With opt.Labels,
// the labels come from that file instead, read as a Projector metadata
// file (one label per line, or a header and columns; see package tsv), and
// opt.LabelColumn then names one of its columns.
func Load(path string, opt formats.Options) (*dataset.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	var magic [2]byte
	if n, _ := io.ReadFull(f, magic[:]); formats.IsGzip(magic[:n]) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = zr
	} else if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	ro := ReadOptions{Columns: opt.Columns, LabelColumn: opt.LabelColumn, MaxRows: opt.MaxRows}
	if opt.Labels != "" {
		ro.LabelColumn = ""
	}
	d, err := Read(r, ro)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.Name = stem(path)
	if opt.Labels != "" {
		d.Labels, d.Classes = nil, nil
		truncated := opt.MaxRows > 0 && d.Len() == opt.MaxRows
		if err := tsv.AttachMetadata(d, opt.Labels, path, opt.LabelColumn, truncated); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func stem(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), ".gz")
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// Save writes d to path as CSV (see Write), gzip-compressed when the name
// ends in ".gz", through a temporary file and a rename.
func Save(path string, d *dataset.Dataset) error {
	if d.X == nil {
		return fmt.Errorf("%s: no data to write", path)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		var err error
		if strings.HasSuffix(strings.ToLower(path), ".gz") {
			zw := gzip.NewWriter(w)
			if err = Write(zw, d); err == nil {
				err = zw.Close()
			}
		} else {
			err = Write(w, d)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	})
}
