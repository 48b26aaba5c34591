package knn

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

// wordVectors is a small word-vector set (royal, male and young directions
// plus noise) with one unique label per row, as formats/word2vec loads it.
func wordVectors() *dataset.Dataset {
	names := []string{"king", "queen", "man", "woman", "prince", "princess", "boy", "girl", "apple", "pear", "car", "truck", "T-shirt/top", "new york"}
	rows := [][]float32{
		{0.304, -1.462, 0.893, 0.197, -0.948, -0.395},
		{0.143, -0.976, 0.52, 1.989, -2.607, -1.917},
		{0.332, -0.296, 0.07, -0.664, 0.442, 0.682},
		{-0.633, 0.216, 0.066, 1.029, -0.666, -0.54},
		{0.223, -0.08, 1.244, -0.565, -0.831, -1.436},
		{-0.116, 0.55, 1.094, 0.938, -2.317, -2.905},
		{-0.203, 0.512, 0.571, -1.984, 1.135, 0.209},
		{0.19, 0.925, 0.615, 0.065, -0.689, -2.17},
		{-0.199, -0.74, 0.415, 0.441, 2.653, -0.252},
		{2.385, -1.85, -1.401, -1.695, -0.491, -1.814},
		{2.751, 4.246, 0.438, -1.527, -2.878, 0.449},
		{-0.199, -1.259, -2.662, -1.085, -0.37, 2.434},
		{3.146, -1.244, 1.061, -1.221, 1.261, 0.21},
		{-1.525, 0.325, 2.245, 0.572, -0.049, 0.889},
	}
	d := &dataset.Dataset{Name: "words", X: mat32.FromRows(rows)}
	d.Labels = make([]int, len(names))
	for i := range names {
		d.Labels[i] = i
	}
	d.Classes = names
	d.Meta = []dataset.Column{{Name: "word", Values: names}}
	return d
}

// The expected answers come from gensim 4.2.0,
// KeyedVectors.most_similar(positive, negative, topn=4) on the same
// vectors (similarities rounded to 6 decimals).
func TestMostSimilarMatchesGensim(t *testing.T) {
	d := wordVectors()
	type answer struct {
		word string
		sim  float64
	}
	for _, c := range []struct {
		expr string
		want []answer
	}{
		{"king - man + woman", []answer{{"queen", 0.945587}, {"princess", 0.84845}, {"girl", 0.562343}, {"prince", 0.471984}}},
		{"princess", []answer{{"girl", 0.891721}, {"queen", 0.846684}, {"prince", 0.788004}, {"woman", 0.719781}}},
		{"boy -man", []answer{{"girl", 0.70257}, {"prince", 0.489962}, {"princess", 0.461468}, {"woman", 0.260613}}},
		{"0.5*king + 2 * girl - apple", []answer{{"princess", 0.944727}, {"prince", 0.828659}, {"queen", 0.719754}, {"woman", 0.515523}}},
	} {
		e, err := ParseExpr(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		g, err := MostSimilar(context.Background(), d, e, 4)
		if err != nil {
			t.Fatal(err)
		}
		idx, dist := g.Row(0)
		for j, w := range c.want {
			got := d.Label(int(idx[j]))
			sim := 1 - float64(dist[j])
			if got != w.word || math.Abs(sim-w.sim) > 2e-6 {
				t.Errorf("%q rank %d: %s %.6f, want %s %.6f", c.expr, j, got, sim, w.word, w.sim)
			}
		}
	}
}

func TestParseExpr(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"king - man + woman", "king - man + woman"},
		{"king -man +woman", "king - man + woman"},
		{"-man", "-man"},
		{"T-shirt/top + bag", "T-shirt/top + bag"},
		{`"new york" - 'usa'`, `"new york" - usa`},
		{"0.5*king + 2 * queen - 1e-1*#12", "0.5*king + 2*queen - 0.1*#12"},
		{"#0", "#0"},
		{"7", "7"},
		{"2*7", "2*7"},
	} {
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := e.String(); got != c.want {
			t.Errorf("%q parsed as %q, want %q", c.in, got, c.want)
		}
		again, err := ParseExpr(e.String())
		if err != nil || again.String() != e.String() {
			t.Errorf("%q: String does not parse back: %v", c.in, err)
		}
	}
}

func TestParseExprErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "empty expression"},
		{"   ", "empty expression"},
		{"king -", "ends with an operator"},
		{"king man", `missing + or - before "man"`},
		{"x*king", `coefficient "x" is not a number`},
		{"2*", "coefficient without a term"},
		{"* king", "'*' must follow a number"},
		{`"new york`, "unterminated quote"},
		{"#-3", "bad row"},
		{"#1x", "bad row"},
		{"king + ''", "empty quoted name"},
		{"NaN*king", "is not a number"},
	} {
		_, err := ParseExpr(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

func TestExprVectorErrorsAndExclusion(t *testing.T) {
	d := wordVectors()
	bad := []struct{ expr, want string }{
		{"kingg", `"kingg" is not a label or metadata value of words`},
		{"#14", "row #14 out of range: the data have 14 rows"},
		{"king - king", "sums to the zero vector"},
		{"0*king", "sums to the zero vector"},
	}
	for _, c := range bad {
		e, err := ParseExpr(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.Vector(d); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.expr, err, c.want)
		}
	}
	e, _ := ParseExpr("king + #3 + 'new york'")
	_, ex, err := e.Vector(d)
	if err != nil || fmt.Sprint(ex) != "[0 3 13]" {
		t.Errorf("exclude = %v (%v), want [0 3 13]", ex, err)
	}
	// A label carried by several rows is a class: its centroid direction,
	// nothing excluded.
	c := &dataset.Dataset{X: mat32.FromRows([][]float32{{1, 0}, {0, 1}, {1, 1}, {-1, 0}})}
	c.SetLabels([]string{"a", "a", "b", "c"})
	e, _ = ParseExpr("a")
	q, ex, err := e.Vector(c)
	if err != nil || len(ex) != 0 || math.Abs(float64(q[0]-q[1])) > 1e-7 {
		t.Errorf("class term: q=%v exclude=%v err=%v", q, ex, err)
	}
	g, _ := MostSimilar(context.Background(), c, e, 2)
	if idx, _ := g.Row(0); idx[0] != 2 {
		t.Errorf("nearest to class a's centroid: %v, want row 2 first", idx)
	}
	if _, err := Lookup(&dataset.Dataset{Name: "plain", X: c.X}, "a"); err == nil || !strings.Contains(err.Error(), "plain has no labels or metadata") {
		t.Errorf("Lookup without labels: %v", err)
	}
}

func TestSearchExcluding(t *testing.T) {
	d := wordVectors()
	g, err := SearchExcluding(context.Background(), d.X, d.X.Row(0), 3, Euclidean, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := g.Row(0)
	for _, i := range idx {
		if i == 0 {
			t.Fatal("row 0 not excluded")
		}
	}
	if _, err := SearchExcluding(context.Background(), d.X.Slice(0, 3), d.X.Row(0), 3, Euclidean, []int{0}); err == nil || !strings.Contains(err.Error(), "k=3: only 2 rows are left") {
		t.Errorf("k above the rows left: %v", err)
	}
	if _, err := SearchExcluding(context.Background(), d.X, []float32{1}, 3, Euclidean, nil); err == nil {
		t.Error("dimension mismatch accepted")
	}
}

// Example: the word-vector classic, answered as gensim's most_similar does.
func ExampleMostSimilar() {
	d := wordVectors()
	e, _ := ParseExpr("king - man + woman")
	g, _ := MostSimilar(context.Background(), d, e, 3)
	idx, dist := g.Row(0)
	for j := range idx {
		fmt.Printf("%-8s %.4f\n", d.Label(int(idx[j])), 1-dist[j])
	}
	// Output:
	// queen    0.9456
	// princess 0.8484
	// girl     0.5623
}

// FuzzParseExpr: no input may panic the parser, and what it accepts must
// print back (String) to text that parses to the same expression.
func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"king - man + woman", "0.5*#12 + 'T-shirt/top'", `-"new york" +2 * x`, "#", "1e400*a", "a*b", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpr(s)
		if err != nil {
			return
		}
		if len(e.Terms) == 0 {
			t.Fatalf("%q: accepted with no terms", s)
		}
		back, err := ParseExpr(e.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, e.String(), err)
		}
		if back.String() != e.String() {
			t.Fatalf("%q: %q reparsed as %q", s, e.String(), back.String())
		}
	})
}
