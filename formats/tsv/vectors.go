package tsv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unsafe"

	"github.com/latentlab/latent/mat32"
)

// MaxLineBytes is the longest line the readers accept (64 MiB, a vector of
// several million numbers); a longer line is an error, not an allocation.
const MaxLineBytes = 64 << 20

var (
	// ErrFieldCount is wrapped by a ParseError for a row whose number of
	// fields differs from the first row's (or the header's).
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrNoVectors is returned for input that holds no vector at all.
	ErrNoVectors = errors.New("no vectors")
)

// A ParseError is returned for a malformed line. Line and Column are
// 1-based; Column counts tab-separated fields and is 0 when the error is
// about the whole line.
type ParseError struct {
	Line   int
	Column int
	Err    error
}

func (e *ParseError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

var utf8BOM = []byte("\xef\xbb\xbf")

// ReadVectors reads a vectors.tsv from r: one vector per line, its values
// separated by tabs, no header. Blank lines are skipped and spaces around a
// line or a value are ignored, as in the Projector. Every row must have as
// many values as the first; a value that is not a number is an error.
// maxRows > 0 stops after that many rows.
func ReadVectors(r io.Reader, maxRows int) (*mat32.Dense, error) {
	return readVectors(r, maxRows, -1)
}

// readVectors is ReadVectors with the input's size in bytes, or -1 when it is
// unknown; a known size lets the matrix be allocated once.
func readVectors(r io.Reader, maxRows int, size int64) (*mat32.Dense, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	var data []float32
	d, rows, line := 0, 0, 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, utf8BOM)
		}
		b = trimSpace(b)
		if len(b) == 0 {
			continue
		}
		if maxRows > 0 && rows == maxRows {
			break
		}
		if rows == 0 {
			d = bytes.Count(b, []byte{'\t'}) + 1
			data = make([]float32, 0, reserve(d, len(b), size, maxRows))
		}
		var err error
		if data, err = appendRow(data, b, d); err != nil {
			err.(*ParseError).Line = line
			return nil, err
		}
		rows++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{Line: line + 1, Err: fmt.Errorf("line longer than %d bytes", MaxLineBytes)}
		}
		return nil, err
	}
	if line == 0 {
		return nil, fmt.Errorf("empty file: %w", ErrNoVectors)
	}
	if rows == 0 {
		return nil, ErrNoVectors
	}
	return mat32.FromSlice(rows, d, data[:rows*d:rows*d]), nil
}

// reserve guesses the number of values to allocate room for, from the first
// line's length and the input size; the guess never exceeds what the input
// can hold (every value takes at least two bytes), so a small file cannot
// ask for a large allocation.
func reserve(d, lineLen int, size int64, maxRows int) int {
	if size <= 0 {
		return d
	}
	rows := size/int64(lineLen+1) + 1
	rows += rows / 16
	if maxRows > 0 && int64(maxRows) < rows {
		rows = int64(maxRows)
	}
	n := rows * int64(d)
	if limit := size/2 + int64(d); n > limit {
		n = limit
	}
	if n > 1<<40 {
		n = 1 << 40
	}
	return int(n)
}

// appendRow parses the d tab-separated numbers of line b onto data. Errors
// are *ParseError without the line number.
func appendRow(data []float32, b []byte, d int) ([]float32, error) {
	col := 0
	for {
		col++
		i := bytes.IndexByte(b, '\t')
		field := b
		if i >= 0 {
			field = b[:i]
		}
		if col > d {
			return data, &ParseError{Column: col, Err: fmt.Errorf("%w: %d, want %d", ErrFieldCount, col+bytes.Count(b, []byte{'\t'}), d)}
		}
		v, err := parseFloat(field)
		if err != nil {
			return data, &ParseError{Column: col, Err: err}
		}
		data = append(data, v)
		if i < 0 {
			break
		}
		b = b[i+1:]
	}
	if col != d {
		return data, &ParseError{Column: col, Err: fmt.Errorf("%w: %d, want %d", ErrFieldCount, col, d)}
	}
	return data, nil
}

// parseFloat parses a decimal number (or NaN/Inf) as float32. Values beyond
// the float32 range become ±Inf. It does not allocate unless it fails.
func parseFloat(b []byte) (float32, error) {
	b = trimSpace(b)
	if len(b) == 0 {
		return 0, errors.New("empty value")
	}
	// strconv does not keep its argument (errors hold a copy), so the bytes
	// can be viewed as a string without copying them.
	v, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 32)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return float32(v), nil
		}
		return 0, fmt.Errorf("%s is not a number", quoteField(b))
	}
	return float32(v), nil
}

// quoteField quotes a field for an error message, shortened if long.
func quoteField(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}

// trimSpace removes ASCII spaces, tabs and carriage returns at both ends.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// WriteVectors writes m as a vectors.tsv: one row per line, values separated
// by tabs, each in the shortest form that reads back as the same float32.
func WriteVectors(w io.Writer, m *mat32.Dense) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	buf := make([]byte, 0, 64)
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			buf = buf[:0]
			if j > 0 {
				buf = append(buf, '\t')
			}
			buf = appendFloat(buf, v)
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendFloat appends v to dst in the shortest decimal form that parses back
// to the same float32 ("NaN", "+Inf" and "-Inf" for the special values).
func appendFloat(dst []byte, v float32) []byte {
	return strconv.AppendFloat(dst, float64(v), 'g', -1, 32)
}
