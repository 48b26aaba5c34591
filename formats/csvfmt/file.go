package csvfmt

import (
	"fmt"
	"io"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/tsv"
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
	r, _, err := formats.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	ro := ReadOptions{Columns: opt.Columns, LabelColumn: opt.LabelColumn, MaxRows: opt.MaxRows}
	if opt.Labels != "" {
		ro.LabelColumn = ""
	}
	d, err := Read(r, ro)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.Name = formats.Stem(path)
	if opt.Labels != "" {
		d.Labels, d.Classes = nil, nil
		truncated := opt.MaxRows > 0 && d.Len() == opt.MaxRows
		if err := tsv.AttachMetadata(d, opt.Labels, path, opt.LabelColumn, truncated); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Save writes d to path as CSV (see Write), gzip-compressed when the name
// ends in ".gz", through a temporary file and a rename.
func Save(path string, d *dataset.Dataset) error {
	if d.X == nil {
		return fmt.Errorf("%s: no data to write", path)
	}
	return formats.WriteFile(path, func(w io.Writer) error { return Write(w, d) })
}
