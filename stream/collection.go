package stream

import (
	"context"
	"fmt"

	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
	"github.com/latentlab/latent/weaviate"
)

// maxPage is the largest batch read from a collection (Weaviate's
// default QUERY_MAXIMUM_RESULTS).
const maxPage = 10000

// Collection projects the objects of a Weaviate collection that latent
// push wrote (rows 0..n−1). It fits the model on a sample of rows fetched
// by row number, then walks the collection with the cursor, BatchSize
// objects at a time (at most 10,000), and writes each batch's coordinates
// as the number[] property prop of its objects (when prop is not empty)
// and into the .npy file out at the objects' rows (when out is not empty).
//
// With a checkpoint, the cursor position is saved after each batch, once
// its coordinates are stored; a second run continues after it. Writing a
// property re-sends each object whole (see weaviate.Collection.WriteBack).
func Collection(ctx context.Context, col *weaviate.Collection, out, prop string, o Options) (Result, error) {
	if err := o.resolve(); err != nil {
		return Result{}, err
	}
	if out == "" && prop == "" {
		return Result{}, fmt.Errorf("stream: project %q: no output (give a file or a property)", col.Name)
	}
	o.BatchSize = min(o.BatchSize, maxPage)
	r := &run{o: o}
	n, err := col.Count(ctx)
	if err != nil {
		return r.res, err
	}
	d := col.Dim
	if n == 0 || d == 0 {
		return r.res, fmt.Errorf("stream: collection %q is empty", col.Name)
	}
	dest := out
	if prop != "" {
		dest += " property " + prop
	}
	source := fmt.Sprintf("collection %s to %s", col.Name, dest)
	err = r.prepare(ctx, r.o.job(source, n, d), n, d, func(idx []int) (*mat32.Dense, error) {
		r.o.Progress.Report(progress.Update{Stage: "sample", Done: 0, Total: int64(len(idx))})
		b, err := col.FetchRows(ctx, idx)
		if err != nil {
			return nil, fmt.Errorf("stream: fetching the sample: %w", err)
		}
		return b.X, nil
	})
	if err != nil {
		return r.res, err
	}
	var w *partial
	if out != "" {
		w, err = openPartial(out, n, r.o.Components, r.fresh || r.ck.After == "")
		if err != nil {
			return r.res, err
		}
		w.keep = r.o.Checkpoint != ""
		defer w.abort()
	}
	if err := r.saveCheckpoint(); err != nil {
		return r.res, err
	}
	ybuf := mat32.New(r.o.BatchSize, r.o.Components)
	err = col.Scan(ctx, weaviate.ScanOptions{BatchSize: r.o.BatchSize, After: r.ck.After}, func(b *weaviate.Batch) error {
		for _, row := range b.Rows {
			if row < 0 || row >= n {
				return fmt.Errorf("stream: collection %q: an object has row %d, outside [0,%d)", col.Name, row, n)
			}
		}
		y := ybuf.Slice(0, b.Len())
		if err := r.project(ctx, y, b.X, b.Rows); err != nil {
			return fmt.Errorf("stream: %d objects after %s: %w", b.Len(), r.ck.After, err)
		}
		if w != nil {
			for i, row := range b.Rows {
				if err := w.writeRows(row, y.Row(i)); err != nil {
					return err
				}
			}
		}
		if prop != "" {
			if err := col.WriteBack(ctx, b, prop, y, r.o.Consistency); err != nil {
				return err
			}
		}
		if r.o.Checkpoint != "" {
			if w != nil {
				if err := w.sync(); err != nil {
					return err
				}
			}
			r.ck.After = b.IDs[b.Len()-1]
		}
		r.ck.Done = min(r.ck.Done+b.Len(), n)
		if err := r.saveCheckpoint(); err != nil {
			return err
		}
		r.o.Progress.Report(progress.Update{Stage: "transform", Done: int64(r.ck.Done), Total: int64(n)})
		return nil
	})
	if err != nil {
		return r.res, err
	}
	if w != nil {
		if err := w.commit(); err != nil {
			return r.res, err
		}
	}
	r.finish()
	return r.res, nil
}
