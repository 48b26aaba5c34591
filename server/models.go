package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/pca"
	"github.com/latentlab/latent/space"
	"github.com/latentlab/latent/store"
	"github.com/latentlab/latent/viz"
)

// Model is what the model endpoints need of a trained model: a map from
// data rows to latent vectors and back, and a prior to sample latents
// from. Implementations must be safe for concurrent use.
type Model interface {
	// Dims returns the length of a data row and of a latent vector.
	Dims() (features, latent int)
	// Encode maps rows of data (n×features) to latent vectors (n×latent);
	// a probabilistic encoder returns its means.
	Encode(ctx context.Context, x *mat32.Dense) (*mat32.Dense, error)
	// Decode maps latent vectors (n×latent) to data rows (n×features).
	Decode(ctx context.Context, z *mat32.Dense) (*mat32.Dense, error)
	// Sample draws n latent vectors from the model's prior and decodes
	// them, deterministically for a seed.
	Sample(ctx context.Context, n int, seed uint64) (*mat32.Dense, error)
}

// ModelLoader opens a stored model from the folder its files were saved in.
type ModelLoader func(dir string) (Model, error)

// ModelTrainer fits a model of one kind on a dataset and saves it into dir
// (an empty folder that becomes the stored model's). params are the "train"
// job's params beyond kind and name, checked by the trainer; it returns a
// summary for the catalogue. validate is called when the job is created
// and should reject bad params quickly (nil to skip).
type ModelTrainer struct {
	Validate func(d store.Dataset, params json.RawMessage) error
	Train    func(ctx context.Context, d *dataset.Dataset, params json.RawMessage, dir string, prog progress.Func) (summary any, err error)
}

// pcaModelFile is the weights file of a PCA model within its folder.
const pcaModelFile = "model.safetensors"

// pcaModel adapts a fitted PCA to Model: a linear autoencoder whose latent
// vectors are the principal component scores; its prior is the Gaussian with
// the explained variance of each component (the unit Gaussian when
// whitened), which is the distribution of the training scores' first two
// moments.
type pcaModel struct{ p *pca.PCA }

func (m pcaModel) Dims() (int, int) { return m.p.Dims() }

func (m pcaModel) Encode(ctx context.Context, x *mat32.Dense) (*mat32.Dense, error) {
	return m.p.Transform(nil, x), nil
}

func (m pcaModel) Decode(ctx context.Context, z *mat32.Dense) (*mat32.Dense, error) {
	return m.p.InverseTransform(nil, z), nil
}

func (m pcaModel) Sample(ctx context.Context, n int, seed uint64) (*mat32.Dense, error) {
	_, k := m.p.Dims()
	g := space.StandardNormal(k)
	if !m.p.Whitened() {
		g.Cov = make([]float64, k*k)
		for j, v := range m.p.ExplainedVariance(nil) {
			g.Cov[j*k+j] = v
		}
	}
	z, err := g.Sample(nil, n, 1, dataset.NewRand(seed, 0x5a4d)) // stream: prior samples
	if err != nil {
		return nil, err
	}
	return m.p.InverseTransform(nil, z), nil
}

func loadPCAModel(dir string) (Model, error) {
	p, err := pca.Load(filepath.Join(dir, pcaModelFile))
	if err != nil {
		return nil, err
	}
	return pcaModel{p}, nil
}

// pcaTrainParams are the params of a "train" job of kind "pca".
type pcaTrainParams struct {
	Latent int    `json:"latent"`
	Whiten bool   `json:"whiten,omitempty"`
	Seed   uint64 `json:"seed,omitempty"`
}

var pcaTrainer = ModelTrainer{
	Validate: func(d store.Dataset, raw json.RawMessage) error {
		var p pcaTrainParams
		if err := strictParams(raw, &p); err != nil {
			return err
		}
		if p.Latent < 1 || p.Latent > min(d.Rows, d.Dim) {
			return unprocessable(fmt.Errorf("latent = %d: want 1 to min(rows, columns) = %d", p.Latent, min(d.Rows, d.Dim)))
		}
		return nil
	},
	Train: func(ctx context.Context, d *dataset.Dataset, raw json.RawMessage, dir string, prog progress.Func) (any, error) {
		var p pcaTrainParams
		if err := strictParams(raw, &p); err != nil {
			return nil, err
		}
		var m pca.PCA
		if err := m.FitContext(ctx, d.X, pca.Options{Components: p.Latent, Whiten: p.Whiten, Seed: p.Seed, Progress: prog}); err != nil {
			return nil, err
		}
		if err := m.Save(filepath.Join(dir, pcaModelFile)); err != nil {
			return nil, err
		}
		var total float64
		for _, v := range m.ExplainedVarianceRatio(nil) {
			total += v
		}
		return map[string]any{"explained_variance": total, "latent": p.Latent}, nil
	},
}

// modelCache keeps loaded models.
type modelCache struct {
	s       *Server
	mu      sync.Mutex
	loaded  map[string]Model
	loaders map[string]ModelLoader
}

func newModelCache(s *Server) *modelCache {
	c := &modelCache{s: s, loaded: map[string]Model{}, loaders: map[string]ModelLoader{"pca": loadPCAModel}}
	for _, t := range generativeTypes {
		c.loaders[string(t)] = loadGenerative
	}
	for k, l := range s.cfg.ModelLoaders {
		c.loaders[k] = l
	}
	return c
}

func (c *modelCache) get(ctx context.Context, ref string) (store.Model, Model, error) {
	entry, err := c.s.st.Model(ctx, ref)
	if err != nil {
		return entry, nil, err
	}
	c.mu.Lock()
	m, ok := c.loaded[entry.ID]
	c.mu.Unlock()
	if ok {
		return entry, m, nil
	}
	load, ok := c.loaders[entry.Kind]
	if !ok {
		return entry, nil, unprocessable(fmt.Errorf("model %s is of kind %q, which this server cannot load", entry.ID, entry.Kind))
	}
	m, err = load(c.s.st.ModelDir(entry))
	if err != nil {
		return entry, nil, fmt.Errorf("model %s: %w", entry.ID, err)
	}
	c.mu.Lock()
	if len(c.loaded) >= 16 {
		clear(c.loaded)
	}
	c.loaded[entry.ID] = m
	c.mu.Unlock()
	return entry, m, nil
}

func (c *modelCache) drop(id string) {
	c.mu.Lock()
	delete(c.loaded, id)
	c.mu.Unlock()
}

// trainParams are the common params of a "train" job; the rest belong to
// the model kind's trainer.
type trainParams struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

func (s *Server) trainJob(ctx context.Context, info store.Dataset, raw json.RawMessage) (any, jobRun, error) {
	var common trainParams
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &common); err != nil {
			return nil, nil, badRequest("params: %v", err)
		}
	}
	tr, ok := s.trainers()[common.Kind]
	if !ok {
		return nil, nil, badRequest("params.kind %q: want one of %v", clip(common.Kind), s.trainerNames())
	}
	if err := store.ValidateName(common.Name); err != nil {
		return nil, nil, badRequest("params.name: %v", err)
	}
	if _, err := s.st.Model(ctx, common.Name); err == nil {
		return nil, nil, errorf(http.StatusConflict, CodeConflict, "a model is already called %q", clip(common.Name))
	}
	// The trainer sees its own params only.
	var rest map[string]json.RawMessage
	json.Unmarshal(raw, &rest)
	delete(rest, "kind")
	delete(rest, "name")
	own, _ := json.Marshal(rest)
	if tr.Validate != nil {
		if err := tr.Validate(info, own); err != nil {
			return nil, nil, err
		}
	}
	run := func(ctx context.Context, prog progress.Func) (any, error) {
		l, err := s.cache.get(ctx, info.ID)
		if err != nil {
			return nil, err
		}
		var summary any
		m, err := s.st.AddModel(ctx, common.Name, common.Kind, info.ID, json.RawMessage(own), nil, func(dir string) error {
			summary, err = tr.Train(ctx, l.d, own, dir, prog)
			return err
		})
		if err != nil {
			return nil, err
		}
		return map[string]any{"model": m.ID, "summary": summary}, nil
	}
	return json.RawMessage(raw), run, nil
}

func (s *Server) trainers() map[string]ModelTrainer {
	t := map[string]ModelTrainer{"pca": pcaTrainer}
	for _, k := range generativeTypes {
		t[string(k)] = generativeTrainer(k)
	}
	for k, v := range s.cfg.ModelTrainers {
		t[k] = v
	}
	return t
}

func (s *Server) trainerNames() []string {
	var n []string
	for k := range s.trainers() {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// encodeParams are the params of an "encode" job: the dataset's rows
// encoded by a model, stored as an embedding that "project" jobs can start
// from.
type encodeParams struct {
	Model string `json:"model"`
}

// encodeBatch is the number of rows encoded per call, so that progress is
// reported and cancellation is seen.
const encodeBatch = 4096

func (s *Server) encodeJob(ctx context.Context, info store.Dataset, raw json.RawMessage) (any, jobRun, error) {
	var p encodeParams
	if err := strictParams(raw, &p); err != nil {
		return nil, nil, err
	}
	if p.Model == "" {
		return nil, nil, badRequest("params.model is required")
	}
	entry, m, err := s.models.get(ctx, p.Model)
	if err != nil {
		return nil, nil, err
	}
	if f, _ := m.Dims(); f != info.Dim {
		return nil, nil, unprocessable(fmt.Errorf("dataset %s has %d columns; model %s expects %d", info.ID, info.Dim, entry.ID, f))
	}
	p.Model = entry.ID
	run := func(ctx context.Context, prog progress.Func) (any, error) {
		l, err := s.cache.get(ctx, info.ID)
		if err != nil {
			return nil, err
		}
		n := l.d.Len()
		_, k := m.Dims()
		z := mat32.New(n, k)
		for lo := 0; lo < n; lo += encodeBatch {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			hi := min(n, lo+encodeBatch)
			rows := make([]int, hi-lo)
			for i := range rows {
				rows[i] = lo + i
			}
			zb, err := encodeRows(ctx, m, modelRequest{}, l, rows, l.d.X.Slice(lo, hi))
			if err != nil {
				return nil, err
			}
			copy(z.Data[lo*k:hi*k], zb.Data)
			prog.Report(progress.Update{Stage: "encode", Done: int64(hi), Total: int64(n)})
		}
		e, err := s.st.AddEmbedding(context.Background(), info.ID, entry.ID, z)
		if err != nil {
			return nil, err
		}
		return map[string]any{"embedding": e.ID}, nil
	}
	return p, run, nil
}

// ---- handlers ----

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) error {
	list, err := s.st.Models(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": list})
	return nil
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request) error {
	m, err := s.st.Model(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) deleteModel(w http.ResponseWriter, r *http.Request) error {
	m, err := s.st.Model(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.st.DeleteModel(r.Context(), m.ID); err != nil {
		return err
	}
	s.models.drop(m.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Limits of the model endpoints.
const (
	maxModelRows  = 10_000 // rows per encode or decode request
	maxSamples    = 256
	maxSteps      = 64
	maxImageCells = 4096
)

// modelRequest is the body of the model endpoints; each uses some fields.
type modelRequest struct {
	// Dataset is the dataset that Rows, A and B index (default: the
	// dataset the model was trained on) and whose image shape PNGs use.
	Dataset string `json:"dataset,omitempty"`
	// Rows are dataset rows to encode.
	Rows []int `json:"rows,omitempty"`
	// Vectors are data rows to encode.
	Vectors [][]float32 `json:"vectors,omitempty"`
	// Latent are latent vectors to decode.
	Latent [][]float32 `json:"latent,omitempty"`
	// A and B are the rows to interpolate between.
	A *int `json:"a,omitempty"`
	B *int `json:"b,omitempty"`
	// Steps is the number of images of an interpolation, ends included
	// (default 8).
	Steps int `json:"steps,omitempty"`
	// Mode is "lerp" (default) or "slerp".
	Mode string `json:"mode,omitempty"`
	// Class is the class a conditional model (CVAE) encodes, decodes or
	// samples with; without it, dataset rows take their labels, samples
	// cycle through the classes, an interpolation decodes with the class
	// of A, and decoding free codes is refused.
	Class *string `json:"class,omitempty"`
	// N is the number of samples (default 16) and Seed their seed.
	N    int    `json:"n,omitempty"`
	Seed uint64 `json:"seed,omitempty"`
	// Cols is the number of columns of a PNG grid (default 8).
	Cols int `json:"cols,omitempty"`
	// Format is "png" (the default for image data) or "json".
	Format string `json:"format,omitempty"`
}

// modelCall loads the model and the dataset a model request refers to.
func (s *Server) modelCall(w http.ResponseWriter, r *http.Request) (modelRequest, store.Model, Model, *loaded, error) {
	var req modelRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return req, store.Model{}, nil, nil, err
	}
	entry, m, err := s.models.get(r.Context(), r.PathValue("id"))
	if err != nil {
		return req, entry, nil, nil, err
	}
	switch req.Format {
	case "", "png", "json":
	default:
		return req, entry, nil, nil, badRequest("format %q: want png or json", clip(req.Format))
	}
	ref := req.Dataset
	if ref == "" {
		ref = entry.DatasetID
	}
	var l *loaded
	if ref != "" {
		if l, err = s.cache.get(r.Context(), ref); err != nil {
			return req, entry, nil, nil, err
		}
		if f, _ := m.Dims(); l.d.Dim() != f {
			return req, entry, nil, nil, unprocessable(fmt.Errorf("dataset %s has %d columns; model %s expects %d", l.info.ID, l.d.Dim(), entry.ID, f))
		}
	}
	return req, entry, m, l, nil
}

// matrixOf checks a list of vectors of length dim and returns it as rows.
func matrixOf(name string, v [][]float32, dim int) (*mat32.Dense, error) {
	if len(v) == 0 {
		return nil, badRequest("%s is empty", name)
	}
	if len(v) > maxModelRows {
		return nil, badRequest("%s has %d vectors, more than %d", name, len(v), maxModelRows)
	}
	m := mat32.New(len(v), dim)
	for i, row := range v {
		if len(row) != dim {
			return nil, unprocessable(fmt.Errorf("%s[%d] has %d values, want %d", name, i, len(row), dim))
		}
		copy(m.Row(i), row)
	}
	if err := dataset.CheckFinite(name, m); err != nil {
		return nil, unprocessable(err)
	}
	return m, nil
}

func rowsOf(m *mat32.Dense) [][]float32 {
	out := make([][]float32, m.Rows)
	for i := range out {
		out[i] = m.Row(i)
	}
	return out
}

func (s *Server) encode(w http.ResponseWriter, r *http.Request) error {
	req, entry, m, l, err := s.modelCall(w, r)
	if err != nil {
		return err
	}
	f, _ := m.Dims()
	var x *mat32.Dense
	var rows []int
	switch {
	case req.Rows != nil && req.Vectors != nil, req.Rows == nil && req.Vectors == nil:
		return badRequest("give exactly one of rows and vectors")
	case req.Rows != nil:
		if l == nil {
			return badRequest("model %s has no dataset: give dataset with rows", entry.ID)
		}
		if len(req.Rows) == 0 || len(req.Rows) > maxModelRows {
			return badRequest("rows: want 1 to %d row numbers", maxModelRows)
		}
		for _, i := range req.Rows {
			if i < 0 || i >= l.d.Len() {
				return errorf(http.StatusNotFound, CodeNotFound, "row %d: dataset %s has %d rows", i, l.info.ID, l.d.Len())
			}
		}
		x = mat32.New(len(req.Rows), f)
		mat32.Gather(x, l.d.X, req.Rows)
		rows = req.Rows
	default:
		if x, err = matrixOf("vectors", req.Vectors, f); err != nil {
			return err
		}
	}
	z, err := encodeRows(r.Context(), m, req, l, rows, x)
	if err != nil {
		return unprocessable(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"latent": rowsOf(z)})
	return nil
}

// writeRows answers with decoded rows: a PNG grid (for image data, unless
// format is json) or JSON.
func (s *Server) writeRows(w http.ResponseWriter, req modelRequest, l *loaded, x *mat32.Dense, grid func(sh dataset.ImageShape) (*viz.Figure, error)) error {
	var sh dataset.ImageShape
	if l != nil {
		sh = l.d.Image
	}
	if req.Format == "json" || (req.Format == "" && !sh.IsImage()) {
		writeJSON(w, http.StatusOK, map[string]any{"rows": rowsOf(x)})
		return nil
	}
	if !sh.IsImage() {
		return unprocessable(fmt.Errorf("the model's data are not images: ask for format json"))
	}
	fig, err := grid(sh)
	if err != nil {
		return unprocessable(err)
	}
	b, err := fig.Bytes(viz.PNG)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(b)
	return nil
}

// writeGrid answers with decoded rows as writeRows does, the images in a
// grid of req.Cols columns (default: up to 8).
func (s *Server) writeGrid(w http.ResponseWriter, req modelRequest, l *loaded, x *mat32.Dense) error {
	cols := req.Cols
	if cols <= 0 {
		cols = min(8, x.Rows)
	}
	return s.writeRows(w, req, l, x, func(sh dataset.ImageShape) (*viz.Figure, error) {
		return viz.ImageGrid(x, sh, cols, nil, viz.GridOptions{})
	})
}

func (s *Server) decode(w http.ResponseWriter, r *http.Request) error {
	req, _, m, l, err := s.modelCall(w, r)
	if err != nil {
		return err
	}
	_, k := m.Dims()
	z, err := matrixOf("latent", req.Latent, k)
	if err != nil {
		return err
	}
	if z.Rows > maxImageCells && req.Format != "json" {
		return badRequest("at most %d images per picture", maxImageCells)
	}
	x, err := decodeCodes(r.Context(), m, req, z, nil)
	if err != nil {
		return unprocessable(err)
	}
	return s.writeGrid(w, req, l, x)
}

func (s *Server) sample(w http.ResponseWriter, r *http.Request) error {
	req, _, m, l, err := s.modelCall(w, r)
	if err != nil {
		return err
	}
	if req.N == 0 {
		req.N = 16
	}
	if req.N < 1 || req.N > maxSamples {
		return badRequest("n = %d: want 1 to %d", req.N, maxSamples)
	}
	x, err := sampleRows(r.Context(), m, req, req.N)
	if err != nil {
		return unprocessable(err)
	}
	return s.writeGrid(w, req, l, x)
}

// interpolate decodes Steps points on the path between the latent vectors
// of rows A and B: straight (lerp) or along the great circle (slerp).
func (s *Server) interpolate(w http.ResponseWriter, r *http.Request) error {
	req, entry, m, l, err := s.modelCall(w, r)
	if err != nil {
		return err
	}
	if l == nil {
		return badRequest("model %s has no dataset: give dataset", entry.ID)
	}
	if req.A == nil || req.B == nil {
		return badRequest("a and b (row numbers) are required")
	}
	for _, i := range []int{*req.A, *req.B} {
		if i < 0 || i >= l.d.Len() {
			return errorf(http.StatusNotFound, CodeNotFound, "row %d: dataset %s has %d rows", i, l.info.ID, l.d.Len())
		}
	}
	if req.Steps == 0 {
		req.Steps = 8
	}
	if req.Steps < 2 || req.Steps > maxSteps {
		return badRequest("steps = %d: want 2 to %d", req.Steps, maxSteps)
	}
	if req.Mode == "" {
		req.Mode = "lerp"
	}
	if req.Mode != "lerp" && req.Mode != "slerp" {
		return badRequest("mode %q: want lerp or slerp", clip(req.Mode))
	}
	ends := mat32.New(2, l.d.Dim())
	mat32.Gather(ends, l.d.X, []int{*req.A, *req.B})
	ze, err := encodeRows(r.Context(), m, req, l, []int{*req.A, *req.B}, ends)
	if err != nil {
		return unprocessable(err)
	}
	var pathClasses []int // a conditional model's path keeps A's class
	if cm, ok := m.(ConditionalModel); ok && req.Class == nil {
		a, err := rowClasses(cm, l, []int{*req.A})
		if err != nil {
			return err
		}
		pathClasses = make([]int, req.Steps)
		for i := range pathClasses {
			pathClasses[i] = a[0]
		}
	}
	method := space.Linear
	if req.Mode == "slerp" {
		method = space.Spherical
	}
	path := space.Path(nil, ze.Row(0), ze.Row(1), req.Steps, method)
	x, err := decodeCodes(r.Context(), m, req, path, pathClasses)
	if err != nil {
		return unprocessable(err)
	}
	return s.writeRows(w, req, l, x, func(sh dataset.ImageShape) (*viz.Figure, error) {
		return viz.Interpolations(x, req.Steps, sh, []string{req.Mode}, ends, viz.GridOptions{})
	})
}
