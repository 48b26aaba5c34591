// Package dataset defines Dataset, the unit that flows from the format
// readers into every algorithm: a float32 matrix whose rows are observations,
// with optional class labels, metadata columns and an image shape, plus
// seeded splitting, sampling and reversible normalisation.
//
// Shape mismatches between the parts of a Dataset are caller bugs and panic
// with a message that starts with "dataset:"; Validate reports them as an
// error for data that came from outside.
package dataset

import (
	"errors"
	"fmt"
	"sort"

	"github.com/latentlab/latent/mat32"
)

// NoLabel marks a row without a class label.
const NoLabel = -1

// ImageShape is the layout of an image row: Height×Width×Channels values,
// stored channel-last (HWC), so a row is an image scanned line by line.
// The zero value means the rows are not images.
type ImageShape struct {
	Height, Width, Channels int
}

// IsImage reports whether s describes an image.
func (s ImageShape) IsImage() bool { return s.Height > 0 && s.Width > 0 && s.Channels > 0 }

// Size returns the number of values in one image.
func (s ImageShape) Size() int { return s.Height * s.Width * s.Channels }

// String formats s as HxWxC.
func (s ImageShape) String() string { return fmt.Sprintf("%dx%dx%d", s.Height, s.Width, s.Channels) }

// Column is one metadata column: a name and one string per row.
type Column struct {
	Name   string
	Values []string
}

// Dataset is a set of observations. X is required; the rest is optional.
type Dataset struct {
	// Name is a short name, usually the source file's.
	Name string
	// X holds one observation per row.
	X *mat32.Dense
	// Labels holds a class index into Classes per row, or NoLabel. It is
	// nil for unlabelled data.
	Labels []int
	// Classes names the classes that Labels index.
	Classes []string
	// Meta holds extra per-row columns (e.g. the Projector's metadata.tsv).
	Meta []Column
	// Image is the image layout of each row, or zero.
	Image ImageShape
	// SourceType is the element type in the file the data came from, e.g.
	// "uint8" or "float64"; X is always float32.
	SourceType string
}

// Len returns the number of observations.
func (d *Dataset) Len() int {
	if d.X == nil {
		return 0
	}
	return d.X.Rows
}

// Dim returns the number of values per observation.
func (d *Dataset) Dim() int {
	if d.X == nil {
		return 0
	}
	return d.X.Cols
}

// HasLabels reports whether the rows carry class labels.
func (d *Dataset) HasLabels() bool { return d.Labels != nil }

// Label returns the class name of row i, or "" when it has none.
func (d *Dataset) Label(i int) string {
	if d.Labels == nil || d.Labels[i] == NoLabel {
		return ""
	}
	return d.Classes[d.Labels[i]]
}

// Validate checks that the parts of d agree with each other.
func (d *Dataset) Validate() error {
	if d.X == nil {
		return errors.New("dataset: no data matrix")
	}
	n := d.X.Rows
	if len(d.X.Data) != n*d.X.Cols {
		return fmt.Errorf("dataset: matrix holds %d values for %d×%d", len(d.X.Data), n, d.X.Cols)
	}
	if d.Labels != nil {
		if len(d.Labels) != n {
			return fmt.Errorf("dataset: %d labels for %d rows", len(d.Labels), n)
		}
		for i, l := range d.Labels {
			if l != NoLabel && (l < 0 || l >= len(d.Classes)) {
				return fmt.Errorf("dataset: row %d: label %d outside the %d classes", i, l, len(d.Classes))
			}
		}
	}
	for _, c := range d.Meta {
		if len(c.Values) != n {
			return fmt.Errorf("dataset: metadata column %q has %d values for %d rows", c.Name, len(c.Values), n)
		}
	}
	if d.Image.IsImage() && d.Image.Size() != d.X.Cols {
		return fmt.Errorf("dataset: image shape %v holds %d values, rows have %d", d.Image, d.Image.Size(), d.X.Cols)
	}
	return nil
}

// CheckFinite returns an error naming the count of NaN/Inf values and the
// first row that holds one; algorithms call it to refuse such input.
func (d *Dataset) CheckFinite() error {
	return CheckFinite(d.Name, d.X)
}

// CheckFinite returns an error if m holds NaN or ±Inf values, naming the
// count and the first offending row, prefixed by name when it is not empty.
func CheckFinite(name string, m *mat32.Dense) error {
	if c, r := mat32.CountNonFinite(m); c > 0 {
		if name != "" {
			name += ": "
		}
		return fmt.Errorf("%s%d NaN/Inf values (first in row %d)", name, c, r)
	}
	return nil
}

// LabelCounts returns how many rows each class has, in class order, and the
// number of unlabelled rows.
func (d *Dataset) LabelCounts() (counts []int, unlabelled int) {
	counts = make([]int, len(d.Classes))
	for _, l := range d.Labels {
		if l == NoLabel {
			unlabelled++
		} else {
			counts[l]++
		}
	}
	return counts, unlabelled
}

// SetLabels sets Labels and Classes from one string per row; the empty
// string means no label. Classes are sorted, except that names that are all
// integers sort numerically ("2" before "10").
func (d *Dataset) SetLabels(names []string) {
	set := map[string]bool{}
	for _, s := range names {
		if s != "" {
			set[s] = true
		}
	}
	classes := make([]string, 0, len(set))
	for s := range set {
		classes = append(classes, s)
	}
	sort.Slice(classes, func(i, j int) bool { return lessNatural(classes[i], classes[j]) })
	index := make(map[string]int, len(classes))
	for i, s := range classes {
		index[s] = i
	}
	d.Classes = classes
	d.Labels = make([]int, len(names))
	for i, s := range names {
		if s == "" {
			d.Labels[i] = NoLabel
		} else {
			d.Labels[i] = index[s]
		}
	}
}

func lessNatural(a, b string) bool {
	ai, aok := atoiStrict(a)
	bi, bok := atoiStrict(b)
	switch {
	case aok && bok:
		return ai < bi
	case aok != bok:
		return aok
	}
	return a < b
}

func atoiStrict(s string) (int, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ClassIndex returns the index of the class called name, or -1.
func (d *Dataset) ClassIndex(name string) int {
	for i, c := range d.Classes {
		if c == name {
			return i
		}
	}
	return -1
}

// MetaColumn returns the metadata column called name, or nil.
func (d *Dataset) MetaColumn(name string) *Column {
	for i := range d.Meta {
		if d.Meta[i].Name == name {
			return &d.Meta[i]
		}
	}
	return nil
}

// Subset returns a new Dataset with the rows listed in idx, in that order.
// The matrix rows are copied; class names are shared.
func (d *Dataset) Subset(idx []int) *Dataset {
	out := &Dataset{Name: d.Name, Classes: d.Classes, Image: d.Image}
	out.X = mat32.Gather(nil, d.X, idx)
	if d.Labels != nil {
		out.Labels = make([]int, len(idx))
		for k, i := range idx {
			out.Labels[k] = d.Labels[i]
		}
	}
	for _, c := range d.Meta {
		nc := Column{Name: c.Name, Values: make([]string, len(idx))}
		for k, i := range idx {
			nc.Values[k] = c.Values[i]
		}
		out.Meta = append(out.Meta, nc)
	}
	return out
}

// Head returns a view of the first n rows (no copy of the matrix).
func (d *Dataset) Head(n int) *Dataset {
	n = min(n, d.Len())
	out := &Dataset{Name: d.Name, Classes: d.Classes, Image: d.Image, X: d.X.Slice(0, n)}
	if d.Labels != nil {
		out.Labels = d.Labels[:n]
	}
	for _, c := range d.Meta {
		out.Meta = append(out.Meta, Column{Name: c.Name, Values: c.Values[:n]})
	}
	return out
}

// Concat appends the rows of b to those of a and returns the result. Both
// must have the same dimension; labels are merged by class name.
func Concat(a, b *Dataset) (*Dataset, error) {
	if a.Dim() != b.Dim() {
		return nil, fmt.Errorf("dataset: cannot concatenate %d-d and %d-d rows", a.Dim(), b.Dim())
	}
	out := &Dataset{Name: a.Name, Image: a.Image}
	out.X = mat32.New(a.Len()+b.Len(), a.Dim())
	copy(out.X.Data, a.X.Data)
	copy(out.X.Data[len(a.X.Data):], b.X.Data)
	if a.Labels != nil || b.Labels != nil {
		names := make([]string, 0, out.X.Rows)
		for _, d := range []*Dataset{a, b} {
			for i := 0; i < d.Len(); i++ {
				names = append(names, d.Label(i))
			}
		}
		out.SetLabels(names)
	}
	for _, c := range a.Meta {
		if bc := b.MetaColumn(c.Name); bc != nil {
			out.Meta = append(out.Meta, Column{Name: c.Name, Values: append(append([]string{}, c.Values...), bc.Values...)})
		}
	}
	return out, nil
}
