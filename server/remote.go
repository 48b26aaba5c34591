package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/store"
	"github.com/latentlab/latent/weaviate"
)

// remoteKind names the remote backend in dataset entries, catalogue links
// and messages.
const remoteKind = "weaviate"

// Values of datasetView.Store.
const (
	storeWorkspace = "workspace"
	storeRemote    = remoteKind
)

// datasetView is a dataset entry as the API returns it: the catalogue
// entry, with, for a collection of the remote store, its live shape.
type datasetView struct {
	store.Dataset
	// Store is "workspace" for data held in the workspace, "weaviate" for
	// a collection of the server's Weaviate cluster.
	Store string `json:"store"`
	// Collection is the Weaviate collection (remote datasets only).
	Collection string `json:"collection,omitempty"`
	// Metric is the metric of the collection's vector index (remote
	// datasets only): the one neighbour queries use by default.
	Metric string `json:"metric,omitempty"`
}

// api returns the entry as the API shows it: a remote dataset's source is
// "weaviate", not its catalogue link.
func (v datasetView) api() datasetView {
	if v.Store == storeRemote {
		v.Source, v.SourceType = remoteKind, remoteKind
	}
	return v
}

// remoteError is an error of the remote store, mapped to an HTTP status by
// statusOf.
type remoteError struct{ err error }

func (e *remoteError) Error() string {
	switch {
	case errors.Is(e.err, weaviate.ErrUnauthorized):
		return "the Weaviate cluster refused the request (check $WEAVIATE_API_KEY where the server runs): " + e.err.Error()
	case errors.Is(e.err, weaviate.ErrUnreachable):
		return "the Weaviate cluster is unreachable: " + e.err.Error()
	}
	return e.err.Error()
}

func (e *remoteError) Unwrap() error { return e.err }

// remoteErr marks err as coming from the remote store.
func remoteErr(err error) error {
	if err == nil {
		return nil
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return err
	}
	return &remoteError{err}
}

// remoteStatus maps an error of the remote store: a missing collection or
// row is 404; an unreachable or overloaded cluster, or one too slow to
// answer, 503; a refused API key or any other failure of the cluster, 502.
func remoteStatus(err error) (int, string) {
	switch {
	case errors.Is(err, context.Canceled):
		return StatusClientGone, CodeCancelled
	case errors.Is(err, weaviate.ErrNotFound):
		return http.StatusNotFound, CodeNotFound
	case errors.Is(err, weaviate.ErrUnauthorized):
		return http.StatusBadGateway, CodeBadGateway
	case errors.Is(err, weaviate.ErrUnreachable), errors.Is(err, context.DeadlineExceeded), weaviate.Transient(err):
		return http.StatusServiceUnavailable, CodeUnavailable
	}
	return http.StatusBadGateway, CodeBadGateway
}

// linkSource is the catalogue source of a collection's link.
func linkSource(collection string) string { return remoteKind + ":" + collection }

// collectionOf returns the collection a linked dataset stands for.
func collectionOf(info store.Dataset) (string, bool) {
	if !info.Linked() {
		return "", false
	}
	return strings.CutPrefix(info.Source, remoteKind+":")
}

// classPattern is what a Weaviate collection name can be: refs of another
// shape are never asked of the cluster.
var classPattern = regexp.MustCompile(`^[A-Za-z][_0-9A-Za-z]{0,230}$`)

// dataset resolves a dataset ID or name (see resolve); the entry of a
// linked dataset carries the collection's live shape.
func (s *Server) dataset(ctx context.Context, ref string) (store.Dataset, error) {
	info, err := s.resolve(ctx, ref)
	if err != nil || !info.Linked() {
		return info, err
	}
	v, err := s.live(ctx, info)
	return v.Dataset, err
}

// resolve returns the catalogue entry of a dataset ID or name. A
// collection of the remote store that is not catalogued yet is linked on
// first use.
func (s *Server) resolve(ctx context.Context, ref string) (store.Dataset, error) {
	info, err := s.st.Dataset(ctx, ref)
	if err == nil {
		return info, nil
	}
	if !errors.Is(err, store.ErrNotFound) || s.remote == nil || !classPattern.MatchString(ref) {
		return info, err
	}
	ri, rerr := s.remote.Info(ctx, ref)
	if rerr != nil {
		if errors.Is(rerr, weaviate.ErrNotFound) {
			return info, err
		}
		return info, remoteErr(rerr)
	}
	v, err := s.link(ctx, ri, nil)
	return v.Dataset, err
}

// view returns the API entry of a catalogued dataset.
func (s *Server) view(ctx context.Context, info store.Dataset) (datasetView, error) {
	if info.Linked() {
		return s.live(ctx, info)
	}
	return datasetView{Dataset: info, Store: storeWorkspace}, nil
}

// live returns the entry of a linked dataset with the collection's shape
// as the remote store reports it now.
func (s *Server) live(ctx context.Context, info store.Dataset) (datasetView, error) {
	ri, err := s.remoteInfo(ctx, info)
	if err != nil {
		return datasetView{}, err
	}
	return s.overlay(info, ri), nil
}

// remoteInfo asks the remote store about the collection of a linked
// dataset.
func (s *Server) remoteInfo(ctx context.Context, info store.Dataset) (weaviate.Info, error) {
	col, ok := collectionOf(info)
	if !ok {
		return weaviate.Info{}, errorf(http.StatusServiceUnavailable, CodeUnavailable, "dataset %s is kept in %s, which this server does not read", info.ID, clip(info.Source))
	}
	if s.remote == nil {
		return weaviate.Info{}, errorf(http.StatusServiceUnavailable, CodeUnavailable, "dataset %s is the Weaviate collection %s: start the server with --store weaviate://HOST:PORT to open it", info.ID, col)
	}
	ri, err := s.remote.Info(ctx, col)
	if err != nil {
		if errors.Is(err, weaviate.ErrNotFound) {
			return weaviate.Info{}, errorf(http.StatusNotFound, CodeNotFound, "dataset %s: the Weaviate collection %s no longer exists", info.ID, col)
		}
		return weaviate.Info{}, remoteErr(err)
	}
	return ri, nil
}

// overlay puts a collection's live shape, and what a loaded copy says
// about its labels, on its catalogue entry. A loaded copy of another shape
// (the collection changed) is dropped, to be loaded again.
func (s *Server) overlay(info store.Dataset, ri weaviate.Info) datasetView {
	info.Rows, info.Dim = ri.Rows, ri.Dim
	info.Meta = append([]string{}, ri.Meta...)
	if l := s.cache.peek(info.ID); l != nil {
		if l.d.Len() != ri.Rows || l.d.Dim() != ri.Dim {
			s.cache.drop(info.ID)
		} else {
			info.Labelled = l.d.Labels != nil
			info.Classes = nonNil(l.d.Classes)
		}
	}
	return datasetView{Dataset: info, Store: storeRemote, Collection: ri.Name, Metric: ri.Metric.String()}
}

// link returns the catalogue entry of a collection, adding a link for it
// the first time. byName, when not nil, holds the catalogue's datasets by
// name to save a query. The link is named after the collection, or, when a
// stored dataset has that name, the collection's name followed by
// " (weaviate)".
func (s *Server) link(ctx context.Context, ri weaviate.Info, all []store.Dataset) (datasetView, error) {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	if all == nil {
		var err error
		if all, err = s.st.Datasets(ctx); err != nil {
			return datasetView{}, err
		}
	}
	src := linkSource(ri.Name)
	taken := map[string]bool{}
	for _, d := range all {
		if d.Linked() && d.Source == src {
			return s.overlay(d, ri), nil
		}
		taken[d.Name] = true
	}
	name := ri.Name
	if taken[name] {
		name = ri.Name + " (" + remoteKind + ")"
	}
	info, err := s.st.LinkDataset(ctx, name, src, ri.Rows, ri.Dim, ri.Meta)
	if err != nil {
		return datasetView{}, fmt.Errorf("cataloguing the Weaviate collection %s: %w", ri.Name, err)
	}
	return s.overlay(info, ri), nil
}

// listRemote returns the entries of the remote store's collections,
// linking those seen for the first time.
func (s *Server) listRemote(ctx context.Context, all []store.Dataset) ([]datasetView, error) {
	infos, err := s.remote.List(ctx)
	if err != nil {
		return nil, remoteErr(err)
	}
	out := []datasetView{}
	for _, ri := range infos {
		v, err := s.link(ctx, ri, all)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// loadRemote reads a linked dataset's collection for the cache, refusing
// one whose matrix alone would be more than the cache may hold.
// info is the live entry (from dataset).
func (s *Server) loadRemote(ctx context.Context, info store.Dataset) (*dataset.Dataset, error) {
	col, ok := collectionOf(info)
	if !ok || s.remote == nil {
		_, err := s.live(ctx, info)
		return nil, err
	}
	if bytes := 4 * int64(info.Rows) * int64(info.Dim); bytes > s.cfg.CacheBytes {
		return nil, unprocessable(fmt.Errorf("the Weaviate collection %s holds %d×%d values (%d bytes), more than the server may hold in memory (%d bytes): neighbour queries work on it, loading it does not",
			col, info.Rows, info.Dim, bytes, s.cfg.CacheBytes))
	}
	d, err := s.remote.Load(ctx, col, nil)
	if err != nil {
		return nil, remoteErr(err)
	}
	return d, nil
}

// remoteNeighbors answers a neighbour query on a linked dataset through
// the remote store's vector index: q (a vector) or row (when q is nil).
func (s *Server) remoteNeighbors(ctx context.Context, v datasetView, q []float32, row, k int) (*knn.Graph, error) {
	if q == nil {
		if row < 0 || row >= v.Rows {
			return nil, errorf(http.StatusNotFound, CodeNotFound, "row %d: dataset %s has %d rows", row, v.ID, v.Rows)
		}
		if k > v.Rows-1 {
			return nil, unprocessable(fmt.Errorf("k = %d, but the dataset has only %d other rows", k, v.Rows-1))
		}
		g, err := s.remote.Neighbors(ctx, v.Collection, []int{row}, k)
		return g, remoteErr(err)
	}
	if len(q) != v.Dim {
		return nil, unprocessable(fmt.Errorf("vector has %d values; dataset %s has %d columns", len(q), v.ID, v.Dim))
	}
	if k > v.Rows {
		return nil, unprocessable(fmt.Errorf("k = %d, but the dataset has only %d rows", k, v.Rows))
	}
	g, err := s.remote.Search(ctx, v.Collection, &mat32.Dense{Rows: 1, Cols: len(q), Data: q}, k)
	return g, remoteErr(err)
}
