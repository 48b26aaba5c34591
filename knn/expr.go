package knn

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// Term is one term of a query expression: Coef times the vector of a
// label or word (Name) or of a row (Row >= 0, written #123).
type Term struct {
	Coef float64
	Name string
	Row  int
}

// Expr is a weighted sum of terms, such as "king - man + woman".
type Expr struct {
	Terms []Term
}

// String writes e back in the syntax ParseExpr reads (names holding both
// kinds of quote, which ParseExpr never produces, get Go quoting).
func (e Expr) String() string {
	var sb strings.Builder
	for i, t := range e.Terms {
		c := t.Coef
		neg := math.Signbit(c)
		switch {
		case i == 0 && neg:
			sb.WriteString("-")
			c = -c
		case i > 0 && neg:
			sb.WriteString(" - ")
			c = -c
		case i > 0:
			sb.WriteString(" + ")
		}
		if c != 1 {
			sb.WriteString(strconv.FormatFloat(c, 'g', -1, 64) + "*")
		}
		switch {
		case t.Row >= 0:
			fmt.Fprintf(&sb, "#%d", t.Row)
		case needsQuote(t.Name):
			sb.WriteString(quoteName(t.Name))
		default:
			sb.WriteString(t.Name)
		}
	}
	return sb.String()
}

func needsQuote(s string) bool {
	if s == "" || s[0] == '+' || s[0] == '-' || s[0] == '#' {
		return true
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '*' || r == '"' || r == '\''
	}) >= 0
}

// quoteName quotes a name with the quote character it does not contain. A
// name with both kinds cannot be written in the syntax; it gets Go quoting.
func quoteName(s string) string {
	switch {
	case !strings.ContainsRune(s, '"'):
		return `"` + s + `"`
	case !strings.ContainsRune(s, '\''):
		return "'" + s + "'"
	}
	return strconv.Quote(s)
}

// ParseExpr parses a query expression:
//
//	expr := [sign] term { sign term }
//	term := [number "*"] atom
//	atom := word | "#" row | quoted
//
// A sign (+ or -) counts as an operator only at the start of a
// whitespace-separated chunk, so "king - man + woman" and "king -man
// +woman" are sums while "T-shirt/top" is one word. Words run to the next
// space, '*' or quote; names with spaces or a leading sign are quoted with
// "..." or '...'. "#12" is row 12 of the data. A number followed by '*' is
// a coefficient: "0.5*king". A bare number such as "7" is a word (a label).
func ParseExpr(s string) (Expr, error) {
	toks, err := lexExpr(s)
	if err != nil {
		return Expr{}, err
	}
	if len(toks) == 0 {
		return Expr{}, fmt.Errorf("knn: empty expression")
	}
	var e Expr
	p := 0
	for p < len(toks) {
		sign := 1.0
		if toks[p].kind == tokOp {
			if toks[p].text == "-" {
				sign = -1
			}
			p++
		} else if len(e.Terms) > 0 {
			return Expr{}, fmt.Errorf("knn: expression %q: missing + or - before %q (quote names that hold spaces)", s, toks[p].text)
		}
		if p >= len(toks) {
			return Expr{}, fmt.Errorf("knn: expression %q ends with an operator", s)
		}
		coef := 1.0
		if toks[p].kind == tokNum {
			coef = toks[p].num
			p += 2 // the number and its '*'
			if p >= len(toks) {
				return Expr{}, fmt.Errorf("knn: expression %q: coefficient without a term", s)
			}
		}
		t := toks[p]
		p++
		switch t.kind {
		case tokName:
			e.Terms = append(e.Terms, Term{Coef: sign * coef, Name: t.text, Row: -1})
		case tokRow:
			e.Terms = append(e.Terms, Term{Coef: sign * coef, Row: t.row})
		default:
			return Expr{}, fmt.Errorf("knn: expression %q: unexpected %q", s, t.text)
		}
	}
	return e, nil
}

type tokKind int

const (
	tokName tokKind = iota
	tokRow
	tokNum
	tokOp
	tokStar
)

type token struct {
	kind tokKind
	text string
	num  float64
	row  int
}

func lexExpr(s string) ([]token, error) {
	var toks []token
	r := []rune(s)
	chunkStart := true
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
			chunkStart = true
			continue
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(r) && r[j] != c {
				j++
			}
			if j >= len(r) {
				return nil, fmt.Errorf("knn: expression %q: unterminated quote", s)
			}
			if j == i+1 {
				return nil, fmt.Errorf("knn: expression %q: empty quoted name", s)
			}
			toks = append(toks, token{kind: tokName, text: string(r[i+1 : j])})
			i = j + 1
			chunkStart = true
			continue
		case (c == '+' || c == '-') && chunkStart:
			toks = append(toks, token{kind: tokOp, text: string(c)})
			i++
			continue
		case c == '*':
			if len(toks) == 0 || toks[len(toks)-1].kind != tokNum {
				return nil, fmt.Errorf("knn: expression %q: '*' must follow a number", s)
			}
			toks = append(toks, token{kind: tokStar, text: "*"})
			i++
			chunkStart = true
			continue
		}
		j := i
		for j < len(r) && !unicode.IsSpace(r[j]) && r[j] != '*' && r[j] != '"' && r[j] != '\'' {
			j++
		}
		word := string(r[i:j])
		i = j
		chunkStart = false
		// A number followed by '*' is a coefficient.
		k := j
		for k < len(r) && unicode.IsSpace(r[k]) {
			k++
		}
		if k < len(r) && r[k] == '*' {
			v, err := strconv.ParseFloat(word, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("knn: expression %q: coefficient %q is not a number", s, word)
			}
			toks = append(toks, token{kind: tokNum, text: word, num: v})
			continue
		}
		if strings.HasPrefix(word, "#") && len(word) > 1 {
			n, err := strconv.Atoi(word[1:])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("knn: expression %q: bad row %q", s, word)
			}
			toks = append(toks, token{kind: tokRow, text: word, row: n})
			continue
		}
		toks = append(toks, token{kind: tokName, text: word})
	}
	for i, t := range toks {
		if t.kind == tokStar && (i+1 >= len(toks) || (toks[i+1].kind != tokName && toks[i+1].kind != tokRow)) {
			return nil, fmt.Errorf("knn: expression %q: coefficient without a term", s)
		}
	}
	return toks, nil
}

// Lookup returns the rows of d that carry name: as their class label, or
// else as a value of a metadata column (the first column that has it). It
// is an error when no row does.
func Lookup(d *dataset.Dataset, name string) ([]int, error) {
	if d.Labels != nil {
		if c := slices.Index(d.Classes, name); c >= 0 {
			var rows []int
			for i, l := range d.Labels {
				if l == c {
					rows = append(rows, i)
				}
			}
			if len(rows) > 0 {
				return rows, nil
			}
		}
	}
	for _, col := range d.Meta {
		var rows []int
		for i, v := range col.Values {
			if v == name {
				rows = append(rows, i)
			}
		}
		if len(rows) > 0 {
			return rows, nil
		}
	}
	where := d.Name
	if where == "" {
		where = "the data"
	}
	if d.Labels == nil && len(d.Meta) == 0 {
		return nil, fmt.Errorf("knn: %q: %s has no labels or metadata to look names up in", name, where)
	}
	return nil, fmt.Errorf("knn: %q is not a label or metadata value of %s", name, where)
}

// termRows resolves a term to rows of d.
func termRows(d *dataset.Dataset, t Term) ([]int, error) {
	if t.Row >= 0 {
		if t.Row >= d.Len() {
			return nil, fmt.Errorf("knn: row #%d out of range: the data have %d rows", t.Row, d.Len())
		}
		return []int{t.Row}, nil
	}
	return Lookup(d, t.Name)
}

// Vector returns the query vector of e over d with gensim's most_similar
// semantics: each term's vector is scaled to unit length (a name carried by
// several rows — a class — stands for the normalised mean of its rows'
// unit vectors), the terms are summed with their coefficients, divided by
// the sum of the coefficients' absolute values, and the result is scaled
// to unit length. exclude lists the rows of the terms that name a single
// row (words, #rows), which answers leave out as gensim leaves out the
// input words; class terms exclude nothing.
func (e Expr) Vector(d *dataset.Dataset) (q []float32, exclude []int, err error) {
	if d == nil || d.X == nil || d.Len() == 0 {
		return nil, nil, fmt.Errorf("knn: no data to evaluate %q over", e.String())
	}
	if len(e.Terms) == 0 {
		return nil, nil, fmt.Errorf("knn: empty expression")
	}
	dim := d.Dim()
	sum := make([]float64, dim)
	var wsum float64
	unit := make([]float32, dim)
	for _, t := range e.Terms {
		rows, err := termRows(d, t)
		if err != nil {
			return nil, nil, err
		}
		clear(unit)
		for _, r := range rows {
			x := d.X.Row(r)
			n := mat32.Norm(x)
			if n == 0 || math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
				return nil, nil, fmt.Errorf("knn: %s: row %d is a zero or non-finite vector", termName(t), r)
			}
			mat32.Axpy(1/n, x, unit)
		}
		n := mat32.Norm(unit)
		if n == 0 {
			return nil, nil, fmt.Errorf("knn: %s: its rows' directions cancel out", termName(t))
		}
		for j, v := range unit {
			sum[j] += t.Coef * float64(v/n)
		}
		wsum += math.Abs(t.Coef)
		if len(rows) == 1 && !slices.Contains(exclude, rows[0]) {
			exclude = append(exclude, rows[0])
		}
	}
	var nrm float64
	for j := range sum {
		sum[j] /= wsum
		nrm += sum[j] * sum[j]
	}
	nrm = math.Sqrt(nrm)
	if wsum == 0 || nrm == 0 || math.IsNaN(nrm) {
		return nil, nil, fmt.Errorf("knn: %q sums to the zero vector", e.String())
	}
	q = make([]float32, dim)
	for j, v := range sum {
		q[j] = float32(v / nrm)
	}
	slices.Sort(exclude)
	return q, exclude, nil
}

func termName(t Term) string {
	if t.Row >= 0 {
		return fmt.Sprintf("#%d", t.Row)
	}
	return strconv.Quote(t.Name)
}

// MostSimilar answers e over d as gensim's most_similar does: the k rows
// of highest cosine similarity to e's Vector, leaving out the rows that
// single-row terms name. The result is a one-row Graph under Cosine
// (distance 1 − cos, nearest first). k larger than the rows left is an
// error.
func MostSimilar(ctx context.Context, d *dataset.Dataset, e Expr, k int) (*Graph, error) {
	if k <= 0 {
		return nil, fmt.Errorf("knn: k=%d: want k >= 1", k)
	}
	q, exclude, err := e.Vector(d)
	if err != nil {
		return nil, err
	}
	return searchExcluding(ctx, d.X, q, k, Cosine, exclude)
}

// SearchExcluding returns the exact k nearest rows of base to the vector q,
// leaving out the rows in exclude. It is the search behind "neighbours of
// row i" (exclude i) and of MostSimilar. The result is a one-row Graph.
// exclude must not repeat rows; k larger than the rows left is an error.
func SearchExcluding(ctx context.Context, base *mat32.Dense, q []float32, k int, m Metric, exclude []int) (*Graph, error) {
	m.check("SearchExcluding")
	if k <= 0 {
		return nil, fmt.Errorf("knn: k=%d: want k >= 1", k)
	}
	return searchExcluding(ctx, base, q, k, m, exclude)
}

func searchExcluding(ctx context.Context, base *mat32.Dense, q []float32, k int, m Metric, exclude []int) (*Graph, error) {
	if base == nil || base.Rows == 0 {
		return nil, fmt.Errorf("knn: base: empty set")
	}
	if len(q) != base.Cols {
		return nil, fmt.Errorf("knn: query has %d values, base has %d columns", len(q), base.Cols)
	}
	if k > base.Rows-len(exclude) {
		return nil, fmt.Errorf("knn: k=%d: only %d rows are left to search (%d rows, %d left out)", k, base.Rows-len(exclude), base.Rows, len(exclude))
	}
	kk := min(k+len(exclude), base.Rows)
	g, err := Exact(ctx, base, mat32.FromSlice(1, len(q), q), kk, ExactOptions{Metric: m})
	if err != nil {
		return nil, err
	}
	out := NewGraph(1, k, m)
	idx, dist := g.Row(0)
	oi, od := out.Row(0)
	j := 0
	for t := range idx {
		if j == k {
			break
		}
		if slices.Contains(exclude, int(idx[t])) {
			continue
		}
		oi[j], od[j] = idx[t], dist[t]
		j++
	}
	return out, nil
}
