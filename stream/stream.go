package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats/npy"
	"github.com/latentlab/latent/formats/safetensors"
	"github.com/latentlab/latent/internal/atomicfile"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/reduce/pca"
	"github.com/latentlab/latent/reduce/tsne"
	"github.com/latentlab/latent/reduce/umap"
	"github.com/latentlab/latent/weaviate"
)

// Defaults of Options.
const (
	DefaultComponents = 2
	DefaultBatchSize  = 65536
	// Sample sizes by method: PCA is cheap to fit on many rows; UMAP and
	// t-SNE fit in seconds to a minute on these, and their transforms cost
	// grows with the reference set.
	DefaultSamplePCA  = 100000
	DefaultSampleUMAP = 20000
	DefaultSampleTSNE = 10000
)

// Options configures a streamed projection. The zero value projects with
// PCA to two components.
type Options struct {
	// Method is "pca" (also ""), "umap" or "tsne".
	Method string
	// Components is the output dimension; 0 means DefaultComponents.
	Components int
	// Sample is the number of rows the model is fitted on, drawn
	// uniformly by Seed; 0 means the method's default (DefaultSamplePCA,
	// DefaultSampleUMAP, DefaultSampleTSNE). All rows when n is smaller.
	Sample int
	// BatchSize is the number of rows read and transformed at once; 0
	// means DefaultBatchSize. Memory grows with it, not with the number of
	// rows. For a collection it is capped at 10,000 (Weaviate's page).
	BatchSize int
	// Seed fixes the sample and every random choice of the fit.
	Seed uint64
	// Checkpoint, when not empty, is the file that records the rows done,
	// so that a second run with the same input and options continues
	// where the first stopped (see weaviate.Checkpoint). It is removed
	// when the projection completes.
	Checkpoint string
	// Model, when not empty, is where the fitted model is saved (a
	// safetensors file, NAME.safetensors, and its JSON config, NAME.json);
	// a run that resumes from a checkpoint reads it back instead of fitting
	// again. With a Checkpoint and no Model, the model is kept next to the
	// checkpoint (CHECKPOINT.model.safetensors and .json) until the
	// projection completes.
	Model string
	// PCA, UMAP and TSNE tune the fit (Components and Seed come from the
	// fields above). UMAP nil means umap.DefaultOptions.
	PCA  pca.Options
	UMAP *umap.Options
	TSNE tsne.Options
	// TSNETransform tunes how t-SNE places new rows.
	TSNETransform tsne.TransformOptions
	// Consistency of the writes to a collection.
	Consistency weaviate.Consistency
	// Progress, when not nil, receives reports: "sample" (rows read for
	// the fit), the fit's own stages, then "transform" (rows done).
	Progress progress.Func
}

// Result says what a streamed projection did.
type Result struct {
	// Rows and Cols are the input's shape; Components the output's width.
	Rows, Cols, Components int
	// Sampled is the number of rows the model was fitted on.
	Sampled int
	// Resumed is the number of rows a checkpoint showed were done.
	Resumed int
	// ModelLoaded says the model was read back from a previous run.
	ModelLoaded bool
	// Fit and Transform are the wall times of the two phases.
	Fit, Transform time.Duration
}

// resolve fills in defaults and checks o.
func (o *Options) resolve() error {
	m, err := ParseMethod(o.Method)
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	o.Method = m
	if o.Components == 0 {
		o.Components = DefaultComponents
	}
	if o.Components < 0 {
		return fmt.Errorf("stream: %d components", o.Components)
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchSize < 0 || o.Sample < 0 {
		return fmt.Errorf("stream: negative batch size or sample")
	}
	if o.Sample == 0 {
		switch o.Method {
		case "pca":
			o.Sample = DefaultSamplePCA
		case "umap":
			o.Sample = DefaultSampleUMAP
		case "tsne":
			o.Sample = DefaultSampleTSNE
		}
	}
	return nil
}

// job identifies a projection in its checkpoint.
func (o *Options) job(source string, n, d int) string {
	return fmt.Sprintf("project %s (%d×%d) by %s to %d, sample %d, batch %d, seed %d", source, n, d, o.Method, o.Components, o.Sample, o.BatchSize, o.Seed)
}

// modelPath returns where the model is kept, and whether it is scratch.
func (o *Options) modelPath() (string, bool) {
	if o.Model != "" {
		return o.Model, false
	}
	if o.Checkpoint != "" {
		return o.Checkpoint + ".model.safetensors", true
	}
	return "", false
}

// run holds the state shared by the drivers.
type run struct {
	o       Options
	res     Result
	ck      weaviate.Checkpoint
	fresh   bool // no checkpoint was found
	m       model
	sample  []int       // sorted sampled rows
	pos     map[int]int // row → index in sample
	fitted  *mat32.Dense
	started time.Time
}

// prepare loads the checkpoint and the model, or fits the model on the
// rows that sampleRows returns (in the order of r.sample).
func (r *run) prepare(ctx context.Context, job string, n, d int, sampleRows func(idx []int) (*mat32.Dense, error)) error {
	r.res.Rows, r.res.Cols, r.res.Components = n, d, r.o.Components
	r.fresh = true
	if r.o.Checkpoint != "" {
		if _, err := os.Stat(r.o.Checkpoint); err == nil {
			r.fresh = false
		}
		ck, err := weaviate.LoadCheckpoint(r.o.Checkpoint, "project", job, n)
		if err != nil {
			return err
		}
		r.ck = ck
	} else {
		r.ck = weaviate.Checkpoint{Version: weaviate.CheckpointVersion, Kind: "project", Job: job, Rows: n}
	}
	r.res.Resumed = r.ck.Done
	r.sample = dataset.SampleIndices(n, r.o.Sample, r.o.Seed)
	r.res.Sampled = len(r.sample)
	r.pos = make(map[int]int, len(r.sample))
	for i, s := range r.sample {
		r.pos[s] = i
	}
	start := time.Now()
	mp, _ := r.o.modelPath()
	if mp != "" && !r.fresh {
		m, err := load(mp, &r.o)
		switch {
		case err == nil:
			if in, out := m.dims(); in != d || out != r.o.Components {
				return fmt.Errorf("stream: model %s maps %d columns to %d, the job %d to %d", mp, in, out, d, r.o.Components)
			}
			r.m, r.res.ModelLoaded = m, true
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("stream: reading the saved model: %w", err)
		}
	}
	if r.m == nil {
		x, err := sampleRows(r.sample)
		if err != nil {
			return err
		}
		if r.m, err = fit(ctx, x, &r.o); err != nil {
			return fmt.Errorf("stream: fitting %s on %d sampled rows: %w", r.o.Method, x.Rows, err)
		}
		if mp != "" {
			if err := r.m.save(mp); err != nil {
				return fmt.Errorf("stream: saving the model: %w", err)
			}
		}
	}
	r.fitted = r.m.fitted()
	if r.fitted != nil && r.fitted.Rows != len(r.sample) {
		return fmt.Errorf("stream: the model was fitted on %d rows, the sample has %d (remove the checkpoint and model to start over)", r.fitted.Rows, len(r.sample))
	}
	r.res.Fit = time.Since(start)
	r.started = time.Now()
	return nil
}

// project writes the coordinates of rows (the rows of x) into dst: a
// sampled row gets its fitted coordinates, the others the model's
// transform. dst is x.Rows×Components.
func (r *run) project(ctx context.Context, dst, x *mat32.Dense, rows []int) error {
	if c, i := mat32.CountNonFinite(x); c > 0 {
		return fmt.Errorf("%d NaN/Inf values in the batch (first in row %d)", c, rows[i])
	}
	if r.fitted == nil {
		return r.m.transform(ctx, dst, x)
	}
	var rest []int
	for i, row := range rows {
		if s, ok := r.pos[row]; ok {
			copy(dst.Row(i), r.fitted.Row(s))
		} else {
			rest = append(rest, i)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	if len(rest) == len(rows) {
		return r.m.transform(ctx, dst, x)
	}
	q := mat32.New(len(rest), x.Cols)
	mat32.Gather(q, x, rest)
	out := mat32.New(len(rest), dst.Cols)
	if err := r.m.transform(ctx, out, q); err != nil {
		return err
	}
	for j, i := range rest {
		copy(dst.Row(i), out.Row(j))
	}
	return nil
}

// finish removes the checkpoint and a scratch model.
func (r *run) finish() {
	r.res.Transform = time.Since(r.started)
	if r.o.Checkpoint != "" {
		os.Remove(r.o.Checkpoint)
		if mp, scratch := r.o.modelPath(); scratch {
			os.Remove(mp)
			os.Remove(safetensors.ConfigPath(mp))
		}
	}
}

// saveCheckpoint records progress, if there is a checkpoint.
func (r *run) saveCheckpoint() error {
	if r.o.Checkpoint == "" {
		return nil
	}
	return r.ck.Save(r.o.Checkpoint)
}

// chunks splits n rows into ⌈n/b⌉ runs of nearly equal length; the
// boundaries depend only on n and b, so a resumed run cuts the same runs
// (UMAP's transform runs more epochs for runs of at most 10,000 rows, so
// the cut matters to the result).
func chunks(n, b int) []int {
	c := max((n+b-1)/b, 1)
	out := make([]int, c+1)
	for i := range out {
		out[i] = int(int64(i) * int64(n) / int64(c))
	}
	return out
}

// NPY projects the rows of the .npy file in and writes the coordinates to
// the .npy file out (float32, rows×Components). It fits the model on a
// sample drawn in one pass over in, then reads in again BatchSize rows at
// a time, so memory is bounded by the batch and the sample, not by the
// number of rows.
//
// The coordinates go to out + ".partial", which becomes out when every row
// is written. With a checkpoint, each batch is synced to disk before the
// checkpoint records it, and a second run after a crash or a cancellation
// keeps the rows before the checkpoint's count and continues from there;
// the result is the same as that of a run without interruption.
func NPY(ctx context.Context, in, out string, o Options) (Result, error) {
	if err := o.resolve(); err != nil {
		return Result{}, err
	}
	r := &run{o: o}
	src, err := npy.OpenRows(in)
	if err != nil {
		return r.res, err
	}
	defer src.Close()
	n, d := src.Rows(), src.Cols()
	if n == 0 || d == 0 {
		return r.res, fmt.Errorf("%s: no data (%d×%d)", in, n, d)
	}
	st, err := os.Stat(in)
	if err != nil {
		return r.res, err
	}
	abs, _ := filepath.Abs(in)
	source := fmt.Sprintf("%s [%d bytes, modified %s]", abs, st.Size(), st.ModTime().UTC().Format(time.RFC3339Nano))
	err = r.prepare(ctx, r.o.job(source, n, d), n, d, func(idx []int) (*mat32.Dense, error) {
		return sampleNPY(ctx, in, idx, r.o.BatchSize, r.o.Progress)
	})
	if err != nil {
		return r.res, err
	}
	w, err := openPartial(out, n, r.o.Components, r.fresh || r.ck.Done == 0)
	if err != nil {
		return r.res, err
	}
	w.keep = r.o.Checkpoint != ""
	defer w.abort()
	if err := r.saveCheckpoint(); err != nil {
		return r.res, err
	}
	bounds := chunks(n, r.o.BatchSize)
	first := -1
	for i, b := range bounds {
		if b == r.ck.Done {
			first = i
		}
	}
	if first < 0 {
		return r.res, fmt.Errorf("%s: it records %d rows done, which is not a batch boundary of this job", r.o.Checkpoint, r.ck.Done)
	}
	maxChunk := 0
	for i := 1; i < len(bounds); i++ {
		maxChunk = max(maxChunk, bounds[i]-bounds[i-1])
	}
	xbuf := mat32.New(maxChunk, d)
	ybuf := mat32.New(maxChunk, r.o.Components)
	rows := make([]int, maxChunk)
	// Skip the rows already done.
	for pos := 0; pos < r.ck.Done; {
		k, err := readRows(src, xbuf.Slice(0, min(maxChunk, r.ck.Done-pos)))
		if err != nil {
			return r.res, fmt.Errorf("%s: %w", in, err)
		}
		pos += k
	}
	for c := first; c+1 < len(bounds); c++ {
		if err := ctx.Err(); err != nil {
			return r.res, err
		}
		lo, hi := bounds[c], bounds[c+1]
		x, y := xbuf.Slice(0, hi-lo), ybuf.Slice(0, hi-lo)
		if _, err := readRows(src, x); err != nil {
			return r.res, fmt.Errorf("%s: rows %d-%d: %w", in, lo, hi-1, err)
		}
		for i := range rows[:hi-lo] {
			rows[i] = lo + i
		}
		if err := r.project(ctx, y, x, rows[:hi-lo]); err != nil {
			return r.res, fmt.Errorf("stream: rows %d-%d: %w", lo, hi-1, err)
		}
		if err := w.writeRows(lo, y.Data[:y.Rows*y.Cols]); err != nil {
			return r.res, err
		}
		if r.o.Checkpoint != "" {
			if err := w.sync(); err != nil {
				return r.res, err
			}
			r.ck.Done = hi
			if err := r.saveCheckpoint(); err != nil {
				return r.res, err
			}
		}
		r.o.Progress.Report(progress.Update{Stage: "transform", Done: int64(hi), Total: int64(n)})
	}
	if err := w.commit(); err != nil {
		return r.res, err
	}
	r.finish()
	return r.res, nil
}

// readRows fills dst from src; fewer rows than asked is an error.
func readRows(src *npy.RowReader, dst *mat32.Dense) (int, error) {
	filled := 0
	for filled < dst.Rows {
		k, err := src.Next(dst.Slice(filled, dst.Rows))
		filled += k
		if err == io.EOF || (err == nil && k == 0) {
			return filled, fmt.Errorf("the data ends %d rows early: %w", dst.Rows-filled, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return filled, err
		}
	}
	return filled, nil
}

// sampleNPY reads the rows idx (sorted) of the file in one pass.
func sampleNPY(ctx context.Context, path string, idx []int, batch int, prog progress.Func) (*mat32.Dense, error) {
	src, err := npy.OpenRows(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	n, d := src.Rows(), src.Cols()
	x := mat32.New(len(idx), d)
	buf := mat32.New(min(batch, n), d)
	j := 0
	for lo := 0; lo < n && j < len(idx); {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := min(buf.Rows, n-lo)
		if _, err := readRows(src, buf.Slice(0, m)); err != nil {
			return nil, fmt.Errorf("%s: sampling rows %d-%d: %w", path, lo, lo+m-1, err)
		}
		for j < len(idx) && idx[j] < lo+m {
			copy(x.Row(j), buf.Row(idx[j]-lo))
			j++
		}
		lo += m
		prog.Report(progress.Update{Stage: "sample", Done: int64(lo), Total: int64(n)})
	}
	if err := dataset.CheckFinite(path+": sampled rows", x); err != nil {
		return nil, err
	}
	return x, nil
}

// partial is the output .npy being written: a file of the final size at
// out + ".partial", written by row position.
type partial struct {
	f         *os.File
	path, out string
	hdr       int64
	k         int
	done      bool
	// keep leaves the file behind on abort, for a checkpoint to resume.
	keep bool
}

// openPartial creates (fresh) or reopens the partial output for n×k.
func openPartial(out string, n, k int, fresh bool) (*partial, error) {
	p := &partial{path: out + ".partial", out: out, k: k}
	h := npy.Header{DType: npy.Float32, Shape: []int{n, k}}
	var buf bytes.Buffer
	if _, err := npy.WriteHeader(&buf, h); err != nil {
		return nil, fmt.Errorf("%s: %w", out, err)
	}
	hb := buf.Bytes()
	p.hdr = int64(len(hb))
	size := p.hdr + int64(n)*int64(k)*4
	if fresh {
		f, err := os.OpenFile(p.path, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(hb); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", p.path, err)
		}
		if err := f.Truncate(size); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", p.path, err)
		}
		p.f = f
		return p, nil
	}
	f, err := os.OpenFile(p.path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: the checkpoint says work is done but the partial output cannot be opened (remove the checkpoint to start over): %w", p.path, err)
	}
	st, err := f.Stat()
	if err == nil && st.Size() != size {
		err = fmt.Errorf("%d bytes, want %d", st.Size(), size)
	}
	if err == nil {
		head := make([]byte, p.hdr)
		if _, err = f.ReadAt(head, 0); err == nil && string(head) != string(hb) {
			err = errors.New("its header is not this job's")
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: partial output does not match the checkpoint (remove both to start over): %v", p.path, err)
	}
	p.f = f
	return p, nil
}

// writeRows writes v, whole rows of coordinates, as rows row, row+1, ...
// of the output.
func (p *partial) writeRows(row int, v []float32) error {
	if _, err := p.f.WriteAt(npy.LittleEndian(v), p.hdr+int64(row)*int64(p.k)*4); err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	return nil
}

func (p *partial) sync() error {
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	return nil
}

// commit syncs the partial file and renames it to the output.
func (p *partial) commit() error {
	err := p.f.Sync()
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(p.path, p.out)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p.out, err)
	}
	p.done = true
	atomicfile.SyncDir(filepath.Dir(p.out))
	return nil
}

// abort closes the file, and removes it unless a checkpoint refers to it.
func (p *partial) abort() {
	if !p.done {
		p.f.Close()
		p.done = true
		if !p.keep {
			os.Remove(p.path)
		}
	}
}
