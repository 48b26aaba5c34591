// Package store is latent's workspace: a folder that holds datasets,
// projections, embeddings, models, background jobs and bookmarks, with an
// embedded SQLite catalogue (modernc.org/sqlite, pure Go, no server to
// install) and the bulk data in plain files beside it.
//
//	DIR/latent.db            the catalogue (WAL mode), schema in migrations.go
//	DIR/blobs/KIND/ID/...    one folder of files per catalogued object:
//	                         datasets: x.npy (float32 rows), labels.npy (int64,
//	                         optional), side.json (classes, metadata, image shape);
//	                         projections: y.npy; embeddings: z.npy;
//	                         models: whatever the model's Save writes
//	                         (safetensors weights plus a JSON config)
//	DIR/tmp/                 uploads and other scratch files
//	DIR/lock                 held (flock) by the process that cleaned up at open
//
// FORMAT.md next to this file describes the tables and files.
//
// # Invariants
//
//   - File names come only from IDs that this package generates (a kind
//     prefix and 16 hex digits); a user's name for an object is a catalogue
//     value and never reaches the file system, so no name can escape the
//     workspace. Every ID taken from a caller is checked against that pattern
//     before it is used.
//   - An object's files are written completely (internal/atomicfile: a
//     temporary file, fsync, rename) before its catalogue row commits, and a
//     row's files are never rewritten. A crash at any moment — kill -9 in the
//     middle of an import — therefore leaves either no row (and an orphan
//     folder, removed the next time the workspace is opened) or a row whose
//     files are complete. Deleting removes the row first and the files after.
//   - Every row records the size and SHA-256 of its files; Verify rechecks
//     them, and a row whose files are missing or damaged is reported.
//   - The catalogue runs in WAL mode with synchronous=FULL: a transaction that
//     returned is on disk. Several processes (a server and a "latent import")
//     may use one workspace at the same time; only the one that holds the
//     lock file removes orphans, and only when it opens.
//   - Jobs that were queued or running when their process died are marked
//     "interrupted" at the next open by the lock holder.
//
// Bad input (a name that is empty, too long or holds control characters, an
// ID of the wrong shape, a duplicate name) is an error wrapping ErrInvalid or
// ErrExists; a missing object wraps ErrNotFound, so callers (the HTTP API)
// can map them to status codes with errors.Is.
package store
