package store

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
)

// ---- projections ----

// Projection is the catalogue entry of a stored projection (a low-dimensional
// embedding of a dataset's rows, one row per dataset row).
type Projection struct {
	ID        string `json:"id"`
	DatasetID string `json:"dataset_id"`
	Name      string `json:"name"`
	// Method is the projection method, e.g. "pca", "tsne", "umap".
	Method string `json:"method"`
	Rows   int    `json:"rows"`
	Dims   int    `json:"dims"`
	// Params are the options the projection was computed with.
	Params json.RawMessage `json:"params"`
	// Summary holds what the fit reported (explained variance, KL, ...).
	Summary json.RawMessage `json:"summary"`
	Bytes   int64           `json:"bytes"`
	Created time.Time       `json:"created"`
}

// AddProjection stores y, a projection of the dataset datasetID (one row per
// dataset row). params and summary are stored as JSON.
func (s *Store) AddProjection(ctx context.Context, datasetID, name, method string, params, summary any, y *mat32.Dense) (Projection, error) {
	info, err := s.Dataset(ctx, datasetID)
	if err != nil {
		return Projection{}, err
	}
	if name == "" {
		name = method
	}
	if err := ValidateName(name); err != nil {
		return Projection{}, err
	}
	if y == nil || y.Rows != info.Rows || y.Cols < 1 {
		return Projection{}, fmt.Errorf("%w: a projection of dataset %s needs %d rows", ErrInvalid, info.ID, info.Rows)
	}
	id := newID(KindProjection)
	files, err := s.writeBlobs(KindProjection, id, []blobWriter{{"y.npy", func(w io.Writer) error {
		return npy.WriteFloat32(w, []int{y.Rows, y.Cols}, y.Data)
	}}})
	if err != nil {
		return Projection{}, err
	}
	p := Projection{ID: id, DatasetID: info.ID, Name: name, Method: method, Rows: y.Rows, Dims: y.Cols,
		Params: json.RawMessage(mustJSON(params)), Summary: json.RawMessage(mustJSON(summary)), Bytes: totalSize(files)}
	created := now()
	_, err = s.db.ExecContext(ctx, `INSERT INTO projections (id, dataset_id, name, method, rows, dims, params, summary, files, bytes, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, info.ID, name, method, p.Rows, p.Dims, string(p.Params), string(p.Summary),
		mustJSON(files), p.Bytes, created)
	if err != nil {
		os.RemoveAll(s.blobDir(KindProjection, id))
		return Projection{}, notFoundOnFK(err, "dataset", info.ID)
	}
	p.Created = parseTime(created)
	return p, nil
}

// notFoundOnFK turns a foreign key failure (the parent was deleted meanwhile)
// into ErrNotFound.
func notFoundOnFK(err error, kind, id string) error {
	if err != nil && containsFK(err) {
		return fmt.Errorf("%w: no %s %q", ErrNotFound, kind, id)
	}
	return err
}

func containsFK(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

const projectionCols = `id, dataset_id, name, method, rows, dims, params, summary, bytes, created`

func scanProjection(sc scanner) (Projection, error) {
	var p Projection
	var params, summary, created string
	err := sc.Scan(&p.ID, &p.DatasetID, &p.Name, &p.Method, &p.Rows, &p.Dims, &params, &summary, &p.Bytes, &created)
	p.Params, p.Summary, p.Created = json.RawMessage(params), json.RawMessage(summary), parseTime(created)
	return p, err
}

// Projections lists the projections of a dataset (all datasets when
// datasetID is empty), newest first.
func (s *Store) Projections(ctx context.Context, datasetID string) ([]Projection, error) {
	q, args := newestOf(KindProjection, projectionCols, datasetID)
	return queryAll(ctx, s.db, scanProjection, q, args...)
}

// Projection returns the entry of a projection.
func (s *Store) Projection(ctx context.Context, id string) (Projection, error) {
	if err := checkID(KindProjection, id); err != nil {
		return Projection{}, err
	}
	return queryOne(ctx, s.db, KindProjection, projectionCols, "id", id, scanProjection)
}

// LoadProjection reads a projection's coordinates.
func (s *Store) LoadProjection(ctx context.Context, id string) (*mat32.Dense, error) {
	p, err := s.Projection(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.readMatrix(KindProjection, p.ID, "y.npy", p.Rows, p.Dims)
}

// DeleteProjection removes a projection.
func (s *Store) DeleteProjection(ctx context.Context, id string) error {
	return s.deleteObject(ctx, KindProjection, id)
}

// newestOf returns the query of the objects of kind (those of the dataset
// datasetID when it is not empty), newest first.
func newestOf(kind, cols, datasetID string) (string, []any) {
	q, args := "SELECT "+cols+" FROM "+tableOf(kind), []any{}
	if datasetID != "" {
		q += " WHERE dataset_id = ?"
		args = append(args, datasetID)
	}
	return q + " ORDER BY created DESC, id", args
}

func (s *Store) deleteObject(ctx context.Context, kind, id string) error {
	if err := checkID(kind, id); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, "DELETE FROM "+tableOf(kind)+" WHERE id = ?", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: no %s %q", ErrNotFound, kindName(kind), id)
	}
	if _, ok := blobKinds[kind]; ok {
		os.RemoveAll(s.blobDir(kind, id))
	}
	return nil
}

// ---- embeddings ----

// Embedding is the catalogue entry of a dataset encoded by a model: one
// latent vector per dataset row.
type Embedding struct {
	ID        string    `json:"id"`
	DatasetID string    `json:"dataset_id"`
	ModelID   string    `json:"model_id"`
	Rows      int       `json:"rows"`
	Dims      int       `json:"dims"`
	Bytes     int64     `json:"bytes"`
	Created   time.Time `json:"created"`
}

// AddEmbedding stores z, the encoding of dataset datasetID by model modelID.
func (s *Store) AddEmbedding(ctx context.Context, datasetID, modelID string, z *mat32.Dense) (Embedding, error) {
	info, err := s.Dataset(ctx, datasetID)
	if err != nil {
		return Embedding{}, err
	}
	m, err := s.Model(ctx, modelID)
	if err != nil {
		return Embedding{}, err
	}
	if z == nil || z.Rows != info.Rows || z.Cols < 1 {
		return Embedding{}, fmt.Errorf("%w: an embedding of dataset %s needs %d rows", ErrInvalid, info.ID, info.Rows)
	}
	id := newID(KindEmbedding)
	files, err := s.writeBlobs(KindEmbedding, id, []blobWriter{{"z.npy", func(w io.Writer) error {
		return npy.WriteFloat32(w, []int{z.Rows, z.Cols}, z.Data)
	}}})
	if err != nil {
		return Embedding{}, err
	}
	e := Embedding{ID: id, DatasetID: info.ID, ModelID: m.ID, Rows: z.Rows, Dims: z.Cols, Bytes: totalSize(files)}
	created := now()
	_, err = s.db.ExecContext(ctx, `INSERT INTO embeddings (id, dataset_id, model_id, rows, dims, files, bytes, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, info.ID, m.ID, e.Rows, e.Dims, mustJSON(files), e.Bytes, created)
	if err != nil {
		os.RemoveAll(s.blobDir(KindEmbedding, id))
		return Embedding{}, notFoundOnFK(err, "dataset or model", info.ID+", "+m.ID)
	}
	e.Created = parseTime(created)
	return e, nil
}

const embeddingCols = `id, dataset_id, model_id, rows, dims, bytes, created`

func scanEmbedding(sc scanner) (Embedding, error) {
	var e Embedding
	var created string
	err := sc.Scan(&e.ID, &e.DatasetID, &e.ModelID, &e.Rows, &e.Dims, &e.Bytes, &created)
	e.Created = parseTime(created)
	return e, err
}

// Embeddings lists the embeddings of a dataset (all when datasetID is
// empty), newest first.
func (s *Store) Embeddings(ctx context.Context, datasetID string) ([]Embedding, error) {
	q, args := newestOf(KindEmbedding, embeddingCols, datasetID)
	return queryAll(ctx, s.db, scanEmbedding, q, args...)
}

// Embedding returns the entry of an embedding.
func (s *Store) Embedding(ctx context.Context, id string) (Embedding, error) {
	if err := checkID(KindEmbedding, id); err != nil {
		return Embedding{}, err
	}
	return queryOne(ctx, s.db, KindEmbedding, embeddingCols, "id", id, scanEmbedding)
}

// LoadEmbedding reads an embedding's vectors.
func (s *Store) LoadEmbedding(ctx context.Context, id string) (*mat32.Dense, error) {
	e, err := s.Embedding(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.readMatrix(KindEmbedding, e.ID, "z.npy", e.Rows, e.Dims)
}

// DeleteEmbedding removes an embedding.
func (s *Store) DeleteEmbedding(ctx context.Context, id string) error {
	return s.deleteObject(ctx, KindEmbedding, id)
}

// ---- models ----

// Model is the catalogue entry of a stored model.
type Model struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kind names the model type ("pca", "vae", ...); it tells a reader
	// which package loads the files.
	Kind string `json:"kind"`
	// DatasetID is the dataset the model was trained on, "" if unknown or
	// deleted.
	DatasetID string          `json:"dataset_id"`
	Params    json.RawMessage `json:"params"`
	Summary   json.RawMessage `json:"summary"`
	// Files lists the model's files (names within its folder).
	Files   []string  `json:"files"`
	Bytes   int64     `json:"bytes"`
	Created time.Time `json:"created"`
}

// AddModel stores a model under name (which must be unused). write is
// given an empty folder of the workspace and saves the model's files there
// (e.g. a safetensors file and its JSON config, with the model package's
// Save); the entry commits after write returns without error.
func (s *Store) AddModel(ctx context.Context, name, kind, datasetID string, params, summary any, write func(dir string) error) (Model, error) {
	if err := ValidateName(name); err != nil {
		return Model{}, err
	}
	if kind == "" {
		return Model{}, fmt.Errorf("%w: model %q has no kind", ErrInvalid, clip(name))
	}
	if datasetID != "" {
		if err := checkID(KindDataset, datasetID); err != nil {
			return Model{}, err
		}
	}
	if err := s.nameFree(ctx, "models", name); err != nil {
		return Model{}, err
	}
	id := newID(KindModel)
	dir := s.blobDir(KindModel, id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return Model{}, err
	}
	if err := write(dir); err != nil {
		os.RemoveAll(dir)
		return Model{}, err
	}
	files, err := hashDir(dir)
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("model %q: nothing was written", clip(name))
	}
	if err != nil {
		os.RemoveAll(dir)
		return Model{}, err
	}
	m := Model{ID: id, Name: name, Kind: kind, DatasetID: datasetID, Params: json.RawMessage(mustJSON(params)),
		Summary: json.RawMessage(mustJSON(summary)), Bytes: totalSize(files)}
	for f := range files {
		m.Files = append(m.Files, f)
	}
	var ds any
	if datasetID != "" {
		ds = datasetID
	}
	created := now()
	_, err = s.db.ExecContext(ctx, `INSERT INTO models (id, name, kind, dataset_id, params, summary, files, bytes, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, name, kind, ds, string(m.Params), string(m.Summary), mustJSON(files), m.Bytes, created)
	if err != nil {
		os.RemoveAll(dir)
		if isUnique(err) {
			return Model{}, fmt.Errorf("%w: a model is already called %q", ErrExists, clip(name))
		}
		return Model{}, notFoundOnFK(err, "dataset", datasetID)
	}
	m.Created = parseTime(created)
	return m, nil
}

const modelCols = `id, name, kind, COALESCE(dataset_id, ''), params, summary, files, bytes, created`

func scanModel(sc scanner) (Model, error) {
	var m Model
	var params, summary, files, created string
	if err := sc.Scan(&m.ID, &m.Name, &m.Kind, &m.DatasetID, &params, &summary, &files, &m.Bytes, &created); err != nil {
		return m, err
	}
	m.Params, m.Summary, m.Created = json.RawMessage(params), json.RawMessage(summary), parseTime(created)
	var fm map[string]FileInfo
	if err := json.Unmarshal([]byte(files), &fm); err != nil {
		return m, fmt.Errorf("model %s: files: %w", m.ID, err)
	}
	m.Files = make([]string, 0, len(fm))
	for f := range fm {
		m.Files = append(m.Files, f)
	}
	slices.Sort(m.Files)
	return m, nil
}

// Models lists the stored models, newest first.
func (s *Store) Models(ctx context.Context) ([]Model, error) {
	return queryAll(ctx, s.db, scanModel, "SELECT "+modelCols+" FROM models ORDER BY created DESC, id")
}

// Model returns the entry of the model with the given ID or, when ref is
// not an ID, name.
func (s *Store) Model(ctx context.Context, ref string) (Model, error) {
	return queryOne(ctx, s.db, KindModel, modelCols, refColumn(KindModel, ref), ref, scanModel)
}

// ModelDir returns the folder that holds the files of the stored model m
// (an entry from Model or Models), for the model package's Load.
func (s *Store) ModelDir(m Model) string { return s.blobDir(KindModel, m.ID) }

// DeleteModel removes a model and the embeddings made with it.
func (s *Store) DeleteModel(ctx context.Context, id string) error {
	if err := checkID(KindModel, id); err != nil {
		return err
	}
	ids, err := queryAll(ctx, s.db, scanString, "SELECT id FROM embeddings WHERE model_id = ?", id)
	if err != nil {
		return err
	}
	if err := s.deleteObject(ctx, KindModel, id); err != nil {
		return err
	}
	for _, e := range ids {
		os.RemoveAll(s.blobDir(KindEmbedding, e))
	}
	return nil
}
