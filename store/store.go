package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sys/unix"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/latentlab/latent/internal/atomicfile"
)

// Errors that callers test for with errors.Is.
var (
	// ErrNotFound: no object has that ID or name.
	ErrNotFound = errors.New("not found")
	// ErrExists: an object of that kind already has that name.
	ErrExists = errors.New("already exists")
	// ErrInvalid: a name, ID or argument is not acceptable.
	ErrInvalid = errors.New("invalid")
)

// MaxNameLen is the longest name, in bytes, an object may have.
const MaxNameLen = 200

// Object kinds: the ID prefix and the blob folder of each.
const (
	KindDataset    = "ds"
	KindProjection = "pj"
	KindEmbedding  = "em"
	KindModel      = "md"
	KindJob        = "jb"
	KindBookmark   = "bm"
)

var blobKinds = map[string]string{
	KindDataset:    "datasets",
	KindProjection: "projections",
	KindEmbedding:  "embeddings",
	KindModel:      "models",
}

// Store is an open workspace. Its methods are safe for concurrent use.
type Store struct {
	dir  string
	db   *sql.DB
	lock *os.File // nil when another process holds the workspace lock
}

// Open opens the workspace in dir, creating the folder and the catalogue if
// needed and applying any pending schema migrations. When no other process
// holds the workspace, it also removes orphan blob folders (left by a crash
// before their row committed), stale scratch files, and marks jobs that were
// running as interrupted.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, fmt.Errorf("store: %w: empty workspace path", ErrInvalid)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", dir, err)
	}
	for _, d := range []string{abs, filepath.Join(abs, "blobs"), filepath.Join(abs, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	for _, k := range blobKinds {
		if err := os.MkdirAll(filepath.Join(abs, "blobs", k), 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	s := &Store{dir: abs}
	lf, err := os.OpenFile(filepath.Join(abs, "lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if unix.Flock(int(lf.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
		s.lock = lf
	} else {
		lf.Close()
	}
	dsn := "file:" + (&url.URL{Path: filepath.Join(abs, "latent.db")}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		s.closeLock()
		return nil, fmt.Errorf("store: %s: %w", abs, err)
	}
	s.db = db
	ctx := context.Background()
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %s: %w", abs, err)
	}
	if s.lock != nil {
		if err := s.recover(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: %s: %w", abs, err)
		}
	}
	return s, nil
}

func (s *Store) closeLock() {
	if s.lock != nil {
		unix.Flock(int(s.lock.Fd()), unix.LOCK_UN)
		s.lock.Close()
		s.lock = nil
	}
}

// Close closes the catalogue and releases the workspace lock.
func (s *Store) Close() error {
	var err error
	if s.db != nil {
		err = s.db.Close()
	}
	s.closeLock()
	return err
}

// Dir returns the workspace's absolute path.
func (s *Store) Dir() string { return s.dir }

// TempDir returns the workspace's scratch folder (for uploads), which is
// on the same file system as the blobs and is emptied at open.
func (s *Store) TempDir() string { return filepath.Join(s.dir, "tmp") }

// recover removes what a crash left behind: blob folders without a row,
// scratch files, and jobs stuck in a running state.
func (s *Store) recover(ctx context.Context) error {
	for prefix, sub := range blobKinds {
		ids, err := queryAll(ctx, s.db, scanString, "SELECT id FROM "+tableOf(prefix))
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, id := range ids {
			known[id] = true
		}
		root := filepath.Join(s.dir, "blobs", sub)
		ents, err := os.ReadDir(root)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if !known[e.Name()] {
				os.RemoveAll(filepath.Join(root, e.Name()))
			}
		}
	}
	tmp := s.TempDir()
	if ents, err := os.ReadDir(tmp); err == nil {
		for _, e := range ents {
			os.RemoveAll(filepath.Join(tmp, e.Name()))
		}
	}
	_, err := s.db.ExecContext(ctx,
		`UPDATE jobs SET state = ?, error = ?, finished = ? WHERE state IN (?, ?)`,
		JobInterrupted, "the process running the job stopped", now(), JobQueued, JobRunning)
	return err
}

// tables names the catalogue table of each kind of object.
var tables = map[string]string{
	KindDataset:    "datasets",
	KindProjection: "projections",
	KindEmbedding:  "embeddings",
	KindModel:      "models",
	KindJob:        "jobs",
	KindBookmark:   "bookmarks",
}

func tableOf(kind string) string {
	t, ok := tables[kind]
	if !ok {
		panic("store: unknown kind " + kind)
	}
	return t
}

// newID returns a fresh random ID of the given kind.
func newID(kind string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("store: no randomness: " + err.Error())
	}
	return kind + "_" + hex.EncodeToString(b[:])
}

// ValidID reports whether id has the shape of an ID of the given kind
// (the prefix, an underscore and 16 lower-case hex digits).
func ValidID(kind, id string) bool {
	if len(id) != len(kind)+17 || !strings.HasPrefix(id, kind+"_") {
		return false
	}
	for _, c := range id[len(kind)+1:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func checkID(kind, id string) error {
	if !ValidID(kind, id) {
		return fmt.Errorf("%w: %q is not a %s ID", ErrInvalid, clip(id), kindName(kind))
	}
	return nil
}

// kindName returns the singular of the kind's table ("dataset").
func kindName(kind string) string {
	if t, ok := tables[kind]; ok {
		return strings.TrimSuffix(t, "s")
	}
	return kind
}

// clip shortens a user string for an error message.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return s
}

// ValidateName checks an object name: 1 to MaxNameLen bytes of valid UTF-8,
// no control characters, no leading or trailing space.
func ValidateName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty name", ErrInvalid)
	case len(name) > MaxNameLen:
		return fmt.Errorf("%w: name longer than %d bytes", ErrInvalid, MaxNameLen)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: name is not valid UTF-8", ErrInvalid)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("%w: name %q starts or ends with space", ErrInvalid, clip(name))
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: name %q holds a control character", ErrInvalid, clip(name))
		}
	}
	return nil
}

// blobDir returns the folder of an object's files.
func (s *Store) blobDir(kind, id string) string {
	return filepath.Join(s.dir, "blobs", blobKinds[kind], id)
}

// FileInfo is the size and SHA-256 of one blob file, as recorded in the
// catalogue.
type FileInfo struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// blobWriter writes one named file of an object.
type blobWriter struct {
	name  string
	write func(w io.Writer) error
}

// writeBlobs creates the object's folder and writes each file atomically,
// hashing as it writes. On error the folder is removed.
func (s *Store) writeBlobs(kind, id string, files []blobWriter) (map[string]FileInfo, error) {
	dir := s.blobDir(kind, id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	out := map[string]FileInfo{}
	for _, f := range files {
		h := sha256.New()
		var n int64
		err := atomicfile.Write(filepath.Join(dir, f.name), func(w io.Writer) error {
			cw := &countWriter{w: io.MultiWriter(w, h)}
			err := f.write(cw)
			n = cw.n
			return err
		})
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		out[f.name] = FileInfo{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	atomicfile.SyncDir(filepath.Dir(dir))
	return out, nil
}

// hashDir records every regular file of an object's folder (for files that
// a library wrote there itself, such as a model's).
func hashDir(dir string) (map[string]FileInfo, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]FileInfo{}
	for _, e := range ents {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		fi, err := hashFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = fi
	}
	return out, nil
}

func hashFile(path string) (FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileInfo{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func totalSize(files map[string]FileInfo) int64 {
	var n int64
	for _, f := range files {
		n += f.Size
	}
	return n
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func mustJSON(v any) string {
	if v == nil {
		return "null"
	}
	if raw, ok := v.(json.RawMessage); ok {
		if len(raw) == 0 {
			return "null"
		}
		return string(raw)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("store: cannot encode " + err.Error())
	}
	return string(b)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs q and returns every row it yields, each read by scan.
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// queryOne returns the object of the given kind whose column col is ref,
// read by scan, or ErrNotFound.
func queryOne[T any](ctx context.Context, db *sql.DB, kind, cols, col, ref string, scan func(scanner) (T, error)) (T, error) {
	v, err := scan(db.QueryRowContext(ctx, "SELECT "+cols+" FROM "+tableOf(kind)+" WHERE "+col+" = ?", ref))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("%w: no %s %q", ErrNotFound, kindName(kind), clip(ref))
	}
	return v, err
}

// refColumn returns the column a reference to an object of the given kind
// names: "id" when ref is an ID, else "name".
func refColumn(kind, ref string) string {
	if ValidID(kind, ref) {
		return "id"
	}
	return "name"
}

func scanString(sc scanner) (string, error) {
	var v string
	err := sc.Scan(&v)
	return v, err
}

// isUnique reports whether err is a UNIQUE constraint violation.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Problem is one inconsistency found by Verify.
type Problem struct {
	Kind, ID, File, Msg string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s %s: %s: %s", kindName(p.Kind), p.ID, p.File, p.Msg)
}

// Verify checks every catalogued object's files against the sizes and
// hashes recorded for them and returns what does not match (nothing for a
// consistent workspace).
func (s *Store) Verify(ctx context.Context) ([]Problem, error) {
	var probs []Problem
	for kind := range blobKinds {
		type rec struct{ id, files string }
		recs, err := queryAll(ctx, s.db, func(sc scanner) (rec, error) {
			var r rec
			err := sc.Scan(&r.id, &r.files)
			return r, err
		}, "SELECT id, files FROM "+tableOf(kind))
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			var files map[string]FileInfo
			if err := json.Unmarshal([]byte(r.files), &files); err != nil {
				probs = append(probs, Problem{kind, r.id, "", "unreadable file list: " + err.Error()})
				continue
			}
			for name, want := range files {
				got, err := hashFile(filepath.Join(s.blobDir(kind, r.id), name))
				switch {
				case err != nil:
					probs = append(probs, Problem{kind, r.id, name, err.Error()})
				case got != want:
					probs = append(probs, Problem{kind, r.id, name, fmt.Sprintf("size %d sha256 %s, recorded %d %s", got.Size, got.SHA256[:12], want.Size, want.SHA256[:12])})
				}
			}
		}
	}
	return probs, nil
}
