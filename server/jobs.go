package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/store"
)

// maxQueued is the most jobs waiting to run; more are refused with 503.
const maxQueued = 256

// progressView is a progress report as the API sends it.
type progressView struct {
	Stage   string `json:"stage"`
	Done    int64  `json:"done"`
	Total   int64  `json:"total"`
	Message string `json:"message,omitempty"`
}

// jobView is a job as the API returns it: the stored record plus, while it
// runs, its latest progress.
type jobView struct {
	store.Job
	Progress *progressView `json:"progress,omitempty"`
}

// jobRun does a job's work and returns its result (stored as JSON).
type jobRun func(ctx context.Context, prog progress.Func) (any, error)

// liveJob is a job queued or running in this process.
type liveJob struct {
	rec    store.Job
	run    jobRun
	ctx    context.Context
	cancel context.CancelFunc

	mu   sync.Mutex
	last *progressView
	subs map[chan struct{}]struct{} // woken on progress and at the end
	done chan struct{}              // closed when the job's record is final
}

// jobManager runs jobs on a fixed number of workers, in order of creation.
type jobManager struct {
	s     *Server
	mu    sync.Mutex
	live  map[string]*liveJob
	queue chan *liveJob
	wg    sync.WaitGroup
}

func newJobManager(s *Server) *jobManager {
	m := &jobManager{s: s, live: map[string]*liveJob{}, queue: make(chan *liveJob, maxQueued)}
	for range s.cfg.JobWorkers {
		m.wg.Add(1)
		go m.worker()
	}
	return m
}

// close cancels every job and waits for the workers.
func (m *jobManager) close() {
	m.mu.Lock()
	for _, j := range m.live {
		j.cancel()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// busy reports whether a job on the dataset is queued or running.
func (m *jobManager) busy(datasetID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, j := range m.live {
		if j.rec.DatasetID == datasetID {
			return true
		}
	}
	return false
}

// submit records a job and queues it.
func (m *jobManager) submit(ctx context.Context, kind, datasetID string, params any, run jobRun) (store.Job, error) {
	if m.s.ctx.Err() != nil {
		return store.Job{}, errShutdown
	}
	rec, err := m.s.st.CreateJob(ctx, kind, datasetID, params)
	if err != nil {
		return store.Job{}, err
	}
	j := &liveJob{rec: rec, run: run, subs: map[chan struct{}]struct{}{}, done: make(chan struct{})}
	j.ctx, j.cancel = context.WithCancel(m.s.ctx)
	m.mu.Lock()
	m.live[rec.ID] = j
	m.mu.Unlock()
	select {
	case m.queue <- j:
	default:
		m.finish(j, store.JobFailed, nil, "too many jobs queued")
		return store.Job{}, errorf(http.StatusServiceUnavailable, CodeUnavailable, "%d jobs are queued already; try again later", maxQueued)
	}
	return rec, nil
}

func (m *jobManager) worker() {
	defer m.wg.Done()
	for {
		select {
		case j := <-m.queue:
			m.runJob(j)
		case <-m.s.ctx.Done():
			// Mark what is still queued as cancelled.
			for {
				select {
				case j := <-m.queue:
					m.finish(j, store.JobCancelled, nil, "the server stopped")
				default:
					return
				}
			}
		}
	}
}

func (m *jobManager) runJob(j *liveJob) {
	bg := context.Background()
	if j.ctx.Err() != nil {
		m.finish(j, store.JobCancelled, nil, "cancelled before it started")
		return
	}
	if err := m.s.st.StartJob(bg, j.rec.ID); err != nil {
		m.finish(j, store.JobFailed, nil, err.Error())
		return
	}
	now := time.Now().UTC()
	j.mu.Lock()
	j.rec.State, j.rec.Started = store.JobRunning, &now
	j.mu.Unlock()
	j.notify()
	var last time.Time
	prog := func(u progress.Update) {
		t := time.Now()
		j.mu.Lock()
		j.last = &progressView{Stage: u.Stage, Done: u.Done, Total: u.Total, Message: u.Message}
		j.mu.Unlock()
		// Subscribers are woken at most 20 times a second.
		if t.Sub(last) >= 50*time.Millisecond || (u.Total > 0 && u.Done == u.Total) {
			last = t
			j.notify()
		}
	}
	result, err := safeRun(j.ctx, j.run, prog)
	switch {
	case err == nil:
		m.finish(j, store.JobDone, result, "")
	case j.ctx.Err() != nil:
		m.finish(j, store.JobCancelled, nil, "cancelled")
	default:
		m.finish(j, store.JobFailed, nil, err.Error())
	}
	m.s.log.Info("job finished", "job", j.rec.ID, "kind", j.rec.Kind, "state", j.rec.State, "err", j.rec.Error)
}

// safeRun runs a job, turning a panic in library code into an error so one
// bad job does not stop the server.
func safeRun(ctx context.Context, run jobRun, prog progress.Func) (res any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return run(ctx, prog)
}

// finish records the job's final state and wakes its subscribers.
func (m *jobManager) finish(j *liveJob, state string, result any, msg string) {
	if err := m.s.st.FinishJob(context.Background(), j.rec.ID, state, result, msg); err != nil {
		m.s.log.Error("recording job", "job", j.rec.ID, "err", err)
	}
	rec, err := m.s.st.Job(context.Background(), j.rec.ID)
	j.mu.Lock()
	if err == nil {
		j.rec = rec
	} else {
		j.rec.State, j.rec.Error = state, msg
	}
	j.mu.Unlock()
	m.mu.Lock()
	delete(m.live, j.rec.ID)
	m.mu.Unlock()
	j.cancel()
	close(j.done)
	j.notify()
}

func (j *liveJob) notify() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for c := range j.subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func (j *liveJob) view() jobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	return jobView{Job: j.rec, Progress: j.last}
}

// view returns the job's current state: live when it runs here, else the
// stored record.
func (m *jobManager) view(ctx context.Context, id string) (jobView, *liveJob, error) {
	if !store.ValidID(store.KindJob, id) {
		return jobView{}, nil, badRequest("%q is not a job ID", clip(id))
	}
	m.mu.Lock()
	j := m.live[id]
	m.mu.Unlock()
	if j != nil {
		return j.view(), j, nil
	}
	rec, err := m.s.st.Job(ctx, id)
	return jobView{Job: rec}, nil, err
}

// ---- handlers ----

// createJobRequest starts a job: Kind is "project", "metrics", "train" or
// "encode";
// Params are the kind's own (see openapi.yaml).
type createJobRequest struct {
	Kind    string          `json:"kind"`
	Dataset string          `json:"dataset"`
	Params  json.RawMessage `json:"params"`
}

func (s *Server) createJob(w http.ResponseWriter, r *http.Request) error {
	var req createJobRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Dataset == "" {
		return badRequest("dataset is required")
	}
	info, err := s.dataset(r.Context(), req.Dataset)
	if err != nil {
		return err
	}
	var params any
	var run jobRun
	switch req.Kind {
	case "project":
		params, run, err = s.projectJob(r.Context(), info, req.Params)
	case "metrics":
		params, run, err = s.metricsJob(r.Context(), info, req.Params)
	case "train":
		params, run, err = s.trainJob(r.Context(), info, req.Params)
	case "encode":
		params, run, err = s.encodeJob(r.Context(), info, req.Params)
	case "":
		return badRequest("kind is required: project, metrics, train or encode")
	default:
		return badRequest("unknown job kind %q: want project, metrics, train or encode", clip(req.Kind))
	}
	if err != nil {
		return err
	}
	rec, err := s.jobs.submit(r.Context(), req.Kind, info.ID, params, run)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/jobs/"+rec.ID)
	writeJSON(w, http.StatusAccepted, jobView{Job: rec})
	return nil
}

// strictParams decodes a job's params, refusing unknown fields; empty
// params leave v as it is.
func strictParams(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("params: %v", err)
	}
	return nil
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit", 100, 1, 10_000)
	if err != nil {
		return err
	}
	recs, err := s.st.Jobs(r.Context(), limit)
	if err != nil {
		return err
	}
	out := make([]jobView, len(recs))
	for i, rec := range recs {
		out[i] = jobView{Job: rec}
		s.jobs.mu.Lock()
		j := s.jobs.live[rec.ID]
		s.jobs.mu.Unlock()
		if j != nil {
			out[i] = j.view()
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
	return nil
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) error {
	v, _, err := s.jobs.view(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// cancelJob cancels a queued or running job (DELETE /api/jobs/{id} or POST
// /api/jobs/{id}/cancel). It answers 202 with the job; the job's state
// becomes "cancelled" once its work has stopped (within one iteration).
// A finished job is a conflict.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) error {
	v, j, err := s.jobs.view(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if j == nil {
		return errorf(http.StatusConflict, CodeConflict, "job %s is %s already", v.ID, v.State)
	}
	j.cancel()
	// Give a cooperative job a moment to stop, so the answer usually shows
	// the final state.
	select {
	case <-j.done:
	case <-time.After(2 * time.Second):
	case <-r.Context().Done():
	}
	writeJSON(w, http.StatusAccepted, j.view())
	return nil
}

// jobEvents streams a job's progress as server-sent events: "job" with the
// job at the start and on each change of state, "progress" with each
// report (at most 20 a second), and "end" with the final job, after which
// the stream closes. A comment line is sent every 15 s to keep proxies
// from closing an idle stream.
func (s *Server) jobEvents(w http.ResponseWriter, r *http.Request) error {
	v, j, err := s.jobs.view(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	// The stream lasts as long as the job: lift the server's write timeout.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event string, data any) error {
		b, _ := json.Marshal(data)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send("job", v); err != nil || j == nil {
		if err == nil {
			send("end", v)
		}
		return nil
	}
	wake := make(chan struct{}, 1)
	j.mu.Lock()
	j.subs[wake] = struct{}{}
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		delete(j.subs, wake)
		j.mu.Unlock()
	}()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	state := v.State
	var lastProg progressView
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			rc.Flush()
			continue
		case <-wake:
		case <-j.done:
		}
		cur := j.view()
		if cur.State != state {
			state = cur.State
			if err := send("job", cur); err != nil {
				return nil
			}
		}
		if cur.Progress != nil && *cur.Progress != lastProg {
			lastProg = *cur.Progress
			if err := send("progress", lastProg); err != nil {
				return nil
			}
		}
		select {
		case <-j.done:
			send("end", j.view())
			return nil
		default:
		}
	}
}
