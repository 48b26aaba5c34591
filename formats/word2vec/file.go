package word2vec

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/formats/tsv"
)

func init() {
	formats.Register(formats.Format{
		Name:        "word2vec",
		Description: `word2vec text or binary word vectors ("rows dims" header; also fastText .vec)`,
		Match: func(path string, head []byte) bool {
			if formats.HasSuffix(path, ".tsv", ".csv", ".json") {
				return false
			}
			if head == nil {
				return formats.HasSuffix(path, ".w2v", ".vec", ".word2vec", ".bin")
			}
			return isHeader(head)
		},
		Load: Load,
		Save: Save,
	})
	formats.Register(formats.Format{
		Name:        "glove",
		Description: "GloVe text word vectors (\"word v1 ... vd\" lines, no header)",
		Match: func(path string, head []byte) bool {
			if head == nil {
				base := strings.ToLower(filepath.Base(path))
				return formats.HasSuffix(path, ".glove") || strings.Contains(base, "glove") && formats.HasSuffix(path, ".txt")
			}
			return formats.HasSuffix(path, ".txt", ".glove") && looksLikeGloVe(head)
		},
		Load: LoadGloVe,
		Save: SaveGloVe,
	})
}

// looksLikeGloVe reports whether head starts with "word number number...":
// at least two fields after the first, and every complete one a number.
func looksLikeGloVe(head []byte) bool {
	line := head
	complete := false
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line, complete = head[:i], true
	}
	f := bytes.Fields(line)
	if !complete && len(f) > 0 {
		f = f[:len(f)-1] // the last field may be cut short
	}
	if len(f) < 3 || isHeader(head) {
		return false
	}
	for _, v := range f[1:] {
		if _, err := parseFloat(v); err != nil {
			return false
		}
	}
	return true
}

// Load reads a word2vec file (text or binary, gzip-compressed or not).
// Words are the labels (see the package documentation) unless opt.Labels
// names a metadata file, whose column opt.LabelColumn (or its default)
// then gives the labels; the words stay in the metadata column "word".
func Load(path string, opt formats.Options) (*dataset.Dataset, error) {
	return load(path, opt, Read)
}

// LoadGloVe reads a GloVe text file, as Load does.
func LoadGloVe(path string, opt formats.Options) (*dataset.Dataset, error) {
	return load(path, opt, ReadGloVe)
}

func load(path string, opt formats.Options, read func(io.Reader, ReadOptions) (*dataset.Dataset, error)) (*dataset.Dataset, error) {
	if opt.Labels == "" && opt.LabelColumn != "" && !strings.EqualFold(opt.LabelColumn, "word") {
		return nil, fmt.Errorf("%s: no column %q: the words are the only labels (or give a metadata file)", path, opt.LabelColumn)
	}
	r, size, err := formats.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	d, err := read(r, ReadOptions{MaxRows: opt.MaxRows, Size: max(size, 0)})
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

// Save writes d as word2vec: binary when path ends in ".bin" (or
// ".bin.gz"), text otherwise; gzip-compressed when it ends in ".gz".
func Save(path string, d *dataset.Dataset) error {
	write := WriteText
	if formats.HasSuffix(path, ".bin") {
		write = WriteBinary
	}
	return save(path, d, write)
}

// SaveGloVe writes d as a GloVe text file.
func SaveGloVe(path string, d *dataset.Dataset) error {
	return save(path, d, WriteGloVe)
}

func save(path string, d *dataset.Dataset, write func(io.Writer, *dataset.Dataset) error) error {
	if d.X == nil {
		return fmt.Errorf("%s: no data to write", path)
	}
	return formats.WriteFile(path, func(w io.Writer) error { return write(w, d) })
}
