package npy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/latentlab/latent/internal/atomicfile"
	"github.com/latentlab/latent/mat32"
)

// RowReader reads a C-order .npy file a batch of rows at a time, for data
// larger than memory. Values come back as float32, unscaled.
type RowReader struct {
	path string
	f    *os.File
	br   *bufio.Reader
	h    Header
	rows int
	cols int
	next int
	conv func(dst []float32, src []byte)
	buf  []byte
}

// OpenRows opens a .npy file for reading by rows. The array is seen as
// Rows()×Cols() like ReadFile sees it. Fortran-order arrays with more than
// one row and column cannot be read by rows and return an UnsupportedError;
// a file whose length disagrees with its header is refused here.
func OpenRows(path string) (*RowReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := openRows(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func openRows(path string, f *os.File) (*RowReader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	br := bufio.NewReaderSize(f, chunkSize)
	h, err := ReadHeader(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := (ReadOptions{Size: st.Size()}).checkSize(h); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := &RowReader{path: path, f: f, br: br, h: h, rows: h.Rows(), cols: h.Cols()}
	if h.Fortran && r.rows > 1 && r.cols > 1 {
		return nil, fmt.Errorf("%s: %w", path, UnsupportedError("reading Fortran-order data by rows; load it whole or rewrite it in C order"))
	}
	if h.DType != Float32 || !hostLE {
		r.conv = floatConverter(h.DType, 1)
	}
	return r, nil
}

// Header returns the file's header.
func (r *RowReader) Header() Header { return r.h }

// Rows returns the number of rows in the file.
func (r *RowReader) Rows() int { return r.rows }

// Cols returns the number of values per row.
func (r *RowReader) Cols() int { return r.cols }

// Next reads up to dst.Rows rows into the first rows of dst and returns how
// many it read; the rest of dst is untouched. After the last row it returns
// 0, io.EOF. A file that ends early gives an error wrapping
// io.ErrUnexpectedEOF with the byte offset. Next panics if dst.Cols is not
// Cols().
func (r *RowReader) Next(dst *mat32.Dense) (int, error) {
	if dst.Cols != r.cols {
		panic(fmt.Sprintf("npy: RowReader.Next: dst has %d columns, the file %d", dst.Cols, r.cols))
	}
	if r.next >= r.rows {
		return 0, io.EOF
	}
	k := min(dst.Rows, r.rows-r.next)
	out := dst.Data[:k*r.cols]
	off := int64(r.h.DataOffset) + int64(r.next)*int64(r.cols)*int64(r.h.DType.Size)
	if r.conv == nil {
		if n, err := io.ReadFull(r.br, bytesOf(out)); err != nil {
			return 0, fmt.Errorf("%s: %w", r.path, readErr("data", off+int64(n), err))
		}
	} else {
		esz := r.h.DType.Size
		if r.buf == nil {
			r.buf = make([]byte, chunkSize)
		}
		for lo := 0; lo < len(out); {
			m := min(len(out)-lo, chunkSize/esz)
			b := r.buf[:m*esz]
			if n, err := io.ReadFull(r.br, b); err != nil {
				return 0, fmt.Errorf("%s: %w", r.path, readErr("data", off+int64(lo*esz+n), err))
			}
			r.conv(out[lo:lo+m], b)
			lo += m
		}
	}
	r.next += k
	return k, nil
}

// Close closes the file.
func (r *RowReader) Close() error { return r.f.Close() }

// RowWriter writes a float32 C-order .npy file of a shape fixed up front, a
// batch of rows at a time, for outputs larger than memory. The file appears
// at its path only when Close succeeds after every row has been written;
// until then it is a temporary file in the same directory. Call Close or
// Abort exactly once (Abort after Close does nothing).
type RowWriter struct {
	path    string
	rows    int
	cols    int
	written int
	f       *atomicfile.File
	closed  bool
	result  error
	buf     []byte
}

// errAborted ends the temporary file of an aborted RowWriter.
var errAborted = errors.New("npy: write aborted")

// CreateRows starts writing a rows×cols float32 .npy file at path. It
// panics if rows or cols is negative.
func CreateRows(path string, rows, cols int) (*RowWriter, error) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("npy: CreateRows: negative shape %d×%d", rows, cols))
	}
	h := Header{DType: Float32, Shape: []int{rows, cols}}
	if err := h.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	w := &RowWriter{path: path, rows: rows, cols: cols, f: f}
	if _, err := WriteHeader(f, h); err != nil {
		w.Abort()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

// Write appends the rows of m. It panics if m.Cols is not the file's column
// count or if the file would get more rows than declared.
func (w *RowWriter) Write(m *mat32.Dense) error {
	if m.Cols != w.cols {
		panic(fmt.Sprintf("npy: RowWriter.Write: batch has %d columns, the file %d", m.Cols, w.cols))
	}
	if w.written+m.Rows > w.rows {
		panic(fmt.Sprintf("npy: RowWriter.Write: %d rows after %d exceed the declared %d", m.Rows, w.written, w.rows))
	}
	if w.closed {
		return fmt.Errorf("%s: npy: write after close", w.path)
	}
	data := m.Data[:m.Rows*m.Cols]
	var err error
	if hostLE {
		_, err = w.f.Write(bytesOf(data))
	} else {
		err = writeLE32(w.f, data, &w.buf)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	w.written += m.Rows
	return nil
}

// Close finishes the file and moves it into place. If fewer rows than
// declared were written it removes the temporary file and returns an error.
// Calling Close again returns the first result.
func (w *RowWriter) Close() error {
	if w.closed {
		return w.result
	}
	w.closed = true
	if w.written != w.rows {
		w.f.Abort()
		w.result = fmt.Errorf("%s: npy: %d of the declared %d rows written; file not created", w.path, w.written, w.rows)
		return w.result
	}
	w.result = w.f.Commit()
	return w.result
}

// Abort discards what was written; the target file is left untouched.
func (w *RowWriter) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.f.Abort()
	w.result = fmt.Errorf("%s: %w", w.path, errAborted)
}
