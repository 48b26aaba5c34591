package word2vec

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

const (
	// MaxLineBytes is the longest text line accepted (64 MiB).
	MaxLineBytes = 64 << 20
	// MaxWordBytes is the longest word accepted in a binary file.
	MaxWordBytes = 1 << 16
	// maxHeaderBytes bounds the header line "rows dims".
	maxHeaderBytes = 256
)

// ReadOptions tune the readers. The zero value reads everything.
type ReadOptions struct {
	// MaxRows > 0 stops after that many rows.
	MaxRows int
	// Size is the number of bytes the reader holds, when known (0:
	// unknown). A header is checked against it before the matrix is
	// allocated at its final size.
	Size int64
}

// Header is what the first line of a word2vec file announces.
type Header struct {
	Rows, Dim int
	// Binary reports whether the vectors are stored as float32 bytes
	// rather than text.
	Binary bool
}

// A ParseError reports malformed input: Line (1-based) for text; Record
// (0-based) and the byte Offset for binary files.
type ParseError struct {
	Line   int
	Record int
	Offset int64
	Err    error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("record %d at byte %d: %v", e.Record, e.Offset, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

var (
	// ErrFieldCount is wrapped by a ParseError for a text line with the
	// wrong number of values.
	ErrFieldCount = errors.New("wrong number of values")
	// ErrInvalidWord is wrapped by a ParseError for a word that is not
	// valid UTF-8.
	ErrInvalidWord = errors.New("word is not valid UTF-8")
)

// Duplicates returns how many rows of d repeat a word of an earlier row,
// for a dataset read by this package (whose labels are the words).
func Duplicates(d *dataset.Dataset) int {
	if d.Labels == nil {
		return 0
	}
	return d.Len() - len(d.Classes)
}

// ReadHeader reads the header of a word2vec file and tells text from
// binary by the bytes of the first record, reading no further than that.
func ReadHeader(r io.Reader) (Header, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	h, _, err := readHeader(br)
	return h, err
}

// readHeader reads "rows dims\n" and sniffs the encoding of what follows.
// It returns the header line's length.
func readHeader(br *bufio.Reader) (Header, int, error) {
	line, err := readLine(br, maxHeaderBytes)
	if err == io.EOF {
		return Header{}, 0, errors.New("empty file")
	}
	if err != nil {
		if errors.Is(err, errLineTooLong) {
			return Header{}, 0, &ParseError{Line: 1, Err: errors.New(`the header is not "rows dims"`)}
		}
		return Header{}, 0, err
	}
	n := len(line) + 1
	rows, dim, ok := parseHeader(line)
	if !ok {
		return Header{}, n, &ParseError{Line: 1, Err: fmt.Errorf(`the header is not "rows dims": %s`, quote(line))}
	}
	if rows <= 0 || dim <= 0 {
		return Header{}, n, &ParseError{Line: 1, Err: fmt.Errorf("the header announces %d×%d vectors", rows, dim)}
	}
	if rows > math.MaxInt/dim || int64(rows)*int64(dim) > math.MaxInt64/4 {
		return Header{}, n, &ParseError{Line: 1, Err: fmt.Errorf("the header announces %d×%d vectors: dimension overflow", rows, dim)}
	}
	return Header{Rows: rows, Dim: dim, Binary: sniffBinary(br, dim)}, n, nil
}

// parseHeader reads two non-negative decimal integers separated by spaces.
func parseHeader(line []byte) (rows, dim int, ok bool) {
	f := bytes.Fields(line)
	if len(f) != 2 {
		return 0, 0, false
	}
	a, err1 := strconv.ParseUint(string(f[0]), 10, 62)
	b, err2 := strconv.ParseUint(string(f[1]), 10, 62)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return int(a), int(b), true
}

// isHeader reports whether head starts with a word2vec header line.
func isHeader(head []byte) bool {
	i := bytes.IndexByte(head, '\n')
	if i < 0 || i > maxHeaderBytes {
		return false
	}
	r, d, ok := parseHeader(head[:i])
	return ok && r > 0 && d > 0
}

// sniffBinary tells binary vectors from text by the bytes after the first
// word: float32 bytes almost surely hold control characters, text never
// does, and a text line ends in a number.
func sniffBinary(br *bufio.Reader, dim int) bool {
	peek, _ := br.Peek(br.Size())
	peek = bytes.TrimLeft(peek, "\r\n")
	sp := bytes.IndexByte(peek, ' ')
	if sp < 0 {
		return false // no record at all: let the text reader report it
	}
	body := peek[sp+1:]
	complete := false
	if i := bytes.IndexByte(body, '\n'); i >= 0 {
		body, complete = body[:i], true
	}
	for _, c := range body {
		if c < 0x20 && c != '\t' && c != '\r' || c == 0x7f {
			return true
		}
	}
	if !complete {
		return false // printable all along: text
	}
	// A text line holds dim numbers. A binary record can only look like
	// text here if a line break among its float bytes cut it short.
	if len(body) >= 4*dim && len(bytes.Fields(body)) < dim {
		return true // a whole vector of printable bytes, but too few fields
	}
	body = trimSpace(body)
	if len(bytes.Fields(body)) >= dim {
		return false
	}
	_, err := parseFloat(body[bytes.LastIndexAny(body, " \t")+1:])
	return err != nil // a short text line ending in a number is text
}

// Read reads a word2vec file, text or binary, told apart by the bytes after
// the header.
func Read(r io.Reader, opt ReadOptions) (*dataset.Dataset, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	h, hlen, err := readHeader(br)
	if err != nil {
		return nil, err
	}
	if opt.Size > 0 {
		if err := checkSize(h, hlen, opt.Size); err != nil {
			return nil, err
		}
	}
	rows := h.Rows
	if opt.MaxRows > 0 {
		rows = min(rows, opt.MaxRows)
	}
	b := newBuilder(rows, h.Dim, opt.Size > 0)
	if h.Binary {
		err = readBinary(br, b, h, rows, int64(hlen))
	} else {
		err = readText(br, b, h.Dim, rows, h.Rows, 2)
	}
	if err != nil {
		return nil, err
	}
	src := "text"
	if h.Binary {
		src = "float32"
	}
	return b.dataset(src), nil
}

// checkSize refuses a header that announces more than size bytes can hold:
// a binary record takes at least a letter, a space and 4×dims bytes; a text
// line at least a letter and, per value, a space and a digit.
func checkSize(h Header, hlen int, size int64) error {
	per := int64(2 * h.Dim)
	kind := "text"
	if h.Binary {
		per, kind = int64(4*h.Dim+2), "binary"
	}
	need := int64(hlen)
	if int64(h.Rows) > (math.MaxInt64-need)/per {
		need = math.MaxInt64
	} else {
		need += int64(h.Rows) * per
	}
	if need-1 > size { // the last text line may lack its newline
		return fmt.Errorf("the header announces %d×%d vectors, which take at least %d bytes as %s; the file has %d: %w",
			h.Rows, h.Dim, need-1, kind, size, io.ErrUnexpectedEOF)
	}
	return nil
}

// builder collects rows: values, words and the word → class index.
type builder struct {
	dim     int
	data    []float32
	words   []string
	classes []string
	labels  []int
	index   map[string]int
}

// newBuilder prepares for rows rows of dim values; sized reserves all the
// room at once (the size of the input was checked), otherwise the room
// grows with the rows.
func newBuilder(rows, dim int, sized bool) *builder {
	b := &builder{dim: dim, index: make(map[string]int)}
	if sized {
		b.data = make([]float32, 0, rows*dim)
		b.words = make([]string, 0, rows)
		b.labels = make([]int, 0, rows)
	}
	return b
}

func (b *builder) add(word string) {
	c, ok := b.index[word]
	if !ok {
		c = len(b.classes)
		b.classes = append(b.classes, word)
		b.index[word] = c
	}
	b.words = append(b.words, word)
	b.labels = append(b.labels, c)
}

func (b *builder) dataset(src string) *dataset.Dataset {
	n := len(b.words)
	return &dataset.Dataset{
		X:          mat32.FromSlice(n, b.dim, b.data[:n*b.dim:n*b.dim]),
		Labels:     b.labels,
		Classes:    b.classes,
		Meta:       []dataset.Column{{Name: "word", Values: b.words}},
		SourceType: src,
	}
}

var errLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// readLine returns the next line without its line break, or io.EOF when
// nothing is left. The slice is valid until the next read from br.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			if len(buf) > max {
				return nil, errLineTooLong
			}
			line, err = br.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if len(line) > max+1 {
		return nil, errLineTooLong
	}
	switch {
	case err == io.EOF && len(line) == 0:
		return nil, io.EOF
	case err != nil && err != io.EOF:
		return nil, err
	}
	return bytes.TrimSuffix(line, []byte{'\n'}), nil
}

func isSep(c byte) bool { return c == ' ' || c == '\t' }

// trimSpace removes ASCII spaces, tabs and carriage returns at both ends.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (isSep(b[0]) || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (isSep(b[len(b)-1]) || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// parseFloat parses a decimal number (or NaN/Inf) as float32 without
// allocating; values beyond the float32 range become ±Inf.
func parseFloat(b []byte) (float32, error) {
	if len(b) == 0 {
		return 0, errors.New("empty value")
	}
	// strconv keeps no reference to its argument (its errors hold a
	// copy), so the bytes can be viewed as a string without a copy.
	v, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 32)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return float32(v), nil
		}
		return 0, fmt.Errorf("%s is not a number", quote(b))
	}
	return float32(v), nil
}

// quote quotes b for an error message, shortened if long.
func quote(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readBinary reads want records of "word" ' ' dim×float32 [\n]; the reader
// is positioned after the header, which took off bytes.
func readBinary(br *bufio.Reader, b *builder, h Header, want int, off int64) error {
	cr := &countingReader{r: br, n: off}
	// The vector is read in pieces, so that a huge dimension in the header
	// costs nothing until the bytes are there.
	buf := make([]byte, min(4*h.Dim, 1<<20))
	var word []byte
	for rec := 0; rec < want; rec++ {
		start := cr.n
		fail := func(err error) error {
			return &ParseError{Record: rec, Offset: start, Err: err}
		}
		short := func() error {
			return fail(fmt.Errorf("the header announces %d vectors but the file ends at byte %d: %w", h.Rows, cr.n, io.ErrUnexpectedEOF))
		}
		// Skip the line break the C tool writes after each vector.
		c, err := cr.ReadByte()
		for err == nil && (c == '\n' || c == '\r') {
			start = cr.n
			c, err = cr.ReadByte()
		}
		word = word[:0]
		for err == nil && c != ' ' {
			if len(word) == MaxWordBytes {
				return fail(fmt.Errorf("word longer than %d bytes", MaxWordBytes))
			}
			word = append(word, c)
			c, err = cr.ReadByte()
		}
		if err != nil {
			if err == io.EOF {
				return short()
			}
			return err
		}
		if len(word) == 0 {
			return fail(errors.New("empty word"))
		}
		if !utf8.Valid(word) {
			return fail(fmt.Errorf("%w: %s", ErrInvalidWord, quote(word)))
		}
		for left := h.Dim; left > 0; {
			k := min(left, len(buf)/4)
			if _, err := io.ReadFull(cr, buf[:4*k]); err != nil {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return short()
				}
				return err
			}
			for j := 0; j < k; j++ {
				b.data = append(b.data, math.Float32frombits(binary.LittleEndian.Uint32(buf[4*j:])))
			}
			left -= k
		}
		b.add(string(word))
	}
	if want < h.Rows {
		return nil
	}
	// Only line breaks and spaces may follow the announced records.
	for {
		c, err := cr.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if c != '\n' && c != '\r' && c != ' ' {
			return &ParseError{Record: h.Rows, Offset: cr.n - 1, Err: fmt.Errorf("data after the %d vectors the header announces", h.Rows)}
		}
	}
}

// ReadGloVe reads a GloVe text file: "word v1 ... vd" lines and no header.
// The dimension is the number of fields on the first line less one; a word
// may hold spaces on later lines (see the package documentation). A first
// line that looks like a word2vec header is an error that says so.
func ReadGloVe(r io.Reader, opt ReadOptions) (*dataset.Dataset, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	// Find the first non-blank line to learn the dimension.
	var first []byte
	line := 0
	for {
		raw, err := readLine(br, MaxLineBytes)
		line++
		if err == io.EOF {
			return nil, errors.New("empty file")
		}
		if err != nil {
			if err == errLineTooLong {
				return nil, &ParseError{Line: line, Err: err}
			}
			return nil, err
		}
		if first = trimSpace(raw); len(first) > 0 {
			first = append([]byte(nil), first...)
			break
		}
	}
	if isHeader(append(first, '\n')) {
		return nil, &ParseError{Line: line, Err: fmt.Errorf("%s is a word2vec header, not a GloVe line; read the file as word2vec", quote(first))}
	}
	dim := len(bytes.FieldsFunc(first, func(r rune) bool { return r == ' ' || r == '\t' })) - 1
	if dim < 1 {
		return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: a word and no values", ErrFieldCount)}
	}
	want := 0
	if opt.MaxRows > 0 {
		want = opt.MaxRows
	}
	b := newBuilder(0, dim, false)
	if opt.Size > 0 {
		// At least two bytes per value; reserve from the first line's
		// length, never beyond what the input can hold.
		rows := opt.Size/int64(len(first)+1) + 1
		rows += rows / 16
		if want > 0 {
			rows = min(rows, int64(want))
		}
		rows = min(rows, opt.Size/int64(2*dim)+1)
		b = newBuilder(int(rows), dim, true)
	}
	var p part
	if err := parseTextRow(&p, first, dim); err != nil {
		return nil, &ParseError{Line: line, Err: err}
	}
	b.merge(&p, 1)
	if want != 1 {
		if err := readText(br, b, dim, max(want-1, 0), 0, line+1); err != nil {
			return nil, err
		}
	}
	return b.dataset("text"), nil
}
