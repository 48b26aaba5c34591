package store

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
)

// Dataset is the catalogue entry of a stored dataset.
type Dataset struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Rows int    `json:"rows"`
	Dim  int    `json:"dim"`
	// Image is the image layout of each row, zero when rows are not images.
	Image dataset.ImageShape `json:"image"`
	// Labelled reports whether rows carry class labels.
	Labelled bool `json:"labelled"`
	// Classes names the classes.
	Classes []string `json:"classes"`
	// Meta names the metadata columns.
	Meta []string `json:"meta"`
	// Source is where the data came from (a file name), for the record.
	Source     string    `json:"source"`
	SourceType string    `json:"source_type"`
	Bytes      int64     `json:"bytes"`
	Created    time.Time `json:"created"`
}

// SourceLink is the SourceType of a linked dataset: a catalogue entry for
// data kept outside the workspace (a collection in a Weaviate cluster), so
// that its projections, embeddings, bookmarks and jobs are catalogued as
// those of a stored dataset are. Its Source says where the data are
// ("weaviate:COLLECTION"); it has no files, and LoadDataset refuses it.
const SourceLink = "link"

// Linked reports whether d is a linked dataset (see SourceLink).
func (d Dataset) Linked() bool { return d.SourceType == SourceLink }

// side is the side.json file of a dataset: everything but the matrix and
// the label codes.
type side struct {
	Classes    []string           `json:"classes"`
	Meta       []dataset.Column   `json:"meta"`
	Image      dataset.ImageShape `json:"image"`
	SourceType string             `json:"source_type"`
}

// AddDataset stores d under name (which must be unused) and returns its
// entry. source records where the data came from. The files are complete on
// disk before the entry is committed.
func (s *Store) AddDataset(ctx context.Context, name, source string, d *dataset.Dataset) (Dataset, error) {
	if err := ValidateName(name); err != nil {
		return Dataset{}, err
	}
	if d == nil || d.X == nil || d.X.Rows == 0 || d.X.Cols == 0 {
		return Dataset{}, fmt.Errorf("%w: dataset %q has no rows", ErrInvalid, clip(name))
	}
	if err := d.Validate(); err != nil {
		return Dataset{}, fmt.Errorf("%w: dataset %q: %v", ErrInvalid, clip(name), err)
	}
	if err := s.nameFree(ctx, "datasets", name); err != nil {
		return Dataset{}, err
	}
	id := newID(KindDataset)
	sd := side{Classes: d.Classes, Meta: d.Meta, Image: d.Image, SourceType: d.SourceType}
	writers := []blobWriter{
		{"x.npy", func(w io.Writer) error { return npy.WriteFloat32(w, []int{d.X.Rows, d.X.Cols}, d.X.Data) }},
		{"side.json", func(w io.Writer) error { return json.NewEncoder(w).Encode(sd) }},
	}
	if d.Labels != nil {
		writers = append(writers, blobWriter{"labels.npy", func(w io.Writer) error {
			l := make([]int64, len(d.Labels))
			for i, v := range d.Labels {
				l[i] = int64(v)
			}
			return npy.WriteInt64(w, []int{len(l)}, l)
		}})
	}
	if err := ctx.Err(); err != nil {
		return Dataset{}, err
	}
	files, err := s.writeBlobs(KindDataset, id, writers)
	if err != nil {
		return Dataset{}, err
	}
	meta := make([]string, len(d.Meta))
	for i, c := range d.Meta {
		meta[i] = c.Name
	}
	classes := d.Classes
	if classes == nil {
		classes = []string{}
	}
	info := Dataset{ID: id, Name: name, Rows: d.X.Rows, Dim: d.X.Cols, Image: d.Image, Labelled: d.Labels != nil,
		Classes: classes, Meta: meta, Source: source, SourceType: d.SourceType, Bytes: totalSize(files)}
	created := now()
	_, err = s.db.ExecContext(ctx, `INSERT INTO datasets
		(id, name, rows, dim, image_h, image_w, image_c, labelled, classes, meta, source, source_type, files, bytes, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, name, info.Rows, info.Dim, d.Image.Height, d.Image.Width, d.Image.Channels, info.Labelled,
		mustJSON(classes), mustJSON(meta), source, d.SourceType, mustJSON(files), info.Bytes, created)
	if err != nil {
		os.RemoveAll(s.blobDir(KindDataset, id))
		if isUnique(err) {
			return Dataset{}, fmt.Errorf("%w: a dataset is already called %q", ErrExists, clip(name))
		}
		return Dataset{}, err
	}
	info.Created = parseTime(created)
	return info, nil
}

// LinkDataset adds a linked dataset (see SourceLink) under name (which must
// be unused): rows×dim values with the metadata columns meta, kept at
// source, a non-empty address of the caller's choosing.
func (s *Store) LinkDataset(ctx context.Context, name, source string, rows, dim int, meta []string) (Dataset, error) {
	if err := ValidateName(name); err != nil {
		return Dataset{}, err
	}
	if source == "" || rows < 0 || dim < 0 {
		return Dataset{}, fmt.Errorf("%w: link %q needs a source and a shape", ErrInvalid, clip(name))
	}
	if err := s.nameFree(ctx, "datasets", name); err != nil {
		return Dataset{}, err
	}
	if meta == nil {
		meta = []string{}
	}
	info := Dataset{ID: newID(KindDataset), Name: name, Rows: rows, Dim: dim, Classes: []string{}, Meta: meta,
		Source: source, SourceType: SourceLink}
	created := now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO datasets
		(id, name, rows, dim, classes, meta, source, source_type, files, bytes, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', 0, ?)`,
		info.ID, name, rows, dim, mustJSON(info.Classes), mustJSON(meta), source, SourceLink, created)
	if err != nil {
		if isUnique(err) {
			return Dataset{}, fmt.Errorf("%w: a dataset is already called %q", ErrExists, clip(name))
		}
		return Dataset{}, err
	}
	info.Created = parseTime(created)
	return info, nil
}

// nameFree returns ErrExists when table already has a row called name
// (checked again by the UNIQUE constraint at insert).
func (s *Store) nameFree(ctx context.Context, table, name string) error {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE name = ?", name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: a %s is already called %q", ErrExists, table[:len(table)-1], clip(name))
	}
	return nil
}

const datasetCols = `id, name, rows, dim, image_h, image_w, image_c, labelled, classes, meta, source, source_type, bytes, created`

func scanDataset(sc scanner) (Dataset, error) {
	var d Dataset
	var classes, meta, created string
	err := sc.Scan(&d.ID, &d.Name, &d.Rows, &d.Dim, &d.Image.Height, &d.Image.Width, &d.Image.Channels, &d.Labelled,
		&classes, &meta, &d.Source, &d.SourceType, &d.Bytes, &created)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(classes), &d.Classes); err != nil {
		return d, fmt.Errorf("dataset %s: classes: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(meta), &d.Meta); err != nil {
		return d, fmt.Errorf("dataset %s: meta: %w", d.ID, err)
	}
	d.Created = parseTime(created)
	return d, nil
}

// Datasets lists the stored datasets, newest first.
func (s *Store) Datasets(ctx context.Context) ([]Dataset, error) {
	return queryAll(ctx, s.db, scanDataset, "SELECT "+datasetCols+" FROM datasets ORDER BY created DESC, id")
}

// Dataset returns the entry of the dataset with the given ID or, when ref
// is not an ID, name.
func (s *Store) Dataset(ctx context.Context, ref string) (Dataset, error) {
	return queryOne(ctx, s.db, KindDataset, datasetCols, refColumn(KindDataset, ref), ref, scanDataset)
}

// LoadDataset reads the stored dataset with the given ID or name.
func (s *Store) LoadDataset(ctx context.Context, ref string) (*dataset.Dataset, error) {
	info, err := s.Dataset(ctx, ref)
	if err != nil {
		return nil, err
	}
	if info.Linked() {
		return nil, fmt.Errorf("%w: dataset %s is a link to %s: its data are not in the workspace", ErrInvalid, info.ID, clip(info.Source))
	}
	dir := s.blobDir(KindDataset, info.ID)
	x, _, err := npy.ReadFile(filepath.Join(dir, "x.npy"), npy.ReadOptions{})
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", info.ID, err)
	}
	if x.Rows != info.Rows || x.Cols != info.Dim {
		return nil, fmt.Errorf("dataset %s: x.npy is %d×%d, the catalogue says %d×%d", info.ID, x.Rows, x.Cols, info.Rows, info.Dim)
	}
	b, err := os.ReadFile(filepath.Join(dir, "side.json"))
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", info.ID, err)
	}
	var sd side
	if err := json.Unmarshal(b, &sd); err != nil {
		return nil, fmt.Errorf("dataset %s: side.json: %w", info.ID, err)
	}
	d := &dataset.Dataset{Name: info.Name, X: x, Classes: sd.Classes, Meta: sd.Meta, Image: sd.Image, SourceType: sd.SourceType}
	if info.Labelled {
		p := filepath.Join(dir, "labels.npy")
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", info.ID, err)
		}
		defer f.Close()
		h, err := npy.ReadHeader(f)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: labels.npy: %w", info.ID, err)
		}
		st, _ := f.Stat()
		l, err := npy.ReadInt64(f, h, npy.ReadOptions{Size: st.Size()})
		if err != nil {
			return nil, fmt.Errorf("dataset %s: labels.npy: %w", info.ID, err)
		}
		d.Labels = make([]int, len(l))
		for i, v := range l {
			d.Labels[i] = int(v)
		}
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", info.ID, err)
	}
	return d, nil
}

// DeleteDataset removes a dataset with its projections, embeddings and
// bookmarks. Models trained on it stay (their dataset becomes unknown).
func (s *Store) DeleteDataset(ctx context.Context, id string) error {
	if err := checkID(KindDataset, id); err != nil {
		return err
	}
	var children []struct{ kind, id string }
	for _, k := range []string{KindProjection, KindEmbedding} {
		ids, err := queryAll(ctx, s.db, scanString, "SELECT id FROM "+tableOf(k)+" WHERE dataset_id = ?", id)
		if err != nil {
			return err
		}
		for _, c := range ids {
			children = append(children, struct{ kind, id string }{k, c})
		}
	}
	res, err := s.db.ExecContext(ctx, "DELETE FROM datasets WHERE id = ?", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: no dataset %q", ErrNotFound, id)
	}
	os.RemoveAll(s.blobDir(KindDataset, id))
	for _, c := range children {
		os.RemoveAll(s.blobDir(c.kind, c.id))
	}
	return nil
}

// CacheFile returns the path of a file called name kept in the folder of
// the stored dataset d by a reader of it, such as a neighbour index built
// from its rows: not catalogued, not checked by Verify, removed with the
// dataset. name must be a plain file name.
func (s *Store) CacheFile(d Dataset, name string) string {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		panic("store: cache file name " + strconv.Quote(name) + " is not a plain file name")
	}
	return filepath.Join(s.blobDir(KindDataset, d.ID), name)
}

// readMatrix reads the float32 .npy file of an object and checks its shape
// against the catalogue.
func (s *Store) readMatrix(kind, id, file string, rows, cols int) (*mat32.Dense, error) {
	m, _, err := npy.ReadFile(filepath.Join(s.blobDir(kind, id), file), npy.ReadOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kindName(kind), id, err)
	}
	if m.Rows != rows || m.Cols != cols {
		return nil, fmt.Errorf("%s %s: %s is %d×%d, the catalogue says %d×%d", kindName(kind), id, file, m.Rows, m.Cols, rows, cols)
	}
	return m, nil
}
