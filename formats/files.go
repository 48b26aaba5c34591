package formats

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/latentlab/latent/internal/atomicfile"
)

// Open opens path for reading, through gzip when the file starts with the
// gzip magic number (whatever its name). It returns the file's size, or -1
// for a gzip file, whose decompressed size is unknown. Format readers use
// the size to refuse headers that claim more data than the file holds.
func Open(path string) (io.ReadCloser, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	rc, size, err := OpenFile(f)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return rc, size, nil
}

// OpenFile is Open for a file already opened (for example through an
// os.Root). It takes ownership of f: closing the result closes f, and f is
// closed on error. f must be seekable.
func OpenFile(f fs.File) (io.ReadCloser, int64, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, errors.New("is a directory")
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		f.Close()
		return nil, 0, errors.New("file cannot seek")
	}
	var magic [2]byte
	n, _ := io.ReadFull(rs, magic[:])
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, 0, err
	}
	if !IsGzip(magic[:n]) {
		return f, st.Size(), nil
	}
	zr, err := gzip.NewReader(rs)
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return gzipFile{zr, f}, -1, nil
}

type gzipFile struct {
	*gzip.Reader
	f fs.File
}

func (g gzipFile) Close() error {
	g.Reader.Close()
	return g.f.Close()
}

// WriteFile atomically creates or replaces path with what write produces,
// gzip-compressed when the name ends in ".gz". Errors from write are
// prefixed with the path.
func WriteFile(path string, write func(w io.Writer) error) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		var err error
		if strings.HasSuffix(strings.ToLower(path), ".gz") {
			zw := gzip.NewWriter(w)
			if err = write(zw); err == nil {
				err = zw.Close()
			}
		} else {
			err = write(w)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	})
}

// Stem returns the file name of path without its directory, a ".gz" suffix
// and its extension: the default dataset name.
func Stem(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), ".gz")
	return strings.TrimSuffix(base, filepath.Ext(base))
}
