package tsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
)

func init() {
	formats.Register(formats.Format{
		Name:        "tsv",
		Description: "Embedding Projector vectors.tsv (tab-separated, no header) with its metadata.tsv",
		Match: func(path string, head []byte) bool {
			return formats.HasSuffix(path, ".tsv") && !isDir(path)
		},
		Load: Load,
		Save: Save,
	})
	formats.Register(formats.Format{
		Name:        "projector",
		Description: "Embedding Projector directory: projector_config.json, vectors and metadata",
		Match: func(path string, head []byte) bool {
			if filepath.Base(path) == ConfigName {
				return true
			}
			if head == nil && isDir(path) {
				_, err := os.Stat(filepath.Join(path, ConfigName))
				return err == nil
			}
			return formats.HasSuffix(path, ".json") && bytes.Contains(head, []byte(`"embeddings"`))
		},
		Load: LoadProjector,
		Save: SaveProjector,
	})
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// MetadataPath returns the metadata file that goes with a vectors file:
// "metadata.tsv" for ".../vectors.tsv", "NAME_metadata.tsv" for
// "NAME_vectors.tsv" or "NAME_tensor.tsv" (gensim's word2vec2tensor names),
// "NAME_metadata.tsv" for any other "NAME.tsv". A ".gz" suffix is kept.
func MetadataPath(vectorsPath string) string {
	dir, base := filepath.Split(vectorsPath)
	gz := ""
	if strings.HasSuffix(strings.ToLower(base), ".gz") {
		base, gz = base[:len(base)-3], base[len(base)-3:]
	}
	lower := strings.ToLower(base)
	for _, suf := range []string{"vectors.tsv", "tensors.tsv", "tensor.tsv"} {
		if strings.HasSuffix(lower, suf) {
			return dir + base[:len(base)-len(suf)] + "metadata.tsv" + gz
		}
	}
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	return dir + stem + "_metadata.tsv" + gz
}

// Load reads a vectors .tsv file (gzip-compressed or not). Its metadata
// comes from opt.Labels when set, else from the file MetadataPath names if
// it exists; every metadata column goes to Meta and opt.LabelColumn picks
// the labels (see ChooseLabels). opt.MaxRows > 0 reads only that many rows.
func Load(path string, opt formats.Options) (*dataset.Dataset, error) {
	rc, size, err := formats.Open(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	x, err := readVectors(rc, opt.MaxRows, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := &dataset.Dataset{Name: formats.Stem(path), X: x, SourceType: "text"}
	meta := opt.Labels
	if meta == "" {
		p := MetadataPath(path)
		for _, c := range []string{p, strings.TrimSuffix(p, ".gz")} {
			if _, err := os.Stat(c); err == nil && c != path {
				meta = c
				break
			}
		}
	}
	truncated := opt.MaxRows > 0 && x.Rows == opt.MaxRows
	if meta == "" {
		if opt.LabelColumn != "" {
			return nil, fmt.Errorf("%s: no metadata file (%s) to take label column %q from", path, MetadataPath(path), opt.LabelColumn)
		}
		return d, nil
	}
	if err := attach(d, meta, path, opt.LabelColumn, truncated); err != nil {
		return nil, err
	}
	return d, nil
}

// AttachMetadata reads the metadata file at path for the rows of d, which
// were read from dataPath, adds its columns to d.Meta and sets d's labels
// from the one of them that labelColumn names (see ChooseLabels). With
// truncated, d holds only the first rows of dataPath (a row limit), and a
// metadata file with more rows is cut to match. Errors name the metadata
// file and, for row counts that differ, dataPath too.
func AttachMetadata(d *dataset.Dataset, path, dataPath, labelColumn string, truncated bool) error {
	return attach(d, path, dataPath, labelColumn, truncated)
}

func attach(d *dataset.Dataset, path, vectorsName, labelColumn string, truncated bool) error {
	rc, _, err := formats.Open(path)
	if err != nil {
		return err
	}
	defer rc.Close()
	return attachFrom(d, rc, path, vectorsName, labelColumn, truncated)
}

func attachFrom(d *dataset.Dataset, r io.Reader, path, vectorsName, labelColumn string, truncated bool) error {
	m, err := parseMetadata(r)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	cols, err := m.fit(d.Len(), truncated)
	if err != nil {
		var ce *CountError
		if errors.As(err, &ce) {
			ce.File, ce.VectorsFile = path, vectorsName
			return ce
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	d.Meta = append(d.Meta, cols...)
	if err := chooseLabels(d, d.Meta[len(d.Meta)-len(cols):], labelColumn); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Save writes d's vectors to path as a .tsv (gzip-compressed when path ends
// in ".gz") and, when d has labels or metadata, its metadata to the file
// MetadataPath names (see MetadataColumns and WriteMetadata). Each file is
// written to a temporary file and renamed.
func Save(path string, d *dataset.Dataset) error {
	if d.X == nil {
		return fmt.Errorf("%s: no data to write", path)
	}
	if cols := MetadataColumns(d); cols != nil {
		mp := MetadataPath(path)
		if err := formats.WriteFile(mp, func(w io.Writer) error { return WriteMetadata(w, cols) }); err != nil {
			return err
		}
	}
	return formats.WriteFile(path, func(w io.Writer) error { return WriteVectors(w, d.X) })
}

// LoadProjector reads the first embedding of a projector_config.json (path
// is the file or a directory that holds one): its tensor, a .tsv or raw
// float32 file whose size must match tensorShape before anything is
// allocated, and its metadata, chosen and truncated as in Load. Every path
// in the config must be relative and stay inside the config's directory
// (no "..", no absolute paths, no symbolic link leading out); URLs are not
// fetched.
func LoadProjector(path string, opt formats.Options) (*dataset.Dataset, error) {
	cfgPath := path
	if isDir(path) {
		cfgPath = filepath.Join(path, ConfigName)
	}
	f, err := os.Open(cfgPath)
	if err != nil {
		return nil, err
	}
	cfg, err := ReadConfig(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	dir := filepath.Dir(cfgPath)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	e := cfg.Embeddings[0]
	const field = "embeddings[0]"
	if e.TensorPath == "" {
		return nil, fmt.Errorf("%s: %s.tensorPath: no tensor file (tensors in TensorFlow checkpoints are not supported)", cfgPath, field)
	}
	tf, tpath, err := openIn(root, dir, cfgPath, field+".tensorPath", e.TensorPath)
	if err != nil {
		return nil, err
	}
	defer tf.Close()
	var d *dataset.Dataset
	if formats.HasSuffix(e.TensorPath, ".tsv") {
		rc, size, err := formats.OpenFile(tf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tpath, err)
		}
		x, err := readVectors(rc, opt.MaxRows, size)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tpath, err)
		}
		if len(e.TensorShape) == 2 {
			n, dim := e.TensorShape[0], e.TensorShape[1]
			if dim != x.Cols || (n != x.Rows && !(opt.MaxRows > 0 && x.Rows == opt.MaxRows && n > x.Rows)) {
				return nil, fmt.Errorf("%s: %s.tensorShape is [%d, %d] but %s holds %d×%d", cfgPath, field, n, dim, tpath, x.Rows, x.Cols)
			}
		}
		d = &dataset.Dataset{X: x, SourceType: "text"}
	} else {
		if len(e.TensorShape) != 2 {
			return nil, fmt.Errorf("%s: %s.tensorShape: a raw tensor file needs a shape [rows, dims]", cfgPath, field)
		}
		st, err := tf.Stat()
		if err != nil {
			return nil, err
		}
		n, dim := e.TensorShape[0], e.TensorShape[1]
		rows := n
		if opt.MaxRows > 0 {
			rows = min(rows, opt.MaxRows)
		}
		x, err := readTensor(tf, n, dim, rows, st.Size())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tpath, err)
		}
		d = &dataset.Dataset{X: x, SourceType: "float32"}
	}
	d.Name = e.TensorName
	if d.Name == "" {
		d.Name = filepath.Base(dir)
	}
	if e.MetadataPath == "" {
		if opt.LabelColumn != "" {
			return nil, fmt.Errorf("%s: %s has no metadataPath to take label column %q from", cfgPath, field, opt.LabelColumn)
		}
		return d, nil
	}
	mf, mpath, err := openIn(root, dir, cfgPath, field+".metadataPath", e.MetadataPath)
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	rc, _, err := formats.OpenFile(mf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mpath, err)
	}
	truncated := opt.MaxRows > 0 && d.Len() == opt.MaxRows
	if err := attachFrom(d, rc, mpath, tpath, opt.LabelColumn, truncated); err != nil {
		return nil, err
	}
	return d, nil
}

// openIn opens the config-relative path p inside root, refusing URLs,
// absolute paths and paths that leave the directory.
func openIn(root *os.Root, dir, cfgPath, field, p string) (*os.File, string, error) {
	if isURL(p) {
		return nil, "", fmt.Errorf("%s: %s %q is a URL; download it next to the config and give its file name", cfgPath, field, p)
	}
	local := filepath.FromSlash(p)
	if filepath.IsAbs(local) || strings.HasPrefix(p, "/") || !filepath.IsLocal(local) {
		return nil, "", fmt.Errorf("%s: %s %q must be a relative path inside %s (no \"..\", no absolute path)", cfgPath, field, p, dir)
	}
	full := filepath.Join(dir, local)
	f, err := root.Open(local)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, "", fmt.Errorf("%s: %s: %s: %w", cfgPath, field, full, err)
	}
	return f, full, nil
}

// SaveProjector writes d into the directory dir (created if needed) as
// vectors.tsv, metadata.tsv (when d has labels or metadata) and a
// projector_config.json that names them, written last so that a config
// never points at a half-written file. A path that ends in
// projector_config.json means its directory.
func SaveProjector(dir string, d *dataset.Dataset) error {
	if d.X == nil {
		return fmt.Errorf("%s: no data to write", dir)
	}
	if filepath.Base(dir) == ConfigName {
		dir = filepath.Dir(dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := d.Name
	if name == "" {
		name = "latent"
	}
	e := Embedding{TensorName: name, TensorShape: []int{d.Len(), d.Dim()}, TensorPath: "vectors.tsv"}
	if cols := MetadataColumns(d); cols != nil {
		e.MetadataPath = "metadata.tsv"
		p := filepath.Join(dir, e.MetadataPath)
		if err := formats.WriteFile(p, func(w io.Writer) error { return WriteMetadata(w, cols) }); err != nil {
			return err
		}
	}
	p := filepath.Join(dir, e.TensorPath)
	if err := formats.WriteFile(p, func(w io.Writer) error { return WriteVectors(w, d.X) }); err != nil {
		return err
	}
	cfg := &Config{Embeddings: []Embedding{e}}
	return formats.WriteFile(filepath.Join(dir, ConfigName), func(w io.Writer) error { return WriteConfig(w, cfg) })
}
