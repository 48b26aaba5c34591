package idx

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/latentlab/latent/formats"
)

// gzipHintRatio bounds the size hint taken from a gzip trailer to this
// multiple of the compressed size, so that a lying trailer cannot make a
// small file allocate much memory.
const gzipHintRatio = 64

// File is an open IDX file whose header has been read. Read its values with
// ReadFloat32 or ReadInts, passing Options, then Close it.
type File struct {
	// Header is the file's header.
	Header Header
	// Options carry what is known about the stream's length (Size for a
	// plain file, SizeHint for gzip); set Scale and MaxItems on a copy.
	Options ReadOptions
	// Gzip reports whether the file is gzip-compressed.
	Gzip bool

	path string
	f    *os.File
	r    io.Reader
	zr   *gzip.Reader
}

// Open opens an IDX file, plain or gzip-compressed (sniffed from its first
// bytes, whatever its name), and reads its header. Errors start with path.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	file, err := open(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return file, nil
}

func open(path string, f *os.File) (*File, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	file := &File{path: path, f: f}
	br := bufio.NewReaderSize(f, 256<<10)
	head, _ := br.Peek(2)
	if formats.IsGzip(head) {
		file.Gzip = true
		file.Options.SizeHint = gzipSizeHint(f, st.Size())
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: idx: %w", path, gzipErr(err))
		}
		file.zr = zr
		file.r = zr
	} else {
		file.Options.Size = st.Size()
		file.r = br
	}
	if file.Header, err = ReadHeader(file.r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !file.Gzip {
		// Check the length now, so that a lying header fails at Open.
		if _, _, err := file.Options.plan(file.Header); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return file, nil
}

// gzipErr turns a truncated gzip header into io.ErrUnexpectedEOF.
func gzipErr(err error) error {
	if err == io.EOF {
		return fmt.Errorf("truncated gzip header: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// gzipSizeHint reads the uncompressed length (mod 2^32) from the gzip
// trailer and bounds it by gzipHintRatio times the compressed size.
func gzipSizeHint(f *os.File, size int64) int64 {
	if size < 18 {
		return 0
	}
	var b [4]byte
	if _, err := f.ReadAt(b[:], size-4); err != nil {
		return 0
	}
	return min(int64(binary.LittleEndian.Uint32(b[:])), gzipHintRatio*size)
}

// Path returns the path the file was opened with.
func (f *File) Path() string { return f.path }

// ReadFloat32 reads the values as float32 (see the package function);
// errors start with the path.
func (f *File) ReadFloat32(opt ReadOptions) ([]float32, error) {
	v, err := ReadFloat32(f.r, f.Header, f.merge(opt))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return v, nil
}

// ReadInts reads integer values exactly (see the package function); errors
// start with the path.
func (f *File) ReadInts(opt ReadOptions) ([]int, error) {
	v, err := ReadInts(f.r, f.Header, f.merge(opt))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return v, nil
}

func (f *File) merge(opt ReadOptions) ReadOptions {
	if opt.Size == 0 && opt.SizeHint == 0 {
		opt.Size, opt.SizeHint = f.Options.Size, f.Options.SizeHint
	}
	return opt
}

// Close closes the file.
func (f *File) Close() error {
	if f.zr != nil {
		f.zr.Close()
	}
	return f.f.Close()
}

// ReadFile reads a whole IDX file, plain or gzip, as float32 values.
func ReadFile(path string, opt ReadOptions) (Header, []float32, error) {
	f, err := Open(path)
	if err != nil {
		return Header{}, nil, err
	}
	defer f.Close()
	v, err := f.ReadFloat32(opt)
	return f.Header, v, err
}

// hasGzSuffix reports whether the name ends in ".gz", ignoring case.
func hasGzSuffix(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".gz") }

// sniff reports whether the file at path starts, after gzip decompression
// if any, with a valid IDX magic number.
func sniff(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if head, _ := br.Peek(2); formats.IsGzip(head) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return false, nil
		}
		defer zr.Close()
		r = zr
	}
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return false, nil
	}
	return validMagic(b[:]), nil
}

// validMagic reports whether b starts with an IDX magic number.
func validMagic(b []byte) bool {
	return len(b) >= 4 && b[0] == 0 && b[1] == 0 && DType(b[2]).Size() > 0 && b[3] > 0
}
