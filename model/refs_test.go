package model

import (
	"context"
	"errors"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/mat32"
)

func TestParseRef(t *testing.T) {
	exists := func(p string) bool { return p == "codes.npy" }
	for _, c := range []struct {
		in   string
		kind RefKind
		row  int
		name string
		seed uint64
		code []float32
	}{
		{"12", RefRow, 12, "", 0, nil},
		{"#3", RefRow, 3, "", 0, nil},
		{"label:Sneaker", RefLabel, 0, "Sneaker", 0, nil},
		{"label:7", RefLabel, 0, "7", 0, nil},
		{"Sandal", RefLabel, 0, "Sandal", 0, nil},
		{"codes.npy", RefFile, 0, "codes.npy", 0, nil},
		{"file:x.npy", RefFile, 0, "x.npy", 0, nil},
		{"prior:42", RefPrior, 0, "", 42, nil},
		{"z:1,-0.5, 2", RefCode, 0, "", 0, []float32{1, -0.5, 2}},
	} {
		r, err := ParseRef(c.in, exists)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if r.Kind != c.kind || r.Row != c.row || r.Name != c.name || r.Seed != c.seed || len(r.Code) != len(c.code) {
			t.Errorf("%q: %+v", c.in, r)
		}
		for i := range c.code {
			if r.Code[i] != c.code[i] {
				t.Errorf("%q: code %v", c.in, r.Code)
			}
		}
	}
	for _, c := range []struct{ in, want string }{
		{"", "empty reference"},
		{"-3", "row numbers start at 0"},
		{"label:", "no label"},
		{"file:", "no path"},
		{"prior:x", "non-negative integer"},
		{"z:1,a", `"a" is not a number`},
		{"z:1,NaN", `"NaN" is not a number`},
	} {
		_, err := ParseRef(c.in, nil)
		wantErr(t, c.in, err, c.want)
	}
}

// TestResolveRef resolves each kind of reference against a small VAE and
// checks it against the codes computed directly.
func TestResolveRef(t *testing.T) {
	d := blobs(60, 16, 3, 41)
	m, err := Train(context.Background(), d, smallConfig(VAE, MLP, 3), TrainOptions{Epochs: 2, Batch: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	mu, _, _ := m.Encode(d.X, nil)
	fileData := &dataset.Dataset{Name: "f", X: d.X.Slice(5, 6)}
	codeFile := &dataset.Dataset{Name: "c", X: mat32.FromRows([][]float32{{1, 2, 3}})}
	opt := ResolveOptions{Data: d, Load: func(p string) (*dataset.Dataset, error) {
		switch p {
		case "row.npy":
			return fileData, nil
		case "code.npy":
			return codeFile, nil
		}
		return nil, errors.New("no such file " + p)
	}}
	get := func(s string) ([]float32, string) {
		r, err := ParseRef(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		z, caption, err := r.Resolve(m, opt)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return z, caption
	}
	close := func(a, b []float32) bool {
		for i := range a {
			if d := a[i] - b[i]; d > 1e-5 || d < -1e-5 {
				return false
			}
		}
		return len(a) == len(b)
	}
	if z, c := get("7"); !close(z, mu.Row(7)) || c != "#7 b" {
		t.Errorf("row 7: %v %q, want %v", z, c, mu.Row(7))
	}
	// Label "a": rows 0, 3, 6, …
	var rows []int
	for i := 0; i < d.Len(); i += 3 {
		rows = append(rows, i)
	}
	want := mat32.ColMeans(nil, mat32.Gather(nil, mu, rows))
	if z, c := get("label:a"); !close(z, want) || c != "a" {
		t.Errorf("label a: %v %q, want %v", z, c, want)
	}
	if z, _ := get("file:row.npy"); !close(z, mu.Row(5)) {
		t.Errorf("file row: %v, want %v", z, mu.Row(5))
	}
	if z, _ := get("file:code.npy"); !close(z, []float32{1, 2, 3}) {
		t.Errorf("file code: %v", z)
	}
	a, c := get("prior:3")
	b, _ := get("prior:3")
	if !close(a, b) || c != "prior 3" {
		t.Errorf("prior: %v %v %q", a, b, c)
	}
	for _, c := range []struct{ in, want string }{
		{"99", "row 99 out of range"},
		{"label:zz", `"zz" is not a label`},
		{"file:none.npy", "no such file"},
		{"z:1,2", "has 2 values, the latent dimension is 3"},
	} {
		r, _ := ParseRef(c.in, nil)
		_, _, err := r.Resolve(m, opt)
		wantErr(t, c.in, err, c.want)
	}
	r, _ := ParseRef("3", nil)
	_, _, err = r.Resolve(m, ResolveOptions{})
	wantErr(t, "no data", err, "no data were given")
	wrong := &dataset.Dataset{Name: "w", X: mat32.New(1, 7)}
	r, _ = ParseRef("file:w.npy", nil)
	_, _, err = r.Resolve(m, ResolveOptions{Load: func(string) (*dataset.Dataset, error) { return wrong, nil }})
	wantErr(t, "file width", err, "neither a code (3) nor a data row (16)")
}
