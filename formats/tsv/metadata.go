package tsv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/latentlab/latent/dataset"
)

// SingleColumnName is the name given to the one column of a metadata file
// without a header.
const SingleColumnName = "label"

// A CountError is returned when a metadata file's row count differs from
// the number of vectors it describes.
type CountError struct {
	// Rows is the number of metadata rows, Blank how many of them are
	// blank lines, and Vectors the number of vectors.
	Rows, Blank, Vectors int
	// OneColumn is set for a metadata file without a header, where a
	// header line written by mistake shows up as one row too many.
	OneColumn bool
	// File and VectorsFile name the two files when they are known.
	File, VectorsFile string
}

func (e *CountError) Error() string {
	var s string
	if e.File != "" && e.VectorsFile != "" {
		s = fmt.Sprintf("%s has %s but %s has %s", e.File, plural(e.Rows, "metadata row"), e.VectorsFile, plural(e.Vectors, "vector"))
	} else {
		s = fmt.Sprintf("%s for %s", plural(e.Rows, "metadata row"), plural(e.Vectors, "vector"))
	}
	if e.Blank > 0 {
		s += fmt.Sprintf(" (%d of the rows blank)", e.Blank)
	}
	if e.OneColumn && (e.Rows == e.Vectors+1 || e.Rows-e.Blank == e.Vectors+1) {
		s += " (a one-column metadata file has no header row)"
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// metadata is a parsed metadata file before its rows are matched to the
// vectors.
type metadata struct {
	names  []string
	header bool
	rows   [][]string // one slice of len(names) values per row
	blank  []bool     // rows that came from a blank line
}

// ReadMetadata reads a metadata.tsv that describes n vectors (n < 0: any
// number). A first line with a tab is a header that names the columns and
// every later line must have as many fields; a first line without a tab
// means the file has one column, called "label", and no header — the
// Projector's rule, so a one-column file must not have a header line.
//
// A blank line is a row of empty values. When that makes the row count
// differ from n but skipping the blank lines (as the Projector does), or
// only those at the end of the file, makes it agree, they are skipped. Any
// other disagreement is a *CountError. Invalid UTF-8 is a *ParseError.
func ReadMetadata(r io.Reader, n int) ([]dataset.Column, error) {
	m, err := parseMetadata(r)
	if err != nil {
		return nil, err
	}
	return m.fit(n, false)
}

func parseMetadata(r io.Reader) (*metadata, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	m := &metadata{}
	var raw []byte
	for line := 1; ; line++ {
		var err error
		raw, err = readLine(br, raw[:0])
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return nil, &ParseError{Line: line, Err: fmt.Errorf("line longer than %d bytes", MaxLineBytes)}
			}
			return nil, err
		}
		b := raw
		if line == 1 {
			b = bytes.TrimPrefix(b, utf8BOM)
		}
		b = bytes.TrimSuffix(b, []byte{'\r'})
		if !utf8.Valid(b) {
			return nil, &ParseError{Line: line, Column: badColumn(b), Err: errors.New("invalid UTF-8")}
		}
		if line == 1 {
			if bytes.IndexByte(b, '\t') >= 0 {
				m.header = true
				m.names = strings.Split(string(b), "\t")
				continue
			}
			m.names = []string{SingleColumnName}
		}
		k := len(m.names)
		if len(trimSpace(b)) == 0 {
			m.rows = append(m.rows, make([]string, k))
			m.blank = append(m.blank, true)
			continue
		}
		if got := bytes.Count(b, []byte{'\t'}) + 1; got != k {
			return nil, &ParseError{Line: line, Column: min(got, k+1), Err: fmt.Errorf("%w: %d, want %d", ErrFieldCount, got, k)}
		}
		var vals []string
		if k == 1 {
			vals = []string{string(b)}
		} else {
			vals = strings.Split(string(b), "\t")
		}
		m.rows = append(m.rows, vals)
		m.blank = append(m.blank, false)
	}
	if m.names == nil {
		return nil, errors.New("empty metadata file")
	}
	return m, nil
}

// readLine appends the next line of br, without its newline, to buf. It
// returns io.EOF only when no bytes are left.
func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	start := len(buf)
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf)-start > MaxLineBytes {
			return buf, bufio.ErrTooLong
		}
		switch err {
		case nil:
			return buf[:len(buf)-1], nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(buf) == start {
				return buf, io.EOF
			}
			return buf, nil
		default:
			return buf, err
		}
	}
}

// badColumn returns the 1-based field of b that holds invalid UTF-8.
func badColumn(b []byte) int {
	for i, f := range bytes.Split(b, []byte{'\t'}) {
		if !utf8.Valid(f) {
			return i + 1
		}
	}
	return 0
}

// fit matches the rows to n vectors (see ReadMetadata). With atLeast, a
// file with more rows than n is cut to n (the vectors were cut by MaxRows).
func (m *metadata) fit(n int, atLeast bool) ([]dataset.Column, error) {
	keep := func(skip func(i int) bool) []dataset.Column {
		cols := make([]dataset.Column, len(m.names))
		for j, name := range m.names {
			cols[j].Name = name
		}
		for i, row := range m.rows {
			if skip(i) {
				continue
			}
			if n >= 0 && len(cols[0].Values) == n {
				break
			}
			for j := range cols {
				cols[j].Values = append(cols[j].Values, row[j])
			}
		}
		return cols
	}
	total, blank, trailing := len(m.rows), 0, 0
	for _, b := range m.blank {
		if b {
			blank++
			trailing++
		} else {
			trailing = 0
		}
	}
	ok := func(rows int) bool { return n < 0 || rows == n || (atLeast && rows > n) }
	switch {
	case ok(total):
		return keep(func(int) bool { return false }), nil
	case ok(total - trailing):
		return keep(func(i int) bool { return i >= total-trailing }), nil
	case ok(total - blank):
		return keep(func(i int) bool { return m.blank[i] }), nil
	}
	return nil, &CountError{Rows: total, Blank: blank, Vectors: n, OneColumn: !m.header}
}

// WriteMetadata writes cols as a metadata.tsv. One column is written
// without a header, several with one. Tabs and line breaks inside values
// become spaces and invalid UTF-8 becomes U+FFFD, since the format cannot
// quote them. The Projector skips blank lines, so when some row would be
// blank (an empty label, say) a first column "index" holding the row number
// is added, which also brings in a header. It panics if cols is empty or
// the columns differ in length.
func WriteMetadata(w io.Writer, cols []dataset.Column) error {
	if len(cols) == 0 {
		panic("tsv: WriteMetadata: no columns")
	}
	n := len(cols[0].Values)
	for _, c := range cols {
		if len(c.Values) != n {
			panic(fmt.Sprintf("tsv: WriteMetadata: column %q has %d values, column %q has %d", c.Name, len(c.Values), cols[0].Name, n))
		}
	}
	for i := 0; i < n; i++ {
		blank := true
		for _, c := range cols {
			if strings.TrimSpace(clean(c.Values[i])) != "" {
				blank = false
				break
			}
		}
		if blank {
			index := dataset.Column{Name: "index", Values: make([]string, n)}
			for k := range index.Values {
				index.Values[k] = strconv.Itoa(k)
			}
			cols = append([]dataset.Column{index}, cols...)
			break
		}
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if len(cols) > 1 {
		for j, c := range cols {
			if j > 0 {
				bw.WriteByte('\t')
			}
			bw.WriteString(clean(c.Name))
		}
		bw.WriteByte('\n')
	}
	for i := 0; i < n; i++ {
		for j, c := range cols {
			if j > 0 {
				bw.WriteByte('\t')
			}
			bw.WriteString(clean(c.Values[i]))
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

var cleaner = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// clean makes s safe for one metadata field.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.ContainsAny(s, "\t\n\r") {
		s = cleaner.Replace(s)
	}
	return s
}

// labelNames are the column names taken as class labels when the caller
// does not choose one, in order of preference (compared ignoring case).
var labelNames = []string{"label", "labels", "class"}

// MetadataColumns returns d's labels and metadata columns as written to a
// metadata.tsv, or nil when d has neither. Labels come first, in a column
// called "label", unless a metadata column of that name already holds
// them; a metadata column that would clash with the label column is
// renamed "label_2".
func MetadataColumns(d *dataset.Dataset) []dataset.Column {
	var cols []dataset.Column
	if d.Labels != nil {
		lab := dataset.Column{Name: "label", Values: make([]string, d.Len())}
		for i := range lab.Values {
			lab.Values[i] = d.Label(i)
		}
		same := false
		for _, c := range d.Meta {
			if strings.EqualFold(c.Name, "label") && equalStrings(c.Values, lab.Values) {
				same = true
			}
		}
		if !same {
			cols = append(cols, lab)
		}
	}
	for _, c := range d.Meta {
		if len(cols) > 0 && cols[0].Name == "label" && strings.EqualFold(c.Name, "label") {
			c.Name = "label_2"
		}
		cols = append(cols, c)
	}
	return cols
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ChooseLabels sets d's labels from one of its metadata columns: the one
// called name (or, if name is a number, the one at that 0-based index);
// when name is empty, the only column, else the first called "label",
// "labels" or "class" (ignoring case), else none. An unknown name is an
// error that lists the columns.
func ChooseLabels(d *dataset.Dataset, name string) error {
	return chooseLabels(d, d.Meta, name)
}

// chooseLabels is ChooseLabels among the columns cols.
func chooseLabels(d *dataset.Dataset, cols []dataset.Column, name string) error {
	col := -1
	if name != "" {
		for i, c := range cols {
			if c.Name == name {
				col = i
				break
			}
		}
		if col < 0 {
			for i, c := range cols {
				if strings.EqualFold(c.Name, name) {
					col = i
					break
				}
			}
		}
		if k, err := strconv.Atoi(name); col < 0 && err == nil && k >= 0 && k < len(cols) {
			col = k
		}
		if col < 0 {
			names := make([]string, len(cols))
			for i, c := range cols {
				names[i] = strconv.Quote(c.Name)
			}
			if len(names) == 0 {
				return fmt.Errorf("no metadata column %q: there is no metadata", name)
			}
			return fmt.Errorf("no metadata column %q (columns: %s)", name, strings.Join(names, ", "))
		}
	} else if len(cols) == 1 {
		col = 0
	} else {
	search:
		for _, want := range labelNames {
			for i, c := range cols {
				if strings.EqualFold(c.Name, want) {
					col = i
					break search
				}
			}
		}
	}
	if col >= 0 {
		d.SetLabels(cols[col].Values)
	}
	return nil
}
