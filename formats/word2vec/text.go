package word2vec

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync"
	"unicode/utf8"
)

// chunkBytes is the size of the pieces of text parsed in parallel; tests
// make it small to cut inputs at many places.
var chunkBytes = 1 << 20

// part holds the rows parsed from one chunk of text.
type part struct {
	data  []float32
	words []string
	lines []int // the line number of each row
	err   error // the chunk's first bad line, after the rows before it
}

// merge adds the first n rows of p.
func (b *builder) merge(p *part, n int) {
	b.data = append(b.data, p.data[:n*b.dim]...)
	for _, w := range p.words[:n] {
		b.add(w)
	}
}

// chunk is a run of whole lines, or a read error to report at its place.
type chunk struct {
	data  []byte
	first int // the number of data's first line
	err   error
	res   chan *part
}

// textState follows the rows merged so far.
type textState struct {
	b                *builder
	want, total, got int
}

// take merges a parsed chunk; stop reports that no more rows are wanted.
func (st *textState) take(p *part) (stop bool, err error) {
	n := len(p.words)
	if st.want > 0 && st.got+n > st.want {
		if st.want == st.total {
			return true, &ParseError{Line: p.lines[st.want-st.got], Err: fmt.Errorf("more rows than the %d the header announces", st.total)}
		}
		st.b.merge(p, st.want-st.got)
		return true, nil
	}
	st.b.merge(p, n)
	st.got += n
	if st.want > 0 && st.got == st.want && st.want != st.total {
		return true, nil // MaxRows reached: what follows is not read
	}
	return p.err != nil, p.err
}

// finish checks the row count at the end of the input.
func (st *textState) finish() error {
	if st.total > 0 && st.got < st.want {
		return fmt.Errorf("the header announces %d vectors but the file ends after %d: %w", st.total, st.got, io.ErrUnexpectedEOF)
	}
	return nil
}

// readText reads want rows (0: all) of "word v1 ... vdim" lines into b;
// total is the number of rows the header announced (0 for GloVe, which has
// none) and first the number of the next line. Text that fits in one chunk
// is parsed at once; longer text is cut into chunks of whole lines that are
// parsed on all CPUs and merged in order, so the result, and the error for
// the first bad line in file order, are those of a sequential read.
func readText(br *bufio.Reader, b *builder, dim, want, total, first int) error {
	st := &textState{b: b, want: want, total: total}
	head := make([]byte, min(chunkBytes, 64<<10))
	n, err := io.ReadFull(br, head)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		if n > 0 {
			if stop, err := st.take(parseChunk(&chunk{data: head[:n], first: first}, dim)); stop || err != nil {
				return err
			}
		}
		return st.finish()
	}
	if err != nil {
		return err
	}
	r := io.MultiReader(bytes.NewReader(head), br)

	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *chunk, workers)
	order := make(chan *chunk, 2*workers)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1 + workers)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(jobs)
		splitLines(r, first, func(c *chunk) bool {
			c.res = make(chan *part, 1)
			select {
			case order <- c:
			case <-done:
				return false
			}
			if c.err != nil {
				return false
			}
			select {
			case jobs <- c:
				return true
			case <-done:
				return false
			}
		})
	}()
	for range workers {
		go func() {
			defer wg.Done()
			for c := range jobs {
				c.res <- parseChunk(c, dim)
			}
		}()
	}
	defer func() {
		close(done)
		wg.Wait()
	}()
	for c := range order {
		if c.err != nil {
			return c.err
		}
		if stop, err := st.take(<-c.res); stop || err != nil {
			return err
		}
	}
	return st.finish()
}

// splitLines reads r in chunks of whole lines and hands them to emit in
// order, numbering lines from first, until emit returns false, the input
// ends, or reading fails (reported as a last chunk with err set).
func splitLines(r io.Reader, first int, emit func(*chunk) bool) {
	line := first
	var carry []byte
	for {
		buf := make([]byte, len(carry), max(chunkBytes, 2*len(carry)))
		copy(buf, carry)
		n, err := io.ReadFull(r, buf[len(carry):cap(buf)])
		buf = buf[:len(carry)+n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if len(buf) > 0 {
				emit(&chunk{data: buf, first: line})
			}
			return
		}
		if err != nil {
			emit(&chunk{err: err})
			return
		}
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 {
			if len(buf) > MaxLineBytes {
				emit(&chunk{err: &ParseError{Line: line, Err: errLineTooLong}})
				return
			}
			carry = buf // one line longer than a chunk: read on
			continue
		}
		carry = append([]byte(nil), buf[i+1:]...)
		if !emit(&chunk{data: buf[:i+1], first: line}) {
			return
		}
		line += bytes.Count(buf[:i+1], []byte{'\n'})
	}
}

// parseChunk parses the lines of c, stopping at the first bad one.
func parseChunk(c *chunk, dim int) *part {
	p := &part{}
	// Room for the rows the chunk can hold: at most one per line, and at
	// least 2×dim bytes each.
	rows := min(bytes.Count(c.data, []byte{'\n'})+1, len(c.data)/(2*dim))
	p.data = make([]float32, 0, rows*dim)
	data, line := c.data, c.first
	for len(data) > 0 {
		s := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			s, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(s) > MaxLineBytes {
			p.err = &ParseError{Line: line, Err: errLineTooLong}
			return p
		}
		if s = trimSpace(s); len(s) > 0 {
			if err := parseTextRow(p, s, dim); err != nil {
				p.err = &ParseError{Line: line, Err: err}
				return p
			}
			p.lines = append(p.lines, line)
		}
		line++
	}
	return p
}

// parseTextRow parses one trimmed line onto p: the values are the last dim
// fields, and the word is everything before them, so that a word may hold
// spaces (GloVe's Common Crawl files have such words) as long as its last
// part is not a number.
func parseTextRow(p *part, s []byte, dim int) error {
	if len(s) < 2*dim+1 {
		// Too short for a word and dim values: say so before making room.
		got := len(bytes.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })) - 1
		return fmt.Errorf("%w: %d, want %d", ErrFieldCount, got, dim)
	}
	start := len(p.data)
	p.data = append(p.data, make([]float32, dim)...)
	row := p.data[start:]
	fail := func(err error) error {
		p.data = p.data[:start]
		return err
	}
	end := len(s)
	for k := dim - 1; k >= 0; k-- {
		i := end - 1
		for i >= 0 && !isSep(s[i]) {
			i--
		}
		if i < 0 {
			return fail(fmt.Errorf("%w: %d, want %d", ErrFieldCount, dim-1-k, dim))
		}
		v, err := parseFloat(s[i+1 : end])
		if err != nil {
			return fail(fmt.Errorf("value %d: %w", k+1, err))
		}
		row[k] = v
		end = i
		for end > 0 && isSep(s[end-1]) {
			end--
		}
	}
	word := s[:end] // not empty: s starts with a non-space
	if i := bytes.LastIndexAny(word, " \t"); i >= 0 {
		if _, err := parseFloat(word[i+1:]); err == nil {
			return fail(fmt.Errorf("%w: more than %d", ErrFieldCount, dim))
		}
	}
	if !utf8.Valid(word) {
		return fail(fmt.Errorf("%w: %s", ErrInvalidWord, quote(word)))
	}
	p.words = append(p.words, string(word))
	return nil
}
