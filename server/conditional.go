package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/latentlab/latent/mat32"
)

// ConditionalModel is a Model whose encoder and decoder also take the class
// of each row, such as a conditional VAE. Its plain Encode, Decode and
// Sample refuse; the model endpoints call the methods below with the
// classes a request names (field "class") or, for dataset rows, with the
// rows' labels. classes holds one index into Classes per row.
type ConditionalModel interface {
	Model
	// Classes names the classes the model was trained on.
	Classes() []string
	// EncodeClass maps rows of data of the given classes to latent vectors.
	EncodeClass(ctx context.Context, x *mat32.Dense, classes []int) (*mat32.Dense, error)
	// DecodeClass maps latent vectors to data rows of the given classes.
	DecodeClass(ctx context.Context, z *mat32.Dense, classes []int) (*mat32.Dense, error)
	// SampleClass draws len(classes) rows, one of each given class.
	SampleClass(ctx context.Context, n int, seed uint64, classes []int) (*mat32.Dense, error)
}

// classIndex returns the index of the class called name in m's classes.
func classIndex(m ConditionalModel, name string) (int, error) {
	names := m.Classes()
	for i, n := range names {
		if n == name {
			return i, nil
		}
	}
	shown := names
	if len(shown) > 20 {
		shown = shown[:20]
	}
	return 0, unprocessable(fmt.Errorf("class %q: the model knows %d classes: %s", clip(name), len(names), strings.Join(shown, ", ")))
}

// requestClasses returns n copies of the class the request names, or nil
// when it names none.
func requestClasses(m ConditionalModel, req modelRequest, n int) ([]int, error) {
	if req.Class == nil {
		return nil, nil
	}
	c, err := classIndex(m, *req.Class)
	if err != nil {
		return nil, err
	}
	out := make([]int, n)
	for i := range out {
		out[i] = c
	}
	return out, nil
}

// rowClasses returns the classes of the given rows of the loaded dataset l,
// from their labels.
func rowClasses(m ConditionalModel, l *loaded, rows []int) ([]int, error) {
	if l == nil || l.d.Labels == nil {
		return nil, unprocessable(fmt.Errorf("the model is conditional and the rows have no labels: give class"))
	}
	out := make([]int, len(rows))
	for i, r := range rows {
		lab := l.d.Labels[r]
		if lab < 0 {
			return nil, unprocessable(fmt.Errorf("row %d has no label, which the conditional model needs: give class", r))
		}
		c, err := classIndex(m, l.d.Classes[lab])
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// needClass is the error of a conditional model's call without a class.
func needClass(m ConditionalModel) error {
	return unprocessable(fmt.Errorf("the model is conditional: give class (one of its %d classes)", len(m.Classes())))
}

// encodeRows encodes x, rows of l when rows is not nil, with m; a
// conditional model takes the request's class, else the rows' labels.
func encodeRows(ctx context.Context, m Model, req modelRequest, l *loaded, rows []int, x *mat32.Dense) (*mat32.Dense, error) {
	cm, ok := m.(ConditionalModel)
	if !ok {
		return m.Encode(ctx, x)
	}
	classes, err := requestClasses(cm, req, x.Rows)
	if err != nil {
		return nil, err
	}
	if classes == nil {
		if rows == nil {
			return nil, needClass(cm)
		}
		if classes, err = rowClasses(cm, l, rows); err != nil {
			return nil, err
		}
	}
	return cm.EncodeClass(ctx, x, classes)
}

// decodeCodes decodes z with m; a conditional model takes the request's
// class, else fallback (one class per row) when not nil.
func decodeCodes(ctx context.Context, m Model, req modelRequest, z *mat32.Dense, fallback []int) (*mat32.Dense, error) {
	cm, ok := m.(ConditionalModel)
	if !ok {
		return m.Decode(ctx, z)
	}
	classes, err := requestClasses(cm, req, z.Rows)
	if err != nil {
		return nil, err
	}
	if classes == nil {
		if fallback == nil {
			return nil, needClass(cm)
		}
		classes = fallback
	}
	return cm.DecodeClass(ctx, z, classes)
}

// sampleRows draws n rows from m; a conditional model draws them of the
// request's class, else of its classes in turn (row i of class i mod C).
func sampleRows(ctx context.Context, m Model, req modelRequest, n int) (*mat32.Dense, error) {
	cm, ok := m.(ConditionalModel)
	if !ok {
		return m.Sample(ctx, n, req.Seed)
	}
	classes, err := requestClasses(cm, req, n)
	if err != nil {
		return nil, err
	}
	if classes == nil {
		classes = make([]int, n)
		for i := range classes {
			classes[i] = i % len(cm.Classes())
		}
	}
	return cm.SampleClass(ctx, n, req.Seed, classes)
}
