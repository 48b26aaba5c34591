package csvfmt

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// SniffRows is how many rows are looked at to decide which columns are
// numeric when the vector columns are not given.
const SniffRows = 1000

// ReadOptions tune Read. The zero value reads with the defaults.
type ReadOptions struct {
	// Comma is the field separator; 0 picks ',' or ';', whichever the
	// header line holds more of.
	Comma rune
	// Columns selects the vector columns (see ParseColumns). Empty means
	// every numeric column except the label column.
	Columns string
	// LabelColumn names the label column, by name or 0-based index. Empty
	// means the first column called "label", "labels", "class" or
	// "target" (ignoring case), if any. "-" means none.
	LabelColumn string
	// MaxRows > 0 stops after that many rows.
	MaxRows int
}

var (
	// ErrEmpty is returned for input without a header row.
	ErrEmpty = errors.New("empty file")
	// ErrNoRows is returned for a header without any row after it.
	ErrNoRows = errors.New("no rows after the header")
)

// A ParseError reports a bad row or value. Line is 1-based; Column is the
// header name of the offending column, or "" when the whole row is wrong.
type ParseError struct {
	Line   int
	Column string
	Err    error
}

func (e *ParseError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d, column %q: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// defaultLabelNames are the header names taken as the label column when
// none is chosen, compared ignoring case.
var defaultLabelNames = []string{"label", "labels", "class", "target"}

// Read reads a CSV file with a header row into a dataset. The vector columns
// are opt.Columns, or by default every column whose values (in the first
// SniffRows rows) are numbers or empty, except the label column and
// unnamed index columns. The label
// column, if any, gives the class labels; it and every other column that is
// not a vector column are kept in Meta under their header names.
func Read(r io.Reader, opt ReadOptions) (*dataset.Dataset, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	comma := opt.Comma
	if comma == 0 {
		comma = sniffComma(br)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.ReuseRecord = true
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, csvError(err, nil, nil)
	}
	header := cloneAll(rec)
	for j, h := range header {
		if !utf8.ValidString(h) {
			return nil, &ParseError{Line: 1, Err: fmt.Errorf("header column %d: invalid UTF-8", j)}
		}
	}

	label := -1
	switch opt.LabelColumn {
	case "-":
	case "":
		label = findDefaultLabel(header)
	default:
		if label, err = findColumn(opt.LabelColumn, header); err != nil {
			return nil, fmt.Errorf("label column: %w", err)
		}
	}

	// Look at the first rows before deciding on the columns.
	var buffered [][]string
	var lines []int
	maxRows := opt.MaxRows
	if maxRows <= 0 {
		maxRows = math.MaxInt
	}
	var readErr error
	for len(buffered) < min(SniffRows, maxRows) {
		rec, err := cr.Read()
		if err == io.EOF {
			readErr = io.EOF
			break
		}
		if err != nil {
			return nil, csvError(err, header, rec)
		}
		line, _ := cr.FieldPos(0)
		buffered = append(buffered, slices.Clone(rec))
		lines = append(lines, line)
	}
	if len(buffered) == 0 {
		return nil, ErrNoRows
	}

	var vec []int
	if opt.Columns != "" {
		if vec, err = ParseColumns(opt.Columns, header); err != nil {
			return nil, err
		}
		for _, j := range vec {
			if j == label {
				if opt.LabelColumn != "" {
					return nil, fmt.Errorf("column %q is both the label column and a vector column", header[j])
				}
				label = -1 // a column called "label" chosen as a vector column
			}
		}
	} else {
		vec = numericColumns(header, buffered, label)
		if len(vec) == 0 {
			return nil, fmt.Errorf("no numeric columns among %s; choose them with Columns", quoteList(header))
		}
	}
	isVec := make([]bool, len(header))
	for _, j := range vec {
		isVec[j] = true
	}
	var metaCols []int
	for j := range header {
		if !isVec[j] {
			metaCols = append(metaCols, j)
		}
	}

	d := len(vec)
	data := make([]float32, 0, len(buffered)*d)
	meta := make([][]string, len(metaCols))
	rows := 0
	add := func(rec []string, line int) error {
		for _, j := range vec {
			v, err := parseFloat(rec[j])
			if err != nil {
				if line < 0 {
					line, _ = cr.FieldPos(j)
				}
				return &ParseError{Line: line, Column: header[j], Err: err}
			}
			data = append(data, v)
		}
		for k, j := range metaCols {
			s := rec[j]
			if !utf8.ValidString(s) {
				if line < 0 {
					line, _ = cr.FieldPos(j)
				}
				return &ParseError{Line: line, Column: header[j], Err: errors.New("invalid UTF-8")}
			}
			// A field shares its memory with the whole line; copy it so
			// that keeping it does not keep the line.
			meta[k] = append(meta[k], strings.Clone(s))
		}
		rows++
		return nil
	}
	for i, rec := range buffered {
		if err := add(rec, lines[i]); err != nil {
			return nil, err
		}
	}
	buffered = nil
	for readErr == nil && rows < maxRows {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err, header, rec)
		}
		if err := add(rec, -1); err != nil {
			return nil, err
		}
	}

	out := &dataset.Dataset{X: mat32.FromSlice(rows, d, data[:rows*d:rows*d]), SourceType: "text"}
	for k, j := range metaCols {
		out.Meta = append(out.Meta, dataset.Column{Name: header[j], Values: meta[k]})
		if j == label {
			out.SetLabels(meta[k])
		}
	}
	return out, nil
}

// sniffComma returns ';' when the first line holds more semicolons than
// commas, else ','.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.Count(head, []byte{';'}) > bytes.Count(head, []byte{','}) {
		return ';'
	}
	return ','
}

// csvError turns an encoding/csv error into a *ParseError; rec is the
// record encoding/csv returned with it.
func csvError(err error, header, rec []string) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) && header != nil {
		return &ParseError{Line: pe.Line, Err: fmt.Errorf("%w: %d, the header has %d", csv.ErrFieldCount, len(rec), len(header))}
	}
	return &ParseError{Line: pe.Line, Err: fmt.Errorf("column %d: %w", pe.Column, pe.Err)}
}

func cloneAll(rec []string) []string {
	out := make([]string, len(rec))
	for i, s := range rec {
		out[i] = strings.Clone(s)
	}
	return out
}

func findDefaultLabel(header []string) int {
	for _, want := range defaultLabelNames {
		for j, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), want) {
				return j
			}
		}
	}
	return -1
}

// numericColumns returns the columns, other than label, whose sampled
// values are all numbers or empty, with at least one number. Unnamed
// columns (an empty header, or pandas' "Unnamed: 0") are row indices
// written by pandas' to_csv, not data, and are left out.
func numericColumns(header []string, rows [][]string, label int) []int {
	var cols []int
	for j, h := range header {
		if h = strings.TrimSpace(h); j == label || h == "" || strings.HasPrefix(h, "Unnamed: ") {
			continue
		}
		numbers := 0
		ok := true
		for _, rec := range rows {
			s := strings.TrimSpace(rec[j])
			if s == "" {
				continue
			}
			if _, err := strconv.ParseFloat(s, 32); err != nil && !isRange(err) {
				ok = false
				break
			}
			numbers++
		}
		if ok && numbers > 0 {
			cols = append(cols, j)
		}
	}
	return cols
}

func isRange(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && ne.Err == strconv.ErrRange
}

// parseFloat reads one vector cell: a number, NaN/Inf, or empty (NaN).
// Numbers beyond the float32 range become ±Inf.
func parseFloat(s string) (float32, error) {
	v, err := strconv.ParseFloat(s, 32)
	if err == nil || isRange(err) {
		return float32(v), nil
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return float32(math.NaN()), nil
	}
	if v, err = strconv.ParseFloat(t, 32); err == nil || isRange(err) {
		return float32(v), nil
	}
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return 0, fmt.Errorf("%q is not a number", s)
}

// ParseColumns resolves a column selection against a header: a
// comma-separated list whose items are header names (compared exactly,
// then ignoring case), 0-based indices, index ranges "2-785" (inclusive),
// open ranges "2-" (to the last column) or name ranges "px0-px783". The
// result is in the order given; a column selected twice is an error.
func ParseColumns(spec string, header []string) ([]int, error) {
	var out []int
	seen := make(map[int]bool)
	addCol := func(j int) error {
		if seen[j] {
			return fmt.Errorf("column %q selected twice", header[j])
		}
		seen[j] = true
		out = append(out, j)
		return nil
	}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("empty item in column list %q", spec)
		}
		if j, err := findColumn(item, header); err == nil {
			if err := addCol(j); err != nil {
				return nil, err
			}
			continue
		}
		lo, hi, ok := parseRange(item, header)
		if !ok {
			return nil, fmt.Errorf("no column %q (columns: %s)", item, quoteList(header))
		}
		if lo > hi || lo < 0 || hi >= len(header) {
			return nil, fmt.Errorf("column range %q is outside columns 0-%d", item, len(header)-1)
		}
		for j := lo; j <= hi; j++ {
			if err := addCol(j); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// parseRange reads "a-b", "a-" or "name-name".
func parseRange(item string, header []string) (lo, hi int, ok bool) {
	for i := 1; i < len(item); i++ {
		if item[i] != '-' {
			continue
		}
		a, b := item[:i], item[i+1:]
		la, errA := strconv.Atoi(a)
		if errA == nil && b == "" {
			return la, len(header) - 1, true
		}
		lb, errB := strconv.Atoi(b)
		if errA == nil && errB == nil {
			return la, lb, true
		}
		na, errA := findName(a, header)
		nb, errB := findName(b, header)
		if errA == nil && errB == nil {
			return na, nb, true
		}
	}
	return 0, 0, false
}

// findColumn resolves a header name or a 0-based index.
func findColumn(name string, header []string) (int, error) {
	if j, err := findName(name, header); err == nil {
		return j, nil
	}
	if j, err := strconv.Atoi(name); err == nil {
		if j < 0 || j >= len(header) {
			return 0, fmt.Errorf("column %d is outside columns 0-%d", j, len(header)-1)
		}
		return j, nil
	}
	return 0, fmt.Errorf("no column %q (columns: %s)", name, quoteList(header))
}

func findName(name string, header []string) (int, error) {
	for j, h := range header {
		if h == name {
			return j, nil
		}
	}
	for j, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), name) {
			return j, nil
		}
	}
	return 0, errors.New("no such column")
}

// quoteList quotes up to 8 names for an error message.
func quoteList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i == 8 {
			fmt.Fprintf(&b, ", ... (%d in all)", len(names))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}

// Write writes d as CSV: a header, then one row per observation. When d has
// labels the first column is "label"; the vector columns are "x0", "x1",
// ... Numbers are written in the shortest form that reads back to the same
// float32. Metadata columns are not written (the Projector formats keep
// them).
func Write(w io.Writer, d *dataset.Dataset) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	buf := make([]byte, 0, 64)
	if d.Labels != nil {
		buf = append(buf, "label,"...)
	}
	for j := 0; j < d.Dim(); j++ {
		if j > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, 'x')
		buf = strconv.AppendInt(buf, int64(j), 10)
	}
	buf = append(buf, '\n')
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	for i := 0; i < d.Len(); i++ {
		buf = buf[:0]
		if d.Labels != nil {
			buf = appendField(buf, d.Label(i))
			buf = append(buf, ',')
		}
		for j, v := range d.X.Row(i) {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendFloat(buf, float64(v), 'g', -1, 32)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendField appends s, quoted when it holds a comma, a semicolon, a
// quote, a line break or a leading or trailing space.
func appendField(dst []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if s == "" || !strings.ContainsAny(s, ",;\"\r\n") && s[0] != ' ' && s[len(s)-1] != ' ' && s[0] != '\t' {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	dst = append(dst, strings.ReplaceAll(s, `"`, `""`)...)
	return append(dst, '"')
}
