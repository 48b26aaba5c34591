package dataset

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/latentlab/latent/mat32"
)

func labelled(n int) *Dataset {
	d := &Dataset{X: mat32.New(n, 2)}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprint(i % 10)
		d.X.Set(i, 0, float32(i))
	}
	d.SetLabels(names)
	return d
}

func TestSetLabelsNaturalOrder(t *testing.T) {
	d := &Dataset{X: mat32.New(4, 1)}
	d.SetLabels([]string{"10", "2", "", "b"})
	if want := []string{"2", "10", "b"}; !slices.Equal(d.Classes, want) {
		t.Fatalf("classes %v, want %v", d.Classes, want)
	}
	if want := []int{1, 0, NoLabel, 2}; !slices.Equal(d.Labels, want) {
		t.Fatalf("labels %v, want %v", d.Labels, want)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSplitStratifiedAndSeeded(t *testing.T) {
	d := labelled(1000)
	s, err := SplitIndices(d, 0.1, 0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Train) != 700 || len(s.Validation) != 100 || len(s.Test) != 200 {
		t.Fatalf("sizes %d/%d/%d", len(s.Train), len(s.Validation), len(s.Test))
	}
	seen := map[int]bool{}
	for _, set := range [][]int{s.Train, s.Validation, s.Test} {
		for _, i := range set {
			if seen[i] {
				t.Fatalf("row %d in two sets", i)
			}
			seen[i] = true
		}
	}
	perClass := make([]int, 10)
	for _, i := range s.Validation {
		perClass[d.Labels[i]]++
	}
	for c, n := range perClass {
		if n != 10 {
			t.Fatalf("class %d has %d validation rows, want 10 (stratified)", c, n)
		}
	}
	s2, _ := SplitIndices(d, 0.1, 0.2, 7)
	if !slices.Equal(s.Train, s2.Train) {
		t.Fatal("same seed gave a different split")
	}
	s3, _ := SplitIndices(d, 0.1, 0.2, 8)
	if slices.Equal(s.Train, s3.Train) {
		t.Fatal("another seed gave the same split")
	}
	if _, err := SplitIndices(d, 0.7, 0.5, 1); err == nil {
		t.Fatal("fractions summing over 1 must fail")
	}
}

func TestSampleIndices(t *testing.T) {
	idx := SampleIndices(100000, 500, 3)
	if len(idx) != 500 || !slices.IsSorted(idx) {
		t.Fatalf("len %d sorted %v", len(idx), slices.IsSorted(idx))
	}
	for i := 1; i < len(idx); i++ {
		if idx[i] == idx[i-1] {
			t.Fatal("duplicate index")
		}
	}
	if !slices.Equal(idx, SampleIndices(100000, 500, 3)) {
		t.Fatal("not deterministic")
	}
	if len(SampleIndices(5, 10, 1)) != 5 {
		t.Fatal("n > total must return all rows")
	}
}

func TestNormalizerRoundTrip(t *testing.T) {
	m := mat32.FromRows([][]float32{{0, 10, 5}, {255, 30, 5}, {100, 20, 5}})
	for _, kind := range []string{NormNone, NormScale, NormStandardize} {
		n, err := FitNormalizer(kind, m)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := MarshalNormalizer(n)
		n2, err := UnmarshalNormalizer(b)
		if err != nil {
			t.Fatal(err)
		}
		x := m.Clone()
		if err := n2.Apply(x); err != nil {
			t.Fatal(err)
		}
		if kind == NormScale && (x.At(1, 0) != 1 || x.At(0, 0) != 0) {
			t.Fatalf("scale: %v", x)
		}
		if kind == NormStandardize {
			means := mat32.ColMeans(nil, x)
			for _, v := range means {
				if math.Abs(float64(v)) > 1e-5 {
					t.Fatalf("standardised means %v", means)
				}
			}
		}
		if err := n2.Invert(x); err != nil {
			t.Fatal(err)
		}
		for i := range x.Data {
			if math.Abs(float64(x.Data[i]-m.Data[i])) > 1e-3 {
				t.Fatalf("%s: round trip %v, want %v", kind, x, m)
			}
		}
	}
	if _, err := FitNormalizer("bogus", m); err == nil {
		t.Fatal("unknown kind must fail")
	}
}

func TestValidateAndSubset(t *testing.T) {
	d := labelled(20)
	d.Meta = []Column{{Name: "id", Values: make([]string, 20)}}
	for i := range d.Meta[0].Values {
		d.Meta[0].Values[i] = fmt.Sprint("r", i)
	}
	s := d.Subset([]int{5, 15})
	if s.Len() != 2 || s.Label(1) != "5" || s.Meta[0].Values[0] != "r5" || s.X.At(1, 0) != 15 {
		t.Fatalf("subset wrong: %v %v", s.Labels, s.Meta)
	}
	d.Meta[0].Values = d.Meta[0].Values[:3]
	if err := d.Validate(); err == nil {
		t.Fatal("short metadata column must fail validation")
	}
	if err := CheckFinite("x.npy", mat32.FromRows([][]float32{{1}, {float32(math.Inf(1))}})); err == nil || err.Error() != "x.npy: 1 NaN/Inf values (first in row 1)" {
		t.Fatalf("CheckFinite: %v", err)
	}
}
