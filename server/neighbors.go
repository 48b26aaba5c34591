package server

import (
	"fmt"
	"net/http"

	"github.com/latentlab/latent/knn"
)

// MaxK is the most neighbours one query may ask for.
const MaxK = 1000

// neighborsRequest is a neighbour query: the neighbours of a row of the
// dataset (Row) or of a free vector (Vector, in the dataset's space).
type neighborsRequest struct {
	Row    *int      `json:"row,omitempty"`
	Vector []float32 `json:"vector,omitempty"`
	K      int       `json:"k,omitempty"`
	Metric string    `json:"metric,omitempty"`
	Method string    `json:"method,omitempty"`
}

// neighborsResponse lists neighbours nearest first.
type neighborsResponse struct {
	Rows      []int32   `json:"rows"`
	Distances []float32 `json:"distances"`
	Metric    string    `json:"metric"`
	// Method is "exact" or "hnsw" (approximate), whichever answered, or
	// "weaviate" for a collection's vector index.
	Method string `json:"method"`
}

// getNeighbors answers GET /api/datasets/{id}/neighbors?row=I&k=10&metric=euclidean.
func (s *Server) getNeighbors(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("row") == "" {
		return badRequest("parameter row is required (POST a JSON body to query a vector)")
	}
	row, err := queryInt(r, "row", 0, 0, 1<<31-1)
	if err != nil {
		return err
	}
	k, err := queryInt(r, "k", 10, 1, MaxK)
	if err != nil {
		return err
	}
	return s.neighbors(w, r, neighborsRequest{Row: &row, K: k, Metric: q.Get("metric"), Method: q.Get("method")})
}

// postNeighbors answers POST /api/datasets/{id}/neighbors with a JSON
// neighborsRequest.
func (s *Server) postNeighbors(w http.ResponseWriter, r *http.Request) error {
	var req neighborsRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.K == 0 {
		req.K = 10
	}
	if req.K < 1 || req.K > MaxK {
		return badRequest("k = %d: want 1 to %d", req.K, MaxK)
	}
	return s.neighbors(w, r, req)
}

func (s *Server) neighbors(w http.ResponseWriter, r *http.Request, req neighborsRequest) error {
	metric := knn.Euclidean
	if req.Metric != "" {
		m, err := knn.ParseMetric(req.Metric)
		if err != nil || m == knn.InnerProduct {
			return badRequest("metric %q: want euclidean, cosine or manhattan", clip(req.Metric))
		}
		metric = m
	}
	switch req.Method {
	case "":
		req.Method = "auto"
	case "auto", "exact", "hnsw":
	default:
		return badRequest("method %q: want auto, exact or hnsw", clip(req.Method))
	}
	if (req.Row == nil) == (req.Vector == nil) {
		return badRequest("give exactly one of row and vector")
	}
	if req.Method != "exact" {
		done, err := s.neighborsRemote(w, r, req, metric)
		if done || err != nil {
			return err
		}
	}
	l, err := s.cache.get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	var q []float32
	var exclude []int
	if req.Row != nil {
		i := *req.Row
		if i < 0 || i >= l.d.Len() {
			return errorf(http.StatusNotFound, CodeNotFound, "row %d: dataset %s has %d rows", i, l.info.ID, l.d.Len())
		}
		q, exclude = l.d.X.Row(i), []int{i}
	} else {
		if len(req.Vector) != l.d.Dim() {
			return unprocessable(fmt.Errorf("vector has %d values; dataset %s has %d columns", len(req.Vector), l.info.ID, l.d.Dim()))
		}
		q = req.Vector
	}
	g, method, err := s.cache.neighbors(r.Context(), l, q, req.K, metric, req.Method, exclude)
	if err != nil {
		return err
	}
	writeNeighbors(w, g, metric, method)
	return nil
}

// neighborsRemote answers a query on a collection of the remote store
// through its vector index (done is true then); other datasets are left to
// the caller. The metric is the index's: another one is answered only by
// method=exact, over the loaded collection.
func (s *Server) neighborsRemote(w http.ResponseWriter, r *http.Request, req neighborsRequest, asked knn.Metric) (done bool, err error) {
	if s.remote == nil {
		return false, nil
	}
	info, err := s.dataset(r.Context(), r.PathValue("id"))
	if err != nil || !info.Linked() {
		return false, err
	}
	v, err := s.view(r.Context(), info)
	if err != nil {
		return true, err
	}
	metric, err := knn.ParseMetric(v.Metric)
	if err != nil {
		return true, err
	}
	if req.Metric != "" && asked != metric {
		return true, unprocessable(fmt.Errorf("the Weaviate collection %s is indexed for %s, not %s: ask for metric=%s, or method=exact to search the loaded rows", v.Collection, metric, asked, metric))
	}
	row := -1
	if req.Row != nil {
		row = *req.Row
	}
	g, err := s.remoteNeighbors(r.Context(), v, req.Vector, row, req.K)
	if err != nil {
		return true, err
	}
	writeNeighbors(w, g, metric, remoteKind)
	return true, nil
}

// writeNeighbors writes the first row of g, nearest first.
func writeNeighbors(w http.ResponseWriter, g *knn.Graph, metric knn.Metric, method string) {
	idx, dist := g.Row(0)
	// Drop padding (-1) of an approximate search that found fewer.
	n := len(idx)
	for n > 0 && idx[n-1] < 0 {
		n--
	}
	writeJSON(w, http.StatusOK, neighborsResponse{Rows: idx[:n], Distances: dist[:n], Metric: metric.String(), Method: method})
}
