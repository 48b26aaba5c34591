package weaviate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// Consistency is how many replicas of a shard must acknowledge a write (or
// answer a read) before it counts: "" leaves the server's default
// (QUORUM), ONE, QUORUM or ALL.
type Consistency string

// Consistency levels.
const (
	ConsistencyDefault Consistency = ""
	ConsistencyOne     Consistency = "ONE"
	ConsistencyQuorum  Consistency = "QUORUM"
	ConsistencyAll     Consistency = "ALL"
)

// ParseConsistency reads a consistency level, case-insensitively.
func ParseConsistency(s string) (Consistency, error) {
	switch c := Consistency(strings.ToUpper(strings.TrimSpace(s))); c {
	case ConsistencyDefault, ConsistencyOne, ConsistencyQuorum, ConsistencyAll:
		return c, nil
	}
	return "", fmt.Errorf("consistency %q: want one, quorum or all", s)
}

func (c Consistency) pb() *pb.ConsistencyLevel {
	var l pb.ConsistencyLevel
	switch c {
	case ConsistencyOne:
		l = pb.ConsistencyLevel_CONSISTENCY_LEVEL_ONE
	case ConsistencyQuorum:
		l = pb.ConsistencyLevel_CONSISTENCY_LEVEL_QUORUM
	case ConsistencyAll:
		l = pb.ConsistencyLevel_CONSISTENCY_LEVEL_ALL
	default:
		return nil
	}
	return &l
}

// Defaults of PushOptions.
const (
	DefaultBatchSize   = 512
	DefaultConcurrency = 4
)

// PushOptions configures Collection.Push.
type PushOptions struct {
	// BatchSize is the number of objects per request; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Concurrency is the number of requests in flight; 0 means
	// DefaultConcurrency. Memory holds about 2·Concurrency+1 batches.
	Concurrency int
	// Checkpoint, when not empty, is the file that records the rows done;
	// a run that finds it skips them. See Checkpoint.
	Checkpoint string
	// Source identifies the data (e.g. its path, size and modification
	// time) in the checkpoint, so that a checkpoint of other data is
	// refused.
	Source string
	// Consistency of the writes. With replicated shards, ONE lets an
	// import go on while a node is down (the replicas catch up later if the
	// collection has AsyncReplication).
	Consistency Consistency
	// Progress, when not nil, receives the number of rows stored (stage
	// "push"); Done counts only the contiguous prefix, as the checkpoint
	// does.
	Progress progress.Func
}

// PushResult says what a push did.
type PushResult struct {
	// Rows is the number of rows of the source.
	Rows int
	// Resumed is the number of rows a checkpoint showed were already
	// stored, which were not sent again.
	Resumed int
	// Sent is the number of objects stored by this run.
	Sent int
	// Failed lists the objects that could not be stored, by row.
	Failed []Failure
	// Elapsed is the wall time of the run.
	Elapsed time.Duration
}

// Failure is one object that could not be stored.
type Failure struct {
	// Row is the row number, ID the object's ID.
	Row int
	ID  string
	// Err is the server's (or the transport's) last message.
	Err string
}

// PartialError reports objects that were still refused after every
// retry. The others were stored; running the push again (with the same
// checkpoint) retries from the first failed batch.
type PartialError struct {
	Collection string
	Failed     []Failure
	Rows       int
}

// Error lists the first failures by row and ID.
func (e *PartialError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "weaviate: %d of %d objects not stored in %q:", len(e.Failed), e.Rows, e.Collection)
	for i, f := range e.Failed {
		if i == 5 {
			fmt.Fprintf(&b, " … and %d more", len(e.Failed)-5)
			break
		}
		fmt.Fprintf(&b, " row %d (id %s): %s;", f.Row, f.ID, f.Err)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// pushJob is one batch in flight.
type pushJob struct {
	idx, lo, n int
	rows       []int
	objs       []*pb.BatchObject
}

// pushDone is the outcome of a batch.
type pushDone struct {
	idx, n int
	failed []Failure
	err    error
}

// Push stores the rows of src (with side's labels and metadata) in the
// collection, BatchSize objects per gRPC request with Concurrency requests
// in flight. Each row becomes the object ObjectID(col.Name, row), so a
// batch sent twice — retried, or sent again after a crash — replaces the
// same objects: nothing is duplicated.
//
// Requests that fail transiently are retried with backoff (see Retry), on
// another node when the cluster has several. Objects that the server
// refuses inside a successful request are retried on their own; those
// still refused after Retry.Attempts tries are returned in the result and
// in a *PartialError, while the push goes on with the rest.
//
// With opt.Checkpoint, the number of rows stored without a gap since the
// first is saved (atomically, at most a few times a second) as the push
// advances; a later push with the same checkpoint, collection and source
// starts after them. Cancelling ctx stops the push; the checkpoint then
// holds what was acknowledged.
//
// Bad input is an error naming the row: a column count other than the
// collection's dimension, NaN or ±Inf values, zero vectors under the cosine
// metric, labels or metadata that do not match the rows.
func (col *Collection) Push(ctx context.Context, src RowReader, side Side, opt PushOptions) (PushResult, error) {
	start := time.Now()
	n, d := src.Rows(), src.Cols()
	res := PushResult{Rows: n}
	if d != col.Dim {
		return res, fmt.Errorf("weaviate: push into %q: the data has %d columns, the collection %d", col.Name, d, col.Dim)
	}
	if err := side.check(n); err != nil {
		return res, fmt.Errorf("weaviate: push into %q: %w", col.Name, err)
	}
	metaIdx := make([]int, len(side.Meta))
	metaProps := make([]string, len(side.Meta))
	for j, c := range side.Meta {
		metaIdx[j] = -1
		for i, name := range col.Meta {
			if name == c.Name {
				metaIdx[j] = i
			}
		}
		if metaIdx[j] < 0 {
			return res, fmt.Errorf("weaviate: push into %q: the collection has no metadata column %q (create it with the data's columns)", col.Name, c.Name)
		}
		metaProps[j] = col.props[metaIdx[j]]
	}
	bs := opt.BatchSize
	if bs <= 0 {
		bs = DefaultBatchSize
	}
	conc := opt.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	job := fmt.Sprintf("push %s×%d into %s", opt.Source, d, col.Name)
	var ck Checkpoint
	if opt.Checkpoint != "" {
		var err error
		if ck, err = LoadCheckpoint(opt.Checkpoint, "push", job, n); err != nil {
			return res, err
		}
	}
	res.Resumed = ck.Done
	if ck.Done == n {
		opt.Progress.Report(progress.Update{Stage: "push", Done: int64(n), Total: int64(n), Message: "already complete"})
		res.Elapsed = time.Since(start)
		return res, nil
	}

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan pushJob, conc)
	done := make(chan pushDone, conc)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				failed, err := col.sendBatch(rctx, j, opt.Consistency)
				done <- pushDone{idx: j.idx, n: j.n, failed: failed, err: err}
			}
		}()
	}

	// The collector advances the prefix of finished batches, saves the
	// checkpoint and reports progress.
	var (
		collectErr error
		failures   []Failure
		sent       int
	)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		status := map[int]pushDone{}
		next, prefix := 0, ck.Done
		blocked := false
		lastSave := time.Now()
		save := func(force bool) {
			if opt.Checkpoint == "" || prefix == ck.Done || (!force && time.Since(lastSave) < 500*time.Millisecond) {
				return
			}
			ck.Done = prefix
			if err := ck.Save(opt.Checkpoint); err != nil && collectErr == nil {
				collectErr = err
				cancel()
			}
			lastSave = time.Now()
		}
		for r := range done {
			if r.err != nil {
				if collectErr == nil && !errors.Is(r.err, context.Canceled) {
					collectErr = r.err
				}
				cancel()
			}
			failures = append(failures, r.failed...)
			sent += r.n - len(r.failed)
			status[r.idx] = r
			for {
				s, ok := status[next]
				if !ok {
					break
				}
				delete(status, next)
				next++
				if blocked || s.err != nil || len(s.failed) > 0 {
					blocked = true
					continue
				}
				prefix += s.n
			}
			opt.Progress.Report(progress.Update{Stage: "push", Done: int64(prefix), Total: int64(n)})
			save(false)
		}
		save(true)
	}()

	readErr := col.feed(rctx, src, side, metaProps, bs, ck.Done, jobs)
	close(jobs)
	wg.Wait()
	close(done)
	<-collected

	sort.Slice(failures, func(i, j int) bool { return failures[i].Row < failures[j].Row })
	res.Failed, res.Sent, res.Elapsed = failures, sent, time.Since(start)
	switch {
	case ctx.Err() != nil:
		return res, ctx.Err()
	case readErr != nil && !errors.Is(readErr, context.Canceled):
		return res, readErr
	case collectErr != nil:
		return res, collectErr
	case len(failures) > 0:
		return res, &PartialError{Collection: col.Name, Failed: failures, Rows: n}
	}
	return res, nil
}

// feed reads src from row skip on (reading and dropping the rows before
// it), builds the objects and queues them in batches of bs.
func (col *Collection) feed(ctx context.Context, src RowReader, side Side, metaProps []string, bs, skip int, jobs chan<- pushJob) error {
	n, d := src.Rows(), src.Cols()
	buf := mat32.New(min(bs, max(n, 1)), d)
	for pos := 0; pos < skip; {
		k, err := readFull(src, buf.Slice(0, min(buf.Rows, skip-pos)))
		if err != nil {
			return fmt.Errorf("weaviate: push: reading row %d: %w", pos+k, err)
		}
		if k == 0 {
			return fmt.Errorf("weaviate: push: the data ends at row %d, before the %d rows the checkpoint says are done", pos, skip)
		}
		pos += k
	}
	var meta []string
	if len(side.Meta) > 0 {
		meta = make([]string, len(side.Meta))
	}
	idx := 0
	for lo := skip; lo < n; lo += buf.Rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		m := min(buf.Rows, n-lo)
		b := buf.Slice(0, m)
		k, err := readFull(src, b)
		if err != nil {
			return fmt.Errorf("weaviate: push: reading row %d: %w", lo+k, err)
		}
		if k < m {
			return fmt.Errorf("weaviate: push: the data ends at row %d of %d", lo+k, n)
		}
		if err := dataset.CheckFinite(fmt.Sprintf("weaviate: push: rows %d-%d", lo, lo+m-1), b); err != nil {
			return err
		}
		j := pushJob{idx: idx, lo: lo, n: m, rows: make([]int, m), objs: make([]*pb.BatchObject, m)}
		for i := range m {
			row := lo + i
			v := b.Row(i)
			if col.Metric == knn.Cosine && mat32.Norm(v) == 0 {
				return fmt.Errorf("weaviate: push: row %d is a zero vector, which has no direction under the cosine metric", row)
			}
			label, has := "", false
			if side.Labels != nil && side.Labels[row] != dataset.NoLabel {
				label, has = side.Classes[side.Labels[row]], true
			}
			for c := range side.Meta {
				meta[c] = side.Meta[c].Values[row]
			}
			j.rows[i] = row
			j.objs[i] = col.object(row, v, label, has, meta, metaProps, "", nil)
		}
		select {
		case jobs <- j:
		case <-ctx.Done():
			return ctx.Err()
		}
		idx++
	}
	return nil
}

// sendBatch stores one batch, retrying the objects the server refused. It
// returns the objects still refused after every attempt, or an error when
// the request itself failed for good.
func (col *Collection) sendBatch(ctx context.Context, j pushJob, cons Consistency) ([]Failure, error) {
	objs, rows := j.objs, j.rows
	r := col.c.retry
	for attempt := 0; ; attempt++ {
		var reply *pb.BatchObjectsReply
		err := col.c.do(ctx, func(ctx context.Context, n *node) error {
			var err error
			reply, err = n.rpc.BatchObjects(col.c.grpcCtx(ctx), &pb.BatchObjectsRequest{Objects: objs, ConsistencyLevel: cons.pb()})
			if err != nil {
				return grpcError(n, fmt.Sprintf("import rows %d-%d into %s", j.lo, j.lo+j.n-1, col.Name), err)
			}
			return nil
		})
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, fmt.Errorf("weaviate: collection %q no longer exists: %w", col.Name, err)
			}
			return nil, err
		}
		if len(reply.Errors) == 0 {
			return nil, nil
		}
		var failed []Failure
		var nobjs []*pb.BatchObject
		var nrows []int
		for _, e := range reply.Errors {
			i := int(e.Index)
			if i < 0 || i >= len(objs) {
				return nil, fmt.Errorf("weaviate: import into %s: the server reported an error for object %d of %d: %s", col.Name, i, len(objs), e.Error)
			}
			failed = append(failed, Failure{Row: rows[i], ID: objs[i].Uuid, Err: e.Error})
			nobjs = append(nobjs, objs[i])
			nrows = append(nrows, rows[i])
		}
		if attempt+1 >= r.Attempts {
			return failed, nil
		}
		if err := backoffWait(ctx, r, attempt); err != nil {
			return nil, err
		}
		objs, rows = nobjs, nrows
	}
}
