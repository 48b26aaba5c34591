package metrics

import (
	"fmt"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// checkMatrix returns an error if m is missing, empty, inconsistent or holds
// NaN/Inf values; name says which input it is.
func checkMatrix(name string, m *mat32.Dense) error {
	switch {
	case m == nil:
		return fmt.Errorf("metrics: no %s matrix", name)
	case m.Rows <= 0:
		return fmt.Errorf("metrics: %s has no rows", name)
	case m.Cols <= 0:
		return fmt.Errorf("metrics: %s has no columns", name)
	case len(m.Data) != m.Rows*m.Cols:
		return fmt.Errorf("metrics: %s holds %d values for %d×%d", name, len(m.Data), m.Rows, m.Cols)
	}
	return dataset.CheckFinite("metrics: "+name, m)
}

// checkPair checks an input and its embedding.
func checkPair(x, y *mat32.Dense) error {
	if err := checkMatrix("input", x); err != nil {
		return err
	}
	if err := checkMatrix("embedding", y); err != nil {
		return err
	}
	if x.Rows != y.Rows {
		return fmt.Errorf("metrics: the input has %d rows but the embedding has %d", x.Rows, y.Rows)
	}
	return nil
}

// checkLabels checks that labels has one entry per row, each a class index
// (≥ 0) or dataset.NoLabel, and returns the number of classes (largest label
// + 1).
func checkLabels(labels []int, n int) (int, error) {
	if len(labels) != n {
		return 0, fmt.Errorf("metrics: %d labels for %d rows", len(labels), n)
	}
	classes := 0
	for i, l := range labels {
		if l < 0 && l != dataset.NoLabel {
			return 0, fmt.Errorf("metrics: row %d: label %d is neither a class index nor NoLabel", i, l)
		}
		classes = max(classes, l+1)
	}
	return classes, nil
}

// labelled returns x and labels restricted to the labelled rows, without a
// copy when every row is labelled, and the row indices kept.
func labelled(x *mat32.Dense, labels []int) (*mat32.Dense, []int, []int) {
	var idx []int
	for i, l := range labels {
		if l != dataset.NoLabel {
			idx = append(idx, i)
		}
	}
	if len(idx) == len(labels) {
		return x, labels, idx
	}
	lab := make([]int, len(idx))
	for k, i := range idx {
		lab[k] = labels[i]
	}
	return mat32.Gather(nil, x, idx), lab, idx
}
