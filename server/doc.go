// Package server is latent's HTTP server: a JSON API over a workspace
// (package store) and, optionally, a Weaviate cluster (package weaviate),
// and the web explorer (package server/ui), all served by one handler.
// "latent serve" runs it.
//
// # API
//
// openapi.json next to this file describes every route; the server serves
// it at /api/openapi, and a test checks that it lists exactly the routes the
// server has. In short:
//
//	GET/POST   /api/datasets                      list; upload (raw body or multipart, size limit)
//	GET/DELETE /api/datasets/{id}                 entry; delete with its projections (not a Weaviate collection)
//	GET        /api/datasets/{id}/categories|codes colour categories; binary uint16/uint32 codes
//	GET        /api/datasets/{id}/rows/{row}[/image] metadata; PNG thumbnail
//	GET        /api/datasets/{id}/search?q=       substring or RE2 regex over labels and metadata
//	GET/POST   /api/datasets/{id}/neighbors       k nearest rows of a row or a vector (original space)
//	GET/POST   /api/datasets/{id}/bookmarks       saved explorer views
//	GET        /api/projections/{id}/points       binary little-endian float32 coordinates
//	GET        /api/projections/{id}/export       CSV or .npy
//	POST       /api/jobs                          project (PCA, t-SNE, UMAP), metrics, train, encode
//	GET        /api/jobs/{id}/events              progress as server-sent events
//	DELETE     /api/jobs/{id}                     cancel (also POST /api/jobs/{id}/cancel)
//	POST       /api/models/{id}/encode|decode|interpolate|sample   PNG for image data
//
// Handlers are thin: they parse and check the request, call the library
// packages (reduce/..., knn, metrics, viz, store) and write the answer.
//
// # Errors
//
// Every error is {"error": {"code": "...", "message": "..."}} with a status
// that says what happened: 400 bad_request (malformed request or parameter,
// invalid name), 401 unauthorized, 404 not_found, 409 conflict (a name is
// taken, a job already finished, a job runs on the dataset), 413 too_large,
// 422 unprocessable (a well-formed request whose data cannot be used: a file
// that does not parse, NaN values, k above the rows), 499 cancelled (the
// client went away), 500 internal (logged), 502 bad_gateway (the Weaviate cluster refused the
// API key or failed; logged), 503 unavailable (shutting down, too many jobs
// queued, the Weaviate cluster unreachable or too slow). store's
// ErrNotFound, ErrExists and ErrInvalid map to 404, 409 and 400; weaviate's
// ErrNotFound (a collection or row that is not there) to 404.
//
// # Jobs
//
// Fits and training run as background jobs on Config.JobWorkers workers (one
// by default: each fit already uses every core). A job's record lives in the
// store; its progress reports are kept in memory and streamed as server-sent
// events. Cancelling a job cancels its context, which the library packages
// check at least once per iteration; the job then ends "cancelled" and
// stores nothing. Jobs still running when the process dies are marked
// "interrupted" when the workspace is next opened.
//
// # Neighbours
//
// Queries search the dataset's original space, exactly (knn.SearchExcluding,
// one GEMM pass) up to Config.ExactMaxRows rows and through an HNSW index
// (knn/hnsw) above. The index is built in the background on first use, with
// exact answers meanwhile, and kept in the dataset's folder for the next run.
//
// # Weaviate
//
// With Config.Remote (latent serve --store weaviate://HOST:PORT), the
// collections of a Weaviate cluster are datasets of the API as the
// workspace's are. Each is catalogued in the workspace as a link
// (store.SourceLink) the first time it is listed or asked for by name, so
// that its projections, embeddings, bookmarks and jobs are kept in the
// workspace under an ID that no stored dataset has; it is listed with
// "store": "weaviate" and its collection's name and metric, and its shape
// is read from the cluster on each request. Its rows are loaded into the
// cache (Store.Load) when an endpoint needs them — colours, rows, search,
// projection jobs, export — within CacheBytes (a larger collection is
// refused with 422), and loaded again when the collection's shape changes.
// Neighbour queries go to the collection's vector index (Store.Neighbors,
// Store.Search) without loading it, in the index's metric; method=exact
// searches the loaded rows instead. The server never drops a collection:
// DELETE is 405. Links to collections that are gone, or read by a server
// without Remote, are not listed; asked for, they are 404 and 503.
//
// # Security
//
// The server is meant for 127.0.0.1; CheckAddr refuses any other address
// without a token, and with Config.Token every /api call needs it as a bearer
// token (compared in constant time). The explorer's static files carry no
// data and need no token; the page asks for it and sends it on each call.
// Request bodies are limited (JSON: Config.MaxBody, uploads:
// Config.MaxUpload); NewHTTPServer sets header, read, write and idle
// timeouts, uploads extend their read deadline and event streams lift their
// write deadline through http.ResponseController. No CORS header is sent
// unless Config.CORSOrigin names the one allowed origin. File names inside
// the workspace come only from generated IDs (see package store); an upload
// keeps only a sanitised extension of the client's file name.
//
// # Models
//
// The model endpoints use the Model interface (encode, decode, sample).
// Built in are the kinds of package model (ae, dae, vae, cvae, gan: trained
// by "train" jobs, saved as safetensors with a JSON config) and "pca", a
// linear autoencoder from reduce/pca; other kinds are added through
// Config.ModelLoaders and Config.ModelTrainers. Interpolation paths come from
// package space (lerp or slerp between the codes of two rows). A
// conditional model (ConditionalModel, such as a cvae) codes each row with
// a class: the request's "class", else the labels of the dataset rows it
// names; its samples cycle through the classes and its interpolations keep
// the class of the first row; decoding free codes without a class is a 422.
package server
