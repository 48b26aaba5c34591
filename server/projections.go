package server

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/metrics"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/pca"
	"github.com/latentlab/latent/reduce/tsne"
	"github.com/latentlab/latent/reduce/umap"
	"github.com/latentlab/latent/store"
)

// projectParams are the params of a "project" job. Zero fields take the
// method's defaults.
type projectParams struct {
	// Method is "pca", "tsne" or "umap".
	Method string `json:"method"`
	// Dims is the output dimension, 2 (default) or 3 for the explorer.
	Dims int `json:"dims,omitempty"`
	// Name names the projection (default: the method).
	Name string `json:"name,omitempty"`
	Seed uint64 `json:"seed,omitempty"`
	// Perplexity (t-SNE).
	Perplexity float64 `json:"perplexity,omitempty"`
	// PCAComponents reduces the input by PCA first (t-SNE; default 50 when
	// the data have more than 100 columns, as is usual for images).
	PCAComponents *int `json:"pca_components,omitempty"`
	// Iter is the number of iterations after early exaggeration (t-SNE).
	Iter int `json:"iter,omitempty"`
	// Neighbors, MinDist and Epochs (UMAP).
	Neighbors int      `json:"neighbors,omitempty"`
	MinDist   *float64 `json:"min_dist,omitempty"`
	Epochs    int      `json:"epochs,omitempty"`
	// Metric is the input-space metric of UMAP: euclidean or cosine.
	Metric string `json:"metric,omitempty"`
	// Solver is the PCA solver (auto, full, randomized).
	Solver string `json:"solver,omitempty"`
	// Embedding, when set, is an embedding of the dataset (an "encode"
	// job's result) to project instead of the rows themselves: the map of
	// a model's latent space, one point per row.
	Embedding string `json:"embedding,omitempty"`
}

func (s *Server) projectJob(ctx context.Context, info store.Dataset, raw json.RawMessage) (any, jobRun, error) {
	p := projectParams{Dims: 2}
	if err := strictParams(raw, &p); err != nil {
		return nil, nil, err
	}
	if p.Dims < 1 || p.Dims > 3 {
		return nil, nil, badRequest("dims = %d: want 1, 2 or 3", p.Dims)
	}
	if p.Name != "" {
		if err := store.ValidateName(p.Name); err != nil {
			return nil, nil, err
		}
	}
	cols := info.Dim
	if p.Embedding != "" {
		e, err := s.st.Embedding(ctx, p.Embedding)
		if err != nil {
			return nil, nil, err
		}
		if e.DatasetID != info.ID {
			return nil, nil, badRequest("embedding %s is not of dataset %s", e.ID, info.ID)
		}
		cols = e.Dims
	}
	if p.Dims > cols {
		return nil, nil, unprocessable(fmt.Errorf("dims = %d, but the data to project have %d columns", p.Dims, cols))
	}
	var fit func(ctx context.Context, x *mat32.Dense, prog progress.Func) (*mat32.Dense, any, error)
	switch p.Method {
	case "pca":
		switch p.Solver {
		case "", pca.SolverAuto, pca.SolverFull, pca.SolverRandomized:
		default:
			return nil, nil, badRequest("solver %q: want auto, full or randomized", clip(p.Solver))
		}
		fit = func(ctx context.Context, x *mat32.Dense, prog progress.Func) (*mat32.Dense, any, error) {
			var m pca.PCA
			z, err := m.FitTransform(ctx, nil, x, pca.Options{Components: p.Dims, Solver: p.Solver, Seed: p.Seed, Progress: prog})
			if err != nil {
				return nil, nil, err
			}
			return z, map[string]any{"explained_variance_ratio": m.ExplainedVarianceRatio(nil), "solver": m.Solver()}, nil
		}
	case "tsne":
		if p.Perplexity < 0 || p.Iter < 0 {
			return nil, nil, badRequest("perplexity and iter must not be negative")
		}
		pc := 0
		if cols > 100 {
			pc = 50
		}
		if p.PCAComponents != nil {
			pc = *p.PCAComponents
			if pc < 0 || pc > cols {
				return nil, nil, badRequest("pca_components = %d: want 0 to %d", pc, cols)
			}
		}
		fit = func(ctx context.Context, x *mat32.Dense, prog progress.Func) (*mat32.Dense, any, error) {
			m, err := tsne.Fit(ctx, x, tsne.Options{Dims: p.Dims, Perplexity: p.Perplexity, PCAComponents: pc, Iter: p.Iter, Seed: p.Seed, Progress: prog})
			if err != nil {
				return nil, nil, err
			}
			return m.Embedding(nil), map[string]any{"kl": m.KL(), "iterations": m.Iterations(), "method": m.Method().String()}, nil
		}
	case "umap":
		o := umap.DefaultOptions()
		o.Components, o.Seed = p.Dims, p.Seed
		if p.Neighbors != 0 {
			o.Neighbors = p.Neighbors
		}
		if p.MinDist != nil {
			o.MinDist = *p.MinDist
		}
		if p.Epochs < 0 {
			return nil, nil, badRequest("epochs must not be negative")
		}
		o.Epochs = p.Epochs
		if p.Metric != "" {
			m, err := umap.ParseMetric(p.Metric)
			if err != nil {
				return nil, nil, badRequest("metric: %v", err)
			}
			o.Metric = m
		}
		fit = func(ctx context.Context, x *mat32.Dense, prog progress.Func) (*mat32.Dense, any, error) {
			o.Progress = prog
			var u umap.UMAP
			z, err := u.FitTransform(ctx, nil, x, o)
			if err != nil {
				return nil, nil, err
			}
			a, b := u.AB()
			return z, map[string]any{"a": a, "b": b, "epochs": u.Options().Epochs}, nil
		}
	case "":
		return nil, nil, badRequest("params.method is required: pca, tsne or umap")
	default:
		return nil, nil, badRequest("unknown method %q: want pca, tsne or umap", clip(p.Method))
	}
	run := func(ctx context.Context, prog progress.Func) (any, error) {
		var x *mat32.Dense
		var err error
		if p.Embedding != "" {
			if x, err = s.st.LoadEmbedding(ctx, p.Embedding); err != nil {
				return nil, err
			}
		} else {
			l, err := s.cache.get(ctx, info.ID)
			if err != nil {
				return nil, err
			}
			x = l.d.X
		}
		z, summary, err := fit(ctx, x, prog)
		if err != nil {
			return nil, err
		}
		proj, err := s.st.AddProjection(context.Background(), info.ID, p.Name, p.Method, p, summary, z)
		if err != nil {
			return nil, err
		}
		return map[string]any{"projection": proj.ID}, nil
	}
	return p, run, nil
}

// metricsParams are the params of a "metrics" job: how well a projection
// keeps its dataset's neighbourhoods and separates its classes.
type metricsParams struct {
	Projection string `json:"projection"`
	// K is the neighbour count (default 10).
	K int `json:"k,omitempty"`
	// SilhouetteSample bounds the rows the silhouette is computed on
	// (default 10,000; 0 keeps the default).
	SilhouetteSample int    `json:"silhouette_sample,omitempty"`
	Seed             uint64 `json:"seed,omitempty"`
}

func (s *Server) metricsJob(ctx context.Context, info store.Dataset, raw json.RawMessage) (any, jobRun, error) {
	p := metricsParams{K: metrics.DefaultK, SilhouetteSample: 10_000}
	if err := strictParams(raw, &p); err != nil {
		return nil, nil, err
	}
	proj, err := s.st.Projection(ctx, p.Projection)
	if err != nil {
		return nil, nil, err
	}
	if proj.DatasetID != info.ID {
		return nil, nil, badRequest("projection %s is not of dataset %s", proj.ID, info.ID)
	}
	if p.K < 1 || 2*p.K >= info.Rows {
		return nil, nil, unprocessable(fmt.Errorf("k = %d: want 1 ≤ k < rows/2 = %d", p.K, info.Rows/2))
	}
	run := func(ctx context.Context, prog progress.Func) (any, error) {
		l, err := s.cache.get(ctx, info.ID)
		if err != nil {
			return nil, err
		}
		y, err := s.st.LoadProjection(ctx, proj.ID)
		if err != nil {
			return nil, err
		}
		res := map[string]any{"projection": proj.ID, "k": p.K}
		nb, err := metrics.Neighborhood(ctx, l.d.X, y, metrics.NeighborOptions{K: p.K, Progress: prog})
		if err != nil {
			return nil, err
		}
		res["trustworthiness"], res["continuity"], res["knn_preservation"] = nb.Trustworthiness, nb.Continuity, nb.KNNPreservation
		if l.d.Labels != nil && len(l.d.Classes) >= 2 {
			acc, err := metrics.KNNAccuracy(ctx, y, l.d.Labels, metrics.KNNAccuracyOptions{K: p.K, Seed: p.Seed, Progress: prog})
			if err == nil {
				res["knn_accuracy"], res["knn_accuracy_std"] = acc.Mean, acc.Std
			} else if ctx.Err() != nil {
				return nil, err
			} else {
				res["knn_accuracy_error"] = err.Error()
			}
			sil, err := metrics.Silhouette(ctx, y, l.d.Labels, metrics.SilhouetteOptions{SampleSize: p.SilhouetteSample, Seed: p.Seed, Progress: prog})
			if err == nil {
				res["silhouette"] = sil
			} else if ctx.Err() != nil {
				return nil, err
			} else {
				res["silhouette_error"] = err.Error()
			}
		}
		return res, nil
	}
	return p, run, nil
}

func (s *Server) getProjection(w http.ResponseWriter, r *http.Request) error {
	p, err := s.st.Projection(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// getPoints returns a projection's coordinates as little-endian float32,
// row after row (X-Latent-Rows × X-Latent-Dims values): the explorer's
// vertex buffer, 12 MB for a million 3-D points.
func (s *Server) getPoints(w http.ResponseWriter, r *http.Request) error {
	y, err := s.st.LoadProjection(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", binaryContentType)
	h.Set("X-Latent-Rows", strconv.Itoa(y.Rows))
	h.Set("X-Latent-Dims", strconv.Itoa(y.Cols))
	h.Set("Content-Length", strconv.Itoa(4*len(y.Data)))
	_, err = w.Write(npy.LittleEndian(y.Data))
	return err
}

// exportProjection downloads a projection as CSV (?format=csv, with the
// row's label when the dataset has labels) or .npy (?format=npy).
func (s *Server) exportProjection(w http.ResponseWriter, r *http.Request) error {
	p, err := s.st.Projection(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "npy" {
		return badRequest("format=%q: want csv or npy", clip(format))
	}
	y, err := s.st.LoadProjection(r.Context(), p.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, p.ID, format))
	if format == "npy" {
		w.Header().Set("Content-Type", binaryContentType)
		return npy.WriteFloat32(w, []int{y.Rows, y.Cols}, y.Data)
	}
	l, err := s.cache.get(r.Context(), p.DatasetID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	rec := []string{"row"}
	for j := range y.Cols {
		rec = append(rec, "x"+strconv.Itoa(j+1))
	}
	if l.d.Labels != nil {
		rec = append(rec, "label")
	}
	cw.Write(rec)
	for i := range y.Rows {
		rec = append(rec[:0], strconv.Itoa(i))
		for _, v := range y.Row(i) {
			rec = append(rec, strconv.FormatFloat(float64(v), 'g', -1, 32))
		}
		if l.d.Labels != nil {
			rec = append(rec, l.d.Label(i))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
