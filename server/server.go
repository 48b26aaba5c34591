package server

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/latentlab/latent/server/ui"
	"github.com/latentlab/latent/store"
	"github.com/latentlab/latent/weaviate"
)

// Defaults of Config's limits.
const (
	DefaultMaxUpload    = 1 << 30 // bytes of one uploaded file
	DefaultMaxBody      = 1 << 20 // bytes of a JSON request body
	DefaultExactMaxRows = 20_000  // neighbour queries are exact up to this many rows
	DefaultCacheSize    = 8       // datasets held in memory
	DefaultCacheBytes   = 8 << 30 // bytes of dataset matrices held in memory
	DefaultJobWorkers   = 1       // jobs that run at once
)

// Config configures a Server. Store is required; every other field has a
// usable zero value.
type Config struct {
	// Store is the workspace the server serves.
	Store *store.Store
	// Remote, when not nil, is a Weaviate cluster whose collections are
	// served beside the workspace's datasets: listed, loaded into the
	// cache on use, and asked for neighbours through their vector index.
	// Their projections, embeddings, bookmarks and jobs are kept in the
	// workspace, under a catalogue link for each collection. The server
	// never changes or drops a collection; the caller closes Remote.
	Remote weaviate.Store
	// Token, when not empty, is required as "Authorization: Bearer TOKEN"
	// on every /api call (compared in constant time).
	Token string
	// CORSOrigin, when not empty, is the one origin allowed to call the API
	// from another site; by default no CORS headers are sent.
	CORSOrigin string
	// DevUI, when not empty, serves the web explorer from this folder
	// instead of the copy built into the binary (for editing it live).
	DevUI string
	// MaxUpload is the largest uploaded file in bytes; 0 means
	// DefaultMaxUpload.
	MaxUpload int64
	// MaxBody is the largest JSON request body in bytes; 0 means
	// DefaultMaxBody.
	MaxBody int64
	// ExactMaxRows is the largest dataset whose neighbour queries are
	// answered by exact search; larger datasets get an HNSW index, built in
	// the background on first use (exact answers meanwhile). 0 means
	// DefaultExactMaxRows.
	ExactMaxRows int
	// CacheSize is the number of datasets kept loaded and CacheBytes the
	// most bytes of their matrices (the least recently used go first; the
	// one in use always stays); 0 means DefaultCacheSize and
	// DefaultCacheBytes.
	CacheSize  int
	CacheBytes int64
	// JobWorkers is the number of jobs that run at once; 0 means
	// DefaultJobWorkers (fits use every core already).
	JobWorkers int
	// Logger receives request errors and job outcomes; nil discards them.
	Logger *slog.Logger
	// ModelLoaders open stored models by kind, in addition to the built-in
	// "pca" (a linear autoencoder); ModelTrainers fit them in "train" jobs.
	ModelLoaders  map[string]ModelLoader
	ModelTrainers map[string]ModelTrainer
}

// Server serves the JSON API and the web explorer over one workspace and,
// optionally, a Weaviate cluster.
type Server struct {
	cfg    Config
	st     *store.Store
	remote weaviate.Store // nil without a remote store
	linkMu sync.Mutex     // serialises adding catalogue links
	log    *slog.Logger
	mux    *http.ServeMux
	ui     http.Handler
	ctx    context.Context // cancelled by Close: stops jobs and index builds
	cancel context.CancelFunc
	wg     sync.WaitGroup
	cache  *cache
	jobs   *jobManager
	models *modelCache
}

// New returns a server over cfg.Store. Close it to stop its jobs.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.ExactMaxRows <= 0 {
		cfg.ExactMaxRows = DefaultExactMaxRows
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = DefaultCacheBytes
	}
	if cfg.JobWorkers <= 0 {
		cfg.JobWorkers = DefaultJobWorkers
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, st: cfg.Store, remote: cfg.Remote, log: log, mux: http.NewServeMux()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cache = newCache(s)
	s.jobs = newJobManager(s)
	s.models = newModelCache(s)
	var uifs fs.FS = ui.FS
	if cfg.DevUI != "" {
		st, err := os.Stat(cfg.DevUI)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("server: --dev-ui %s is not a folder", cfg.DevUI)
		}
		uifs = os.DirFS(cfg.DevUI)
	}
	s.ui = http.FileServerFS(uifs)
	s.routes()
	return s, nil
}

// Close cancels the running jobs and index builds and waits for them.
func (s *Server) Close() error {
	s.cancel()
	s.jobs.close()
	s.wg.Wait()
	return nil
}

// Handler returns the HTTP handler of the API (/api/...) and the explorer
// (everything else).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if !strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != "/api" {
		// The explorer: its own files only, no inline scripts from elsewhere.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.writeError(w, r, errorf(http.StatusMethodNotAllowed, CodeMethod, "%s is not allowed here", r.Method))
			return
		}
		s.ui.ServeHTTP(w, r)
		return
	}
	if s.cfg.CORSOrigin != "" {
		h.Set("Vary", "Origin")
		if r.Header.Get("Origin") == s.cfg.CORSOrigin {
			h.Set("Access-Control-Allow-Origin", s.cfg.CORSOrigin)
			h.Set("Access-Control-Expose-Headers", "X-Latent-Rows, X-Latent-Dims, X-Latent-Code-Width, X-Latent-Categories")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
	}
	if s.cfg.Token != "" && !s.authorized(r) {
		h.Set("WWW-Authenticate", `Bearer realm="latent"`)
		s.writeError(w, r, errorf(http.StatusUnauthorized, CodeUnauthorized, "missing or wrong bearer token"))
		return
	}
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) == 1
}

// handlerFunc is a handler that returns its error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
				err = fmt.Errorf("%w: %v", context.Canceled, err)
			}
			s.writeError(w, r, err)
		}
	})
}

// route is one API route: a ServeMux pattern and its handler.
type route struct {
	pattern string
	h       handlerFunc
}

// routeTable lists the API routes; openapi.json documents each of them.
func (s *Server) routeTable() []route {
	return []route{
		{"GET /api/openapi", s.getOpenAPI},
		{"GET /api/health", s.getHealth},
		{"GET /api/datasets", s.listDatasets},
		{"POST /api/datasets", s.uploadDataset},
		{"GET /api/datasets/{id}", s.getDataset},
		{"DELETE /api/datasets/{id}", s.deleteDataset},
		{"GET /api/datasets/{id}/categories", s.getCategories},
		{"GET /api/datasets/{id}/codes", s.getCodes},
		{"GET /api/datasets/{id}/rows/{row}", s.getRow},
		{"GET /api/datasets/{id}/rows/{row}/image", s.getRowImage},
		{"GET /api/datasets/{id}/search", s.search},
		{"GET /api/datasets/{id}/neighbors", s.getNeighbors},
		{"POST /api/datasets/{id}/neighbors", s.postNeighbors},
		{"GET /api/datasets/{id}/projections", listOfDataset(s, "projections", s.st.Projections)},
		{"GET /api/datasets/{id}/embeddings", listOfDataset(s, "embeddings", s.st.Embeddings)},
		{"DELETE /api/embeddings/{id}", deleteBy(s.st.DeleteEmbedding)},
		{"GET /api/datasets/{id}/bookmarks", listOfDataset(s, "bookmarks", s.st.Bookmarks)},
		{"POST /api/datasets/{id}/bookmarks", s.addBookmark},
		{"DELETE /api/bookmarks/{id}", deleteBy(s.st.DeleteBookmark)},
		{"GET /api/projections/{id}", s.getProjection},
		{"DELETE /api/projections/{id}", deleteBy(s.st.DeleteProjection)},
		{"GET /api/projections/{id}/points", s.getPoints},
		{"GET /api/projections/{id}/export", s.exportProjection},
		{"GET /api/jobs", s.listJobs},
		{"POST /api/jobs", s.createJob},
		{"GET /api/jobs/{id}", s.getJob},
		{"DELETE /api/jobs/{id}", s.cancelJob},
		{"POST /api/jobs/{id}/cancel", s.cancelJob},
		{"GET /api/jobs/{id}/events", s.jobEvents},
		{"GET /api/models", s.listModels},
		{"GET /api/models/{id}", s.getModel},
		{"DELETE /api/models/{id}", s.deleteModel},
		{"POST /api/models/{id}/encode", s.encode},
		{"POST /api/models/{id}/decode", s.decode},
		{"POST /api/models/{id}/interpolate", s.interpolate},
		{"POST /api/models/{id}/sample", s.sample},
	}
}

func (s *Server) routes() {
	for _, r := range s.routeTable() {
		s.handle(r.pattern, r.h)
	}
	s.handle("/api/", func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusNotFound, CodeNotFound, "no API route %s %s", r.Method, r.URL.Path)
	})
}

// listOfDataset answers with the objects of the dataset {id} that list
// returns, under key.
func listOfDataset[T any](s *Server, key string, list func(context.Context, string) ([]T, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := s.resolve(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		items, err := list(r.Context(), info.ID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{key: items})
		return nil
	}
}

// deleteBy answers the deletion of the object {id} by remove.
func deleteBy(remove func(context.Context, string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := remove(r.Context(), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

//go:embed openapi.json
var openAPI []byte

func (s *Server) getOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", jsonContentType)
	w.Write(openAPI)
	return nil
}

func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) error {
	stores := []string{storeWorkspace}
	if s.remote != nil {
		stores = append(stores, storeRemote)
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "workspace": s.st.Dir(), "schema": store.SchemaVersion,
		"model_kinds": s.trainerNames(), "stores": stores})
	return nil
}

// decodeJSON reads a JSON request body of at most MaxBody bytes into v,
// refusing unknown fields and trailing data.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return badRequest("empty request body: want a JSON object")
		}
		return badRequest("request body: %v", err)
	}
	if dec.More() {
		return badRequest("request body: data after the JSON object")
	}
	return nil
}

// queryInt reads an integer query parameter in [lo, hi], def when absent.
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("parameter %s=%q: want an integer from %d to %d", name, clip(v), lo, hi)
	}
	return n, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// IsLoopback reports whether addr (host:port) listens only on the loopback
// interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckAddr refuses to listen on a non-loopback address without a token.
func CheckAddr(addr, token string) error {
	if !IsLoopback(addr) && token == "" {
		return fmt.Errorf("listening on %s (not loopback) needs --token: anyone who can reach it could read and change the workspace", addr)
	}
	return nil
}

// Timeouts of NewHTTPServer. Uploads extend their read deadline and event
// streams lift their write deadline.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 2 * time.Minute
	WriteTimeout      = 5 * time.Minute
	IdleTimeout       = 2 * time.Minute
	UploadTimeout     = 30 * time.Minute
)

// NewHTTPServer returns an http.Server for h on addr with the timeouts
// above and a 64 KiB header limit.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}
