package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Job states.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
	// JobInterrupted: the process running the job stopped before it
	// finished (set at the next open).
	JobInterrupted = "interrupted"
)

// JobFinished reports whether state is a final state.
func JobFinished(state string) bool {
	switch state {
	case JobDone, JobFailed, JobCancelled, JobInterrupted:
		return true
	}
	return false
}

// Job is the record of a background job (a projection, a training run, a
// metrics computation). The server runs jobs; the store keeps their record.
type Job struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	DatasetID string          `json:"dataset_id,omitempty"`
	State     string          `json:"state"`
	Params    json.RawMessage `json:"params"`
	// Result is what the job produced, such as {"projection": "pj_..."}.
	Result   json.RawMessage `json:"result"`
	Error    string          `json:"error,omitempty"`
	Created  time.Time       `json:"created"`
	Started  *time.Time      `json:"started,omitempty"`
	Finished *time.Time      `json:"finished,omitempty"`
}

// CreateJob records a new queued job.
func (s *Store) CreateJob(ctx context.Context, kind, datasetID string, params any) (Job, error) {
	if kind == "" {
		return Job{}, fmt.Errorf("%w: job without a kind", ErrInvalid)
	}
	j := Job{ID: newID(KindJob), Kind: kind, DatasetID: datasetID, State: JobQueued,
		Params: json.RawMessage(mustJSON(params)), Result: json.RawMessage("null")}
	created := now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO jobs (id, kind, dataset_id, state, params, created) VALUES (?, ?, ?, ?, ?, ?)`,
		j.ID, kind, datasetID, j.State, string(j.Params), created)
	j.Created = parseTime(created)
	return j, err
}

// StartJob marks a queued job running.
func (s *Store) StartJob(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE jobs SET state = ?, started = ? WHERE id = ? AND state = ?`, JobRunning, now(), id, JobQueued)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: no queued job %q", ErrNotFound, id)
	}
	return nil
}

// FinishJob records a job's final state (JobDone, JobFailed or
// JobCancelled), its result and its error message.
func (s *Store) FinishJob(ctx context.Context, id, state string, result any, errMsg string) error {
	if !JobFinished(state) {
		return fmt.Errorf("%w: %q is not a final job state", ErrInvalid, state)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE jobs SET state = ?, result = ?, error = ?, finished = ? WHERE id = ?`,
		state, mustJSON(result), errMsg, now(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: no job %q", ErrNotFound, id)
	}
	return nil
}

const jobCols = `id, kind, COALESCE(dataset_id, ''), state, params, result, error, created, started, finished`

func scanJob(sc scanner) (Job, error) {
	var j Job
	var params, result, created, started, finished string
	err := sc.Scan(&j.ID, &j.Kind, &j.DatasetID, &j.State, &params, &result, &j.Error, &created, &started, &finished)
	j.Params, j.Result, j.Created = json.RawMessage(params), json.RawMessage(result), parseTime(created)
	if started != "" {
		t := parseTime(started)
		j.Started = &t
	}
	if finished != "" {
		t := parseTime(finished)
		j.Finished = &t
	}
	return j, err
}

// Jobs lists the most recent jobs, newest first, at most limit of them
// (all when limit <= 0).
func (s *Store) Jobs(ctx context.Context, limit int) ([]Job, error) {
	if limit <= 0 {
		limit = -1
	}
	return queryAll(ctx, s.db, scanJob, "SELECT "+jobCols+" FROM jobs ORDER BY created DESC, id LIMIT ?", limit)
}

// Job returns the record of a job.
func (s *Store) Job(ctx context.Context, id string) (Job, error) {
	if err := checkID(KindJob, id); err != nil {
		return Job{}, err
	}
	return queryOne(ctx, s.db, KindJob, jobCols, "id", id, scanJob)
}

// ---- bookmarks ----

// MaxBookmarkState is the largest bookmark state, in bytes.
const MaxBookmarkState = 64 << 10

// Bookmark is a saved view of a dataset in the explorer: its State is the
// explorer's JSON (projection, camera, colouring, search, selection).
type Bookmark struct {
	ID        string          `json:"id"`
	DatasetID string          `json:"dataset_id"`
	Name      string          `json:"name"`
	State     json.RawMessage `json:"state"`
	Created   time.Time       `json:"created"`
}

// AddBookmark stores a view of a dataset. state must be a JSON object of
// at most MaxBookmarkState bytes.
func (s *Store) AddBookmark(ctx context.Context, datasetID, name string, state json.RawMessage) (Bookmark, error) {
	if err := checkID(KindDataset, datasetID); err != nil {
		return Bookmark{}, err
	}
	if err := ValidateName(name); err != nil {
		return Bookmark{}, err
	}
	if len(state) > MaxBookmarkState {
		return Bookmark{}, fmt.Errorf("%w: bookmark state is %d bytes, more than %d", ErrInvalid, len(state), MaxBookmarkState)
	}
	var obj map[string]any
	if err := json.Unmarshal(state, &obj); err != nil || obj == nil {
		return Bookmark{}, fmt.Errorf("%w: bookmark state is not a JSON object", ErrInvalid)
	}
	b := Bookmark{ID: newID(KindBookmark), DatasetID: datasetID, Name: name, State: state}
	created := now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO bookmarks (id, dataset_id, name, state, created) VALUES (?, ?, ?, ?, ?)`,
		b.ID, datasetID, name, string(state), created)
	if err != nil {
		return Bookmark{}, notFoundOnFK(err, "dataset", datasetID)
	}
	b.Created = parseTime(created)
	return b, nil
}

// Bookmarks lists a dataset's bookmarks, oldest first.
func (s *Store) Bookmarks(ctx context.Context, datasetID string) ([]Bookmark, error) {
	return queryAll(ctx, s.db, scanBookmark, "SELECT id, dataset_id, name, state, created FROM bookmarks WHERE dataset_id = ? ORDER BY created, id", datasetID)
}

func scanBookmark(sc scanner) (Bookmark, error) {
	var b Bookmark
	var state, created string
	err := sc.Scan(&b.ID, &b.DatasetID, &b.Name, &state, &created)
	b.State, b.Created = json.RawMessage(state), parseTime(created)
	return b, err
}

// DeleteBookmark removes a bookmark.
func (s *Store) DeleteBookmark(ctx context.Context, id string) error {
	return s.deleteObject(ctx, KindBookmark, id)
}
