package weaviate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/latentlab/latent/internal/atomicfile"
)

// CheckpointVersion is the version of the checkpoint format this package
// writes and reads.
const CheckpointVersion = 1

// maxCheckpoint bounds the size of a checkpoint file read back.
const maxCheckpoint = 1 << 20

// Checkpoint records how far a long job (an import, a streamed projection)
// got, so that a second run continues where the first stopped. It is a
// small JSON file, replaced atomically (temporary file, fsync, rename)
// each time it advances, so a crash leaves the previous or the next state,
// never a torn one. FORMAT.md describes it.
type Checkpoint struct {
	// Version is CheckpointVersion.
	Version int `json:"version"`
	// Kind names the job: "push" or "project".
	Kind string `json:"kind"`
	// Job identifies the job: the source, the target and the settings that
	// must not change between runs. A checkpoint of another job is refused.
	Job string `json:"job"`
	// Rows is the number of rows of the job.
	Rows int `json:"rows"`
	// Done is the number of rows finished: every row before Done, in the
	// job's order, is stored; rows after it may or may not be.
	Done int `json:"done"`
	// After is the cursor position (an object ID) of a job that walks a
	// collection: every object up to and including it is finished.
	After string `json:"after,omitempty"`
}

// LoadCheckpoint reads the checkpoint at path. A missing file gives a zero
// Checkpoint and no error. A checkpoint that is malformed, of another
// kind or of another job is an error naming the file, so that an unrelated
// file is never taken for progress.
func LoadCheckpoint(path, kind, job string, rows int) (Checkpoint, error) {
	var ck Checkpoint
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Checkpoint{Version: CheckpointVersion, Kind: kind, Job: job, Rows: rows}, nil
	}
	if err != nil {
		return ck, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCheckpoint+1))
	if err != nil {
		return ck, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxCheckpoint {
		return ck, fmt.Errorf("%s: not a checkpoint: larger than %d bytes", path, maxCheckpoint)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ck); err != nil {
		return ck, fmt.Errorf("%s: not a checkpoint: %v", path, err)
	}
	switch {
	case ck.Version != CheckpointVersion:
		return ck, fmt.Errorf("%s: checkpoint version %d, this program reads %d", path, ck.Version, CheckpointVersion)
	case ck.Kind != kind:
		return ck, fmt.Errorf("%s: a %q checkpoint, not %q", path, ck.Kind, kind)
	case ck.Job != job || ck.Rows != rows:
		return ck, fmt.Errorf("%s: the checkpoint is of another job (%s, %d rows), not this one (%s, %d rows); remove it to start over", path, ck.Job, ck.Rows, job, rows)
	case ck.Done < 0 || ck.Done > ck.Rows:
		return ck, fmt.Errorf("%s: checkpoint says %d of %d rows done", path, ck.Done, ck.Rows)
	}
	return ck, nil
}

// Save writes the checkpoint to path atomically.
func (ck Checkpoint) Save(path string) error {
	data, err := json.MarshalIndent(ck, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(data, '\n'))
}
