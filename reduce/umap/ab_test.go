package umap

import (
	"math"
	"strings"
	"testing"
)

// TestFindABUMAPLearn compares FindAB with umap-learn 0.5.3's
// find_ab_params (scipy 1.10.1's curve_fit), as printed by
// testdata/umap_fixture.py.
func TestFindABUMAPLearn(t *testing.T) {
	for _, c := range []struct{ spread, minDist, a, b float64 }{
		{1, 0.1, 1.5769434602, 0.8950608780},
		{1, 0, 1.9328083976, 0.7904949734},
		{1, 0.001, 1.9290733952, 0.7915045330},
		{1, 0.5, 0.5830300205, 1.3341669929},
		{1, 0.99, 0.1193053001, 1.9163904159},
		{2, 0.5, 0.2588787412, 1.0574996996},
		{0.5, 0.25, 3.7062902044, 1.3341672473},
	} {
		a, b, err := FindAB(c.spread, c.minDist)
		if err != nil {
			t.Fatalf("spread %g min-dist %g: %v", c.spread, c.minDist, err)
		}
		if math.Abs(a-c.a) > 1e-5*c.a || math.Abs(b-c.b) > 1e-5*c.b {
			t.Errorf("spread %g min-dist %g: a=%.10f b=%.10f, umap-learn a=%.10f b=%.10f", c.spread, c.minDist, a, b, c.a, c.b)
		}
	}
}

func TestFindABBadInput(t *testing.T) {
	for _, c := range []struct {
		spread, minDist float64
		want            string
	}{
		{1, 1.5, "min-dist"},
		{0, 0, "spread"},
		{-1, 0.1, "spread"},
		{1, -0.1, "min-dist"},
		{math.NaN(), 0.1, "spread"},
		{1, math.Inf(1), "min-dist"},
	} {
		if _, _, err := FindAB(c.spread, c.minDist); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("spread %g min-dist %g: error %v, want one naming %s", c.spread, c.minDist, err, c.want)
		}
	}
}
