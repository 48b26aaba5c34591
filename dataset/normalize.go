package dataset

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/latentlab/latent/mat32"
)

// Normalization kinds.
const (
	// NormNone leaves values unchanged.
	NormNone = "none"
	// NormScale maps [Min, Max] to [0, 1] with one global range (images:
	// 0..255 becomes 0..1).
	NormScale = "scale"
	// NormStandardize subtracts each column's mean and divides by its
	// standard deviation (columns with zero spread are only centred).
	NormStandardize = "standardize"
)

// Normalizer is a fitted, reversible transformation of the columns of X. It
// is plain data and serialises to JSON, so a model file can record it and a
// later run re-apply it to new data.
type Normalizer struct {
	Kind string `json:"kind"`
	// Min and Max are the global range for NormScale.
	Min float32 `json:"min,omitempty"`
	Max float32 `json:"max,omitempty"`
	// Mean and Std are per column for NormStandardize.
	Mean []float32 `json:"mean,omitempty"`
	Std  []float32 `json:"std,omitempty"`
}

// FitNormalizer fits a Normalizer of the given kind on m.
func FitNormalizer(kind string, m *mat32.Dense) (*Normalizer, error) {
	switch kind {
	case NormNone, "":
		return &Normalizer{Kind: NormNone}, nil
	case NormScale:
		lo, hi, ok := mat32.MinMax(m.Data)
		if !ok {
			return nil, fmt.Errorf("dataset: cannot fit a scale normaliser: no finite values")
		}
		return &Normalizer{Kind: NormScale, Min: lo, Max: hi}, nil
	case NormStandardize:
		mean := mat32.ColMeans(nil, m)
		std := mat32.ColStds(nil, m, mean)
		return &Normalizer{Kind: NormStandardize, Mean: mean, Std: std}, nil
	}
	return nil, fmt.Errorf("dataset: unknown normalisation %q (want none, scale or standardize)", kind)
}

// Apply transforms m in place.
func (n *Normalizer) Apply(m *mat32.Dense) error {
	return n.apply(m, false)
}

// Invert undoes Apply on m in place.
func (n *Normalizer) Invert(m *mat32.Dense) error {
	return n.apply(m, true)
}

func (n *Normalizer) apply(m *mat32.Dense, inverse bool) error {
	switch n.Kind {
	case NormNone, "":
		return nil
	case NormScale:
		span := n.Max - n.Min
		if span == 0 {
			span = 1
		}
		for i, v := range m.Data {
			if inverse {
				m.Data[i] = v*span + n.Min
			} else {
				m.Data[i] = (v - n.Min) / span
			}
		}
		return nil
	case NormStandardize:
		if len(n.Mean) != m.Cols || len(n.Std) != m.Cols {
			return fmt.Errorf("dataset: normaliser fitted on %d columns, data has %d", len(n.Mean), m.Cols)
		}
		for i := 0; i < m.Rows; i++ {
			r := m.Row(i)
			for j, v := range r {
				s := n.Std[j]
				if s == 0 || math.IsNaN(float64(s)) {
					s = 1
				}
				if inverse {
					r[j] = v*s + n.Mean[j]
				} else {
					r[j] = (v - n.Mean[j]) / s
				}
			}
		}
		return nil
	}
	return fmt.Errorf("dataset: unknown normalisation %q", n.Kind)
}

// MarshalNormalizer returns n as JSON.
func MarshalNormalizer(n *Normalizer) ([]byte, error) { return json.Marshal(n) }

// UnmarshalNormalizer parses JSON written by MarshalNormalizer.
func UnmarshalNormalizer(b []byte) (*Normalizer, error) {
	var n Normalizer
	if err := json.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("dataset: normaliser: %w", err)
	}
	switch n.Kind {
	case NormNone, NormScale, NormStandardize, "":
	default:
		return nil, fmt.Errorf("dataset: normaliser: unknown kind %q", n.Kind)
	}
	if len(n.Mean) != len(n.Std) {
		return nil, fmt.Errorf("dataset: normaliser: %d means but %d standard deviations", len(n.Mean), len(n.Std))
	}
	return &n, nil
}
