package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/knn"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/space"
)

// RefKind says what a Ref points at.
type RefKind int

// The kinds of Ref.
const (
	// RefRow is one row of the data, encoded.
	RefRow RefKind = iota
	// RefLabel is the mean code of the rows of the data that carry a
	// label (or metadata value): the class's centroid in latent space.
	RefLabel
	// RefFile is the first row of a file: a code when it has the model's
	// latent dimension, a data row to encode when it has the model's row
	// width.
	RefFile
	// RefPrior is a code drawn from the model's prior with a seed.
	RefPrior
	// RefCode is a code given literally.
	RefCode
)

// Ref names a point of a latent space the way a user types it:
//
//	12, #12          row 12 of the data (encoded; μ for a VAE)
//	label:NAME       the mean code of the rows labelled NAME (or with NAME in
//	                 a metadata column); a bare NAME that is not a number,
//	                 a prefix form or an existing file means the same
//	file:PATH        the first row of PATH (a code or a data row)
//	prior:SEED       a draw from the model's prior with SEED
//	z:v1,v2,...      the code (v1, v2, ...)
type Ref struct {
	Kind  RefKind
	Row   int
	Name  string // label or path
	Seed  uint64
	Code  []float32
	Input string // the text parsed
}

// ParseRef parses s. exists reports whether a path names a file (nil: no
// bare paths); a bare word is a path when exists says so, a label
// otherwise.
func ParseRef(s string, exists func(string) bool) (Ref, error) {
	r := Ref{Input: s}
	t := strings.TrimSpace(s)
	if t == "" {
		return r, errors.New("model: empty reference (want a row number, label:NAME, file:PATH, prior:SEED or z:v1,v2,...)")
	}
	kind, rest, ok := strings.Cut(t, ":")
	if ok {
		switch kind {
		case "label":
			r.Kind, r.Name = RefLabel, rest
			if rest == "" {
				return r, fmt.Errorf("model: %q: no label after label:", s)
			}
			return r, nil
		case "file":
			r.Kind, r.Name = RefFile, rest
			if rest == "" {
				return r, fmt.Errorf("model: %q: no path after file:", s)
			}
			return r, nil
		case "prior":
			seed, err := strconv.ParseUint(rest, 10, 64)
			if err != nil {
				return r, fmt.Errorf("model: %q: the seed must be a non-negative integer", s)
			}
			r.Kind, r.Seed = RefPrior, seed
			return r, nil
		case "z":
			for _, f := range strings.Split(rest, ",") {
				v, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
				if err != nil || v != v {
					return r, fmt.Errorf("model: %q: %q is not a number", s, f)
				}
				r.Code = append(r.Code, float32(v))
			}
			r.Kind = RefCode
			return r, nil
		}
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(t, "#")); err == nil {
		if n < 0 {
			return r, fmt.Errorf("model: %q: row numbers start at 0", s)
		}
		r.Kind, r.Row = RefRow, n
		return r, nil
	}
	if exists != nil && exists(t) {
		r.Kind, r.Name = RefFile, t
		return r, nil
	}
	r.Kind, r.Name = RefLabel, t
	return r, nil
}

// ResolveOptions tell Resolve where rows and files come from.
type ResolveOptions struct {
	// Data is the dataset rows and labels refer to (nil: none).
	Data *dataset.Dataset
	// Load reads a file named by a file reference.
	Load func(path string) (*dataset.Dataset, error)
	// Class is the class index a conditional model encodes file rows and
	// prior draws with (rows of Data use their own labels).
	Class int
}

// Resolve returns the code r stands for and a short caption ("#12",
// "Sneaker", "prior 3").
func (r Ref) Resolve(m Model, opt ResolveOptions) ([]float32, string, error) {
	L := m.LatentDim()
	c := m.Config()
	switch r.Kind {
	case RefCode:
		if len(r.Code) != L {
			return nil, "", fmt.Errorf("model: %q has %d values, the latent dimension is %d", r.Input, len(r.Code), L)
		}
		return append([]float32(nil), r.Code...), r.Input, nil
	case RefPrior:
		g, err := m.Prior()
		if err != nil {
			return nil, "", err
		}
		z, err := g.Sample(nil, 1, 1, dataset.NewRand(r.Seed, streamPrior))
		if err != nil {
			return nil, "", err
		}
		return z.Row(0), fmt.Sprintf("prior %d", r.Seed), nil
	case RefRow, RefLabel:
		d := opt.Data
		if d == nil {
			return nil, "", fmt.Errorf("model: %q refers to rows of the data, and no data were given", r.Input)
		}
		var rows []int
		caption := r.Name
		if r.Kind == RefRow {
			if r.Row >= d.Len() {
				return nil, "", fmt.Errorf("model: row %d out of range: %s has %d rows", r.Row, dataName(d), d.Len())
			}
			rows = []int{r.Row}
			caption = "#" + strconv.Itoa(r.Row)
			if l := d.Label(r.Row); l != "" {
				caption += " " + l
			}
		} else {
			var err error
			if rows, err = knn.Lookup(d, r.Name); err != nil {
				return nil, "", fmt.Errorf("model: %w", err)
			}
		}
		z, err := EncodeRows(m, d, rows)
		if err != nil {
			return nil, "", err
		}
		mean, err := space.MeanRows(nil, z, nil)
		return mean, caption, err
	case RefFile:
		if opt.Load == nil {
			return nil, "", fmt.Errorf("model: %q: files cannot be read here", r.Input)
		}
		f, err := opt.Load(r.Name)
		if err != nil {
			return nil, "", err
		}
		if f.Len() == 0 {
			return nil, "", fmt.Errorf("model: %s has no rows", r.Name)
		}
		row := f.X.Slice(0, 1)
		switch {
		case f.Dim() == L && f.Dim() != c.Dim:
			return append([]float32(nil), row.Data...), r.Name, nil
		case f.Dim() == c.Dim:
			var labels []int
			if c.Type.Conditional() {
				labels = []int{opt.Class}
			}
			mu, _, err := m.Encode(row, labels)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %w", r.Name, err)
			}
			return mu.Row(0), r.Name, nil
		}
		return nil, "", fmt.Errorf("model: %s has %d values per row: neither a code (%d) nor a data row (%d)", r.Name, f.Dim(), L, c.Dim)
	}
	return nil, "", fmt.Errorf("model: unknown reference kind %d", r.Kind)
}

// EncodeRows returns the codes (μ for a VAE) of the given rows of d (nil:
// all), with their own classes for a conditional model.
func EncodeRows(m Model, d *dataset.Dataset, rows []int) (*mat32.Dense, error) {
	x := d.X
	sub := d
	if rows != nil {
		x = mat32.Gather(nil, d.X, rows)
		sub = &dataset.Dataset{Name: d.Name, X: x, Classes: d.Classes}
		if d.Labels != nil {
			sub.Labels = make([]int, len(rows))
			for i, r := range rows {
				sub.Labels[i] = d.Labels[r]
			}
		}
	}
	labels, err := ClassIndices(m.Config(), sub)
	if err != nil {
		return nil, err
	}
	mu, _, err := m.Encode(x, labels)
	return mu, err
}
