// Package weaviate keeps latent's collections — vectors with their labels
// and metadata — in a Weaviate cluster, for data that outgrows one machine:
// it creates collections, imports rows in concurrent batches with retries
// and a resumable checkpoint, answers neighbour queries through Weaviate's
// vector index, walks a collection with the cursor API, and loads one back
// as a dataset.Dataset. Client implements Store, the interface the
// explorer, the API and the neighbours command can use for any backend.
//
// A store is addressed as weaviate://HOST:PORT[,HOST:PORT...] (see
// ParseURL); the API key comes from $WEAVIATE_API_KEY, never from the URL.
//
// # Data model
//
// A collection is a Weaviate class with one unnamed vector (no
// vectorizer: vectors are brought by the caller), the properties "row"
// (int, the row number in the pushed data), "label" (text, the class name,
// absent for unlabelled rows) and one text property per metadata column
// ("m_" and the column name made safe). The class description records the
// dimension and the metadata columns' original names, which Weaviate does
// not keep. The metric maps to Weaviate's distance: euclidean to
// l2-squared (neighbour distances are returned as true euclidean
// distances, as package knn does), cosine to cosine, inner product to dot,
// manhattan to manhattan.
// Vectors come back exactly as they were pushed.
//
// # Invariants
//
//   - Row r of collection C is always the object ObjectID(C, r), a
//     version-5 UUID of the two. Imports are upserts: a batch that is
//     retried, or sent again after a crash, replaces the same objects and
//     never adds copies.
//   - A checkpoint (FORMAT.md) records a count of rows such that every row
//     before it is stored; it is written atomically (temporary file, fsync,
//     rename) only after the server acknowledged those rows. A push that
//     resumes from it loses nothing and duplicates nothing.
//   - Every request has a deadline (Config.Timeout; connecting,
//     Config.DialTimeout): an unreachable node gives an error naming its
//     address, never a hang.
//   - Transient failures (refused or reset connections, timeouts, HTTP 5xx,
//     429, 408, gRPC Unavailable and kin) are retried up to Retry.Attempts
//     times with exponential backoff and full jitter, on the next node of
//     the cluster first; a node that failed to answer is avoided for a
//     moment. Other failures are returned at once.
//   - Objects that the server refuses inside a successful batch are
//     retried on their own, then reported by row and ID in a
//     *PartialError; the rest of the import goes on.
//   - Bad input is an error naming the row and the problem: wrong column
//     count, NaN or ±Inf, zero vectors under cosine, labels or metadata
//     that do not match the rows. Server-side conditions are errors that
//     can be tested with errors.Is: ErrNotFound (a collection that does not
//     exist or was deleted while in use), ErrUnauthorized (a wrong or
//     missing API key), ErrUnreachable, ErrConflict (a collection that
//     exists with another dimension or metric). Caller bugs (a WriteBack
//     with mismatched rows) panic with a message starting "weaviate:".
//
// # Transport
//
// Schema and cluster calls go over REST; imports, searches, counts and the
// cursor over gRPC, whose batch import is several times faster than the
// REST one. The package speaks to the server through the protocol buffers
// that Weaviate publishes (github.com/weaviate/weaviate/grpc/generated)
// rather than through its Go client (weaviate-go-client v5), because the
// client cannot be closed — each client leaves its gRPC connection open
// and a finalizer blocked on a channel (weaviate-go-client issue #209) —
// and has no retries, no per-call deadlines of its own and no way to use
// several nodes. What it adds over the protocol is little: the few REST
// calls here are plain JSON.
//
// # Consistency
//
// With replicated collections (Spec.Replication > 1), writes wait for
// Consistency replicas: ONE lets an import continue while a node is down,
// and with Spec.AsyncReplication the replicas then repair each other once
// the node is back. Searches read from one replica per shard.
//
// # Performance
//
// bench/weaviate, servers on 127.0.0.1 sharing 2 cores, 1,000,000 × 128-d
// generated vectors, batches of 1,000, 4 in flight: 1,429 vectors/s into
// one node, 2,164 into three (three shards); the servers' HNSW insertion
// is the bound (2.9 CPU-seconds on the client side for the whole import).
// Queries k=10 at ef 128, one at a time: p50 2.4 ms, p99 4.1 ms, recall@10
// 0.950 against exact (one node); p50 3.5 ms, p99 6.0 ms, recall 0.991
// (three nodes).
package weaviate
