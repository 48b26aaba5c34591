package store

import (
	"context"
	"fmt"
)

// migrations are the schema changes, in order: migrations[i] takes the
// catalogue from version i to i+1. Released entries are never edited; a
// change of schema appends one. The applied versions are recorded in the
// table schema_migrations.
var migrations = []string{
	// 1: the first catalogue.
	`CREATE TABLE datasets (
		id          TEXT PRIMARY KEY,
		name        TEXT NOT NULL UNIQUE,
		rows        INTEGER NOT NULL,
		dim         INTEGER NOT NULL,
		image_h     INTEGER NOT NULL DEFAULT 0,
		image_w     INTEGER NOT NULL DEFAULT 0,
		image_c     INTEGER NOT NULL DEFAULT 0,
		labelled    INTEGER NOT NULL DEFAULT 0,
		classes     TEXT NOT NULL DEFAULT '[]',
		meta        TEXT NOT NULL DEFAULT '[]',
		source      TEXT NOT NULL DEFAULT '',
		source_type TEXT NOT NULL DEFAULT '',
		files       TEXT NOT NULL,
		bytes       INTEGER NOT NULL,
		created     TEXT NOT NULL
	);
	CREATE TABLE models (
		id         TEXT PRIMARY KEY,
		name       TEXT NOT NULL UNIQUE,
		kind       TEXT NOT NULL,
		dataset_id TEXT REFERENCES datasets(id) ON DELETE SET NULL,
		params     TEXT NOT NULL DEFAULT 'null',
		summary    TEXT NOT NULL DEFAULT 'null',
		files      TEXT NOT NULL,
		bytes      INTEGER NOT NULL,
		created    TEXT NOT NULL
	);
	CREATE TABLE projections (
		id         TEXT PRIMARY KEY,
		dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
		name       TEXT NOT NULL,
		method     TEXT NOT NULL,
		rows       INTEGER NOT NULL,
		dims       INTEGER NOT NULL,
		params     TEXT NOT NULL DEFAULT 'null',
		summary    TEXT NOT NULL DEFAULT 'null',
		files      TEXT NOT NULL,
		bytes      INTEGER NOT NULL,
		created    TEXT NOT NULL
	);
	CREATE INDEX projections_dataset ON projections(dataset_id);
	CREATE TABLE embeddings (
		id         TEXT PRIMARY KEY,
		dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
		model_id   TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
		rows       INTEGER NOT NULL,
		dims       INTEGER NOT NULL,
		files      TEXT NOT NULL,
		bytes      INTEGER NOT NULL,
		created    TEXT NOT NULL
	);
	CREATE INDEX embeddings_dataset ON embeddings(dataset_id);
	CREATE TABLE jobs (
		id         TEXT PRIMARY KEY,
		kind       TEXT NOT NULL,
		dataset_id TEXT,
		state      TEXT NOT NULL,
		params     TEXT NOT NULL DEFAULT 'null',
		result     TEXT NOT NULL DEFAULT 'null',
		error      TEXT NOT NULL DEFAULT '',
		created    TEXT NOT NULL,
		started    TEXT NOT NULL DEFAULT '',
		finished   TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX jobs_created ON jobs(created);
	CREATE TABLE bookmarks (
		id         TEXT PRIMARY KEY,
		dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
		name       TEXT NOT NULL,
		state      TEXT NOT NULL,
		created    TEXT NOT NULL
	);
	CREATE INDEX bookmarks_dataset ON bookmarks(dataset_id);`,
}

// SchemaVersion is the catalogue version this package writes.
var SchemaVersion = len(migrations)

// migrate brings the catalogue to SchemaVersion, one transaction per step,
// and refuses a catalogue written by a newer version of latent.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	for {
		var v int
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("catalogue schema version %d is newer than this program's %d", v, len(migrations))
		}
		if v == len(migrations) {
			return nil
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		// Another process may have migrated meanwhile: the insert of the
		// version is the check (primary key).
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, v+1, now()); err != nil {
			tx.Rollback()
			if isUnique(err) {
				continue
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
}
