package knn

import (
	"math"
	"strings"
	"testing"
)

func TestParseMetric(t *testing.T) {
	for s, want := range map[string]Metric{
		"euclidean": Euclidean, "L2": Euclidean, "cosine": Cosine, "angular": Cosine,
		"ip": InnerProduct, "dot": InnerProduct, " Manhattan ": Manhattan, "l1": Manhattan,
		"cityblock": Manhattan, "taxicab": Manhattan,
	} {
		got, err := ParseMetric(s)
		if err != nil || got != want {
			t.Errorf("ParseMetric(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, m := range []Metric{Euclidean, Cosine, InnerProduct, Manhattan} {
		if got, err := ParseMetric(m.String()); err != nil || got != m {
			t.Errorf("ParseMetric(%v.String()) = %v, %v", m, got, err)
		}
	}
	_, err := ParseMetric("chebyshev")
	if err == nil || !strings.Contains(err.Error(), `unknown metric "chebyshev" (known: euclidean, cosine, ip, manhattan)`) {
		t.Errorf("ParseMetric(chebyshev): error %v", err)
	}
	if Metric(4).Valid() || Metric(-1).Valid() || !Manhattan.Valid() {
		t.Error("Valid is wrong at the ends of the range")
	}
}

func TestManhattanDistance(t *testing.T) {
	x := []float32{1, -2, 3, 0.5}
	y := []float32{-1, 2, 3, 0}
	if got := Manhattan.Distance(x, y); got != 6.5 {
		t.Errorf("Distance = %v, want 6.5", got)
	}
	if got := Manhattan.Distance(x, x); got != 0 {
		t.Errorf("Distance to itself = %v", got)
	}
	// Odd lengths on both sides of the assembly threshold, against float64.
	for _, n := range []int{7, 15, 17, 33, 101} {
		a, b := make([]float32, n), make([]float32, n)
		var want float64
		for i := range a {
			a[i], b[i] = float32(i%5)-1.5, float32(i%3)*0.25
			want += math.Abs(float64(a[i]) - float64(b[i]))
		}
		if got := Manhattan.Distance(a, b); math.Abs(float64(got)-want) > 1e-5*want {
			t.Errorf("n=%d: Distance = %v, want %v", n, got, want)
		}
	}
}
